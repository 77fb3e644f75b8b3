import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform/model/types';
import { PACKAGE_ROOT } from '../../nodes/platform/paths';
import { allNodes, api, load, useRuntime, waitFor } from '../support/nodered';

describe('the demo flow', function () {
  useRuntime();

  it('raises alerts of several tools and priorities within its first minute, all marked Exercise', async () => {
    const flow = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as Array<Record<string, unknown>>;
    const exercise = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo-exercise.json'), 'utf8')) as { events: Array<{ at: string }> };
    const firstMinute = exercise.events.filter((e) => /^PT(\d+)S$/.test(e.at) && Number(/^PT(\d+)S$/.exec(e.at)![1]) < 60).length;
    // Scenario time runs 100 times faster here: the timeline decides what comes, not the clock.
    const fast = flow.map((n) => (n.type === 'impetus-scenario' ? { ...n, speed: 100 } : n));
    await load(allNodes, fast);
    let alerts: Alert[] = [];
    await waitFor(async () => {
      alerts = (await api().get('/impetus/api/alerts?limit=100').expect(200)).body.items;
      return alerts.reduce((sum, a) => sum + a.count, 0) >= firstMinute;
    }, 'the first minute of the exercise');
    assert.ok(new Set(alerts.map((a) => a.tool)).size >= 4, `tools: ${alerts.map((a) => a.tool)}`);
    assert.ok(new Set(alerts.map((a) => a.priority)).size >= 3, `priorities: ${alerts.map((a) => a.priority)}`);
    assert.ok(alerts.every((a) => a.status === 'Exercise'));
    assert.ok(alerts.some((a) => a.count > 1), 'the repeated sighting is deduplicated');
  });
});
