/**
 * A Node-RED runtime embedded in a process of its own, as an application embeds it: start, raise
 * a few alerts, `RED.stop()`, close the HTTP server, and nothing else. The process must then end
 * by itself; if anything (a timer, a socket, a worker, a database) is still open 10 s later, it
 * prints what and exits with status 1. For test/system/stop.test.ts.
 *
 *   node dist/test/support/embedded-stop.js <settings file> <user dir>
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import RED from 'node-red';

async function post(port: number, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/ingest', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function main(): Promise<void> {
  const [settingsFile, userDir] = process.argv.slice(2);
  const settings = { ...(require(settingsFile) as Record<string, unknown>), userDir, httpAdminRoot: '/red', httpNodeRoot: '/' };
  const web = express();
  const server = http.createServer(web);
  (RED as unknown as { init(s: http.Server, o: object): void }).init(server, settings);
  const app = RED as unknown as { httpAdmin: express.Express; httpNode: express.Express; start(): Promise<void>; stop(): Promise<void> };
  web.use('/red', app.httpAdmin);
  web.use('/', app.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await app.start();
  const { port } = server.address() as AddressInfo;
  // The flows start after RED.start() resolves; the ingest route answers once they run.
  for (let n = 0; n < 20; n++) {
    let status = 0;
    for (let tries = 0; status !== 200 && tries < 200; tries++) {
      status = await post(port, { event: 'Embedded probe', severity: 'low', source: { ref: `embedded-${n}` } }).catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    if (status !== 200) throw new Error(`POST /ingest answered ${status}`);
  }
  await app.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  console.log('embedded: stopped');
  setTimeout(() => {
    console.log(`embedded: still running 10 s after RED.stop(): ${JSON.stringify(process.getActiveResourcesInfo())}`);
    process.exit(1);
  }, 10_000).unref();
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
