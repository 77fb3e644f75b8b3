/**
 * Node-RED settings used by `npm start`: our nodes, the demo flow and the console on embedded
 * defaults. Environment variables override what a deployment usually changes.
 */
import * as path from 'node:path';
import type { ImpetusSettings } from './nodes/platform/settings';

const root = path.resolve(__dirname, '..');

const impetus: ImpetusSettings = {
  httpPath: process.env.IMPETUS_HTTP_PATH ?? '/impetus',
  instance: process.env.IMPETUS_INSTANCE,
  store: { type: 'sqlite', file: 'impetus-alerts.db', synchronous: 'full' },
  bus: { type: 'memory' },
  retention: { resolvedDays: 30 },
  escalation: {
    policy: {
      P1: { afterMinutes: 2, repeat: 3 },
      P2: { afterMinutes: 10, repeat: 2 },
      P3: { afterMinutes: 60, repeat: 1 },
    },
  },
};

export = {
  uiPort: Number(process.env.PORT ?? 1880),
  uiHost: process.env.HOST ?? '127.0.0.1',
  userDir: process.env.IMPETUS_USER_DIR ?? path.join(root, '.userdir'),
  flowFile: 'flows.json',
  flowFilePretty: true,
  // Loads this package itself as a Node-RED module, exactly as an installed copy would be.
  nodesDir: [root],
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET,
  logging: { console: { level: process.env.LOG_LEVEL ?? 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  impetus,
};
