import assert from 'node:assert/strict';
import { CtiLink } from '../../nodes/ctdr/cti-link';
import { parseEve } from '../../nodes/ctdr/eve';
import { scoreCvss } from '../../nodes/ctdr/cvss';
import { CtdrEngine } from '../../nodes/ctdr/engine';
import type { Finding } from '../../nodes/ctdr/scan';
import { likelihoodOf, vulnSemantics } from '../../nodes/ctdr/vulns';
import type { Alert } from '../../nodes/platform';

const finding = (ip: string, port: number, cve: string, vector: string, plugin = cve): Finding => ({
  scanner: 'nessus', host: { ip }, port, protocol: 'tcp', pluginId: plugin, name: cve, severity: 'high', cves: [cve], cvss: { v3: vector },
});
const RCE = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const alert = (src: string, dest: string, port: number, cves: string[], t = 0): Record<string, unknown> => ({
  timestamp: new Date(Date.UTC(2026, 11, 5, 10) + t * 1000).toISOString(), event_type: 'alert', src_ip: src, src_port: 40000, dest_ip: dest, dest_port: port, proto: 'TCP',
  alert: { signature_id: 1, signature: 'ET EXPLOIT test', severity: 1, metadata: cves.length ? { cve: cves } : {} },
});

describe('ctdr engine', () => {
  const register = [{ id: 'web', ips: ['10.0.0.1'], zone: 'dmz', criticality: 'high' as const }, { id: 'db', ips: ['10.0.0.2'], zone: 'lan', criticality: 'critical' as const }];

  it('a new scan of a host replaces what the last one found there', () => {
    const e = new CtdrEngine(register, undefined, undefined, { windowMs: 60_000, raiseUnscanned: true });
    e.addFindings([finding('10.0.0.1', 80, 'CVE-2021-0001', RCE)], 'scan-a');
    assert.equal(e.judge(alert('1.2.3.4', '10.0.0.1', 80, ['CVE_2021_0001']))!.kind, 'attempt');
    e.addFindings([finding('10.0.0.1', 443, 'CVE-2021-0002', RCE)], 'scan-b');
    const v = e.judge(alert('1.2.3.4', '10.0.0.1', 80, ['CVE_2021_0001']))!;
    assert.equal(v.kind, 'suppressed', 'patched since: the new scan no longer finds it');
    assert.throws(() => e.addFindings([{ host: {} }], 'x'), /finding \[0\] is not a scan finding/);
  });

  it('judges rules without CVEs by the port, hosts never scanned by the setting, and onward attacks as compromise', () => {
    const e = new CtdrEngine(register, undefined, undefined, { windowMs: 60_000, raiseUnscanned: true });
    e.addFindings([finding('10.0.0.1', 80, 'CVE-2021-0001', RCE)], 's');
    const generic = e.judge(alert('1.2.3.4', '10.0.0.1', 80, []))!;
    assert.deepEqual([generic.kind, generic.certainty], ['attempt', 'Possible']);
    assert.equal(e.judge(alert('1.2.3.4', '10.0.0.1', 22, []))!.kind, 'suppressed');
    const unscanned = e.judge(alert('1.2.3.4', '10.0.0.9', 80, ['CVE_2021_0001']))!;
    assert.deepEqual([unscanned.kind, unscanned.certainty], ['attempt', 'Possible']);
    const strict = new CtdrEngine(register, undefined, undefined, { windowMs: 60_000, raiseUnscanned: false });
    assert.equal(strict.judge(alert('1.2.3.4', '10.0.0.9', 80, ['CVE_2021_0001']))!.kind, 'ignored');
    // The web server, attacked at t=0, attacks the database at t=30 s: compromised, once per window.
    const onward = e.judge(alert('10.0.0.1', '10.0.0.2', 3306, [], 30))!;
    assert.deepEqual([onward.kind, onward.ip, onward.host?.id, onward.attacker], ['compromised', '10.0.0.1', 'web', '1.2.3.4']);
    assert.notEqual(e.judge(alert('10.0.0.1', '10.0.0.2', 3306, [], 35))!.kind, 'compromised');
    // Outside the window it is a new attempt, not a compromise.
    const late = new CtdrEngine(register, undefined, undefined, { windowMs: 10_000, raiseUnscanned: true });
    late.addFindings([finding('10.0.0.1', 80, 'CVE-2021-0001', RCE)], 's');
    late.judge(alert('1.2.3.4', '10.0.0.1', 80, ['CVE_2021_0001']));
    assert.notEqual(late.judge(alert('10.0.0.1', '10.0.0.2', 3306, [], 30))!.kind, 'compromised');
  });

  it('reads a vulnerability\'s precondition and consequence from its vector, and its likelihood from EPSS, KEV and CVSS', () => {
    const f = (port: number): Finding => finding('10.0.0.1', port, 'CVE-2021-0001', RCE);
    const sem = (v: string, port = 80): string => Object.values(vulnSemantics(f(port), scoreCvss(v))).join('/');
    assert.equal(sem(RCE), 'remote/user');
    assert.equal(sem('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'), 'remote/root');
    assert.equal(sem('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 0), 'local/root');
    assert.equal(sem('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H'), 'client/user');
    assert.equal(sem('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'), 'remote/credentials');
    assert.equal(sem('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'), 'remote/none');
    assert.equal(sem('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 'remote/user');
    const s = scoreCvss('CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H');
    assert.equal(likelihoodOf(f(80), s, 0.02, false), 0.02, 'EPSS first');
    assert.equal(likelihoodOf(f(80), s, 0.02, true), 0.9, 'KEV: exploited in the wild');
    assert.equal(likelihoodOf({ ...f(80), exploitAvailable: true }, s, 0.02, false), 0.5);
    assert.equal(likelihoodOf(f(80), s, undefined, false).toFixed(3), (s.exploitability! / 3.9).toFixed(3));
  });

  it('links CTI alerts by asset and indicator, and asks the store once per period', async () => {
    let asked = 0;
    let now = 0;
    const cti = (id: string, asset: string, value: string): Alert => ({ id, headline: `${value} names ${asset}`, data: { indicator: { value }, asset: { id: asset }, intel: { actors: ['X'] } }, tlp: 'green' }) as unknown as Alert;
    const link = new CtiLink(async () => { asked++; return [cti('a1', 'web', '10.0.0.1'), cti('a2', 'range-1', '1.2.3.4')]; }, 15_000, () => now);
    const related = await link.related('web', '10.0.0.1', '1.2.3.4');
    assert.deepEqual(related.map((r) => [r.alertId, r.names, r.tlp]), [['a1', 'host', 'green'], ['a2', 'attacker', 'green']]);
    await link.related('db', '10.0.0.2', '5.6.7.8');
    assert.equal(asked, 1);
    now = 20_000;
    assert.deepEqual(await link.related('db', '10.0.0.2', '5.6.7.8'), []);
    assert.equal(asked, 2);
  });

  it('reads the store again as soon as a CTI alert changed, and never keeps a read begun before the change', async () => {
    const cti = (id: string, value: string): Alert => ({ id, headline: id, data: { indicator: { value } }, tlp: 'green' }) as unknown as Alert;
    let held: Alert[] = [];
    let gate: Promise<void> | undefined;
    let asked = 0;
    const link = new CtiLink(async () => {
      asked++;
      const answer = held;
      await gate;
      return answer;
    }, 15_000, () => 0);
    const ids = async () => (await link.related(undefined, '10.0.0.1', '1.2.3.4')).map((r) => r.alertId);
    assert.deepEqual(await ids(), []);
    held = [cti('fresh', '1.2.3.4')];
    assert.deepEqual(await ids(), [], 'within the period, the held answer');
    link.changed();
    assert.deepEqual(await ids(), ['fresh'], 'a change: read again at once');
    assert.equal(asked, 2);
    // A read in flight when a change comes is not kept: the next question reads again.
    link.changed();
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const inFlight = ids();
    held = [cti('fresh', '1.2.3.4'), cti('newer', '1.2.3.4')];
    link.changed();
    open();
    await inFlight;
    gate = undefined;
    assert.deepEqual(await ids(), ['fresh', 'newer']);
  });

  it('links a CTI alert naming a threat actor that the IDS rule names (message or metadata), whole words only', async () => {
    const cti = (id: string, actors: string[]): Alert => ({ id, headline: `report ${id}`, data: { indicator: { value: `ind-${id}` }, intel: { actors } }, tlp: 'amber' }) as unknown as Alert;
    const link = new CtiLink(async () => [cti('s', ['Sandworm Team', 'ELECTRUM']), cti('a', ['APT28']), cti('t', ['TA'])], 15_000);
    const rule = (signature: string, metadata: Record<string, string[]> = {}) =>
      parseEve({ event_type: 'alert', timestamp: '2026-12-06T10:00:00Z', src_ip: '203.0.113.9', src_port: 4444, dest_ip: '10.0.0.1', dest_port: 443, proto: 'TCP', alert: { signature_id: 1, signature, severity: 1, metadata } })!.alert!.names;
    const viaMeta = await link.related(undefined, '10.0.0.1', '203.0.113.9', rule('ET EXPLOIT possible RCE attempt', { threat_actor: ['Sandworm_Team'], tag: ['c2'] }));
    assert.deepEqual(viaMeta.map((r) => [r.alertId, r.names, r.namedActor]), [['s', 'actor', 'Sandworm Team']]);
    const viaMessage = await link.related(undefined, '10.0.0.1', '203.0.113.9', rule('ET TROJAN APT28 Zebrocy CnC checkin'));
    assert.deepEqual(viaMessage.map((r) => [r.alertId, r.namedActor]), [['a', 'APT28']]);
    // Part of a word is not the actor, and a name shorter than four characters never matches.
    assert.deepEqual(await link.related(undefined, '10.0.0.1', '203.0.113.9', rule('ET POLICY APT28x user agent TA traffic')), []);
    assert.deepEqual(await link.related(undefined, '10.0.0.1', '203.0.113.9'), [], 'a flow record names no actor');
  });
});
