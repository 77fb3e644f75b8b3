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
  by?: string;
  at?: string;
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
      return { ...(e as AllowEntry), value: value.trim().toLowerCase().replace(/\.$/, '') };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry that allows this match, if any. */
  allows(m: CtiMatch): AllowEntry | undefined {
    const value = m.indicator.value.trim().toLowerCase().replace(/\.$/, '');
    return this.entries.find((e) => (e.asset === undefined || e.asset === m.asset.id) && (value === e.value || value.endsWith(`.${e.value}`)));
  }
}
