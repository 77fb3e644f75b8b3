import type { NodeAPI } from 'node-red';
import { platformFor } from '../platform';
import { parseChatList } from './delivery/access';
import { chatAccessPolicy, checkChatSettings, closeConnectionWithNode, nodeLog, perWindow, positive } from './delivery/config-node';
import type { ChatSettingsDef, UpdateMode } from './delivery/config-node';
import type { ChatConnection, ConnectionDriver } from './delivery/connection';
import { ChatConnection as Connection, channelName } from './delivery/connection';
import { HttpClient } from './delivery/http';
import type { ChatConfigNode } from './delivery/notifier';
import { registerWebhook, secretMatches } from './delivery/webhook';
import { checkServerUrl, RocketChatApi } from './rocketchat/api';
import { RocketChatInbound, RoomPoller } from './rocketchat/inbound';
import { ROCKETCHAT_LIMITS, RocketChatTransport } from './rocketchat/transport';

interface RocketChatDef extends ChatSettingsDef {
  serverUrl?: string;
  /** `polling` (commands and reactions), `webhook` (an outgoing integration posts commands), `none`. */
  updates?: UpdateMode;
  pollInterval?: number | string;
  globalPerSecond?: number | string;
  perRoomPerSecond?: number | string;
  requestTimeout?: number | string;
}

interface RocketChatCredentials {
  userId?: string;
  token?: string;
  webhookToken?: string;
}

export = function (RED: NodeAPI): void {
  function ImpetusRocketChatNode(this: ChatConfigNode, config: RocketChatDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = (node.credentials ?? {}) as RocketChatCredentials;
    const http = new HttpClient();
    let poller: RoomPoller | undefined;
    let unregister: (() => void) | undefined;
    /** Set between startInbound and stopInbound; the poller starts after an await and must not outlive a stop. */
    let inboundActive = false;

    try {
      const serverUrl = (config.serverUrl ?? '').trim();
      if (!serverUrl) throw new Error('no server URL');
      checkServerUrl(serverUrl);
      const userId = (credentials.userId ?? '').trim();
      const token = (credentials.token ?? '').trim();
      if (!userId || !token) throw new Error('the bot user id and its personal access token are both needed');
      const mode = checkChatSettings(config);
      const webhookToken = (credentials.webhookToken ?? '').trim();
      if (mode === 'webhook' && !webhookToken) throw new Error('webhook mode needs the token of the outgoing integration');
      const limits = {
        global: perWindow(positive(config.globalPerSecond, ROCKETCHAT_LIMITS.global.limit, 'messages per second'), 1000),
        perRoom: perWindow(positive(config.perRoomPerSecond, ROCKETCHAT_LIMITS.perRoom.limit, 'messages per room per second'), 1000),
      };
      const pollIntervalMs = positive(config.pollInterval, 5, 'poll interval') * 1000;
      const timeoutMs = positive(config.requestTimeout, 30, 'request timeout') * 1000;
      const platform = platformFor(RED);
      const api = new RocketChatApi({ serverUrl, userId, token, http, timeoutMs });
      const log = nodeLog(node);
      const policy = chatAccessPolicy(platform, config, 'rocketchat', log);
      const channel = channelName('rocketchat', node.id, RED.settings);

      // Rooms with alert cards, by room id, with the chat name they were routed as: the rooms
      // the poller watches and the chat an answer goes back to. Kept across restarts.
      const rooms = new Map<string, string>();
      // The transport's room callback runs once the connection exists; it reaches it through here.
      const current: { connection?: ChatConnection } = {};
      const roomsCursor = `${channel}:rooms`;
      const saveRooms = () => current.connection?.outbox?.setCursor(roomsCursor, JSON.stringify([...rooms]), Date.now()).catch((err) => log.warn(`could not keep the room list: ${(err as Error).message}`));

      const driver: ConnectionDriver = {
        service: 'Rocket.Chat',
        globalLimit: limits.global,
        createTransport: () =>
          new RocketChatTransport({
            api,
            limits,
            render: { consoleUrl: config.consoleUrl || undefined, timeZone: config.timeZone || undefined },
            media: (digest) => platform.store.getMedia(digest),
            onRoom: (rid, chat) => {
              if (rooms.get(rid) === chat || (rooms.has(rid) && chat === rid)) return;
              const known = rooms.has(rid);
              rooms.set(rid, chat);
              // A new room is read from a moment before its first card, so nothing said under it is missed.
              if (!known) {
                current.connection?.outbox
                  ?.setCursor(`${channel}:room:${rid}`, String(Date.now() - 5000), Date.now())
                  .catch((err) => log.warn(`could not start reading room ${rid}: ${(err as Error).message}`));
              }
              void saveRooms();
            },
            log,
          }),
        // A direct message to `@username`; Rocket.Chat opens the room on the first message.
        directChat: (user) => (user.username ? `@${user.username}` : undefined),
        startInbound: (conn) => {
          if (mode === 'none') return;
          inboundActive = true;
          const inbound = new RocketChatInbound(api, conn, (rid) => rooms.get(rid));
          if (mode === 'webhook') {
            let chain = Promise.resolve();
            unregister = registerWebhook(RED.httpNode as never, `${platform.settings.httpPath}/notify/rocketchat/${node.id}`, (body, req, res) => {
              const b = body as Record<string, unknown> | null;
              if (!b || typeof b !== 'object' || !secretMatches(b.token, webhookToken)) {
                log.warn(`Rocket.Chat webhook: refused a request without the integration token from ${req.ip}`);
                res.status(401).json({ success: false });
                return;
              }
              res.status(200).json({});
              if (b.bot) return;
              const message = { _id: b.message_id, rid: b.channel_id, msg: b.text, tmid: b.tmid, u: { _id: b.user_id, username: b.user_name } };
              chain = chain.then(() => inbound.handle(message)).catch((err) => log.error(`Rocket.Chat webhook message failed: ${(err as Error).message}`));
            });
            return;
          }
          (async () => {
            try {
              const saved = await conn.outbox?.getCursor(roomsCursor);
              for (const [rid, chat] of saved ? (JSON.parse(saved) as Array<[string, string]>) : []) if (!rooms.has(rid)) rooms.set(rid, chat);
            } catch (err) {
              log.warn(`could not read the room list: ${(err as Error).message}`);
            }
            if (!inboundActive) return;
            poller = new RoomPoller({
              api,
              inbound,
              intervalMs: pollIntervalMs,
              rooms: () => [...rooms.keys()],
              getCursor: async (rid) => {
                const v = await conn.outbox?.getCursor(`${channel}:room:${rid}`);
                return v === undefined ? undefined : Number(v);
              },
              setCursor: async (rid, at) => {
                await conn.outbox?.setCursor(`${channel}:room:${rid}`, String(at), Date.now());
              },
              log,
              state: (level, text) => conn.setState({ level, text }),
            });
            poller.start();
          })().catch((err) => log.error(`Rocket.Chat polling did not start: ${(err as Error).message}`));
        },
        stopInbound: async () => {
          inboundActive = false;
          unregister?.();
          unregister = undefined;
          await poller?.stop();
          poller = undefined;
        },
        close: () => http.close(),
      };

      current.connection = new Connection({ channel, platform, policy, allowedChats: parseChatList(config.allowedChats), amberChats: parseChatList(config.amberChats), driver, log });
      node.connection = current.connection;
    } catch (err) {
      node.configError = err as Error;
      // A warning: an imported flow has no credentials yet. Every notice it is asked to send fails with the error.
      node.warn(`Rocket.Chat connection not started: ${(err as Error).message}`);
      http.close();
    }

    closeConnectionWithNode(node);
  }

  RED.nodes.registerType('impetus-rocketchat', ImpetusRocketChatNode as never, {
    credentials: { userId: { type: 'text' }, token: { type: 'password' }, webhookToken: { type: 'password' } },
  });
};
