#!/usr/bin/env node
// Assembles each node's editor file (dist/nodes/<area>/<type>.html) from its parts and copies
// the node's locales and icons beside the compiled runtime, where Node-RED looks for them.
// It also fails the build when package.json's node-red section and the node sources disagree,
// so a node can never ship without its editor or be left out of the palette.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'nodes');
const out = path.join(root, 'dist', 'nodes');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function copyDir(from, to) {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(a, b);
    else fs.copyFileSync(a, b);
  }
}

const problems = [];
const declared = new Map(Object.entries(pkg['node-red'].nodes).map(([type, file]) => [type, file]));
const found = new Set();

for (const area of fs.readdirSync(src, { withFileTypes: true })) {
  if (!area.isDirectory()) continue;
  const areaDir = path.join(src, area.name);
  copyDir(path.join(areaDir, 'locales'), path.join(out, area.name, 'locales'));
  copyDir(path.join(areaDir, 'icons'), path.join(out, area.name, 'icons'));
  const editorDir = path.join(areaDir, 'editor');
  if (!fs.existsSync(editorDir)) continue;
  for (const file of fs.readdirSync(editorDir)) {
    if (!file.endsWith('.js')) continue;
    const type = file.slice(0, -3);
    found.add(type);
    const script = fs.readFileSync(path.join(editorDir, file), 'utf8');
    const templateFile = path.join(editorDir, `${type}.html`);
    if (!fs.existsSync(templateFile)) problems.push(`${type}: missing ${path.relative(root, templateFile)}`);
    const template = fs.existsSync(templateFile) ? fs.readFileSync(templateFile, 'utf8') : '';
    for (const part of [`locales/en-US/${type}.json`, `locales/en-US/${type}.html`]) {
      if (!fs.existsSync(path.join(areaDir, part))) problems.push(`${type}: missing nodes/${area.name}/${part}`);
    }
    const expected = `dist/nodes/${area.name}/${type}.js`;
    if (declared.get(type) !== expected) problems.push(`${type}: package.json node-red.nodes must map it to ${expected}`);
    fs.mkdirSync(path.join(out, area.name), { recursive: true });
    fs.writeFileSync(
      path.join(out, area.name, `${type}.html`),
      `<script type="text/javascript">\n(function () {\n${script}\n})();\n</script>\n` +
        `<script type="text/html" data-template-name="${type}">\n${template}\n</script>\n`,
    );
  }
}
for (const type of declared.keys()) if (!found.has(type)) problems.push(`${type}: declared in package.json but has no editor`);

if (problems.length) {
  console.error(`assemble-editor: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`assemble-editor: ${found.size} node editors assembled`);
