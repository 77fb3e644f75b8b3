import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { CvssError, scoreCvss } from '../../nodes/ctdr/cvss';
import { loadEpss, loadKev } from '../../nodes/ctdr/enrich';
import { parseEve } from '../../nodes/ctdr/eve';
import { readScanReport } from '../../nodes/ctdr/scan';
import type { Finding } from '../../nodes/ctdr/scan';
import { LineTail } from '../../nodes/ctdr/tail';
import { XmlLimitError } from '../../nodes/ctdr/xml';

const example = (name: string): string => path.join(PACKAGE_ROOT, 'examples', name);

async function read(chunks: Iterable<string> | AsyncIterable<string>, limits?: Parameters<typeof readScanReport>[2]): Promise<Finding[]> {
  const out: Finding[] = [];
  await readScanReport(chunks as AsyncIterable<string>, (f) => out.push(f), limits);
  return out;
}

describe('ctdr inputs', () => {
  describe('Nessus v2 and OpenVAS reports (streamed, hardened)', () => {
    it('reads the crafted Nessus report: hosts, services, CVEs, vectors, exploits, solutions', async () => {
      const findings = await read(fs.createReadStream(example('ctdr-city.nessus'), { encoding: 'utf8', highWaterMark: 97 }) as unknown as AsyncIterable<string>);
      assert.equal(findings.length, 7);
      const apache = findings.find((f) => f.pluginId === '153884')!;
      assert.deepEqual(apache.host, { ip: '198.51.100.10', fqdn: 'www.city-portal.eu', name: 'portal-web', os: 'Linux Kernel 5.15 on Ubuntu 22.04' });
      assert.deepEqual([apache.port, apache.protocol, apache.service, apache.severity], [80, 'tcp', 'www', 'critical']);
      assert.deepEqual(apache.cves, ['CVE-2021-41773', 'CVE-2021-42013']);
      assert.equal(apache.name, 'Apache 2.4.49 < 2.4.51 Path Traversal and RCE', 'entities decoded');
      assert.deepEqual(apache.cvss, { v2: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', v3: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
      assert.equal(apache.exploitAvailable, true);
      assert.equal(apache.scannerScore, 9.8);
      const pwnkit = findings.find((f) => f.cves.includes('CVE-2021-4034'))!;
      assert.deepEqual([pwnkit.host.ip, pwnkit.port, pwnkit.severity], ['10.20.2.20', 0, 'high']);
      const ssh = findings.find((f) => f.service === 'ssh')!;
      assert.deepEqual([ssh.severity, ssh.cves], ['info', []]);
    });

    it('reads an OpenVAS/Greenbone report with the same code into the same shape', async () => {
      const xml = `<?xml version="1.0"?><get_reports_response status="200"><report id="r1"><report id="r1"><results>
        <result id="a1"><name>Apache HTTP Server 2.4.49 Path Traversal</name><host>198.51.100.10<asset asset_id="x"/><hostname>portal-web</hostname></host>
        <port>80/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.117705"><type>nvt</type><name>Apache HTTP Server 2.4.49 Path Traversal</name><family>Web Servers</family>
        <cvss_base>7.5</cvss_base><severities score="9.8"><severity type="cvss_base_v3"><origin/><date>2021-10-07</date><score>9.8</score><value>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</value></severity></severities>
        <tags>cvss_base_vector=AV:N/AC:L/Au:N/C:P/I:P/A:P|summary=Path traversal and RCE|solution_type=VendorFix</tags><solution type="VendorFix">Update to 2.4.51</solution>
        <refs><ref type="cve" id="CVE-2021-41773"/><ref type="url" id="https://httpd.apache.org"/><ref type="cve" id="CVE-2021-42013"/></refs></nvt>
        <threat>High</threat><severity>9.8</severity><qod><value>95</value></qod><description>Installed 2.4.49</description></result>
        <result id="a2"><name>TCP timestamps</name><host>10.20.2.20</host><port>general/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.80091"><name>TCP timestamps</name><cvss_base>2.6</cvss_base></nvt><severity>2.6</severity></result>
      </results></report></report></get_reports_response>`;
      const findings = await read([xml]);
      assert.equal(findings.length, 2);
      const [a, b] = findings;
      assert.deepEqual([a.scanner, a.host.ip, a.host.name, a.port, a.protocol, a.severity], ['openvas', '198.51.100.10', 'portal-web', 80, 'tcp', 'critical']);
      assert.deepEqual(a.cves, ['CVE-2021-41773', 'CVE-2021-42013']);
      assert.deepEqual(a.cvss, { v2: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
      assert.equal(a.pluginId, '1.3.6.1.4.1.25623.1.0.117705');
      assert.equal(a.solution, 'Update to 2.4.51');
      assert.deepEqual([b.port, b.severity, b.cves], [0, 'low', []]);
    });

    it('refuses a billion-laughs document at its DOCTYPE, before any expansion', async () => {
      const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
        Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
        ']><NessusClientData_v2><Report><ReportHost name="x"><ReportItem port="1" pluginID="1" severity="1"><plugin_name>&lol9;</plugin_name></ReportItem></ReportHost></Report></NessusClientData_v2>';
      await assert.rejects(read([lol]), (e: Error) => e instanceof XmlLimitError && /DOCTYPE is not allowed/.test(e.message));
    });

    it('refuses external entities (XXE): no DOCTYPE, and an undeclared entity is an error, never a file read', async () => {
      const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><NessusClientData_v2><Report><ReportHost name="&xxe;"/></Report></NessusClientData_v2>';
      await assert.rejects(read([xxe]), /DOCTYPE is not allowed/);
      const bare = '<NessusClientData_v2><Report><ReportHost name="h"><ReportItem port="1" pluginID="1" severity="1"><synopsis>&xxe;</synopsis></ReportItem></ReportHost></Report></NessusClientData_v2>';
      await assert.rejects(read([bare]), /undefined entity/);
    });

    it('stops a 1 GB nest of elements at the depth limit, streamed, without holding it', async () => {
      const before = process.memoryUsage().heapUsed;
      let sent = 0;
      async function* nest(): AsyncGenerator<string> {
        yield '<NessusClientData_v2>';
        const block = '<a>'.repeat(65536 / 3);
        for (let i = 0; i < 1024 ** 3 / block.length; i++) {
          sent += block.length;
          yield block;
        }
      }
      await assert.rejects(read(nest()), (e: Error) => e instanceof XmlLimitError && /nested deeper than 64/.test(e.message));
      assert.ok(sent < 1024 * 1024, `stopped after ${sent} bytes of 1 GiB`);
      assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
    });

    it('stops a 1 GB text node at the token limit instead of buffering it', async () => {
      let sent = 0;
      async function* big(): AsyncGenerator<string> {
        yield '<NessusClientData_v2><Report><ReportHost name="h"><ReportItem port="1" pluginID="1" severity="1"><plugin_output>';
        const block = 'x'.repeat(1 << 20);
        for (let i = 0; i < 1024; i++) {
          sent += block.length;
          yield block;
        }
      }
      await assert.rejects(read(big(), { maxTokenChars: 4 * 1024 * 1024 }), /longer than 4194304 characters/);
      assert.ok(sent <= 5 * 1024 * 1024);
    });

    it('reads a large generated report in bounded memory: many hosts streamed, findings handed on one by one', async function () {
      this.timeout(120_000);
      const host = (i: number): string => `<ReportHost name="10.0.${i >> 8 & 255}.${i & 255}"><HostProperties><tag name="host-ip">10.0.${i >> 8 & 255}.${i & 255}</tag></HostProperties>` +
        `<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="1000"><cve>CVE-2024-0001</cve><cvss3_vector>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector><plugin_output>${'o'.repeat(2000)}</plugin_output></ReportItem></ReportHost>`;
      let count = 0;
      let maxHeap = 0;
      async function* gen(): AsyncGenerator<string> {
        yield '<NessusClientData_v2><Report name="big">';
        for (let i = 0; i < 10_000; i++) {
          yield host(i);
          if (i % 1000 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
        }
        yield '</Report></NessusClientData_v2>';
      }
      const start = process.memoryUsage().heapUsed;
      await readScanReport(gen(), () => { count++; });
      assert.equal(count, 10_000);
      assert.ok(maxHeap - start < 64 * 1024 * 1024, `heap grew ${((maxHeap - start) / 2 ** 20).toFixed(1)} MiB for ~22 MB of report`);
    });

    it('names what is wrong with a truncated, malformed or foreign file', async () => {
      const text = fs.readFileSync(example('ctdr-city.nessus'), 'utf8');
      const seen: Finding[] = [];
      await assert.rejects(readScanReport([text.slice(0, text.length / 2)] as unknown as AsyncIterable<string>, (f) => seen.push(f)), /not well-formed XML: .*unclosed|not well-formed XML/);
      assert.ok(seen.length > 0, 'the findings before the cut were handed on');
      await assert.rejects(read(['<NessusClientData_v2><Report><ReportHost name="h"><ReportItem port="99999" pluginID="1" severity="2"/></ReportHost></Report></NessusClientData_v2>']), /port '99999' is not 0-65535/);
      await assert.rejects(read(['<html><body/></html>']), /not a Nessus v2 or OpenVAS report: the root is <html>/);
      await assert.rejects(read(['<NessusClientData_v2><a></b></NessusClientData_v2>']), /not well-formed XML/);
      await assert.rejects(read(['']), /not well-formed XML/);
    });

    it('fuzz: random edits of the report give findings or a clear error, never anything else', async () => {
      const text = fs.readFileSync(example('ctdr-city.nessus'), 'utf8');
      let rnd = 7;
      const next = (n: number): number => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd % n; };
      const junk = ['<', '>', '&', '"', '<!DOCTYPE x>', ']]>', '\u0000', '<a>', '</ReportItem>', 'port="x"', '&amp;', '\uFFFF'];
      for (let i = 0; i < 500; i++) {
        let t = text;
        for (let k = 0; k < 1 + next(4); k++) {
          const at = next(t.length);
          t = next(2) ? t.slice(0, at) + junk[next(junk.length)] + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + next(20));
        }
        try {
          await read([t]);
        } catch (err) {
          assert.ok(err instanceof Error && err.message.length > 0 && !/Cannot read|undefined is not/.test(err.message), String(err));
        }
      }
    });
  });

  describe('CVSS', () => {
    const examples = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'test', 'ctdr', 'fixtures', 'first-cvss-examples.json'), 'utf8')) as Record<string, Array<[string, string, number]>>;

    it('scores every v3.1 example of FIRST exactly', () => {
      for (const [name, vector, expected] of examples['v3.1']) assert.equal(scoreCvss(vector).score, expected, `${name} ${vector}`);
    });

    it('scores every v4.0 example vector of FIRST exactly', () => {
      assert.equal(examples['v4.0'].length, 42);
      for (const [name, vector, expected] of examples['v4.0']) assert.equal(scoreCvss(vector).score, expected, `${name} ${vector}`);
    });

    it('reads v2 and v3.0 vectors as scanners give them, with the qualitative rating', () => {
      assert.deepEqual([scoreCvss('CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P').score, scoreCvss('AV:N/AC:L/Au:N/C:C/I:C/A:C').score], [7.5, 10]);
      const s = scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H');
      assert.deepEqual([s.version, s.score, s.severity], ['3.0', 10, 'critical']);
    });

    it('refuses malformed vectors the library would have scored anyway', () => {
      const bad: Array<[string, RegExp]> = [
        ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /base metric A missing/],
        ['CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV given twice/],
        ['CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /'X' is not a value of AV/],
        ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', /base metric SA missing/],
        ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1', /unknown metric 'ZZ:1'/],
        ['garbage', /not a v2 vector/],
        ['AV:N/AC:L/Au:N/C:P/I:P/A:P/E:Q', /'Q' is not a value of E/],
      ];
      for (const [v, why] of bad) assert.throws(() => scoreCvss(v), (e: Error) => e instanceof CvssError && why.test(e.message), v);
    });
  });

  describe('Suricata EVE', () => {
    it('reads alerts with their CVE references and flows; other event types are passed over', () => {
      const alert = parseEve(JSON.stringify({
        timestamp: '2026-12-05T10:00:00.000000+0000', flow_id: 1, event_type: 'alert', src_ip: '203.0.113.66', src_port: 51234, dest_ip: '198.51.100.10', dest_port: 80, proto: 'TCP',
        alert: { action: 'allowed', gid: 1, signature_id: 2034124, rev: 2, signature: 'ET EXPLOIT Apache HTTP Server 2.4.49 Path Traversal (CVE-2021-41773)', category: 'Attempted Administrator Privilege Gain', severity: 1, metadata: { cve: ['CVE_2021_41773', 'CVE_2021_42013'] } },
      }))!;
      assert.deepEqual([alert.type, alert.srcIp, alert.destIp, alert.destPort, alert.proto], ['alert', '203.0.113.66', '198.51.100.10', 80, 'tcp']);
      assert.deepEqual(alert.alert!.cves, ['CVE-2021-41773', 'CVE-2021-42013']);
      assert.equal(alert.time, Date.parse('2026-12-05T10:00:00Z'));
      const flow = parseEve({ timestamp: '2026-12-05T10:00:05Z', event_type: 'flow', src_ip: '198.51.100.10', src_port: 40000, dest_ip: '203.0.113.66', dest_port: 4444, proto: 'TCP', flow: {} })!;
      assert.deepEqual([flow.type, flow.alert], ['flow', undefined]);
      assert.equal(parseEve('{"event_type":"dns","timestamp":"2026-12-05T10:00:00Z"}'), undefined);
      assert.equal(parseEve(''), undefined);
    });

    it('names the problem with a malformed record', () => {
      assert.throws(() => parseEve('{"event_type":"alert"'), /not EVE JSON/);
      assert.throws(() => parseEve('[1]'), /must be a JSON object/);
      assert.throws(() => parseEve({ event_type: 'alert', timestamp: 'yesterday' }), /timestamp 'yesterday' is not a date/);
      assert.throws(() => parseEve({ event_type: 'alert', timestamp: '2026-12-05T10:00:00Z', src_ip: '1.2.3.4', dest_ip: '5.6.7.8', dest_port: 70000 }), /dest_port is not a port/);
      assert.throws(() => parseEve({ event_type: 'alert', timestamp: '2026-12-05T10:00:00Z', src_ip: '1.2.3.4', dest_ip: '5.6.7.8', alert: { signature_id: 'x' } }), /signature_id is not an integer/);
      assert.throws(() => parseEve('x'.repeat(2 * 1024 * 1024)), /longer than/);
    });

    it('follows a growing eve.json across a rename rotation and a truncation', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctdr-tail-'));
      const file = path.join(dir, 'eve.json');
      fs.writeFileSync(file, '{"old":1}\n');
      const lines: string[] = [];
      const errors: Error[] = [];
      const tail = new LineTail(file, async (ls) => { lines.push(...ls); }, (e) => errors.push(e), { pollMs: 20, fromStart: false, maxLine: 100 });
      const until = async (n: number): Promise<void> => {
        for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      };
      try {
        tail.start();
        await new Promise((r) => setTimeout(r, 60));
        fs.appendFileSync(file, '{"a":1}\n{"b":');
        await until(1);
        fs.appendFileSync(file, '2}\n');
        await until(2);
        fs.appendFileSync(file, '{"c":3}\n');
        fs.renameSync(file, `${file}.1`);
        fs.writeFileSync(file, '{"d":4}\n');
        await until(4);
        await new Promise((r) => setTimeout(r, 60));
        fs.truncateSync(file, 0); // copytruncate: emptied in place, then written again
        await new Promise((r) => setTimeout(r, 60));
        fs.appendFileSync(file, '{"e":5}\n');
        await until(5);
        fs.appendFileSync(file, `${'x'.repeat(300)}\n{"f":6}\n`);
        await until(6);
      } finally {
        await tail.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}', '{"e":5}', '{"f":6}']);
      assert.equal(errors.length, 1);
      assert.match(errors[0].message, /1 line longer than 100 characters skipped/);
    });
  });

  describe('EPSS and KEV', () => {
    it('reads FIRST\'s EPSS CSV and CISA\'s KEV JSON, and names a bad line', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctdr-enrich-'));
      try {
        const epss = path.join(dir, 'epss.csv');
        fs.writeFileSync(epss, '#model_version:v2025.03.14,score_date:2026-12-05T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99950\nCVE-2021-4034,0.85,0.99\n');
        const { scores, version } = await loadEpss(epss);
        assert.deepEqual(scores.get('CVE-2021-44228'), { epss: 0.94358, percentile: 0.9995 });
        assert.match(version!, /model_version:v2025\.03\.14/);
        fs.appendFileSync(epss, 'CVE-2021-1,1.5,0.2\n');
        await assert.rejects(loadEpss(epss), /epss\.csv:5: expected 'CVE-id,epss,percentile'/);
        const kev = path.join(dir, 'kev.json');
        fs.writeFileSync(kev, JSON.stringify({ catalogVersion: '2026.12.05', vulnerabilities: [{ cveID: 'CVE-2021-44228', vulnerabilityName: 'Apache Log4j2 RCE', dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomwareCampaignUse: 'Known' }] }));
        assert.deepEqual(loadKev(kev).get('CVE-2021-44228'), { dateAdded: '2021-12-10', name: 'Apache Log4j2 RCE', ransomware: true, dueDate: '2021-12-24' });
        fs.writeFileSync(kev, '{"vulnerabilities":[{"cveID":"nope"}]}');
        assert.throws(() => loadKev(kev), /vulnerabilities\[0\] has no cveID or dateAdded/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
