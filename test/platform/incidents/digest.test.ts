/**
 * Low-priority digests on a real platform (SQLite file, in-process bus): P3/P4 alerts that no
 * place incident takes become one incident per tool and event over a shift (per operator for
 * workload); an alert of a digest member's place takes it out into a place incident; P1 and P2
 * are never digested, and a member raised to P2 leaves (docs/incidents.md, Low-priority digests).
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Incident } from '../../../nodes/platform';
import { checkRule, DEFAULT_RULES, restrictIncident } from '../../../nodes/platform';
import { useIncidentPlatform } from '../../support/incidents';

const T0 = Date.parse('2025-06-01T06:00:00.000Z');
const HOUR = 60;

/** An isolated low reading (P4: low severity, Possible) at a zone, its own sensor. */
function traffic(zone: string, ref = `${zone}-loop`, extra: Partial<AlertDraft> = {}): Partial<AlertDraft> {
  return { event: 'Traffic anomaly', headline: `Unusual traffic at ${zone}`, severity: 'low', urgency: 'Expected', certainty: 'Possible', zone, areaDesc: zone, source: { ref }, ...extra };
}

describe('incidents: low-priority digests', function () {
  this.timeout(20000);
  const t = useIncidentPlatform(T0, 'impetus-digests-');
  const raise = t.raise;

  /** The alert as stored now (a digest member may have been taken out since it was raised). */
  async function fresh(alert: Alert): Promise<Alert> {
    return (await t.platform.store.get(alert.id))!;
  }

  async function incidentOf(alert: Alert): Promise<Incident> {
    const a = await fresh(alert);
    assert.ok(a.incidentId, `alert ${a.tool} ${a.event} is in an incident`);
    return (await t.platform.incidents.get(a.incidentId))!;
  }

  it('gathers isolated low alerts of one tool and event from all over the city into one digest', async function () {
    const a = await raise('anomaly', traffic('market'));
    const b = await raise('anomaly', traffic('park'), 2 * HOUR);
    const c = await raise('anomaly', traffic('stadium', undefined, { severity: 'medium', certainty: 'Likely', urgency: 'Expected' }), 5 * HOUR);
    const noise = await raise('anomaly', traffic('bridge', 'bridge-mic', { event: 'Noise level anomaly' }), 3 * HOUR);
    const digest = await incidentOf(a);
    assert.equal((await fresh(b)).incidentId, digest.id);
    assert.equal((await fresh(c)).incidentId, digest.id);
    assert.notEqual((await fresh(noise)).incidentId, digest.id, 'another event, another digest');
    assert.deepEqual(digest.digest?.labels, { tool: 'anomaly', event: 'Traffic anomaly' });
    assert.equal(digest.digest?.until, new Date(T0 + 8 * 3_600_000).toISOString(), 'the shift: eight hours from its first alert');
    assert.equal(digest.title, 'Traffic anomaly ×3 in 3 zones');
    assert.match(digest.summary, /^Low-priority digest: 3 alerts \(P3 ×1, P4 ×2\) in 3 zones since /);
    assert.equal(digest.type, 'digest');
    assert.equal(digest.priority, 'P3', 'its highest member\'s, never raised for agreeing');
    assert.equal(digest.zone, undefined, 'a digest has no place');
    assert.equal(digest.center, undefined);
    assert.equal(digest.playbook[0].text, 'Skim the alerts for a pattern (one place, one hour, one source)');
    assert.deepEqual(digest.history.map((h) => h.action), ['opened', 'grouped', 'grouped']);
    // A role that sees only some members sees a digest built from those alone.
    const seen = restrictIncident(digest, (m) => m.zone === 'market');
    assert.equal(seen.title, 'Traffic anomaly at market');
    assert.match(seen.summary, /^Low-priority digest: 1 alert \(P4 ×1\) at market since /);
    // Acting on the digest acts on its members, as on any incident.
    const acked = await t.platform.incidents.act({ action: 'acknowledge', incidentId: digest.id, by: 'ops' });
    assert.deepEqual(acked.members.map((m) => m.status), ['done', 'done', 'done']);
  });

  it('keeps one digest per operator for workload, and gathers posts without a place', async function () {
    const low = { severity: 'low', urgency: 'Expected', certainty: 'Observed' } as const;
    const op3 = await raise('workload', { ...low, headline: 'Operator 3 workload high', source: { ref: 'operator-3' } });
    const op4 = await raise('workload', { ...low, headline: 'Operator 4 workload high', source: { ref: 'operator-4' } }, HOUR);
    // Overloaded again later in the shift, at another desk: another alert, the same person's digest.
    const op3Again = await raise('workload', { ...low, headline: 'Operator 3 workload high again', zone: 'desk-2', source: { ref: 'operator-3' } }, 3 * HOUR);
    assert.notEqual(op3Again.id, op3.id);
    assert.equal(op3Again.incidentId, op3.incidentId);
    assert.notEqual(op4.incidentId, op3.incidentId, 'another person, another digest');
    const mine = await incidentOf(op3);
    assert.deepEqual(mine.digest?.labels, { tool: 'workload', event: 'Operator overloaded', source: 'operator-3' });
    assert.equal(mine.title, 'Operator overloaded ×2 at desk-2 (operator-3)');
    const vague = { event: 'Online threat', headline: 'Vague threat in a post', severity: 'low', urgency: 'Future', certainty: 'Unlikely' } as const;
    const p1 = await raise('social', { ...vague, source: { ref: 'post-1' } }, 4 * HOUR);
    const p2 = await raise('social', { ...vague, source: { ref: 'post-2' } }, 5 * HOUR);
    assert.equal(p1.priority, 'P4');
    assert.equal(p2.incidentId, p1.incidentId);
    assert.equal((await incidentOf(p1)).title, 'Online threat ×2');
  });

  it('takes new alerts for its window from the first, then a new digest holds the key', async function () {
    const first = await raise('anomaly', traffic('market'));
    const inside = await raise('anomaly', traffic('park'), 7 * HOUR + 59);
    const after = await raise('anomaly', traffic('stadium'), 8 * HOUR + 1);
    assert.equal(inside.incidentId, first.incidentId);
    assert.notEqual(after.incidentId, first.incidentId);
    const old = await incidentOf(first);
    assert.equal(old.accepting, false);
    assert.equal(old.history.at(-1)?.action, 'closed-to-new');
    assert.equal((await incidentOf(after)).key, old.key);
  });

  it('keeps the place rules first: a low alert joins an incident of its place, and its place takes a digest member out', async function () {
    const cam = await raise('firearm');
    const crowd = await raise('anomaly', traffic('square', 'counter-9', { severity: 'medium', urgency: 'Expected', certainty: 'Likely' }), 1);
    assert.equal(crowd.priority, 'P3');
    assert.equal(crowd.incidentId, cam.incidentId, 'the place incident, not the digest');

    const alone = await raise('anomaly', traffic('market'), HOUR);
    const digestId = alone.incidentId!;
    assert.equal((await t.platform.incidents.get(digestId))?.digest?.labels.event, 'Traffic anomaly');
    const elsewhere = await raise('anomaly', traffic('park'), HOUR + 2);
    assert.equal(elsewhere.incidentId, digestId);
    // A second alert at the market within the city rule's window: the market is an event now.
    const post = await raise('social', { zone: 'market', severity: 'low', urgency: 'Expected', certainty: 'Possible', source: { ref: 'post-m' } }, HOUR + 10);
    assert.equal(post.priority, 'P4');
    const market = await incidentOf(post);
    assert.equal(market.digest, undefined);
    assert.deepEqual(market.members.map((m) => m.alertId).sort(), [alone.id, post.id].sort());
    assert.equal(market.priority, 'P3', 'two tools agree: one step up from P4');
    assert.equal((await fresh(alone)).incidentId, market.id);
    assert.equal(market.history.find((h) => h.details?.alertId === alone.id)?.details?.from, digestId);
    const digest = (await t.platform.incidents.get(digestId))!;
    assert.deepEqual(digest.members.map((m) => m.alertId), [elsewhere.id]);
    assert.deepEqual(digest.history.at(-1)?.details, { alertId: alone.id, to: market.id, reason: 'an incident of its place took it' });
    assert.equal(digest.history.at(-1)?.by, undefined, 'by rule, not by an operator');
    const audit = (await t.platform.store.history(alone.id)).entries.at(-1)!;
    assert.equal(audit.action, 'grouped');
    assert.equal(audit.details?.from, digestId);
  });

  it('takes no member out without evidence of one place, nor one an operator put there', async function () {
    const market = await raise('anomaly', traffic('market'));
    const vague = await raise('social', { severity: 'low', urgency: 'Future', certainty: 'Unlikely', source: { ref: 'post-v' } }, 5);
    assert.equal((await fresh(market)).incidentId, market.incidentId, 'a post without a place leaves the market reading where it is');
    assert.notEqual(vague.incidentId, market.incidentId);
    const park = await raise('anomaly', traffic('park', 'park-loop', { event: 'Noise level anomaly' }), 6);
    await t.platform.incidents.move({ alertId: park.id, incidentId: market.incidentId, by: 'sup' });
    await raise('social', { zone: 'park', severity: 'low', urgency: 'Expected', certainty: 'Possible', source: { ref: 'post-p' } }, 8);
    assert.equal((await fresh(park)).incidentId, market.incidentId, 'moved in by an operator: it stays');
    // Past the place rule's window (20 minutes) a member is no companion either.
    const late = await raise('anomaly', traffic('market', 'market-cam', { event: 'Crowd density' }), 45);
    assert.equal((await fresh(market)).incidentId, market.incidentId);
    assert.notEqual(late.incidentId, market.incidentId);
  });

  it('never digests a P1 or P2, refuses moving one in, and lets a member raised to P2 leave for its place', async function () {
    const p2 = await raise('anomaly', traffic('market', 'loop-2', { severity: 'high', urgency: 'Immediate', certainty: 'Likely' }));
    assert.equal(p2.priority, 'P2');
    const own = await incidentOf(p2);
    assert.equal(own.digest, undefined, 'a P2 alone opens its place incident');
    const low = await raise('anomaly', traffic('park'), 2 * HOUR);
    const other = await raise('anomaly', traffic('stadium'), 2 * HOUR + 30);
    const digestId = low.incidentId!;
    assert.equal(other.incidentId, digestId);
    await assert.rejects(t.platform.incidents.move({ alertId: p2.id, incidentId: digestId, by: 'sup' }), /a P2 alert cannot join a digest of P3 and P4 alerts/);
    // The park reading repeats as P2 (same fingerprint, higher severity).
    const raised = await raise('anomaly', traffic('park', undefined, { severity: 'high', urgency: 'Immediate', certainty: 'Likely' }), 2 * HOUR + 40);
    assert.equal(raised.id, low.id);
    assert.equal(raised.priority, 'P2');
    const now2 = await fresh(low);
    assert.ok(now2.incidentId && now2.incidentId !== digestId, 'it left the digest');
    const park = (await t.platform.incidents.get(now2.incidentId))!;
    assert.equal(park.digest, undefined);
    assert.equal(park.zone, 'park');
    assert.equal(park.priority, 'P2');
    const digest = (await t.platform.incidents.get(digestId))!;
    assert.deepEqual(digest.members.map((m) => m.alertId), [other.id]);
    assert.equal(digest.history.at(-1)?.details?.reason, 'raised to P2, above the digest\'s priorities');
    // A digest every member left resolves itself: nothing in it is left to act on.
    await raise('anomaly', traffic('stadium', undefined, { severity: 'critical', urgency: 'Immediate', certainty: 'Observed' }), 2 * HOUR + 50);
    const empty = (await t.platform.incidents.get(digestId))!;
    assert.equal(empty.members.length, 0);
    assert.equal(empty.state, 'resolved');
    assert.equal(empty.resolved?.reason, 'every alert left the digest');
    const stadium = await incidentOf(other);
    assert.equal(stadium.priority, 'P1', 'a P1 is never hidden in a digest');
  });

  it('never puts a muted alert in a digest, and keeps exercises apart', async function () {
    const park = await raise('anomaly', traffic('park'));
    await raise('anomaly', { event: 'Sensor quiet', headline: 'Loop quiet', severity: 'low', zone: 'bridge', data: { kind: 'sensor-availability', sensorId: 'loop-7' }, source: { ref: 'loop-7' } }, 1);
    const muted = await raise('anomaly', traffic('bridge', 'loop-7'), 2);
    assert.ok(muted.muted, 'muted by its quiet sensor');
    assert.equal(muted.incidentId, undefined, 'not in the Traffic anomaly digest: a muted alert is no queue item, what mutes it is');
    assert.deepEqual((await incidentOf(park)).members.map((m) => m.alertId), [park.id]);
    const drill = await raise('anomaly', traffic('market', undefined, { status: 'Exercise' }), 3);
    assert.notEqual(drill.incidentId, park.incidentId, 'an exercise never joins a real digest');
    assert.equal((await incidentOf(drill)).status, 'Exercise');
  });

  it('is a rule like the others: settings replace it, and wrong digests are refused', async function () {
    assert.deepEqual(DEFAULT_RULES.filter((r) => r.digest).map((r) => [r.id, r.digest!.priorities, r.digest!.groupBy]), [
      ['operator-digest', ['P3', 'P4'], ['tool', 'event', 'source']],
      ['digest', ['P3', 'P4'], ['tool', 'event']],
    ]);
    assert.deepEqual(checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, digest: {} }).digest, { priorities: ['P3', 'P4'], groupBy: ['tool', 'event'] });
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, digest: { priorities: ['P2', 'P3'] } }), /may hold only P3 and P4/);
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, digest: { priorities: ['P9'] } }), /non-empty list of P3, P4/);
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, digest: { groupBy: ['zone'] } }), /groupBy must be a list of tool, event, source/);
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], context: ['workload'], windowMinutes: 60, digest: {} }), /no context tools/);
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, distanceMeters: 100, digest: {} }), /no distance/);
    assert.throws(() => checkRule({ id: 'd', tools: ['anomaly'], windowMinutes: 60, digest: 'yes' }), /must be an object/);

    await t.platform.close();
    t.platform = await t.start({ incidents: { rules: DEFAULT_RULES.filter((r) => !r.digest) } });
    const alone = await raise('anomaly', traffic('market'));
    assert.equal((await incidentOf(alone)).digest, undefined, 'without a digest rule a low alert opens its place incident, as before');
    await t.platform.close();
    t.platform = await t.start({ incidents: { rules: [{ id: 'p4-only', tools: ['anomaly'], windowMinutes: 60, distanceMeters: 0, digest: { priorities: ['P4'], groupBy: ['tool'] } }] } });
    // New sensors: the alerts of the run before are in the same store.
    const a = await raise('anomaly', traffic('market', 'market-2'));
    const b = await raise('anomaly', traffic('park', 'park-mic', { event: 'Noise level anomaly' }), 10);
    const p3 = await raise('anomaly', traffic('stadium', 'stadium-2', { severity: 'medium', certainty: 'Likely' }), 20);
    assert.equal(b.incidentId, a.incidentId, 'grouped by tool alone');
    assert.equal((await incidentOf(a)).title, 'anomaly alerts ×2 in 2 zones');
    assert.equal(p3.priority, 'P3');
    assert.equal(p3.incidentId, undefined, 'a P3 is not this digest\'s, and no place rule takes anomaly');
    await t.platform.close();
    t.platform = await t.start();
  });
});
