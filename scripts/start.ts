/**
 * `npm start`: Node-RED 4 with our nodes, the demo flow and the console, on embedded defaults.
 * Usage: npm start [-- --port 1880] [-- --reset-demo]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const port = (() => {
  const i = args.indexOf('--port');
  return i >= 0 ? args[i + 1] : process.env.PORT ?? '1880';
})();
if (!/^\d+$/.test(port)) {
  console.error(`--port must be a number, got ${port}`);
  process.exit(2);
}
const userDir = process.env.IMPETUS_USER_DIR ?? path.join(root, '.userdir');
const flowFile = path.join(userDir, 'flows.json');
fs.mkdirSync(userDir, { recursive: true });

// The demo is copied, never edited in place, so work done in the editor survives a restart.
if (!fs.existsSync(flowFile) || args.includes('--reset-demo')) {
  fs.copyFileSync(path.join(root, 'flows', 'demo.json'), flowFile);
  console.log(`[impetus] demo flow copied to ${flowFile}`);
} else {
  console.log(`[impetus] using existing ${flowFile} (npm start -- --reset-demo restores the demo)`);
}

const child = spawn(
  process.execPath,
  [require.resolve('node-red/red.js'), '--settings', path.join(root, 'dist', 'settings.js'), '--userDir', userDir, '--port', port],
  { stdio: 'inherit', env: { ...process.env, PORT: port, IMPETUS_USER_DIR: userDir } },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
