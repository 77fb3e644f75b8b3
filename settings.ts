/**
 * Node-RED settings used by `npm start`: our nodes, the demo flow and the console on embedded
 * defaults. Environment variables override what a deployment usually changes.
 */
import * as path from 'node:path';
import { lockEditor } from './nodes/platform/editor-lock';
import type { ImpetusSettings } from './nodes/platform/settings';

const root = path.resolve(__dirname, '..');

/**
 * DEMO-ONLY console users, one per role. The password of each is `demo-<role>` (operator /
 * demo-operator, …), published in the README: never deploy these. Real deployments list their
 * own users with hashes from `npm run hash-password`.
 */
const demoUsers: ImpetusSettings['users'] = {
  operator: { name: 'Olga Berg (SOC operator)', role: 'operator', passwordHash: '$2b$10$vI8z2j66UgltluhJp5ASFuypJu043XEQ19q93Yx2SJOFIzDTUeS7q' },
  supervisor: { name: 'Sven Dahl (supervisor)', role: 'supervisor', passwordHash: '$2b$10$o2s65RQR/3U.X7jtk2uaheCuJkVBJMhOgd99lEXQuivtB25iFqPEi' },
  field: { name: 'Fatima Conte (field)', role: 'field', passwordHash: '$2b$10$Zfj3egStc2TTZSq3cjvd8ey5FLOHLvQPaxCVjyd5/voViY5RxD2qq' },
  cyber: { name: 'Chen Li (cyber)', role: 'cyber', passwordHash: '$2b$10$Bb/rES2Lqnd3kMpPBmV43OcRRVTIscs/44a1j4Llq6qZ9mwVM4uca' },
  intel: { name: 'Ines Rossi (intelligence)', role: 'intel', passwordHash: '$2b$10$gBtAqWm1z5JSgkyBmTHXu.pOFqaMArqbq6xgiQFH4qDPq7tHKtDKG' },
  manager: { name: 'Marco Bianchi (city manager)', role: 'manager', passwordHash: '$2b$10$.9x9mkWkHNqeVyq3jCSAleUJCet4zak0gr/Su8kyRHA5SgS7ajl6e' },
  admin: { name: 'Platform admin', role: 'admin', passwordHash: '$2b$10$sx.xGsCPt.qsMq9fFDBmC.bPiaiYm1.vC3cYpvewsu/ig1u8RI2YG' },
};

const impetus: ImpetusSettings = {
  httpPath: process.env.IMPETUS_HTTP_PATH ?? '/impetus',
  users: process.env.IMPETUS_NO_DEMO_USERS ? {} : demoUsers,
  session: { idleMinutes: 60, absoluteHours: 12, secure: 'auto' },
  // Offline by default: no tiles, the demo sites' outlines. Set IMPETUS_TILE_URL to use a tile server.
  map: { tileUrl: process.env.IMPETUS_TILE_URL ?? '', attribution: process.env.IMPETUS_TILE_ATTRIBUTION ?? '', sites: path.join(root, 'flows', 'demo-sites.geojson') },
  // The demo's sites are in Padova: the console shows every time in the site's zone.
  timeZone: process.env.IMPETUS_TIME_ZONE ?? 'Europe/Rome',
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

// The editor is locked (nodes/platform/editor-lock.ts): the console's admin users log in to it
// (the demo's: admin / demo-admin). IMPETUS_EDITOR_AUTH=off opens it, on 127.0.0.1 only.
export = lockEditor({
  adminAuth: process.env.IMPETUS_EDITOR_AUTH === 'off' ? false : undefined,
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
});
