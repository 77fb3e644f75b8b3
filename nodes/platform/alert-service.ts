import { randomUUID } from 'node:crypto';
import type { EventBus } from './bus/types';
import type { DraftDefaults } from './model/draft';
import { withChanges } from './model/copy';
import { buildAlert } from './model/draft';
import { alertToCapXml } from './export/cap';
import { uuid7 } from './model/uuid7';
import type { Change } from './model/lifecycle';
import { acknowledge, addComment, assign, escalate, markSilenced, recordOccurrence, reopen, resolve } from './model/lifecycle';
import type { Alert, LifecycleEvent, LifecycleType, Silence } from './model/types';
import type { Validators } from './model/validate';
import { ValidationError } from './model/validate';
import type { EscalationPolicy } from './settings';
import type { SilenceRegistry, SilenceRequest } from './silences';
import { matches } from './silences';
import type { AlertStore, IngestResult } from './store/types';
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
}

const MAX_CAS_ATTEMPTS = 5;

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

  /** Validates and stores a draft; resolves once the write is durable. */
  async raise(draft: unknown, options: RaiseOptions = {}): Promise<IngestResult> {
    const now = this.clock();
    const at = new Date(now).toISOString();
    checkDraftData(draft, this.options.dataLimits ?? DEFAULT_ALERT_DATA_LIMITS);
    let candidate = buildAlert(draft, {
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

    const silence = this.silences.match(candidate, now);
    if (silence) candidate = markSilenced(candidate, silence, at);
    else candidate = this.scheduleEscalation(candidate, now);

    let newlySilenced = false;
    const result = await this.store.ingest(candidate, (open) => {
      let next = recordOccurrence(open, candidate, at);
      newlySilenced = false;
      if (silence && !open.silenced) {
        next = markSilenced(next, silence, at);
        newlySilenced = true;
      } else if (!silence && open.silenced) {
        delete next.silenced;
      }
      return next;
    });
    const alert = result.alert;
    await this.announce(result.outcome === 'created' ? 'created' : 'updated', alert, undefined, { count: alert.count });
    if (alert.silenced && (result.outcome === 'created' || newlySilenced)) {
      await this.announce('silenced', alert, alert.silenced.silenceId, { silenceId: alert.silenced.silenceId, reason: alert.silenced.reason });
    }
    return result;
  }

  async act(request: ActionRequest): Promise<Alert> {
    if (!ACTIONS.includes(request.action)) throw new TypeError(`unknown action ${String(request.action)} (use ${ACTIONS.join(', ')})`);
    if (typeof request.alertId !== 'string' || !request.alertId) throw new TypeError('an action needs the alert id');
    if (typeof request.by !== 'string' || !request.by.trim()) throw new TypeError('an action needs the user who takes it');
    const by = request.by.trim();
    return this.mutate(request.alertId, (alert, now) => {
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
          const change = reopen(alert, by, at, request.text);
          return { ...change, alert: this.scheduleEscalation(change.alert, now) };
        }
      }
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

  private scheduleEscalation(alert: Alert, now: number): Alert {
    const step = this.options.escalation[alert.priority];
    if (!step || alert.status === 'Test') return alert;
    return withChanges(alert, { escalation: { level: 0, nextAt: new Date(now + step.afterMinutes * 60_000).toISOString() } });
  }

  /**
   * Read, change, compare-and-set, retried when another writer got there first. `change`
   * may return undefined to leave the alert as it is.
   */
  private async mutate(id: string, change: (alert: Alert, now: number) => Change | undefined): Promise<Alert> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.store.get(id);
      if (!current) throw new NotFoundError(id);
      const result = change(current, this.clock());
      if (!result) return current;
      try {
        const stored = await this.store.replace(result.alert);
        await this.announce(result.type, stored, result.actor, result.details);
        return stored;
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= MAX_CAS_ATTEMPTS) throw err;
      }
    }
  }

  /** The store is the source of truth: a bus failure is logged, never turned into a lost alert. */
  private async announce(type: LifecycleType, alert: Alert, actor: string | undefined, details: Record<string, unknown> | undefined): Promise<void> {
    const event: LifecycleEvent = { id: randomUUID(), type, alertId: alert.id, at: new Date(this.clock()).toISOString(), alert, origin: this.options.instance };
    if (actor !== undefined) event.actor = actor;
    if (details !== undefined) event.details = details;
    try {
      await this.bus.publish(event);
    } catch (err) {
      this.log(`lifecycle event ${type} for alert ${alert.id} not published: ${(err as Error).message}`);
    }
  }
}
