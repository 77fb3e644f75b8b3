/**
 * Hostile messages into the input of every node type the package registers (issue 12): nested
 * ten thousand levels deep, throwing getters, cycles, huge arrays, prototype keys, 1 MB strings
 * and values of every wrong type. The runtime must stay up (no uncaught exception, no unhandled
 * rejection) and every message must end: done(err), which a Catch node sees, or done().
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { allNodes, helper, load, node, useRuntime } from '../support/nodered';

const completeNode = require('@node-red/nodes/core/common/24-complete.js');

/**
 * What a type's editor definition tells Node-RED: a config node, a node with an input, or a
 * source that only emits (Node-RED's default is no input). Read from the editor, so a new node
 * type is fuzzed without a list here.
 */
function kindOf(type: string, file: string): 'config' | 'input' | 'source' {
  const editor = fs.readFileSync(path.join(PACKAGE_ROOT, file.replace(/^dist\//, '').replace(/[^/]+\.js$/, `editor/${type}.js`)), 'utf8');
  if (/category:\s*'config'/.test(editor)) return 'config';
  return /inputs:\s*1\b/.test(editor) ? 'input' : 'source';
}

/** The node holds a message until its broker acknowledges it (none here): ending is not expected, surviving is. */
const HOLDS = new Set(['impetus-kafka-out']);

/** Settings that make a node end its messages within the wait: the replays play their example files at once, not over minutes. */
const QUICK: Record<string, Record<string, unknown>> = { 'impetus-social-replay': { speed: 0 }, 'impetus-biosignal-replay': { speed: 0 } };

function registeredNodes(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return pkg['node-red'].nodes;
}

function registeredTypes(): string[] {
  return Object.keys(registeredNodes());
}

/** Every node of examples/. */
function exampleNodes(): Array<Record<string, unknown>> {
  const dir = path.join(PACKAGE_ROOT, 'examples');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    .flatMap((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Array<Record<string, unknown>>);
}

/** The first configuration of each type in examples/, with every outside address made unreachable. */
function exampleConfigs(): Map<string, Record<string, unknown>> {
  const configs = new Map<string, Record<string, unknown>>();
  for (const n of exampleNodes()) {
    const type = String(n.type);
    if (!type.startsWith('impetus-') || configs.has(type)) continue;
    const config = { ...n };
    for (const placement of ['x', 'y', 'z', 'g', 'wires']) delete config[placement];
    configs.set(type, config);
  }
  return configs;
}

function deep(levels: number, array = false): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = array ? [value] : { a: value };
  return value;
}

function throwingGetter(): object {
  const value = { tool: 'fuzz' };
  Object.defineProperty(value, 'boom', { enumerable: true, get: () => { throw new Error('getter says no'); } });
  return value;
}

function cycle(): object {
  const value: Record<string, unknown> = { tool: 'fuzz', event: 'cycle', headline: 'cycle' };
  value.self = value;
  value.data = { back: value };
  return value;
}

const MB_STRING = 'x'.repeat(1024 * 1024);
/** Shared: refusing a message replaces msg.payload, never changes the array. */
const HUGE_ARRAY: number[] = new Array(2_000_000).fill(1);

/** Each returns a fresh message: a refused message is changed in place before Catch nodes see it. */
const HOSTILE: Record<string, () => Record<string, unknown>> = {
  'object nested 10,000 levels': () => ({ payload: deep(10_000) }),
  'array nested 10,000 levels': () => ({ payload: deep(10_000, true) }),
  'alert draft with data nested 10,000 levels': () => ({ payload: { tool: 'fuzz', event: 'deep', headline: 'deep', data: deep(10_000) } }),
  'alert draft with data nested 50 levels': () => ({ payload: { tool: 'fuzz', event: 'deep', headline: 'deep', data: deep(50) } }),
  'deep non-payload property': () => ({ payload: 'start', topic: 'x', options: deep(10_000) }),
  'throwing getter in payload': () => ({ payload: throwingGetter() }),
  'throwing getter on msg': () => {
    const msg: Record<string, unknown> = { payload: 'start' };
    Object.defineProperty(msg, 'topic', { enumerable: true, configurable: true, get: () => { throw new Error('topic getter says no'); } });
    return msg;
  },
  'cycle': () => ({ payload: cycle() }),
  'array of 2,000,000 numbers': () => ({ payload: HUGE_ARRAY }),
  'prototype keys': () => ({ payload: JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"tool":"fuzz","event":"e","headline":"h","data":{"__proto__":{"polluted":true}}}') }),
  '1 MB string payload': () => ({ payload: MB_STRING }),
  '1 MB string in alert data': () => ({ payload: { tool: 'fuzz', event: 'big', headline: 'big', data: { text: MB_STRING } } }),
  'null': () => ({ payload: null }),
  'number': () => ({ payload: 42 }),
  'NaN': () => ({ payload: Number.NaN }),
  'boolean': () => ({ payload: true }),
  'bigint': () => ({ payload: 10n }),
  'symbol': () => ({ payload: Symbol('fuzz') }),
  'function': () => ({ payload: () => 1 }),
  'date': () => ({ payload: new Date(Number.NaN) }),
  'garbage buffer': () => ({ payload: Buffer.from([0xff, 0xd8, 0x00, 0x7b, 0x5b]) }),
  'empty array': () => ({ payload: [] }),
  'object with a toString that is not a function': () => ({ payload: { toString: 'nope', valueOf: 'nope' } }),
  'deep JSON text': () => ({ payload: `${'['.repeat(10_000)}1${']'.repeat(10_000)}` }),
};

describe('every node input survives hostile messages (issue 12)', function () {
  this.timeout(60_000);
  useRuntime();

  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);
  let mochaHandlers: NodeJS.UncaughtExceptionListener[] = [];
  before(function () {
    // Caught here and asserted below, instead of mocha failing whichever test runs at the time.
    mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  after(function () {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    for (const handler of mochaHandlers) process.on('uncaughtException', handler);
  });

  it('covers every registered node type', function () {
    const configs = exampleConfigs();
    for (const type of registeredTypes()) assert.ok(configs.has(type), `${type} has an example to take its configuration from`);
  });

  it('ends every hostile message with done(err) or done(), and the runtime stays up', async function () {
    const configs = exampleConfigs();
    const kinds = Object.entries(registeredNodes()).map(([type, file]) => [type, kindOf(type, file)] as const);
    const types = kinds.filter(([, kind]) => kind === 'input').map(([type]) => type);
    const configTypes = new Set(kinds.filter(([, kind]) => kind === 'config').map(([type]) => type));
    const configTypeOf = new Map(exampleNodes().filter((n) => configTypes.has(String(n.type))).map((n) => [String(n.id), String(n.type)]));
    const flow: Array<Record<string, unknown>> = [{ id: 'f', type: 'tab', label: 'fuzz' }];
    // Config nodes from the examples, at unreachable addresses; camera and chat connections stay idle.
    const ids = new Map<string, string>();
    for (const [type, config] of configs) {
      if (!configTypes.has(type)) continue;
      const id = `cfg-${type}`;
      ids.set(type, id);
      flow.push({ ...config, id, apiBase: 'http://127.0.0.1:1', serverUrl: 'http://127.0.0.1:1', brokers: '127.0.0.1:1', updates: 'webhook', webhookBase: '', chatUsers: '[]' });
    }
    for (const type of types) {
      const config = { ...configs.get(type) };
      // A reference to an example's config node points at this flow's one of that type.
      for (const [key, value] of Object.entries(config)) {
        const target = key !== 'id' && typeof value === 'string' ? configTypeOf.get(value) : undefined;
        if (target) config[key] = ids.get(target);
      }
      flow.push({ ...config, ...QUICK[type], id: `n-${type}`, z: 'f', x: 0, y: 0, autostart: false, wires: [] });
    }
    flow.push({ id: 'catch', type: 'catch', z: 'f', x: 0, y: 0, scope: null, uncaught: false, wires: [['sink']] });
    flow.push({ id: 'complete', type: 'complete', z: 'f', x: 0, y: 0, scope: types.map((t) => `n-${t}`), wires: [['sink']] });
    flow.push({ id: 'sink', type: 'helper', z: 'f', x: 0, y: 0 });
    await load([...allNodes, completeNode], flow);

    const ended = new Map<string, 'error' | 'done'>();
    node('sink').on('input', ((msg: { _msgid: string; error?: unknown }) => ended.set(msg._msgid, msg.error ? 'error' : 'done')) as never);

    const sent: Array<{ id: string; type: string; name: string }> = [];
    for (const type of types) {
      for (const [name, make] of Object.entries(HOSTILE)) {
        const msg = make();
        const id = `${type}/${name}`;
        msg._msgid = id;
        sent.push({ id, type, name });
        node(`n-${type}`).receive(msg);
      }
    }
    const waitUntil = Date.now() + 20_000;
    const open = () => sent.filter((s) => !HOLDS.has(s.type) && !ended.has(s.id));
    while (open().length && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));

    assert.deepEqual(uncaught.map(String), [], 'uncaught exceptions and unhandled rejections');
    assert.deepEqual(open().map((s) => s.id), [], 'messages that never ended');
    // Refused for their size, never half-processed: these end in done(err) at every node.
    for (const s of sent.filter((m) => /10,000 levels|getter|2,000,000/.test(m.name) && !HOLDS.has(m.type))) {
      assert.equal(ended.get(s.id), 'error', s.id);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    assert.ok(helper.getNode('n-impetus-alert'), 'the runtime still runs its flow');
  });
});
