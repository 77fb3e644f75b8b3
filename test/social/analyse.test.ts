import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyse, applyClassifier, pseudonym, threatSeverity } from '../../nodes/social/analyse';
import type { Analysis } from '../../nodes/social/analyse';
import { SocialMonitor } from '../../nodes/social/monitor';
import { explainLine } from '../../nodes/social/panels';
import { Project } from '../../nodes/social/project';
import type { Post } from '../../nodes/social/project';
import { Rng } from '../../bench/random';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const T0 = Date.UTC(2026, 2, 2, 0, 0);

function post(text: string, lang = 'en', extra: Partial<Post> = {}): Post {
  return { id: `p${Math.abs(hash(text))}`, text, lang, author: 'mario.rossi', ts: T0, url: 'https://example.org/p', source: 'test', ...extra };
}
function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

const project = new Project({
  query: 'station OR stazione OR stasjon* OR traffic OR traffico OR concert*',
  zones: [{ name: 'central-station', places: ['central station', 'stazione centrale', 'oslo s'], polygon: [[10.74, 59.90], [10.76, 59.90], [10.76, 59.92], [10.74, 59.92]] }],
});

describe('social analysis', () => {
  it('scores sentiment, irony and threat with explanations, pseudonymising the author', () => {
    const a = analyse(project, post('I will bring a gun to the central station tomorrow, they will all pay'), { pseudonymSecret: 's' })!;
    assert.ok(a);
    assert.ok(a.threat.score >= 0.7, JSON.stringify(a.explanation.threat));
    assert.ok(['high', 'critical'].includes(a.threat.severity!));
    assert.ok(a.explanation.threat.some((c) => c.startsWith('weapon')));
    assert.ok(a.explanation.threat.some((c) => /place central station/.test(c)));
    assert.deepEqual(a.zones, ['central-station']);
    assert.equal(a.post.author, pseudonym('mario.rossi', 's'));
    assert.notEqual(a.post.author, 'mario.rossi');
    const kept = analyse(project, post('Lovely concert tonight'), {})!;
    assert.equal(kept.post.author, 'mario.rossi', 'no secret: the project keeps names');
    assert.equal(kept.threat.score, 0);
    assert.equal(kept.sentiment!.label, 'positive');
  });

  it('catches ironic positive posts and counts them as negative', () => {
    for (const [text, lang] of [
      ['Great, two hours stuck in traffic again. Just what I needed #not', 'en'],
      ['Che bello, due ore nel traffico anche oggi 🙄', 'it'],
      ['Så flott, en time i kø ved stasjonen igjen #ironi', 'no'],
    ]) {
      const a = analyse(project, post(text, lang), {})!;
      assert.ok(a.irony.ironic, `${text}: ${a.irony.score} ${a.explanation.irony.join('; ')}`);
      assert.ok(a.sentiment!.adjusted <= 0, `${text}: ${a.sentiment!.adjusted}`);
    }
    const sincere = analyse(project, post('What a lovely concert at the station', 'en'), {})!;
    assert.ok(!sincere.irony.ironic, sincere.explanation.irony.join('; '));
  });

  it('joins the classifier: irony at the bound makes a positive post ironic and negative, threat counts only when asked', () => {
    const rules = analyse(project, post('What a lovely concert at the station', 'en'), {})!;
    assert.ok(rules.sentiment!.compound > 0 && !rules.irony.ironic);
    const ironic = applyClassifier(rules, { irony: 0.8, threat: 0.95 }, { threat: false });
    assert.deepEqual(ironic.irony, { score: 0.8, ironic: true });
    assert.equal(ironic.sentiment!.adjusted, -rules.sentiment!.compound);
    assert.equal(ironic.sentiment!.label, 'negative');
    assert.deepEqual(ironic.threat, rules.threat);
    assert.deepEqual(ironic.explanation.classifier, ['irony 0.8 (made the post ironic)', 'threat 0.95 (not used for the score)']);
    const sincere = applyClassifier(rules, { irony: 0.2, threat: 0.95 }, { threat: true });
    assert.deepEqual(sincere.irony, rules.irony);
    assert.deepEqual(sincere.sentiment, rules.sentiment);
    assert.deepEqual(sincere.threat, { score: 0.95, severity: 'critical' });
    assert.deepEqual(sincere.explanation.classifier, ['irony 0.2', 'threat 0.95 (raised the threat score)']);
    assert.ok(!('classifier' in rules.explanation), 'the rules\' analysis is left as it was');
  });

  it('joins the classifier\'s offence probability as a reported score that moves neither the threat nor the alerts', () => {
    const rules = analyse(project, post('The councillors at the station are pathetic clowns', 'en'), {})!;
    assert.ok(!('offence' in rules), 'the rules give no offence score');
    const offensive = applyClassifier(rules, { irony: 0.1, threat: 0, offence: 0.9 }, { threat: true });
    assert.deepEqual(offensive.offence, { score: 0.9, offensive: true });
    assert.deepEqual(offensive.threat, rules.threat);
    assert.equal(offensive.threat.severity, null);
    assert.deepEqual(offensive.explanation.classifier, ['irony 0.1', 'threat 0', 'offence 0.9 (offensive; not used for the threat score or alerts)']);
    assert.match(explainLine(offensive), /offence 0\.90: the classifier/);
    const civil = applyClassifier(rules, { irony: 0.1, threat: 0.2, offence: 0.3 }, { threat: false });
    assert.deepEqual(civil.offence, { score: 0.3, offensive: false });
    assert.deepEqual(civil.explanation.classifier, ['irony 0.1', 'threat 0.2 (not used for the score)', 'offence 0.3']);
    assert.ok(!('offence' in applyClassifier(rules, { irony: 0.1, threat: 0.2 }, { threat: false })), 'a model without the label gives none');
  });

  it('finds threats in Italian and Norwegian, and not in everyday talk about the same places', () => {
    assert.ok(analyse(project, post('Domani porto il coltello alla stazione centrale, la pagherete tutti', 'it'), {})!.threat.score >= 0.5);
    assert.ok(analyse(project, post('Vi skal sprenge stasjonen i kveld, ta med våpen', 'no'), {})!.threat.score >= 0.5);
    assert.equal(analyse(project, post('Ci vediamo alla stazione centrale stasera alle 8', 'it'), {})!.threat.score, 0);
    assert.equal(analyse(project, post('Møt opp ved stasjonen i kveld kl 19 for konserten', 'no'), {})!.threat.score, 0);
  });

  it('drops what the project does not want and notes what it cannot score', () => {
    assert.equal(analyse(project, post('nothing relevant'), {}), null);
    const fr = analyse(project, post('la station est fermée', 'fr'), {})!;
    assert.equal(fr.sentiment, null);
    assert.match(fr.explanation.notes[0], /no sentiment lexicon/);
    const huge = analyse(project, post(`station ${'x '.repeat(600_000)}`), {})!;
    assert.match(huge.explanation.notes[0], /first 20000 of 1200008 characters/);
  });

  it('maps threat scores to severities', () => {
    assert.equal(threatSeverity(0.95), 'critical');
    assert.equal(threatSeverity(0.75), 'high');
    assert.equal(threatSeverity(0.5), 'medium');
    assert.equal(threatSeverity(0.3), 'low');
    assert.equal(threatSeverity(0.1), null);
  });

  it('fuzz: random posts (HTML, control characters, lone surrogates, odd languages) analyse without throwing', () => {
    const rng = new Rng(1502);
    const bits = ['<b>station</b>', '&amp;', '\u0000', '\ud800', '🙄', 'gun', 'kill', 'stazione', 'non', 'ikke', 'great', '!!!', '"', '#not', ' ', 'ÅPEN', '\u202e', 'but', 'ma', 'men'];
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: rng.int(20) }, () => bits[rng.int(bits.length)]).join(rng.next() < 0.5 ? ' ' : '');
      const a = analyse(project, post(text, ['en', 'it', 'no', 'und', 'xx'][rng.int(5)]), { pseudonymSecret: 'k' });
      if (a) {
        assert.ok(a.threat.score >= 0 && a.threat.score <= 1);
        assert.ok(a.irony.score >= 0 && a.irony.score <= 1);
        if (a.sentiment) assert.ok(Math.abs(a.sentiment.compound) <= 1);
      }
    }
  });
});

describe('social monitor', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'tools', 'social.schema.json'), 'utf8')) as object);

  function analysed(text: string, ts: number, lang = 'en'): Analysis {
    return analyse(project, post(text, lang, { ts, id: `${ts}-${text.length}` }), { pseudonymSecret: 'k' })!;
  }

  it('raises threat drafts at the project severity, with top posts that validate against the tool schema', () => {
    const m = new SocialMonitor({ project: 'station', windowMinutes: 15, threatSeverity: 'medium', sentimentDrop: 0.4, minPosts: 5, retentionMs: 3_600_000, timeZone: 'UTC' });
    const drafts = m.observe(analysed('I will bring a gun to the central station and kill them', T0), T0);
    assert.equal(drafts.length, 1);
    const d = drafts[0];
    assert.equal(d.tool, 'social');
    assert.equal(d.zone, 'central-station');
    const data = d.data as { kind: string; topPosts: Array<{ author: string; explanation: { threat: string[] } }> };
    assert.equal(data.kind, 'threat');
    assert.match(data.topPosts[0].author, /^anon-/);
    assert.ok(data.topPosts[0].explanation.threat.length > 0);
    assert.ok(validate(d.data), JSON.stringify(validate.errors));
    assert.equal(m.observe(analysed('Lovely concert at the station', T0 + 1000), T0).length, 0);
    const low = new SocialMonitor({ project: 'station', windowMinutes: 15, threatSeverity: 'critical', sentimentDrop: 0.4, minPosts: 5, retentionMs: 3_600_000, timeZone: 'UTC' });
    assert.equal(low.observe(analysed('station gun', T0), T0).length, 0, 'below the project severity');
  });

  it('raises a volume anomaly against the usual for the time, and a sentiment shift', () => {
    const m = new SocialMonitor({ project: 'station', windowMinutes: 60, threatSeverity: 'critical', sentimentDrop: 0.5, minPosts: 5, retentionMs: 3_600_000, timeZone: 'UTC', detector: { warmupSamples: 24, warmupHours: 24, seasonality: 'none' } });
    const rng = new Rng(1503);
    const drafts: Array<Record<string, unknown>> = [];
    const hours = 24 * 6;
    for (let h = 0; h < hours; h++) {
      const n = 8 + rng.int(5);
      for (let k = 0; k < n; k++) drafts.push(...m.observe(analysed('Nice concert at the station', T0 + h * 3_600_000 + k * 1000), T0 + h * 3_600_000));
    }
    assert.deepEqual(drafts.filter((d) => (d.data as { kind: string }).kind !== 'threat'), [], 'a steady stream raises nothing');
    const burst = T0 + hours * 3_600_000;
    for (let k = 0; k < 60; k++) drafts.push(...m.observe(analysed('Horrible chaos at the station, terrible, awful', burst + k * 1000), burst));
    drafts.push(...m.observe(analysed('Nice concert at the station', burst + 3_600_000), burst + 3_600_000));
    const volume = drafts.find((d) => (d.data as { kind: string }).kind === 'volume');
    assert.ok(volume, 'the burst raised a volume alert');
    assert.match(String(volume.headline), /60 posts in 60 min, \d+\.\d× the usual/);
    assert.ok(validate(volume.data), JSON.stringify(validate.errors));
    const shift = drafts.find((d) => (d.data as { kind: string }).kind === 'sentiment');
    assert.ok(shift, 'the negative burst raised a sentiment shift');
    assert.ok(validate(shift.data), JSON.stringify(validate.errors));
    assert.ok(m.posts.length <= 61 && m.posts.every((a) => a.post.ts >= burst + 3_600_000 - 3_600_000), 'only the retention time is kept');
  });

  it('refuses a window the detector cannot bin', () => {
    assert.throws(() => new SocialMonitor({ project: 'p', windowMinutes: 7, threatSeverity: 'high', sentimentDrop: 0.4, minPosts: 5, retentionMs: 1, timeZone: 'UTC' }), /15, 20, 30 or 60/);
  });
});
