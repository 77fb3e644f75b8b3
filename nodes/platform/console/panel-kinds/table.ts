/**
 * Table panel state: rows by key, in arrival order, at most `maxRows` (the oldest go). Row
 * actions are buttons whose clicks come back to the node's output with who clicked.
 */
import type { Role } from '../settings';
import type { PanelState } from '../panels';

export interface TableOptions {
  columns: Array<{ field: string; label: string }>;
  key: string;
  actions: Array<{ name: string; label: string }>;
  /** Roles that may press the row actions; a read-only view never may. */
  actionRoles: Role[];
  maxRows: number;
}

export type Row = Record<string, unknown>;

const MAX_ROW_BYTES = 16 * 1024;

export class TableState implements PanelState {
  private readonly rows = new Map<string, Row>();
  private changed = false;

  constructor(readonly options: TableOptions & Record<string, unknown>) {}

  keyOf(row: Row): string {
    const key = row[this.options.key];
    if (typeof key !== 'string' && typeof key !== 'number') throw new TypeError(`every row needs a string or number "${this.options.key}" (the table's key field)`);
    return String(key);
  }

  private check(row: unknown): Row {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new TypeError('a row must be an object');
    if (JSON.stringify(row).length > MAX_ROW_BYTES) throw new RangeError('a row must be at most 16 KiB of JSON');
    return row as Row;
  }

  replace(rows: unknown[]): void {
    // Every row is checked before any is taken, so a bad message leaves the table as it was.
    const checked = rows.map((r) => this.check(r));
    for (const r of checked) this.keyOf(r);
    this.rows.clear();
    for (const r of checked.slice(-this.options.maxRows)) this.rows.set(this.keyOf(r), r);
    this.changed = true;
  }

  upsert(row: unknown): void {
    const r = this.check(row);
    const key = this.keyOf(r);
    this.rows.delete(key);
    this.rows.set(key, r);
    while (this.rows.size > this.options.maxRows) this.rows.delete(this.rows.keys().next().value as string);
    this.changed = true;
  }

  remove(key: string): void {
    this.changed = this.rows.delete(key) || this.changed;
  }

  row(key: string): Row | undefined {
    return this.rows.get(key);
  }

  snapshot(): unknown {
    return { rows: [...this.rows.values()] };
  }

  takeUpdate(): unknown {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.snapshot();
  }
}
