/**
 * The tiles' index against a real SQLite store: exact counts from events while few alerts are
 * open, recounts from the store (and no per-alert memory) in a flood, and back again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertIndex } from '../../../nodes/platform/console/alert-index';
import { summarize } from '../../../nodes/platform/console/summary';
import type { View } from '../../../nodes/platform/console/views';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { acknowledge, recordOccurrence, resolve } from '../../../nodes/platform/model/lifecycle';
import type { Alert } from '../../../nodes/platform/model/types';
import { SqliteAlertStore } from '../../../nodes/platform/store/sqlite';

const EVERYTHING = { role: 'operator', tools: ['*'] } as unknown as View;

describe('console alert index', function () {
  let store: SqliteAlertStore;
  let index: AlertIndex;
  let clock = Date.parse('2026-01-01T00:00:00Z');

  beforeEach(async () => {
    store = new SqliteAlertStore({ file: ':memory:' });
    await store.open();
  });

  afterEach(async () => {
    index?.close();
    await store.close();
  });

  async function raise(tool: string, ref: string): Promise<Alert> {
    const at = new Date((clock += 1000)).toISOString();
    const draft = buildAlert({ tool, event: 'Test event', zone: 'Z1', source: { ref }, severity: 'high', urgency: 'Immediate', certainty: 'Observed' }, { now: at, id: randomUUID(), instance: 't' });
    const { alert } = await store.ingest(draft, (open) => recordOccurrence(open, draft, at));
    index.apply(summarize(alert));
    return alert;
  }

  async function change(next: { alert: Alert }): Promise<Alert> {
    const stored = await store.replace(next.alert);
    index.apply(summarize(stored));
    return stored;
  }

  const tile = (tool: string) => index.tiles(EVERYTHING, new Map()).find((t) => t.id === tool)!;
  const total = (tool: string) => Object.values(tile(tool).counts).reduce((a, b) => a + b, 0);

  async function until(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), what);
  }

  it('keeps exact counts from events while few alerts are open', async () => {
    index = new AlertIndex({ maxTracked: 100 });
    await index.load(store);
    await raise('firearm', 'a');
    await raise('firearm', 'b');
    const a = await raise('firearm', 'a');
    await change(acknowledge(a, 'op', new Date(clock).toISOString()));
    assert.equal(total('firearm'), 2);
    assert.equal(tile('firearm').open, 1, 'the acknowledged one no longer needs someone');
    assert.equal(index.size, 2);
    assert.equal(index.delayed, false);
  });

  it('in a flood, forgets the alerts and recounts from the store; tracks them again once it is over', async () => {
    index = new AlertIndex({ maxTracked: 20, recountMinMs: 5 });
    await index.load(store);
    const raised: Alert[] = [];
    for (let i = 0; i < 30; i++) raised.push(await raise(i % 2 ? 'firearm' : 'bacteria', `r${i}`));
    assert.equal(index.delayed, true);
    assert.equal(index.size, 0, 'no per-alert memory while recounting');
    await until('the recount caught up', () => total('firearm') === 15 && total('bacteria') === 15);

    for (const alert of raised.slice(0, 22)) await change(resolve((await store.get(alert.id))!, 'handled', 'op', new Date(clock).toISOString()));
    await until('back to tracking alerts one by one', () => !index.delayed);
    assert.equal(index.size, 8);
    assert.equal(total('firearm') + total('bacteria'), 8);
    await raise('firearm', 'after');
    assert.equal(index.size, 9, 'events count at once again');
  });

  it('starts in recounting when the store already holds more than it tracks', async () => {
    index = new AlertIndex({ maxTracked: 1000 });
    for (let i = 0; i < 12; i++) await raise('firearm', `s${i}`);
    index.close();
    index = new AlertIndex({ maxTracked: 10 });
    await index.load(store);
    assert.equal(index.delayed, true);
    assert.equal(total('firearm'), 12);
    assert.equal(index.size, 0);
  });
});
