// Runs the tests of one or more areas, already built: `npm run test:area -- anomaly notify`.
// An area is a folder of test/ (anomaly, kafka, system, …) or of test/platform/ (store, bus,
// console, model, export); `platform` runs all of test/platform.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const areas = process.argv.slice(2);
const known = () => [
  ...fs.readdirSync(path.join(root, 'test'), { withFileTypes: true }).filter((d) => d.isDirectory() && !['support', 'fixtures'].includes(d.name)).map((d) => d.name),
  ...fs.readdirSync(path.join(root, 'test', 'platform'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name),
];
if (!areas.length) {
  console.error(`usage: npm run test:area -- <area> [<area> …]\nareas: ${known().sort().join(', ')}`);
  process.exit(2);
}
const specs = areas.map((area) => {
  for (const dir of [path.join('test', area), path.join('test', 'platform', area)]) {
    if (fs.existsSync(path.join(root, dir))) return `dist/${dir}/**/*.test.js`;
  }
  console.error(`no test area ${area}; areas: ${known().sort().join(', ')}`);
  process.exit(2);
});
const mocha = require.resolve('mocha/bin/mocha.js');
const args = [mocha, '--no-config', '--timeout', '20000', '--require', 'dist/test/support/open-handles.js', '--reporter', './scripts/mocha-reporter.js', ...specs];
process.exit(spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1);
