/**
 * The README's set-up is quiet: npm reads this repository's `.npmrc` and `package.json` on every
 * command, and neither may make it warn (an unknown `.npmrc` key, a dependency install script
 * nobody reviewed).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { childEnv, PACKAGE_ROOT } from '../support/node-red-process';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// The user's npm, not the npm 10 that Node-RED's registry brings into node_modules/.bin (which
// `npm test` puts first on the PATH).
const PATH = (process.env.PATH ?? '').split(path.delimiter)
  .filter((dir) => !path.resolve(dir).startsWith(path.join(PACKAGE_ROOT, 'node_modules')))
  .join(path.delimiter);

async function npm(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(NPM, args, { cwd: PACKAGE_ROOT, env: childEnv({ PATH }), maxBuffer: 16 * 1024 * 1024 });
}

describe('system: npm in this repository', function () {
  this.timeout(120_000);

  it('warns about no .npmrc key (npm 11 warns on every command about keys it does not know)', async () => {
    const { stderr } = await npm('config', 'list');
    assert.doesNotMatch(stderr, /warn/i, 'npm config list prints no warning');
  });

  it('leaves no dependency install script unreviewed in allowScripts (onnxruntime-node denied, better-sqlite3 allowed)', async function () {
    const { stdout: version } = await npm('--version');
    if (Number(version.split('.')[0]) < 11) this.skip(); // allowScripts arrived with npm 11
    const { stdout, stderr } = await npm('install-scripts', 'ls');
    assert.doesNotMatch(stderr, /warn/i);
    assert.match(stdout, /No packages with unreviewed install scripts/);
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { allowScripts: unknown };
    assert.deepEqual(pkg.allowScripts, { 'better-sqlite3': true, 'onnxruntime-node': false });
  });
});
