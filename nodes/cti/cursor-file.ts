import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A source node's read position, kept in `impetus-cti-cursors/<node id>.json` under the user
 * directory so that a restart does not read a feed again. Written to a temporary file and renamed,
 * so a crash mid-write leaves the previous cursor.
 */
export class CursorFile<T> {
  readonly file: string;

  /** `folder`: under the user directory; the source nodes' cursors by default. */
  constructor(userDir: string, nodeId: string, folder = 'impetus-cti-cursors') {
    this.file = path.join(userDir, folder, `${nodeId.replace(/[^\w.-]/g, '_')}.json`);
  }

  /** The saved cursor; `empty` when there is none, and also (after `warn`) when it cannot be read. */
  load(empty: T, warn: (detail: string) => void): T {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn((err as Error).message);
      return empty;
    }
  }

  save(value: T): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(value));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}
