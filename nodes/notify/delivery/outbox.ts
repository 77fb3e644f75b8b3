import type { OutboxStore, Platform } from '../../platform';

interface Shared {
  outbox: OutboxStore;
  users: number;
  opened: Promise<void>;
}

const shared = new WeakMap<Platform, Shared>();

/**
 * The platform's outbox, shared by every chat connection of the runtime and opened once the
 * platform is ready. Reference-counted: the last `release` closes it (the MongoDB adapter
 * holds a client of its own).
 */
export async function acquireOutbox(platform: Platform): Promise<{ outbox: OutboxStore; release: () => Promise<void> }> {
  await platform.ready;
  let entry = shared.get(platform);
  if (!entry) {
    const outbox = platform.createOutbox();
    entry = { outbox, users: 0, opened: outbox.open() };
    shared.set(platform, entry);
  }
  entry.users++;
  const current = entry;
  try {
    await current.opened;
  } catch (err) {
    current.users--;
    if (shared.get(platform) === current) shared.delete(platform);
    throw err;
  }
  let released = false;
  return {
    outbox: current.outbox,
    release: async () => {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      if (shared.get(platform) === current) shared.delete(platform);
      await current.outbox.close();
    },
  };
}
