/**
 * What the analyse node gives the console's dashboard nodes (its outputs 3–5): each closed
 * window's volume and sentiment as chart points, anomalies and shifts as marks, and the
 * project's most notable posts (threats, irony) as table rows that explain their scores in
 * words. Authors are as the analysis stored them: pseudonymised unless the project keeps names.
 */
import type { Analysis } from './analyse';
import type { WindowSummary } from './monitor';

/** A point for impetus-ui-chart (line): see nodes/ui/panel-kinds/chart.ts. */
export interface ChartPoint {
  series: string;
  x: number;
  y: number;
  low?: number;
  high?: number;
  mark?: true;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Posts in the window, with the detector's usual band; the onset of a volume anomaly as a mark. */
export function volumePoints(w: WindowSummary, project: string): ChartPoint[] {
  const posts: ChartPoint = { series: `posts (${project})`, x: w.start, y: w.posts };
  if (w.low !== undefined && w.high !== undefined) {
    posts.low = round(w.low, 2);
    posts.high = round(w.high, 2);
  }
  return w.anomaly ? [posts, { series: `anomaly (${project})`, x: w.start, y: w.posts, mark: true }] : [posts];
}

/** Mean sentiment of the window (none when it had no scored post), the running baseline, a shift as a mark. */
export function sentimentPoints(w: WindowSummary, project: string): ChartPoint[] {
  const out: ChartPoint[] = [];
  if (w.sentiment !== null) out.push({ series: `sentiment (${project})`, x: w.start, y: round(w.sentiment) });
  if (w.baseline !== undefined) out.push({ series: `baseline (${project})`, x: w.start, y: round(w.baseline) });
  if (w.shift && w.sentiment !== null) out.push({ series: `shift (${project})`, x: w.start, y: round(w.sentiment), mark: true });
  return out;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;

/**
 * The window's top terms as impetus-ui-table rows (sent whole, weakest first: the table shows its
 * last row on top). None for a window without posts: the table keeps the last window that had some.
 */
export function termRows(w: WindowSummary, project: string): Array<Record<string, unknown>> {
  return w.terms.map((t, i) => ({
    id: `${project}/${t.term}`,
    window: new Date(w.start).toISOString(),
    project,
    rank: i + 1,
    term: t.term,
    posts: t.posts,
    share: percent(t.share),
    usual: t.usual ? percent(t.usual) : '–',
    change: t.change === null ? 'new' : `${t.change.toFixed(1)}×`,
  })).reverse();
}

/** A threat at any severity, or irony. */
export function isNotable(a: Analysis): boolean {
  return a.threat.severity !== null || a.irony.ironic;
}

function weight(a: Analysis): number {
  return a.threat.score * 2 + a.irony.score;
}

const TEXT_CHARS = 280;

/** The scores' reasons in one line, strongest first: threat cues, irony cues, the sentiment terms and rules, the query terms. */
export function explainLine(a: Analysis): string {
  const e = a.explanation;
  const parts: string[] = [];
  if (e.threat.length) parts.push(`threat ${a.threat.score.toFixed(2)}: ${e.threat.join('; ')}`);
  if (e.irony.length) parts.push(`irony ${a.irony.score.toFixed(2)}: ${e.irony.join('; ')}`);
  if (a.offence?.offensive) parts.push(`offence ${a.offence.score.toFixed(2)}: the classifier`);
  if (a.sentiment) {
    const terms = e.sentiment.map((t) => `${t.term} ${t.valence > 0 ? '+' : ''}${t.valence.toFixed(1)}${t.rules.length ? ` (${t.rules.join(', ')})` : ''}`);
    parts.push(`sentiment ${a.sentiment.adjusted.toFixed(2)}${terms.length ? `: ${terms.join(', ')}` : ''}${e.sentimentRules.length ? `; ${e.sentimentRules.join(', ')}` : ''}`);
  }
  if (e.query.length) parts.push(`matched ${e.query.join(', ')}`);
  if (e.places.length) parts.push(`places ${e.places.join(', ')}`);
  if (e.notes.length) parts.push(e.notes.join('; '));
  return parts.join(' · ');
}

/** One table row: keyed by project and post, so the same post from two sources is one row. */
export function postRow(a: Analysis, project: string): Record<string, unknown> {
  const p = a.post;
  return {
    id: `${project}/${p.id}`,
    time: new Date(p.ts).toISOString(),
    project,
    kind: a.threat.severity ? `threat (${a.threat.severity})` : 'irony',
    text: p.text.length > TEXT_CHARS ? `${p.text.slice(0, TEXT_CHARS)}…` : p.text,
    author: p.author,
    lang: p.lang,
    url: p.url,
    threat: round(a.threat.score, 2),
    irony: round(a.irony.score, 2),
    sentiment: a.sentiment ? round(a.sentiment.adjusted, 2) : null,
    why: explainLine(a),
  };
}

/**
 * The project's most notable posts within its retention time, strongest first. Changes are
 * rare next to the post rate (a new post must beat the weakest kept), so the node sends the
 * whole list when it changes and the table replaces its rows.
 */
export class NotablePosts {
  private kept: Analysis[] = [];

  constructor(private readonly size: number, private readonly retentionMs: number) {}

  /** Offers a post; true when the list changed. */
  offer(a: Analysis, now: number): boolean {
    if (!isNotable(a) || a.post.ts < now - this.retentionMs) return false;
    const w = weight(a);
    if (this.kept.length >= this.size && w <= weight(this.kept[this.kept.length - 1])) return false;
    const key = a.post.id;
    const kept = this.kept.filter((k) => k.post.id !== key);
    let i = kept.findIndex((k) => weight(k) < w);
    if (i < 0) i = kept.length;
    kept.splice(i, 0, a);
    if (kept.length > this.size) kept.length = this.size;
    this.kept = kept;
    return true;
  }

  /** Drops posts past the retention time; true when any went. */
  prune(now: number): boolean {
    const cutoff = now - this.retentionMs;
    const before = this.kept.length;
    this.kept = this.kept.filter((k) => k.post.ts >= cutoff);
    return this.kept.length !== before;
  }

  /**
   * Rows for impetus-ui-table, weakest first: the table shows its last row on top, so the
   * strongest post leads.
   */
  rows(project: string): Array<Record<string, unknown>> {
    return this.kept.map((a) => postRow(a, project)).reverse();
  }
}
