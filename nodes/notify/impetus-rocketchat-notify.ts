import type { Node, NodeAPI } from 'node-red';
import type { NotifierDef } from './delivery/notifier';
import { startNotifier } from './delivery/notifier';

/** Sends alerts to Rocket.Chat rooms through an `impetus-rocketchat` connection; the shared notifier does the work. */
export = function (RED: NodeAPI): void {
  function ImpetusRocketChatNotifyNode(this: Node, config: NotifierDef) {
    RED.nodes.createNode(this, config);
    startNotifier(RED, this, config, 'impetus-rocketchat-notify');
  }
  RED.nodes.registerType('impetus-rocketchat-notify', ImpetusRocketChatNotifyNode);
};
