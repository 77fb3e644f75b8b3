/**
 * What the detector expects of one variable at the next row, for any series, not only city
 * rhythms. It wraps the seasonal baseline (level, daily and weekly profiles, spread by time of
 * day) and adds what real series need on top:
 *
 * - **Seasonality only where it helps.** The flat prediction (the level) and the seasonal one
 *   (level + profile) are both scored before every update, by exponentially weighted squared
 *   errors (clipped like every other error); the profile is used with the weight
 *   e²_flat / (e²_flat + e²_seasonal). A machine temperature or a CPU load, whose "profile" is
 *   only noise learnt from a few visits per bin, ends up predicted by its level; a city's
 *   traffic by its profile. The profiles keep learning either way, so a rhythm that appears
 *   later is picked up.
 * - **Persistence.** What the baseline does not explain usually lasts: weather moves a day's
 *   demand, a machine's temperature wanders, a trend runs ahead of the level. The residual
 *   r = x − baseline is followed by a robust AR(1) filter, s ← φ·s + ψ(e), with φ the lag-one
 *   autocorrelation of the standardised, clipped residuals (learnt online, 0…0.98, weakened
 *   over gaps in time) and ψ the Huber clip of the innovation e = r − φ·s. The prediction is
 *   baseline + φ·s. A spike moves s by at most `clip` spreads, so it does not echo into the
 *   next rows; a level shift is absorbed within a few rows, so it alarms at its onset and then
 *   becomes the new normal; a trend is followed. Where residuals are white (a well-learnt
 *   rhythm), φ ≈ 0 and the prediction is the baseline's.
 * - **The spread of what is predicted.** The spread of the innovation is the baseline's spread
 *   at that time of day times κ, the learnt ratio of the innovations' robust size to the
 *   residuals' (κ = 1 where persistence does not help).
 * - **Quantised data** (counts, integer degrees): the innovation is taken half a step closer
 *   to zero (a continuity correction), so a count of 1 where 0.2 was expected is not read as a
 *   continuous 1-spread jump of a Gaussian.
 *
 * Every prediction is made before the sample is learnt.
 */
import { SeasonalBaseline } from './baseline';
import type { BaselineOptions } from './baseline';
import type { LocalTime } from './local-time';
import { decay } from './math';
import { dec, enc, record } from './state-codec';

/** Half-life of the flat-versus-seasonal errors: about three days of rows at any rate. */
const CHOICE_HALF_LIFE_MS = 3 * 86_400_000;
/** Rows after which the persistence statistics have halved their weight. */
const PERSISTENCE_HALF_LIFE_ROWS = 300;
const PHI_MAX = 0.98;
const ABS_TO_SIGMA = 1.2533141373155003;
/**
 * The slow statistic asks "has this variable been away from its usual for a while", not "is
 * this row far off" (the fast statistic's question): a relation between variables that
 * breaks, a level that drifts away are a few spreads off row after row, each row alone
 * unremarkable. Averaging the last rows' deviations (mean age about 2 rows) and capping each
 * row's (so one spike, the fast statistic's job, moves the average by at most 1.5 spreads)
 * found 24 of the 24 generated multivariate anomalies instead of 11 and 218 of the 228 generated
 * windows instead of 205, with fewer false positives (156, was 167), and kept the real tuning
 * part where it was (27.5, was 27.2; 24.5–27.3 at weights 0.25–0.4 and caps 4–6, the size of
 * its noise). The relation covariance learns the averaged deviations' own spread, so their
 * scale needs no correction here.
 */
const LASTING_WEIGHT = 0.3;
const LASTING_CAP = 5;

export class SeriesModel {
  readonly baseline: SeasonalBaseline;
  private errFlat = 0;
  private errSeasonal = 0;
  /** Weight of the seasonal profile in the prediction, 0…1. */
  seasonalWeight = 0.5;
  private phiXY = 0;
  private phiXX = 0;
  phi = 0;
  /** The persistent part of the residual (the AR state). */
  private state = 0;
  private lastU = NaN;
  private lastTs = NaN;
  private absInnovation = 0;
  private absResidual = 0;
  kappa = 1;
  private rows = 0;

  /** The prediction of the last `step`: expected value and the spread of its error. */
  expected = NaN;
  expectedScale = NaN;
  /** The baseline's own expectation and spread at the last `step` (the slow reference, without persistence). */
  reference = NaN;
  referenceScale = NaN;
  /**
   * The recent deviation from the reference, in its spreads (the slow statistic's input): the
   * rows' deviations, each capped at LASTING_CAP, averaged with weight LASTING_WEIGHT for the
   * newest (a time gap weighs as the rows it stands for).
   */
  longZ = NaN;

  constructor(options: BaselineOptions, clock: LocalTime, baseline?: SeasonalBaseline) {
    this.baseline = baseline ?? new SeasonalBaseline(options, clock);
  }

  /** Predicts x at ts, then learns it. Returns the standardised innovation, NaN while warming up. */
  step(ts: number, x: number): number {
    const b = this.baseline;
    if (!b.isWarm) {
      b.step(ts, x);
      this.expected = NaN;
      this.expectedScale = NaN;
      this.reference = NaN;
      this.referenceScale = NaN;
      this.lastTs = ts;
      return NaN;
    }
    b.predict(ts);
    const level = b.level;
    const seasonal = b.expected;
    const longScale = b.expectedScale;
    const base = level + this.seasonalWeight * (seasonal - level);
    this.reference = base;
    this.referenceScale = longScale;
    // Persistence fades over a gap: φ per typical step.
    const steps = Number.isFinite(this.lastTs) && Number.isFinite(b.typicalDt) && b.typicalDt > 0 ? Math.max(1, (ts - this.lastTs) / b.typicalDt) : 1;
    const phi = steps > 1 ? Math.pow(this.phi, Math.min(steps, 50)) : this.phi;
    const carried = phi * this.state;
    const expected = base + carried;
    const scale = Math.max(this.kappa * longScale, b.floorScale(expected));
    this.expected = expected;
    this.expectedScale = scale;
    const raw = x - expected;
    const step = Number.isFinite(b.resolution) ? b.resolution / 2 : 0;
    const e = raw > step ? raw - step : raw < -step ? raw + step : 0;
    const z = e / scale;

    // Learn: the baseline (its own seasonal residual), which prediction did better, persistence.
    const clip = b.options.clip;
    const bound = clip * longScale;
    const cap = bound * bound;
    const rate = Math.max(decay(Number.isFinite(this.lastTs) ? Math.max(0, ts - this.lastTs) : 0, CHOICE_HALF_LIFE_MS), 1 / (this.rows + 1));
    const ef = x - level - carried;
    const es = x - seasonal - carried;
    this.errFlat += rate * (Math.min(ef * ef, cap) - this.errFlat);
    this.errSeasonal += rate * (Math.min(es * es, cap) - this.errSeasonal);
    const total = this.errFlat + this.errSeasonal;
    this.seasonalWeight = total > 0 ? this.errFlat / total : 0.5;

    const r = x - base;
    const deviation = r / longScale;
    const u = Math.max(-clip, Math.min(clip, deviation));
    const capped = Math.max(-LASTING_CAP, Math.min(LASTING_CAP, deviation));
    const keep = Math.pow(1 - LASTING_WEIGHT, Math.min(steps, 50));
    this.longZ = Number.isFinite(this.longZ) ? keep * this.longZ + (1 - keep) * capped : capped;
    const a = Math.max(1 / PERSISTENCE_HALF_LIFE_ROWS, 1 / (this.rows + 1));
    if (Number.isFinite(this.lastU) && steps <= 4) {
      this.phiXY += a * (u * this.lastU - this.phiXY);
      this.phiXX += a * (this.lastU * this.lastU - this.phiXX);
      this.phi = this.phiXX > 0 ? Math.max(0, Math.min(PHI_MAX, this.phiXY / this.phiXX)) : 0;
    }
    this.lastU = u;
    const innovation = r - carried;
    const innovationBound = clip * scale;
    this.state = carried + Math.max(-innovationBound, Math.min(innovationBound, innovation));
    this.absInnovation += a * (ABS_TO_SIGMA * Math.min(Math.abs(innovation), clip * this.kappa * longScale) - this.absInnovation);
    this.absResidual += a * (ABS_TO_SIGMA * Math.min(Math.abs(r), bound) - this.absResidual);
    if (this.rows > 20 && this.absResidual > 0) this.kappa = Math.max(0.1, Math.min(1.5, this.absInnovation / this.absResidual));
    this.rows += 1;
    this.lastTs = ts;
    b.step(ts, x);
    return z;
  }

  toJSON(): object {
    return {
      baseline: this.baseline.toJSON(),
      errFlat: this.errFlat,
      errSeasonal: this.errSeasonal,
      seasonalWeight: this.seasonalWeight,
      phiXY: this.phiXY,
      phiXX: this.phiXX,
      phi: this.phi,
      state: this.state,
      lastU: enc(this.lastU),
      longZ: enc(this.longZ),
      lastTs: enc(this.lastTs),
      absInnovation: this.absInnovation,
      absResidual: this.absResidual,
      kappa: this.kappa,
      rows: this.rows,
    };
  }

  /**
   * From `toJSON()`, or from a version-1 state, which saved only the baseline: the model then
   * starts with the full profile, no persistence and κ = 1, which is what version 1 predicted,
   * and learns the rest from the next rows.
   */
  static fromJSON(raw: unknown, options: BaselineOptions, clock: LocalTime, what: string, legacyBaseline = false): SeriesModel {
    if (legacyBaseline) {
      const m = new SeriesModel(options, clock, SeasonalBaseline.fromJSON(raw, options, clock, what));
      m.seasonalWeight = 1;
      m.lastTs = m.baseline.lastTs;
      return m;
    }
    const s = record(raw, what);
    const m = new SeriesModel(options, clock, SeasonalBaseline.fromJSON(s.baseline, options, clock, `${what}.baseline`));
    m.errFlat = dec(s.errFlat, `${what}.errFlat`);
    m.errSeasonal = dec(s.errSeasonal, `${what}.errSeasonal`);
    m.seasonalWeight = dec(s.seasonalWeight, `${what}.seasonalWeight`);
    m.phiXY = dec(s.phiXY, `${what}.phiXY`);
    m.phiXX = dec(s.phiXX, `${what}.phiXX`);
    m.phi = dec(s.phi, `${what}.phi`);
    m.state = dec(s.state, `${what}.state`);
    m.lastU = dec(s.lastU, `${what}.lastU`);
    // Saved before the slow statistic averaged: it starts again from the next row.
    if (s.longZ !== undefined) m.longZ = dec(s.longZ, `${what}.longZ`);
    m.lastTs = dec(s.lastTs, `${what}.lastTs`);
    m.absInnovation = dec(s.absInnovation, `${what}.absInnovation`);
    m.absResidual = dec(s.absResidual, `${what}.absResidual`);
    m.kappa = dec(s.kappa, `${what}.kappa`);
    m.rows = dec(s.rows, `${what}.rows`);
    return m;
  }
}
