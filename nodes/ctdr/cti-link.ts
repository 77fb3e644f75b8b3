/**
 * CTI and CTDR together: the open CTI alerts (read from the store through the platform's API,
 * never from CTI's code) that name the attacked host (the asset matched) or the attacker's
 * address (the indicator). Held for a short time so that a burst of IDS events asks the store
 * once, not once per event.
 */
import type { Alert } from '../platform';
import type { CtiContext } from './draft';

interface CtiData {
  indicator?: { value?: string };
  asset?: { id?: string };
  intel?: { actors?: string[] };
}

export class CtiLink {
  private byIndicator = new Map<string, Alert[]>();
  private byAsset = new Map<string, Alert[]>();
  private loaded = -Infinity;
  private loading?: Promise<void>;

  /** `query` returns the open and acknowledged CTI alerts; `ttlMs` how long an answer is reused. */
  constructor(private readonly query: () => Promise<Alert[]>, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async related(hostId: string | undefined, victimIp: string, attacker: string): Promise<CtiContext[]> {
    await this.refresh();
    const out = new Map<string, CtiContext>();
    const add = (alerts: Alert[] | undefined, names: CtiContext['names']): void => {
      for (const a of alerts ?? []) if (!out.has(a.id)) out.set(a.id, contextOf(a, names));
    };
    if (hostId) add(this.byAsset.get(hostId), 'host');
    add(this.byIndicator.get(victimIp), 'host');
    add(this.byIndicator.get(attacker), 'attacker');
    return [...out.values()];
  }

  private async refresh(): Promise<void> {
    if (this.now() - this.loaded < this.ttlMs) return;
    this.loading ??= this.query().then((alerts) => {
      const byIndicator = new Map<string, Alert[]>();
      const byAsset = new Map<string, Alert[]>();
      const push = (m: Map<string, Alert[]>, k: string | undefined, a: Alert): void => {
        if (k) m.set(k, [...(m.get(k) ?? []), a]);
      };
      for (const a of alerts) {
        const d = (a.data ?? {}) as CtiData;
        push(byIndicator, d.indicator?.value, a);
        push(byAsset, d.asset?.id, a);
      }
      this.byIndicator = byIndicator;
      this.byAsset = byAsset;
      this.loaded = this.now();
    }).finally(() => { this.loading = undefined; });
    await this.loading;
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
