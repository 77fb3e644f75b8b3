/**
 * The console's WebSocket against a running runtime: handshake checks, live lifecycle events,
 * replay of missed events on reconnect, resync when replay is impossible, and the session's end.
 */
import assert from 'node:assert/strict';
import { platformFor } from '../../../nodes/platform';
import { alertNodes, api, currentRed, load, useRuntime, waitFor } from '../../support/nodered';
import { LiveTestClient, consoleSettings, runtime, toolData } from '../../support/console';

const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];
const draft = (n: number) => ({ tool: 'firearm', event: 'Firearm detected', headline: `sighting ${n}`, severity: 'critical', zone: `z${n}`, data: toolData('firearm') });

async function raise(n: number) {
  return (await platformFor(currentRed()).alerts.raise(draft(n))).alert;
}

describe('console WebSocket', function () {
  useRuntime(() => consoleSettings());
  beforeEach(async () => {
    await load(alertNodes, flow);
    await runtime().ready;
  });

  it('refuses a handshake without a session (401), with a dead one (401) and from another origin (403)', async () => {
    await assert.rejects(LiveTestClient.open({}), (err: { status?: number; body?: string }) => err.status === 401 && /login required/.test(err.body ?? ''));
    await assert.rejects(LiveTestClient.open({ Cookie: 'impetus_session=forged' }), (err: { status?: number }) => err.status === 401);
    const rt = runtime();
    const session = rt.openSession({ username: 'o', name: 'o', role: 'operator' });
    const cookie = `impetus_session=${session.id}`;
    await assert.rejects(LiveTestClient.open({ Cookie: cookie, Origin: 'https://evil.example' }), (err: { status?: number }) => err.status === 403);
    const ok = await LiveTestClient.open({ Cookie: cookie });
    const hello = await ok.next('hello');
    assert.equal(hello.epoch, rt.hub.epoch);
    ok.close();
  });

  it('pushes lifecycle events as they happen, with actor and details', async () => {
    const client = await LiveTestClient.as('supervisor');
    const alert = await raise(1);
    await api('operator').post(`/impetus/api/alerts/${alert.id}/actions`).send({ action: 'acknowledge' }).expect(200);
    await api('operator').post(`/impetus/api/alerts/${alert.id}/actions`).send({ action: 'comment', text: 'patrol sent' }).expect(200);
    await client.sync();
    const types = client.events.filter((e) => e.alert.id === alert.id).map((e) => e.type);
    assert.deepEqual(types, ['created', 'acknowledged', 'commented']);
    const comment = client.events.find((e) => e.type === 'commented')!;
    assert.equal(comment.actor, 'test-operator');
    assert.equal((comment.details?.comment as { text: string }).text, 'patrol sent');
    assert.equal(comment.alert.state, 'acknowledged');
    const seqs = client.events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in sequence order');
    client.close();
  });

  it('replays the events missed while disconnected, and only those', async () => {
    const first = await LiveTestClient.as('operator');
    await raise(1);
    await first.sync();
    const since = first.lastSeq;
    const epoch = (await first.next('hello')).epoch!;
    first.close();
    await first.closed;
    const missed = [await raise(2), await raise(3)];
    const again = await LiveTestClient.as('operator', `?since=${since}&epoch=${epoch}`);
    await again.sync();
    assert.deepEqual(again.events.map((e) => e.alert.id), missed.map((a) => a.id));
    assert.ok(!again.messages.some((m) => m.type === 'resync'));
    again.close();
  });

  it('asks for a resync when it cannot replay: another epoch (restart) or a sequence from the future', async () => {
    await raise(1);
    for (const query of ['?since=1&epoch=other-runtime', `?since=999999&epoch=${runtime().hub.epoch}`]) {
      const client = await LiveTestClient.as('operator', query);
      const resync = await client.next('resync');
      assert.ok((resync.seq ?? -1) >= 0 && resync.epoch === runtime().hub.epoch);
      client.close();
    }
  });

  it('closes the socket when the session ends (logout)', async () => {
    const rt = runtime();
    const session = rt.openSession({ username: 'f', name: 'f', role: 'field' });
    const client = await LiveTestClient.open({ Cookie: `impetus_session=${session.id}` });
    rt.sessions.destroy(session.id);
    const closed = await client.closed;
    assert.equal(closed.code, 4401);
  });

  it('keeps the tile counts live', async () => {
    const client = await LiveTestClient.as('operator');
    const before = client.messages.length;
    const alert = await raise(7);
    let tile: { open: number; counts: Record<string, number> } | undefined;
    await waitFor(() => {
      const summary = client.messages.slice(before).reverse().find((m) => m.type === 'summary');
      tile = summary?.tiles?.find((t) => t.id === 'firearm');
      return (tile?.open ?? 0) >= 1;
    }, 'a summary with the new alert');
    assert.equal(tile!.counts[alert.priority], 1);
    client.close();
  });
});
