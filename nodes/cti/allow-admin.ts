/**
 * The allow-list entries the console added (false positives), as the integrator sees them in the
 * impetus-cti-match edit dialog: listed, and removed one by one. They live in
 * `impetus-cti-allow/<node id>.json` under the user directory; a deployed node also holds them in
 * memory, so a removal goes through the node when it runs (it matches again at once) and through
 * the file when it does not (a node not deployed yet, or disabled).
 *
 * The routes are on Node-RED's admin API, behind its own permissions, as core nodes' are
 * (`RED.auth.needsPermission`): reading needs `impetus-cti-match.read`, removing
 * `impetus-cti-match.write` (a user with `read` only may look, not remove).
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { AllowEntry } from './allow-list';
import { CursorFile } from './cursor-file';

export const ALLOW_FOLDER = 'impetus-cti-allow';

/** What a running node offers the routes. */
export interface LiveAllowList {
  entries(): AllowEntry[];
  /** False when no console entry has this value and asset. */
  remove(value: string, asset: string | undefined): boolean;
}

const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** The console's entries without this value and asset; undefined when none had them. */
export function without(entries: AllowEntry[], value: string, asset: string | undefined): AllowEntry[] | undefined {
  const i = entries.findIndex((e) => e.value === value && (e.asset ?? '') === (asset ?? ''));
  return i < 0 ? undefined : [...entries.slice(0, i), ...entries.slice(i + 1)];
}

type AdminRED = NodeAPI & { httpAdmin?: { get: (...a: unknown[]) => void; delete: (...a: unknown[]) => void } };

/** Registers the two routes once per runtime; `live` finds a deployed node by id. */
export function addAllowListRoutes(RED: NodeAPI, userDir: () => string, live: (id: string) => LiveAllowList | undefined): void {
  const admin = (RED as AdminRED).httpAdmin;
  if (!admin) return;
  const file = (id: string) => new CursorFile<AllowEntry[]>(userDir(), id, ALLOW_FOLDER);
  const nodeId = (req: Request, res: Response): string | undefined => {
    if (NODE_ID.test(req.params.id)) return req.params.id;
    res.status(400).json({ error: 'the node id must be letters, digits, _ . or -' });
    return undefined;
  };
  const read = (id: string): AllowEntry[] => {
    const running = live(id);
    if (running) return running.entries();
    const entries = file(id).load([], (detail) => { throw new Error(detail); });
    return Array.isArray(entries) ? entries : [];
  };

  admin.get('/impetus-cti-match/:id/allow-list', RED.auth.needsPermission('impetus-cti-match.read'), (req: Request, res: Response) => {
    const id = nodeId(req, res);
    if (!id) return;
    try {
      res.json({ entries: read(id) });
    } catch (err) {
      res.status(500).json({ error: `the allow-list file could not be read: ${(err as Error).message}` });
    }
  });

  admin.delete('/impetus-cti-match/:id/allow-list', RED.auth.needsPermission('impetus-cti-match.write'), (req: Request, res: Response) => {
    const id = nodeId(req, res);
    if (!id) return;
    const { value, asset } = req.query;
    if (typeof value !== 'string' || !value || (asset !== undefined && typeof asset !== 'string')) {
      res.status(400).json({ error: 'name the entry: ?value=…&asset=…' });
      return;
    }
    const who = (req as Request & { user?: { username?: string } }).user?.username ?? 'an editor user';
    try {
      const running = live(id);
      let removed: boolean;
      if (running) removed = running.remove(value, asset || undefined);
      else {
        const rest = without(read(id), value, asset || undefined);
        removed = rest !== undefined;
        if (rest) file(id).save(rest);
      }
      if (!removed) {
        res.status(404).json({ error: `no entry ${value}${asset ? ` on ${asset}` : ''} added from the console` });
        return;
      }
      RED.log.info(`impetus-cti-match ${id}: allow-list entry ${value}${asset ? ` on ${asset}` : ''} removed by ${who} in the editor`);
      res.status(204).end();
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });
}
