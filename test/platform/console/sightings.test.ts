/**
 * GET /api/sightings?value=…: an indicator and every alert that names it, of any tool, for every
 * role and for users cleared above or below their role. Each viewer gets exactly the sightings its
 * view (tools, filters) and TLP clearance let it see, and a summary built only from those; a role
 * without alerts is refused. Expectations come from the view files read as plain JSON.
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Tlp } from '../../../nodes/platform';
import { platformFor, TLPS } from '../../../nodes/platform';
import type { TlpViewer } from '../../support/console';
import { expectedVisible as viewShows, packagedViews, tlpCleared, TLP_VIEWERS, tlpViewerSettings, toolData, viewerAgent } from '../../support/console';
import { alertNodes, currentRed, load, useRuntime } from '../../support/nodered';

const views = packagedViews();
const IP = '198.51.100.7';

type Viewer = TlpViewer;

function sees(viewer: Viewer, alert: Alert): boolean {
  const view = views.get(viewer.role)!;
  return viewShows(view, alert) && tlpCleared(view, viewer, alert);
}

function cti(ref: string, value: string, asset: string, tlp: Tlp, intel: Record<string, unknown>): AlertDraft {
  return {
    tool: 'cti', event: 'Threat intelligence match', headline: `${value} names ${asset}`, severity: 'high', urgency: 'Expected', certainty: 'Likely', status: 'Actual', tlp,
    source: { ref }, data: {
      indicator: { id: `indicator--${ref}`, kind: 'ip', value },
      intel: { tlp, ...intel },
      asset: { kind: 'ipRange', id: asset, label: asset, criticality: 'high' },
      match: { how: 'ip', strength: 1 },
      actions: ['Check the host'],
    },
  };
}

/** Two CTI matches of the indicator (AMBER and RED, on two assets), a CTDR alert on the attacker, a social post quoting it, and alerts that do not name it. */
function drafts(): Array<AlertDraft & { names: boolean }> {
  const ctdr = toolData('ctdr') ?? {};
  return [
    { ...cti('a', IP, 'portal', 'amber', { source: 'national CERT', confidence: 80, actors: ['APT-X'], firstSeen: '2026-03-01T08:00:00.000Z', lastSeen: '2026-03-05T08:00:00.000Z' }), names: true },
    { ...cti('b', IP, 'mail', 'red', { source: 'ISAC', confidence: 60, actors: ['FIN-Y'], report: { id: 'report--7', name: 'Leak report 7' }, firstSeen: '2026-02-20T08:00:00.000Z', lastSeen: '2026-03-06T08:00:00.000Z' }), names: true },
    { tool: 'ctdr', event: 'Exploitation attempt', headline: 'Exploitation attempt on web (10.0.0.5):443', severity: 'high', urgency: 'Immediate', certainty: 'Likely', status: 'Actual', tlp: 'amber', source: { ref: 'web|x' }, data: { ...ctdr, attacker: { ip: IP } }, names: true },
    { tool: 'social', event: 'Threat post', headline: 'A post names a server', description: `Someone says the city's server at ${IP}. is down`, severity: 'medium', urgency: 'Expected', certainty: 'Possible', status: 'Actual', data: toolData('social'), names: true },
    { ...cti('c', `${IP}0`, 'portal', 'amber', { source: 'national CERT', confidence: 90 }), names: false },
    { tool: 'firearm', event: 'Firearm detected', headline: 'cam 12', description: `camera at 10.${IP} streams`, severity: 'high', urgency: 'Immediate', certainty: 'Observed', status: 'Actual', data: toolData('firearm'), names: false },
  ] as Array<AlertDraft & { names: boolean }>;
}

interface Answer {
  value: string; kinds: string[]; sources: string[]; reports: string[]; tlp?: Tlp; confidence?: { min: number; max: number };
  firstSeen?: string; lastSeen?: string; actors: string[]; complete: boolean;
  sightings: Array<{ id: string; tool: string; indicator: boolean; tlp?: Tlp }>;
}

describe('console: an indicator and its sightings across alerts, per role and clearance', function () {
  useRuntime(tlpViewerSettings);
  let alerts: Array<Alert & { names: boolean }>;

  beforeEach(async () => {
    await load(alertNodes, [{ id: 'sink', type: 'impetus-alert', tool: 'cti', wires: [[]] }]);
    const platform = platformFor(currentRed());
    await platform.ready;
    alerts = [];
    for (const { names, ...d } of drafts()) alerts.push({ ...(await platform.alerts.raise(d)).alert, names });
  });

  for (const viewer of TLP_VIEWERS) {
    const who = viewer.tlp ? `${viewer.username} (${viewer.role}, cleared for ${viewer.tlp})` : viewer.role;
    it(`${who}: exactly the sightings it may see, and a summary of those only`, async () => {
      const view = views.get(viewer.role)!;
      const res = await viewerAgent(viewer).get('/impetus/api/sightings').query({ value: IP });
      if (!view.tools.length) {
        assert.equal(res.status, 403, `${who} sees no alerts`);
        return;
      }
      assert.equal(res.status, 200, res.text);
      const body = res.body as Answer;
      const want = alerts.filter((a) => a.names && sees(viewer, a));
      assert.deepEqual(body.sightings.map((s) => s.id).sort(), want.map((a) => a.id).sort(), `${who}: the sightings`);
      assert.ok(body.complete);
      const own = want.filter((a) => a.tool === 'cti');
      assert.deepEqual(body.sightings.filter((s) => s.indicator).map((s) => s.id).sort(), own.map((a) => a.id).sort(), 'the CTI matches are the indicator\'s own');
      const intel = own.map((a) => (a.data as { intel: { source: string; confidence: number; actors: string[]; firstSeen: string; lastSeen: string; report?: { name: string } } }).intel);
      assert.deepEqual(body.sources, intel.map((i) => i.source).sort());
      assert.deepEqual(body.actors, intel.flatMap((i) => i.actors).sort());
      assert.deepEqual(body.reports, intel.flatMap((i) => (i.report ? [i.report.name] : [])));
      assert.deepEqual(body.kinds, own.length ? ['ip'] : []);
      if (own.length) {
        assert.deepEqual(body.confidence, { min: Math.min(...intel.map((i) => i.confidence)), max: Math.max(...intel.map((i) => i.confidence)) });
        assert.equal(body.firstSeen, intel.map((i) => i.firstSeen).sort()[0]);
        assert.equal(body.lastSeen, intel.map((i) => i.lastSeen).sort().at(-1));
      }
      const strictest = want.reduce<Tlp | undefined>((t, a) => (a.tlp && TLPS.indexOf(a.tlp) > TLPS.indexOf(t ?? 'clear') ? a.tlp : t), undefined);
      assert.equal(body.tlp, strictest, `${who}: the marking shown is the strictest it may see`);
      if (!sees(viewer, alerts[1])) assert.ok(!JSON.stringify(body).includes('ISAC') && !JSON.stringify(body).includes('FIN-Y'), 'nothing of the RED match leaks into the summary');
    });
  }

  it('refuses a missing or oversized value, and finds nothing for a value no alert names', async () => {
    const cyber = viewerAgent({ username: 'cyber', role: 'cyber' });
    await cyber.get('/impetus/api/sightings').expect(400);
    await cyber.get('/impetus/api/sightings').query({ value: 'x'.repeat(513) }).expect(400);
    // Not vacuous: the cyber role gets both matches and the CTDR alert, not the social post; tom (AMBER) loses the RED match.
    const all = (await cyber.get('/impetus/api/sightings').query({ value: IP }).expect(200)).body as Answer;
    assert.deepEqual(all.sightings.map((s) => s.tool).sort(), ['ctdr', 'cti', 'cti']);
    assert.equal(all.tlp, 'red');
    const tom = (await viewerAgent({ username: 'tom', role: 'cyber', tlp: 'amber' }).get('/impetus/api/sightings').query({ value: IP }).expect(200)).body as Answer;
    assert.deepEqual([tom.sightings.length, tom.tlp, tom.sources], [2, 'amber', ['national CERT']]);
    const none = (await cyber.get('/impetus/api/sightings').query({ value: '192.0.2.99' }).expect(200)).body as Answer;
    assert.deepEqual([none.sightings, none.sources, none.tlp], [[], [], undefined]);
    // Case does not matter for a domain; a longer name that only contains it is not a sighting.
    const sub = (await cyber.get('/impetus/api/sightings').query({ value: `${IP}0` }).expect(200)).body as Answer;
    assert.deepEqual(sub.sightings.map((s) => s.id), [alerts[4].id]);
  });
});
