/**
 * The streaming multivariate anomaly detector for one group of variables (one place, one
 * sensor, one CSV file). Per row:
 *
 *  1. each variable is predicted twice (`predictor.ts`): by its slow reference (the seasonal
 *     baseline, where seasonality helps) and by the fast prediction (reference + persistence);
 *  2. two statistics, each a surprise −ln P(χ²_k ≥ d²) in nats of a robust Mahalanobis
 *     distance (missing variables imputed from the others), with correlations learnt per part
 *     of the day (`correlationSegments`: by day a city's variables move together with demand,
 *     at night each sensor's own noise dominates):
 *     - *slow*: the recent deviations from the references (averaged over the last few rows, so
 *       what lasts adds up), with their correlations. It holds while a
 *       change lasts (a level shift, a broken day, two variables that part although they move
 *       together), until the baseline accepts it as the new level. A stuck-sensor run's
 *       surprise joins it (the larger counts);
 *     - *fast*: the innovations of the fast predictions. Persistence absorbs what the reference
 *       misses but lasts (weather, a wandering machine temperature, a trend), so it flags
 *       changes at their onset on series the reference alone describes poorly;
 *  3. SPOT turns half the target false-alarm rate into a threshold for each statistic (a
 *     heavy-tailed one must not set the other's); the row's ratio is the larger surprise /
 *     threshold, and the score ratio / (ratio + 1), so 0.5 is the threshold. Alarms within a
 *     few rows of each other form one episode; nothing inside an episode is learnt by the
 *     thresholds or the correlations (an anomaly must not teach what is normal; the baselines,
 *     being robust, keep learning so that a lasting change is eventually accepted), except an
 *     episode of one alarm row when such rows come more often than chance (ordinary bursts);
 *  4. an alarm is explained by its top contributors: leave-one-out shares of d², the
 *     direction, the seasonal expectation and (with several variables) the value the other
 *     variables imply.
 *
 * Only the past is used: every prediction is made before the row is learnt.
 */
import type { BaselineOptions } from './baseline';
import type { DetectorConfig } from './config';
import { RobustCovariance } from './covariance';
import { LocalTime } from './local-time';
import { chi2Surprise } from './math';
import { Spot } from './spot';
import type { SpotOptions } from './spot';
import { SeriesModel } from './predictor';
import { dec, enc, record, StateError } from './state-codec';
import { StuckDetector } from './stuck';

export interface Contributor {
  variable: string;
  /**
   * up / down: above or below what was expected; stuck: repeating one value. Against the
   * seasonal expectation, unless the value is ordinary for the time and odd only next to the
   * other variables (`relative`), when it is against what they imply.
   */
  direction: 'up' | 'down' | 'stuck';
  /** Odd only relative to the other variables (within 2 spreads of its own normal). */
  relative?: boolean;
  observed: number;
  /** What the seasonal baseline expected at this time. */
  expected: number;
  /** With several variables: the value the other variables' values imply. */
  expectedGivenOthers?: number;
  /** Standardised residual (observed − expected) / scale. */
  z: number;
  /** Share of the anomaly, 0…1. */
  share: number;
}

export interface RowResult {
  ts: number;
  /**
   * How anomalous this moment is, 0…1, comparable across series: 0.5 is the automatic
   * threshold. Above it only where behaviour changes: the onset of an episode, a row ESCALATION
   * times as far past its threshold as the episode's peak, or a new change inside it (the fast
   * statistic exceeding again after EPISODE_GAP quiet rows); the other rows of an episode decay
   * below 0.5. 0 while warming up.
   */
  score: number;
  /** An anomalous episode is in progress (from its onset until EPISODE_GAP rows without an alarm). */
  alarm: boolean;
  /** The first row of an episode (what an alert is raised for). */
  onset: boolean;
  /** −ln p of the row, in nats, of the statistic (slow or fast) furthest past its threshold, and that threshold. */
  surprise: number;
  threshold: number;
  warmingUp: boolean;
  /** The threshold is still the model-based prior, not yet fitted to this stream's tail. */
  calibrating: boolean;
  /** Variables with a value in this row. */
  observed: number;
  contributors?: Contributor[];
}

/**
 * Saved-state format; bump when the layout changes. Version 1 (before the per-variable
 * predictor and the episode score) and version 2 (one threshold, on the innovations) are
 * migrated on load; anything else is refused, not misread.
 */
const STATE_VERSION = 3;
/** The threshold before the tail is fitted is ten times stricter than the Gaussian model says. */
const PRIOR_MARGIN = Math.log(10);
/** Within this many spreads of its own normal, a contributor is explained against the other variables. */
const RELATIVE_Z = 2;
const DAY_MS = 86_400_000;
/** Rows without an alarm that end an episode. */
export const EPISODE_GAP = 6;
/**
 * Inside an episode, a row scores above 0.5 again only if it is this many times as far past its
 * threshold as the episode's peak (in nats: z about 2.8 times as large). With 2, one sharp change
 * that grows over three rows (a cold front's temperature drop) scored as three detections; with
 * 4, an event's crowd that doubles an hour later scored twice (21 of the real collection's 229
 * tuning false positives were such escalations, none found a labelled window first).
 */
const ESCALATION = 8;
/** Rows over which an episode's score halves after its onset or last escalation. */
const SCORE_HALF_LIFE_ROWS = 2;

export class AnomalyDetector {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private models: SeriesModel[] = [];
  private stuck: StuckDetector[] = [];
  /** One correlation model per part of the local day. */
  private covariances: RobustCovariance[];
  private covariance: RobustCovariance;
  /**
   * The same per part of the day, on the deviations from the baselines alone. Persistence
   * takes the slow common movement out of the innovations (a city's demand of the day), and
   * with it most of what ties the variables together; these keep it, and the part of their
   * distance beyond the variables' own terms (two variables that part although they move
   * together) is added to the innovations' distance.
   */
  private relations: RobustCovariance[];
  private relation: RobustCovariance;
  private longZ = new Float64Array(0);
  /**
   * One threshold per statistic, each at half the false-alarm rate: a statistic with heavier
   * tails (the deviations of a wandering series) must not set the threshold of the other.
   */
  private slowSpot: Spot;
  private fastSpot: Spot;
  private readonly clock: LocalTime;
  private readonly baselineOptions: BaselineOptions;
  private z = new Float64Array(0);
  private stuckSurprise = new Float64Array(0);
  private observedMask = new Uint8Array(0);
  rows = 0;
  firstTs = NaN;
  lastTs = NaN;
  /** Rows since the last alarm, while an episode lasts; -1 outside episodes. */
  private episodeQuiet = -1;
  /** The episode's highest surprise, and rows since it was reached. */
  private episodePeak = 0;
  private sincePeak = 0;
  /** Rows since the fast statistic last exceeded its threshold (at least EPISODE_GAP: quiet). */
  private fastQuiet = EPISODE_GAP;
  /** Rows of the current episode that exceeded a threshold, and its onset's two statistics. */
  private episodeAlarms = 0;
  private onsetSlow = 0;
  private onsetFast = 0;
  /** Rows that came with a time before an earlier row's (scored in arrival order). */
  outOfOrder = 0;

  constructor(readonly config: DetectorConfig) {
    this.clock = new LocalTime(config.timeZone);
    this.baselineOptions = {
      seasonality: config.seasonality,
      binMinutes: config.binMinutes,
      levelHalfLifeHours: config.levelHalfLifeHours,
      dailyHalfLifeDays: config.dailyHalfLifeDays,
      weeklyHalfLifeWeeks: config.weeklyHalfLifeWeeks,
      clip: config.clip,
      warmupSamples: config.warmupSamples,
      shiftAcceptHours: config.shiftAcceptHours,
      minScale: config.minScale,
    };
    this.covariances = Array.from({ length: config.correlationSegments }, () => new RobustCovariance({ halfLifeRows: config.correlationHalfLifeRows, minShrinkage: config.minShrinkage }));
    this.covariance = this.covariances[0];
    this.relations = Array.from({ length: config.correlationSegments }, () => new RobustCovariance({ halfLifeRows: config.correlationHalfLifeRows, minShrinkage: config.minShrinkage }));
    this.relation = this.relations[0];
    this.slowSpot = new Spot(this.spotOptions());
    this.fastSpot = new Spot(this.spotOptions());
  }

  private stuckBins(): 1 | 24 | 168 {
    return this.config.seasonality === 'week' ? 168 : this.config.seasonality === 'day' ? 24 : 1;
  }

  private spotOptions(): SpotOptions {
    const c = this.config;
    const q = c.falseAlarmRate / 2;
    return { q, level: c.tailLevel, initSamples: c.calibrationSamples, maxPeaks: c.maxPeaks, fit: c.tailFit, prior: -Math.log(q) + PRIOR_MARGIN };
  }

  /** Rows gathered towards the fitted threshold, and how many it needs (shown while calibrating). */
  get calibration(): { seen: number; needed: number } {
    return { seen: this.slowSpot.calibrationSeen, needed: this.config.calibrationSamples };
  }

  get variables(): number {
    return this.names.length;
  }

  /** The index of a variable, added on first sight. */
  variable(name: string): number {
    const known = this.index.get(name);
    if (known !== undefined) return known;
    if (this.names.length >= this.config.maxVariables) throw new RangeError(`too many variables (more than maxVariables = ${this.config.maxVariables}): ${name}`);
    const i = this.names.length;
    this.names.push(name);
    this.index.set(name, i);
    this.models.push(new SeriesModel(this.baselineOptions, this.clock));
    this.stuck.push(new StuckDetector(this.clock, this.stuckBins()));
    for (const c of this.covariances) c.addDimension();
    for (const c of this.relations) c.addDimension();
    this.grow();
    return i;
  }

  private grow(): void {
    const p = this.names.length;
    if (this.z.length >= p) return;
    const size = Math.max(4, p * 2);
    this.z = new Float64Array(size);
    this.longZ = new Float64Array(size);
    this.stuckSurprise = new Float64Array(size);
    this.observedMask = new Uint8Array(size);
  }

  /** One row given as name → value (missing or non-finite values count as missing). */
  stepRecord(ts: number, values: Record<string, number | null | undefined>, explain = false): RowResult {
    const row = new Float64Array(this.names.length + Object.keys(values).length).fill(NaN);
    for (const [name, v] of Object.entries(values)) row[this.variable(name)] = typeof v === 'number' ? v : NaN;
    return this.step(ts, row.subarray(0, this.names.length), explain);
  }

  /**
   * One row: `values[i]` for variable i (NaN when missing); variables are added with
   * `variable(name)` first. Rows are scored in the order they come: a row with a time before
   * an earlier row's (a clock set back, merged files) is scored all the same, at its own time
   * of day, and counted in `outOfOrder`; equal times are allowed.
   */
  step(ts: number, values: ArrayLike<number>, explain = false): RowResult {
    if (!Number.isFinite(ts)) throw new RangeError(`row time ${ts} is not a valid time`);
    if (!Number.isFinite(this.firstTs)) this.firstTs = ts;
    if (ts < this.lastTs) this.outOfOrder += 1;
    else this.lastTs = ts;
    this.rows += 1;
    const p = this.names.length;
    const z = this.z;
    const mask = this.observedMask;
    let observed = 0;
    let withValue = 0;
    let stuckMax = 0;
    let stuckAt = -1;
    for (let i = 0; i < p; i++) {
      const x = i < values.length ? values[i] : NaN;
      mask[i] = 0;
      this.stuckSurprise[i] = 0;
      if (!Number.isFinite(x)) continue;
      withValue += 1;
      const zi = this.models[i].step(ts, x);
      const si = this.config.stuckDetection ? this.stuck[i].step(ts, x) : 0;
      if (Number.isNaN(zi)) continue;
      z[i] = zi;
      this.longZ[i] = this.models[i].longZ;
      mask[i] = 1;
      observed += 1;
      this.stuckSurprise[i] = si;
      if (si > stuckMax) {
        stuckMax = si;
        stuckAt = i;
      }
    }
    const c = this.config;
    // The time warm-up ends early after `warmupRows` rows: the first `warmupSamples` start the
    // baselines (median and MAD), as many again teach the predictor and the correlations on real
    // innovations. With 5-second rows a 2-hour warm-up kept the first 1,440 rows silent, and a
    // 31-minute log was never scored; on generated city data at 1-, 5- and 30-second rows the
    // first 200 scored rows raise no alarm either way, and the rate over six hours stays where it
    // was (0.4–1.1 per 1,000 rows).
    const warmingUp = observed === 0 || this.rows <= c.warmupSamples || (ts - this.firstTs < c.warmupHours * 3_600_000 && !(c.warmupRows > 0 && this.rows > c.warmupRows));
    let d2 = 0;
    let fast = 0;
    let joint = 0;
    let d2Relation = 0;
    if (this.covariances.length > 1) {
      const segment = Math.floor((this.clock.hourOfWeek(ts) % 24) / (24 / this.covariances.length));
      this.covariance = this.covariances[segment];
      this.relation = this.relations[segment];
    }
    if (observed > 0) {
      d2 = this.covariance.distance(z, mask, p - observed);
      d2Relation = this.relation.distance(this.longZ, mask, p - observed);
      fast = chi2Surprise(d2, observed);
      // "Unlike this time of the week" means nothing before a time of day has been seen: with
      // seasonality the slow statistic waits for a full day, and the first day's rush hour,
      // new to the profile, no longer holds an episode open for hours.
      if (this.config.seasonality === 'none' || ts - this.firstTs >= DAY_MS) joint = chi2Surprise(d2Relation, observed);
    }
    // The slow statistic holds the stuck-run surprise too: both are about the state the series is in.
    const slow = joint > stuckMax ? joint : stuckMax;
    // Each statistic against its own threshold; the row's is the one furthest past (or nearest to) it.
    const fastRatio = fast / this.fastSpot.threshold;
    const slowRatio = slow / this.slowSpot.threshold;
    const slowLeads = slowRatio >= fastRatio;
    const surprise = slowLeads ? slow : fast;
    const threshold = slowLeads ? this.slowSpot.threshold : this.fastSpot.threshold;
    const ratio = slowLeads ? slowRatio : fastRatio;
    const result: RowResult = { ts, score: 0, alarm: false, onset: false, surprise, threshold, warmingUp, calibrating: !this.slowSpot.calibrated, observed: withValue };
    const inEpisode = this.episodeQuiet >= 0;
    let exceeded = false;
    if (!warmingUp) {
      const slowExceeded = this.slowSpot.step(slow, !inEpisode);
      const fastExceeded = this.fastSpot.step(fast, !inEpisode);
      exceeded = slowExceeded || fastExceeded;
      result.calibrating = !this.slowSpot.calibrated || !this.fastSpot.calibrated;
      result.onset = exceeded && !inEpisode;
      // The score of a moment, in units of the threshold the decision was made with: at an onset
      // or an escalation, the ratio itself (so score > 0.5); otherwise inside an episode at most
      // 1, halving every SCORE_HALF_LIFE_ROWS rows, so the rows of one anomaly do not all look
      // equally alarming; outside episodes, the ratio.
      let moment = ratio;
      // A new change inside an episode: the fast statistic, quiet for EPISODE_GAP rows while the
      // slow one held the episode open (a level not yet accepted, a day unlike its profile),
      // exceeds again. The light switched off in a room whose first days are still being learnt
      // is a moment of its own, whatever state the room was already in.
      const fresh = inEpisode && fastExceeded && this.fastQuiet >= EPISODE_GAP;
      if (fresh) moment = fastRatio;
      if (result.onset || fresh || (inEpisode && exceeded && ratio > ESCALATION * this.episodePeak)) {
        this.episodePeak = ratio;
        this.sincePeak = 0;
      } else if (inEpisode) {
        this.sincePeak += 1;
        if (ratio > this.episodePeak) this.episodePeak = ratio;
        moment = Math.min(ratio, 1) * Math.pow(0.5, this.sincePeak / SCORE_HALF_LIFE_ROWS);
      }
      result.score = moment / (moment + 1);
      this.fastQuiet = fastExceeded ? 0 : Math.min(this.fastQuiet + 1, EPISODE_GAP);
    }
    if (result.onset) {
      this.episodeAlarms = 0;
      this.onsetSlow = slow;
      this.onsetFast = fast;
    }
    if (exceeded) {
      this.episodeQuiet = 0;
      this.episodeAlarms += 1;
    } else if (inEpisode) {
      this.episodeQuiet = this.episodeQuiet + 1 >= EPISODE_GAP ? -1 : this.episodeQuiet + 1;
      // An episode of one alarm row: the thresholds learn it if it came more often than chance
      // (ordinary bursts), see Spot.learnIsolated.
      if (this.episodeQuiet < 0 && this.episodeAlarms === 1) {
        this.slowSpot.learnIsolated(this.onsetSlow);
        this.fastSpot.learnIsolated(this.onsetFast);
      }
    }
    result.alarm = this.episodeQuiet >= 0;
    if (observed > 0 && !exceeded && !inEpisode) {
      this.covariance.update(d2);
      this.relation.update(d2Relation);
    }
    if (observed > 0 && (exceeded || explain)) result.contributors = this.explain(values, slowLeads && stuckMax > joint ? stuckAt : -1, slowLeads);
    return result;
  }

  /**
   * The top contributors of the row just scored (the covariance still holds its P·z), against
   * the statistic that decided it: the deviations from the seasonal baselines and their
   * relations (`slow`), or the innovations of the per-variable predictions.
   */
  private explain(values: ArrayLike<number>, stuckAt: number, slow: boolean): Contributor[] {
    const p = this.names.length;
    const cov = slow ? this.relation : this.covariance;
    const z = slow ? this.longZ : this.z;
    const list: Contributor[] = [];
    let total = 0;
    for (let i = 0; i < p; i++) {
      if (!this.observedMask[i]) continue;
      total += stuckAt >= 0 ? this.stuckSurprise[i] : cov.contribution(i);
    }
    for (let i = 0; i < p; i++) {
      if (!this.observedMask[i]) continue;
      const weight = stuckAt >= 0 ? this.stuckSurprise[i] : cov.contribution(i);
      const m = this.models[i];
      const expected = slow ? m.reference : m.expected;
      const scale = slow ? m.referenceScale : m.expectedScale;
      const conditional = cov.conditionalResidual(i);
      const relative = stuckAt < 0 && p > 1 && Math.abs(z[i]) < RELATIVE_Z;
      const lean = relative ? conditional : z[i];
      const c: Contributor = {
        variable: this.names[i],
        direction: stuckAt >= 0 ? 'stuck' : lean >= 0 ? 'up' : 'down',
        observed: values[i],
        expected,
        z: z[i],
        share: total > 0 ? weight / total : 0,
      };
      if (p > 1 && stuckAt < 0) c.expectedGivenOthers = expected + (z[i] - conditional) * scale;
      if (relative) c.relative = true;
      list.push(c);
    }
    list.sort((a, b) => b.share - a.share);
    return list.slice(0, this.config.topContributors);
  }

  /** The expected value and robust scale of a variable at its last row (for bands on charts). */
  band(i: number): { expected: number; scale: number } {
    const b = this.models[i];
    return { expected: b.expected, scale: b.expectedScale };
  }

  /** Structural settings: state saved under different ones cannot be reused. */
  private shape(): string {
    const c = this.config;
    return `${c.seasonality}/${c.binMinutes}/${c.correlationSegments}/${c.maxPeaks}/${c.calibrationSamples}/${c.warmupSamples}/${c.stuckDetection}/${c.timeZone}`;
  }

  toJSON(): object {
    return {
      version: STATE_VERSION,
      shape: this.shape(),
      names: this.names.slice(),
      models: this.models.map((m) => m.toJSON()),
      stuck: this.stuck.map((s) => s.toJSON()),
      covariances: this.covariances.map((c) => c.toJSON()),
      relations: this.relations.map((c) => c.toJSON()),
      slowSpot: this.slowSpot.toJSON(),
      fastSpot: this.fastSpot.toJSON(),
      rows: this.rows,
      episodeQuiet: this.episodeQuiet,
      episodePeak: this.episodePeak,
      sincePeak: this.sincePeak,
      fastQuiet: this.fastQuiet,
      episodeAlarms: this.episodeAlarms,
      onsetSlow: this.onsetSlow,
      onsetFast: this.onsetFast,
      outOfOrder: this.outOfOrder,
      firstTs: enc(this.firstTs),
      lastTs: enc(this.lastTs),
    };
  }

  /** Rebuilds a detector from `toJSON()`; throws StateError when the state does not fit `config`. */
  static fromJSON(raw: unknown, config: DetectorConfig): AnomalyDetector {
    const s = record(raw, 'state');
    if (s.version !== STATE_VERSION && s.version !== 1 && s.version !== 2) throw new StateError(`format version ${String(s.version)}, this release reads 1 to ${STATE_VERSION}`);
    const legacy = s.version === 1;
    const d = new AnomalyDetector(config);
    if (s.shape !== d.shape()) throw new StateError(`saved with settings ${String(s.shape)}, now ${d.shape()} (seasonality/binMinutes/correlationSegments/maxPeaks/calibrationSamples/warmupSamples/stuckDetection/timeZone)`);
    if (!Array.isArray(s.names) || !s.names.every((n) => typeof n === 'string')) throw new StateError('names must be an array of strings');
    const names = s.names as string[];
    const models = legacy ? s.baselines : s.models;
    if (!Array.isArray(models) || !Array.isArray(s.stuck) || models.length !== names.length || s.stuck.length !== names.length) {
      throw new StateError('one model and one stuck detector per variable are required');
    }
    for (const name of names) {
      d.names.push(name);
      d.index.set(name, d.names.length - 1);
    }
    d.models = models.map((m, i) => SeriesModel.fromJSON(m, d.baselineOptions, d.clock, legacy ? `baselines[${i}]` : `models[${i}]`, legacy));
    d.stuck = s.stuck.map((b, i) => StuckDetector.fromJSON(b, d.clock, d.stuckBins(), `stuck[${i}]`));
    if (!Array.isArray(s.covariances) || s.covariances.length !== config.correlationSegments) throw new StateError(`one covariance per correlation segment (${config.correlationSegments}) is required`);
    d.covariances = s.covariances.map((c, i) => RobustCovariance.fromJSON(c, d.covariance.options, `covariances[${i}]`));
    d.covariance = d.covariances[0];
    if (d.covariances.some((c) => c.p !== names.length)) throw new StateError('covariance size does not match the variables');
    if (legacy) {
      // Version 1 learnt its correlations on the deviations from the baselines: they carry on
      // as the relations; the innovations' start afresh.
      d.relations = d.covariances;
      d.covariances = Array.from({ length: config.correlationSegments }, () => {
        const c = new RobustCovariance(d.covariance.options);
        for (let i = 0; i < names.length; i++) c.addDimension();
        return c;
      });
    } else {
      if (!Array.isArray(s.relations) || s.relations.length !== config.correlationSegments) throw new StateError(`one relation per correlation segment (${config.correlationSegments}) is required`);
      d.relations = s.relations.map((c, i) => RobustCovariance.fromJSON(c, d.covariance.options, `relations[${i}]`));
      if (d.relations.some((c) => c.p !== names.length)) throw new StateError('relation size does not match the variables');
    }
    d.covariance = d.covariances[0];
    d.relation = d.relations[0];
    // Version 1 thresholded the deviations (now the slow statistic), version 2 the innovations
    // (the fast one); the other threshold calibrates afresh.
    if (s.version === 1) d.slowSpot = Spot.fromJSON(s.spot, d.spotOptions(), 'spot');
    else if (s.version === 2) d.fastSpot = Spot.fromJSON(s.spot, d.spotOptions(), 'spot');
    else {
      d.slowSpot = Spot.fromJSON(s.slowSpot, d.spotOptions(), 'slowSpot');
      d.fastSpot = Spot.fromJSON(s.fastSpot, d.spotOptions(), 'fastSpot');
    }
    d.rows = dec(s.rows, 'rows');
    d.episodeQuiet = dec(s.episodeQuiet, 'episodeQuiet');
    if (!legacy) {
      // Version 2 kept the episode's peak as a surprise, version 3 as a multiple of its threshold.
      d.episodePeak = dec(s.episodePeak, 'episodePeak') / (s.version === 2 ? d.fastSpot.threshold : 1);
      d.sincePeak = dec(s.sincePeak, 'sincePeak');
      // Saved before fresh changes were scored: as after a quiet stretch.
      if (s.fastQuiet !== undefined) d.fastQuiet = dec(s.fastQuiet, 'fastQuiet');
      if (s.episodeAlarms !== undefined) {
        d.episodeAlarms = dec(s.episodeAlarms, 'episodeAlarms');
        d.onsetSlow = dec(s.onsetSlow, 'onsetSlow');
        d.onsetFast = dec(s.onsetFast, 'onsetFast');
      }
      d.outOfOrder = dec(s.outOfOrder, 'outOfOrder');
    }
    // Saved before alarms standing alone were learnt: an open episode counts as a lasting one
    // (more than one alarm row), so nothing is learnt from it.
    if (s.episodeAlarms === undefined && d.episodeQuiet >= 0) d.episodeAlarms = 2;
    d.firstTs = dec(s.firstTs, 'firstTs');
    d.lastTs = dec(s.lastTs, 'lastTs');
    d.grow();
    return d;
  }
}
