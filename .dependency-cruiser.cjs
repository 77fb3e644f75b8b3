/**
 * Import cycles, checked by `npm run lint` (so by `npm test` and CI) with dependency-cruiser over
 * the TypeScript sources. Type-only imports count: they vanish from the compiled require() graph,
 * but a loop of them is still two modules that cannot be understood or moved one without the other.
 * Which modules may import the core's internals is ESLint's impetus/one-door rule.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not import itself through others: break the loop by moving what both need into a third module, or by passing it in.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
