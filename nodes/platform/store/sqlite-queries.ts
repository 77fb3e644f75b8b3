/** SQL that both the store's connection and its background thread run. */

/** Unresolved alerts grouped as the console's tiles count them (AlertStore.openCounts). */
export const OPEN_COUNTS_SQL = `
  SELECT tool, priority, status, zone, tlp, state, silence_id IS NOT NULL AS silenced, count(*) AS n
  FROM alerts WHERE state <> 'resolved'
  GROUP BY tool, priority, status, zone, tlp, state, silenced`;

export interface OpenCountRow {
  tool: string;
  priority: number;
  status: string;
  zone: string | null;
  tlp: string | null;
  state: string;
  silenced: number;
  n: number;
}
