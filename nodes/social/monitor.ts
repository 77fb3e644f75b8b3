/**
 * Per-project alerting over analysed posts: threat posts above the project's severity, volume
 * anomalies (posts per window through the anomaly detector of nodes/anomaly, with its weekly
 * seasonality, so "3× the usual for a Saturday night" is against Saturday nights), and sentiment
 * shifts (a window's mean sentiment far below its running baseline). Posts are kept only for
 * the retention time, and only in memory.
 */
import { resolveConfig } from '../anomaly/config';
import type { DetectorConfig } from '../anomaly/config';
import { AnomalyDetector } from '../anomaly/detector';
import { record, StateError } from '../anomaly/state-codec';
import { MAX_ANALYSED_CHARS } from './analyse';
import type { Analysis, ThreatSeverity } from './analyse';
import { queryWords, TermBaseline, TermCounter, termsOf } from './terms';
import type { TermRow } from './terms';

export interface MonitorOptions {
  project: string;
  /** Window of the volume and sentiment statistics, minutes: 15, 20, 30 or 60. */
  windowMinutes: number;
  /** Lowest threat severity that raises an alert. */
  threatSeverity: ThreatSeverity;
  /** A window's mean sentiment this far below the baseline is a shift (0…2). */
  sentimentDrop: number;
  /** Posts a window needs before its sentiment counts. */
  minPosts: number;
  retentionMs: number;
  timeZone: string;
  /** Detector overrides (tests use a short warm-up). */
  detector?: Record<string, unknown>;
  /** Node id, named in the drafts' source. */
  sourceNode?: string;
  exercise?: boolean;
  /** Told of every closed window, empty ones included: the console's volume and sentiment charts. */
  onWindow?: (summary: WindowSummary) => void;
}

/** One closed window as the console charts it. */
export interface WindowSummary {
  start: number;
  posts: number;
  /** The detector's usual count for this window, and its band (expected ± 3 robust spreads, at least 0); absent while it warms up. */
  expected?: number;
  low?: number;
  high?: number;
  /** The window is the onset of an upward volume anomaly (a volume alert). */
  anomaly: boolean;
  /** Mean irony-adjusted sentiment of the window's scored posts; null without any. */
  sentiment: number | null;
  /** The running baseline before this window; absent until a window had minPosts scored posts. */
  baseline?: number;
  /** The window's sentiment fell sentimentDrop below the baseline (a sentiment alert). */
  shift: boolean;
  /** Its top terms and phrases, with their change against the last day's windows (empty for a window without posts). */
  terms: TermRow[];
}

const SEVERITY_RANK: Record<ThreatSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
const TOP_POSTS = 5;
/** Posts kept at most, whatever the retention time: memory stays bounded at any rate. */
const MAX_RETAINED = 10_000;
/** Windows filled with zero when posts skip ahead; beyond this the gap is not replayed. */
const MAX_GAP_WINDOWS = 7 * 24 * 4;
/** Weight of a new window in the sentiment baseline. */
const BASELINE_ALPHA = 0.1;
/** The chart band: expected ± this many robust spreads, as the anomaly node draws it. */
const BAND = 3;
/** Top terms per window. */
const TOP_TERMS = 10;
/** The terms' baseline spans a day of windows. */
const DAY_MS = 24 * 3_600_000;

export type Draft = Record<string, unknown>;

function topPost(a: Analysis): Record<string, unknown> {
  const p = a.post;
  return {
    id: p.id,
    text: p.text.length > 1000 ? `${p.text.slice(0, 1000)}…` : p.text,
    author: p.author,
    url: p.url,
    lang: p.lang,
    ts: new Date(p.ts).toISOString(),
    source: p.source,
    sentiment: a.sentiment?.adjusted ?? null,
    irony: a.irony.score,
    threat: a.threat.score,
    explanation: a.explanation,
  };
}

function rank(a: Analysis): number {
  return a.threat.score * 2 + Math.abs(a.sentiment?.adjusted ?? 0) + a.irony.score * 0.5;
}

interface Window {
  start: number;
  count: number;
  sentimentSum: number;
  scored: number;
  top: Analysis[];
  terms: TermCounter;
}

/**
 * What survives a restart: the volume detector's learning (its usual counts by time of week and
 * its calibrated threshold), the sentiment baseline and the open window's counts. Not the posts:
 * they stay in memory only, for the retention time, so a window open at the restart raises its
 * alerts with the top posts seen since.
 */
export interface MonitorState {
  windowMinutes: number;
  timeZone: string;
  detector: object;
  baseline?: number;
  window?: { start: number; count: number; sentimentSum: number; scored: number; terms?: unknown };
  /** The past windows' top terms (terms.ts PastWindow); absent in state saved before terms were counted. */
  terms?: unknown;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class SocialMonitor {
  private readonly config: DetectorConfig;
  private detector: AnomalyDetector;
  private readonly windowMs: number;
  private window?: Window;
  private baseline?: number;
  private readonly retained: Analysis[] = [];
  private terms: TermBaseline;

  constructor(private readonly o: MonitorOptions) {
    if (![15, 20, 30, 60].includes(o.windowMinutes)) throw new RangeError(`windowMinutes must be 15, 20, 30 or 60, got ${o.windowMinutes}`);
    this.windowMs = o.windowMinutes * 60_000;
    this.config = resolveConfig({ seasonality: 'week', binMinutes: o.windowMinutes, timeZone: o.timeZone, stuckDetection: false, ...o.detector });
    this.detector = new AnomalyDetector(this.config);
    this.detector.variable('posts');
    this.terms = new TermBaseline(DAY_MS / this.windowMs);
  }

  toJSON(): MonitorState {
    const w = this.window;
    return {
      windowMinutes: this.o.windowMinutes,
      timeZone: this.o.timeZone,
      detector: this.detector.toJSON(),
      ...(this.baseline !== undefined ? { baseline: this.baseline } : {}),
      ...(w ? { window: { start: w.start, count: w.count, sentimentSum: w.sentimentSum, scored: w.scored, terms: w.terms.toJSON() } } : {}),
      terms: this.terms.toJSON(),
    };
  }

  /**
   * Takes up the learning of `toJSON()`, so a restart neither warms up and calibrates again (days
   * without volume alerts) nor starts the sentiment baseline afresh. Throws StateError, leaving
   * this monitor as it was, when the state is not of this project's window and time zone.
   */
  restore(raw: unknown): void {
    const s = record(raw, 'monitor');
    if (s.windowMinutes !== this.o.windowMinutes || s.timeZone !== this.o.timeZone) {
      throw new StateError(`saved for ${String(s.windowMinutes)}-minute windows in ${String(s.timeZone)}, now ${this.o.windowMinutes} in ${this.o.timeZone}`);
    }
    if (s.baseline !== undefined && !finite(s.baseline)) throw new StateError('baseline must be a number');
    let window: Window | undefined;
    if (s.window !== undefined) {
      const w = record(s.window, 'window');
      if (![w.start, w.count, w.sentimentSum, w.scored].every(finite) || (w.start as number) % this.windowMs !== 0) throw new StateError('window must hold a window start and finite counts');
      window = { start: w.start as number, count: w.count as number, sentimentSum: w.sentimentSum as number, scored: w.scored as number, top: [], terms: new TermCounter() };
    }
    const terms = new TermBaseline(DAY_MS / this.windowMs);
    // State saved before terms were counted has none: they are counted from the restart on.
    try {
      if (s.terms !== undefined) terms.restore(s.terms);
      const open = (s.window as { terms?: unknown } | undefined)?.terms;
      if (window && open !== undefined) window.terms = TermCounter.restore(open);
    } catch (err) {
      throw new StateError((err as Error).message);
    }
    const detector = AnomalyDetector.fromJSON(s.detector, this.config);
    if (detector.names.length !== 1 || detector.names[0] !== 'posts') throw new StateError('the detector must watch one variable, posts');
    this.detector = detector;
    this.baseline = s.baseline as number | undefined;
    this.window = window;
    this.terms = terms;
  }

  /** Posts kept within the retention time, newest last. */
  get posts(): readonly Analysis[] {
    return this.retained;
  }

  /** Takes one analysed post; returns the drafts it raises (threat now, volume and sentiment when its window closes). */
  observe(a: Analysis, now = Date.now()): Draft[] {
    const drafts: Draft[] = [];
    const start = Math.floor(a.post.ts / this.windowMs) * this.windowMs;
    if (this.window && start > this.window.start) drafts.push(...this.closeUntil(start));
    if (!this.window || start > this.window.start) this.window = { start, count: 0, sentimentSum: 0, scored: 0, top: [], terms: new TermCounter() };
    // A late post (older window) counts in the open window: the closed ones have been judged.
    const w = this.window;
    w.count++;
    if (a.sentiment) {
      w.sentimentSum += a.sentiment.adjusted;
      w.scored++;
    }
    w.terms.add(termsOf(a.post.text.slice(0, MAX_ANALYSED_CHARS), a.post.lang, queryWords(a.explanation.query)));
    w.top.push(a);
    w.top.sort((x, y) => rank(y) - rank(x));
    if (w.top.length > TOP_POSTS) w.top.length = TOP_POSTS;
    if (a.threat.severity && SEVERITY_RANK[a.threat.severity] >= SEVERITY_RANK[this.o.threatSeverity]) drafts.push(this.threatDraft(a));
    this.retained.push(a);
    this.prune(now);
    return drafts;
  }

  /** Drops posts older than the retention time. */
  prune(now = Date.now()): void {
    const cutoff = now - this.o.retentionMs;
    let k = 0;
    while (k < this.retained.length && (this.retained[k].post.ts < cutoff || this.retained.length - k > MAX_RETAINED)) k++;
    if (k) this.retained.splice(0, k);
  }

  /** Closes the open window and the empty ones up to `start`. */
  private closeUntil(start: number): Draft[] {
    const drafts: Draft[] = [];
    const w = this.window!;
    drafts.push(...this.closeWindow(w));
    const gap = Math.min(MAX_GAP_WINDOWS, Math.round((start - w.start) / this.windowMs) - 1);
    for (let k = 1; k <= gap; k++) {
      const at = w.start + k * this.windowMs;
      this.detector.step(at, [0]);
      this.tell(at, 0, false, null, false, []);
    }
    return drafts;
  }

  private closeWindow(w: Window): Draft[] {
    const drafts: Draft[] = [];
    const r = this.detector.step(w.start, [w.count], true);
    const c = r.contributors?.[0];
    const anomaly = Boolean(r.onset && c && c.direction === 'up');
    if (anomaly) drafts.push(this.volumeDraft(w, c!.observed, c!.expected));
    const before = this.baseline;
    let shift = false;
    if (w.scored >= this.o.minPosts) {
      const mean = w.sentimentSum / w.scored;
      shift = this.baseline !== undefined && this.baseline - mean >= this.o.sentimentDrop;
      if (shift) drafts.push(this.sentimentDraft(w, mean, this.baseline!));
      this.baseline = this.baseline === undefined ? mean : this.baseline + BASELINE_ALPHA * (mean - this.baseline);
    }
    this.tell(w.start, w.count, anomaly, w.scored ? w.sentimentSum / w.scored : null, shift, this.terms.close(w.terms, TOP_TERMS), before);
    return drafts;
  }

  private tell(start: number, posts: number, anomaly: boolean, sentiment: number | null, shift: boolean, terms: TermRow[], baseline = this.baseline): void {
    if (!this.o.onWindow) return;
    const summary: WindowSummary = { start, posts, anomaly, sentiment, shift, terms };
    const b = this.detector.band(0);
    if (Number.isFinite(b.expected) && Number.isFinite(b.scale)) {
      summary.expected = b.expected;
      summary.low = Math.max(0, b.expected - BAND * b.scale);
      summary.high = b.expected + BAND * b.scale;
    }
    if (baseline !== undefined) summary.baseline = baseline;
    this.o.onWindow(summary);
  }

  private common(event: string, headline: string, severity: string, top: Analysis[], data: Record<string, unknown>, occurredAt: number): Draft {
    const zones = [...new Set(top.flatMap((a) => a.zones))];
    const draft: Draft = {
      tool: 'social',
      event,
      headline,
      category: 'Security',
      severity,
      urgency: severity === 'critical' || severity === 'high' ? 'Immediate' : 'Expected',
      certainty: 'Possible',
      occurredAt: new Date(occurredAt).toISOString(),
      source: this.o.sourceNode ? { node: this.o.sourceNode, ref: this.o.project } : { ref: this.o.project },
      data: { project: this.o.project, ...data, topPosts: top.map(topPost) },
    };
    if (zones.length) {
      draft.zone = zones[0];
      draft.areaDesc = zones.join(', ');
    }
    const geo = top.find((a) => a.post.geo)?.post.geo;
    if (geo) draft.location = { type: 'Point', coordinates: [geo.lon, geo.lat] };
    if (this.o.exercise) draft.status = 'Exercise';
    return draft;
  }

  private threatDraft(a: Analysis): Draft {
    const d = this.common('Online threat', `${this.o.project}: threat post (${a.threat.severity}, ${a.threat.score.toFixed(2)})${a.zones.length ? ` about ${a.zones.join(', ')}` : ''}`, a.threat.severity === 'critical' ? 'critical' : a.threat.severity === 'high' ? 'high' : 'medium', [a], { kind: 'threat', threat: a.threat.score }, a.post.ts);
    // One alert per post: the core de-duplicates a post seen twice (two sources, a replay).
    (d.source as Record<string, unknown>).ref = `${this.o.project}/${a.post.id}`;
    return d;
  }

  private volumeDraft(w: Window, observed: number, expected: number): Draft {
    const ratio = expected > 0 ? observed / expected : Infinity;
    const times = Number.isFinite(ratio) ? `${ratio.toFixed(1)}× the usual` : 'far above the usual';
    return this.common('Social media volume', `${this.o.project}: ${observed} posts in ${this.o.windowMinutes} min, ${times} (${expected.toFixed(1)})`, ratio >= 5 ? 'high' : 'medium', w.top, { kind: 'volume', windowStart: new Date(w.start).toISOString(), windowMinutes: this.o.windowMinutes, posts: observed, expected: Math.round(expected * 10) / 10, ratio: Number.isFinite(ratio) ? Math.round(ratio * 10) / 10 : null }, w.start);
  }

  private sentimentDraft(w: Window, mean: number, baseline: number): Draft {
    return this.common('Social media sentiment shift', `${this.o.project}: sentiment fell to ${mean.toFixed(2)} from ${baseline.toFixed(2)} over ${w.scored} posts`, 'medium', w.top, { kind: 'sentiment', windowStart: new Date(w.start).toISOString(), windowMinutes: this.o.windowMinutes, posts: w.count, sentiment: Math.round(mean * 1000) / 1000, baseline: Math.round(baseline * 1000) / 1000 }, w.start);
  }
}
