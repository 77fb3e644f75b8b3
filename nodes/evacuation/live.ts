/**
 * The live side of the Evacuation Optimiser, without Node-RED: occupancy from counters, the
 * closures operators set, a debounced re-plan when either changes, what-if plans that change
 * nothing, the scenario library, and the alert drafts when a plan crosses the site's limits
 * (sent again only when the situation has changed, so impetus-alert updates one alert).
 */
import type { AlertDraft } from '../platform';
import { localClock, OccupancyTracker } from './occupancy';
import { OccupancyHistory } from './occupancy-history';
import type { SavedHistory } from './occupancy-history';
import type { AreaOccupancy, CounterReading } from './occupancy';
import { planDrafts, planMap } from './outputs';
import { planEvacuation } from './plan';
import type { Plan } from './plan';
import type { Profile } from './flow-model';
import { guidelineText, matchGuideline, runLibrary, scenarioList } from './scenarios';
import type { Guideline, Library } from './scenarios';
import type { Site } from './site';
import { slotAt } from './times-of-day';
import { comparePlans, whatIfMap } from './what-if';
import type { Comparison, WhatIf, WhatIfRequest } from './what-if';

export interface LiveSettings {
  profile: Profile;
  debounceMs: number;
  limitSeconds?: number;
  maxRisk?: number;
  silentAfterMs: number;
  counters: Map<string, string>;
  emptyAtMinute?: number;
  timeZone: string;
  sourceNode: string;
}

/** One operator change, for the audit trail the plan carries. */
export interface ChangeRecord extends WhatIf {
  at: string;
  /** change: closures or people (in the WhatIf fields); start and end: of the evacuation. */
  action: 'change' | 'start' | 'end';
  /** Who made it (the console user), when known. */
  by?: string;
}

/** An evacuation under way: since when, with how many people then, how many are still inside. */
export interface Progress {
  startedAt: string;
  elapsedSeconds: number;
  peopleAtStart: number;
  peopleInside: number;
  /** Share of the people at the start who are out, 0–1. */
  out: number;
  /** Evacuation time the plan at the start gave. */
  plannedSeconds?: number;
}

export interface PlanOutput {
  plan: Plan & { whatIf?: WhatIfRequest; occupancy: AreaOccupancy[]; confidence: number; guideline?: string; scenarioGuideline?: Guideline; changes: ChangeRecord[]; progress?: Progress; timeOfDay?: string };
  drafts: AlertDraft[];
  /** The evacuation time or risk is above the limits, someone has no way out, or an area holds more than its capacity. */
  overLimits: boolean;
  map: ReturnType<typeof planMap>;
}

/** A what-if beside the live plan: its plan, what it changes, and its own map layer. */
export interface WhatIfOutput {
  plan: PlanOutput['plan'] & { whatIf: WhatIfRequest; comparison: Comparison; requestedBy?: string };
  map: ReturnType<typeof whatIfMap>;
}

/** Most people a message may add to one area: more is a typing error, not a crowd. */
const MAX_ADD = 1_000_000;
/** Operator changes the plan carries (the newest). */
const MAX_CHANGES = 20;
/** Largest crowd multiple a what-if may ask for (the library's largest is 2). */
const MAX_FACTOR = 10;

export class LiveEvacuation {
  private tracker: OccupancyTracker;
  /** Counted people over the last days, for the library's time-of-day slots without people of their own. */
  private history: OccupancyHistory;
  private readonly closed = new Set<string>();
  private readonly added = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private library: Guideline[] = [];
  private lastAlertKey = '';
  private presimulating = false;
  private stopped = false;
  /** Whether the last counts came from an exercise: the debounced plan's drafts say so too. */
  private exercise = false;
  private changes: ChangeRecord[] = [];
  private started: { at: number; people: number; plannedSeconds?: number } | undefined;
  /** The what-if on show beside the live plan, until applied or discarded (one at a time). */
  private pending: { request: WhatIfRequest; by?: string } | undefined;

  constructor(
    private site: Site,
    private readonly settings: LiveSettings,
    private readonly emit: (out: PlanOutput) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.tracker = this.newTracker();
    this.history = new OccupancyHistory({ timeZone: settings.timeZone });
  }

  private newTracker(): OccupancyTracker {
    const s = this.settings;
    return new OccupancyTracker({ areas: new Map(this.site.areas.map((a) => [a.id, a.areaM2])), counters: s.counters, silentAfterMs: s.silentAfterMs, emptyAtMinute: s.emptyAtMinute, timeZone: s.timeZone });
  }

  get siteId(): string {
    return this.site.siteId;
  }

  get currentSite(): Site {
    return this.site;
  }

  /** The occupancy history to save, with the site it was counted on. */
  historyState(): { siteId: string; history: SavedHistory } {
    return { siteId: this.site.siteId, history: this.history.toJSON() };
  }

  /** A saved history back; one counted on another site is refused (throws). */
  restoreHistory(saved: { siteId?: unknown; history?: unknown }): void {
    if (saved.siteId !== this.site.siteId) throw new Error(`the saved occupancy history is of site "${String(saved.siteId)}", not "${this.site.siteId}"`);
    this.history.restore(saved.history, new Set(this.site.areas.map((a) => a.id)));
  }

  /** Changes when the history takes a sample: the node saves then. */
  get historySampled(): number {
    return this.history.lastSampled;
  }

  /** A new site: counts, closures and the library start afresh. */
  replaceSite(site: Site): void {
    this.site = site;
    this.tracker = this.newTracker();
    this.history = new OccupancyHistory({ timeZone: this.settings.timeZone });
    this.closed.clear();
    this.added.clear();
    this.library = [];
    this.lastAlertKey = '';
    this.pending = undefined;
  }

  /** Takes counter readings; returns the errors of those refused, by the index given. A change schedules a re-plan. */
  readings(list: Array<{ index: number; reading: CounterReading }>, now: number, exercise = false): string[] {
    this.exercise = exercise;
    const errors: string[] = [];
    let taken = 0;
    for (const { index, reading } of list) {
      try {
        this.tracker.add(reading, now);
        taken++;
      } catch (err) {
        errors.push(`[${index}] ${(err as Error).message}`);
      }
    }
    if (taken) {
      if (this.history.wants(now)) this.history.record(now, this.tracker.snapshot(now));
      this.schedule();
    }
    return errors;
  }

  private known(ids: string[]): void {
    const all = new Set([...this.site.exits.map((x) => x.id), ...this.site.links.map((l) => l.id)]);
    const unknown = ids.filter((id) => !all.has(id));
    if (unknown.length) throw new Error(`no exit or link ${unknown.map((u) => `"${u}"`).join(', ')} in site "${this.site.siteId}"`);
  }

  private checkAdd(add: Record<string, number>): void {
    for (const [area, n] of Object.entries(add)) {
      if (!this.site.areas.some((a) => a.id === area)) throw new Error(`no area "${area}" in site "${this.site.siteId}"`);
      if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(n) > MAX_ADD) throw new Error(`people to add in "${area}" must be a number within ±${MAX_ADD}, got ${JSON.stringify(n)}`);
    }
  }

  /** Live closures and added people: real changes, re-planned at once. */
  change(c: WhatIf, exercise: boolean, by?: string): PlanOutput {
    this.known([...(c.close ?? []), ...(c.open ?? [])]);
    if (c.add) this.checkAdd(c.add);
    this.record('change', Date.now(), by, c);
    for (const id of c.close ?? []) this.closed.add(id);
    for (const id of c.open ?? []) this.closed.delete(id);
    for (const [area, n] of Object.entries(c.add ?? {})) this.added.set(area, (this.added.get(area) ?? 0) + n);
    return this.planNow(exercise);
  }

  /**
   * A what-if to show beside the live plan: live state is left alone and no alert is drafted.
   * It replaces the one on show, and is planned again with every live plan (whatIfNow) until
   * applied or discarded.
   */
  whatIf(w: WhatIfRequest, by?: string): WhatIfOutput {
    this.known([...(w.close ?? []), ...(w.open ?? [])]);
    if (w.add) this.checkAdd(w.add);
    if (w.factor !== undefined && !(typeof w.factor === 'number' && w.factor > 0 && w.factor <= MAX_FACTOR)) throw new Error(`the crowd factor must be a number above 0 and at most ${MAX_FACTOR}, got ${JSON.stringify(w.factor)}`);
    this.pending = { request: w, by };
    return this.whatIfNow() as WhatIfOutput;
  }

  /** A scenario of the library (its id, e.g. "close:exit-manin@1.5x") as a what-if: its closures exactly, its crowd size. */
  scenarioWhatIf(scenarioId: string, by?: string): WhatIfOutput {
    const s = scenarioList(this.site).find((x) => x.scenarioId === scenarioId);
    if (!s) throw new Error(`no scenario "${scenarioId}" for site "${this.site.siteId}" (ids look like all-open@1x or close:<exit>@1.5x)`);
    // A what-if follows the counts as a multiple of them; a time of day's crowd is no multiple.
    if (s.factor === undefined) throw new Error(`scenario "${scenarioId}" plans for a time of day's crowd, which a what-if cannot show yet: ask for its closures with a crowd factor instead`);
    const open = [...this.closed].filter((id) => !s.closed.includes(id));
    return this.whatIf({ scenarioId, close: s.closed, ...(open.length ? { open } : {}), factor: s.factor }, by);
  }

  /** The what-if on show, planned on the current counts beside `live` (the live plan just made; made here if not given). */
  whatIfNow(live?: Plan): WhatIfOutput | undefined {
    if (!this.pending) return undefined;
    const { request: w, by } = this.pending;
    const base = live ?? this.plan(this.closed, {}, { exercise: false, draft: false }).plan;
    const closed = new Set(this.closed);
    for (const id of w.close ?? []) closed.add(id);
    for (const id of w.open ?? []) closed.delete(id);
    const out = this.plan(closed, w.add ?? {}, { whatIf: w, exercise: false, draft: false, factor: w.factor });
    const comparison = comparePlans(this.site, base, out.plan, w);
    return { plan: { ...out.plan, whatIf: w, comparison, ...(by ? { requestedBy: by } : {}) }, map: whatIfMap(this.site, base, out.plan, comparison) };
  }

  /**
   * The what-if on show becomes live: its closures and added people are real changes (audited as
   * by `by`, else by whoever asked for it). A crowd factor is not applied: the counters say how
   * many are there.
   */
  applyWhatIf(exercise: boolean, by?: string): PlanOutput {
    if (!this.pending) throw new Error('no what-if on show to apply');
    const { request: w, by: asked } = this.pending;
    this.pending = undefined;
    return this.change({ ...(w.close ? { close: w.close } : {}), ...(w.open ? { open: w.open } : {}), ...(w.add ? { add: w.add } : {}) }, exercise, by ?? asked);
  }

  /** Takes the what-if off; false if none was on show. */
  discardWhatIf(): boolean {
    const had = this.pending !== undefined;
    this.pending = undefined;
    return had;
  }

  /** The evacuation is ordered now: later plans report its progress against the people inside now. */
  start(now: number, exercise = false, by?: string): PlanOutput {
    // A plan now gives the crowd and the time that later plans' progress is measured against.
    const out = this.planNow(exercise);
    this.started = { at: now, people: out.plan.people, plannedSeconds: out.plan.rset?.totalSeconds };
    this.record('start', now, by);
    return this.planNow(exercise);
  }

  private record(action: ChangeRecord['action'], now: number, by?: string, change: WhatIf = {}): void {
    this.changes = [...this.changes, { at: new Date(now).toISOString(), action, ...change, ...(by ? { by } : {}) }].slice(-MAX_CHANGES);
  }

  /** The evacuation is over (or called off): plans stop reporting progress. */
  end(now: number, exercise = false, by?: string): PlanOutput {
    this.started = undefined;
    this.record('end', now, by);
    return this.planNow(exercise);
  }

  planNow(exercise = false): PlanOutput {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.plan(this.closed, {}, { exercise, draft: true });
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.emit(this.planNow(this.exercise));
      } catch (err) {
        this.onError(err as Error);
      }
    }, this.settings.debounceMs);
  }

  private occupancy(extra: Record<string, number>, factor = 1): { people: Map<string, number>; areas: AreaOccupancy[]; confidence: number } {
    const areas = this.tracker.snapshot(Date.now());
    const people = new Map<string, number>();
    let weight = 0;
    let sum = 0;
    for (const a of areas) {
      const counted = a.people + (this.added.get(a.areaId) ?? 0);
      const n = Math.max(0, (factor === 1 ? counted : Math.round(counted * factor)) + (extra[a.areaId] ?? 0));
      people.set(a.areaId, n);
      weight += n;
      sum += n * (a.source === 'none' && !this.added.has(a.areaId) ? 0 : a.confidence);
    }
    return { people, areas, confidence: weight ? Math.round((sum / weight) * 100) / 100 : 1 };
  }

  private plan(closed: Set<string>, extra: Record<string, number>, opts: { whatIf?: WhatIfRequest; exercise: boolean; draft: boolean; factor?: number }): PlanOutput {
    const occ = this.occupancy(extra, opts.factor);
    const plan = planEvacuation(this.site, { profile: this.settings.profile, occupancy: occ.people, closed });
    const timeOfDay = this.site.timesOfDay?.length ? slotAt(this.site.timesOfDay, localClock(Date.now(), this.settings.timeZone).minute)?.name : undefined;
    const scenario = matchGuideline(this.library, closed, plan.people, timeOfDay);
    const guideline = guidelineText(this.site, plan);
    const out: PlanOutput['plan'] = { ...plan, occupancy: occ.areas, confidence: occ.confidence, guideline, changes: this.changes, ...(timeOfDay ? { timeOfDay } : {}), ...(scenario ? { scenarioGuideline: scenario } : {}), ...(opts.whatIf ? { whatIf: opts.whatIf } : {}) };
    if (this.started) {
      const s = this.started;
      out.progress = { startedAt: new Date(s.at).toISOString(), elapsedSeconds: Math.round((Date.now() - s.at) / 1000), peopleAtStart: s.people, peopleInside: plan.people, out: s.people ? Math.round(Math.max(0, Math.min(1, 1 - plan.people / s.people)) * 1000) / 1000 : 1, ...(s.plannedSeconds !== undefined ? { plannedSeconds: s.plannedSeconds } : {}) };
    }
    let drafts: AlertDraft[] = [];
    const limitSeconds = this.settings.limitSeconds ?? this.site.limits?.evacuationSeconds ?? 600;
    const maxRisk = this.settings.maxRisk ?? this.site.limits?.risk ?? 60;
    const overLimits = !plan.rset || plan.rset.totalSeconds > limitSeconds || plan.risk.score > maxRisk || plan.overCapacity.length > 0;
    if (opts.draft) {
      drafts = planDrafts(this.site, plan, { sourceNode: this.settings.sourceNode, exercise: opts.exercise, limitSeconds, maxRisk, guideline });
      const key = alertKey(plan, drafts);
      if (key === this.lastAlertKey) drafts = [];
      else this.lastAlertKey = key;
    }
    return { plan: out, drafts, overLimits, map: planMap(this.site, plan) };
  }

  /**
   * Runs the scenario library on the current crowd (or 0.5 p/m² where nobody is counted yet),
   * and on each time of day's crowd (its own people, else the one learnt from the history).
   */
  async presimulate(progress: (done: number, total: number) => void): Promise<Library> {
    if (this.presimulating) throw new Error('the scenario library is already running');
    this.presimulating = true;
    try {
      const occ = this.occupancy({});
      const total = [...occ.people.values()].reduce((s, n) => s + n, 0);
      const base = total > 0 ? occ.people : new Map(this.site.areas.map((a) => [a.id, Math.round(a.areaM2 * 0.5)]));
      const library = await runLibrary(this.site, base, { profile: this.settings.profile }, progress, () => this.stopped, (from, to) => this.history.typical(from, to));
      this.library = library.guidelines;
      return library;
    } finally {
      this.presimulating = false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * What must change before the same situation is drafted again: the kind, closures, time and
 * risk in 10 % steps, who has no way out, and which areas are over capacity with their people
 * in 10 % steps (so the over-capacity alert follows a growing crowd without a draft per count).
 */
function alertKey(plan: Plan, drafts: AlertDraft[]): string {
  if (!drafts.length) return '';
  const rset = plan.rset ? Math.round(Math.log(plan.rset.totalSeconds) / Math.log(1.1)) : 'none';
  return [drafts.map((d) => d.event).join(','), [...plan.closed].sort().join('+'), rset, Math.round(plan.risk.score / 10), plan.noExit.map((n) => `${n.areaId}:${n.people}`).join(','), plan.overCapacity.map((o) => `${o.areaId}:${Math.round(Math.log(o.people) / Math.log(1.1))}`).join(',')].join('|');
}

