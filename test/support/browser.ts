/**
 * The Chromium the browser tests drive (Debian's, never a downloaded one), and what a test does
 * where it is missing.
 */
import * as fs from 'node:fs';

export const CHROMIUM = process.env.IMPETUS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * In a `before`: skips the suite where Chromium is not installed, saying so; where
 * IMPETUS_REQUIRE_BROWSER is set (CI) a missing browser fails it instead.
 */
export function skipWithoutChromium(ctx: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (process.env.IMPETUS_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing (apt-get install chromium); CI requires the browser tests`);
  console.warn(`      skipped: ${CHROMIUM} not installed (apt-get install chromium)`);
  ctx.skip();
}
