import { randomUUID } from 'node:crypto';
import type { EventBus } from './bus/types';
import type { DraftDefaults } from './model/draft';
import { buildAlert } from './model/draft';
import { alertToCapXml } from './export/cap';
import { uuid7 } from './model/uuid7';
import type { Change } from './model/lifecycle';
import { acknowledge, addComment, assign, escalate, markSilenced, recordOccurrence, reopen, resolve } from './model/lifecycle';
import type { Alert, HistoryAction, LifecycleEvent, LifecycleType, MuteMark, Silence } from './model/types';
import type { Validators } from './model/validate';
import { ValidationError } from './model/validate';
import type { EscalationPolicy } from './settings';
import type { SilenceRegistry, SilenceRequest } from './silences';
import { matches } from './silences';
import type { AlertStore, IngestResult } from './store/types';
import { afterConflict, MAX_CAS_ATTEMPTS } from './store/conflict';
import { ConflictError, NotFoundError } from './store/types';
import type { ValueLimits } from './limits';
import { checkValue, DEFAULT_ALERT_DATA_LIMITS } from './limits';

export type Clock = () => number;

export interface AlertServiceOptions {
  instance: string;
  fingerprintKeys: readonly string[];
  escalation: EscalationPolicy;
  /** CAP sender (impetus.sender): a draft's `cap` block is tried against it before it is stored. */
  sender?: string;
  /** Limits on a draft's `data` (impetus.limits.alertData); defaults to DEFAULT_ALERT_DATA_LIMITS. */
  dataLimits?: ValueLimits;
  clock?: Clock;
  log?: (message: string) => void;
}

export interface RaiseOptions {
  defaults?: DraftDefaults;
  sourceNode?: string;
  fingerprintKeys?: readonly string[];
}

export type ActionName = 'acknowledge' | 'assign' | 'comment' | 'resolve' | 'reopen';
export const ACTIONS: readonly ActionName[] = ['acknowledge', 'assign', 'comment', 'resolve', 'reopen'];

export interface ActionRequest {
  action: ActionName;
  alertId: string;
  by: string;
  /** Reason (resolve, reopen), comment text (comment), note (acknowledge). */
  text?: string;
  assignee?: string;
  /** The incident the action was taken on: recorded in the member's audit entry (`details.via`). */
  via?: string;
}

/**
 * What the incident service (incidents/service.ts) adds to the alert path. Every hook runs after
 * the alert is stored: a failing hook is logged and never loses or refuses an alert.
 */
export interface AlertHooks {
  /** Why a new alert is muted (inhibition), if it is; asked before it is stored. */
  mute(candidate: Alert): Promise<MuteMark | undefined>;
  /** A new alert was stored: group it. Returns the alert as it now is. */
  created(alert: Alert): Promise<Alert>;
  /** An alert changed (a repeat, an action not taken through its incident): its incident follows. */
  changed(alert: Alert): Promise<void>;
}

/** One draft of raiseMany on its way to the store. */
interface Raised {
  /** Its place in the drafts. */
  index: number;
  candidate: Alert;
  silence: Silence | undefined;
  mute: MuteMark | undefined;
  /** Set by the merge: the repeat was silenced now, while the open alert was not. */
  newlySilenced: boolean;
}

/** A repeat of the open alert: one more occurrence, silenced, unsilenced or unmuted as the candidate now is. */
function mergeRepeat(r: Raised, open: Alert, at: string): Alert {
  let next = recordOccurrence(open, r.candidate, at);
  r.newlySilenced = false;
  if (r.silence && !open.silenced) {
    next = markSilenced(next, r.silence, at);
    r.newlySilenced = true;
  } else if (!r.silence && open.silenced) {
    delete next.silenced;
  }
  // A repeat that became P1 is never muted; otherwise the mute stays until its source is gone.
  if (next.muted && next.priority === 'P1') next = unmuted(next, at);
  return next;
}

/**
 * `data` is the one open-ended part of a draft (the envelope schema bounds the rest): it is
 * measured before anything walks it, so a 10 MB payload is refused here rather than stored,
 * listed with every page and refused later by a CAP importer.
 */
function checkDraftData(draft: unknown, limits: ValueLimits): void {
  if (draft === null || typeof draft !== 'object') return;
  let data: unknown;
  try {
    data = (draft as { data?: unknown }).data;
  } catch {
    data = draft; // a throwing getter: checkValue below reports it on the draft itself
  }
  const breach = data === undefined ? undefined : checkValue(data, limits);
  if (breach) {
    throw new ValidationError('alert', [
      { instancePath: '/data', schemaPath: '#/limits/alertData', keyword: 'limits', params: {}, message: `${breach.reason} (impetus.limits.alertData)` } as never,
    ]);
  }
}

/**
 * The alert backbone: turns drafts into stored alerts (dedup, silences, escalation), applies
 * operator actions with optimistic concurrency, and announces every change on the bus.
 */
export class AlertService {
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private hooks: AlertHooks | undefined;

  constructor(
    readonly store: AlertStore,
    readonly bus: EventBus,
    private readonly validators: Validators,
    readonly silences: SilenceRegistry,
    private readonly options: AlertServiceOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  get instance(): string {
    return this.options.instance;
  }

  /** Set once by the platform, when incidents are enabled. */
  setHooks(hooks: AlertHooks): void {
    this.hooks = hooks;
  }

  /** Validates and stores a draft; resolves once the write is durable. */
  async raise(draft: unknown, options: RaiseOptions = {}): Promise<IngestResult> {
    const now = this.clock();
    const at = new Date(now).toISOString();
    const r = this.prepare(draft, options, now, at, 0);
    if (this.hooks && !r.silence && r.candidate.priority !== 'P1') r.mute = await this.muteFor(r.candidate);
    this.mark(r, now, at);
    const result = await this.store.ingest(r.candidate, (open) => mergeRepeat(r, open, at));
    let alert = result.alert;
    // Grouped before it is announced: the `created` event already names the incident, and a
    // console or notifier gets one event for a new alert, not two.
    if (this.hooks) {
      try {
        if (result.outcome === 'created') alert = await this.hooks.created(alert);
        else if (alert.incidentId) await this.hooks.changed(alert);
      } catch (err) {
        this.groupingFailed(alert, err);
      }
    }
    const announced: Promise<void>[] = [];
    this.announceRaised(r, alert, result.outcome, announced);
    await Promise.all(announced);
    return { ...result, alert };
  }

  /**
   * `raise` of every draft, in one go: each is checked on its own (data limits, schema, CAP,
   * silences, inhibition) and fails alone, their writes go to the store in one call (one group
   * commit for up to 1,000 on SQLite), and the answer, in the drafts' order, settles once every
   * write is durable or refused and every event is announced. A repeat of an alert created by
   * an earlier draft of the list merges into it. One promise per step for the whole list rather
   * than a chain per draft: the per-draft promises were a large part of a batch's CPU.
   */
  async raiseMany(drafts: readonly unknown[], options: RaiseOptions = {}): Promise<PromiseSettledResult<IngestResult>[]> {
    // One time for the whole list: the drafts are raised together.
    const now = this.clock();
    const at = new Date(now).toISOString();
    const results = new Array<PromiseSettledResult<IngestResult>>(drafts.length);
    const raised: Raised[] = [];
    for (let index = 0; index < drafts.length; index++) {
      try {
        raised.push(this.prepare(drafts[index], options, now, at, index));
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
    if (this.hooks) {
      const asked = raised.filter((r) => !r.silence && r.candidate.priority !== 'P1');
      if (asked.length) {
        const marks = await Promise.all(asked.map((r) => this.muteFor(r.candidate)));
        for (let k = 0; k < asked.length; k++) asked[k].mute = marks[k];
      }
    }
    for (const r of raised) this.mark(r, now, at);
    const stored = raised.length ? await this.store.ingestMany(raised.map((r) => ({ candidate: r.candidate, merge: (open: Alert) => mergeRepeat(r, open, at) }))) : [];
    const hooks = this.hooks;
    if (hooks) {
      // Grouped before they are announced, as in raise().
      const grouping: Promise<void>[] = [];
      for (let k = 0; k < raised.length; k++) {
        const result = stored[k];
        if (result.status === 'rejected') continue;
        const alert = result.value.alert;
        const failed = (err: unknown) => this.groupingFailed(alert, err);
        try {
          if (result.value.outcome === 'created') {
            grouping.push(hooks.created(alert).then((grouped) => {
              stored[k] = { status: 'fulfilled', value: { ...result.value, alert: grouped } };
            }, failed));
          } else if (alert.incidentId) {
            grouping.push(hooks.changed(alert).catch(failed));
          }
        } catch (err) {
          failed(err);
        }
      }
      if (grouping.length) await Promise.all(grouping);
    }
    const announced: Promise<void>[] = [];
    for (let k = 0; k < raised.length; k++) {
      const r = raised[k];
      const result = stored[k];
      results[r.index] = result;
      if (result.status === 'rejected') continue;
      this.announceRaised(r, result.value.alert, result.value.outcome, announced);
    }
    if (announced.length) await Promise.all(announced);
    return results;
  }

  /** Silenced, muted or given its first escalation deadline, as the checks before the store found. */
  private mark(r: Raised, now: number, at: string): void {
    if (r.silence) r.candidate = markSilenced(r.candidate, r.silence, at);
    else if (r.mute) r.candidate = markMuted(r.candidate, r.mute);
    else r.candidate = this.scheduleEscalation(r.candidate, now);
  }

  private groupingFailed(alert: Alert, err: unknown): void {
    this.log(`grouping alert ${alert.id} into an incident failed: ${(err as Error).message}`);
  }

  /** The events of a stored draft, in order, onto `into`. */
  private announceRaised(r: Raised, alert: Alert, outcome: IngestResult['outcome'], into: Promise<void>[]): void {
    into.push(this.announce(outcome === 'created' ? 'created' : 'updated', alert, undefined, { count: alert.count }));
    if (alert.silenced && (outcome === 'created' || r.newlySilenced)) {
      into.push(this.announce('silenced', alert, alert.silenced.silenceId, { silenceId: alert.silenced.silenceId, reason: alert.silenced.reason }));
    }
    if (alert.muted && outcome === 'created') into.push(this.announce('muted', alert, undefined, { ...alert.muted }));
  }

  /** The checks of one draft that need nothing but the draft: limits, envelope, schema, CAP, silences. */
  private prepare(draft: unknown, options: RaiseOptions, now: number, at: string, index: number): Raised {
    checkDraftData(draft, this.options.dataLimits ?? DEFAULT_ALERT_DATA_LIMITS);
    const candidate = buildAlert(draft, {
      now: at,
      id: uuid7(now),
      defaults: options.defaults,
      fingerprintKeys: options.fingerprintKeys ?? this.options.fingerprintKeys,
      sourceNode: options.sourceNode,
      instance: this.options.instance,
    });
    this.validators.assert('alert', candidate);
    this.validators.assertToolData(candidate.tool, candidate.data);
    if (candidate.cap !== undefined) this.assertCapExports(candidate);
    return { index, candidate, silence: this.silences.match(candidate, now), mute: undefined, newlySilenced: false };
  }

  private async muteFor(candidate: Alert): Promise<MuteMark | undefined> {
    if (!this.hooks || candidate.priority === 'P1') return undefined;
    try {
      return await this.hooks.mute(candidate);
    } catch (err) {
      this.log(`inhibition check of a ${candidate.tool} alert failed (not muted): ${(err as Error).message}`);
      return undefined;
    }
  }

  async act(request: ActionRequest): Promise<Alert> {
    if (!ACTIONS.includes(request.action)) throw new TypeError(`unknown action ${String(request.action)} (use ${ACTIONS.join(', ')})`);
    if (typeof request.alertId !== 'string' || !request.alertId) throw new TypeError('an action needs the alert id');
    if (typeof request.by !== 'string' || !request.by.trim()) throw new TypeError('an action needs the user who takes it');
    const by = request.by.trim();
    const change = (alert: Alert, now: number): Change => {
      const at = new Date(now).toISOString();
      switch (request.action) {
        case 'acknowledge':
          return acknowledge(alert, by, at, request.text);
        case 'assign':
          return assign(alert, request.assignee ?? '', by, at);
        case 'comment':
          return addComment(alert, request.text ?? '', by, at);
        case 'resolve':
          return resolve(alert, request.text ?? '', by, at);
        case 'reopen': {
          const reopened = reopen(alert, by, at, request.text);
          return { ...reopened, alert: this.scheduleEscalation(reopened.alert, now) };
        }
      }
    };
    const via = request.via;
    if (via === undefined) return this.mutate(request.alertId, change);
    // Taken on the incident: the member's audit says so, and the incident updates itself once for all members.
    return this.mutate(request.alertId, (alert, now) => {
      const result = change(alert, now);
      const history = [...result.alert.history];
      const last = history[history.length - 1];
      history[history.length - 1] = { ...last, details: { ...last.details, via } };
      return { ...result, alert: { ...result.alert, history }, details: { ...result.details, via } };
    }, false);
  }

  /**
   * Puts an alert into an incident or takes it out (`incidentId` undefined), with an audit entry;
   * for the incident service, which has already updated the incident.
   */
  async setIncident(alertId: string, incidentId: string | undefined, by: string | undefined, details: Record<string, unknown>, announce = true): Promise<Alert> {
    return this.mutate(alertId, (alert, now) => {
      if (alert.incidentId === incidentId) return undefined;
      const at = new Date(now).toISOString();
      const next: Alert = { ...alert, history: appendEntry(alert, at, incidentId ? 'grouped' : 'ungrouped', by, { ...details, incidentId: incidentId ?? alert.incidentId }) };
      if (incidentId) next.incidentId = incidentId;
      else delete next.incidentId;
      return { alert: next, type: 'grouped', actor: by, details: { incidentId: incidentId ?? null, from: alert.incidentId ?? null } };
    }, false, announce);
  }

  /** Mutes an open alert below P1 (inhibition), or lifts its mute (`mark` undefined). */
  async setMuted(alertId: string, mark: MuteMark | undefined): Promise<Alert> {
    return this.mutate(alertId, (alert, now) => {
      if (mark && (alert.muted || alert.priority === 'P1' || alert.state === 'resolved')) return undefined;
      if (!mark && !alert.muted) return undefined;
      const next = mark ? markMuted(alert, mark) : unmuted(alert, new Date(now).toISOString());
      return { alert: next, type: 'muted', details: mark ? { ...mark } : { unmuted: true } };
    });
  }

  async createSilence(request: SilenceRequest): Promise<Silence> {
    const now = this.clock();
    const silence = await this.silences.create(request, now);
    if (Date.parse(silence.startsAt) <= now) await this.silenceOpenAlerts(silence);
    return silence;
  }

  async expireSilence(id: string): Promise<Silence> {
    return this.silences.expire(id, this.clock());
  }

  /** A new silence also mutes what is already open, as in Alertmanager. */
  private async silenceOpenAlerts(silence: Silence): Promise<void> {
    const pageSize = 500;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.store.query({ state: ['open', 'acknowledged'], tool: silence.matchers.tool, zone: silence.matchers.zone, limit: pageSize, offset });
      for (const alert of page.items) {
        if (alert.silenced || !matches(silence.matchers, alert)) continue;
        try {
          await this.mutate(alert.id, (current, now) => {
            const at = new Date(now).toISOString();
            const next = markSilenced(current, silence, at);
            delete next.escalation;
            return { alert: next, type: 'silenced', actor: silence.createdBy, details: { silenceId: silence.id, reason: silence.reason } };
          });
        } catch (err) {
          this.log(`could not mark alert ${alert.id} silenced: ${(err as Error).message}`);
        }
      }
      if (offset + pageSize >= page.total) return;
    }
  }

  /** Raises one escalation level on every alert whose deadline passed. Returns how many. */
  async escalateDue(limit = 100): Promise<number> {
    const now = this.clock();
    const due = await this.store.dueEscalations(new Date(now), limit);
    let escalated = 0;
    for (const alert of due) {
      try {
        await this.mutate(alert.id, (current, t) => {
          const step = this.options.escalation[current.priority];
          const level = (current.escalation?.level ?? 0) + 1;
          if (current.state !== 'open' || !step || !current.escalation?.nextAt || Date.parse(current.escalation.nextAt) > t) return undefined;
          const nextAt = level < step.repeat ? new Date(t + step.afterMinutes * 60_000).toISOString() : undefined;
          return escalate(current, level, new Date(t).toISOString(), nextAt);
        });
        escalated += 1;
      } catch (err) {
        this.log(`escalation of alert ${alert.id} failed: ${(err as Error).message}`);
      }
    }
    return escalated;
  }

  /**
   * An alert's CAP export must never fail once it is stored: a `cap` block that CAP cannot
   * carry is refused now, with the reason, instead of making the export answer 500 forever.
   */
  private assertCapExports(alert: Alert): void {
    try {
      // The cap block is checked here; a TLP:RED marking, which no export carries, is not its fault.
      alertToCapXml({ ...alert, tlp: undefined }, { sender: this.options.sender ?? 'impetus' });
    } catch (err) {
      throw new ValidationError('alert', [
        { instancePath: '/cap', schemaPath: '#/cap', keyword: 'cap', params: {}, message: `cannot be exported as CAP: ${(err as Error).message}` } as never,
      ]);
    }
  }

  /**
   * Sets the first escalation deadline on `alert`, in place: the callers pass an alert they have
   * just built and nobody else holds, and a copy of the whole envelope cost every raise ~2 µs.
   */
  private scheduleEscalation(alert: Alert, now: number): Alert {
    const step = this.options.escalation[alert.priority];
    if (!step || alert.status === 'Test') return alert;
    alert.escalation = { level: 0, nextAt: new Date(now + step.afterMinutes * 60_000).toISOString() };
    return alert;
  }

  /**
   * Read, change, compare-and-set, retried when another writer got there first. `change`
   * may return undefined to leave the alert as it is.
   */
  private async mutate(id: string, change: (alert: Alert, now: number) => Change | undefined, tellIncident = true, announce = true): Promise<Alert> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.store.get(id);
      if (!current) throw new NotFoundError(id);
      const result = change(current, this.clock());
      if (!result) return current;
      let stored: Alert;
      try {
        stored = await this.store.replace(result.alert);
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= MAX_CAS_ATTEMPTS) throw err;
        await afterConflict(attempt);
        continue;
      }
      if (announce) await this.announce(result.type, stored, result.actor, result.details);
      if (tellIncident && stored.incidentId && this.hooks) {
        await this.hooks.changed(stored).catch((err) => this.log(`incident ${stored.incidentId} not updated for alert ${stored.id}: ${(err as Error).message}`));
      }
      return stored;
    }
  }

  /** The store is the source of truth: a bus failure is logged, never turned into a lost alert. */
  private announce(type: LifecycleType, alert: Alert, actor: string | undefined, details: Record<string, unknown> | undefined): Promise<void> {
    const event: LifecycleEvent = { id: randomUUID(), type, alertId: alert.id, at: new Date(this.clock()).toISOString(), alert, origin: this.options.instance };
    if (actor !== undefined) event.actor = actor;
    if (details !== undefined) event.details = details;
    const failed = (err: unknown) => this.log(`lifecycle event ${type} for alert ${alert.id} not published: ${(err as Error).message}`);
    try {
      return this.bus.publish(event).catch(failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  }
}

function appendEntry(alert: Alert, at: string, action: HistoryAction, by: string | undefined, details: Record<string, unknown>): Alert['history'] {
  const entry: Alert['history'][number] = { seq: (alert.history[alert.history.length - 1]?.seq ?? 0) + 1, at, action, details };
  if (by !== undefined) entry.by = by;
  return [...alert.history, entry];
}

/** Muted alerts are not escalated: the alert that mutes them is the one to act on. */
function markMuted(alert: Alert, mark: MuteMark): Alert {
  const next: Alert = { ...alert, muted: mark, history: appendEntry(alert, mark.at, 'muted', undefined, { by: mark.by, rule: mark.rule, reason: mark.reason }) };
  delete next.escalation;
  return next;
}

function unmuted(alert: Alert, at: string): Alert {
  const next: Alert = { ...alert, history: appendEntry(alert, at, 'unmuted', undefined, { by: alert.muted?.by }) };
  delete next.muted;
  return next;
}
