/**
 * Incidents on a real platform (SQLite file, in-process bus): grouping by the default rules,
 * priority, actions on members through the AlertService, moves, playbooks, inhibition, and
 * grouping that survives a restart.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Alert, Incident, LifecycleEvent } from '../../../nodes/platform';
import { draft, SQUARE, useIncidentPlatform } from '../../support/incidents';

const T0 = Date.parse('2025-06-01T10:00:00.000Z');

describe('incidents: grouping alerts of every tool', function () {
  this.timeout(20000);
  let events: LifecycleEvent[] = [];
  const t = useIncidentPlatform(T0, 'impetus-incidents-', (p) => p.bus.subscribe((e) => void events.push(e)));
  const raise = t.raise;
  beforeEach(function () {
    events = [];
  });

  async function incidentOf(alert: Alert): Promise<Incident> {
    assert.ok(alert.incidentId, `alert ${alert.tool} is in an incident`);
    return (await t.platform.incidents.get(alert.incidentId))!;
  }

  it('makes the shooting in the square one incident of six alerts from five tools', async function () {
    const cam4 = await raise('firearm');
    const cam5 = await raise('firearm', { source: { ref: 'cam-5' }, headline: 'Handgun on camera 5' }, 0.5);
    const crowd = await raise('anomaly', {}, 1);
    const posts = await raise('social', {}, 2);
    const evac = await raise('evacuation', {}, 3);
    const operator = await raise('workload', {}, 4);
    const ids = new Set([cam4, cam5, crowd, posts, evac, operator].map((a) => a.incidentId));
    assert.equal(ids.size, 1, 'one incident');
    const incident = await incidentOf(cam4);
    assert.equal(incident.members.length, 6);
    assert.deepEqual(incident.tools, ['firearm', 'anomaly', 'social', 'evacuation', 'workload']);
    assert.equal(incident.type, 'armed-threat');
    assert.equal(incident.priority, 'P1');
    assert.match(incident.title, /^Firearm detected at square \(\+ anomaly, social, evacuation, workload\)$/);
    assert.match(incident.summary, /^6 alerts from 5 tools \(firearm ×2, anomaly, social, evacuation, workload\)/);
    assert.equal(incident.playbook[0].text, 'Confirm the weapon on the camera images');
    const history = (await t.platform.store.history(crowd.id)).entries.map((e) => e.action);
    assert.ok(history.includes('grouped'), history.join());
    const told = events.filter((e) => e.alertId === crowd.id).map((e) => [e.type, e.alert.incidentId]);
    // The created event names the incident (no `grouped` event for a new alert); the P1 armed
    // threat in its zone then mutes the crowd alert.
    assert.deepEqual(told, [['created', incident.id], ['muted', incident.id]]);
  });

  it('raises the priority one step when two tools agree, never above P1, and not for context tools', async function () {
    // A P3 alone waits in the low-priority digest; the second alert of its place opens the place incident and takes it along.
    const crowd = await raise('anomaly', { severity: 'medium', certainty: 'Observed' });
    const second = await raise('anomaly', { severity: 'medium', certainty: 'Observed', source: { ref: 'counter-3' } }, 0.5);
    const current = async () => incidentOf((await t.platform.store.get(crowd.id))!);
    assert.equal((await current()).id, second.incidentId);
    assert.equal((await current()).priority, 'P3', 'one tool');
    await raise('workload', {}, 1);
    assert.equal((await current()).priority, 'P3', 'workload is context, not a second tool agreeing');
    assert.deepEqual((await current()).tools, ['anomaly', 'workload']);
    await raise('social', { zone: 'square' }, 2);
    assert.equal((await current()).priority, 'P2', 'anomaly and social agree');
  });

  it('keeps other places, other windows, exercises and cyber alerts apart', async function () {
    const square = await raise('firearm');
    const park = await raise('anomaly', { zone: 'park', source: { ref: 'p-1' } }, 1);
    const later = await raise('firearm', { source: { ref: 'cam-9' } }, 45);
    const drill = await raise('firearm', { status: 'Exercise', source: { ref: 'cam-x' } }, 1);
    const cyber = await raise('ctdr', {}, 1);
    const incidents = new Set([square, park, later, drill, cyber].map((a) => a.incidentId));
    assert.equal(incidents.size, 5);
    const first = await incidentOf(square);
    assert.equal(first.accepting, false, 'the square\'s first incident took no more members once its window passed');
    assert.equal((await incidentOf(later)).key, first.key, 'the later one holds the same key');
  });

  it('joins an alert from another zone when it is within the rule\'s distance', async function () {
    const cam = await raise('firearm');
    const evac = await raise('evacuation', {}, 1); // about 80 m east, no zone
    const far = await raise('evacuation', { location: { type: 'Point', coordinates: [SQUARE[0] + 0.05, SQUARE[1]] }, headline: 'Far away', source: { ref: 'plan-2' } }, 2);
    assert.equal(evac.incidentId, cam.incidentId);
    assert.notEqual(far.incidentId, cam.incidentId);
  });

  it('acts on the members through the alert service, each member audited as via the incident', async function () {
    const cam = await raise('firearm');
    const crowd = await raise('anomaly', {}, 1);
    await t.platform.alerts.act({ action: 'acknowledge', alertId: crowd.id, by: 'early' });
    t.now = T0 + 2 * 60_000;
    const acked = await t.platform.incidents.act({ action: 'acknowledge', incidentId: cam.incidentId!, by: 'ops' });
    assert.equal(acked.incident.state, 'acknowledged');
    assert.deepEqual(acked.members.map((m) => [m.alertId, m.status]), [[cam.id, 'done'], [crowd.id, 'skipped']]);
    const camHistory = (await t.platform.store.history(cam.id)).entries;
    const ack = camHistory.find((e) => e.action === 'acknowledged')!;
    assert.equal(ack.by, 'ops');
    assert.equal(ack.details?.via, cam.incidentId);
    await t.platform.incidents.act({ action: 'assign', incidentId: cam.incidentId!, by: 'sup', assignee: 'patrol-7' });
    assert.equal((await t.platform.store.get(crowd.id))?.assignee, 'patrol-7');
    const resolved = await t.platform.incidents.act({ action: 'resolve', incidentId: cam.incidentId!, by: 'ops', text: 'suspect arrested' });
    assert.equal(resolved.incident.state, 'resolved');
    assert.equal(resolved.incident.accepting, false);
    for (const id of [cam.id, crowd.id]) {
      const a = (await t.platform.store.get(id))!;
      assert.equal(a.state, 'resolved');
      assert.equal(a.resolved?.reason, 'suspect arrested');
    }
    assert.deepEqual(resolved.incident.members.map((m) => m.state), ['resolved', 'resolved']);
    assert.deepEqual(resolved.incident.history.map((h) => h.action), ['opened', 'grouped', 'acknowledged', 'assigned', 'resolved']);
    await assert.rejects(t.platform.incidents.act({ action: 'acknowledge', incidentId: cam.incidentId!, by: 'ops' }), /cannot acknowledge/);
  });

  it('resolves the incident once every member is resolved one by one', async function () {
    const cam = await raise('firearm');
    const crowd = await raise('anomaly', {}, 1);
    await t.platform.alerts.act({ action: 'resolve', alertId: cam.id, by: 'ops', text: 'toy gun' });
    assert.equal((await incidentOf(cam)).state, 'open');
    await t.platform.alerts.act({ action: 'resolve', alertId: crowd.id, by: 'ops', text: 'concert ended' });
    const incident = await incidentOf(cam);
    assert.equal(incident.state, 'resolved');
    assert.equal(incident.resolved?.reason, 'every member alert is resolved');
  });

  it('moves an alert out of and into an incident, audited on both sides, and no rule puts it back', async function () {
    const cam = await raise('firearm');
    const crowd = await raise('anomaly', {}, 1);
    const other = await raise('anomaly', { zone: 'park', source: { ref: 'p-1' } }, 1);
    const out = await t.platform.incidents.move({ alertId: crowd.id, by: 'ops', reason: 'a concert, unrelated' });
    assert.equal(out.alert.incidentId, undefined);
    assert.deepEqual(out.from?.members.map((m) => m.alertId), [cam.id]);
    assert.deepEqual(out.from?.removed, [crowd.id]);
    assert.equal(out.from?.history.at(-1)?.action, 'moved-out');
    const ungrouped = (await t.platform.store.history(crowd.id)).entries.at(-1)!;
    assert.equal(ungrouped.action, 'ungrouped');
    assert.equal(ungrouped.details?.reason, 'a concert, unrelated');
    // A repeat of the moved-out alert stays out.
    const repeat = await raise('anomaly', {}, 2);
    assert.equal(repeat.id, crowd.id);
    assert.equal(repeat.incidentId, undefined);
    const moved = await t.platform.incidents.move({ alertId: other.id, incidentId: cam.incidentId, by: 'sup' });
    assert.equal(moved.alert.incidentId, cam.incidentId);
    assert.equal(moved.to?.members.find((m) => m.alertId === other.id)?.by, 'sup');
    assert.equal(moved.from?.members.length, 0);
    assert.equal(moved.to?.history.at(-1)?.action, 'moved-in');
    assert.ok(events.some((e) => e.type === 'grouped' && e.alertId === other.id && e.actor === 'sup' && e.details?.incidentId === cam.incidentId));
  });

  it('ticks playbook steps into the audit', async function () {
    const cam = await raise('firearm');
    const ticked = await t.platform.incidents.tick({ incidentId: cam.incidentId!, step: 's2', done: true, by: 'ops' });
    assert.equal(ticked.playbook[1].done?.by, 'ops');
    assert.deepEqual(ticked.history.at(-1)?.details, { step: 's2', text: ticked.playbook[1].text, done: true });
    const unticked = await t.platform.incidents.tick({ incidentId: cam.incidentId!, step: 's2', done: false, by: 'ops' });
    assert.equal(unticked.playbook[1].done, undefined);
    await assert.rejects(t.platform.incidents.tick({ incidentId: cam.incidentId!, step: 's99', done: true, by: 'ops' }), /no playbook step s99/);
  });

  it('keeps grouping after a restart: a new alert joins the incident stored before it', async function () {
    const cam = await raise('firearm');
    await t.platform.close();
    t.platform = await t.start();
    const crowd = await raise('anomaly', {}, 3);
    assert.equal(crowd.incidentId, cam.incidentId);
    assert.equal((await incidentOf(crowd)).members.length, 2);
  });

  it('opens one incident, not two, when two platforms on one store see the first alerts at once', async function () {
    const second = await t.start();
    try {
      t.now = T0;
      const [a, b] = await Promise.all([t.platform.alerts.raise(draft('firearm')), second.alerts.raise(draft('anomaly'))]);
      assert.ok(a.alert.incidentId && b.alert.incidentId);
      assert.equal(a.alert.incidentId, b.alert.incidentId);
      assert.equal((await t.platform.incidents.query({})).total, 1);
    } finally {
      await second.close();
    }
  });

  it('mutes lower crowd and social alerts in the zone of an open P1 armed-threat incident, never a P1', async function () {
    const crowdBefore = await raise('anomaly', { zone: 'square', severity: 'medium' });
    const cam = await raise('firearm', {}, 1);
    const incidentId = cam.incidentId!;
    assert.equal((await t.platform.store.get(crowdBefore.id))?.muted?.by, `incident:${incidentId}`, 'an alert open before is muted too');
    t.now += 2000;
    const posts = await raise('social', { zone: 'square' }, 2);
    assert.equal(posts.muted?.by, `incident:${incidentId}`);
    assert.equal(posts.muted?.rule, 'armed-threat-zone');
    assert.equal(posts.escalation, undefined, 'a muted alert is not escalated');
    assert.equal(posts.state, 'open', 'still stored and listed');
    const p1Crowd = await raise('anomaly', { zone: 'square', severity: 'critical', source: { ref: 'counter-8' } }, 2);
    assert.equal(p1Crowd.priority, 'P1');
    assert.equal(p1Crowd.muted, undefined, 'a P1 is never muted');
    const elsewhere = await raise('social', { zone: 'park', source: { ref: 'project-2' } }, 3);
    assert.equal(elsewhere.muted, undefined);
    const history = (await t.platform.store.history(posts.id)).entries.map((e) => e.action);
    assert.ok(history.includes('muted'));
    assert.equal((await t.platform.incidents.get(incidentId))?.members.find((m) => m.alertId === posts.id)?.mutedBy, `incident:${incidentId}`);
  });

  it('mutes a sensor\'s detector alerts while the sensor is reported unavailable', async function () {
    // As impetus-sensor-in files it: under the tool the sensor feeds, data.kind sensor-availability.
    await raise('anomaly', { event: 'Sensor quiet', headline: 'Sensor cam-9 quiet for 5 min', severity: 'low', zone: 'bridge', data: { kind: 'sensor-availability', sensorId: 'cam-9', quietSeconds: 300 }, source: { ref: 'cam-9' } });
    t.now += 2000;
    const fromCam9 = await raise('anomaly', { zone: 'bridge', source: { ref: 'cam-9' } }, 0.1);
    assert.equal(fromCam9.muted?.rule, 'sensor-unavailable');
    const fromCam8 = await raise('anomaly', { zone: 'bridge', source: { ref: 'cam-8' } }, 0.2);
    assert.equal(fromCam8.muted, undefined);
  });

  it('groups a storm of 2,000 concurrent alerts with a constant number of store calls per alert and bounded incidents', async function () {
    this.timeout(60_000);
    // What is counted is store calls, not commits: no fsync per group commit here.
    await t.platform.close();
    t.platform = await t.start({ store: { file: path.join(t.dir, 'alerts.db'), synchronous: 'normal' } });
    const store = t.platform.incidents.store;
    const calls: Record<string, number> = {};
    for (const name of ['createIncident', 'replaceIncident', 'queryIncidents', 'incidentByKey', 'getIncident'] as const) {
      const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
      calls[name] = 0;
      (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls[name]++;
        return original(...args);
      };
    }
    const n = 2_000;
    const max = t.platform.incidents.settings.maxMembers;
    // A camera seeing a rifle in every frame, each with its own fingerprint, all raised at once.
    const alerts = await Promise.all(Array.from({ length: n }, (_, i) => raise('firearm', { source: { ref: `cam-${i}` }, headline: `Rifle in frame ${i}` })));
    const ids = new Set(alerts.map((a) => a.incidentId));
    assert.ok(!ids.has(undefined), 'every alert is grouped');
    const incidents = await Promise.all([...ids].map((id) => t.platform.incidents.get(id!)));
    assert.equal(incidents.reduce((sum, i) => sum + i!.members.length, 0), n, 'every alert is a member of exactly one incident');
    assert.equal(ids.size, Math.ceil(n / max), 'full incidents close to new members and the next one opens');
    for (const incident of incidents) {
      assert.ok(incident!.members.length <= max, 'members bounded by maxMembers');
      assert.ok(incident!.history.length <= max + 2, 'history bounded with the members');
    }
    // Without conflicts each alert costs one write (its join); each incident adds its creation and its close.
    assert.ok(calls.createIncident + calls.replaceIncident <= n + 2 * ids.size, `writes ${calls.createIncident + calls.replaceIncident} for ${n} alerts`);
    assert.ok(calls.queryIncidents <= 2 * ids.size, `scans ${calls.queryIncidents} for ${ids.size} incidents: joining reads the key's holder, not every open incident`);
    assert.ok(calls.incidentByKey <= 3 * n, `key reads ${calls.incidentByKey}`);
    // The alerts that queue while their key's incident is being written join it together: one
    // write for many members, not one per alert.
    assert.ok(calls.replaceIncident <= n / 10, `${calls.replaceIncident} incident writes for ${n} alerts: members that waited are written together`);
    for (const incident of incidents) {
      const grouped = incident!.history.filter((h) => h.action === 'grouped').map((h) => h.details?.alertId);
      assert.deepEqual(grouped.sort(), incident!.members.slice(1).map((m) => m.alertId).sort(), 'each member joined once, audited');
    }
    const marked = await Promise.all(alerts.slice(0, 50).map((a) => t.platform.store.get(a.id)));
    for (const alert of marked) assert.equal(alert!.incidentId, alerts.find((a) => a.id === alert!.id)!.incidentId, 'the stored alert names its incident');
  });

  it('groups a storm of lower alerts without reading every open incident again for each alert', async function () {
    this.timeout(60_000);
    const store = t.platform.incidents.store;
    let scans = 0;
    const original = store.queryIncidents.bind(store);
    store.queryIncidents = (query) => {
      scans++;
      return original(query);
    };
    // Low crowd alerts in one zone: a P3 incident, which mutes nothing, so what the inhibitor read
    // about the open incidents stays true however many of them join it.
    // Raised in waves, as a flow delivers them: each wave finds the previous one grouped.
    const n = 300;
    const alerts: Alert[] = [];
    for (let wave = 0; wave < n / 10; wave++) {
      alerts.push(...await Promise.all(Array.from({ length: 10 }, (_, i) =>
        raise('anomaly', { severity: 'medium', certainty: 'Observed', source: { ref: `counter-${wave}-${i}` }, headline: `Flow ${wave}-${i}` }))));
    }
    // Read again: the first alert of the place waited in the digest until the second took it out.
    const stored = await Promise.all(alerts.map((a) => t.platform.store.get(a.id)));
    const ids = new Set(stored.map((a) => a!.incidentId));
    assert.equal(ids.size, Math.ceil(n / t.platform.incidents.settings.maxMembers));
    const incident = await incidentOf(stored[0]!);
    assert.equal(incident.priority, 'P3');
    assert.ok(scans <= 10, `${scans} scans of the open incidents for ${n} alerts`);
    // A P1 joining makes the incident a source: the next lower alert in its zone is muted at once.
    await raise('firearm', { source: { ref: 'cam-1' } });
    const after = await raise('anomaly', { severity: 'medium', certainty: 'Observed', source: { ref: 'counter-late' } });
    assert.ok(after.muted, 'muted by the incident that just became P1');
  });

  it('takes its rules from the settings', async function () {
    await t.platform.close();
    t.platform = await t.start({ incidents: { rules: [{ id: 'cams', tools: ['firearm'], windowMinutes: 5, distanceMeters: 0 }], inhibit: [] } });
    const cam = await raise('firearm');
    const crowd = await raise('anomaly', {}, 1);
    assert.ok(cam.incidentId);
    assert.equal(crowd.incidentId, undefined, 'anomaly is in no rule now');
    await t.platform.close();
    t.platform = await t.start({ incidents: { enabled: false } });
    assert.equal((await raise('firearm', { zone: 'gate' })).incidentId, undefined);
  });
});
