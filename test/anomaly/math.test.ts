import assert from 'node:assert/strict';
import { chi2Surprise, cholesky, inverseFromCholesky, logGamma, logGammaQ, median, normalQuantile, quantile, solveSpd } from '../../nodes/anomaly/math';
import { LocalTime } from '../../nodes/anomaly/local-time';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('anomaly math', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    close(logGamma(5), Math.log(24), 1e-12, 'Γ(5)');
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12, 'Γ(0.5)');
    close(logGamma(20.5), 40.8315009745308, 1e-9, 'Γ(20.5)');
  });

  it('chi-square tail probabilities match reference values, deep into the tail', () => {
    // P(χ²₁ ≥ 3.841458820694124) = 0.05; P(χ²₂ ≥ x) = e^{-x/2} exactly.
    close(chi2Surprise(3.841458820694124, 1), -Math.log(0.05), 1e-9, 'χ²₁ 95 %');
    for (const x of [0.1, 2, 10, 200, 1400]) close(chi2Surprise(x, 2), x / 2, 1e-9 * Math.max(1, x), `χ²₂ at ${x}`);
    // P(χ²₁₀ ≥ 23.209251158954356) = 0.01.
    close(chi2Surprise(23.209251158954356, 10), -Math.log(0.01), 1e-9, 'χ²₁₀ 99 %');
    // 40σ in one dimension: ln P = ln erfc(40/√2) ≈ -803.91529483321 (asymptotic series of erfc); a double p-value would be 0.
    close(chi2Surprise(1600, 1), 803.9152948332096, 1e-6, '40σ');
    assert.equal(chi2Surprise(0, 3), 0);
  });

  it('logGammaQ is 0 at x = 0 and decreases with x', () => {
    assert.equal(logGammaQ(2, 0), 0);
    let prev = 0;
    for (let x = 0.5; x < 50; x += 0.5) {
      const v = logGammaQ(2.5, x);
      assert.ok(v < prev, `monotone at ${x}`);
      prev = v;
    }
  });

  it('normalQuantile inverts the standard normal', () => {
    close(normalQuantile(0.975), 1.959963984540054, 1e-8, '97.5 %');
    close(normalQuantile(1e-6), -4.753424308822899, 1e-7, '1e-6');
    close(normalQuantile(0.5), 0, 1e-12, 'median');
    assert.throws(() => normalQuantile(1), RangeError);
  });

  it('median and quantile', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.9), 4.6);
  });

  it('Cholesky inverse and SPD solve agree with the matrix', () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 3, 0.4, 0.6, 0.4, 2]);
    const l = a.slice();
    assert.ok(cholesky(l, 3));
    const inv = new Float64Array(9);
    inverseFromCholesky(l, 3, inv);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k] * inv[k * 3 + j];
        close(s, i === j ? 1 : 0, 1e-12, `A·A⁻¹[${i}][${j}]`);
      }
    }
    const b = Float64Array.from([1, 2, 3]);
    assert.ok(solveSpd(a.slice(), 3, b));
    for (let i = 0; i < 3; i++) close(a[i * 3] * b[0] + a[i * 3 + 1] * b[1] + a[i * 3 + 2] * b[2], i + 1, 1e-12, `row ${i}`);
    assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), false, 'indefinite');
  });
});

describe('local time', () => {
  it('puts UTC instants in the right hour of the week', () => {
    const utc = new LocalTime('UTC');
    assert.equal(utc.hourOfWeek(Date.UTC(2025, 2, 3, 0, 0)), 0, 'Monday 00:00');
    assert.equal(utc.hourOfWeek(Date.UTC(2025, 2, 9, 23, 30)), 167.5, 'Sunday 23:30');
    assert.equal(utc.hourOfWeek(Date.UTC(2025, 2, 5, 8, 15)), 2 * 24 + 8.25, 'Wednesday 08:15');
  });

  it('follows daylight-saving time in an IANA zone', () => {
    const oslo = new LocalTime('Europe/Oslo');
    // Winter: UTC+1; summer: UTC+2 (the switch was on 2025-03-30 at 01:00 UTC).
    assert.equal(oslo.hourOfWeek(Date.UTC(2025, 2, 3, 7, 0)), 8);
    assert.equal(oslo.hourOfWeek(Date.UTC(2025, 2, 30, 0, 30)), 6 * 24 + 1.5, 'before the switch');
    assert.equal(oslo.hourOfWeek(Date.UTC(2025, 2, 30, 1, 30)), 6 * 24 + 3.5, 'after the switch');
    assert.equal(oslo.dayNumber(Date.UTC(2025, 5, 1, 22, 30)), oslo.dayNumber(Date.UTC(2025, 5, 2, 0, 0)), '00:30 local is the next day');
  });

  it('accepts fixed offsets and refuses unknown zones', () => {
    assert.equal(new LocalTime('+02:00').hourOfWeek(Date.UTC(2025, 2, 3, 0, 0)), 2);
    assert.equal(new LocalTime('-0130').hourOfWeek(Date.UTC(2025, 2, 3, 2, 0)), 0.5);
    assert.throws(() => new LocalTime('Mars/Olympus'), RangeError);
  });
});
