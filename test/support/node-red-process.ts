/**
 * A real Node-RED runtime as a child process, for the system tests: start it, read its log,
 * wait for it, talk HTTP to it on 127.0.0.1, and kill it (gracefully or with SIGKILL).
 * Independent of test/support/nodered.ts, which loads Node-RED in-process.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { waitFor } from './util';

export { sleep, tempDir, waitFor } from './util';

/** The package root, from dist/test/support. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const RED_JS = require.resolve('node-red/red.js');
export const HOST = '127.0.0.1';

/** A port that was free a moment ago: listen on port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with the Content-Type the headers give (a form, plain text). */
  text?: string;
  headers?: Record<string, string>;
  agent?: http.Agent;
  timeoutMs?: number;
}

/**
 * The console user every runtime started here gets (through `-D impetus.users.system-test=…`), so that the
 * system tests can use the console API, which needs a login like any client. Test-only: the
 * password is public and the hash has the lowest bcrypt cost.
 */
export const SYSTEM_TEST_USER = {
  username: 'system-test',
  password: 'system-test-password',
  role: 'admin',
  passwordHash: '$2b$04$zYuJcYXWSpvFn8YYuaZE2.nMoyWTHWhVPy22g4Sk5F1pyV9xCjys2',
} as const;

/** Console session cookies by port; a restarted runtime (new sessions) answers 401 and gets a new login. */
const consoleCookies = new Map<number, string>();

async function consoleLogin(port: number, consolePath: string): Promise<string | undefined> {
  const res = await rawRequest(port, 'POST', `${consolePath}/api/login`, { body: { username: SYSTEM_TEST_USER.username, password: SYSTEM_TEST_USER.password } });
  const cookie = res.status === 200 ? String(res.headers['set-cookie']?.[0] ?? '').split(';')[0] : '';
  if (cookie) consoleCookies.set(port, cookie);
  return cookie || undefined;
}

/**
 * One HTTP request to 127.0.0.1; rejects on any transport failure (refused, reset, timeout).
 * Requests to the console API (`…/api/…`) carry the system-test user's session, logging in first
 * when needed; everything else goes out as given.
 */
export async function request(port: number, method: string, urlPath: string, options: RequestOptions = {}): Promise<HttpResult> {
  const api = /^(\/[^?]*?)\/api\/(?!login)/.exec(urlPath);
  if (!api || options.headers?.Cookie !== undefined) return rawRequest(port, method, urlPath, options);
  const send = (cookie: string | undefined) => rawRequest(port, method, urlPath, cookie ? { ...options, headers: { ...options.headers, Cookie: cookie } } : options);
  const cached = consoleCookies.get(port);
  const first = await send(cached ?? (await consoleLogin(port, api[1])));
  if (first.status !== 401) return first;
  return send(await consoleLogin(port, api[1]));
}

function rawRequest(port: number, method: string, urlPath: string, options: RequestOptions = {}): Promise<HttpResult> {
  const payload = options.text !== undefined ? Buffer.from(options.text) : options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        method,
        path: urlPath,
        agent: options.agent ?? false,
        headers: {
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The npm start settings (settings.ts, built): the editor locked, the demo users. */
export const START_SETTINGS = path.join(PACKAGE_ROOT, 'dist', 'settings.js');

/**
 * A runtime with the npm start settings (the editor locked) in `dir`/user, its flows one empty tab
 * (`lock-tab`, label `locked`), ready once its console answers.
 */
export async function startLocked(dir: string, readyMs: number): Promise<{ runtime: NodeRedProcess; port: number }> {
  const userDir = path.join(dir, 'user');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([{ id: 'lock-tab', type: 'tab', label: 'locked' }]));
  const port = await freePort();
  const runtime = new NodeRedProcess({ userDir, port, settings: START_SETTINGS, logFile: path.join(dir, 'node-red.log') });
  await runtime.waitForLog(/\[info\] Started flows/, readyMs);
  await runtime.waitForHttp('/impetus/api/alerts', readyMs);
  return { runtime, port };
}

/**
 * An editor access token, got the way the editor's login dialog gets one (a form POST to
 * auth/token); undefined when the login is refused.
 */
export async function editorToken(port: number, username: string, password: string): Promise<string | undefined> {
  const text = new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username, password }).toString();
  const res = await rawRequest(port, 'POST', '/auth/token', { text, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return res.status === 200 ? (JSON.parse(res.text) as { access_token: string }).access_token : undefined;
}

export async function getJson<T>(port: number, urlPath: string): Promise<T> {
  const res = await request(port, 'GET', urlPath, { headers: { Accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET ${urlPath} answered ${res.status}: ${res.text.slice(0, 500)}`);
  return JSON.parse(res.text) as T;
}

/**
 * The environment for a child npm or Node-RED: without the npm_* variables of the `npm test`
 * that runs us (npm_config_local_prefix would point a nested `npm install` at this checkout),
 * but keeping the ones that say where the cache, registry and certificates are.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig|cafile|proxy|https_proxy|http_proxy|noproxy|strict_ssl|nodedir)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    if (key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export interface StartOptions {
  userDir: string;
  port: number;
  /** A settings file; without one Node-RED copies its default settings.js into the user dir. */
  settings?: string;
  /** `-D key=value` overrides of the settings. */
  define?: Record<string, string>;
  /** Where the log is also written, for a post-mortem. */
  logFile: string;
}

/** A Node-RED runtime in a child process, with its log (stdout and stderr) collected. */
export class NodeRedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';
  private exitedFlag = false;

  constructor(readonly options: StartOptions) {
    const args = [RED_JS, '--userDir', options.userDir, '--port', String(options.port)];
    if (options.settings) args.push('--settings', options.settings);
    const { username, role, passwordHash } = SYSTEM_TEST_USER;
    // Added next to the users a test's settings file may define, not instead of them.
    args.push('-D', `impetus.users.${username}=${JSON.stringify({ role, passwordHash })}`);
    for (const [key, value] of Object.entries(options.define ?? {})) args.push('-D', `${key}=${value}`);
    const log = fs.createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, args, { cwd: options.userDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      log.write(chunk);
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitedFlag = true;
        log.end();
        resolve({ code, signal });
      });
    });
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return !this.exitedFlag;
  }

  /** The last lines of the log, for failure messages. */
  tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** Waits until the log matches, failing at once if the runtime exits first. */
  async waitForLog(pattern: RegExp, limitMs: number): Promise<void> {
    await waitFor(() => {
      if (pattern.test(this.output)) return true;
      if (!this.running) throw new Error(`Node-RED exited before logging ${pattern}:\n${this.tail()}`);
      return false;
    }, `${pattern} in the Node-RED log:\n${this.tail()}`, limitMs, 100);
  }

  /** Waits until GET `urlPath` answers 200, failing at once if the runtime exits first. */
  async waitForHttp(urlPath: string, limitMs: number): Promise<void> {
    await waitFor(async () => {
      if (!this.running) throw new Error(`Node-RED exited before ${urlPath} answered:\n${this.tail()}`);
      try {
        return (await request(this.options.port, 'GET', urlPath, { headers: { Accept: 'application/json' }, timeoutMs: 5000 })).status === 200;
      } catch {
        return false;
      }
    }, `GET ${urlPath} to answer 200`, limitMs, 100);
  }

  /** Sends the signal now; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after the grace period. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Settings for a test runtime, with `extra` added: this checkout's package (its nodes and its
 * plugin), 127.0.0.1 only, the log at info, and nothing that installs, phones home or opens
 * projects. `credentialSecret` names the test.
 */
export function runtimeSettings(credentialSecret: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    uiHost: HOST,
    flowFile: 'flows.json',
    nodesDir: [PACKAGE_ROOT],
    credentialSecret,
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    ...extra,
  };
}

/**
 * POST /ingest → impetus-alert (tool `tool`) → 200 with the stored alert: a 200 means "stored
 * durably". A draft the node rejects gets a 500 rather than a request left hanging.
 */
export function ingestFlow(label: string, tool: string): object[] {
  return [
    { id: 'tab', type: 'tab', label },
    { id: 'in', type: 'http in', z: 'tab', name: '', url: '/ingest', method: 'post', upload: false, swaggerDoc: '', wires: [['alert']] },
    { id: 'alert', type: 'impetus-alert', z: 'tab', name: '', tool, wires: [['ok']] },
    { id: 'ok', type: 'http response', z: 'tab', name: '', statusCode: '', headers: {}, wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', name: '', scope: ['alert'], uncaught: false, wires: [['failed']] },
    { id: 'failed', type: 'http response', z: 'tab', name: '', statusCode: '500', headers: {}, wires: [] },
  ];
}

/** A settings file's text for `settings`. */
export function settingsModule(settings: Record<string, unknown>): string {
  return `module.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/** Lines of a Node-RED log that a healthy start must not contain. */
export function logProblems(log: string): string[] {
  return log.split('\n').filter((line) => /\[error\]|Waiting for missing types|Failed to register/.test(line));
}
