import assert from 'node:assert/strict';
import { RobustCovariance } from '../../nodes/anomaly/covariance';
import { chi2Surprise } from '../../nodes/anomaly/math';
import { Rng } from '../../bench/random';

/** p variables that share one factor: correlation ρ between any two. */
function correlated(rng: Rng, p: number, rho: number): Float64Array {
  const f = rng.normal();
  return Float64Array.from({ length: p }, () => Math.sqrt(rho) * f + Math.sqrt(1 - rho) * rng.normal());
}

function trained(p: number, rho: number, rows: number, seed: number): { cov: RobustCovariance; rng: Rng } {
  const cov = new RobustCovariance({ halfLifeRows: 2000, minShrinkage: 0.05 });
  for (let i = 0; i < p; i++) cov.addDimension();
  const rng = new Rng(seed);
  const all = new Uint8Array(p).fill(1);
  for (let r = 0; r < rows; r++) cov.update(cov.distance(correlated(rng, p, rho), all, 0));
  return { cov, rng };
}

describe('robust covariance', () => {
  it('scores a pair that breaks its correlation, though neither value is odd alone', () => {
    const { cov } = trained(2, 0.9, 3000, 1);
    const d2 = cov.distance(Float64Array.from([1.5, -1.5]), new Uint8Array([1, 1]), 0);
    // Both values are within 1.5σ; jointly d² ≈ (1.5² + 1.5² + 2·0.9·1.5²)/(1 − 0.81) ≈ 45.
    assert.ok(d2 > 30, `d² = ${d2.toFixed(1)}`);
    assert.ok(chi2Surprise(d2, 2) > -Math.log(1e-6), 'beyond a one-in-a-million level');
    const together = cov.distance(Float64Array.from([1.5, 1.5]), new Uint8Array([1, 1]), 0);
    assert.ok(together < 4, `moving together is normal: d² = ${together.toFixed(1)}`);
  });

  it('attribution finds the shifted variable (property over random trials)', () => {
    const p = 6;
    const { cov, rng } = trained(p, 0.7, 4000, 2);
    const all = new Uint8Array(p).fill(1);
    let right = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const z = correlated(rng, p, 0.7);
      const v = rng.int(p);
      // A 4σ shift of one variable against the others: what an operator wants named.
      z[v] += (rng.next() < 0.5 ? -1 : 1) * 4;
      cov.distance(z, all, 0);
      let best = 0;
      for (let i = 1; i < p; i++) if (cov.contribution(i) > cov.contribution(best)) best = i;
      if (best === v) right += 1;
    }
    // With 4σ against unit noise the leave-one-out contribution of the shifted variable is
    // about 16/(1 − ρ²_cond) against ~1 for the others; a miss needs a 3σ+ noise coincidence.
    assert.ok(right / trials > 0.95, `${right}/${trials} correct`);
  });

  it('the leave-one-out contribution is the exact drop in d² when the variable takes its conditional expectation', () => {
    const p = 4;
    const { cov } = trained(p, 0.5, 1000, 3);
    const all = new Uint8Array(p).fill(1);
    const z = Float64Array.from([0.3, 2.5, -1, 0.7]);
    const d2 = cov.distance(z, all, 0);
    const c1 = cov.contribution(1);
    const moved = z.slice();
    moved[1] = z[1] - cov.conditionalResidual(1);
    const d2moved = cov.distance(moved, all, 0);
    assert.ok(Math.abs(d2 - d2moved - c1) < 1e-9, `${d2} − ${d2moved} vs ${c1}`);
  });

  it('a missing variable is imputed so that d² equals the distance of the observed ones alone', () => {
    const p = 3;
    const { cov } = trained(p, 0.6, 2000, 4);
    cov.refresh();
    const z = Float64Array.from([1.2, 123456, -0.4]);
    const d2 = cov.distance(z, new Uint8Array([1, 0, 1]), 1);
    // Direct: invert the observed 2×2 block of Σ = P⁻¹.
    const P = cov.precision;
    const det3 = (m: number[]) => m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    const d = det3(Array.from(P));
    const cof = (r: number, c: number) => {
      const rows = [0, 1, 2].filter((i) => i !== c);
      const cols = [0, 1, 2].filter((i) => i !== r);
      const m = rows.flatMap((i) => cols.map((j) => P[i * 3 + j]));
      return ((r + c) % 2 ? -1 : 1) * (m[0] * m[3] - m[1] * m[2]);
    };
    const S = (i: number, j: number) => cof(i, j) / d;
    const a = S(0, 0);
    const b = S(0, 2);
    const c = S(2, 2);
    const det = a * c - b * b;
    const direct = (c * 1.2 * 1.2 - 2 * b * 1.2 * -0.4 + a * 0.4 * 0.4) / det;
    assert.ok(Math.abs(d2 - direct) < 1e-9, `${d2} vs ${direct}`);
  });

  it('keeps a quantised variable its spread: z mostly 0 and one row in ten ±1 reads a ±1 as ordinary', () => {
    const cov = new RobustCovariance({ halfLifeRows: 2000, minShrinkage: 0.05 });
    cov.addDimension();
    const rng = new Rng(3);
    const one = new Uint8Array([1]);
    for (let r = 0; r < 6000; r++) {
      const u = rng.next();
      cov.update(cov.distance(Float64Array.of(u < 0.05 ? 1 : u < 0.1 ? -1 : 0), one, 0));
    }
    // Without the floor Huber's weight took the ±1 rows for outliers and drove this towards zero.
    assert.ok(cov.s[0] > 0.07 && cov.s[0] < 0.13, `second moment ${cov.s[0].toFixed(3)}, the share of ±1 rows`);
    const d2 = cov.distance(Float64Array.of(1), one, 0);
    assert.ok(d2 <= 4 + 1e-9, `a one-step z of 1 has d² = ${d2.toFixed(2)}`);
    assert.ok(cov.distance(Float64Array.of(6), one, 0) > 100, 'six steps off is still far');
  });

  it('an outlier barely moves the estimate (Huber weight), and growing it keeps what was learnt', () => {
    const { cov } = trained(2, 0.8, 2000, 5);
    const before = Array.from(cov.s);
    cov.update(cov.distance(Float64Array.from([1000, -1000]), new Uint8Array([1, 1]), 0));
    assert.ok(Math.abs(cov.s[1] - before[1]) < 0.05, `covariance moved from ${before[1]} to ${cov.s[1]}`);
    const learnt = [cov.s[0], cov.s[1], cov.s[3]];
    cov.addDimension();
    assert.equal(cov.p, 3);
    assert.deepEqual([cov.s[0], cov.s[1], cov.s[4]], learnt, 'the old block keeps its values');
    assert.deepEqual([cov.s[2], cov.s[5], cov.s[8]], [0, 0, 1], 'the new variable starts uncorrelated');
  });
});
