import assert from 'node:assert/strict';
import { bootstrapLead } from '../../bench/anomaly-real';
import { nabScore } from '../../bench/nab';

/** One file of 1,000 rows with one window at rows 400–499; `found` says whether a detector hits its start. */
const file = (found: boolean) => nabScore(found ? [400] : [], [{ start: 400, end: 499 }], 0);

describe('held-out lead with a bootstrap interval (quality bench)', () => {
  it('is zero with a zero-width interval when both detectors score alike', () => {
    const same = Array.from({ length: 20 }, (_, i) => file(i % 2 === 0));
    const b = bootstrapLead(same, same);
    assert.deepEqual([b.lead, b.low, b.high], [0, 0, 0]);
  });

  it('stays above zero when the lead comes from every file', () => {
    const b = bootstrapLead(Array.from({ length: 20 }, () => file(true)), Array.from({ length: 20 }, () => file(false)));
    assert.ok(b.lead > 90 && b.low > 90, `lead ${b.lead}, interval ${b.low} to ${b.high}`);
  });

  it('reaches down to zero when one file of twenty carries the lead', () => {
    const peer = Array.from({ length: 20 }, (_, i) => file(i < 10));
    const ours = peer.map((r, i) => (i === 10 ? file(true) : r));
    const b = bootstrapLead(ours, peer);
    // The file is missing from about a third of the draws ((19/20)^20), so the low end is 0.
    assert.ok(b.lead > 0 && b.low === 0 && b.high > b.lead, `lead ${b.lead}, interval ${b.low} to ${b.high}`);
  });
});
