/**
 * impetus/one-door: the core (nodes/platform/) is reached through its public API only.
 *
 * - A node area (nodes/<area>/) imports the core from `nodes/platform` (index.ts) or
 *   `nodes/platform/node-kit`, never a file behind them.
 * - The core imports no node area: it must not depend on what is built on it.
 * - Tests and benchmarks follow the areas' rule, except the tests that test the core's parts or
 *   stand in for them (test/platform/, test/contract/, test/support/).
 *
 * ESLint's no-restricted-imports matches the written specifier, not the file it names, so it
 * cannot tell `../model/types` inside the core from `../../platform/model/types` in an area
 * without one block per folder depth; this rule resolves the path instead. It checks `import`,
 * `export … from`, `import()` and `require()`.
 */
import path from 'node:path';

const CORE = 'nodes/platform';
const DOORS = new Set([CORE, `${CORE}/index`, `${CORE}/node-kit`]);
const TRUSTED_TESTS = ['test/platform/', 'test/contract/', 'test/support/'];

/** `nodes/platform/store/sqlite` for a specifier written in `file`, both relative to the repository. */
function target(file, specifier) {
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.(c|m)?(j|t)s$/, '');
}

function areaOf(file) {
  const parts = file.split('/');
  return parts[0] === 'nodes' && parts.length > 2 ? parts[1] : undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'reach the IMPETUS core only through its public API (nodes/platform/index.ts, nodes/platform/node-kit.ts)' },
    schema: [],
    messages: {
      door: "'{{specifier}}' reaches behind the core's public API: import it from '{{door}}' (nodes/platform/index.ts) or '{{door}}/node-kit', and export it there if it is missing. docs/architecture.md lists what the API holds.",
      up: "'{{specifier}}' makes the core depend on the {{area}} area, which is built on it. Move what both need into nodes/platform/ and export it from its index.",
    },
  },
  create(context) {
    const file = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    const area = areaOf(file);
    const inCore = area === 'platform';
    const checked = inCore || area !== undefined || ((file.startsWith('test/') || file.startsWith('bench/')) && !TRUSTED_TESTS.some((p) => file.startsWith(p)));
    if (!checked) return {};

    function check(node, specifier) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const to = target(file, specifier);
      const toArea = to.startsWith('nodes/') ? to.split('/')[1] : undefined;
      if (inCore) {
        if (toArea && toArea !== 'platform') context.report({ node, messageId: 'up', data: { specifier, area: toArea } });
        return;
      }
      if ((to === CORE || to.startsWith(`${CORE}/`)) && !DOORS.has(to)) {
        const door = path.posix.relative(path.posix.dirname(file), CORE);
        context.report({ node, messageId: 'door', data: { specifier, door: door.startsWith('.') ? door : `./${door}` } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference' && check(node.moduleReference.expression, node.moduleReference.expression.value),
      CallExpression: (node) => {
        const callee = node.callee;
        const isRequire = (callee.type === 'Identifier' && callee.name === 'require')
          || (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'require' && callee.property.name === 'resolve');
        if (isRequire && node.arguments[0]?.type === 'Literal') check(node.arguments[0], node.arguments[0].value);
      },
    };
  },
};
