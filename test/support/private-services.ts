/**
 * Private Kafka and FerretDB instances for the fault tests, which stop and restart their server
 * mid-stream: the shared services other suites use must stay up. Started with the same scripts
 * as CI's (services/*), on free ports, with data in a temporary directory kept across restarts.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './node-red-process';
import { SERVICES_DIR } from './services';

const run = promisify(execFile);

export class PrivateService {
  constructor(readonly name: 'kafka' | 'ferretdb', readonly env: Record<string, string>, readonly address: string) {}

  async start(): Promise<void> {
    await run('bash', [path.join(SERVICES_DIR, this.name, 'start.sh')], { env: { ...process.env, ...this.env }, timeout: 300_000 });
  }

  /** SIGTERM (the server shuts down as it would in an orderly outage), SIGKILL after the grace. */
  async stop(): Promise<void> {
    await run('bash', [path.join(SERVICES_DIR, this.name, 'stop.sh')], { env: { ...process.env, ...this.env }, timeout: 120_000 });
  }
}

export async function privateKafka(dir: string): Promise<PrivateService> {
  const [port, controller, sasl] = [await freePort(), await freePort(), await freePort()];
  return new PrivateService(
    'kafka',
    {
      IMPETUS_KAFKA_PORT: String(port),
      IMPETUS_KAFKA_CONTROLLER_PORT: String(controller),
      IMPETUS_KAFKA_SASL_PORT: String(sasl),
      IMPETUS_KAFKA_DIR: path.join(dir, 'kafka'),
      IMPETUS_KAFKA_HEAP: '512m',
    },
    `127.0.0.1:${port}`,
  );
}

export async function privateFerretDb(dir: string): Promise<PrivateService> {
  const port = await freePort();
  return new PrivateService('ferretdb', { IMPETUS_FERRETDB_PORT: String(port), IMPETUS_FERRETDB_DIR: path.join(dir, 'ferretdb') }, `mongodb://127.0.0.1:${port}/`);
}
