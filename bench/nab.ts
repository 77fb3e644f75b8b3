/**
 * Event-window scoring in the manner of the Numenta Anomaly Benchmark (Lavin & Ahmad, 2015),
 * standard profile: inside each labelled window only the first detection counts, weighted by
 * a scaled sigmoid of how early it came (≈ +1 at the window start, 0 at its end); a detection
 * outside every window costs A_FP, less when it trails just after a window; a window without
 * a detection costs A_FN. The raw score is normalised so that detecting nothing scores 0 and
 * detecting every window at its start scores 100.
 */

export interface Window {
  start: number;
  end: number;
}

export interface NabProfile {
  tp: number;
  fp: number;
  fn: number;
}

export const STANDARD: NabProfile = { tp: 1, fp: 0.11, fn: 1 };

/** NAB's scaled sigmoid: 2/(1 + e^{5y}) − 1, y = −1 at the window start, 0 at its end. */
function sigmoid(y: number): number {
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

export interface NabResult {
  score: number;
  /** Unnormalised: the sum over a corpus, normalised once, is NAB's corpus score (see `corpusScore`). */
  raw: number;
  nullScore: number;
  perfect: number;
  detected: boolean[];
  /** Rows from window start to first detection (NaN when missed). */
  delays: number[];
  falsePositives: number;
}

/**
 * @param detections rows (ascending) where the detector alarmed
 * @param windows non-overlapping labelled windows, ascending
 * @param from rows before this are not scored (warm-up, calibration)
 */
export function nabScore(detections: number[], windows: Window[], from: number, profile: NabProfile = STANDARD): NabResult {
  const detected = windows.map(() => false);
  const delays = windows.map(() => NaN);
  let raw = 0;
  let falsePositives = 0;
  let w = 0;
  for (const row of detections) {
    if (row < from) continue;
    while (w < windows.length && windows[w].end < row) w += 1;
    const win = windows[w];
    if (win && row >= win.start) {
      if (!detected[w]) {
        detected[w] = true;
        delays[w] = row - win.start;
        const length = win.end - win.start + 1;
        raw += profile.tp * sigmoid((row - win.end) / length);
      }
      continue;
    }
    falsePositives += 1;
    const prev = windows[w - 1];
    if (prev) {
      const length = prev.end - prev.start + 1;
      raw += profile.fp * sigmoid((row - prev.end) / length);
    } else raw -= profile.fp;
  }
  for (const d of detected) if (!d) raw -= profile.fn;
  const nullScore = -profile.fn * windows.length;
  const perfect = windows.length * profile.tp * sigmoid(-1);
  const score = windows.length ? (100 * (raw - nullScore)) / (perfect - nullScore) : 0;
  return { score, raw, nullScore, perfect, detected, delays, falsePositives };
}

/**
 * NAB's score of a corpus: raw scores summed over every series, then normalised once, so a
 * series without any labelled window still costs its false positives (a per-series average
 * would score such a series 0 whatever it raised).
 */
export function corpusScore(results: Array<Pick<NabResult, 'raw' | 'nullScore' | 'perfect'>>): number {
  let raw = 0;
  let nullScore = 0;
  let perfect = 0;
  for (const r of results) {
    raw += r.raw;
    nullScore += r.nullScore;
    perfect += r.perfect;
  }
  return perfect > nullScore ? (100 * (raw - nullScore)) / (perfect - nullScore) : 0;
}
