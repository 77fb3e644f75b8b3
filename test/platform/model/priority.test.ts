import assert from 'node:assert/strict';
import { computePriority, priorityRank } from '../../../nodes/platform/model/priority';
import { CERTAINTIES, SEVERITIES, URGENCIES } from '../../../nodes/platform/model/types';

describe('priority matrix', () => {
  it('takes its base from severity when urgency and certainty are neutral', () => {
    assert.equal(computePriority('critical', 'Immediate', 'Likely'), 'P1');
    assert.equal(computePriority('high', 'Expected', 'Likely'), 'P2');
    assert.equal(computePriority('medium', 'Immediate', 'Observed'), 'P3');
    assert.equal(computePriority('low', 'Immediate', 'Observed'), 'P4');
  });

  it('raises a high alert that is immediate and observed to P1', () => {
    assert.equal(computePriority('high', 'Immediate', 'Observed'), 'P1');
  });

  it('lowers alerts that are not actionable now or doubtful, one step each', () => {
    assert.equal(computePriority('critical', 'Future', 'Observed'), 'P2');
    assert.equal(computePriority('critical', 'Past', 'Possible'), 'P3');
    assert.equal(computePriority('high', 'Expected', 'Unlikely'), 'P3');
  });

  it('does not lower an alert because a field is Unknown', () => {
    assert.equal(computePriority('critical', 'Unknown', 'Unknown'), 'P1');
    assert.equal(computePriority('medium', 'Unknown', 'Unknown'), 'P3');
  });

  it('keeps info at P4 whatever else is said', () => {
    for (const u of URGENCIES) for (const c of CERTAINTIES) assert.equal(computePriority('info', u, c), 'P4');
  });

  it('is monotonic in severity for every urgency and certainty', () => {
    for (const u of URGENCIES) {
      for (const c of CERTAINTIES) {
        const ranks = SEVERITIES.map((s) => priorityRank(computePriority(s, u, c)));
        for (let i = 1; i < ranks.length; i += 1) assert.ok(ranks[i] >= ranks[i - 1], `${u}/${c}: ${ranks.join(',')}`);
      }
    }
  });
});
