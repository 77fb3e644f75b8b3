import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import oneDoor from './eslint-rules/one-door.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.userdir/**', '.bench/**', '.services/**', 'models/**/.venv/**', 'bench/**/.venv/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The core is reached through its public API only; see eslint-rules/one-door.mjs.
    files: ['nodes/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { impetus: { rules: { 'one-door': oneDoor } } },
    rules: { 'impetus/one-door': 'error' },
  },
  {
    // Node-RED's constructor-function API: `const node = this` is the documented pattern.
    files: ['nodes/**/*.ts', 'nodes/**/editor/**/*.js'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    // Tests load compiled node modules the way Node-RED does.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Editor code runs in the browser against Node-RED's globals.
    files: ['nodes/**/editor/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { RED: 'readonly', $: 'readonly', window: 'readonly', document: 'readonly' } },
  },
  {
    // The console's web app: ES modules in the browser, with Leaflet (L) and chart.js (Chart) as globals.
    files: ['dashboards/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries([
        'window', 'document', 'location', 'history', 'fetch', 'WebSocket', 'EventTarget', 'Event', 'CustomEvent', 'Node', 'URL',
        'URLSearchParams', 'requestAnimationFrame', 'cancelAnimationFrame', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'AudioContext',
        'console', 'L', 'Chart',
        // Push-to-talk voice (voice.js).
        'navigator', 'crypto', 'Blob', 'MediaRecorder', 'MediaStream', 'RTCPeerConnection',
      ].map((name) => [name, 'readonly'])),
    },
  },
  {
    files: ['scripts/**/*.js', '.ci/**/*.js', '.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
