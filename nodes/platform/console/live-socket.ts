/**
 * The console's WebSocket on Node-RED's own HTTP server: `<console path>/ws`. The handshake must
 * carry a live session cookie and come from the same origin; the role's view then decides what
 * the hub sends. Other upgrade requests (the editor's comms, websocket nodes) are left alone.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { sameOrigin, sessionFrom } from './auth';
import type { ConsoleRuntime } from './runtime';

/**
 * Clients send sync requests and voice signalling (an audio-only SDP offer is 2-6 KiB); a larger
 * frame is refused by ws itself.
 */
const MAX_CLIENT_FRAME = 32 * 1024;
const HEARTBEAT_MS = 30_000;

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function sinceOf(url: URL): { epoch?: string; seq?: number } | undefined {
  const seq = url.searchParams.get('since');
  if (seq === null || !/^\d{1,15}$/.test(seq)) return undefined;
  return { seq: Number(seq), epoch: url.searchParams.get('epoch') ?? undefined };
}

export function attachLiveSocket(server: Server, wsPath: () => string, runtime: () => ConsoleRuntime | undefined): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://console.invalid');
    } catch {
      return;
    }
    if (url.pathname !== wsPath()) return;
    const live = runtime();
    if (!live) return refuse(socket, 503, 'Service Unavailable', 'IMPETUS platform is not running');
    if (!sameOrigin(req)) return refuse(socket, 403, 'Forbidden', 'cross-origin WebSocket refused');
    const session = sessionFrom(req, live);
    if (!session) return refuse(socket, 401, 'Unauthorized', 'login required');
    if (!live.views.has(session.user.role)) return refuse(socket, 403, 'Forbidden', 'no view for this role');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const client = live.hub.connect(ws, session, sinceOf(url));
      // Dead peers (a phone that lost its network) are found by ping/pong and dropped.
      let alive = true;
      ws.on('pong', () => {
        alive = true;
      });
      const heartbeat = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, HEARTBEAT_MS);
      heartbeat.unref();
      ws.on('message', (data) => {
        // What a client sends: "am I caught up?" and voice signalling. Anything else is ignored.
        try {
          const msg = JSON.parse(String(data)) as { type?: unknown; id?: unknown };
          if (msg.type === 'sync' && typeof msg.id === 'string' && msg.id.length <= 64) live.hub.requestSync(client, msg.id);
          else if (msg.type === 'voice') live.voice.receive(client, msg as Record<string, unknown>);
        } catch {
          // not JSON: ignored
        }
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        clearInterval(heartbeat);
        live.hub.disconnect(client);
        live.voice.disconnect(client);
      });
    });
  });
  return wss;
}
