import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { EventFilterConfig } from './event-filter';
import { eventFilter } from './event-filter';
import { platformFor } from '../platform';
import { StatusReporter } from '../platform/node-kit';

interface EventsNodeDef extends NodeDef, EventFilterConfig {}

export = function (RED: NodeAPI): void {
  function ImpetusAlertEventsNode(this: Node, config: EventsNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);
    const wanted = eventFilter(config);
    let seen = 0;

    const unsubscribe = platform.bus.subscribe((event) => {
      if (!wanted(event)) return;
      seen += 1;
      status.ok(RED._('impetus-alert-events.status.seen', { type: event.type, count: seen }));
      node.send({
        topic: `impetus/alert/${event.type}`,
        payload: event.alert,
        event: { id: event.id, type: event.type, at: event.at, actor: event.actor, details: event.details, origin: event.origin },
      } as never);
    });
    platform.ready.catch((err) => status.error(RED._('impetus-alert-events.status.storeDown', { error: (err as Error).message })));

    node.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      status.close();
      done();
    });
  }
  RED.nodes.registerType('impetus-alert-events', ImpetusAlertEventsNode);
};
