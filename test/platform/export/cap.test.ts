import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CapAlert, CapArea, CapInfo, CapResource, CapValuePair } from '../../../nodes/platform/export/cap';
import {
  CAP_NAMESPACE, CapError, CapFormatError, CapXmlError, MAX_CAP_XML_BYTES, PARAMETER_PREFIX, alertToCap, alertToCapXml, capDate,
  capMsgTypeFor, capToAlert, capToJson, capToXml, capXmlToAlert, jsonToCap, severityFromCap, severityToCap, xmlToCap,
} from '../../../nodes/platform/export/cap';
import { decimal } from '../../../nodes/platform/export/cap-geo';
import type { Alert, Geometry, HistoryEntry, Position } from '../../../nodes/platform/model/types';
import { CATEGORIES, CERTAINTIES, HISTORY_ACTIONS, SEVERITIES, STATES, STATUSES, URGENCIES } from '../../../nodes/platform/model/types';
import { Validators } from '../../../nodes/platform/model/validate';
import { PACKAGE_ROOT } from '../../../nodes/platform/paths';

const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures');
const XSD = path.join(FIXTURES, 'cap', 'CAP-v1.2.xsd');
const AMBER = fs.readFileSync(path.join(FIXTURES, 'cap', 'cap_amber_alert_example.xml'), 'utf8');
const validators = new Validators();
const SENDER = 'impetus@oslo.example';

function fixture(name: string): Alert {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'alerts', `${name}.json`), 'utf8')) as Alert;
}
const FIXTURE_NAMES = ['minimal', 'full', 'unicode-special', 'multipolygon'];

/** Validates XML documents against the OASIS XSD. Fails, never skips, without xmllint. */
function assertXsdValid(docs: string[]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-cap-'));
  try {
    const files = docs.map((xml, i) => {
      const file = path.join(dir, `msg-${i}.xml`);
      fs.writeFileSync(file, xml);
      return file;
    });
    const run = spawnSync('xmllint', ['--noout', '--schema', XSD, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) assert.fail(`xmllint could not run (${run.error.message}); install it: apt-get install -y libxml2-utils`);
    const problems = run.stderr.split('\n').filter((line) => line && !line.endsWith(' validates'));
    assert.equal(run.status, 0, `xmllint rejected CAP output:\n${problems.join('\n').slice(0, 4000)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded random data

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** Text built from pieces that have broken XML writers before. */
  text(min = 1, max = 12): string {
    const pieces = [
      'a', 'Z', '0', ' ', '  ', '\n', '\t', '\r', '\r\n', '<', '>', '&', '"', "'", ']]>', '<![CDATA[', '-->', '&amp;', '&#65;',
      'é', 'é', '中文', '👩‍👩‍👧', '🚨', 'ü', '«»', '—', 'word', 'Firearm', '\u0001', '\u0000', '\uFFFE', '\uFFFF', '\uD800', '\u2028',
    ];
    let out = '';
    const n = this.int(min, max);
    for (let i = 0; i < n; i++) out += this.pick(pieces);
    return out;
  }
  /** Text without characters XML cannot hold: what a CAP message from outside can contain. */
  xmlText(min = 1, max = 12): string {
    let out = this.text(min, max);
    for (const bad of ['\u0000', '\u0001', '\uFFFE', '\uFFFF', '\uD800']) out = out.split(bad).join('?');
    return out;
  }
  token(): string {
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@αü';
    let out = '';
    for (let i = this.int(1, 24); i > 0; i--) out += chars[this.int(0, chars.length - 1)];
    return out;
  }
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }
  /** Envelope timestamps in every RFC 3339 form the schema accepts. */
  timestamp(): string {
    const ms = Date.UTC(2000, 0, 1) + Math.floor(this.next() * 40 * 365 * 86400000);
    const iso = new Date(ms).toISOString();
    switch (this.int(0, 6)) {
      case 0: return iso;
      case 1: return `${iso.slice(0, 19)}.000Z`;
      case 2: return `${iso.slice(0, 19)}Z`;
      case 3: return `${iso.slice(0, 19)}+00:00`;
      case 4: {
        const local = new Date(ms + 5.5 * 3600000).toISOString();
        return `${local.slice(0, 19)}+05:30`;
      }
      case 5: {
        const local = new Date(ms - 8 * 3600000).toISOString();
        return `${local.slice(0, 10)}t${local.slice(11, 23)}-08:00`;
      }
      default: return `${iso.slice(0, 19)}.5z`;
    }
  }
  capDateText(): string {
    const offsets = ['-00:00', '+00:00', '-07:00', '+01:00', '+05:45', '-12:00', '+14:00'];
    const ms = Date.UTC(1990, 0, 1) + Math.floor(this.next() * 50 * 365 * 86400000);
    return `${new Date(ms).toISOString().slice(0, 19)}${this.pick(offsets)}`;
  }
  coordinate(max: number): number {
    switch (this.int(0, 5)) {
      case 0: return this.int(-max, max);
      case 1: return 1e-7 * this.int(-9, 9);
      case 2: return Number((this.next() * 2 * max - max).toFixed(4));
      default: return this.next() * 2 * max - max;
    }
  }
  position(): Position {
    const p = [this.coordinate(180), this.coordinate(90)];
    if (this.chance(0.1)) p.push(this.int(-100, 3000) / 10);
    return p;
  }
  ring(): Position[] {
    const ring = Array.from({ length: this.int(3, 7) }, () => this.position());
    ring.push([...ring[0]]);
    return ring;
  }
  geometry(): Geometry {
    switch (this.int(0, 5)) {
      case 0: return { type: 'Point', coordinates: this.position() };
      case 1: return { type: 'MultiPoint', coordinates: Array.from({ length: this.int(0, 4) }, () => this.position()) };
      case 2: return { type: 'LineString', coordinates: Array.from({ length: this.int(2, 5) }, () => this.position()) };
      case 3: return { type: 'MultiLineString', coordinates: Array.from({ length: this.int(1, 3) }, () => Array.from({ length: this.int(2, 4) }, () => this.position())) };
      case 4: return { type: 'Polygon', coordinates: Array.from({ length: this.int(1, 3) }, () => this.ring()) };
      default: return { type: 'MultiPolygon', coordinates: Array.from({ length: this.int(0, 4) }, () => Array.from({ length: this.int(1, 2) }, () => this.ring())) };
    }
  }
  json(depth = 0): unknown {
    switch (this.int(0, depth > 2 ? 3 : 5)) {
      case 0: return this.text(0, 6);
      case 1: return this.int(-1e6, 1e6) / this.pick([1, 3, 1000]);
      case 2: return this.pick([true, false, null]);
      case 3: return this.token();
      case 4: return Array.from({ length: this.int(0, 4) }, () => this.json(depth + 1));
      default: {
        const obj: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--) obj[this.text(1, 3)] = this.json(depth + 1);
        return obj;
      }
    }
  }
  actor(): string {
    return this.chance(0.5) ? this.token() : this.text(1, 4);
  }
}

function randomAlert(g: Gen, n: number): Alert {
  const severity = g.pick(SEVERITIES);
  const alert: Alert = {
    id: `${g.token()}-${n}`,
    tool: g.pick(['firearm', 'bacteria', 'anomaly', 'social', 'evacuation', 'cti', 'ctdr', 'workload', 'plug-in-7']),
    source: {},
    event: g.text(1, 8),
    headline: g.text(1, 20),
    category: g.pick(CATEGORIES),
    severity,
    urgency: g.pick(URGENCIES),
    certainty: g.pick(CERTAINTIES),
    priority: g.pick(['P1', 'P2', 'P3', 'P4'] as const),
    status: g.pick(STATUSES),
    occurredAt: g.timestamp(),
    resources: [],
    state: g.pick(STATES),
    comments: [],
    history: [],
    count: g.chance(0.6) ? 1 : g.int(2, 500),
    firstSeen: g.timestamp(),
    lastSeen: g.timestamp(),
    fingerprint: g.hex(32),
    version: g.int(0, 40),
  };
  if (g.chance(0.5)) alert.source.node = g.token();
  if (g.chance(0.3)) alert.source.instance = g.text(1, 3);
  if (g.chance(0.5)) alert.source.ref = g.text(1, 5);
  if (g.chance(0.6)) alert.description = g.text(0, 40);
  if (g.chance(0.4)) alert.instruction = g.text(0, 20);
  if (g.chance(0.8)) alert.location = g.geometry();
  if (g.chance(0.5)) alert.areaDesc = g.text(0, 6);
  if (g.chance(0.5)) alert.zone = g.token();
  if (g.chance(0.5)) alert.expires = g.timestamp();
  for (let i = g.int(0, 3); i > 0; i--) {
    const r: Alert['resources'][number] = { description: g.text(1, 5), mimeType: g.pick(['image/jpeg', 'video/mp4', 'application/json', 'text/plain']) };
    if (g.chance(0.7)) r.uri = g.chance(0.5) ? `https://media.example/${g.token()}` : `media/sha256:${'e'.repeat(64)}`;
    if (g.chance(0.5)) r.size = g.int(0, 1e9);
    if (g.chance(0.5)) r.digest = `sha256:${g.hex(64)}`;
    alert.resources.push(r);
  }
  if (g.chance(0.6)) alert.data = g.json(3) as Record<string, unknown>;
  if (alert.data !== undefined && (alert.data === null || typeof alert.data !== 'object' || Array.isArray(alert.data))) alert.data = { value: alert.data };
  if (g.chance(0.4)) alert.ack = g.chance(0.5) ? { by: g.actor(), at: g.timestamp() } : { by: g.actor(), at: g.timestamp(), note: g.text(0, 5) };
  if (g.chance(0.3)) alert.resolved = { by: g.actor(), at: g.timestamp(), reason: g.text(1, 5) };
  if (g.chance(0.3)) alert.assignee = g.actor();
  for (let i = g.int(0, 3); i > 0; i--) alert.comments.push({ id: g.token(), by: g.actor(), at: g.timestamp(), text: g.text(1, 8) });
  for (let i = 1; i <= g.int(0, 5); i++) {
    const entry: HistoryEntry = { seq: i, at: g.timestamp(), action: g.pick(HISTORY_ACTIONS) };
    if (g.chance(0.5)) entry.by = g.actor();
    if (g.chance(0.4)) entry.details = { note: g.json(2) };
    alert.history.push(entry);
  }
  if (g.chance(0.3)) alert.previousId = g.token();
  if (g.chance(0.2)) alert.silenced = { silenceId: g.token(), reason: g.text(0, 4), at: g.timestamp() };
  if (g.chance(0.2)) alert.escalation = g.chance(0.5) ? { level: g.int(0, 5) } : { level: g.int(0, 5), nextAt: g.timestamp() };
  return alert;
}

function pairs(g: Gen, max: number, names: readonly string[]): CapValuePair[] {
  return Array.from({ length: g.int(1, max) }, () => ({ valueName: g.pick(names), value: g.xmlText(0, 4) }));
}

function randomCapArea(g: Gen): CapArea {
  const area: CapArea = { areaDesc: g.chance(0.05) ? 'x'.repeat(1100) : g.xmlText(0, 6) };
  const lat = () => decimal(g.coordinate(90));
  const lon = () => decimal(g.coordinate(180));
  if (g.chance(0.5)) {
    area.polygon = Array.from({ length: g.int(1, 3) }, () => {
      const pts = Array.from({ length: g.int(2, 6) }, () => `${lat()},${lon()}`);
      return [...pts, pts[0]].join(g.pick([' ', ' ', '  ']));
    });
  }
  if (g.chance(0.4)) area.circle = Array.from({ length: g.int(1, 3) }, () => `${lat()},${lon()} ${g.pick(['0', '0', '2.5', '10', '0.0'])}`);
  if (g.chance(0.1)) area.circle = [...(area.circle ?? []), 'not a circle'];
  if (g.chance(0.4)) area.geocode = pairs(g, 3, ['SAME', 'FIPS6', 'NUTS3', 'ISTAT']);
  if (g.chance(0.2)) area.altitude = g.int(-100, 30000) / g.pick([1, 10]);
  if (g.chance(0.1)) area.ceiling = g.int(0, 60000);
  return area;
}

function randomCapResource(g: Gen): CapResource {
  const r: CapResource = { resourceDesc: g.chance(0.1) ? '' : g.xmlText(1, 5), mimeType: g.pick(['image/jpeg', 'text/plain; charset=utf-8', 'application/pdf', 'IMAGE/PNG']) };
  if (g.chance(0.5)) r.size = g.chance(0.1) ? -5 : g.int(0, 1e7);
  if (g.chance(0.6)) r.uri = `http://example.org/${g.token()}`;
  if (g.chance(0.1)) r.derefUri = 'aGVsbG8=';
  if (g.chance(0.4)) r.digest = g.chance(0.5) ? g.hex(40) : `sha256:${g.hex(64)}`;
  return r;
}

function randomCapInfo(g: Gen): CapInfo {
  const info: CapInfo = {
    category: Array.from({ length: g.int(1, 3) }, () => g.pick(CATEGORIES)),
    event: g.chance(0.05) ? '' : g.chance(0.05) ? 'e'.repeat(300) : g.xmlText(1, 6),
    urgency: g.pick(URGENCIES),
    severity: g.pick(['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const),
    certainty: g.pick(CERTAINTIES),
  };
  if (g.chance(0.5)) info.language = g.pick(['en-US', 'es-US', 'no', 'it-IT', 'de']);
  if (g.chance(0.3)) info.responseType = [g.pick(['Shelter', 'Evacuate', 'Monitor', 'AllClear'] as const)];
  if (g.chance(0.2)) info.audience = g.xmlText();
  if (g.chance(0.3)) info.eventCode = pairs(g, 2, ['SAME', 'profile:CAP-CP:Event:0.4']);
  if (g.chance(0.3)) info.effective = g.capDateText();
  if (g.chance(0.3)) info.onset = g.capDateText();
  if (g.chance(0.5)) info.expires = g.capDateText();
  if (g.chance(0.3)) info.senderName = g.xmlText();
  if (g.chance(0.8)) info.headline = g.chance(0.05) ? '' : g.chance(0.05) ? 'h'.repeat(600) : g.xmlText(1, 10);
  if (g.chance(0.6)) info.description = g.chance(0.02) ? 'd'.repeat(17000) : g.xmlText(0, 30);
  if (g.chance(0.3)) info.instruction = g.xmlText(0, 10);
  if (g.chance(0.3)) info.web = `https://agency.example/${g.token()}`;
  if (g.chance(0.3)) info.contact = g.xmlText();
  if (g.chance(0.4)) info.parameter = pairs(g, 3, ['EAS-ORG', 'VTEC', `${PARAMETER_PREFIX}notAnEnvelopeField`]);
  if (g.chance(0.4)) info.resource = Array.from({ length: g.int(1, 3) }, () => randomCapResource(g));
  if (g.chance(0.8)) info.area = Array.from({ length: g.int(1, 3) }, () => randomCapArea(g));
  return info;
}

function randomCap(g: Gen, n: number): CapAlert {
  const identifiers = [`${g.token()}-${n}`, `with space ${n}`, `comma,${n}`, `${'long'.repeat(40)}${n}`];
  const cap: CapAlert = {
    identifier: g.chance(0.8) ? identifiers[0] : g.pick(identifiers),
    sender: g.pick(['KARO@CLETS.DOJ.CA.GOV', 'w-nws.webmaster@noaa.gov', 'cap@dsb.no']),
    sent: g.capDateText(),
    status: g.pick(['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const),
    msgType: g.pick(['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const),
    scope: g.pick(['Public', 'Restricted', 'Private'] as const),
  };
  if (g.chance(0.3)) cap.source = g.xmlText();
  if (g.chance(0.3)) cap.restriction = g.xmlText();
  if (g.chance(0.2)) cap.addresses = g.xmlText();
  if (g.chance(0.3)) cap.code = Array.from({ length: g.int(1, 3) }, () => g.pick(['IPAWSv1.0', 'profile:CAP-CP:0.4', 'X']));
  if (g.chance(0.3)) cap.note = g.xmlText();
  if (g.chance(0.3)) cap.references = `${cap.sender},${g.token()},${g.capDateText()}`;
  if (g.chance(0.2)) cap.incidents = g.token();
  if (g.chance(0.9)) cap.info = Array.from({ length: g.int(1, 3) }, () => randomCapInfo(g));
  return cap;
}

const g = new Gen(20260302);
const RANDOM_ALERTS = Array.from({ length: 150 }, (_, i) => randomAlert(g, i));
const RANDOM_CAPS = Array.from({ length: 150 }, (_, i) => randomCap(g, i));

// ---------------------------------------------------------------------------------------------

describe('CAP 1.2 mapping', () => {
  describe('vocabulary', () => {
    it('maps severities both ways', () => {
      const expected = { critical: 'Extreme', high: 'Severe', medium: 'Moderate', low: 'Minor', info: 'Unknown' } as const;
      for (const [ours, cap] of Object.entries(expected)) {
        assert.equal(severityToCap(ours as keyof typeof expected), cap);
        assert.equal(severityFromCap(cap), ours);
      }
    });

    it('writes CAP date-times with seconds and a numeric offset', () => {
      assert.equal(capDate('2026-03-02T08:15:03.482Z'), '2026-03-02T08:15:03-00:00');
      assert.equal(capDate('2026-03-02T10:00:00+01:00'), '2026-03-02T10:00:00+01:00');
      assert.equal(capDate('2026-03-02 10:00:00.9-0800'), '2026-03-02T10:00:00-08:00');
      assert.equal(capDate('2026-03-02t10:00:00z'), '2026-03-02T10:00:00-00:00');
      for (const a of RANDOM_ALERTS) assert.match(capDate(a.occurredAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/);
    });

    it('chooses msgType from the lifecycle: Alert, then Update, then Cancel', () => {
      const a = fixture('minimal');
      assert.equal(capMsgTypeFor(a), 'Alert');
      assert.equal(capMsgTypeFor({ ...a, count: 2 }), 'Update');
      assert.equal(capMsgTypeFor({ ...a, state: 'acknowledged' }), 'Update');
      assert.equal(capMsgTypeFor({ ...a, history: [...a.history, { seq: 2, at: a.firstSeen, action: 'reopened' }] }), 'Update');
      assert.equal(capMsgTypeFor({ ...a, state: 'resolved' }), 'Cancel');

      const first = alertToCap(a, { sender: SENDER });
      assert.equal(first.msgType, 'Alert');
      assert.equal(first.identifier, a.id);
      assert.equal(first.references, undefined);
      const update = alertToCap({ ...a, count: 2, lastSeen: '2026-03-02T08:20:00.000Z', version: 1 }, { sender: SENDER });
      assert.equal(update.msgType, 'Update');
      assert.equal(update.identifier, `${a.id}-v1`, 'a follow-up message has its own identifier');
      assert.equal(update.sent, '2026-03-02T08:20:00-00:00');
      assert.equal(update.references, `${SENDER},${a.id},${first.sent}`);
      const cancel = alertToCap({ ...fixture('full') }, { sender: SENDER });
      assert.equal(cancel.msgType, 'Cancel');
      assert.equal(cancel.note, 'Replica toy gun, owner identified');
    });
  });

  describe('envelope → CAP', () => {
    it('fills CAP elements from the envelope', () => {
      const a = fixture('full');
      const cap = alertToCap(a, { sender: SENDER, consoleUrl: 'https://impetus.oslo.example/console/' });
      const info = (cap.info as CapInfo[])[0];
      assert.equal(cap.status, 'Exercise');
      assert.equal(cap.scope, 'Restricted');
      assert.ok(cap.restriction);
      assert.deepEqual(info.category, ['Security']);
      assert.equal(info.event, a.event);
      assert.equal(info.severity, 'Extreme');
      assert.equal(info.urgency, 'Immediate');
      assert.equal(info.certainty, 'Observed');
      assert.equal(info.headline, a.headline);
      assert.equal(info.description, a.description);
      assert.equal(info.instruction, a.instruction);
      assert.equal(info.onset, '2026-03-02T08:15:03-00:00');
      assert.equal(info.expires, '2026-03-02T09:15:03-00:00');
      assert.equal(info.web, `https://impetus.oslo.example/console/alerts/${a.id}`);
      assert.deepEqual(info.resource, [
        { resourceDesc: 'Snapshot, frame 18231', mimeType: 'image/jpeg', size: 182733, uri: 'https://impetus.oslo.example/media/7d9f1c1e/18231.jpg', digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
        { resourceDesc: 'Clip, 10 s', mimeType: 'video/mp4', uri: 'media/sha256:9b74c9897bac770ffc029102a200c5de3d1e4c6e8a5f4c3e6d4f0a8b1c2d3e4f' },
      ]);
      const area = (info.area as CapArea[])[0];
      assert.equal(area.areaDesc, 'Oslo S, east entrance');
      // Outer ring only, latitude first.
      assert.deepEqual(area.polygon, ['59.911,10.7522 59.911,10.754 59.9121,10.754 59.9121,10.7522 59.911,10.7522']);
    });

    it('writes points as zero-radius circles, latitude first', () => {
      const a: Alert = { ...fixture('minimal'), location: { type: 'Point', coordinates: [10.75, 59.91] } };
      const area = (alertToCap(a, { sender: SENDER }).info as CapInfo[])[0].area as CapArea[];
      assert.deepEqual(area, [{ areaDesc: 'unspecified', circle: ['59.91,10.75 0'] }]);
      const zoned = (alertToCap({ ...a, zone: 'oslo-s' }, { sender: SENDER }).info as CapInfo[])[0].area as CapArea[];
      assert.equal(zoned[0].areaDesc, 'oslo-s', 'zone stands in for a missing areaDesc');
    });

    it('writes one polygon per part of a MultiPolygon', () => {
      const a = fixture('multipolygon');
      const area = ((alertToCap(a, { sender: SENDER }).info as CapInfo[])[0].area as CapArea[])[0];
      assert.equal(area.polygon?.length, 3);
      assert.equal(area.polygon?.[0], '45.4,11.86 45.4,11.87 45.41,11.87 45.41,11.86 45.4,11.86');
      assert.ok(!/e-/.test(area.polygon?.join(' ') ?? ''), 'no exponents in CAP coordinates');
    });

    it('keeps fields without a CAP home in impetus: parameters as JSON', () => {
      const a = fixture('full');
      const info = (alertToCap(a, { sender: SENDER }).info as CapInfo[])[0];
      const params = new Map((info.parameter ?? []).map((p) => [p.valueName, p.value]));
      for (const key of ['tool', 'source', 'state', 'ack', 'resolved', 'assignee', 'comments', 'history', 'count', 'fingerprint', 'version', 'previousId', 'silenced', 'escalation', 'data', 'zone', 'location', 'occurredAt']) {
        assert.ok(params.has(`impetus:${key}`), `impetus:${key}`);
        assert.deepEqual(JSON.parse(params.get(`impetus:${key}`) as string), a[key as keyof Alert]);
      }
      for (const key of ['event', 'headline', 'description', 'category', 'severity', 'urgency', 'certainty', 'areaDesc', 'resources']) {
        assert.ok(!params.has(`impetus:${key}`), `impetus:${key} is carried by CAP itself`);
      }
    });

    it('rejects a sender CAP does not allow', () => {
      assert.throws(() => alertToCap(fixture('minimal'), { sender: 'has space' }), CapError);
      assert.throws(() => alertToCap(fixture('minimal'), { sender: 'a,b' }), /sender/);
    });

    it('turns a damaged alert.cap into a CapError', () => {
      const a = { ...fixture('minimal'), cap: { moreInfo: 7, info: { parameter: 'x' } } } as unknown as Alert;
      assert.throws(() => alertToCap(a, { sender: SENDER }), CapError);
    });
  });

  describe('lossless round trips', () => {
    it('fixtures are valid envelopes', () => {
      for (const name of FIXTURE_NAMES) validators.assert('alert', fixture(name));
    });

    it('envelope → CAP XML → envelope is exact for the fixtures', () => {
      for (const name of FIXTURE_NAMES) {
        const a = fixture(name);
        const xml = alertToCapXml(a, { sender: SENDER, consoleUrl: 'https://c.example/{id}' });
        assert.deepStrictEqual(capXmlToAlert(xml), a, name);
      }
    });

    it('envelope → CAP-JSON → envelope is exact for the fixtures', () => {
      for (const name of FIXTURE_NAMES) {
        const a = fixture(name);
        const json = capToJson(alertToCap(a, { sender: SENDER }));
        assert.deepStrictEqual(capToAlert(jsonToCap(json)), a, name);
      }
    });

    it('special characters survive as text, not markup', () => {
      const a = fixture('unicode-special');
      const xml = alertToCapXml(a, { sender: SENDER });
      assert.ok(xml.includes('&lt;instruction&gt; is not markup &amp; must survive'));
      assert.ok(!xml.includes('<instruction> is'));
      assert.equal((xmlToCap(xml).info as CapInfo[])[0].instruction, a.instruction);
    });

    it(`envelope → CAP XML / JSON → envelope is exact for ${RANDOM_ALERTS.length} random envelopes`, () => {
      for (const a of RANDOM_ALERTS) {
        validators.assert('alert', a);
        const cap = alertToCap(a, { sender: SENDER });
        assert.deepStrictEqual(capToAlert(xmlToCap(capToXml(cap))), a, a.id);
        assert.deepStrictEqual(capToAlert(jsonToCap(capToJson(cap))), a, a.id);
      }
    });

    it('exported XML validates against CAP-v1.2.xsd (xmllint)', () => {
      const docs = [
        ...FIXTURE_NAMES.map((name) => alertToCapXml(fixture(name), { sender: SENDER, consoleUrl: 'https://c.example/impetus' })),
        ...RANDOM_ALERTS.map((a) => alertToCapXml(a, { sender: SENDER })),
      ];
      assertXsdValid(docs);
    });

    it('imports the OASIS amber alert example to a valid envelope', () => {
      const cap = xmlToCap(AMBER);
      const a = capToAlert(cap);
      validators.assert('alert', a);
      assert.equal(a.id, 'KAR0-0306112239-SW');
      assert.equal(a.tool, 'cap');
      assert.equal(a.event, 'Child Abduction');
      assert.equal(a.category, 'Rescue');
      assert.equal(a.severity, 'high');
      assert.equal(a.urgency, 'Immediate');
      assert.equal(a.certainty, 'Likely');
      assert.equal(a.priority, 'P2');
      assert.equal(a.status, 'Actual');
      assert.equal(a.areaDesc, 'Los Angeles County');
      assert.equal(a.occurredAt, '2003-06-12T05:39:00.000Z');
      assert.equal(a.state, 'open');
      const kept = a.cap as Record<string, unknown>;
      assert.equal(kept.sender, 'KARO@CLETS.DOJ.CA.GOV');
      assert.equal(kept.sent, '2003-06-11T22:39:00-07:00');
      assert.equal(kept.scope, 'Public');
      assert.equal(kept.source, 'SW');
      assert.equal((kept.moreInfo as CapInfo[])[0].language, 'es-US', 'the Spanish block is kept whole');
    });

    it('CAP → envelope → CAP is exact for the OASIS example', () => {
      const cap = xmlToCap(AMBER);
      const back = alertToCap(capToAlert(cap), { sender: SENDER });
      assert.deepStrictEqual(back, cap);
      assert.deepStrictEqual(xmlToCap(capToXml(back)), cap);
      assertXsdValid([AMBER, capToXml(back)]);
    });

    it(`CAP → envelope → CAP is exact for ${RANDOM_CAPS.length} random messages from other senders`, () => {
      const docs: string[] = [];
      for (const cap of RANDOM_CAPS) {
        const xml = capToXml(cap);
        docs.push(xml);
        assert.deepStrictEqual(xmlToCap(xml), cap, 'XML writer and reader agree');
        assert.deepStrictEqual(jsonToCap(capToJson(cap)), cap, 'CAP-JSON round trip');
        const a = capToAlert(xmlToCap(xml));
        const back = alertToCap(a, { sender: SENDER });
        assert.deepStrictEqual(back, cap, cap.identifier);
      }
      assertXsdValid(docs);
    });

    it('an imported alert changed here still round-trips, and its CAP becomes an Update from us', () => {
      const gen = new Gen(7);
      for (const cap of RANDOM_CAPS.slice(0, 60)) {
        const imported = capToAlert(cap);
        const changed: Alert = {
          ...imported,
          state: 'acknowledged',
          ack: { by: 'operator.hansen', at: '2026-03-02T08:15:40.000Z' },
          headline: gen.text(1, 6),
          location: gen.geometry(),
          version: imported.version + 1,
          history: [...imported.history, { seq: 1, at: '2026-03-02T08:15:40.000Z', action: 'acknowledged', by: 'operator.hansen' }],
        };
        const out = alertToCap(changed, { sender: SENDER });
        assert.equal(out.msgType, 'Update');
        assert.equal(out.sender, SENDER);
        assert.ok(out.references?.startsWith(`${cap.sender},${cap.identifier},${cap.sent}`));
        assert.deepStrictEqual(capToAlert(xmlToCap(capToXml(out))), changed);
      }
    });

    it('System and Draft messages import as Test and keep their status', () => {
      for (const status of ['System', 'Draft'] as const) {
        const cap = { ...xmlToCap(AMBER), status };
        const a = capToAlert(cap);
        assert.equal(a.status, 'Test');
        assert.equal((a.cap as Record<string, unknown>).status, status);
        assert.equal(alertToCap(a, { sender: SENDER }).status, status);
      }
    });

    it('messages without <info> import and export unchanged', () => {
      const cap: CapAlert = { identifier: 'c-1', sender: 'x@y', sent: '2026-03-02T10:00:00+01:00', status: 'Actual', msgType: 'Cancel', scope: 'Public', note: 'All clear' };
      const a = capToAlert(cap);
      assert.equal(a.headline, 'All clear');
      assert.deepStrictEqual(alertToCap(a, { sender: SENDER }), cap);
      const edited = { ...a, severity: 'high' as const, data: { x: 1 } };
      assert.deepStrictEqual(capToAlert(alertToCap(edited, { sender: SENDER })), edited);
    });

    it('can refuse to let a message set lifecycle fields', () => {
      const a = fixture('full');
      const cap = alertToCap(a, { sender: SENDER });
      const untrusted = capToAlert(cap, { trustParameters: false, tool: 'partner-feed' });
      validators.assert('alert', untrusted);
      assert.equal(untrusted.state, 'open');
      assert.equal(untrusted.tool, 'partner-feed');
      assert.equal(untrusted.ack, undefined);
      const kept = ((untrusted.cap as Record<string, unknown>).info as Record<string, unknown>).parameter as CapValuePair[];
      assert.ok(kept.some((p) => p.valueName === 'impetus:ack'));
    });

    it('rejects broken impetus: parameters and invalid envelopes with clear errors', () => {
      const cap = alertToCap(fixture('minimal'), { sender: SENDER });
      const withParam = (valueName: string, value: string): CapAlert => {
        const info = (cap.info as CapInfo[])[0];
        return { ...cap, info: [{ ...info, parameter: [...(info.parameter ?? []), { valueName, value }] }] };
      };
      assert.throws(() => capToAlert(withParam('impetus:data', '{oops')), (err: unknown) => err instanceof CapFormatError && /impetus:data.*not JSON/.test(err.message));
      assert.throws(() => capToAlert(withParam('impetus:severity', '"apocalyptic"')), (err: unknown) => err instanceof Error && /severity/.test(err.message));
      const twice = withParam('impetus:count', '2');
      const info = (twice.info as CapInfo[])[0];
      assert.throws(() => capToAlert({ ...twice, info: [{ ...info, parameter: [...(info.parameter ?? []), { valueName: 'impetus:count', value: '3' }] }] }), /appears more than once/);
    });
  });

  describe('CAP-JSON', () => {
    it('checks structure and names the offending path', () => {
      const cap = xmlToCap(AMBER);
      assert.throws(() => jsonToCap('{'), (err: unknown) => err instanceof CapFormatError && /not JSON/.test(err.message));
      assert.throws(() => jsonToCap({ ...cap, sender: undefined }), /\/alert\/sender: is required/);
      assert.throws(() => jsonToCap({ ...cap, status: 'Live' }), /\/alert\/status: must be one of Actual, Exercise, System, Test, Draft/);
      assert.throws(() => jsonToCap({ ...cap, sent: '2003-06-11T22:39:00Z' }), /\/alert\/sent: must be a CAP date-time/);
      assert.throws(() => jsonToCap({ ...cap, bogus: 1 }), /\/alert\/bogus: is not a CAP 1.2 element/);
      assert.throws(() => jsonToCap({ ...cap, code: 'x' }), /\/alert\/code: must be an array/);
      assert.throws(() => jsonToCap({ ...cap, info: [{ ...(cap.info as CapInfo[])[0], category: [] }] }), /\/alert\/info\[0\]\/category: needs at least one entry/);
      assert.throws(() => jsonToCap({ ...cap, info: [{ ...(cap.info as CapInfo[])[0], resource: [{ resourceDesc: 'x', mimeType: 'a/b', size: 1.5 }] }] }), /size: must be an integer/);
      assert.throws(() => jsonToCap({ ...cap, note: 'bell\u0007' }), /XML 1.0 cannot carry/);
      assert.throws(() => jsonToCap([]), /\/alert: must be an object/);
    });

    it('drops empty optional lists so equal messages compare equal', () => {
      const cap = xmlToCap(AMBER);
      assert.deepStrictEqual(jsonToCap({ ...cap, code: [] }), cap);
    });
  });

  describe('hardened XML reader', () => {
    const wrap = (body: string) => `<?xml version="1.0"?>\n<alert xmlns="${CAP_NAMESPACE}">${body}</alert>`;
    const HEADER = '<identifier>x</identifier><sender>s</sender><sent>2026-03-02T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>';

    it('accepts prefixed CAP, comments, CDATA and character references', () => {
      const xml = `<?xml version="1.0"?><!-- hi --><cap:alert xmlns:cap="${CAP_NAMESPACE}"><cap:identifier>x</cap:identifier><cap:sender>s</cap:sender><cap:sent> 2026-03-02T10:00:00+01:00 </cap:sent><cap:status>Actual</cap:status><cap:msgType>Alert</cap:msgType><cap:scope>Public</cap:scope><cap:note><![CDATA[<b>&amp;</b>]]> &#233;&#x1F6A8;&lt;</cap:note></cap:alert>`;
      const cap = xmlToCap(xml);
      assert.equal(cap.note, '<b>&amp;</b> é🚨<');
      assert.equal(cap.sent, '2026-03-02T10:00:00+01:00');
      assert.deepStrictEqual(xmlToCap(Buffer.from(xml)), cap);
    });

    it('ignores an XML signature after the message', () => {
      const cap = xmlToCap(wrap(`${HEADER}<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>`));
      assert.equal(cap.identifier, 'x');
    });

    const bad: [string, string, RegExp, new (...args: never[]) => Error][] = [
      ['a DOCTYPE (billion laughs)', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><alert xmlns="${CAP_NAMESPACE}">&lol2;</alert>`, /DOCTYPE/, CapXmlError],
      ['an external entity (XXE)', `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><alert xmlns="${CAP_NAMESPACE}">&xxe;</alert>`, /DOCTYPE/, CapXmlError],
      ['an entity declaration', `<!ENTITY x "y">${wrap(HEADER)}`, /ENTITY/, CapXmlError],
      ['an undefined entity', wrap(`${HEADER.replace('<sender>s', '<sender>&xxe;')}`), /undefined entity &xxe;/, CapXmlError],
      ['a bare ampersand', wrap(`${HEADER.replace('<sender>s', '<sender>a & b')}`), /&/, CapXmlError],
      ['a reference to a non-character', wrap(`${HEADER.replace('<sender>s', '<sender>&#0;')}`), /not an XML character/, CapXmlError],
      ['a raw control character', wrap(`${HEADER.replace('<sender>s', '<sender>\u0001')}`), /character that XML 1.0 does not allow/, CapXmlError],
      ['malformed XML', wrap(`${HEADER}<info>`), /not well-formed/, CapXmlError],
      ['an empty document', '', /not well-formed/, CapXmlError],
      ['two roots', `${wrap(HEADER)}${wrap(HEADER)}`, /one root|not well-formed/, CapXmlError],
      ['a foreign root', `<feed xmlns="http://www.w3.org/2005/Atom"/>`, /root must be <alert>/, CapFormatError],
      ['CAP 1.1', `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">${HEADER}</alert>`, /namespace urn:oasis:names:tc:emergency:cap:1.2/, CapFormatError],
      ['no namespace', `<alert>${HEADER}</alert>`, /no namespace/, CapFormatError],
      ['an undeclared prefix', `<cap:alert>${HEADER}</cap:alert>`, /prefix 'cap' is not declared/, CapXmlError],
      ['a missing element', wrap(HEADER.replace('<sender>s</sender>', '')), /\/alert\/sender: is required/, CapFormatError],
      ['a repeated element', wrap(`${HEADER}<note>a</note><note>b</note>`), /\/alert\/note: appears 2 times/, CapFormatError],
      ['an unknown element', wrap(`${HEADER}<colour>red</colour>`), /\/alert\/colour: is not a CAP 1.2 element/, CapFormatError],
      ['an element from another namespace', wrap(`${HEADER}<x:y xmlns:x="urn:other">1</x:y>`), /namespace urn:other is not allowed/, CapFormatError],
      ['a bad enumeration', wrap(HEADER.replace('Public', 'Everyone')), /\/alert\/scope: must be one of Public, Restricted, Private/, CapFormatError],
      ['a UTC "Z" date', wrap(HEADER.replace('+01:00', 'Z')), /\/alert\/sent: must be a CAP date-time/, CapFormatError],
      ['an impossible date', wrap(HEADER.replace('2026-03-02', '2026-02-30')), /\/alert\/sent/, CapFormatError],
      ['markup inside a value', wrap(HEADER.replace('<sender>s</sender>', '<sender><b>s</b></sender>')), /\/alert\/sender: must contain text only/, CapFormatError],
      ['text between elements', wrap(`stray${HEADER}`), /unexpected text "stray"/, CapFormatError],
      ['a non-integer size', wrap(`${HEADER}<info><category>Geo</category><event>e</event><urgency>Past</urgency><severity>Minor</severity><certainty>Likely</certainty><resource><resourceDesc>r</resourceDesc><mimeType>a/b</mimeType><size>12kB</size></resource></info>`), /\/alert\/info\[0\]\/resource\[0\]\/size: must be an integer/, CapFormatError],
      ['deep nesting', wrap(`${HEADER}${'<info>'.repeat(5000)}${'</info>'.repeat(5000)}`), /nest/i, CapXmlError],
    ];
    for (const [what, xml, message, type] of bad) {
      it(`rejects ${what}`, () => {
        assert.throws(() => xmlToCap(xml), (err: unknown) => {
          assert.ok(err instanceof type, `${what}: expected ${type.name}, got ${String(err)}`);
          assert.match((err as Error).message, message);
          return true;
        });
      });
    }

    it('rejects input over 1 MiB before parsing it', () => {
      const xml = wrap(`${HEADER}<!--${'x'.repeat(MAX_CAP_XML_BYTES)}-->`);
      assert.throws(() => xmlToCap(xml), (err: unknown) => err instanceof CapXmlError && /more than the 1048576 allowed/.test(err.message));
      const fits = wrap(`${HEADER}<!--${'x'.repeat(MAX_CAP_XML_BYTES - 1000)}-->`);
      assert.equal(xmlToCap(fits).identifier, 'x');
      assert.throws(() => xmlToCap(42 as unknown as string), CapXmlError);
    });

    it('fuzz: mutated and truncated messages parse or fail with a CapError', () => {
      const seeds = [AMBER, ...FIXTURE_NAMES.map((n) => alertToCapXml(fixture(n), { sender: SENDER }))];
      const tokens = ['<', '>', '&', '&amp;', '&#0;', '&#x110000;', '&lol;', '</info>', '<info>', '<area>', '</alert>', '<!DOCTYPE a>', '<!ENTITY a "b">', ']]>', '<![CDATA[', '"', "'", '=', 'xmlns="urn:x"', '<a:b>', '\u0000', '\uFFFF', '🚨', '<!--', '-->', '<?pi x?>', '\r'];
      const r = new Gen(424242);
      let parsed = 0;
      for (let i = 0; i < 400; i++) {
        let xml = r.pick(seeds);
        for (let m = r.int(1, 3); m > 0; m--) {
          const at = r.int(0, xml.length);
          const span = r.int(1, 40);
          switch (r.int(0, 5)) {
            case 0: xml = xml.slice(0, at); break;
            case 1: xml = xml.slice(0, at) + xml.slice(at + span); break;
            case 2: xml = xml.slice(0, at) + r.pick(tokens) + xml.slice(at); break;
            case 3: xml = xml.slice(0, at) + xml.slice(at, at + span).repeat(r.int(2, 5)) + xml.slice(at); break;
            case 4: xml = xml.slice(0, at) + String.fromCharCode(r.int(0, 0xffff)) + xml.slice(at + 1); break;
            default: xml = xml.slice(at, at + span * 20) + xml.slice(0, at);
          }
        }
        try {
          const cap = xmlToCap(xml);
          parsed++;
          // Whatever parses must be a message we can write and import.
          capToXml(cap);
          try {
            validators.assert('alert', capToAlert(cap));
          } catch (err) {
            assert.ok(err instanceof Error, `capToAlert threw a non-Error: ${String(err)}`);
          }
        } catch (err) {
          assert.ok(err instanceof CapError, `mutation ${i} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
      }
      assert.ok(parsed > 0, 'some mutations still parse');
    });
  });
});
