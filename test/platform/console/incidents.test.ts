/**
 * The incident routes, role by role: a role sees an incident when it may see one member, and
 * then only those members (their tools, headlines and alerts); an action on the incident acts on
 * those members only; playbook ticks and moves need the role's actions. Expectations come from
 * the packaged view files read as plain JSON, as in roles.test.ts.
 */
import assert from 'node:assert/strict';
import type { Alert, Incident } from '../../../nodes/platform';
import { platformFor, xmlToCap } from '../../../nodes/platform';
import { alertNodes, api, currentRed, load, useRuntime } from '../../support/nodered';
import { LiveTestClient, ROLES, consoleSettings, expectedVisible, packagedViews, runtime, toolData } from '../../support/console';
import type { Role } from '../../support/console';

const views = packagedViews();
const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];
const SQUARE = { type: 'Point' as const, coordinates: [11.8768, 45.4077] };

describe('console incidents: what each role sees and does', function () {
  useRuntime(() => consoleSettings());
  let shooting: Alert[];
  let cyber: Alert[];

  beforeEach(async () => {
    await load(alertNodes, flow);
    const platform = platformFor(currentRed());
    await platform.ready;
    const raise = async (draft: Record<string, unknown>) => (await platform.alerts.raise({ data: toolData(draft.tool as string), zone: 'square', location: SQUARE, ...draft })).alert;
    shooting = [
      await raise({ tool: 'firearm', event: 'Firearm detected', headline: 'Handgun on camera 4', severity: 'critical', urgency: 'Immediate', certainty: 'Observed', source: { ref: 'cam-4' } }),
      await raise({ tool: 'anomaly', event: 'Crowd-flow anomaly', headline: 'People running', severity: 'critical', urgency: 'Immediate', certainty: 'Observed', source: { ref: 'c-2' } }),
      await raise({ tool: 'social', event: 'Online threat', headline: 'Threatening posts', severity: 'high', urgency: 'Immediate', certainty: 'Observed', source: { ref: 'p-1' } }),
      await raise({ tool: 'workload', event: 'Operator overloaded', headline: 'Operator 2 overloaded', severity: 'medium', urgency: 'Immediate', certainty: 'Observed', zone: undefined, location: undefined }),
    ];
    cyber = [await raise({ tool: 'ctdr', event: 'IDS alert', headline: 'Exploit attempt', severity: 'high', urgency: 'Immediate', certainty: 'Observed', zone: 'tlc', location: undefined })];
    assert.equal(new Set(shooting.map((a) => a.incidentId)).size, 1, 'the shooting is one incident');
    assert.notEqual(cyber[0].incidentId, shooting[0].incidentId);
  });

  const seen = (role: Role, alerts: Alert[]) => alerts.filter((a) => expectedVisible(views.get(role)!, a)).map((a) => a.id).sort();

  for (const role of ROLES) {
    it(`${role}: lists the incidents with a member it sees, with only those members`, async () => {
      const body = (await api(role).get('/impetus/api/incidents').expect(200)).body as { items: Incident[]; total: number };
      for (const [alerts, name] of [[shooting, 'shooting'], [cyber, 'cyber']] as const) {
        const expected = seen(role, alerts);
        const listed = body.items.find((i) => i.id === alerts[0].incidentId);
        if (!expected.length) {
          assert.equal(listed, undefined, `${role} must not see the ${name} incident`);
          await api(role).get(`/impetus/api/incidents/${alerts[0].incidentId}`).expect(404);
          continue;
        }
        assert.ok(listed, `${role} sees the ${name} incident`);
        assert.deepEqual(listed.members.map((m) => m.alertId).sort(), expected);
        assert.deepEqual([...listed.tools].sort(), [...new Set(alerts.filter((a) => expected.includes(a.id)).map((a) => a.tool))].sort());
        for (const hidden of alerts.filter((a) => !expected.includes(a.id))) {
          assert.ok(!listed.title.includes(hidden.tool) && !listed.summary.includes(hidden.headline), `${role}: no trace of the hidden ${hidden.tool} alert`);
        }
        const page = (await api(role).get(`/impetus/api/incidents/${alerts[0].incidentId}`).expect(200)).body as { incident: Incident; alerts: Alert[] };
        assert.deepEqual(page.alerts.map((a) => a.id).sort(), expected);
      }
    });

    it(`${role}: acknowledges an incident's visible members only, or is refused`, async () => {
      const view = views.get(role)!;
      const id = shooting[0].incidentId!;
      const expected = seen(role, shooting);
      const res = await api(role).post(`/impetus/api/incidents/${id}/actions`).send({ action: 'acknowledge' });
      if (!expected.length) return assert.equal(res.status, 404);
      if (!view.actions.includes('acknowledge')) return assert.equal(res.status, 403);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.members.map((m: { alertId: string }) => m.alertId).sort(), expected);
      const platform = platformFor(currentRed());
      for (const alert of shooting) {
        const now = (await platform.store.get(alert.id))!;
        assert.equal(now.state, expected.includes(alert.id) ? 'acknowledged' : 'open', `${alert.tool} for ${role}`);
        if (expected.includes(alert.id)) assert.equal(now.history.find((h) => h.action === 'acknowledged')?.details?.via, id);
      }
    });

    it(`${role}: ticks playbook steps and moves alerts only as its view allows`, async () => {
      const view = views.get(role)!;
      const id = shooting[0].incidentId!;
      const sees = seen(role, shooting).length > 0;
      const tick = await api(role).post(`/impetus/api/incidents/${id}/playbook/s1`).send({ done: true });
      assert.equal(tick.status, !view.actions.includes('acknowledge') ? 403 : sees ? 200 : 404);
      if (tick.status === 200) assert.equal((tick.body as Incident).playbook[0].done?.by, `test-${role}`);
      const crowd = shooting[1];
      const move = await api(role).post(`/impetus/api/alerts/${crowd.id}/incident`).send({ incidentId: null, reason: 'unrelated' });
      assert.equal(move.status, !view.actions.includes('assign') ? 403 : expectedVisible(view, crowd) ? 200 : 404);
      if (move.status === 200) assert.equal(move.body.alert.incidentId, undefined);
    });
  }

  it('exports the incident as CAP 1.2 (Update with references to its members, Cancel once resolved) and as a FIWARE entity, as the role sees it', async () => {
    const id = shooting[0].incidentId!;
    // The supervisor sees every member (workload included; the admin does not).
    const res = await api('supervisor').get(`/impetus/api/incidents/${id}/cap.xml`).expect(200);
    assert.match(String(res.headers['content-type']), /xml/);
    const cap = xmlToCap(res.text);
    assert.equal(cap.msgType, 'Update', 'the incident grew after its first version');
    assert.equal(cap.incidents, id);
    const refs = cap.references!.split(' ').map((r) => r.split(',')[1]);
    assert.deepEqual(refs, [id, ...shooting.map((a) => a.id)]);
    assert.match(cap.info![0].headline!, /^Firearm detected/);
    // The field role does not see social or workload alerts: neither do its CAP references.
    const field = xmlToCap((await api('field').get(`/impetus/api/incidents/${id}/cap.xml`).expect(200)).text);
    assert.deepEqual(field.references!.split(' ').map((r) => r.split(',')[1]).sort(), [id, ...seen('field', shooting)].sort());
    await api('supervisor').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'resolve', text: 'suspect arrested' }).expect(200);
    const cancel = xmlToCap((await api('supervisor').get(`/impetus/api/incidents/${id}/cap.xml`).expect(200)).text);
    assert.equal(cancel.msgType, 'Cancel');
    assert.equal(cancel.note, 'suspect arrested');
    const json = JSON.parse((await api('supervisor').get(`/impetus/api/incidents/${id}/cap.json`).expect(200)).text) as { msgType: string };
    assert.equal(json.msgType, 'Cancel');
    const entity = JSON.parse((await api('supervisor').get(`/impetus/api/incidents/${id}/fiware.json?options=keyValues`).expect(200)).text) as { type: string; data: { members: string[] }; name: string };
    assert.equal(entity.type, 'Alert');
    assert.equal(entity.data.members.length, shooting.length);
    await api('cyber').get(`/impetus/api/incidents/${id}/cap.xml`).expect(404);
  });

  it('pushes an incident\'s own changes (tick, comment, move out, acknowledgement) over the WebSocket to the roles that see a member, with only those members', async () => {
    await runtime().ready;
    const clients = new Map<Role, LiveTestClient>();
    for (const role of ROLES) clients.set(role, await LiveTestClient.as(role));
    const id = shooting[0].incidentId!;
    const crowd = shooting[1];
    // The supervisor sees every member (workload included) and may do all four.
    await api('supervisor').post(`/impetus/api/incidents/${id}/playbook/s1`).send({ done: true }).expect(200);
    await api('supervisor').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'comment', text: 'units on the way' }).expect(200);
    await api('supervisor').post(`/impetus/api/alerts/${crowd.id}/incident`).send({ incidentId: null, reason: 'a concert ending' }).expect(200);
    await api('supervisor').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'acknowledge' }).expect(200);
    const after = shooting.filter((a) => a.id !== crowd.id);
    for (const [role, client] of clients) {
      await client.sync();
      const pushed = client.messages.flatMap((m) => m.incidents ?? []).filter((i) => i.id === id);
      const sees = seen(role, shooting);
      if (!seen(role, after).length) {
        // A role that sees no member after the move gets nothing once it is out (and nothing at all if it never saw one).
        if (!sees.length) assert.equal(pushed.length, 0, `${role} sees no member: no incident event`);
        assert.ok(pushed.every((i) => i.members.length > 0 && i.members.every((m) => sees.includes(m.alertId))), `${role}: only members it sees`);
        continue;
      }
      assert.ok(pushed.length > 0, `${role} is told about the incident`);
      for (const i of pushed) assert.ok(i.members.every((m) => sees.includes(m.alertId)), `${role}: only the members it sees`);
      assert.ok(pushed.some((i) => i.playbook[0]?.done?.by === 'test-supervisor'), `${role} gets the tick`);
      assert.ok(pushed.some((i) => i.comments.some((c) => c.text === 'units on the way')), `${role} gets the comment`);
      assert.ok(pushed.some((i) => !i.members.some((m) => m.alertId === crowd.id)), `${role} gets the move out`);
      assert.equal(pushed[pushed.length - 1].state, 'acknowledged', `${role} gets the acknowledgement`);
      const versions = pushed.map((i) => i.version);
      assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'in version order');
    }
    for (const client of clients.values()) client.close();
  });

  it('refuses bad requests clearly', async () => {
    const id = shooting[0].incidentId!;
    await api('admin').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'explode' }).expect(400);
    await api('admin').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'resolve' }).expect(400);
    await api('admin').post(`/impetus/api/incidents/${id}/playbook/s1`).send({ done: 'yes' }).expect(400);
    await api('admin').post(`/impetus/api/incidents/${id}/playbook/s99`).send({ done: true }).expect(400);
    await api('admin').post(`/impetus/api/alerts/${cyber[0].id}/incident`).send({ incidentId: 'inc-nope' }).expect(404);
    await api('admin').get('/impetus/api/incidents?state=burning').expect(400);
    await api('admin').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'resolve', text: 'handled' }).expect(200);
    await api('admin').post(`/impetus/api/incidents/${id}/actions`).send({ action: 'acknowledge' }).expect(409);
  });
});
