import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root, whether running from dist/nodes/platform or from an installed tarball. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCHEMA_DIR = path.join(PACKAGE_ROOT, 'schemas');

/**
 * A file a node names: in the user directory (a relative name), else the one the package ships
 * in examples/, so that an example flow runs as shipped with its own data.
 */
export function userOrShippedFile(name: string, userDir: string | undefined): string {
  const own = path.resolve(userDir ?? process.cwd(), name);
  const shipped = path.join(PACKAGE_ROOT, 'examples', path.basename(name));
  return fs.existsSync(own) || !fs.existsSync(shipped) ? own : shipped;
}
