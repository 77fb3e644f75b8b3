/**
 * The incident service: groups each new alert into an incident by the rules, keeps each
 * incident's member snapshots, priority and title up to date, and turns an action on an
 * incident into the same action on its members, through the AlertService like every other
 * operator action. The store is the arbiter between runtimes: an incident is written with
 * compare-and-set, and only one accepting incident may hold a key (IncidentStore).
 */
import type { ActionName, ActionRequest, AlertHooks, AlertService } from '../alert-service';
import { ACTIONS } from '../alert-service';
import { TransitionError } from '../model/lifecycle';
import { uuid7 } from '../model/uuid7';
import type { Alert, AlertState, MuteMark } from '../model/types';
import type { IncidentQuery, IncidentStore, Page } from '../store/types';
import { afterConflict, MAX_CAS_ATTEMPTS } from '../store/conflict';
import { ConflictError, IncidentKeyTakenError, NotFoundError } from '../store/types';
import { Inhibitor } from './inhibition';
import {
  acknowledgeIncident, addMember, addMembers, assignIncident, closeToNew, commentIncident, openIncident, refreshMember, releaseMembers, removeMember,
  reopenIncident, resolveIncident, tickStep,
} from './model';
import { atOnePlace, digestFor, incidentKey, rulesFor, samePlace } from './rules';
import type { Incident, IncidentMember, IncidentRule, IncidentSettings } from './types';

/** A repeat moves the incident's lastSeen (which keeps it accepting) at most this often: a storm of one alert is not a storm of incident writes. */
const LAST_SEEN_STEP_MS = 60_000;

export interface IncidentActionRequest {
  action: ActionName;
  incidentId: string;
  by: string;
  /** Reason (resolve, reopen), comment text (comment), note (acknowledge). */
  text?: string;
  assignee?: string;
  /** Where the action came from when not the console (`Telegram`, `Rocket.Chat`): recorded in the incident's audit entry. */
  via?: string;
}

export interface MemberOutcome {
  alertId: string;
  status: 'done' | 'skipped' | 'failed';
  error?: string;
}

export interface IncidentActionResult {
  incident: Incident;
  members: MemberOutcome[];
}

/** Acts on one member; the console passes its own, which checks the user's role and view (ConsoleRuntime.act). */
export type MemberAct = (request: ActionRequest) => Promise<Alert>;

/** The member states an incident action applies to; members in other states are skipped. */
const APPLIES: Record<ActionName, AlertState[]> = {
  acknowledge: ['open'],
  assign: ['open', 'acknowledged'],
  resolve: ['open', 'acknowledged'],
  reopen: ['resolved'],
  comment: [],
};

/** A new alert waiting for its key's grouping. */
interface Waiting {
  alert: Alert;
  candidates: ReturnType<typeof rulesFor>;
  /** The digest rule that takes it when no place incident does. */
  digest?: IncidentRule;
  resolve(alert: Alert): void;
  reject(reason: unknown): void;
}

export interface IncidentServiceOptions {
  clock?: () => number;
  log?: (message: string) => void;
  /** Tells the other runtimes about an incident this one wrote (the platform publishes it on the bus). */
  announce?: (incident: Incident) => void;
}

/** Incidents whose last version told to the listeners is remembered, so an older one is never told after a newer one. */
const REMEMBERED_VERSIONS = 10_000;

export class IncidentService implements AlertHooks {
  readonly inhibitor: Inhibitor;
  private rules: IncidentRule[];
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  /** The grouping run of each key in this runtime, while alerts of that key wait; see created(). */
  private readonly grouping = new Map<string, Promise<void>>();
  /**
   * Digest writes of this runtime, one after another per digest key: a digest gathers alerts of
   * every place, whose per-key queues would otherwise write it at once and lose the
   * compare-and-set to each other (each loss a rescan of the accepting incidents).
   */
  private readonly digestTurns = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(incident: Incident) => void>();
  /** The alerts of each key waiting to be grouped. */
  private readonly waiting = new Map<string, Waiting[]>();
  /** The latest version of each incident told to the listeners, oldest first (bounded). */
  private readonly told = new Map<string, number>();
  private readonly announce: (incident: Incident) => void;

  constructor(readonly store: IncidentStore, private readonly alerts: AlertService, readonly settings: IncidentSettings, options: IncidentServiceOptions = {}) {
    this.rules = [...settings.rules];
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.announce = options.announce ?? (() => undefined);
    this.inhibitor = new Inhibitor(settings.inhibit, store, alerts.store, this.clock);
  }

  /** The grouping rules in force: the settings', or those an impetus-incident-rules node set. */
  get currentRules(): readonly IncidentRule[] {
    return this.rules;
  }

  setRules(rules: readonly IncidentRule[] | undefined): void {
    this.rules = [...(rules ?? this.settings.rules)];
  }

  private ruleOf(incident: Pick<Incident, 'rule'>): IncidentRule | undefined {
    return this.rules.find((r) => r.id === incident.rule) ?? this.settings.rules.find((r) => r.id === incident.rule);
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /**
   * Called with every incident this runtime writes (a member in or out, an action, a tick, a
   * comment) and, through the bus, every incident another runtime sharing the store writes, for
   * the chat cards and the console's live updates. Each incident's versions come in order: an
   * older version arriving after a newer one is not told.
   */
  onChange(listener: (incident: Incident) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A write of this runtime: told here and announced to the others. */
  private saved(incident: Incident): Incident {
    this.tell(incident);
    try {
      this.announce(incident);
    } catch (err) {
      this.log(`incident ${incident.id} not announced: ${(err as Error).message}`);
    }
    return incident;
  }

  /**
   * Another runtime wrote version `version` of an incident (its event on the bus): the listeners
   * get the incident as the shared store holds it now, unless they already have that version.
   */
  async changedElsewhere(incidentId: string, version: number): Promise<void> {
    if ((this.told.get(incidentId) ?? -1) >= version) return;
    const incident = await this.store.getIncident(incidentId);
    if (incident) this.tell(incident);
  }

  /** Tells the listeners; a failing listener is logged and never fails the write it follows. */
  private tell(incident: Incident): void {
    if ((this.told.get(incident.id) ?? -1) >= incident.version) return;
    this.told.delete(incident.id);
    this.told.set(incident.id, incident.version);
    if (this.told.size > REMEMBERED_VERSIONS) this.told.delete(this.told.keys().next().value!);
    for (const listener of this.listeners) {
      try {
        listener(incident);
      } catch (err) {
        this.log(`incident listener failed: ${(err as Error).message}`);
      }
    }
  }

  get(id: string): Promise<Incident | undefined> {
    return this.store.getIncident(id);
  }

  query(query: IncidentQuery): Promise<Page<Incident>> {
    return this.store.queryIncidents(query);
  }

  // ---- hooks of the alert path ----

  mute(candidate: Alert): Promise<MuteMark | undefined> {
    return this.inhibitor.muteFor(candidate);
  }

  /**
   * Groups a new alert: into an accepting incident of a rule its tool takes part in, or a new one.
   * Within this runtime, alerts of one place are grouped one after another (one queue per key): a
   * storm of concurrent raises into one incident would otherwise read the same version and lose
   * the compare-and-set to each other, retrying each time. The alerts that queued while a write
   * for their key was in flight join the key's incident together, in one write (joinHolder).
   * Compare-and-set still arbitrates between runtimes.
   */
  created(alert: Alert): Promise<Alert> {
    if (alert.state === 'resolved' || alert.incidentId) return Promise.resolve(alert);
    const candidates = rulesFor(alert.tool, this.rules);
    const digest = digestFor(alert, this.rules);
    if (!candidates.length && !digest) return Promise.resolve(alert);
    const key = incidentKey(alert, candidates[0]?.rule ?? digest!);
    return new Promise<Alert>((resolve, reject) => {
      let queue = this.waiting.get(key);
      if (!queue) this.waiting.set(key, (queue = []));
      queue.push({ alert, candidates, digest, resolve, reject });
      if (!this.grouping.has(key)) this.grouping.set(key, this.drain(key, queue));
    });
  }

  /** Groups the key's waiting alerts, batch after batch, until none waits. */
  private async drain(key: string, queue: Waiting[]): Promise<void> {
    // The key's incident as this run last wrote it: the next batch adds to it without reading it
    // back, and the version compare-and-set catches any other writer (a miss costs a read).
    const last: { holder?: Incident } = {};
    let batch: Waiting[] = [];
    try {
      while (queue.length) {
        batch = queue.splice(0, this.settings.maxMembers);
        while (batch.length) {
          batch = await this.joinHolder(key, batch, last);
          if (!batch.length) break;
          // Not taken by the key's incident (none yet, full, its window passed, or another rule's):
          // the first alert takes the single path, which may open the next incident for the rest.
          const [first, ...rest] = batch;
          last.holder = undefined;
          batch = rest;
          await this.group(first.alert, first.candidates, first.digest).then(first.resolve, first.reject);
        }
      }
    } catch (err) {
      // Not expected (each step settles its alerts), but no alert may wait for ever on its key.
      for (const item of [...batch, ...queue.splice(0)]) item.reject(err);
    } finally {
      // Nothing can have queued since the last check: it ran in this same turn.
      this.grouping.delete(key);
      this.waiting.delete(key);
    }
  }

  /**
   * Puts every waiting alert that the incident holding `key` takes into it, in one write, and
   * settles them; answers the alerts it did not take. On any failure (another runtime wrote the
   * incident first), it takes none and each alert goes the single path.
   */
  private async joinHolder(key: string, batch: Waiting[], last: { holder?: Incident }): Promise<Waiting[]> {
    let written: Incident;
    const taken: Waiting[] = [];
    const left: Waiting[] = [];
    try {
      const holder = last.holder ?? await this.store.incidentByKey(key);
      last.holder = undefined;
      if (!holder) return batch;
      const now = this.clock();
      const at = this.now();
      const rule = this.ruleOf(holder);
      // Room is counted here, since the members are added all at once below.
      const room = this.settings.maxMembers - holder.members.length;
      for (const item of batch) {
        const c = item.candidates.find((x) => x.rule.id === holder.rule);
        if (c && taken.length < room && this.fits(holder, item.alert, c.rule, now)) taken.push(item);
        else left.push(item);
      }
      if (!taken.length) return batch;
      written = this.saved(await this.store.replaceIncident(addMembers(holder, taken.map((item) => item.alert), rule, at)));
      last.holder = written;
    } catch {
      return batch;
    }
    const marked = await Promise.allSettled(taken.map(async (item) => this.caughtUp(written, await this.alerts.setIncident(item.alert.id, written.id, undefined, { incidentId: written.id }, false))));
    this.inhibitor.joined(written);
    // The members are grouped whatever happens to muting: a failure there is the inhibitor's to report.
    await this.muteOpen(written).catch((err) => this.log(`muting the alerts under incident ${written.id} failed: ${(err as Error).message}`));
    marked.forEach((result, i) => (result.status === 'fulfilled' ? taken[i].resolve(result.value) : taken[i].reject(result.reason)));
    return left;
  }

  /**
   * Place rules first: the alert joins an incident of its place, or opens one. A P3 or P4 alert
   * that would open one alone, or stand alone, goes into its digest instead. A muted alert never
   * does: it is no item in the queue (what mutes it is), and a digest gathers only what would be;
   * when it has companions at its place in a digest (the alerts of that place that went there
   * before it, within the place rule's window), it opens its place incident and takes them out
   * of the digest into it: the digest only keeps what stands alone.
   */
  private async group(alert: Alert, candidates: ReturnType<typeof rulesFor>, digest: IncidentRule | undefined): Promise<Alert> {
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      try {
        const { joined, scanned } = await this.join(alert, candidates);
        if (joined) return await this.grouped(alert, joined, undefined);
        // A muted alert joins an incident but opens none: what mutes it is the item to act on.
        const opener = alert.muted ? undefined : candidates.find((c) => c.opens);
        const companions = opener ? await this.companions(alert, opener.rule, scanned) : [];
        if (digest && !alert.muted && !companions.length) {
          const digested = await this.intoDigest(alert, digest);
          if (digested) {
            // Marked as in the digest first: an opener reading the digests after this counts the
            // alert as its companion only then (companions), and this reads after that write.
            const marked = await this.grouped(alert, digested, undefined);
            const placed = await this.placeAfterDigest(alert, digested, candidates);
            return placed.id === digested.id ? marked : (await this.alerts.store.get(alert.id)) ?? marked;
          }
        }
        if (!opener) return alert;
        const opened = await this.openFor(alert, opener.rule);
        if (!opened) return alert;
        // Written, now read again: an alert of this place that went into its digest after the
        // scan above looked for this incident before it was written (placeAfterDigest), so one
        // of the two must look once the other has written.
        const all = [...companions, ...(await this.companions(alert, opener.rule, await this.acceptingSince(alert, opener.rule.windowMinutes)))];
        const taken = [...new Map(all.map((c) => [c.alert.id, c])).values()];
        return await this.grouped(alert, taken.length ? await this.takeFromDigests(opened, taken, opener.rule) : opened, undefined);
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof IncidentKeyTakenError) || attempt === MAX_CAS_ATTEMPTS) throw err;
        await afterConflict(attempt);
      }
    }
    return alert;
  }

  /**
   * The accepting incident the alert joins, written with it as a member (`joined`); else the
   * accepting incidents read while looking (`scanned`), digests included.
   */
  private async join(alert: Alert, candidates: ReturnType<typeof rulesFor>): Promise<{ joined?: Incident; scanned: Incident[] }> {
    if (!candidates.length) return { scanned: [] };
    const now = this.clock();
    // The incident holding the alert's own key is the one a storm joins: one indexed read instead
    // of reading every accepting incident (each up to maxMembers members) for every new alert.
    for (const c of candidates) {
      const holder = await this.store.incidentByKey(incidentKey(alert, c.rule));
      if (holder && this.fits(holder, alert, c.rule, now)) return { joined: this.saved(await this.store.replaceIncident(addMember(holder, alert, c.rule, this.now()))), scanned: [] };
    }
    const open = await this.acceptingSince(alert, Math.max(...candidates.map((c) => c.rule.windowMinutes)));
    for (const incident of open) {
      const c = candidates.find((x) => x.rule.id === incident.rule);
      if (!c || !this.fits(incident, alert, c.rule, now)) continue;
      return { joined: this.saved(await this.store.replaceIncident(addMember(incident, alert, c.rule, this.now()))), scanned: [] };
    }
    return { scanned: open };
  }

  /** The incidents (digests included) still taking members of the alert's status, seen within the last `minutes`. */
  private async acceptingSince(alert: Alert, minutes: number): Promise<Incident[]> {
    const since = new Date(this.clock() - minutes * 60_000).toISOString();
    return (await this.store.queryIncidents({ accepting: true, state: ['open', 'acknowledged'], status: alert.status, since, sort: 'priority', limit: 200 })).items;
  }

  /** Whether the accepting incident takes the alert by the rule: room, window and place (for a digest, its priorities). */
  private fits(incident: Incident, alert: Alert, rule: IncidentRule, now: number): boolean {
    if (incident.state === 'resolved' || incident.status !== alert.status || incident.rule !== rule.id) return false;
    if (incident.removed.includes(alert.id) || incident.members.length >= this.settings.maxMembers) return false;
    if (this.windowPassed(incident, rule, now)) return false;
    if (incident.digest) return incident.digest.priorities.includes(alert.priority);
    return samePlace(incident, alert, rule);
  }

  /** A place incident's window slides with its last member; a digest's is fixed from its first, like a shift. */
  private windowPassed(incident: Incident, rule: IncidentRule, now: number): boolean {
    if (incident.digest) return now > Date.parse(incident.digest.until);
    return now - Date.parse(incident.lastSeen) > rule.windowMinutes * 60_000;
  }

  /** The alert's digest (the key's accepting one, or a new one), written with it as a member. */
  private intoDigest(alert: Alert, rule: IncidentRule): Promise<Incident | undefined> {
    const key = incidentKey(alert, rule);
    return this.digestTurn(key, async () => {
      const holder = await this.store.incidentByKey(key);
      if (holder && this.fits(holder, alert, rule, this.clock())) return this.saved(await this.store.replaceIncident(addMember(holder, alert, rule, this.now())));
      return this.openFor(alert, rule);
    });
  }

  /**
   * An incident of the alert's place may have opened while the alert went into its digest (the
   * first alerts of an event raised at once): its opener looked for companions in the digests
   * before this alert was there. Both write, then read (the opener reads the digests again once
   * its incident is written; this runs once the alert is marked as in the digest), so one of them
   * sees the other: here the alert leaves the digest for the incident of its place. If both do,
   * the second finds it gone from the digest and takes nothing.
   */
  private async placeAfterDigest(alert: Alert, digested: Incident, candidates: ReturnType<typeof rulesFor>): Promise<Incident> {
    const now = this.clock();
    for (const c of candidates) {
      const holder = await this.store.incidentByKey(incidentKey(alert, c.rule));
      if (holder && !holder.digest && this.fits(holder, alert, c.rule, now)) return this.takeFromDigests(holder, [{ digest: digested, alert }], c.rule);
    }
    return digested;
  }

  /** Runs `write` after this runtime's earlier writes of the digest with this key have settled. */
  private digestTurn<T>(key: string, write: () => Promise<T>): Promise<T> {
    const turn = (this.digestTurns.get(key) ?? Promise.resolve()).then(write, write);
    const settled = turn.catch(() => undefined);
    this.digestTurns.set(key, settled);
    void settled.then(() => {
      if (this.digestTurns.get(key) === settled) this.digestTurns.delete(key);
    });
    return turn;
  }

  /**
   * The members of the scanned digests that are at the alert's place by the place rule, still
   * unresolved and seen within its window: had they opened an incident of their place, the alert
   * would join it. Members an operator moved into a digest stay there.
   */
  private async companions(alert: Alert, rule: IncidentRule, scanned: readonly Incident[]): Promise<Array<{ digest: Incident; alert: Alert }>> {
    const now = this.clock();
    const tools = new Set([...rule.tools, ...(rule.context ?? [])]);
    const found: Array<{ digest: Incident; alert: Alert }> = [];
    for (const digest of scanned) {
      if (!digest.digest || digest.status !== alert.status || digest.state === 'resolved') continue;
      for (const m of digest.members) {
        if (m.by !== undefined || m.state === 'resolved' || !tools.has(m.tool) || !atOnePlace(m, alert, rule)) continue;
        const member = await this.alerts.store.get(m.alertId);
        if (!member || member.incidentId !== digest.id || member.state === 'resolved' || now - Date.parse(member.lastSeen) > rule.windowMinutes * 60_000) continue;
        found.push({ digest, alert: member });
      }
    }
    return found;
  }

  /** Members leave a digest by rule; a digest left empty so resolves itself: nothing in it is left to act on. */
  private release(digest: Incident, alertIds: string[], details: Record<string, unknown>): Incident {
    const next = releaseMembers(digest, alertIds, this.ruleOf(digest), this.now(), details);
    return next.members.length || next.state === 'resolved' ? next : resolveIncident(next, 'every alert left the digest', 'impetus', this.now());
  }

  /** Takes the companions out of their digests into the incident just opened at their place, audited on both and on each alert. */
  private async takeFromDigests(opened: Incident, companions: Array<{ digest: Incident; alert: Alert }>, rule: IncidentRule): Promise<Incident> {
    let incident = opened;
    for (const digestId of new Set(companions.map((c) => c.digest.id))) {
      const wanted = companions.filter((c) => c.digest.id === digestId).map((c) => c.alert);
      let leaving: Alert[] = [];
      const digestKey = companions.find((c) => c.digest.id === digestId)!.digest.key;
      await this.digestTurn(digestKey, () => this.update(digestId, (digest) => {
        // Only those still in it as a rule put them (an operator may have moved one meanwhile).
        leaving = wanted.filter((a) => digest.members.some((m) => m.alertId === a.id && m.by === undefined));
        return leaving.length ? this.release(digest, leaving.map((a) => a.id), { to: opened.id, reason: 'an incident of its place took it' }) : undefined;
      }));
      if (!leaving.length) continue;
      incident = await this.update(opened.id, (current) => addMembers(current, leaving, rule, this.now(), undefined, { from: digestId }));
      for (const a of leaving) {
        await this.alerts.setIncident(a.id, opened.id, undefined, { incidentId: opened.id, from: digestId }, true)
          .catch((err) => this.log(`alert ${a.id} left digest ${digestId} but was not marked as in incident ${opened.id}: ${(err as Error).message}`));
      }
    }
    return incident;
  }

  /**
   * Opens an incident for the alert. When another accepting incident holds the key (another
   * runtime opened it a moment ago, or an older one whose window passed), the alert joins it or
   * closes the old one to new members and tries again.
   */
  private async openFor(alert: Alert, rule: IncidentRule): Promise<Incident | undefined> {
    const key = incidentKey(alert, rule);
    const at = this.now();
    // Twice at most: after closing a stale holder the key is free, and the scan of the other
    // accepting incidents (join) that just found none for this alert need not run again.
    for (let round = 1; ; round++) {
      try {
        return this.saved(await this.store.createIncident(openIncident(rule, alert, { id: `inc-${uuid7(this.clock())}`, key, at })));
      } catch (err) {
        if (!(err instanceof IncidentKeyTakenError)) throw err;
      }
      const holder = await this.store.incidentByKey(key);
      if (!holder) throw new IncidentKeyTakenError(key); // released meanwhile: the caller tries again
      const stale = this.windowPassed(holder, rule, this.clock()) || holder.members.length >= this.settings.maxMembers;
      if (stale) {
        this.saved(await this.store.replaceIncident(closeToNew(holder, at, holder.members.length >= this.settings.maxMembers ? 'member limit reached' : 'grouping window passed')));
        if (round === 1) continue;
        throw new IncidentKeyTakenError(key);
      }
      if (holder.removed.includes(alert.id) || (holder.digest && !holder.digest.priorities.includes(alert.priority))) return undefined;
      return this.saved(await this.store.replaceIncident(addMember(holder, alert, rule, at)));
    }
  }

  /**
   * The member was written from the alert as it was read; until the alert names the incident, a
   * change to it (another runtime's inhibition muting it, an operator's acknowledgement) cannot
   * reach the incident, so the snapshot is brought up to date here when it fell behind.
   */
  private async caughtUp(incident: Incident, marked: Alert): Promise<Alert> {
    const member = incident.members.find((m) => m.alertId === marked.id);
    if (member && !isCurrent(member, marked)) await this.changed(marked).catch((err) => this.log(`incident ${incident.id} not updated for alert ${marked.id}: ${(err as Error).message}`));
    return marked;
  }

  /** Marks the alert as the incident's member, then mutes what the incident now inhibits. */
  private async grouped(alert: Alert, incident: Incident, by: string | undefined, details: Record<string, unknown> = {}): Promise<Alert> {
    // A new alert's `created` event follows and names the incident; a move is announced as `grouped`.
    const marked = await this.caughtUp(incident, await this.alerts.setIncident(alert.id, incident.id, by, { ...details, incidentId: incident.id }, by !== undefined));
    this.inhibitor.joined(incident);
    // The alert is grouped whatever happens to muting (as in joinHolder): a failure there is logged.
    await this.muteOpen(incident).catch((err) => this.log(`muting the alerts under incident ${incident.id} failed: ${(err as Error).message}`));
    return marked;
  }

  /** A new P1 armed-threat incident also mutes the lower alerts already open in its zone, as a new silence does. */
  private async muteOpen(incident: Incident): Promise<void> {
    for (const rule of this.inhibitor.zoneRulesFor(incident)) {
      const page = await this.alerts.store.query({ state: ['open', 'acknowledged'], zone: incident.zone, status: incident.status, tool: rule.target.tools, limit: 500 });
      for (const alert of page.items) {
        if (alert.muted || alert.priority === 'P1' || alert.priority <= incident.priority) continue;
        await this.alerts.setMuted(alert.id, { by: `incident:${incident.id}`, rule: rule.id, reason: rule.reason, at: this.now() })
          .catch((err) => this.log(`muting alert ${alert.id} failed: ${(err as Error).message}`));
      }
    }
  }

  /**
   * A member changed (repeat, action, mute): its snapshot follows, and an incident whose members
   * are all resolved resolves. A digest member raised above the digest's priorities (a repeat
   * that became P2) leaves it and is grouped again by the place rules, as a new alert would be:
   * an urgent alert is never left in a digest.
   */
  async changed(alert: Alert): Promise<void> {
    if (!alert.incidentId) return;
    let raised: string | undefined;
    await this.update(alert.incidentId, (incident) => {
      const member = incident.members.find((m) => m.alertId === alert.id);
      if (!member) return undefined;
      raised = undefined;
      if (incident.digest && !incident.digest.priorities.includes(alert.priority)) {
        raised = incident.id;
        return this.release(incident, [alert.id], { reason: `raised to ${alert.priority}, above the digest's priorities` });
      }
      const repeatOnly = isCurrent(member, alert);
      if (repeatOnly && Date.parse(alert.lastSeen) - Date.parse(incident.lastSeen) < LAST_SEEN_STEP_MS) return undefined;
      let next = refreshMember(incident, alert, this.ruleOf(incident));
      if (next && next.state !== 'resolved' && next.members.length && next.members.every((m) => m.state === 'resolved')) {
        next = resolveIncident(next, 'every member alert is resolved', 'impetus', this.now());
      }
      return next;
    });
    if (raised === undefined) return;
    const out = await this.alerts.setIncident(alert.id, undefined, undefined, { from: raised, reason: `raised to ${alert.priority}` }, true);
    await this.created(out);
  }

  // ---- operator actions ----

  /**
   * An action on the incident and on each of its members it applies to (acknowledge: the open
   * ones; resolve: the unresolved ones…), each member through `actOnMember` with `via` naming the
   * incident. `only` limits the members to those the acting user may see. A comment stays on the
   * incident. The incident's own audit gets one entry.
   */
  async act(request: IncidentActionRequest, actOnMember: MemberAct = (r) => this.alerts.act(r), only?: ReadonlySet<string>): Promise<IncidentActionResult> {
    if (!ACTIONS.includes(request.action)) throw new TypeError(`unknown action ${String(request.action)} (use ${ACTIONS.join(', ')})`);
    if (typeof request.by !== 'string' || !request.by.trim()) throw new TypeError('an action needs the user who takes it');
    const by = request.by.trim();
    const apply = (incident: Incident): Incident => {
      const at = this.now();
      switch (request.action) {
        case 'acknowledge':
          return acknowledgeIncident(incident, by, at, request.text);
        case 'assign':
          return assignIncident(incident, request.assignee ?? '', by, at);
        case 'comment':
          return commentIncident(incident, request.text ?? '', by, at);
        case 'resolve':
          return resolveIncident(incident, request.text ?? '', by, at);
        case 'reopen':
          return reopenIncident(incident, by, at, request.text);
      }
    };
    const before = await this.store.getIncident(request.incidentId);
    if (!before) throw new NotFoundError(request.incidentId);
    apply(before); // refuses a transition the incident cannot take before any member is touched
    const members: MemberOutcome[] = [];
    for (const member of before.members) {
      if (only && !only.has(member.alertId)) continue;
      if (!APPLIES[request.action].includes(member.state)) {
        members.push({ alertId: member.alertId, status: 'skipped' });
        continue;
      }
      try {
        await actOnMember({ action: request.action, alertId: member.alertId, by, text: request.text, assignee: request.assignee, via: before.id });
        members.push({ alertId: member.alertId, status: 'done' });
      } catch (err) {
        members.push({ alertId: member.alertId, status: 'failed', error: (err as Error).message });
      }
    }
    const incident = await this.update(request.incidentId, async (current) => {
      let next = current;
      for (const m of current.members) {
        if (!members.some((o) => o.alertId === m.alertId && o.status === 'done')) continue;
        const alert = await this.alerts.store.get(m.alertId);
        if (alert) next = refreshMember(next, alert, this.ruleOf(next)) ?? next;
      }
      try {
        const applied = apply(next);
        return request.via ? stampVia(applied, request.via) : applied;
      } catch (err) {
        // Another operator took the same step meanwhile: the members are still brought up to date.
        if (err instanceof TransitionError) return next === current ? undefined : next;
        throw err;
      }
    });
    this.inhibitor.invalidate();
    return { incident, members };
  }

  /**
   * Moves an alert into an incident (`incidentId`) or out of its incident (undefined), as an
   * operator: both incidents and the alert record it. An alert moved out is never put back by a rule.
   */
  async move(request: { alertId: string; incidentId?: string; by: string; reason?: string }): Promise<{ alert: Alert; from?: Incident; to?: Incident }> {
    const by = request.by?.trim();
    if (!by) throw new TypeError('a move needs the user who makes it');
    const alert = await this.alerts.store.get(request.alertId);
    if (!alert) throw new NotFoundError(request.alertId);
    if (alert.incidentId === request.incidentId) return { alert };
    let to: Incident | undefined;
    if (request.incidentId !== undefined) {
      const target = await this.store.getIncident(request.incidentId);
      if (!target) throw new NotFoundError(request.incidentId);
      if (target.state === 'resolved') throw new TransitionError(target.id, 'move an alert into', target.state);
      if (target.status !== alert.status) throw new TypeError(`a ${alert.status} alert cannot join a ${target.status} incident`);
      if (target.digest && !target.digest.priorities.includes(alert.priority)) {
        throw new TypeError(`a ${alert.priority} alert cannot join a digest of ${target.digest.priorities.join(' and ')} alerts: move it into its event's incident`);
      }
    }
    let from: Incident | undefined;
    if (alert.incidentId) {
      from = await this.update(alert.incidentId, (incident) =>
        incident.members.some((m) => m.alertId === alert.id) ? removeMember(incident, alert.id, this.ruleOf(incident), this.now(), by, request.reason) : undefined);
    }
    if (request.incidentId !== undefined) {
      to = await this.update(request.incidentId, (incident) => addMember(incident, alert, this.ruleOf(incident), this.now(), by));
    }
    const details: Record<string, unknown> = { moved: true };
    if (request.reason) details.reason = request.reason;
    if (alert.incidentId) details.from = alert.incidentId;
    const moved = to ? await this.grouped(alert, to, by, details) : await this.alerts.setIncident(alert.id, undefined, by, details);
    // The incident it left may have stopped muting (a move out can lower its priority).
    if (from) this.inhibitor.invalidate();
    return { alert: moved, from, to };
  }

  /** Ticks (or unticks) a playbook step; the tick is audited on the incident. */
  async tick(request: { incidentId: string; step: string; done: boolean; by: string }): Promise<Incident> {
    const by = request.by?.trim();
    if (!by) throw new TypeError('a tick needs the user who makes it');
    if (typeof request.done !== 'boolean') throw new TypeError('done must be true or false');
    return this.update(request.incidentId, (incident) => tickStep(incident, request.step, request.done, by, this.now()));
  }

  /** Read, change, compare-and-set, retried when another writer (or runtime) got there first. */
  private async update(id: string, change: (incident: Incident) => Incident | undefined | Promise<Incident | undefined>): Promise<Incident> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.getIncident(id);
      if (!current) throw new NotFoundError(id);
      const next = await change(current);
      if (!next || next === current) return current;
      try {
        return this.saved(await this.store.replaceIncident(next));
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= MAX_CAS_ATTEMPTS) throw err;
        await afterConflict(attempt);
      }
    }
  }
}

/** Whether the member's snapshot shows the alert as it is (a repeat's count and time aside). */
function isCurrent(member: IncidentMember, alert: Alert): boolean {
  return member.state === alert.state && member.priority === alert.priority && member.headline === alert.headline && member.mutedBy === alert.muted?.by;
}

/** The action's own audit entry (the last one) says where it came from, as a member's `via` does. */
function stampVia(incident: Incident, via: string): Incident {
  const history = [...incident.history];
  const last = history[history.length - 1];
  if (last) history[history.length - 1] = { ...last, details: { ...last.details, via } };
  return { ...incident, history };
}
