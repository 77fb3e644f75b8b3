import type { CtiMatch } from './match';

/**
 * False positives the cyber team has accepted: a value (domain, address, URL…; a domain entry
 * also covers its subdomains), optionally only against one asset, always with the reason, so
 * that the next analyst knows why the intelligence is ignored.
 */
export interface AllowEntry {
  value: string;
  /** Only matches against this asset id; every asset when missing. */
  asset?: string;
  reason: string;
  /** Who added it from the console (a false positive), and when; the alert that was resolved. */
  by?: string;
  at?: string;
  alertId?: string;
}

function normalise(value: string): string {
  return value.trim().toLowerCase().replace(/\.$/, '');
}

export class AllowList {
  private readonly entries: AllowEntry[];

  constructor(input: unknown) {
    if (input === undefined || input === null || input === '') input = [];
    if (!Array.isArray(input)) throw new TypeError('allow-list: must be a JSON array of {value, reason, asset?}');
    this.entries = input.map((e, i) => {
      const at = `allow-list [${i}]`;
      if (typeof e !== 'object' || e === null) throw new TypeError(`${at}: must be an object {value, reason, asset?}`);
      const { value, reason, asset } = e as Record<string, unknown>;
      if (typeof value !== 'string' || !value.trim()) throw new TypeError(`${at}: value must be a non-empty string`);
      if (typeof reason !== 'string' || !reason.trim()) throw new TypeError(`${at}: reason is required (why is '${value}' a false positive?)`);
      if (asset !== undefined && typeof asset !== 'string') throw new TypeError(`${at}: asset must be an asset id`);
      return { ...(e as AllowEntry), value: normalise(value) };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Adds an entry (a false positive marked in the console); false when one already allows it. */
  add(entry: AllowEntry): boolean {
    if (!entry.value.trim() || !entry.reason.trim()) throw new TypeError('allow-list: an entry needs a value and a reason');
    const value = normalise(entry.value);
    if (this.entries.some((e) => e.value === value && (e.asset === undefined || e.asset === entry.asset))) return false;
    this.entries.push({ ...entry, value });
    return true;
  }

  /** The entry that allows this match, if any. */
  allows(m: CtiMatch): AllowEntry | undefined {
    const value = normalise(m.indicator.value);
    return this.entries.find((e) => (e.asset === undefined || e.asset === m.asset.id) && (value === e.value || value.endsWith(`.${e.value}`)));
  }
}
