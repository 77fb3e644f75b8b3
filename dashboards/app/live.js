// The live connection: one WebSocket, reconnected with back-off. It remembers the last sequence
// number it saw, so a reconnect asks for what was missed (`since`); when the server cannot
// replay (restart, too long away, too slow) it says `resync` and the app reloads over HTTP.

export class Live extends EventTarget {
  constructor(path) {
    super();
    this.path = path;
    this.seq = 0;
    this.epoch = '';
    this.state = 'connecting';
    this.retryMs = 500;
    this.stopped = false;
    this.connect();
  }

  url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = this.epoch ? `?since=${this.seq}&epoch=${encodeURIComponent(this.epoch)}` : '';
    return `${proto}//${location.host}${this.path}${since}`;
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  connect() {
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setState('live');
    };
    ws.onmessage = (m) => this.receive(JSON.parse(m.data));
    ws.onclose = (e) => {
      if (this.stopped) return;
      if (e.code === 4401) {
        this.setState('ended');
        this.dispatchEvent(new CustomEvent('ended'));
        return;
      }
      this.setState('reconnecting');
      setTimeout(() => !this.stopped && this.connect(), this.retryMs);
      this.retryMs = Math.min(10000, this.retryMs * 2);
    };
  }

  receive(msg) {
    switch (msg.type) {
      case 'hello':
        // A fresh start: everything up to here comes from HTTP. After a restart of the runtime
        // (another epoch) the server follows this with a resync.
        if (msg.epoch !== this.epoch) {
          this.epoch = msg.epoch;
          this.seq = msg.seq;
        }
        break;
      case 'batch':
        for (const event of msg.events) {
          if (event.seq <= this.seq) continue;
          this.dispatchEvent(new CustomEvent('alert', { detail: event }));
        }
        for (const panel of msg.panels) this.dispatchEvent(new CustomEvent('panel', { detail: panel }));
        // An incident's own change (a tick, a comment, a move, an action), as this role sees it.
        for (const incident of msg.incidents || []) this.dispatchEvent(new CustomEvent('incident', { detail: incident }));
        this.seq = Math.max(this.seq, msg.seq);
        break;
      case 'resync':
        this.seq = msg.seq;
        this.dispatchEvent(new CustomEvent('resync'));
        break;
      case 'summary':
        this.dispatchEvent(new CustomEvent('summary', { detail: msg }));
        break;
      case 'ping':
        if (msg.epoch === this.epoch) this.seq = Math.max(this.seq, msg.seq);
        break;
      case 'voice':
        this.dispatchEvent(new CustomEvent('voice', { detail: msg }));
        break;
      default:
        break;
    }
  }

  /** Sends a message on the live socket (voice signalling); false when it is not connected. */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close();
  }
}
