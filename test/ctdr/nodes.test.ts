import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { loadEpss, loadKev } from '../../nodes/ctdr/enrich';
import type { GraphReport } from '../../nodes/ctdr/engine';
import { alertNodes, collect, ctdrNodes, currentRed, load, node, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type FlowNode = Record<string, unknown> & { id: string; type: string };
type Msg = { payload: unknown; reason?: string; [k: string]: unknown };

const example = (): FlowNode[] => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'impetus-ctdr.json'), 'utf8')) as FlowNode[];
const shipped = (id: string): FlowNode => example().find((n) => n.id === id)!;
const injected = (id: string): unknown => JSON.parse(String(shipped(id).payload));

/** The example's scan and correlation wired to helpers. */
function flow(config: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'f', type: 'tab', label: 'ctdr' },
    { ...shipped('ex-ctdr-scan'), z: 'f', id: 'scan', wires: [['c']] },
    { ...shipped('ex-ctdr'), z: 'f', id: 'c', ...config, wires: [['alert'], ['graph'], ['suppressed']] },
    { id: 'alert', z: 'f', type: 'impetus-alert', tool: 'ctdr', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'graph', z: 'f', type: 'helper' },
    { id: 'suppressed', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['c', 'scan'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

async function scanned(): Promise<{ graphs: Msg[]; stored: Msg[]; suppressed: Msg[]; caught: Msg[] }> {
  const graphs = collect<Msg>('graph');
  const stored = collect<Msg>('stored');
  const suppressed = collect<Msg>('suppressed');
  const caught = collect<Msg>('caught');
  node('scan').receive({ payload: Date.now() });
  await waitFor(() => graphs.some((g) => (g.payload as GraphReport).findings > 0), 'the graph rebuilt after the scan');
  return { graphs, stored, suppressed, caught };
}

describe('impetus-ctdr nodes', function () {
  this.timeout(30_000);
  const userDir = useRuntime();

  it('builds the attack graph from the example scan: Internet → portal → app server → traffic SCADA, and the cheapest cut', async () => {
    await load([...alertNodes, ...ctdrNodes, catchNode], flow());
    const { graphs } = await scanned();
    const report = graphs[graphs.length - 1].payload as GraphReport;
    assert.deepEqual(report.reached, ['execCode(traffic-scada,user)']);
    assert.deepEqual(report.paths[0].hosts, ['portal-web', 'app-server', 'traffic-scada']);
    assert.equal(report.cut.method, 'exact');
    assert.equal(report.cut.cost, 1);
    assert.equal(report.cut.ids.length, 1);
    assert.ok(report.countermeasures.some((c) => c.id === 'patch:app-server:CVE-2021-44228' && c.pathsCut >= 1));
    assert.ok(report.countermeasures.every((c, i) => c.rank === i + 1));
    assert.deepEqual(report.graph.edges.map((e) => `${e.from}->${e.to}`).sort(), ['app-server->traffic-scada', 'internet->portal-web', 'portal-web->app-server']);
    assert.equal(report.graph.edges.filter((e) => e.cut).length, 1, 'the cut edge is marked');
  });

  it('raises an exploitation attempt on the vulnerable portal, suppresses the attempt that cannot succeed, then marks the portal likely compromised', async () => {
    await load([...alertNodes, ...ctdrNodes, catchNode], flow());
    const { stored, suppressed } = await scanned();
    node('c').receive({ payload: injected('ex-ctdr-attempt') });
    await waitFor(() => stored.length === 1 && suppressed.length === 1, 'one alert, one suppression');
    const attempt = stored[0].payload as Alert;
    const data = attempt.data as {
      host: { id: string }; attacker: { ip: string }; port: number; vulnerabilities: Array<{ cvss: { score: number } }>;
      paths: Array<{ hosts: string[] }>; countermeasures: unknown[];
    };
    assert.equal(attempt.tool, 'ctdr');
    assert.equal(attempt.event, 'Exploitation attempt');
    assert.equal(attempt.certainty, 'Likely');
    assert.match(attempt.headline, /www\.city-portal\.eu \(198\.51\.100\.10\):80 \(CVE-2021-41773.*Path Traversal/);
    assert.deepEqual([data.host.id, data.attacker.ip, data.port], ['portal-web', '203.0.113.66', 80]);
    assert.equal(data.vulnerabilities[0].cvss.score, 9.8);
    assert.deepEqual(data.paths[0].hosts, ['portal-web', 'app-server', 'traffic-scada']);
    assert.ok(data.countermeasures.length >= 1 && data.countermeasures.length <= 5);
    assert.ok(attempt.instruction && attempt.instruction.length > 0);
    assert.equal(attempt.tlp, 'amber');
    assert.match(String(suppressed[0].reason), /not vulnerable to CVE-2021-34473/);

    node('c').receive({ payload: injected('ex-ctdr-callback') });
    await waitFor(() => stored.length === 2, 'the compromise');
    const compromised = stored[1].payload as Alert;
    assert.equal(compromised.event, 'Likely compromised');
    assert.equal(compromised.urgency, 'Immediate');
    assert.equal(compromised.severity, 'critical', 'a high host on the way to a crown jewel');
    assert.match(String((compromised.data as { reason: string }).reason), /connected back to 203\.0\.113\.66:4444 9 s after/);
  });

  it('enriches from the shipped sample EPSS and KEV files: every CVE of the example scored, KEV entries marked', async () => {
    const example = shipped('ex-ctdr');
    const dir = path.join(PACKAGE_ROOT, 'examples');
    const { scores, version } = await loadEpss(path.join(dir, String(example.epssFile)));
    const kev = loadKev(path.join(dir, String(example.kevFile)));
    assert.match(String(version), /^model_version:v\d{4}\.\d\d\.\d\d,score_date:\d{4}-\d\d-\d\dT/, 'FIRST\'s comment header');
    const catalogue = JSON.parse(fs.readFileSync(path.join(dir, String(example.kevFile)), 'utf8')) as { title: string; catalogVersion: string; count: number; vulnerabilities: unknown[] };
    assert.match(catalogue.title, /^SAMPLE DATA/, 'labelled as sample data');
    assert.equal(catalogue.count, catalogue.vulnerabilities.length, 'count as CISA gives it');
    const cves = [...new Set(fs.readFileSync(path.join(dir, 'ctdr-city.nessus'), 'utf8').match(/CVE-\d{4}-\d{4,}/g))];
    assert.ok(cves.length >= 5);
    assert.deepEqual(cves.filter((c) => !scores.has(c)), [], 'every CVE the example scan names has an EPSS score');
    assert.ok(kev.has('CVE-2021-41773') && kev.has('CVE-2021-44228'));

    await load([...alertNodes, ...ctdrNodes, catchNode], flow());
    const { stored } = await scanned();
    node('c').receive({ payload: (injected('ex-ctdr-attempt') as unknown[])[0] });
    await waitFor(() => stored.length === 1, 'the attempt');
    const v = (stored[0].payload as Alert).data as { vulnerabilities: Array<{ cves: string[]; epss?: number; kev: boolean; likelihood: number }> };
    const traversal = v.vulnerabilities.find((x) => x.cves.includes('CVE-2021-41773'))!;
    assert.equal(traversal.epss, scores.get('CVE-2021-41773')!.epss, 'the EPSS score from the file');
    assert.equal(traversal.kev, true);
    assert.ok(traversal.likelihood >= 0.9, 'KEV-listed: exploited in the wild');
  });

  it('raises the priority when an open CTI alert names the attacked host, and takes its stricter TLP', async () => {
    await load([...alertNodes, ...ctdrNodes, catchNode], flow());
    const platform = platformFor(currentRed());
    await platform.ready;
    await platform.alerts.raise({
      tool: 'cti', event: 'Threat intelligence match', headline: '198.51.100.10 names www.city-portal.eu', category: 'Security', severity: 'high', urgency: 'Expected', certainty: 'Likely',
      data: { indicator: { id: 'indicator--1', kind: 'ip', value: '198.51.100.10' }, intel: { source: 'CERT feed', confidence: 80, actors: ['APT-Demo'] }, asset: { kind: 'host', id: 'portal-web', label: 'www.city-portal.eu', criticality: 'high' }, match: { how: 'ip', strength: 1 } },
      tlp: 'red',
    });
    const { stored } = await scanned();
    node('c').receive({ payload: (injected('ex-ctdr-attempt') as unknown[])[0] });
    await waitFor(() => stored.length === 1, 'the attempt');
    const a = stored[0].payload as Alert;
    const data = a.data as { cti: Array<{ names: string; actors: string[]; tlp?: string }> };
    assert.equal(a.severity, 'critical', 'high, one step up for the CTI match');
    assert.equal(a.urgency, 'Immediate');
    assert.deepEqual([data.cti.length, data.cti[0].names, data.cti[0].actors], [1, 'host', ['APT-Demo']]);
    assert.equal(a.tlp, 'red', 'the CTI alert is RED, so the CTDR alert is too');
    assert.equal(data.cti[0].tlp, 'red');
  });

  it('names a bad EVE record and still judges the good ones', async () => {
    await load([...alertNodes, ...ctdrNodes, catchNode], flow());
    const { stored, caught } = await scanned();
    node('c').receive({ payload: ['{"event_type":"alert"', (injected('ex-ctdr-attempt') as unknown[])[0]] });
    await waitFor(() => caught.length === 1 && stored.length === 1, 'an error and an alert');
    assert.match(String((caught[0].error as { message: string }).message), /1 records could not be read: \[0\]: not EVE JSON/);
  });

  it('refuses a register that does not follow the asset schema, naming the problem', async () => {
    await load([...alertNodes, ...ctdrNodes, catchNode], flow({ registerFrom: 'json', register: '{"organisation":"x","hosts":[{"id":"h"}]}' }));
    const caught2 = collect<Msg>('caught');
    node('c').receive({ payload: {} });
    await waitFor(() => caught2.length === 1, 'refused');
    assert.match(String((caught2[0].error as { message: string }).message), /criticality/);
  });

  it('says at deploy when the network description names a host the register lacks', async () => {
    const network = { zones: ['internet', 'dmz'], entryZones: ['internet'], firewall: [{ from: 'internet', to: 'mail-server', protocol: 'tcp', ports: [25] }] };
    await load([...alertNodes, ...ctdrNodes, catchNode], flow({ networkFrom: 'json', network: JSON.stringify(network) }));
    node('c').receive({ topic: 'ctdr-analyse' });
    const caught = collect<Msg>('caught');
    await waitFor(() => caught.length === 1, 'the analysis refused');
    assert.match(String((caught[0].error as { message: string }).message), /'mail-server' is neither a zone nor a host/);
  });

  it('impetus-ctdr-scan fails a truncated report after sending what it read', async () => {
    const text = fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'ctdr-city.nessus'), 'utf8');
    fs.writeFileSync(path.join(userDir(), 'cut.nessus'), text.slice(0, Math.floor(text.length * 0.6)));
    await load([...alertNodes, ...ctdrNodes, catchNode], [
      { id: 'f', type: 'tab' },
      { id: 'scan', z: 'f', type: 'impetus-ctdr-scan', file: 'cut.nessus', wires: [['out']] },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'catcher', z: 'f', type: 'catch', scope: ['scan'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ]);
    const out = collect<Msg>('out');
    const caught = collect<Msg>('caught');
    node('scan').receive({ payload: 1 });
    await waitFor(() => caught.length === 1, 'the error');
    assert.match(String((caught[0].error as { message: string }).message), /cut\.nessus: not well-formed XML.*after \d+ findings/);
    assert.ok(out.length >= 1 && (out[0].payload as unknown[]).length > 0, 'the findings before the break were sent');
  });

  it('impetus-ctdr-eve replays the shipped eve.json and takes EVE lines over TCP', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    await load([...ctdrNodes, catchNode], [
      { id: 'f', type: 'tab' },
      { id: 'eveFile', z: 'f', type: 'impetus-ctdr-eve', mode: 'file', file: 'eve-test.json', fromStart: true, pollMs: 50, types: 'alert,flow', wires: [['fromFile']] },
      { id: 'eveTcp', z: 'f', type: 'impetus-ctdr-eve', mode: 'tcp', port, bind: '127.0.0.1', types: 'alert', batch: 10, wires: [['fromTcp']] },
      { id: 'fromFile', z: 'f', type: 'helper' },
      { id: 'fromTcp', z: 'f', type: 'helper' },
      { id: 'catcher', z: 'f', type: 'catch', scope: ['eveTcp'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ]);
    const fromFile = collect<Msg>('fromFile');
    const fromTcp = collect<Msg>('fromTcp');
    const caught = collect<Msg>('caught');
    // Written once the collectors listen: until then the tail waits for the file to appear.
    fs.copyFileSync(path.join(PACKAGE_ROOT, 'examples', 'ctdr-eve.jsonl'), path.join(userDir(), 'eve-test.json'));
    await waitFor(() => fromFile.length === 3, 'two alerts and a flow (the dns record filtered out)');
    assert.deepEqual(fromFile.map((m) => (m.payload as { event_type: string }).event_type), ['alert', 'alert', 'flow']);
    const lines = fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'ctdr-eve.jsonl'), 'utf8');
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(lines + 'not json\n', () => resolve()));
      socket.on('error', reject);
    });
    await waitFor(() => fromTcp.length === 1 && caught.length === 1, 'one batch of the two alerts, one error');
    assert.equal((fromTcp[0].payload as unknown[]).length, 2);
    assert.match(String((caught[0].error as { message: string }).message), /unreadable EVE line/);
  });
});
