/**
 * The limit-enforcing local Bot API server of bench/notify-burst, in a process of its own, so
 * that it counts arrivals on its own event loop as a remote server would, unaffected by the
 * runtime under test. Talks to its parent over IPC: `ready` with its URL, then `stats` on request.
 */
import { FakeTelegram } from '../test/support/fake-telegram';

const token = process.argv[2];
if (!token || !process.send) {
  console.error('usage: forked by bench/notify-burst with the bot token as argument');
  process.exit(2);
}

void (async () => {
  // The documented limits: 30 messages a second, 1 a second per chat, 20 a minute per group.
  const fake = await new FakeTelegram({ token }).start();
  process.send!({ type: 'ready', url: fake.url });
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stats') {
      process.send!({
        type: 'stats',
        messages: fake.messages.map((m) => ({ chat: m.chat, text: m.text ?? '', at: m.at })),
        tooMany: fake.total429,
        requests: fake.requests.length,
      });
    } else if (msg.type === 'stop') {
      void fake.stop().then(() => process.exit(0));
    }
  });
})();
