/**
 * Incidents against per-alert handling: `npm run bench:incidents [-- --seed N]`.
 *
 * Three platforms side by side in one process (each its own SQLite file, the same clock moved by
 * the replay): one with incidents off (today's per-alert behaviour), one with the default place
 * rules but no low-priority digests, one with the default rules, digests included.
 * Both take the same drafts in the same order, for two scenarios: the demo exercise's alert
 * drafts (flows/demo-exercise.json) and a generated 24-hour city day (bench/incidents-day.ts).
 * Printed per scenario:
 *  - drafts in, alerts stored (after deduplication);
 *  - items in the operator's queue: alerts (per-alert) against incidents that hold alerts plus
 *    alerts in none (grouped), muted alerts counted apart, and how many of the incidents are digests;
 *  - cards a chat notifier sends to a group chat that every alert is routed to: which card each
 *    alert goes out on is decided by the notifier's own rule (nodes/notify/delivery/incident-cards.ts
 *    cardFor): one per alert (per-alert run, and the grouped run as the notifiers were before they
 *    sent incident cards) against one per incident plus one per alert in none (muted alerts get none);
 *  - operator actions to clear the queue, taken for real: acknowledge and resolve per item, and a
 *    resolve per muted alert; the run checks that no alert is left unresolved afterwards;
 *  - P1 alerts, and how many of them are hidden (muted, or in an incident that is not P1): the goal is 0;
 *  - the ratio per-alert ÷ grouped (goal ≥ 5×).
 * A benchmark, not a test: it exits non-zero only when the run itself breaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert, AlertDraft } from '../nodes/platform';
import { DEFAULT_RULES, PACKAGE_ROOT, Platform, resolveSettings } from '../nodes/platform';
import type { ImpetusSettings } from '../nodes/platform';
import { cardFor } from '../nodes/notify/delivery/incident-cards';
import { readFlags } from './cli';
import type { TimedDraft } from './incidents-day';
import { cityDay } from './incidents-day';

const quiet = { info: () => undefined, warn: (m: string) => console.warn(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const DAY0 = Date.parse('2025-12-05T00:00:00.000Z');

/** Per-alert (incidents off), the place rules alone, or the default rules with their digests. */
type Mode = 'alerts' | 'places' | 'digests';

interface Figures {
  drafts: number;
  alerts: number;
  items: number;
  incidents: number;
  digests: number;
  /** Queue items that are digests (ids), to tell the events they hold apart from events mixed by place. */
  digestIds: Set<string>;
  standalone: number;
  muted: number;
  cards: number;
  /** The grouped run's alerts, one card each: the notifiers before incident cards. */
  alertCards: number;
  actions: number;
  p1: number;
  p1Hidden: number;
  leftOpen: number;
  /** Generated event → the queue items (incident ids, or alert ids of alerts in none) its alerts ended up in. */
  itemsByEvent: Map<string, Set<string>>;
  alertsByEvent: Map<string, Set<string>>;
}

function demoDrafts(): TimedDraft[] {
  const scenario = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo-exercise.json'), 'utf8')) as {
    events: Array<{ at: string; output: string; payload: unknown }>;
  };
  const seconds = (iso: string) => Number(/^PT(\d+(?:\.\d+)?)S$/.exec(iso)?.[1] ?? NaN) * 1000;
  return scenario.events
    .filter((e) => e.output === 'alerts' && e.payload && typeof e.payload === 'object')
    .map((e) => ({ at: seconds(e.at), draft: { status: 'Exercise', ...(e.payload as AlertDraft) }, event: 'demo' }));
}

async function allAlerts(platform: Platform): Promise<Alert[]> {
  const out: Alert[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await platform.store.query({ limit: 1000, offset, sort: 'recent' });
    out.push(...page.items);
    if (offset + 1000 >= page.total) return out;
  }
}

async function run(name: string, drafts: TimedDraft[], mode: Mode, dir: string): Promise<Figures> {
  let now = DAY0;
  const incidents = mode !== 'alerts';
  const settings: ImpetusSettings = {
    instance: `bench-${name}`,
    store: { file: path.join(dir, `${name}-${mode}.db`), synchronous: 'normal' },
    retention: { resolvedDays: 0 },
    incidents: mode === 'places' ? { rules: DEFAULT_RULES.filter((r) => !r.digest) } : { enabled: incidents },
  };
  const platform = new Platform(resolveSettings(settings, dir), quiet, () => now);
  await platform.ready;
  try {
    const eventOf = new Map<string, string>();
    for (const d of drafts) {
      now = DAY0 + d.at;
      eventOf.set((await platform.alerts.raise(d.draft)).alert.id, d.event);
    }
    const alerts = await allAlerts(platform);
    const itemsByEvent = new Map<string, Set<string>>();
    const alertsByEvent = new Map<string, Set<string>>();
    for (const a of alerts) {
      const event = eventOf.get(a.id) ?? 'unknown';
      if (!itemsByEvent.has(event)) itemsByEvent.set(event, new Set());
      if (!alertsByEvent.has(event)) alertsByEvent.set(event, new Set());
      if (!a.muted || a.incidentId) itemsByEvent.get(event)!.add(incidents ? a.incidentId ?? a.id : a.id);
      alertsByEvent.get(event)!.add(a.id);
    }
    // An incident every alert left (a digest whose members went to incidents of their place) holds nothing to act on.
    const open = (await platform.incidents.query({ limit: 1000 })).items.filter((i) => i.members.length);
    const standalone = alerts.filter((a) => !a.incidentId && !a.muted);
    const mutedAlone = alerts.filter((a) => !a.incidentId && a.muted);
    const items = incidents ? open.length + standalone.length : alerts.length;
    const digestIds = new Set(open.filter((i) => i.digest).map((i) => i.id));
    const byId = new Map(open.map((i) => [i.id, i]));
    const cards = new Set(alerts.map((a) => cardFor(a, incidents)).filter((k) => k !== undefined)).size;
    const alertCards = new Set(alerts.map((a) => cardFor(a, false)).filter((k) => k !== undefined)).size;
    const p1 = alerts.filter((a) => a.priority === 'P1');
    const p1Hidden = p1.filter((a) => a.muted || (a.incidentId !== undefined && byId.get(a.incidentId)?.priority !== 'P1')).length;

    // Clear the queue as an operator would: acknowledge, then resolve, each item.
    now += 60_000;
    let actions = 0;
    const clear = async (act: () => Promise<unknown>) => {
      actions += 1;
      await act();
    };
    if (incidents) {
      for (const incident of open) {
        if (incident.state === 'open') await clear(() => platform.incidents.act({ action: 'acknowledge', incidentId: incident.id, by: 'bench' }));
        if (incident.state !== 'resolved') await clear(() => platform.incidents.act({ action: 'resolve', incidentId: incident.id, by: 'bench', text: 'handled' }));
      }
    }
    for (const alert of incidents ? [...standalone, ...mutedAlone] : alerts) {
      const current = (await platform.store.get(alert.id))!;
      if (current.state === 'open' && !current.muted) await clear(() => platform.alerts.act({ action: 'acknowledge', alertId: alert.id, by: 'bench' }));
      if (current.state !== 'resolved') await clear(() => platform.alerts.act({ action: 'resolve', alertId: alert.id, by: 'bench', text: 'handled' }));
    }
    const leftOpen = (await platform.store.query({ state: ['open', 'acknowledged'], limit: 0 })).total;
    return {
      drafts: drafts.length, alerts: alerts.length, items, incidents: incidents ? open.length : 0, digests: digestIds.size, digestIds,
      standalone: incidents ? standalone.length : alerts.length,
      muted: alerts.filter((a) => a.muted).length, cards, alertCards, actions, p1: p1.length, p1Hidden, leftOpen, itemsByEvent, alertsByEvent,
    };
  } finally {
    await platform.close();
  }
}

function report(name: string, before: Figures, places: Figures, after: Figures): boolean {
  const ratio = (a: number, b: number) => (b ? (a / b).toFixed(1) : '∞');
  const row = (label: string, pick: (f: Figures) => number, note = '', ratios = true) => {
    const r = (f: Figures) => (ratios ? `${ratio(pick(before), pick(f)).padStart(5)}×` : '      ');
    console.log(`  ${label.padEnd(31)}${String(pick(before)).padStart(9)}   ${String(pick(places)).padStart(9)} ${r(places)}   ${String(pick(after)).padStart(9)} ${r(after)}${note}`);
  };
  console.log(`\n${name}`);
  console.log(`  drafts in                      ${before.drafts}`);
  console.log(`  alerts stored (after dedup)    ${before.alerts}   (grouped runs: ${places.alerts}, ${after.alerts})`);
  console.log(`  P1 alerts                      ${after.p1}, hidden with incidents: ${places.p1Hidden} without digests, ${after.p1Hidden} with digests`);
  console.log('                                 per-alert   no digests  ratio   digests    ratio   (incidents: place rules only / default rules with low-priority digests)');
  row('queue items', (f) => f.items, `   (${after.incidents} incidents, of which ${after.digests} digests, + ${after.standalone} alerts in none; ${after.muted} muted alerts; without digests ${places.incidents} incidents + ${places.standalone})`);
  row('chat cards', (f) => f.cards, `   (grouped run with one card per alert, as before incident cards: ${after.alertCards})`);
  row('actions to clear the queue', (f) => f.actions);
  row('alerts left unresolved', (f) => f.leftOpen, '', false);
  // Where the items come from: each generated event (one item each is the ideal) and the noise.
  const events = [...after.alertsByEvent.keys()].filter((e) => e !== 'noise').sort();
  if (events.length > 1) {
    for (const [label, f] of [['without digests', places], ['with digests', after]] as const) {
      const split = events.filter((e) => f.itemsByEvent.get(e)!.size > 1);
      const owner = new Map<string, string[]>();
      for (const e of events) for (const item of f.itemsByEvent.get(e)!) owner.set(item, [...(owner.get(item) ?? []), e]);
      // A digest holds unrelated alerts by design: the events it holds are listed apart, not as mixed.
      const mixed = [...owner].filter(([item, es]) => es.length > 1 && !f.digestIds.has(item)).map(([, es]) => es);
      const digested = [...owner].filter(([item]) => f.digestIds.has(item)).map(([, es]) => es);
      const eventAlerts = events.reduce((n, e) => n + f.alertsByEvent.get(e)!.size, 0);
      const eventItems = new Set(events.flatMap((e) => [...f.itemsByEvent.get(e)!])).size;
      console.log(`  real events, ${label.padEnd(16)} ${events.length}: ${eventAlerts} alerts → ${eventItems} items (${ratio(eventAlerts, eventItems)}×); split into several items: ${split.join(', ') || 'none'}; ` +
        `items mixing events: ${mixed.map((m) => m.join('+')).join(', ') || 'none'}; events with alerts in a digest: ${digested.map((m) => m.join('+')).join(', ') || 'none'}`);
      const noise = f.alertsByEvent.get('noise')?.size ?? 0;
      const noiseItems = f.itemsByEvent.get('noise')?.size ?? 0;
      console.log(`  noise, ${label.padEnd(23)} ${noise} alerts → ${noiseItems} items (${[...(f.itemsByEvent.get('noise') ?? [])].filter((i) => f.digestIds.has(i)).length} of them digests; noise joining an event's incident counts there)`);
    }
  }
  const ok = before.items / Math.max(1, after.items) >= 5 && after.p1Hidden === 0;
  console.log(`  goal (≥5× fewer items, no P1 hidden), with digests: ${ok ? 'met' : 'NOT met'}`);
  return before.leftOpen === 0 && places.leftOpen === 0 && after.leftOpen === 0;
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2), 'usage: npm run bench:incidents [-- --seed N]\n', [], ['seed']);
  const seed = Number(flags.get('seed') ?? 20251205);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-bench-incidents-'));
  try {
    let cleared = true;
    for (const [name, drafts] of [['demo exercise (alert drafts of flows/demo-exercise.json)', demoDrafts()], [`generated city day (seed ${seed})`, cityDay(seed)]] as const) {
      const key = name.startsWith('demo') ? 'demo' : 'day';
      const before = await run(key, drafts, 'alerts', dir);
      const places = await run(key, drafts, 'places', dir);
      const after = await run(key, drafts, 'digests', dir);
      cleared = report(name, before, places, after) && cleared;
    }
    if (!cleared) throw new Error('the queue was not cleared by the actions taken');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
