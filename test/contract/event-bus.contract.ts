import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventBus, IncidentEvent } from '../../nodes/platform/bus/types';
import { buildAlert } from '../../nodes/platform/model/draft';
import type { LifecycleEvent, LifecycleType } from '../../nodes/platform/model/types';

export interface BusFixture {
  /** Two handles on the same bus: for a distributed adapter, two runtimes; in-process, the same one twice. */
  a: EventBus;
  b: EventBus;
  cleanup(): Promise<void>;
}

function event(alertId: string, type: LifecycleType, n = 0): LifecycleEvent {
  const alert = buildAlert({ tool: 'firearm', event: 'Firearm detected', data: { n } }, { now: new Date().toISOString(), id: alertId });
  return { id: randomUUID(), type, alertId, at: new Date().toISOString(), alert, origin: 'contract' };
}

/** Waits until `predicate` holds, polling; the contract never depends on how fast a bus is. */
async function eventually(predicate: () => boolean, what: string, limitMs = 15000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The behaviour every EventBus adapter must have. */
export function eventBusContract(name: string, factory: () => Promise<BusFixture>): void {
  describe(`EventBus contract: ${name}`, function () {
    let fx: BusFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('delivers a published event to every subscriber, on both handles', async () => {
      const seenA: LifecycleEvent[] = [];
      const seenB: LifecycleEvent[] = [];
      const offA = fx.a.subscribe((e) => seenA.push(e));
      const offB = fx.b.subscribe((e) => seenB.push(e));
      const e = event('alert-1', 'created');
      await fx.a.publish(e);
      await eventually(() => seenA.some((x) => x.id === e.id) && seenB.some((x) => x.id === e.id), 'delivery');
      const got = seenB.find((x) => x.id === e.id);
      assert.deepEqual(got, e, 'the event arrives intact');
      offA();
      offB();
    });

    it('keeps publish order for the events of one alert', async () => {
      const seen: LifecycleEvent[] = [];
      const off = fx.b.subscribe((e) => {
        if (e.alertId === 'ordered') seen.push(e);
      });
      const sent: LifecycleEvent[] = [];
      for (let i = 0; i < 50; i += 1) sent.push(event('ordered', i === 0 ? 'created' : 'updated', i));
      await Promise.all(sent.map((e) => fx.a.publish(e)));
      await eventually(() => seen.length >= sent.length, '50 events');
      assert.deepEqual(seen.map((e) => e.id), sent.map((e) => e.id));
      off();
    });

    it('stops delivering after unsubscribe', async () => {
      const seen: string[] = [];
      const off = fx.a.subscribe((e) => seen.push(e.id));
      const marker: string[] = [];
      const offMarker = fx.a.subscribe((e) => marker.push(e.id));
      const first = event('u', 'created');
      await fx.a.publish(first);
      await eventually(() => seen.includes(first.id), 'first event');
      off();
      const second = event('u', 'updated');
      await fx.a.publish(second);
      await eventually(() => marker.includes(second.id), 'second event on the other subscriber');
      assert.ok(!seen.includes(second.id));
      offMarker();
    });

    it('isolates a throwing handler from the others', async () => {
      const seen: string[] = [];
      const offBad = fx.a.subscribe(() => {
        throw new Error('handler bug');
      });
      const offGood = fx.a.subscribe((e) => seen.push(e.id));
      const e1 = event('iso', 'created');
      const e2 = event('iso', 'updated');
      await fx.a.publish(e1);
      await fx.a.publish(e2);
      await eventually(() => seen.includes(e1.id) && seen.includes(e2.id), 'both events despite the bad handler');
      offBad();
      offGood();
    });

    it('carries incident events in order per incident, to incident subscribers only', async () => {
      const incidents: IncidentEvent[] = [];
      const lifecycle: string[] = [];
      const offIncidents = fx.b.subscribeIncidents((e) => void (e.incidentId === 'inc-1' && incidents.push(e)));
      const offLifecycle = fx.b.subscribe((e) => void lifecycle.push(e.id));
      const sent: IncidentEvent[] = [];
      for (let version = 1; version <= 20; version += 1) {
        sent.push({ id: randomUUID(), type: 'incident-changed', incidentId: 'inc-1', version, at: new Date().toISOString(), origin: 'contract' });
      }
      await Promise.all(sent.map((e) => fx.a.publishIncident(e)));
      const marker = event('after-incidents', 'created');
      await fx.a.publish(marker);
      await eventually(() => incidents.length === sent.length && lifecycle.includes(marker.id), 'the incident events and the alert event after them');
      assert.deepEqual(incidents, sent, 'intact, in publish order');
      assert.ok(!lifecycle.some((id) => sent.some((e) => e.id === id)), 'an incident event is no lifecycle event');
      offIncidents();
      offLifecycle();
    });

    it('refuses to publish after close', async () => {
      await fx.a.close();
      await assert.rejects(fx.a.publish(event('c', 'created')), /closed/);
      await assert.rejects(fx.a.publishIncident({ id: randomUUID(), type: 'incident-changed', incidentId: 'c', version: 1, at: new Date().toISOString(), origin: 'contract' }), /closed/);
    });
  });
}
