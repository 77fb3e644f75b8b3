import { createHmac } from 'node:crypto';
import type { NodeAPI } from 'node-red';
import { platformFor } from '../platform';
import { parseChatList } from './delivery/access';
import { chatAccessPolicy, checkChatSettings, closeConnectionWithNode, nodeLog, perWindow, positive } from './delivery/config-node';
import type { ChatSettingsDef, UpdateMode } from './delivery/config-node';
import type { ConnectionDriver } from './delivery/connection';
import { ChatConnection, channelName } from './delivery/connection';
import { HttpClient } from './delivery/http';
import type { ChatConfigNode } from './delivery/notifier';
import { registerWebhook, secretMatches } from './delivery/webhook';
import { checkBaseUrl, checkToken, DEFAULT_API_BASE, TelegramApi } from './telegram/api';
import { TelegramInbound } from './telegram/inbound';
import { ALLOWED_UPDATES, TelegramPoller } from './telegram/poller';
import { TELEGRAM_LIMITS, TelegramTransport } from './telegram/transport';
import type { TelegramLimits } from './telegram/transport';

interface TelegramDef extends ChatSettingsDef {
  apiBase?: string;
  /** `polling`, `webhook`, or `none` (send only: no buttons are honoured). */
  updates?: UpdateMode;
  /** Public base URL where Telegram reaches this Node-RED's HTTP nodes, for webhook mode. */
  webhookBase?: string;
  globalPerSecond?: number | string;
  perChatPerSecond?: number | string;
  perGroupPerMinute?: number | string;
  pollTimeout?: number | string;
  requestTimeout?: number | string;
}

interface TelegramCredentials {
  token?: string;
  webhookSecret?: string;
}

export = function (RED: NodeAPI): void {
  function ImpetusTelegramNode(this: ChatConfigNode, config: TelegramDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = (node.credentials ?? {}) as TelegramCredentials;
    const http = new HttpClient();
    let unregister: (() => void) | undefined;
    let poller: TelegramPoller | undefined;

    try {
      const token = (credentials.token ?? '').trim();
      if (!token) throw new Error('no bot token: paste the token BotFather gave you');
      checkToken(token);
      const apiBase = (config.apiBase || DEFAULT_API_BASE).trim();
      checkBaseUrl(apiBase);
      const mode = checkChatSettings(config);
      // Telegram itself insists on https and says so in setWebhook's answer, which the status shows.
      if (mode === 'webhook' && !/^https?:\/\/[^/]/.test(config.webhookBase ?? '')) throw new TypeError('webhook mode needs the public http(s) URL of this Node-RED');
      const limits: TelegramLimits = {
        global: perWindow(positive(config.globalPerSecond, TELEGRAM_LIMITS.global.limit, 'messages per second'), 1000),
        perChat: perWindow(positive(config.perChatPerSecond, TELEGRAM_LIMITS.perChat.limit, 'messages per chat per second'), 1000),
        perGroup: perWindow(positive(config.perGroupPerMinute, TELEGRAM_LIMITS.perGroup.limit, 'messages per group per minute'), 60_000),
      };
      const requestTimeoutMs = positive(config.requestTimeout, 30, 'request timeout') * 1000;
      const pollTimeoutSec = Math.round(positive(config.pollTimeout, 30, 'long-poll time'));
      const platform = platformFor(RED);
      const api = new TelegramApi({ baseUrl: apiBase, token, http, timeoutMs: requestTimeoutMs });
      // A webhook secret that is stable across restarts without anyone having to invent one.
      const secret = (credentials.webhookSecret ?? '').trim() || createHmac('sha256', token).update(`impetus-webhook:${node.id}`).digest('base64url');
      const log = nodeLog(node);
      const policy = chatAccessPolicy(platform, config, 'telegram', log);

      const driver: ConnectionDriver = {
        service: 'Telegram',
        globalLimit: limits.global,
        createTransport: () =>
          new TelegramTransport({
            api,
            limits,
            render: { consoleUrl: config.consoleUrl || undefined, timeZone: config.timeZone || undefined },
            media: (digest) => platform.store.getMedia(digest),
            log,
          }),
        directChat: (user) => user.id,
        startInbound: (connection) => {
          if (mode === 'none') return;
          const inbound = new TelegramInbound(api, connection);
          if (mode === 'polling') {
            poller = new TelegramPoller({ api, http, timeoutSec: pollTimeoutSec, handle: (u) => inbound.handle(u), log, state: (s) => connection.setState(s) });
            poller.start();
            return;
          }
          const path = `${platform.settings.httpPath}/notify/telegram/${node.id}`;
          // Updates are handled one after another, in the order Telegram sent them.
          let chain = Promise.resolve();
          unregister = registerWebhook(RED.httpNode as never, path, (body, req, res) => {
            if (!secretMatches(req.get('X-Telegram-Bot-Api-Secret-Token'), secret)) {
              log.warn(`Telegram webhook: refused a request without the secret token from ${req.ip}`);
              res.status(401).json({ ok: false });
              return;
            }
            res.status(200).json({ ok: true });
            if (!body || typeof body !== 'object' || !Number.isSafeInteger((body as { update_id?: unknown }).update_id)) {
              log.warn('Telegram webhook: skipped a malformed update');
              return;
            }
            chain = chain.then(() => inbound.handle(body as Record<string, unknown>)).catch((err) => log.error(`Telegram webhook update failed: ${(err as Error).message}`));
          });
          const url = `${config.webhookBase!.replace(/\/+$/, '')}${path}`;
          // setWebhook until it takes: Telegram may be unreachable when the flow starts.
          let tries = 0;
          const register = () => {
            // Stopped meanwhile (redeploy): the next flow's node registers its own.
            if (!unregister) return;
            api
              .call('setWebhook', { url, secret_token: secret, allowed_updates: ALLOWED_UPDATES })
              .then(() => {
                log.info(`Telegram webhook set to ${url}`);
                connection.setState({ level: 'ok', text: 'webhook set' });
              })
              .catch((err) => {
                tries++;
                connection.setState({ level: 'warn', text: `setWebhook failed: ${(err as Error).message}` });
                if (unregister) setTimeout(register, Math.min(60_000, 1000 * 2 ** tries)).unref();
              });
          };
          register();
        },
        stopInbound: async () => {
          unregister?.();
          unregister = undefined;
          await poller?.stop();
          poller = undefined;
        },
        close: () => http.close(),
      };

      node.connection = new ChatConnection({
        channel: channelName('telegram', node.id, RED.settings),
        platform,
        policy,
        allowedChats: parseChatList(config.allowedChats),
        amberChats: parseChatList(config.amberChats),
        driver,
        log,
      });
    } catch (err) {
      node.configError = err as Error;
      // A warning: an imported flow has no token yet. Every notice it is asked to send fails with the error.
      node.warn(`Telegram bot not started: ${(err as Error).message}`);
      http.close();
    }

    closeConnectionWithNode(node);
  }

  RED.nodes.registerType('impetus-telegram', ImpetusTelegramNode as never, {
    credentials: { token: { type: 'password' }, webhookSecret: { type: 'password' } },
  });
};
