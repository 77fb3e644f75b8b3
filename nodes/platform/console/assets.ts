/**
 * The console's web app: the page shell, its scripts and styles from dashboards/app, and Leaflet,
 * Leaflet.markercluster and chart.js from their npm packages. Everything is served from this runtime (no CDN), so the
 * console works on a closed network. These files hold no data: they are public, like any login
 * page; every data route behind them needs a session.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import express from 'express';
import type { Response, Router } from 'express';
import { DASHBOARD_DIR } from './views';

const APP_DIR = path.join(DASHBOARD_DIR, 'app');

/** A package's dist/ directory, found the way Node finds the package (hoisted or nested). */
function distDir(name: string): string {
  const dir = path.dirname(require.resolve(name));
  if (path.basename(dir) !== 'dist') throw new Error(`${name}: expected its entry point in dist/, found ${dir}`);
  return dir;
}

/** Client routes that all load the same page; the app reads the path itself. */
export const CLIENT_ROUTES = ['/', '/alerts/:id', '/incidents/:id', '/map', '/pages/:page', '/sightings'];

function tileOrigin(tileUrl: string): string {
  if (!tileUrl) return '';
  // {s} subdomains become a wildcard: https://{s}.tile.example → https://*.tile.example
  const url = new URL(tileUrl.replace(/\{s\}/g, 'a').replace(/\{[a-z]\}/g, '0'));
  return tileUrl.includes('{s}') ? `${url.protocol}//*.${url.host.split('.').slice(1).join('.')}` : url.origin;
}

/**
 * Content-Security-Policy: scripts and styles only from this origin, images also from the tile
 * server, connections only back here (HTTP and WebSocket), never framed.
 */
export function contentSecurityPolicy(tileUrl: string): string {
  const tiles = tileOrigin(tileUrl);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${tiles ? ` ${tiles}` : ''}`,
    "connect-src 'self'",
    "media-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(res: Response, tileUrl: string): void {
  res.set({
    'Content-Security-Policy': contentSecurityPolicy(tileUrl),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

export function createAssetRouter(basePath: () => string, tileUrl: () => string): Router {
  const router = express.Router();
  const shell = fs.readFileSync(path.join(APP_DIR, 'index.html'), 'utf8');
  const sendShell = (_req: express.Request, res: Response) => {
    securityHeaders(res, tileUrl());
    // <base> makes every relative URL of the app resolve under the console's path, wherever it is mounted.
    const base = `${basePath()}/`.replace(/"/g, '');
    res.set('Cache-Control', 'no-store').type('html').send(shell.replace('<base href="/">', `<base href="${base}">`));
  };
  for (const route of CLIENT_ROUTES) router.get(route, sendShell);
  const statics = { index: false, fallthrough: false, maxAge: '1h' } as const;
  router.use('/app', express.static(APP_DIR, statics));
  router.use('/vendor/leaflet', express.static(distDir('leaflet'), statics));
  router.use('/vendor/chart.js', express.static(distDir('chart.js'), statics));
  router.use('/vendor/leaflet.markercluster', express.static(distDir('leaflet.markercluster'), statics));
  return router;
}
