/**
 * CTI and CTDR together: the open CTI alerts (read from the store through the platform's API,
 * never from CTI's code) that name the attacked host (the asset matched), the attacker's
 * address (the indicator) or a threat actor the IDS rule names (its message or metadata, e.g.
 * ET's `threat_actor` and `malware_family`). Held for a short time so that a burst of IDS events asks the store
 * once, not once per event.
 */
import type { Alert } from '../platform';
import type { CtiContext } from './draft';
import { foldName } from './eve';

/** Shorter actor names ("TA", "G0") would match ordinary words of a rule's message. */
const MIN_ACTOR_NAME = 4;

interface CtiData {
  indicator?: { value?: string };
  asset?: { id?: string };
  intel?: { actors?: string[] };
}

export class CtiLink {
  private byIndicator = new Map<string, Alert[]>();
  private byAsset = new Map<string, Alert[]>();
  /** Folded actor name, space-padded (whole words only) → the CTI alerts naming it, with the name as each spells it. */
  private byActor = new Map<string, Array<{ alert: Alert; spelled: string }>>();
  private loaded = -Infinity;
  private loading?: Promise<void>;
  /** Counts the CTI changes announced (`changed`): a read begun before one is not kept as fresh. */
  private generation = 0;

  /** `query` returns the open and acknowledged CTI alerts; `ttlMs` how long an answer is reused. */
  constructor(private readonly query: () => Promise<Alert[]>, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** `ruleNames`: the IDS rule's folded, space-padded words (`EveEvent.alert.names`), if the event is an alert. */
  async related(hostId: string | undefined, victimIp: string, attacker: string, ruleNames?: string): Promise<CtiContext[]> {
    await this.refresh();
    const out = new Map<string, CtiContext>();
    const add = (alerts: Alert[] | undefined, names: CtiContext['names'], actor?: string): void => {
      for (const a of alerts ?? []) if (!out.has(a.id)) out.set(a.id, { ...contextOf(a, names), ...(actor ? { namedActor: actor } : {}) });
    };
    if (hostId) add(this.byAsset.get(hostId), 'host');
    add(this.byIndicator.get(victimIp), 'host');
    add(this.byIndicator.get(attacker), 'attacker');
    if (ruleNames) {
      for (const [actor, named] of this.byActor) {
        if (ruleNames.includes(actor)) for (const { alert, spelled } of named) add([alert], 'actor', spelled);
      }
    }
    return [...out.values()];
  }

  /**
   * A CTI alert was raised or changed: the next question reads the store again, so intelligence
   * that arrives moments before an attack is never up to `ttlMs` late (the period only spares the
   * store a burst of IDS events between changes).
   */
  changed(): void {
    this.generation++;
    this.loaded = -Infinity;
    this.loading = undefined;
  }

  private async refresh(): Promise<void> {
    if (this.now() - this.loaded < this.ttlMs) return;
    if (!this.loading) {
      const generation = this.generation;
      const loading: Promise<void> = this.query().then((alerts) => {
        if (generation === this.generation) this.index(alerts);
      }).finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    await this.loading;
  }

  private index(alerts: Alert[]): void {
    const byIndicator = new Map<string, Alert[]>();
    const byAsset = new Map<string, Alert[]>();
    const byActor = new Map<string, Array<{ alert: Alert; spelled: string }>>();
    const push = <T>(m: Map<string, T[]>, k: string | undefined, item: T): void => {
      if (k) m.set(k, [...(m.get(k) ?? []), item]);
    };
    for (const a of alerts) {
      const d = (a.data ?? {}) as CtiData;
      push(byIndicator, d.indicator?.value, a);
      push(byAsset, d.asset?.id, a);
      const actors = new Map<string, string>();
      for (const spelled of d.intel?.actors ?? []) {
        const folded = typeof spelled === 'string' ? foldName(spelled) : '';
        if (folded.length >= MIN_ACTOR_NAME && !actors.has(folded)) actors.set(folded, spelled);
      }
      for (const [folded, spelled] of actors) push(byActor, ` ${folded} `, { alert: a, spelled });
    }
    this.byIndicator = byIndicator;
    this.byAsset = byAsset;
    this.byActor = byActor;
    this.loaded = this.now();
  }
}

function contextOf(a: Alert, names: CtiContext['names']): CtiContext {
  const d = (a.data ?? {}) as CtiData;
  return {
    alertId: a.id,
    headline: a.headline,
    names,
    ...(d.indicator?.value ? { indicator: d.indicator.value } : {}),
    ...(d.asset?.id ? { asset: d.asset.id } : {}),
    ...(d.intel?.actors?.length ? { actors: d.intel.actors.slice(0, 8) } : {}),
    ...(a.tlp ? { tlp: a.tlp } : {}),
  };
}
