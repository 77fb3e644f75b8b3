/**
 * One event, one name: what the detectors raise, what the demo's exercise and the example flows
 * send by hand for the same situation, spelt the same (an operator filters and a silence matches
 * on it; the fingerprint includes it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';

/** Event names in flow and timeline files, by tool. */
function eventNames(): Map<string, Set<string>> {
  const byTool = new Map<string, Set<string>>();
  const add = (tool: unknown, event: unknown, where: string) => {
    if (typeof tool !== 'string' || typeof event !== 'string' || !event) return;
    if (!byTool.has(tool)) byTool.set(tool, new Set());
    byTool.get(tool)!.add(`${event}\t${where}`);
  };
  const files = [
    ...fs.readdirSync(path.join(PACKAGE_ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((f) => path.join('examples', f)),
    path.join('flows', 'demo.json'), path.join('flows', 'demo-exercise.json'),
  ];
  for (const file of files) {
    const text = fs.readFileSync(path.join(PACKAGE_ROOT, file), 'utf8');
    const content = JSON.parse(text) as unknown;
    const nodes = Array.isArray(content) ? content as Array<Record<string, unknown>> : [];
    for (const n of nodes) {
      // An inject's JSON draft wired to an impetus-alert node of a fixed tool.
      if (n.type === 'inject' && n.payloadType === 'json' && typeof n.payload === 'string') {
        const draft = JSON.parse(n.payload) as { tool?: string; event?: string };
        const target = nodes.find((m) => (n.wires as string[][] | undefined)?.flat().includes(m.id as string) && m.type === 'impetus-alert');
        add(draft.tool ?? target?.tool, draft.event, file);
      }
    }
    const events = (content as { events?: Array<{ payload?: { tool?: string; event?: string } }> }).events ?? [];
    for (const e of events) add(e.payload?.tool, e.payload?.event, file);
  }
  return byTool;
}

describe('event names', () => {
  it('every hand-made firearm draft in the demo and the examples says "Firearm detected", as the detector does (test/vision/nodes.test.ts)', () => {
    const firearm = [...(eventNames().get('firearm') ?? [])].map((e) => e.split('\t')[0]);
    assert.ok(firearm.length > 0);
    assert.deepEqual([...new Set(firearm)], ['Firearm detected']);
  });

  it('the bacteria drafts of the examples use the bacteria detector\'s names', () => {
    const bacteria = [...(eventNames().get('bacteria') ?? [])].map((e) => e.split('\t')[0]);
    assert.ok(bacteria.length > 0);
    // The names nodes/bacteria/drafts.ts gives its alerts (checked there by test/bacteria).
    const detector = ['Dangerous pathogen identified', 'Airborne bacteria above threshold', 'Airborne bacteria above background', 'Sampler failure'];
    assert.deepEqual(bacteria.filter((e) => !detector.includes(e)), []);
  });
});
