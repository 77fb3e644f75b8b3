import type { Node, NodeAPI } from 'node-red';
import type { AlertDraft } from '../platform';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { readCommand } from './input';
import { DEFAULT_MODEL, WorkloadModel } from './model';
import { WorkloadMonitor } from './monitor';
import type { MonitorOptions } from './monitor';
import { OwnIndicators } from './own';
import { consoleUsers, monitorOptions, num } from './settings';
import type { WorkloadNodeDef } from './settings';


export = function (RED: NodeAPI): void {
  const t = translator(RED, 'impetus-workload', __dirname);

  function WorkloadNode(this: Node, config: WorkloadNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let opts: MonitorOptions;
    let rates: { eeg?: number; ppg?: number };
    let users: Map<string, string>;
    try {
      opts = monitorOptions(config);
      users = consoleUsers(config.consoleUsers);
      rates = {
        eeg: config.eegRate ? num(config.eegRate, 0, 'EEG rate', 64, 2048) : undefined,
        ppg: config.ppgRate ? num(config.ppgRate, 0, 'PPG rate', 16, 1024) : undefined,
      };
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }
    const loading = WorkloadModel.load(config.model?.trim() || DEFAULT_MODEL);
    let monitor: WorkloadMonitor | undefined;
    loading.then(
      (model) => {
        monitor = new WorkloadMonitor(model, opts);
        status.ok(t('status.waiting'));
      },
      (err: Error) => {
        status.error(t('status.noModel'));
        node.error(t('errors.model', { message: err.message }));
      },
    );
    // One estimate at a time: messages arrive concurrently, the model runs on a batch.
    let chain: Promise<unknown> = Promise.resolve();
    let lastRows = 0;
    // Each mapped operator's own row for their console user; an unmapped one is warned of once.
    const own = new OwnIndicators(users, (operator) => node.warn(t('warn.unmapped', { operator })));

    const publish = (drafts: AlertDraft[], force = false) => {
      const out: Array<Array<{ payload: unknown; topic?: string }> | null> = [drafts.map((d) => ({ payload: d })), null, null, null, null];
      const now = Date.now();
      if (monitor && (force || drafts.length || now - lastRows >= 1000)) {
        lastRows = now;
        const rows = monitor.rows();
        out[1] = [{ payload: rows }];
        out[2] = rows.filter((r) => r.index !== undefined).map((r) => ({ topic: r.operator, payload: { x: Date.parse(r.updated!), y: r.index } }));
        const team = monitor.team();
        const sensors = rows.filter((r) => r.sensor !== 'ok' && r.state !== 'paused').length;
        out[3] = [{ payload: { state: team.high || sensors ? 'degraded' : 'ok', text: t('status.team', { high: team.high, low: team.low, monitored: team.monitored, sensors }) }, topic: 'team' }];
        out[4] = own.messages(rows);
        status.okLazy(() => t('status.team', { high: team.high, low: team.low, monitored: team.monitored, sensors }));
      }
      if (out.some((o) => o && o.length)) node.send(out as never);
    };

    const quietTimer = setInterval(() => {
      if (!monitor) return;
      monitor.prune(Date.now());
      publish(monitor.checkQuiet(Date.now()));
    }, 5000);

    handleInput(node, status, async (msg, send) => {
      const m: WorkloadMonitor = monitor ?? (await loading.then((x) => (monitor ??= new WorkloadMonitor(x, opts))));
      const cmd = readCommand(msg as never, { operator: config.operator?.trim() || undefined, rates, now: Date.now() });
      if (cmd.kind === 'pause' || cmd.kind === 'resume') {
        const paused = cmd.kind === 'pause';
        // From the operator's own indicator: the presser is the console user mapped to the operator.
        const self = cmd.username !== undefined && users.get(cmd.operator) === cmd.username;
        const draft = m.setPaused(cmd.operator, paused, cmd.by, Date.now(), self);
        // The pause is told first, as an alert the supervisor's audit keeps: who paused whom, when.
        send([{ payload: draft }, null, null, null, null]);
        publish([], true);
        return;
      }
      if (cmd.kind === 'calibrate') {
        status.ok(m.calibrate(cmd.operator, cmd.segment, cmd.action));
        publish([], true);
        return;
      }
      if (cmd.kind !== 'samples') return;
      const { chunk } = cmd;
      const events = m.ingest(chunk, Date.now());
      for (const e of events) if (e.kind === 'device-changed') node.warn(t('warn.device', { operator: chunk.operator, from: e.from, to: e.to }));
      const run = chain.then(() => m.step());
      chain = run.catch(() => undefined);
      publish(await run);
    }, async () => {
      clearInterval(quietTimer);
      await chain;
      await (await loading.catch(() => undefined))?.close();
    });
  }

  RED.nodes.registerType('impetus-workload', WorkloadNode);
};
