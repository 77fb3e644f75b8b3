/**
 * Where a node's site comes from — the JSON pasted in its dialog, else a site file (a shipped demo
 * site, a file in or below the user directory, or an absolute path) — shared by the node and the
 * editor's check of the dialog (site-admin.ts), so the dialog says exactly what a deploy would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../platform/node-kit';
import { loadSiteFile, parseSite } from './site';
import type { Site } from './site';

export interface SiteSource {
  siteFile?: string;
  siteJson?: string;
}

export function siteFrom(source: SiteSource, userDir: string | undefined): Site {
  if (source.siteJson?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source.siteJson);
    } catch (err) {
      throw new Error(`the site JSON does not parse: ${(err as Error).message}`);
    }
    return parseSite(parsed);
  }
  const file = source.siteFile?.trim();
  if (!file) throw new Error('no site: choose a site file or paste the site JSON');
  const candidates = path.isAbsolute(file) ? [file] : [...(userDir ? [path.join(userDir, file)] : []), path.join(PACKAGE_ROOT, 'flows', 'sites', file)];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`no site file ${file} (looked in ${candidates.join(', ')})`);
  return loadSiteFile(found);
}

/** What the dialog shows of a site that passed its checks. */
export interface SiteSummary {
  siteId: string;
  name: string;
  areas: number;
  exits: number;
  links: number;
  areaM2: number;
  timesOfDay: number;
}

export function siteSummary(site: Site): SiteSummary {
  return {
    siteId: site.siteId,
    name: site.name,
    areas: site.areas.length,
    exits: site.exits.length,
    links: site.links.length,
    areaM2: Math.round(site.areas.reduce((s, a) => s + a.areaM2, 0)),
    timesOfDay: site.timesOfDay?.length ?? 0,
  };
}
