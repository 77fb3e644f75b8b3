/**
 * The plain baseline the anomaly detector is measured against: per variable, an exponentially
 * weighted mean and variance; a row alarms when some |z| = |x − mean| / sd exceeds k, where k
 * is the Gaussian quantile for the same false-alarm rate (Bonferroni over the variables). Its
 * explanation is the variable with the largest |z|.
 */
import { normalQuantile } from '../nodes/anomaly/math';

export class EwmaZScore {
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private readonly seen: Float64Array;
  readonly k: number;
  /** Variable with the largest |z| in the last row, and that |z|. */
  top = -1;
  topZ = 0;

  constructor(readonly p: number, falseAlarmRate: number, readonly alpha: number, readonly warmup: number, k?: number) {
    this.mean = new Float64Array(p);
    this.variance = new Float64Array(p);
    this.seen = new Float64Array(p);
    this.k = k ?? normalQuantile(1 - falseAlarmRate / (2 * p));
  }

  /** The row's largest |z| (0 while warming up), then learns the row. */
  score(values: ArrayLike<number>): number {
    this.top = -1;
    this.topZ = 0;
    for (let j = 0; j < this.p; j++) {
      const x = values[j];
      if (!Number.isFinite(x)) continue;
      const n = this.seen[j];
      if (n === 0) {
        this.mean[j] = x;
        this.seen[j] = 1;
        continue;
      }
      const d = x - this.mean[j];
      if (n >= this.warmup) {
        const z = Math.abs(d) / Math.sqrt(Math.max(this.variance[j], 1e-12));
        if (z > this.topZ) {
          this.topZ = z;
          this.top = j;
        }
      }
      // Starts as a running mean, then forgets at rate alpha (West's weighted update).
      const a = Math.max(this.alpha, 1 / (n + 1));
      this.mean[j] += a * d;
      this.variance[j] = (1 - a) * (this.variance[j] + a * d * d);
      this.seen[j] = n + 1;
    }
    return this.topZ;
  }

  alarm(values: ArrayLike<number>): boolean {
    return this.score(values) > this.k;
  }
}
