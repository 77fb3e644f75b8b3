/**
 * The package as users get it: `npm pack`, check what the tarball holds, `npm install` it into an
 * empty Node-RED user dir (from the registry, better-sqlite3 built there), start Node-RED on
 * default settings and check that every node type reaches the palette with its editor and help,
 * then deploy every shipped example there and press the buttons their descriptions name.
 *
 * Slow (minutes: the install compiles better-sqlite3), and part of `npm test` on purpose.
 * IMPETUS_SKIP_PACKAGE_TEST=1 skips it for quick local runs; CI must not set it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { deployExamples, exerciseExamples, readExamples } from '../support/examples';
import { childEnv, freePort, getJson, logProblems, NodeRedProcess, PACKAGE_ROOT, request, tempDir } from '../support/node-red-process';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const MODULE = 'node-red-contrib-impetus';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  local?: boolean;
  err?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const nodeTypes = Object.keys(pkg['node-red'].nodes);

/** Files under `dir` of the checkout, relative to the package root with `/` separators. */
function filesUnder(dir: string): string[] {
  const full = path.join(PACKAGE_ROOT, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(relative);
    return entry.isFile() ? [relative] : [];
  });
}

const describeUnlessSkipped = process.env.IMPETUS_SKIP_PACKAGE_TEST === '1' ? describe.skip : describe;

describeUnlessSkipped('system: the packed tarball in a fresh Node-RED user dir', function () {
  this.timeout(600_000);

  let dir = '';
  let tarball = '';
  let files: string[] = [];
  let runtime: NodeRedProcess | undefined;

  before(async function () {
    assert.equal(pkg.name, MODULE);
    dir = tempDir('impetus-package-');
    const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', dir], { cwd: PACKAGE_ROOT, env: childEnv(), maxBuffer: 64 * 1024 * 1024 });
    // npm may print lifecycle output before the JSON.
    const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[];
    tarball = path.join(dir, packed[0].filename);
    files = packed[0].files.map((f) => f.path);
    assert.ok(fs.existsSync(tarball), `npm pack wrote ${tarball}`);
  });

  after(async function () {
    this.timeout(60_000);
    await runtime?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled nodes, schemas, examples and README, and no sources, tests or dev files', function () {
    for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
      assert.ok(files.includes(file), `${type}: ${file} is in the tarball`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${type}: its editor HTML is in the tarball`);
      for (const part of [`${type}.html`, `${type}.json`]) {
        const locale = `${path.posix.dirname(file)}/locales/en-US/${part}`;
        assert.ok(files.includes(locale), `${type}: ${locale} (help and messages) is in the tarball`);
      }
    }
    assert.ok(files.includes('README.md'), 'README.md is in the tarball');
    for (const folder of ['schemas', 'examples']) {
      const expected = filesUnder(folder);
      assert.ok(expected.length > 0, `the checkout has files in ${folder}/`);
      assert.deepEqual(expected.filter((f) => !files.includes(f)), [], `every file of ${folder}/ is in the tarball`);
    }
    const unwanted = files.filter((f) =>
      /^(test|bench|node_modules|\.userdir|dist\/test|dist\/bench|dist\/scripts)\//.test(f) ||
      /(^|\/)node_modules\//.test(f) ||
      (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    assert.deepEqual(unwanted, [], 'no tests, benchmarks, TypeScript sources, node_modules or user dir in the tarball');
  });

  it('installs with npm into an empty user dir and puts every node type in the palette', async function () {
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    // What Node-RED itself writes into a new user dir.
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2));
    try {
      // onnxruntime-node's install script would fetch CUDA provider files from outside the npm
      // registry; the CPU runtime the detectors use is inside the package. The README tells users the same.
      await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: userDir, env: childEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' }), maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      assert.fail(`npm install of the tarball failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    assert.ok(fs.existsSync(path.join(userDir, 'node_modules', MODULE, 'package.json')), 'the package is installed in the user dir');

    runtime = new NodeRedProcess({ userDir, port: await freePort(), define: { uiHost: '127.0.0.1' }, logFile: path.join(dir, 'node-red.log') });
    await runtime.waitForLog(/\[info\] Started flows/, 120_000);
    const port = runtime.options.port;

    const sets = (await getJson<NodeSet[]>(port, '/nodes')).filter((set) => set.module === MODULE);
    for (const type of nodeTypes) {
      const set = sets.find((s) => s.types.includes(type));
      assert.ok(set, `${type} is in the palette (node sets: ${JSON.stringify(sets)})`);
      assert.equal(set.enabled, true, `${type} is enabled`);
      assert.equal(set.err, undefined, `${type} loaded without error`);
      assert.equal(set.local, true, `${type} comes from the user dir's node_modules`);
    }

    // The editor asks for all node definitions as HTML; Node-RED 4 appends each node's help
    // (locales/<lang>/<type>.html) to its definition there.
    const html = await request(port, 'GET', '/nodes', { headers: { Accept: 'text/html', 'Accept-Language': 'en-US' } });
    assert.equal(html.status, 200);
    for (const type of nodeTypes) {
      assert.ok(html.text.includes(`data-template-name="${type}"`), `${type}: editor template served`);
      const help = new RegExp(`<script type="text/html" data-help-name="${type}">([\\s\\S]*?)</script>`).exec(html.text);
      assert.ok(help, `${type}: help served`);
      assert.ok(help[1].replace(/<[^>]*>/g, '').trim().length > 20, `${type}: help has text`);
    }

    // And the node's messages (labels, status texts) from locales/<lang>/<type>.json.
    const catalogs = await getJson<Record<string, Record<string, unknown>>>(port, '/nodes/messages?lng=en-US');
    for (const type of nodeTypes) {
      const catalog = Object.entries(catalogs).find(([namespace]) => namespace.startsWith(`${MODULE}/`) && catalogs[namespace][type] !== undefined);
      assert.ok(catalog, `${type}: message catalog served (namespaces: ${Object.keys(catalogs).filter((n) => n.startsWith(MODULE)).join(', ')})`);
    }

    assert.deepEqual(logProblems(runtime.log), [], 'Node-RED logs no errors, missing types or failed registrations');
  });

  it('runs every shipped example as imported: no error in the first seconds, and what the descriptions promise', async function () {
    if (!runtime) this.skip();
    const installed = path.join(dir, 'user', 'node_modules', MODULE);
    const shipped = readExamples(path.join(installed, 'examples'));
    // Node-RED offers the .json files as examples; the others are data they read (the replay's posts).
    const checkout = filesUnder('examples');
    assert.deepEqual([...shipped.keys()], checkout.filter((f) => f.endsWith('.json')).map((f) => path.posix.basename(f)).sort(), 'every example flow of the checkout is installed');
    assert.deepEqual(checkout.filter((f) => !fs.existsSync(path.join(installed, f))), [], 'every data file of the examples is installed');
    // The Kafka examples need a broker (their descriptions say how to get one): the test services' one.
    const brokers = process.env.IMPETUS_KAFKA_BROKERS;
    if (!brokers && process.env.CI) assert.fail('IMPETUS_KAFKA_BROKERS is not set: run services/up.sh (the Kafka examples need a broker)');
    const flows = await deployExamples(runtime, shipped, brokers, 5000);
    await exerciseExamples(runtime, flows);
  });
});
