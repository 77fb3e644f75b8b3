/**
 * Where the real services are (services/up.sh writes the variables; .ci/run sources them).
 * In CI a missing service (or program, such as ffmpeg) fails the suite: a green run must mean the
 * tests ran against real Kafka, a real MongoDB-wire server, a real MQTT broker and the real
 * binaries. Locally the suites skip, saying how to start or install them.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';

export const SERVICES_DIR = path.resolve(__dirname, '..', '..', '..', 'services');

/** Something the tests need from outside is missing: skipped locally with `hint`, failed in CI (CI set). */
export function skipOrFail(ctx: Mocha.Context, hint: string): never {
  if (process.env.CI && process.env.CI !== 'false') throw new Error(`${hint}; in CI this is a failure, not a skip`);
  console.log(`      (skipped: ${hint})`);
  return ctx.skip();
}

function service(variable: string, what: string): (ctx: Mocha.Context) => string {
  return (ctx) => process.env[variable] || skipOrFail(ctx, `${what} is not configured: set ${variable} (services/up.sh starts it and writes .services/env)`);
}

/** Comma-separated host:port list of the PLAINTEXT listener. */
export const kafkaBrokers = (ctx: Mocha.Context): string[] => service('IMPETUS_KAFKA_BROKERS', 'Kafka')(ctx).split(',');
/** The SASL_PLAINTEXT listener (PLAIN and SCRAM users impetus / impetus-secret). */
export const kafkaSaslBrokers = (ctx: Mocha.Context): string[] => service('IMPETUS_KAFKA_SASL_BROKERS', 'Kafka (SASL listener)')(ctx).split(',');
export const mongoUrl = service('IMPETUS_MONGO_URL', 'A MongoDB-wire server');
/** mqtt://host:port of Mosquitto, anonymous, loopback only (services/mosquitto). */
export const mqttUrl = service('IMPETUS_MQTT_URL', 'An MQTT broker (Mosquitto)');

/** A name no other test (or earlier run against the same broker) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
