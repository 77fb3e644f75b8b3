/**
 * Time-ordered UUIDs (RFC 9562, version 7) for alert ids. A random (v4) id lands anywhere in
 * the store's primary-key index, so every group commit dirties pages all over it; ids that
 * grow with time are appended at its end, which roughly halves the pages a commit writes.
 * Within one millisecond a 12-bit counter keeps them increasing in this process.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
/** Random bytes per id: 8 for the variant field's 62 bits (rand_b). */
const RANDOM_BYTES = 8;
const pool = Buffer.alloc(POOL_IDS * RANDOM_BYTES);
let poolOffset = pool.length;

let lastMs = -1;
let counter = 0;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuid7(now = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      // 4096 ids in one millisecond: borrow the next one so the order still holds.
      ms += 1;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += RANDOM_BYTES;
  const t = ms.toString(16).padStart(12, '0');
  return (
    `${t.slice(0, 8)}-${t.slice(8, 12)}-` +
    `7${(counter >> 8).toString(16)}${HEX[counter & 0xff]}-` +
    `${HEX[0x80 | (pool[r] & 0x3f)]}${HEX[pool[r + 1]]}-` +
    `${HEX[pool[r + 2]]}${HEX[pool[r + 3]]}${HEX[pool[r + 4]]}${HEX[pool[r + 5]]}${HEX[pool[r + 6]]}${HEX[pool[r + 7]]}`
  );
}
