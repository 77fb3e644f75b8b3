/**
 * Table panel state: rows by key, in arrival order, at most `maxRows` (the oldest go). Row
 * actions are buttons whose clicks come back to the node's output with who clicked. An image
 * column holds media references, never the media: the browser fetches each image from the alert
 * media route, which checks that the viewer may see that alert.
 */
import type { PanelState, Role, RowActions } from '../../platform';

export interface TableColumn {
  field: string;
  label: string;
  /**
   * image: cells are {@link MediaRef}s, shown as thumbnails; time: ISO 8601 date-times, shown in the
   * site's time zone; indicator: a domain, address, hash… linked to the console's page of its sightings.
   */
  type?: 'image' | 'time' | 'indicator';
}

/**
 * A column the console lets its viewer filter by, in the browser: `select` (one of the values the
 * rows hold), `text` (a case-insensitive part of the cell) or `range` (numbers from, to).
 */
export interface TableFilter {
  field: string;
  kind: 'select' | 'text' | 'range';
}

export const FILTER_KINDS: ReadonlyArray<TableFilter['kind']> = ['select', 'text', 'range'];

/** The filters a table node names ("field:kind" pairs), checked against its columns. */
export function checkFilters(items: ReadonlyArray<{ name: string; label: string }>, columns: readonly TableColumn[]): TableFilter[] {
  const seen = new Set<string>();
  return items.map(({ name, label }) => {
    const column = columns.find((c) => c.field === name);
    if (!column) throw new Error(`filters: "${name}" is not one of the table's columns (${columns.map((c) => c.field).join(', ')})`);
    if (column.type === 'image') throw new Error(`filters: "${name}" is an image column; it cannot be filtered`);
    const kind = (label === name ? 'select' : label.toLowerCase()) as TableFilter['kind'];
    if (!FILTER_KINDS.includes(kind)) throw new Error(`filters: "${name}:${label}": the kind must be ${FILTER_KINDS.join(', ')}`);
    if (seen.has(name)) throw new Error(`filters: "${name}" is named twice`);
    seen.add(name);
    return { field: name, kind };
  });
}

/** One of an alert's `resources`, by the alert's id and the resource's digest. */
export interface MediaRef {
  alertId: string;
  digest: string;
  /** The image's text alternative. */
  description?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function checkMediaRef(field: string, value: unknown): void {
  const ref = value as Partial<MediaRef> | null;
  const ok = !!ref && typeof ref === 'object' && typeof ref.alertId === 'string' && ref.alertId !== '' && typeof ref.digest === 'string' && DIGEST.test(ref.digest)
    && (ref.description === undefined || typeof ref.description === 'string');
  if (!ok) throw new TypeError(`"${field}" is an image column: its cells must be {alertId, digest} of one of an alert's resources (digest sha256:…)`);
}

export interface TableOptions {
  columns: TableColumn[];
  key: string;
  actions: Array<{ name: string; label: string }>;
  /** Roles that may press the row actions; a read-only view never may. */
  actionRoles: Role[];
  maxRows: number;
  /** Columns the viewer may filter by, in the browser; the rows sent are the same for everyone. */
  filters: TableFilter[];
}

export type Row = Record<string, unknown>;

const MAX_ROW_BYTES = 16 * 1024;

export class TableState implements PanelState {
  private readonly rows = new Map<string, Row>();
  private changed = false;

  readonly rowActions: RowActions;

  constructor(readonly options: TableOptions & Record<string, unknown>) {
    this.rowActions = {
      actions: options.actions,
      roles: options.actionRoles,
      hasRow: (key) => this.rows.has(key),
      // A row may name the actions it offers now (`actions`, as a map feature does); without it, every one.
      offers: (key, action) => {
        const offered = this.rows.get(key)?.actions;
        return !Array.isArray(offered) || offered.includes(action);
      },
    };
  }

  keyOf(row: Row): string {
    const key = row[this.options.key];
    if (typeof key !== 'string' && typeof key !== 'number') throw new TypeError(`every row needs a string or number "${this.options.key}" (the table's key field)`);
    return String(key);
  }

  private check(row: unknown): Row {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new TypeError('a row must be an object');
    if (JSON.stringify(row).length > MAX_ROW_BYTES) throw new RangeError('a row must be at most 16 KiB of JSON');
    for (const c of this.options.columns) {
      const cell = (row as Row)[c.field];
      if (c.type === 'image' && cell !== undefined && cell !== null) checkMediaRef(c.field, cell);
    }
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
