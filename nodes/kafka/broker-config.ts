/** The broker config node's settings and what it offers kafka-in and kafka-out. */
import * as fs from 'node:fs';
import type { Node, NodeDef } from 'node-red';
import type { KafkaClient, KafkaClientConfig, Producer, SaslMechanism } from '../platform';

export interface BrokerDef extends NodeDef {
  brokers: string;
  clientId: string;
  tls: boolean;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsRejectUnauthorized?: boolean;
  saslMechanism?: 'none' | SaslMechanism;
}

export interface BrokerCredentials {
  username?: string;
  password?: string;
}

/** What kafka-in and kafka-out use; the config node owns every connection. */
export interface KafkaBrokerNode extends Node {
  /** The client, created once from this node's settings. */
  client(): KafkaClient;
  /** One producer shared by every kafka-out on this broker, connected on first use and closed with the last user. */
  acquireProducer(user: string): Promise<Producer>;
  releaseProducer(user: string): Promise<void>;
  readonly describe: string;
}

/** Parses "host:port, host2:port" and says which entry is wrong. */
export function parseBrokers(text: string): string[] {
  const brokers = String(text ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('no broker address (host:port) configured');
  for (const b of brokers) if (!/^[^\s:/]+:\d{1,5}$/.test(b)) throw new Error(`broker address "${b}" is not host:port`);
  return brokers;
}

export function clientConfig(def: BrokerDef, creds: BrokerCredentials, log: KafkaClientConfig['log']): KafkaClientConfig {
  const read = (file: string | undefined) => (file ? fs.readFileSync(file, 'utf8') : undefined);
  const mechanism = def.saslMechanism && def.saslMechanism !== 'none' ? def.saslMechanism : undefined;
  if (mechanism && !['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) throw new Error(`unknown SASL mechanism ${mechanism}`);
  if (mechanism && (!creds.username || !creds.password)) throw new Error(`SASL ${mechanism} needs a username and a password`);
  const tls = def.tls
    ? { ca: read(def.tlsCaFile), cert: read(def.tlsCertFile), key: read(def.tlsKeyFile), rejectUnauthorized: def.tlsRejectUnauthorized !== false }
    : false;
  return {
    clientId: def.clientId || 'node-red-impetus',
    brokers: parseBrokers(def.brokers),
    ssl: tls,
    sasl: mechanism ? { mechanism, username: creds.username!, password: creds.password! } : undefined,
    log,
  };
}

