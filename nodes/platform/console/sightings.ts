/**
 * An indicator (a domain, an address, a hash, a URL…) and its sightings: every alert of any tool
 * that names it, among those the viewer may see (the role's view and TLP clearance, as every alert
 * route checks). A CTDR alert on the attacker's address, the CTI alerts of the same indicator on
 * other assets, a social post quoting the domain: all of them, each linked.
 *
 * The store's text search covers headline, description, event and place only, and the tools put
 * the observables in `data`; so the viewer's alerts are read newest first, at most
 * {@link MAX_SCANNED}, and each is searched whole. The answer says when that bound cut the search.
 *
 * The summary comes from the alerts that carry the value as their `data.indicator` (the CTI
 * tool's, see docs/cti.md): its kind, sources, marking, confidence, first and last seen, actors.
 */
import type { Alert, Tlp } from '../model/types';
import { tlpRank } from '../model/tlp';
import type { AlertStore } from '../store/types';
import type { View } from './views';
import { canSee, restrictQuery } from './views';

/** Alerts read for one lookup at most, newest first. */
export const MAX_SCANNED = 5000;
const PAGE = 500;
/** How deep into `data` the search goes: enough for every tool's payload, bounded for a hostile one. */
const MAX_DEPTH = 8;

export interface Sighting {
  id: string;
  tool: string;
  event: string;
  headline: string;
  state: Alert['state'];
  priority: Alert['priority'];
  status: Alert['status'];
  tlp?: Tlp;
  lastSeen: string;
  /** The alert is this indicator's own (a CTI match), not another alert that names it. */
  indicator: boolean;
}

export interface IndicatorSummary {
  value: string;
  kinds: string[];
  sources: string[];
  reports: string[];
  /** The strictest marking among the sightings this viewer sees. */
  tlp?: Tlp;
  confidence?: { min: number; max: number };
  firstSeen?: string;
  lastSeen?: string;
  actors: string[];
  sightings: Sighting[];
  /** Alerts read; `complete` is false when the bound stopped the search before the oldest. */
  scanned: number;
  complete: boolean;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a text names the value as a whole: `203.0.113.5` is not named by `203.0.113.50`, nor
 * `evil.example` by `notevil.example`; a sentence's full stop after it is fine.
 */
export function namer(value: string): (text: string) => boolean {
  const re = new RegExp(`(?<![\\w.-])${escapeRegex(value)}(?![\\w-]|\\.[\\w-])`, 'i');
  return (text) => re.test(text);
}

function names(node: unknown, test: (text: string) => boolean, depth: number): boolean {
  if (typeof node === 'string') return test(node);
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return false;
  const values = Array.isArray(node) ? node : Object.values(node);
  return values.some((v) => names(v, test, depth + 1));
}

interface CtiData {
  indicator?: { value?: unknown; kind?: unknown };
  intel?: { source?: unknown; report?: unknown; confidence?: unknown; firstSeen?: unknown; lastSeen?: unknown; actors?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export async function sightingsOf(store: AlertStore, view: View, value: string): Promise<IndicatorSummary> {
  const test = namer(value);
  const own = (a: Alert): boolean => str((a.data as CtiData | undefined)?.indicator?.value)?.toLowerCase() === value.toLowerCase();
  const found: Alert[] = [];
  let scanned = 0;
  let complete = false;
  while (scanned < MAX_SCANNED) {
    const page = await store.query(restrictQuery(view, { sort: 'recent', limit: PAGE, offset: scanned }));
    scanned += page.items.length;
    for (const a of page.items) if (canSee(view, a) && (own(a) || names([a.headline, a.description, a.data], test, 0))) found.push(a);
    if (page.items.length < PAGE || scanned >= page.total) {
      complete = true;
      break;
    }
  }
  const kinds = new Set<string>();
  const sources = new Set<string>();
  const reports = new Set<string>();
  const actors = new Set<string>();
  const confidences: number[] = [];
  const first: string[] = [];
  const last: string[] = [];
  let tlp: Tlp | undefined;
  for (const a of found) {
    if (a.tlp && tlpRank(a.tlp) > tlpRank(tlp)) tlp = a.tlp;
    if (!own(a)) continue;
    const d = a.data as CtiData;
    const add = (set: Set<string>, v: unknown): void => { const s = str(v); if (s) set.add(s); };
    add(kinds, d.indicator?.kind);
    add(sources, d.intel?.source);
    const report = d.intel?.report as { id?: unknown; name?: unknown } | undefined;
    add(reports, report?.name ?? report?.id);
    if (Array.isArray(d.intel?.actors)) for (const actor of d.intel.actors) add(actors, actor);
    if (typeof d.intel?.confidence === 'number') confidences.push(d.intel.confidence);
    first.push(str(d.intel?.firstSeen) ?? a.firstSeen);
    last.push(str(d.intel?.lastSeen) ?? a.lastSeen);
  }
  const sorted = (s: Set<string>): string[] => [...s].sort((x, y) => x.localeCompare(y));
  const byTime = (xs: string[]): string[] => xs.filter((x) => !Number.isNaN(Date.parse(x))).sort((x, y) => Date.parse(x) - Date.parse(y));
  return {
    value,
    kinds: sorted(kinds),
    sources: sorted(sources),
    reports: sorted(reports),
    ...(tlp ? { tlp } : {}),
    ...(confidences.length ? { confidence: { min: Math.min(...confidences), max: Math.max(...confidences) } } : {}),
    ...(byTime(first).length ? { firstSeen: byTime(first)[0] } : {}),
    ...(byTime(last).length ? { lastSeen: byTime(last).at(-1) } : {}),
    actors: sorted(actors),
    sightings: found.map((a) => ({
      id: a.id, tool: a.tool, event: a.event, headline: a.headline, state: a.state, priority: a.priority, status: a.status,
      ...(a.tlp ? { tlp: a.tlp } : {}), lastSeen: a.lastSeen, indicator: own(a),
    })),
    scanned,
    complete,
  };
}
