import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { allNodes, helper, load, useRuntime } from '../support/nodered';

const examplesDir = path.join(PACKAGE_ROOT, 'examples');
const ourTypes = Object.keys(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'))['node-red'].nodes);
const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json'));

describe('example flows', function () {
  useRuntime();

  it('exist for every node type we register', () => {
    const covered = new Set(examples.flatMap((f) => JSON.parse(fs.readFileSync(path.join(examplesDir, f), 'utf8')).map((n: { type: string }) => n.type)));
    assert.deepEqual(ourTypes.filter((t) => !covered.has(t)), []);
  });

  for (const file of examples) {
    it(`${file} loads and starts with every node known`, async () => {
      const flow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as Array<{ id: string; type: string; z?: string }>;
      await load(allNodes, flow);
      for (const n of flow) {
        if (n.type === 'tab') continue;
        assert.ok(helper.getNode(n.id), `${file}: node ${n.id} (${n.type}) did not start`);
      }
    });
  }
});
