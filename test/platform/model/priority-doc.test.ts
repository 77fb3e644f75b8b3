import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../../nodes/platform/paths';
import { computePriority } from '../../../nodes/platform/model/priority';
import type { Certainty, Severity, Urgency } from '../../../nodes/platform/model/types';
import { CERTAINTIES, SEVERITIES, URGENCIES } from '../../../nodes/platform/model/types';

describe('docs/priority.md', () => {
  it('documents exactly the matrix the code computes', () => {
    const text = fs.readFileSync(path.join(PACKAGE_ROOT, 'docs', 'priority.md'), 'utf8');
    let cells = 0;
    for (const section of text.split('### severity ').slice(1)) {
      const severity = section.split('\n')[0].trim() as Severity;
      assert.ok(SEVERITIES.includes(severity), `unknown severity heading ${severity}`);
      const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| urgency'));
      const header = section.split('\n').find((l) => l.startsWith('| urgency'))!;
      const certainties = header.split('|').slice(2, -1).map((c) => c.trim()) as Certainty[];
      assert.deepEqual(certainties, [...CERTAINTIES]);
      for (const row of rows) {
        const [urgency, ...values] = row.split('|').slice(1, -1).map((c) => c.trim());
        assert.ok(URGENCIES.includes(urgency as Urgency));
        values.forEach((value, i) => {
          assert.equal(value, computePriority(severity, urgency as Urgency, certainties[i]), `${severity}/${urgency}/${certainties[i]}`);
          cells += 1;
        });
      }
    }
    assert.equal(cells, SEVERITIES.length * URGENCIES.length * CERTAINTIES.length);
  });
});
