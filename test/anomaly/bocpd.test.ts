import assert from 'node:assert/strict';
import { Bocpd } from '../../bench/bocpd';
import { Rng } from '../../bench/random';

describe('BOCPD peer (bench)', () => {
  it('puts the posterior on a recent change just after a mean shift, and little on it before', () => {
    const rng = new Rng(3);
    const b = new Bocpd(2);
    const scores: number[] = [];
    for (let i = 0; i < 600; i++) {
      // The second variable is missing half the time and never changes: it must not score.
      scores.push(b.score([(i < 300 ? 0 : 5) + rng.normal(), i % 2 ? NaN : 10 + rng.normal()]));
    }
    const before = scores.slice(50, 300);
    const mean = before.reduce((s, x) => s + x, 0) / before.length;
    // With hazard 1/250, P(run < 5) is about 5/250 while a regime lasts.
    assert.ok(mean < 0.05, `mean score before the change ${mean.toFixed(3)}`);
    assert.ok(Math.max(...scores.slice(300, 305)) > 0.9, `after the change ${scores.slice(300, 305).map((s) => s.toFixed(2)).join(' ')}`);
    assert.equal(scores.slice(0, 23).every((s) => s === 0), true, 'the warm-up rows score 0');
  });
});
