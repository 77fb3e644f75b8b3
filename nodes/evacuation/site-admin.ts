/**
 * The edit dialog's check of a site: `POST /impetus-evacuation/check-site` with the dialog's
 * `{siteJson, siteFile}` answers every problem the node would refuse the site for at deploy
 * (schema, unknown ids, a door wider than its wall, an area with no way out, bad times of day…),
 * or what the site holds. The integrator sees them while typing, not after a deploy.
 *
 * On Node-RED's admin API behind its permissions, as core nodes' routes are: checking needs
 * `impetus-evacuation.write`, the permission to change the node (a file name is looked up as the
 * node would, which an editor who may deploy the node can do anyway).
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { SiteError } from './site';
import { siteFrom, siteSummary } from './site-source';

type AdminRED = NodeAPI & { httpAdmin?: { post: (...a: unknown[]) => void } };

/** Longest site JSON checked: the dialog's text, not a bulk upload. */
const MAX_CHARS = 4 * 1024 * 1024;

export function addSiteCheckRoute(RED: NodeAPI): void {
  const admin = (RED as AdminRED).httpAdmin;
  if (!admin) return;
  admin.post('/impetus-evacuation/check-site', RED.auth.needsPermission('impetus-evacuation.write'), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { siteJson?: unknown; siteFile?: unknown };
    const siteJson = typeof body.siteJson === 'string' ? body.siteJson : undefined;
    const siteFile = typeof body.siteFile === 'string' ? body.siteFile : undefined;
    if ((body.siteJson !== undefined && siteJson === undefined) || (body.siteFile !== undefined && siteFile === undefined)) {
      return res.status(400).json({ error: 'siteJson and siteFile must be text' });
    }
    if ((siteJson?.length ?? 0) > MAX_CHARS) return res.status(413).json({ error: `the site JSON is longer than ${MAX_CHARS} characters` });
    try {
      const site = siteFrom({ siteJson, siteFile }, (RED.settings as { userDir?: string }).userDir);
      res.json({ ok: true, summary: siteSummary(site) });
    } catch (err) {
      res.json({ ok: false, problems: err instanceof SiteError ? err.problems : [(err as Error).message] });
    }
  });
}
