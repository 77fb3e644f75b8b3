import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import { AssetIndex, AssetRegisterError, identityHash, validateRegister } from '../../nodes/cti/assets';
import type { AssetRegister } from '../../nodes/cti/assets';
import { CtiMatcher, matchToDraft } from '../../nodes/cti/match';
import { fromList, fromMispEvent, fromStixObjects } from '../../nodes/cti/normalise';
import { LookalikeIndex } from '../../nodes/cti/lookalike';
import { Validators } from '../../nodes/platform';

const FIXTURE = path.join(__dirname, '../../../test/cti/fixtures/assets.json');
const register = (): AssetRegister => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const NOW = Date.UTC(2026, 5, 1);

describe('CTI asset register', () => {
  it('accepts the fixture register, which the platform also loads as the `assets` schema', () => {
    assert.doesNotThrow(() => validateRegister(register()));
    assert.doesNotThrow(() => new Validators().assert('assets', register()));
  });

  const BAD: Array<[string, (r: AssetRegister) => void, RegExp]> = [
    ['a missing criticality', (r) => { delete (r.domains![0] as { criticality?: string }).criticality; }, /\/domains\/0 must have required property 'criticality'/],
    ['an unknown criticality', (r) => { (r.domains![0] as { criticality: string }).criticality = 'severe'; }, /criticality.*low, medium, high, critical/],
    ['an id used twice', (r) => { r.ipRanges![0].id = 'portal'; }, /\/ipRanges\/0: id 'portal' is used twice/],
    ['an owner not listed', (r) => { r.domains![1].owner = 'nobody'; }, /\/domains\/1: owner 'nobody' is not in \/owners/],
    ['a bad CIDR', (r) => { r.ipRanges![0].cidr = '198.51.100.0/33'; }, /\/ipRanges\/0: '198.51.100.0\/33' is not an IP/],
    ['a name that is no domain', (r) => { r.domains![0].name = 'localhost'; }, /\/domains\/0: 'localhost' is not a domain/],
    ['a wrong punycode form', (r) => { r.domains![2].punycode = 'xn--brgerportal-abc.de'; }, /is not the ASCII form of 'bürgerportal.de' \(xn--brgerportal-thb.de\)/],
    ['an unhashed identity', (r) => { r.identities![0].hashes = ['mayor@democity.example']; }, /\/identities\/0\/hashes\/0 must match pattern/],
    ['a bad CPE', (r) => { r.hosts![0].software = [{ cpe: 'apache 2.4' }]; }, /\/hosts\/0\/software\/0\/cpe must match pattern/],
    ['an unknown property', (r) => { (r as unknown as Record<string, unknown>).servers = []; }, /must NOT have additional properties 'servers'/],
  ];
  for (const [what, spoil, message] of BAD) {
    it(`refuses ${what} with a clear error`, () => {
      const r = register();
      spoil(r);
      assert.throws(() => validateRegister(r), (err: unknown) => err instanceof AssetRegisterError && message.test(err.message));
    });
  }

  it('finds the most specific range or host for an address, and ranges inside a wider one', () => {
    const ix = new AssetIndex(register());
    assert.equal(ix.lookupIp('198.51.100.10')?.id, 'web1');
    assert.equal(ix.lookupIp('198.51.100.11')?.id, 'dmz');
    assert.equal(ix.lookupIp('198.51.100.128/25')?.id, 'dmz');
    assert.equal(ix.lookupIp('198.51.101.1'), undefined);
    assert.equal(ix.lookupIp('2001:db8:c17:1::5')?.id, 'v6');
    assert.equal(ix.lookupIp('::ffff:198.51.100.10')?.id, 'web1');
    assert.deepEqual(ix.rangesWithin('198.51.0.0/16').map((r) => r.id).sort(), ['dmz', 'web1']);
    assert.equal(ix.lookupDomain('www.city-portal.eu')?.ref.id, 'portal');
    assert.equal(ix.lookupDomain('xn--brgerportal-thb.de')?.ref.id, 'buerger');
  });
});

describe('CTI look-alike domains', () => {
  const ix = new LookalikeIndex([{ target: 'portal', domain: 'city-portal.eu' }, { target: 'oslo', domain: 'stadt-oslo.no' }]);
  const CASES: Array<[string, string | undefined]> = [
    ['city-portal.com', 'tld-swap'],
    ['city-portal.eu.com', 'tld-swap'],
    ['cityportal.eu', 'omission'],
    ['ctiy-portal.eu', 'transposition'],
    ['citty-portal.eu', 'repetition'],
    ['cityx-portal.eu', 'insertion'],
    ['kity-portal.eu', 'bit-flip'],
    ['cjty-portal.eu', 'replacement'],
    ['city--portal.eu', 'hyphenation'],
    ['clty-portal.eu', 'homoglyph'],
    [domainToASCII('cіty-portal.eu'), 'homoglyph'],
    ['stadt-os1o.no', 'homoglyph'],
    ['city-portal-login.com', 'combosquat'],
    ['city-portal.eu.login-check.com', 'subdomain-spoof'],
    ['city-portal.eu', undefined],
    ['www.city-portal.eu', undefined],
    ['example.org', undefined],
    ['pity-mortal.eu', undefined],
  ];
  for (const [seen, kind] of CASES) {
    it(`${seen}: ${kind ?? 'not a look-alike'}`, () => {
      const found = ix.find(seen);
      assert.equal(found[0]?.kind, kind, JSON.stringify(found));
      if (kind) assert.ok(found[0].score > 0.6 && found[0].score <= 1);
    });
  }
});

describe('CTI normalisation and matching', () => {
  const matcher = new CtiMatcher(new AssetIndex(register()));
  const stix = [
    { type: 'marking-definition', id: 'marking-definition--x-red', name: 'TLP:RED', definition_type: 'statement', definition: {} },
    { type: 'threat-actor', id: 'threat-actor--1', name: 'Sandworm' },
    { type: 'indicator', id: 'indicator--1', pattern: "[domain-name:value = 'city-portal-login.com'] OR [url:value = 'https://www.city-portal.eu/owa']", pattern_type: 'stix', valid_from: '2026-05-01T00:00:00Z', confidence: 90, created: '2026-05-01T00:00:00Z', modified: '2026-05-02T00:00:00Z', object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }] },
    { type: 'indicator', id: 'indicator--2', pattern: "[ipv4-addr:value = '198.51.100.10']", pattern_type: 'stix', valid_from: '2026-05-01T00:00:00Z', object_marking_refs: ['marking-definition--x-red'] },
    { type: 'indicator', id: 'indicator--3', pattern: "[ipv4-addr:value = '203.0.113.5']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z', valid_until: '2026-02-01T00:00:00Z' },
    { type: 'indicator', id: 'indicator--4', pattern: "[file:name = 'x' AND file:size > 5] FOLLOWEDBY [domain-name:value = 'a.example']", pattern_type: 'stix', valid_from: '2026-05-01T00:00:00Z', revoked: true },
    { type: 'indicator', id: 'indicator--5', pattern: '[domain-name:value = ', pattern_type: 'stix', valid_from: '2026-05-01T00:00:00Z' },
    { type: 'indicator', id: 'indicator--6', pattern: 'title: x', pattern_type: 'sigma', valid_from: '2026-05-01T00:00:00Z' },
    { type: 'relationship', id: 'relationship--1', relationship_type: 'indicates', source_ref: 'indicator--1', target_ref: 'threat-actor--1' },
    { type: 'report', id: 'report--1', name: 'Phishing wave against municipalities', object_refs: ['indicator--1'] },
  ];

  it('reads STIX: one indicator per value, TLP 1.0 and bundle markings, actors, report, validity, withdrawal, errors per object', () => {
    const { indicators, errors } = fromStixObjects(stix, { source: 'cert', now: NOW });
    assert.deepEqual(indicators.map((i) => [i.ref, i.kind, i.value]), [
      ['indicator--1', 'domain', 'city-portal-login.com'], ['indicator--1', 'url', 'https://www.city-portal.eu/owa'],
      ['indicator--2', 'ip', '198.51.100.10'], ['indicator--3', 'ip', '203.0.113.5'], ['indicator--4', 'pattern', stix[5].pattern],
    ]);
    const [first] = indicators;
    assert.equal(first.tlp, 'amber');
    assert.equal(first.confidence, 90);
    assert.deepEqual(first.actors, ['Sandworm']);
    assert.equal(first.report?.name, 'Phishing wave against municipalities');
    assert.deepEqual(first.killChain, [{ killChainName: 'mitre-attack', phaseName: 'initial-access' }]);
    assert.equal(indicators[2].tlp, 'red');
    assert.equal(indicators[3].withdrawn, true, 'expired');
    assert.equal(indicators[4].withdrawn, true, 'revoked');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^indicator--5: expected a literal at position 21/);
  });

  it('reads a MISP event: TLP tags (an attribute may be stricter), galaxy actors, composite types, deletions', () => {
    const event = { Event: {
      uuid: 'e-1', info: 'Credential dump naming Demo City', date: '2026-05-03', Tag: [{ name: 'tlp:amber' }, { name: 'misp-galaxy:threat-actor="Wizard Spider"' }],
      Attribute: [
        { uuid: 'a-1', type: 'email-src', value: 'mayor@democity.example', to_ids: true, Tag: [{ name: 'tlp:red' }] },
        { uuid: 'a-2', type: 'domain|ip', value: 'evil.example|198.51.100.77', to_ids: false },
        { uuid: 'a-3', type: 'md5', value: 'cead3f77f6cda6ec00f57d76c9a6879f', deleted: true },
        { uuid: 'a-4', type: 'text', value: 'Next target: Ada Lovelace at Demo City' },
        { uuid: 'a-5' },
      ],
    } };
    const { indicators, errors } = fromMispEvent(event, { source: 'isac' });
    assert.deepEqual(indicators.map((i) => [i.kind, i.value, i.tlp, i.confidence, i.withdrawn]), [
      ['email', 'mayor@democity.example', 'red', 75, false],
      ['domain', 'evil.example', 'amber', 50, false],
      ['ip', '198.51.100.77', 'amber', 50, false],
      ['hash', 'cead3f77f6cda6ec00f57d76c9a6879f', 'amber', 50, true],
      ['text', 'Next target: Ada Lovelace at Demo City', 'amber', 50, false],
    ]);
    assert.deepEqual(indicators[0].actors, ['Wizard Spider']);
    assert.equal(indicators[0].report?.name, 'Credential dump naming Demo City');
    assert.deepEqual(errors, ['e-1: an attribute without type or value']);
    assert.deepEqual(fromMispEvent({ nope: 1 }, { source: 'isac' }).errors, ['not a MISP event: no Event.uuid']);
  });

  it('reads a plain list and names the lines it cannot read', () => {
    const { indicators, errors } = fromList('# feed\ncity-portal.com\n198.51.100.0/25\nhttps://x.example/a\nbad.cafe\nnot a value\n', { source: 'list.txt' });
    assert.deepEqual(indicators.map((i) => i.kind), ['domain', 'ip', 'url', 'domain']);
    assert.deepEqual(errors, ["list.txt:6: 'not a value' is not a domain, IP, CIDR, URL, e-mail address or hash"]);
  });

  it('matches every kind against the register and drafts alerts the platform accepts', () => {
    const { indicators } = fromStixObjects(stix, { source: 'cert', now: NOW });
    const misp = fromMispEvent({ Event: { uuid: 'e-1', info: 'dump', Attribute: [
      { uuid: 'a-1', type: 'email-src', value: 'Mayor@DemoCity.example', to_ids: true },
      { uuid: 'a-2', type: 'email-src', value: 'clerk@democity.example' },
      { uuid: 'a-4', type: 'text', value: 'Next target: Ada  Lovelace at DemoCity' },
    ] } }, { source: 'isac' }).indicators;
    const list = fromList('198.51.0.0/16\n2001:db8:c17:5::1\n', { source: 'l' }).indicators;
    const found = [...indicators, ...misp, ...list].flatMap((i) => matcher.match(i));
    assert.deepEqual(found.map((m) => [m.indicator.value, m.how, m.asset.id]), [
      ['city-portal-login.com', 'lookalike', 'portal'],
      ['https://www.city-portal.eu/owa', 'url-host', 'portal'],
      ['198.51.100.10', 'ip', 'web1'],
      ['Mayor@DemoCity.example', 'identity', 'mayor'],
      ['Mayor@DemoCity.example', 'email-domain', 'mail'],
      ['clerk@democity.example', 'email-domain', 'mail'],
      ['Next target: Ada  Lovelace at DemoCity', 'brand-mention', 'brand'],
      ['Next target: Ada  Lovelace at DemoCity', 'identity', 'mayor'],
      ['198.51.0.0/16', 'range-overlap', 'dmz'],
      ['198.51.0.0/16', 'range-overlap', 'web1'],
      ['2001:db8:c17:5::1', 'ip', 'v6'],
    ]);
    const validators = new Validators();
    for (const m of found) {
      const draft = matchToDraft(m, { now: NOW });
      assert.doesNotThrow(() => validators.assert('tools/cti', draft.data), JSON.stringify(draft.data));
    }
    const web = matchToDraft(found[2], { now: NOW });
    assert.equal(web.severity, 'critical');
    assert.equal(web.tlp, 'red');
    const look = matchToDraft(found[0], { now: NOW });
    assert.equal(look.event, 'Look-alike domain');
    assert.equal(look.severity, 'high', 'a combosquat (0.7) is a step below the critical asset');
    assert.equal(look.certainty, 'Observed');
    assert.match(look.instruction!, /takedown/);
    assert.deepEqual((look.data as { intel: { actors: string[] } }).intel.actors, ['Sandworm']);
  });

  it('hashes identities the way the register documents', () => {
    assert.equal(identityHash('  Ada   LOVELACE ', 'demo-city-salt'), register().identities![0].hashes[1]);
  });
});
