/**
 * TLP markings are enforced on every console route and on the WebSocket: every role, plus a
 * supervisor cleared for RED by name and a cyber trainee kept to AMBER by name, against a RED,
 * an AMBER+STRICT, an AMBER and an unmarked CTI alert. A viewer sees an alert only if its view
 * names the tool and its clearance (the role view's `tlp`, or the user's own) covers the marking;
 * a hidden alert answers 404 on every route, exactly like one that does not exist; an export of a
 * visible alert carries the marking, and TLP:RED is never exported (403). Expectations come from
 * the view files read as plain JSON and the settings of `tlpViewerSettings`.
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Tlp } from '../../../nodes/platform';
import { consoleOf, platformFor } from '../../../nodes/platform';
import { resolveConsoleSettings } from '../../../nodes/platform/console/settings';
import type { Role, TlpViewer } from '../../support/console';
import { LiveTestClient, packagedViews, ROLES, tlpCleared, TLP_VIEWERS, tlpViewerSettings, toolData, viewerAgent } from '../../support/console';
import { alertNodes, currentRed, helper, load, uiNodes, useRuntime } from '../../support/nodered';

const views = packagedViews();
const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'cti', wires: [[]] }];

type Viewer = TlpViewer;

/** The expectation, from the view files and the settings (test/support/console.ts) rather than from the code under test. */
function expectedVisible(viewer: Viewer, alert: Pick<Alert, 'tool' | 'tlp'>): boolean {
  const view = views.get(viewer.role)!;
  const toolOk = view.tools.includes(alert.tool) || (view.tools.includes('*') && !view.tools.includes(`!${alert.tool}`));
  return toolOk && tlpCleared(view, viewer, alert);
}

async function live(viewer: Viewer): Promise<LiveTestClient> {
  const runtime = consoleOf(platformFor(currentRed()));
  const session = runtime.openSession({ username: viewer.username, name: viewer.username, role: viewer.role });
  const client = await LiveTestClient.open({ Cookie: `${runtime.platform.settings.console.session.cookieName}=${session.id}` });
  await client.next('hello');
  return client;
}

const MARKINGS: Array<Tlp | undefined> = ['red', 'amber+strict', 'amber', undefined];

function drafts(tag: string): AlertDraft[] {
  return MARKINGS.map((tlp) => ({
    tool: 'cti', event: 'Threat intelligence match', headline: `cti ${tlp ?? 'unmarked'} ${tag}`, severity: 'high', urgency: 'Expected', certainty: 'Likely',
    source: { ref: `${tag}-${tlp ?? 'none'}` }, data: toolData('cti'), ...(tlp ? { tlp } : {}),
  }));
}

async function raise(tag: string): Promise<Alert[]> {
  const platform = platformFor(currentRed());
  await platform.ready;
  const out: Alert[] = [];
  for (const d of drafts(tag)) out.push((await platform.alerts.raise(d)).alert);
  return out;
}

describe('console TLP: what each role and named user sees of marked alerts', function () {
  useRuntime(() => tlpViewerSettings());
  let alerts: Alert[];

  beforeEach(async () => {
    await load(alertNodes, flow);
    alerts = await raise('http');
  });

  it('states the intent of the packaged views', () => {
    const clearance = (role: Role) => views.get(role)!.tlp ?? 'amber';
    assert.equal(clearance('cyber'), 'red');
    // The CTI issue: a TLP:RED item is visible only to the cyber role (and users named for it).
    for (const role of ROLES.filter((r) => r !== 'cyber')) assert.notEqual(clearance(role), 'red', `${role} is not cleared for RED`);
    assert.equal(clearance('intel'), 'amber+strict');
    const red = alerts.find((a) => a.tlp === 'red')!;
    assert.deepEqual(TLP_VIEWERS.filter((v) => expectedVisible(v, red)).map((v) => v.username).sort(), ['cyber', 'rita']);
  });

  for (const viewer of TLP_VIEWERS) {
    const who = viewer.tlp ? `${viewer.username} (${viewer.role}, cleared for ${viewer.tlp})` : viewer.role;

    it(`${who}: lists, reads, exports and acts on exactly the marked alerts it is cleared for`, async () => {
      const view = views.get(viewer.role)!;
      const http = viewerAgent(viewer);
      const visible = alerts.filter((a) => expectedVisible(viewer, a));
      const hidden = alerts.filter((a) => !expectedVisible(viewer, a));

      const listed = (await http.get('/impetus/api/alerts?tool=cti&limit=1000').expect(200)).body as { items: Alert[]; total: number };
      assert.deepEqual(listed.items.map((a) => a.id).sort(), visible.map((a) => a.id).sort());
      assert.equal(listed.total, visible.length);
      const slim = (await http.get('/impetus/api/alerts?tool=cti&fields=summary').expect(200)).body as { items: Array<{ id: string; tlp?: string }> };
      for (const row of slim.items) assert.equal(row.tlp, alerts.find((a) => a.id === row.id)!.tlp, 'the queue row carries the marking');

      for (const a of hidden) {
        for (const route of ['', '/history', '/cap.xml', '/cap.json', '/fiware.json', '/media/sha256:00']) {
          const res = await http.get(`/impetus/api/alerts/${a.id}${route}`).expect(404);
          assert.match(res.body.error, /unknown alert/, `${who} GET ${route} of a ${a.tlp} alert`);
        }
        for (const action of ['comment', 'acknowledge'] as const) {
          await http.post(`/impetus/api/alerts/${a.id}/actions`).send({ action, text: 'peek' }).expect(404);
        }
        const bulk = (await http.post('/impetus/api/alerts/actions').send({ action: 'comment', text: 'peek', ids: [a.id] })).body as { results?: Array<{ status: number }> };
        if (bulk.results) assert.equal(bulk.results[0].status, 404, `${who} bulk comment on a hidden ${a.tlp} alert`);
      }

      for (const a of visible) {
        assert.equal((await http.get(`/impetus/api/alerts/${a.id}`).expect(200)).body.tlp, a.tlp);
        assert.ok((await http.get(`/impetus/api/alerts/${a.id}/history`).expect(200)).body.total >= 1);
        if (a.tlp === 'red') {
          for (const route of ['/cap.xml', '/cap.json', '/fiware.json']) {
            const res = await http.get(`/impetus/api/alerts/${a.id}${route}`).expect(403);
            assert.match(res.body.error, /TLP:RED: it is not exported/, `${who} export ${route} of RED`);
          }
        } else {
          const label = a.tlp ? `TLP:${a.tlp.toUpperCase()}` : undefined;
          const xml = (await http.get(`/impetus/api/alerts/${a.id}/cap.xml`).expect(200)).text;
          const fiware = JSON.parse((await http.get(`/impetus/api/alerts/${a.id}/fiware.json?options=keyValues`).expect(200)).text) as { tlp?: string };
          assert.equal(fiware.tlp, label);
          if (label) {
            assert.ok(xml.includes(`<restriction>${label}; `), `CAP restriction leads with ${label}`);
            assert.ok(xml.includes('<valueName>impetus:tlp</valueName>'), 'and the exact marking travels');
          } else {
            assert.ok(!xml.includes('TLP:'), 'an unmarked alert is exported without a label');
          }
        }
        const res = await http.post(`/impetus/api/alerts/${a.id}/actions`).send({ action: 'comment', text: 'seen' });
        assert.equal(res.status, view.actions.includes('comment') ? 200 : 403, `${who} comment on ${a.tlp}`);
      }

      const summary = (await http.get('/impetus/api/summary').expect(200)).body as { tiles: Array<{ id: string; counts: Record<string, number> }> };
      const tile = summary.tiles.find((t) => t.id === 'cti');
      const counted = tile ? Object.values(tile.counts).reduce((x, y) => x + y, 0) : 0;
      assert.equal(counted, visible.length, `${who}: the CTI tile counts exactly the alerts it may see`);
    });

    it(`${who}: the WebSocket pushes exactly the marked alerts it is cleared for`, async () => {
      const client = await live(viewer);
      const control = await live({ username: 'rita', role: 'supervisor', tlp: 'red' });
      const fresh = await raise(`ws-${viewer.username}`);
      await client.sync();
      await control.sync();
      // Only this test's alerts: those of beforeEach may still be on their way.
      const ids = new Set(fresh.map((a) => a.id));
      const got = new Set(client.events.map((e) => e.alert.id).filter((id) => ids.has(id)));
      const want = fresh.filter((a) => expectedVisible(viewer, a)).map((a) => a.id);
      assert.deepEqual([...got].sort(), [...want].sort(), `${who} live events`);
      assert.equal(new Set(control.events.map((e) => e.alert.id).filter((id) => ids.has(id))).size, fresh.length, 'the control client, cleared for RED, got all four');
      client.close();
      control.close();
    });
  }

  it('a repeat under a stricter marking hides the alert from then on, with a "marked" audit entry', async () => {
    const platform = platformFor(currentRed());
    const amber = alerts.find((a) => a.tlp === 'amber')!;
    const operatorView = { username: 'supervisor', role: 'supervisor' as Role };
    await viewerAgent(operatorView).get(`/impetus/api/alerts/${amber.id}`).expect(200);
    const draft = drafts('http').find((d) => d.tlp === 'amber')!;
    const { alert } = await platform.alerts.raise({ ...draft, tlp: 'red' });
    assert.equal(alert.id, amber.id);
    assert.equal(alert.tlp, 'red');
    await viewerAgent(operatorView).get(`/impetus/api/alerts/${amber.id}`).expect(404);
    const history = (await viewerAgent({ username: 'cyber', role: 'cyber' }).get(`/impetus/api/alerts/${amber.id}/history`).expect(200)).body.entries as Array<{ action: string; details?: unknown }>;
    // Incident grouping ('grouped') may come between; the marking's own entries are what is checked.
    const marking = history.filter((e) => e.action === 'created' || e.action === 'marked');
    assert.deepEqual(marking.map((e) => [e.action, e.details]), [['created', { tlp: 'amber' }], ['marked', { tlp: { from: 'amber', to: 'red' } }]]);
  });

  it('shows a panel marked TLP:RED only to viewers cleared for RED, whatever its roles say', async () => {
    const table = (title: string, tlp: string) => ({ id: `panel-${tlp}`, type: 'impetus-ui-table', page: 'cti', title, roles: 'cyber,intel,supervisor,manager', tlp, columns: 'asset:Asset', key: 'asset', actionRoles: '', wires: [[]] });
    await helper.unload();
    await load([...alertNodes, ...uiNodes], [...flow, table('cti-amber', 'amber'), table('cti-red', 'red')]);
    for (const viewer of TLP_VIEWERS) {
      const res = await viewerAgent(viewer).get('/impetus/api/pages/cti');
      const titles = res.status === 200 ? (res.body.panels as Array<{ title: string }>).map((p) => p.title).sort() : [];
      const view = views.get(viewer.role)!;
      const cleared = (viewer.tlp ?? view.tlp ?? 'amber') === 'red';
      const byRole = viewer.role === 'admin' || ['cyber', 'intel', 'supervisor', 'manager'].includes(viewer.role);
      const onPage = byRole && (view.pages.includes('tool:*') || view.pages.includes('tool:cti')) && expectedVisible(viewer, { tool: 'cti' });
      const want = onPage ? (cleared ? ['cti-amber', 'cti-red'] : ['cti-amber']) : [];
      assert.deepEqual(titles, want, `${viewer.username}: the panels of the CTI page`);
    }
  });

  it('refuses a draft with a marking that is not TLP 2.0, and a user setting that is not one', async () => {
    const platform = platformFor(currentRed());
    await assert.rejects(platform.alerts.raise({ ...drafts('bad')[0], tlp: 'white' as Tlp }), /tlp/);
    const user = { role: 'cyber', passwordHash: tlpViewerSettings().users!.tom.passwordHash, tlp: 'purple' };
    assert.throws(() => resolveConsoleSettings({ users: { tom: user as never } }, '/tmp'), /users\.tom\.tlp must be one of clear, green, amber, amber\+strict, red/);
  });
});
