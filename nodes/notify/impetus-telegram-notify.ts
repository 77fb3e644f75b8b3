import type { Node, NodeAPI } from 'node-red';
import type { NotifierDef } from './delivery/notifier';
import { startNotifier } from './delivery/notifier';

/** Sends alerts to Telegram chats through an `impetus-telegram` bot; all the work is the shared notifier's. */
export = function (RED: NodeAPI): void {
  function ImpetusTelegramNotifyNode(this: Node, config: NotifierDef) {
    RED.nodes.createNode(this, config);
    startNotifier(RED, this, config, 'impetus-telegram-notify');
  }
  RED.nodes.registerType('impetus-telegram-notify', ImpetusTelegramNotifyNode);
};
