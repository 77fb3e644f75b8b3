/**
 * Prometheus Alertmanager as the peer of `bench:alert-throughput`: what a city would run instead
 * for alert intake. Built for the bench only by bench/alertmanager/setup.sh, started here on
 * loopback with a throw-away config and data folder, and fed the benchmark's own drafts as
 * Alertmanager alerts over its v2 API (`POST /api/v2/alerts`) in batches, one batch in flight.
 * Its CPU is read from /proc/<pid>/stat, as the benchmark reads its own with process.cpuUsage().
 *
 * Alertmanager keeps alerts in memory (its data folder holds only silences and the notification
 * log, written on a timer): the comparison is our durable ingest against its in-memory one.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Where setup.sh puts the binary, relative to the repository root. */
export const DEFAULT_ALERTMANAGER = path.join('.bench', 'alertmanager', 'alertmanager-v0.35.0');
/** In the port range this bench is given; Alertmanager cannot report a port 0 it was given. */
export const DEFAULT_ALERTMANAGER_PORT = 2221;
/** Alerts per POST: the batch size Prometheus itself sends (`--alertmanager.notification-queue-capacity` aside). */
export const AM_BATCH = 1000;

export interface PeerRate {
  count: number;
  ms: number;
  perSecond: number;
  /** Alertmanager's CPU time (all threads) per alert. */
  cpuMicros: number;
}

export interface Alertmanager {
  version: string;
  /** Posts `count` alerts built by `make` and resolves once every batch was accepted. */
  feed(count: number, make: (i: number) => AmAlert): Promise<PeerRate>;
  stop(): Promise<void>;
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
}

function request(port: number, method: string, pathName: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: pathName, agent: keepAlive, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Starts the binary at `bin` on 127.0.0.1:`port` with its data in `dir`; resolves once it is ready. */
export async function startAlertmanager(bin: string, dir: string, port: number): Promise<Alertmanager> {
  const config = path.join(dir, 'alertmanager.yml');
  // One receiver that sends nothing: intake and grouping are measured, not notification.
  fs.writeFileSync(config, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${config}`, `--storage.path=${path.join(dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}: ${stderr}`);
      const ready = await request(port, 'GET', '/-/ready').catch(() => undefined);
      if (ready?.status === 200) break;
      if (i > 300) throw new Error(`alertmanager not ready on port ${port} after 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = JSON.parse((await request(port, 'GET', '/api/v2/status')).text) as { versionInfo?: { version?: string } };
    return {
      // A build from the module has no version stamped in; setup.sh names the binary after it.
      version: status.versionInfo?.version || (/v\d+\.\d+\.\d+/.exec(path.basename(bin))?.[0] ?? '?'),
      stop,
      async feed(count, make) {
        // Bodies are built before the clock starts: our own JSON work is not Alertmanager's.
        const bodies: string[] = [];
        for (let i = 0; i < count; i += AM_BATCH) bodies.push(JSON.stringify(Array.from({ length: Math.min(AM_BATCH, count - i) }, (_, k) => make(i + k))));
        const ticks = cpuTicks(child.pid!);
        const started = performance.now();
        for (const body of bodies) {
          const res = await request(port, 'POST', '/api/v2/alerts', body);
          if (res.status !== 200) throw new Error(`alertmanager refused a batch: HTTP ${res.status} ${res.text.slice(0, 300)}`);
        }
        const ms = performance.now() - started;
        const cpuMicros = (((cpuTicks(child.pid!) - ticks) / USER_HZ) * 1e6) / count;
        return { count, ms, perSecond: (count / ms) * 1000, cpuMicros };
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The benchmark's draft as an Alertmanager alert: the fingerprint's parts as labels, the rest as annotations. */
export function toAmAlert(draft: Record<string, unknown>, tool: string, startsAt: string): AmAlert {
  const source = draft.source as { ref?: string } | undefined;
  return {
    labels: { alertname: String(draft.event), tool, zone: String(draft.zone), ref: String(source?.ref ?? ''), severity: String(draft.severity) },
    annotations: {
      areaDesc: String(draft.areaDesc),
      description: String(draft.description),
      urgency: String(draft.urgency),
      certainty: String(draft.certainty),
      location: JSON.stringify(draft.location),
      data: JSON.stringify(draft.data),
    },
    startsAt,
  };
}
