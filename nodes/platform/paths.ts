import * as path from 'node:path';

/** The package root, whether running from dist/nodes/platform or from an installed tarball. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCHEMA_DIR = path.join(PACKAGE_ROOT, 'schemas');
