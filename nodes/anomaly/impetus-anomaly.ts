/**
 * impetus-anomaly: the Urban Anomaly Detector as a node. Readings in (from impetus-sensor-in,
 * or any format it reads); per group (a sensor, a zone, or everything) they are assembled
 * into rows and scored by a streaming detector whose state is saved, so a restart continues
 * where it left off.
 *
 * Outputs: 1 a score per row, 2 alert drafts (at the onset of each anomalous episode, for
 * impetus-alert), 3 chart points with the expected band (for impetus-ui-chart, line), 4 the
 * contributions of an alert (for impetus-ui-chart, bar).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Send } from '../platform/node-kit';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { readPayload } from '../sensors/formats';
import { integerSetting, isExercise } from '../sensors/node-support';
import { Collector } from '../sensors/reading';
import type { Point, Reading } from '../sensors/reading';
import { resolveConfig } from './config';
import type { DetectorConfig } from './config';
import { AnomalyDetector } from './detector';
import type { RowResult } from './detector';
import { anomalyDraft } from './explain';
import { ContextStateStore, SavedState, nodeStateFile } from './persist';
import type { StateStore } from './persist';
import { RowAssembler } from './rows';
import { StateError } from './state-codec';

interface AnomalyNodeDef extends NodeDef {
  groupBy?: 'sensor' | 'zone' | 'all';
  interval?: string | number;
  falseAlarmRate?: string | number;
  seasonality?: string;
  timeZone?: string;
  warmupHours?: string | number;
  calibrationSamples?: string | number;
  /** Further detector settings as JSON (see docs/anomaly.md). */
  settings?: string;
  persist?: 'file' | 'context' | 'none';
  contextStore?: string;
  saveEvery?: string | number;
  maxGroups?: string | number;
  event?: string;
  category?: string;
  severity?: string;
  highScore?: string | number;
}

interface Group {
  detector: AnomalyDetector;
  /** Variables seen, scored or still pending: what maxVariables counts. */
  dimensions: Set<string>;
  zone?: string;
  location?: Point;
  exercise: boolean;
  /** Variables seen below zero: the others (counts, levels) get a chart band that stops at zero. */
  negative: Set<string>;
}

type Msg = NodeMessageInFlow & { exercise?: boolean; status?: unknown; reset?: unknown };

const STATE_VERSION = 1;
/** The chart band: expected ± this many robust spreads. */
const BAND = 3;

export = function (RED: NodeAPI): void {
  function ImpetusAnomalyNode(this: Node, config: AnomalyNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-anomaly', __dirname);
    let detectorConfig: DetectorConfig;
    let groupBy: 'sensor' | 'zone' | 'all';
    let intervalMs: number;
    let maxGroups: number;
    let saveEveryMs: number;
    let highScore: number;
    let store: StateStore | undefined;
    try {
      let extra: Record<string, unknown> = {};
      if (config.settings && config.settings.trim()) {
        try {
          extra = JSON.parse(config.settings) as Record<string, unknown>;
        } catch (err) {
          throw new Error(`settings must be a JSON object: ${(err as Error).message}`);
        }
      }
      // The node's own fields, when set, win over the same keys in More settings.
      const fields: Record<string, unknown> = {};
      for (const key of ['falseAlarmRate', 'seasonality', 'timeZone', 'warmupHours', 'calibrationSamples'] as const) {
        if (config[key] !== undefined && config[key] !== '') fields[key] = config[key];
      }
      detectorConfig = resolveConfig({ ...extra, ...fields });
      groupBy = config.groupBy === 'zone' || config.groupBy === 'all' ? config.groupBy : 'sensor';
      intervalMs = integerSetting(config.interval, 'interval', 0, 0, 86_400) * 1000;
      maxGroups = integerSetting(config.maxGroups, 'maxGroups', 1000, 1, 100_000);
      saveEveryMs = integerSetting(config.saveEvery, 'saveEvery', 60, 1, 86_400) * 1000;
      highScore = config.highScore === undefined || config.highScore === '' ? 0.8 : Number(config.highScore);
      if (!(highScore > 0.5 && highScore <= 1)) throw new Error(`highScore must be above 0.5 and at most 1, got ${config.highScore}`);
      if (config.persist === 'context') store = new ContextStateStore(node.context() as never, 'anomaly-state', config.contextStore || undefined);
      else if (config.persist !== 'none') {
        store = nodeStateFile(RED.settings.userDir as string | undefined, 'anomaly', node.id);
      }
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    const groups = new Map<string, Group>();
    let alerts = 0;
    let output: Send | undefined;

    const newGroup = (): Group => ({ detector: new AnomalyDetector(detectorConfig), dimensions: new Set(), exercise: false, negative: new Set() });

    const assembler = new RowAssembler(intervalMs, Math.max(2 * intervalMs, 5_000), (groupId, ts, values) => {
      const g = groups.get(groupId)!;
      const row = new Float64Array(g.detector.variables + values.size).fill(NaN);
      for (const [name, value] of values) row[g.detector.variable(name)] = value;
      const r = g.detector.step(ts, row.subarray(0, g.detector.variables));
      saved.changed();
      emit(groupId, g, r, values);
    });

    function emit(groupId: string, g: Group, r: RowResult, values: Map<string, number>): void {
      const send = output ?? ((m: Array<NodeMessage | null>) => node.send(m));
      const marks = g.exercise ? { exercise: true, status: 'Exercise' } : {};
      const score: NodeMessage = {
        ...marks,
        topic: groupId,
        payload: {
          ts: r.ts,
          time: new Date(r.ts).toISOString(),
          group: groupId,
          score: r.score,
          alarm: r.alarm,
          onset: r.onset,
          surprise: r.surprise,
          threshold: r.threshold,
          warmingUp: r.warmingUp,
          calibrating: r.calibrating,
          observed: r.observed,
          ...(r.contributors ? { contributors: r.contributors } : {}),
        },
      };
      const band: Array<Record<string, unknown>> = [];
      for (const [name, value] of values) {
        const i = g.detector.names.indexOf(name);
        const b = g.detector.band(i);
        const point: Record<string, unknown> = { series: name, x: r.ts, y: value };
        if (value < 0) g.negative.add(name);
        if (Number.isFinite(b.expected) && Number.isFinite(b.scale)) {
          const low = b.expected - BAND * b.scale;
          point.low = low < 0 && !g.negative.has(name) ? 0 : low;
          point.high = b.expected + BAND * b.scale;
        }
        band.push(point);
      }
      let draft: NodeMessage | null = null;
      let bars: NodeMessage | null = null;
      if (r.onset) {
        alerts += 1;
        draft = {
          ...marks,
          topic: groupId,
          payload: anomalyDraft(r, {
            sourceNode: node.id,
            group: groupId,
            zone: g.zone,
            location: g.location,
            event: config.event || 'Urban anomaly',
            category: config.category || 'Safety',
            severity: config.severity || 'medium',
            highScore,
            falseAlarmRate: detectorConfig.falseAlarmRate,
            exercise: g.exercise,
            timeZone: detectorConfig.timeZone,
          }),
        };
        bars = { topic: groupId, payload: Object.fromEntries((r.contributors ?? []).map((c) => [`${c.variable} (${c.direction})`, Number(c.share.toFixed(3))])) };
      }
      send([score, draft, { ...marks, topic: groupId, payload: band }, bars]);
      const calibration = g.detector.calibration;
      const text = r.warmingUp
        ? t('status.warming', { group: groupId, rows: g.detector.rows })
        : r.alarm
          ? t('status.alarm', { group: groupId, score: r.score.toFixed(2), alerts })
          : r.calibrating
            ? t('status.calibrating', { group: groupId, score: r.score.toFixed(2), seen: calibration.seen, needed: calibration.needed, alerts })
            : t('status.score', { group: groupId, score: r.score.toFixed(2), groups: groups.size, alerts });
      if (r.alarm) status.warn(text);
      else status.ok(text);
    }

    function groupOf(r: Reading): string {
      if (groupBy === 'all') return 'all';
      if (groupBy === 'zone') return r.zone ?? r.sensorId;
      return r.sensorId;
    }

    const dimension = (r: Reading) => (groupBy === 'sensor' ? r.variable : `${r.sensorId}/${r.variable}`);

    // Loading the saved state comes first: input waits for it.
    const saved = new SavedState(
      store,
      STATE_VERSION,
      { warn: (m) => node.warn(m), log: (m) => node.log(m) },
      (state) => {
        const entries = state.groups && typeof state.groups === 'object' ? Object.entries(state.groups as Record<string, { detector: unknown; zone?: string; location?: Point }>) : [];
        for (const [id, g] of entries) {
          try {
            const detector = AnomalyDetector.fromJSON(g.detector, detectorConfig);
            groups.set(id, { detector, dimensions: new Set(detector.names), zone: g.zone, location: g.location, exercise: false, negative: new Set() });
          } catch (err) {
            if (!(err instanceof StateError)) throw err;
            node.warn(t('warn.groupReset', { group: id, detail: err.message }));
          }
        }
        status.set({ fill: 'grey', shape: 'dot', text: t('status.restored', { groups: groups.size }) });
      },
      () => ({ groups: Object.fromEntries([...groups].map(([id, g]) => [id, { detector: g.detector.toJSON(), zone: g.zone, location: g.location }])) }),
      saveEveryMs,
    );

    const stale = intervalMs > 0 ? setInterval(() => assembler.flushStale(Date.now()), intervalMs) : undefined;
    stale?.unref();

    handleInput(
      node,
      status,
      async (raw, send) => {
        await saved.loaded;
        const msg = raw as Msg;
        // msg.reset, or topic "reset" (what a scenario timeline can send): forget everything learnt.
        if (msg.reset === true || msg.topic === 'reset') {
          groups.clear();
          assembler.clear();
          alerts = 0;
          saved.changed();
          status.set({ fill: 'grey', shape: 'ring', text: t('status.reset') });
          return;
        }
        const readings = Array.isArray(msg.payload) && msg.payload.every(isReading) ? (msg.payload as Reading[]) : parse(msg);
        if (!readings.length) throw new Error(t('errors.noReadings'));
        const exercise = isExercise(msg);
        const now = Date.now();
        let late = 0;
        output = send;
        try {
          for (const r of readings) {
            const id = groupOf(r);
            let g = groups.get(id);
            if (!g) {
              if (groups.size >= maxGroups) throw new Error(t('errors.tooManyGroups', { max: maxGroups, group: id }));
              g = newGroup();
              groups.set(id, g);
            }
            const dim = dimension(r);
            if (!g.dimensions.has(dim)) {
              if (g.dimensions.size >= detectorConfig.maxVariables) throw new Error(t('errors.tooManyVariables', { max: detectorConfig.maxVariables, group: id, variable: dim }));
              g.dimensions.add(dim);
            }
            if (r.zone) g.zone = r.zone;
            if (r.location) g.location = r.location;
            g.exercise = exercise;
            if (!assembler.add(id, dim, r.ts, r.value, now)) late += 1;
          }
          assembler.flushComplete();
        } finally {
          output = undefined;
        }
        if (late) node.warn(t('warn.late', { count: late }));
      },
      () => {
        if (stale) clearInterval(stale);
        // A group's last row, still waiting for readings, is not scored now: messages sent
        // while the flow stops would go nowhere. It is at most one row per group.
        return saved.close();
      },
    );

    function parse(msg: Msg): Reading[] {
      const out = new Collector({ now: Date.now(), topic: typeof msg.topic === 'string' ? msg.topic : undefined, defaults: {}, maxReadings: 100_000 });
      readPayload(msg.payload, 'auto', out);
      if (out.rejected.length) throw new Error(t('errors.rejected', { count: out.rejected.length, detail: out.rejected.slice(0, 3).map((r) => `${r.path}: ${r.reason}`).join('; ') }));
      return out.readings;
    }
  }
  RED.nodes.registerType('impetus-anomaly', ImpetusAnomalyNode);
};

/** A reading as impetus-sensor-in sends it: taken as is, without re-parsing. */
function isReading(r: unknown): r is Reading {
  if (!r || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  return typeof o.ts === 'number' && Number.isFinite(o.ts) && typeof o.sensorId === 'string' && typeof o.variable === 'string' && typeof o.value === 'number' && Number.isFinite(o.value);
}
