import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type express from 'express';
import nodeRed from 'node-red';

/** A node of a running flow, fed the way an inject node feeds it. */
export interface FlowNode {
  receive(msg: object): void;
}

/** The parts of the node-red module the benchmarks use; its published typings are looser. */
export interface EmbeddedRed {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly httpNode: express.Express;
  readonly httpAdmin: express.Express;
  readonly nodes: { getNode(id: string): FlowNode | null };
  runtime: { flows: { setFlows(opts: { flows: { flows: object[] }; deploymentType: string }): Promise<unknown> } };
}

export const RED = nodeRed as unknown as EmbeddedRed;

/** The compiled nodes of these areas (dist/nodes/<area>, with their editor files and locales). */
export function nodeAreas(...areas: string[]): string[] {
  return areas.map((area) => path.resolve(__dirname, '..', 'nodes', area));
}

/**
 * Settings for a runtime embedded in a benchmark, with `settings` added: flows in `userDir`'s
 * flows.json, listening on 127.0.0.1 only, and nothing that would add work or noise to a
 * measurement (warnings only, no telemetry, no installs, no projects, no tours).
 */
export function runtimeSettings(userDir: string, nodesDir: string[], settings: Record<string, unknown>): Record<string, unknown> {
  return {
    userDir,
    flowFile: 'flows.json',
    nodesDir,
    uiHost: '127.0.0.1',
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    ...settings,
  };
}

/**
 * Writes a sink node type into `userDir`/bench-nodes and returns that folder, for nodesDir.
 * Node-RED loads node types from files, so the sink reaches the benchmark's counters through a
 * probe it finds on globalThis under `Symbol.for(probeKey)`; `onMessage` is the source of a
 * `function (probe, role, msg)` that counts one message. Its editor is a name field only.
 */
export function writeSinkNode(userDir: string, type: string, label: string, probeKey: string, onMessage: string): string {
  const dir = path.join(userDir, 'bench-nodes');
  fs.mkdirSync(dir);
  const runtimeJs = `module.exports = function (RED) {
  var PROBE = Symbol.for(${JSON.stringify(probeKey)});
  var onMessage = ${onMessage};
  function Sink(config) {
    RED.nodes.createNode(this, config);
    var role = config.role;
    this.on('input', function (msg, send, done) {
      var probe = globalThis[PROBE];
      if (probe) onMessage(probe, role, msg);
      done();
    });
  }
  RED.nodes.registerType(${JSON.stringify(type)}, Sink);
};
`;
  fs.writeFileSync(path.join(dir, `${type}.js`), runtimeJs);
  fs.writeFileSync(
    path.join(dir, `${type}.html`),
    `<script type="text/javascript">
RED.nodes.registerType('${type}', { category: 'common', color: '#ddd', defaults: { name: { value: '' }, role: { value: 'arrive' } }, inputs: 1, outputs: 0, label: function () { return this.name || '${label}'; } });
</script>
<script type="text/html" data-template-name="${type}"><div class="form-row"><label for="node-input-name">Name</label><input type="text" id="node-input-name"></div></script>
`,
  );
  return dir;
}
