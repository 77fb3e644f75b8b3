#!/usr/bin/env node
// Assembles each node's editor file (dist/nodes/<area>/<type>.html) from its parts and copies
// the node's locales and icons beside the compiled runtime, where Node-RED looks for them.
// It also fails the build when package.json's node-red section and the node sources disagree,
// so a node can never ship without its editor or be left out of the palette.
//
// Node-RED loads each node's HTML on its own and in no set order, so what several editors or
// help texts share cannot be loaded once beside them: it is copied into each here. A line
// `// @include <file> [name=value …]` in an editor script, or `<!-- @include <file> [name=value …] -->`
// in an editor template or help file, becomes that file from the area's editor/shared/ (for
// editors) or locales/<lang>/shared/ (for help). A name `platform/<file>` takes the file from the
// platform area's shared folders instead: what editors of several areas share (the TLP select of
// CTI and CTDR) lives there, once. In the included text {{type}} stands for the including node's
// type and {{name}} for a value given on the directive line.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'nodes');
const out = path.join(root, 'dist', 'nodes');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Where `@include platform/<file>` looks: the same shared folder, but in the platform area. */
const PLATFORM = 'platform/';

const INCLUDE = /^[ \t]*(?:\/\/|<!--)[ \t]*@include[ \t]+(\S+)((?:[ \t]+[\w-]+=\S+)*)[ \t]*(?:-->)?[ \t]*$/gm;

const problems = [];

/** nodes/<area>/editor/shared -> nodes/platform/editor/shared (likewise locales/<lang>/shared). */
function platformShared(sharedDir) {
  const [, ...inArea] = path.relative(src, sharedDir).split(path.sep);
  return path.join(src, 'platform', ...inArea);
}

function expandIncludes(text, file, sharedDir, values) {
  const where = path.relative(root, file);
  const expanded = text.replace(INCLUDE, (_line, name, args) => {
    const fragment = name.startsWith(PLATFORM)
      ? path.join(platformShared(sharedDir), name.slice(PLATFORM.length))
      : path.join(sharedDir, name);
    if (!fs.existsSync(fragment)) {
      problems.push(`${where}: @include ${name}: there is no ${path.relative(root, fragment)}`);
      return '';
    }
    const vars = { ...values };
    for (const arg of args.trim().split(/[ \t]+/).filter(Boolean)) {
      const eq = arg.indexOf('=');
      vars[arg.slice(0, eq)] = arg.slice(eq + 1);
    }
    return fs
      .readFileSync(fragment, 'utf8')
      .replace(/\n$/, '')
      .replace(/\{\{(\w+)\}\}/g, (token, key) => {
        if (Object.hasOwn(vars, key)) return vars[key];
        problems.push(`${where}: @include ${name}: ${token} has no value (give ${key}=… on the directive line)`);
        return token;
      });
  });
  // Left over: a directive the pattern does not accept, or one inside a shared file (they do not nest).
  if (/@include\b/.test(expanded)) problems.push(`${where}: an @include that could not be expanded (malformed, or inside a shared file)`);
  return expanded;
}

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

/** Help files (<type>.html) get their includes expanded; the shared fragments themselves are not shipped. */
function copyLocales(from, to) {
  if (!fs.existsSync(from)) return;
  for (const lang of fs.readdirSync(from, { withFileTypes: true })) {
    if (!lang.isDirectory()) continue;
    const langDir = path.join(from, lang.name);
    fs.mkdirSync(path.join(to, lang.name), { recursive: true });
    for (const entry of fs.readdirSync(langDir, { withFileTypes: true })) {
      if (entry.isDirectory()) continue;
      const a = path.join(langDir, entry.name);
      const b = path.join(to, lang.name, entry.name);
      if (!entry.name.endsWith('.html')) fs.copyFileSync(a, b);
      else fs.writeFileSync(b, expandIncludes(fs.readFileSync(a, 'utf8'), a, path.join(langDir, 'shared'), { type: entry.name.slice(0, -5) }));
    }
  }
}

const declared = new Map(Object.entries(pkg['node-red'].nodes).map(([type, file]) => [type, file]));
const found = new Set();

for (const area of fs.readdirSync(src, { withFileTypes: true })) {
  if (!area.isDirectory()) continue;
  const areaDir = path.join(src, area.name);
  copyLocales(path.join(areaDir, 'locales'), path.join(out, area.name, 'locales'));
  copyDir(path.join(areaDir, 'icons'), path.join(out, area.name, 'icons'));
  const editorDir = path.join(areaDir, 'editor');
  if (!fs.existsSync(editorDir)) continue;
  for (const file of fs.readdirSync(editorDir)) {
    if (!file.endsWith('.js')) continue;
    const type = file.slice(0, -3);
    found.add(type);
    const sharedDir = path.join(editorDir, 'shared');
    const scriptFile = path.join(editorDir, file);
    const script = expandIncludes(fs.readFileSync(scriptFile, 'utf8'), scriptFile, sharedDir, { type });
    const templateFile = path.join(editorDir, `${type}.html`);
    if (!fs.existsSync(templateFile)) problems.push(`${type}: missing ${path.relative(root, templateFile)}`);
    const template = fs.existsSync(templateFile) ? expandIncludes(fs.readFileSync(templateFile, 'utf8'), templateFile, sharedDir, { type }) : '';
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
