/**
 * The workload monitor of a team, without Node-RED: signals in, per-operator estimates, alert
 * drafts and the supervisor's rows out. Raw samples live only in the sliding windows (a few
 * tens of seconds); estimates are kept for the retention time and then deleted; nothing is
 * written to disk. A paused operator's samples are dropped on arrival.
 */
import type { AlertDraft } from '../platform';
import { DEFAULT_WINDOWS, OperatorSignals } from './features';
import type { FeatureRecord, SignalEvent, WindowOptions } from './features';
import { align, modelInput } from './model';
import type { Calibration, WorkloadModel } from './model';
import type { Chunk } from './samples';
import { DEFAULT_BANDS, WorkloadTracker } from './tracker';
import type { Bands, WorkloadState } from './tracker';

export interface MonitorOptions {
  zone: string;
  windows: WindowOptions;
  bands: Bands;
  /** An estimate every so many seconds of data. */
  stepS: number;
  /** Estimates older than this are deleted, hours. */
  retentionH: number;
  /** No data for this long (wall clock) is a sensor alert, seconds. */
  noDataS: number;
  /** Battery percentage at or below which to alert. */
  batteryLow: number;
  exercise: boolean;
}

export const DEFAULT_MONITOR: MonitorOptions = {
  zone: 'control-room', windows: DEFAULT_WINDOWS, bands: DEFAULT_BANDS, stepS: 10, retentionH: 12, noDataS: 30, batteryLow: 15, exercise: false,
};

export interface Estimate {
  at: number;
  index: number;
  state: WorkloadState;
  confidence: number;
}

export interface OperatorRow {
  operator: string;
  device: string;
  state: WorkloadState | 'paused' | 'waiting';
  index?: number;
  confidence?: number;
  /** Minutes in the current state. */
  minutes?: number;
  /** "ok", or the failing channels and why. */
  sensor: string;
  battery?: number;
  calibration: 'none' | 'rest' | 'rest+task' | 'recording rest' | 'recording task';
  updated?: string;
  /** What the supervisor's team table offers for the row: an operator's own pause is theirs to lift. */
  actions: Array<'pause' | 'resume'>;
}

export interface TeamAggregate {
  operators: number;
  monitored: number;
  high: number;
  low: number;
  normal: number;
  /** Mean index of the monitored operators with an estimate. */
  meanIndex?: number;
}

type Problem = 'headband-off' | 'battery' | 'no-data';

interface OperatorEntry {
  signals: OperatorSignals;
  tracker: WorkloadTracker;
  lastStep: number;
  lastWall: number;
  history: Estimate[];
  last?: FeatureRecord;
  calibration: Calibration;
  recording?: { segment: 'rest' | 'task'; inputs: number[][] };
  problems: Set<Problem>;
}

export class WorkloadMonitor {
  private readonly operators = new Map<string, OperatorEntry>();
  private readonly paused = new Set<string>();
  /** Operators who paused their own monitoring: only they can resume it. */
  private readonly selfPaused = new Set<string>();

  constructor(private readonly model: WorkloadModel, readonly opts: MonitorOptions = DEFAULT_MONITOR) {}

  isPaused(operator: string): boolean {
    return this.paused.has(operator);
  }

  /** Samples in; events say what happened to the stream (a new sensor, a clock jump, a gap). */
  ingest(chunk: Chunk, wallNow: number): SignalEvent[] {
    if (this.paused.has(chunk.operator)) return [];
    let e = this.operators.get(chunk.operator);
    if (!e) {
      e = { signals: new OperatorSignals(chunk.operator, chunk.device, this.opts.windows), tracker: new WorkloadTracker(this.opts.bands), lastStep: -Infinity, lastWall: wallNow, history: [], calibration: {}, problems: new Set() };
      this.operators.set(chunk.operator, e);
    }
    const events = e.signals.add(chunk);
    if (events.some((ev) => ev.kind === 'device-changed')) {
      e.tracker.reset();
      e.lastStep = -Infinity;
    }
    e.lastWall = wallNow;
    return events;
  }

  /** Estimates for every operator whose data moved a step on; alert drafts for what must be told. */
  async step(): Promise<AlertDraft[]> {
    const due: Array<[OperatorEntry, FeatureRecord, number[]]> = [];
    for (const e of this.operators.values()) {
      if (this.paused.has(e.signals.operator)) continue;
      const now = e.signals.now();
      if (now - e.lastStep < this.opts.stepS * 1000) continue;
      if (now - e.signals.started < this.opts.windows.eegWindowS * 1000) continue;
      e.lastStep = now;
      const record = e.signals.features();
      e.last = record;
      const input = modelInput(record.features, this.model.info);
      if (e.recording) e.recording.inputs.push(input);
      due.push([e, record, align(input, e.calibration, this.model.info)]);
    }
    const predictions = await this.model.predict(due.map(([, , x]) => x));
    const drafts: AlertDraft[] = [];
    due.forEach(([e, record], i) => {
      const p = predictions[i];
      const channelsOk = record.channels.length ? record.channels.filter((c) => c.status === 'ok').length / record.channels.length : 0;
      const u = e.tracker.update(record.at, p.index, Math.max(...p.p), p.coverage * channelsOk);
      e.history.push({ at: record.at, index: u.index, state: u.state, confidence: u.confidence });
      if (u.sustained) drafts.push(this.workloadDraft(e, u.sustained, u.index, u.confidence, (record.at - u.since) / 60_000));
      drafts.push(...this.sensorDrafts(e, record));
    });
    return drafts;
  }

  /** Wall-clock check: a sensor that stopped sending. */
  checkQuiet(wallNow: number): AlertDraft[] {
    const drafts: AlertDraft[] = [];
    for (const e of this.operators.values()) {
      if (this.paused.has(e.signals.operator)) continue;
      const quiet = wallNow - e.lastWall >= this.opts.noDataS * 1000;
      if (quiet && !e.problems.has('no-data')) {
        e.problems.add('no-data');
        drafts.push(this.sensorDraft(e, 'no-data', `${e.signals.operator}: no data from ${e.signals.device} for ${Math.round((wallNow - e.lastWall) / 1000)} s`));
      } else if (!quiet) e.problems.delete('no-data');
    }
    return drafts;
  }

  private sensorDrafts(e: OperatorEntry, r: FeatureRecord): AlertDraft[] {
    const out: AlertDraft[] = [];
    const eeg = r.channels.filter((c) => c.kind === 'eeg');
    const off = r.contact === false || (eeg.length > 0 && eeg.every((c) => c.status === 'contact' || c.status === 'flat'));
    if (off && !e.problems.has('headband-off')) {
      e.problems.add('headband-off');
      out.push(this.sensorDraft(e, 'headband-off', `${r.operator}: headband off or no electrode contact (${r.device})`));
    } else if (!off) e.problems.delete('headband-off');
    const low = r.battery !== undefined && r.battery <= this.opts.batteryLow;
    if (low && !e.problems.has('battery')) {
      e.problems.add('battery');
      out.push(this.sensorDraft(e, 'battery', `${r.operator}: sensor battery at ${Math.round(r.battery!)} %`, r.battery));
    } else if (!low) e.problems.delete('battery');
    return out;
  }

  private base(e: OperatorEntry, event: string, headline: string, at: number): AlertDraft {
    return {
      tool: 'workload', event, headline, zone: this.opts.zone, urgency: 'Expected', certainty: 'Likely',
      occurredAt: new Date(at).toISOString(), source: { ref: e.signals.operator }, ...(this.opts.exercise ? { status: 'Exercise' } : {}),
    } as AlertDraft;
  }

  private workloadDraft(e: OperatorEntry, state: WorkloadState, index: number, confidence: number, minutes: number): AlertDraft {
    const op = e.signals.operator;
    const words = state === 'high' ? 'high' : 'low';
    return {
      ...this.base(e, `Operator workload ${words}`, `${op}: workload ${words} for ${Math.round(minutes)} min`, e.signals.now()),
      severity: state === 'high' ? 'medium' : 'low',
      instruction: state === 'high'
        ? 'Check on the operator: take over or reassign some of their alerts, or give them a short break.'
        : 'Check on the operator: low workload for a long time lowers vigilance; rotate tasks or give them a short break.',
      data: { kind: 'workload', operator: op, device: e.signals.device, state, index: round(index), confidence: round(confidence), minutes: round(minutes) },
    } as AlertDraft;
  }

  private sensorDraft(e: OperatorEntry, problem: Problem, headline: string, battery?: number): AlertDraft {
    const event = { 'headband-off': 'Workload sensor off', battery: 'Workload sensor battery low', 'no-data': 'Workload sensor no data' }[problem];
    return {
      ...this.base(e, event, headline, e.signals.now() || Date.now()),
      severity: 'low',
      instruction: problem === 'battery' ? 'Swap or charge the sensor at the next break.' : 'Ask the operator to check that the headband is worn and connected; their workload is not watched meanwhile.',
      data: { kind: 'sensor', operator: e.signals.operator, device: e.signals.device, problem, ...(battery === undefined ? {} : { battery }) },
    } as AlertDraft;
  }

  /**
   * Pause or resume one operator. A pause drops their windows at once (no raw sample stays) and
   * every sample until the resume; the draft it returns is the audit record (who, when). `self`:
   * the operator acts on their own monitoring (their own indicator). Withdrawing consent is theirs:
   * a pause they set themselves is lifted by them only, never by the supervisor or a flow.
   */
  setPaused(operator: string, paused: boolean, by: string, wallNow: number, self = false): AlertDraft {
    if (!paused && this.selfPaused.has(operator) && !self) throw new Error(`${operator} paused their own monitoring; only they can resume it`);
    if (paused) {
      this.paused.add(operator);
      if (self) this.selfPaused.add(operator);
    } else {
      this.paused.delete(operator);
      this.selfPaused.delete(operator);
    }
    const e = this.operators.get(operator);
    if (e && paused) {
      this.operators.set(operator, { ...e, signals: new OperatorSignals(operator, e.signals.device, this.opts.windows), tracker: new WorkloadTracker(this.opts.bands), lastStep: -Infinity, recording: undefined, problems: new Set() });
    }
    return {
      tool: 'workload', event: paused ? 'Operator monitoring paused' : 'Operator monitoring resumed',
      headline: `${operator}: monitoring ${paused ? 'paused' : 'resumed'} by ${by}${self ? ' (their own choice)' : ''}`,
      zone: this.opts.zone, severity: 'info', urgency: 'Unknown', certainty: 'Observed', occurredAt: new Date(wallNow).toISOString(), source: { ref: operator },
      ...(this.opts.exercise ? { status: 'Exercise' } : {}),
      data: { kind: 'monitoring', operator, paused, by, ...(self ? { self } : {}) },
    } as AlertDraft;
  }

  /** Start or stop recording a calibration segment; `clear` forgets the operator's calibration. */
  calibrate(operator: string, segment: 'rest' | 'task', action: 'start' | 'stop' | 'clear'): string {
    const e = this.operators.get(operator);
    if (!e) throw new Error(`no data from operator "${operator}" yet: start the calibration once their sensor is sending`);
    if (action === 'clear') {
      e.calibration = {};
      e.recording = undefined;
      return `${operator}: calibration cleared`;
    }
    if (action === 'start') {
      e.recording = { segment, inputs: [] };
      return `${operator}: recording the ${segment} segment`;
    }
    if (!e.recording || e.recording.segment !== segment) throw new Error(`${operator}: no ${segment} segment is being recorded`);
    const inputs = e.recording.inputs;
    e.recording = undefined;
    if (inputs.length < 3) throw new Error(`${operator}: the ${segment} segment holds ${inputs.length} estimates; it needs at least 3 (${3 * this.opts.stepS} s of good signal)`);
    const mean = inputs[0].map((_, i) => {
      const vs = inputs.map((x) => x[i]).filter(Number.isFinite);
      return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : NaN;
    });
    e.calibration = { ...e.calibration, [segment]: mean };
    return `${operator}: ${segment} segment calibrated from ${inputs.length} estimates`;
  }

  /** Deletes estimates older than the retention time; returns how many went. */
  prune(now: number): number {
    const cutoff = now - this.opts.retentionH * 3_600_000;
    let removed = 0;
    for (const [id, e] of this.operators) {
      const keep = e.history.filter((h) => h.at >= cutoff);
      removed += e.history.length - keep.length;
      e.history = keep;
      if (!keep.length && e.lastWall < cutoff) this.operators.delete(id);
    }
    return removed;
  }

  history(operator: string): readonly Estimate[] {
    return this.operators.get(operator)?.history ?? [];
  }

  rows(): OperatorRow[] {
    const ids = new Set([...this.operators.keys(), ...this.paused]);
    return [...ids].sort().map((operator) => {
      const e = this.operators.get(operator);
      const h = e?.history.at(-1);
      const failing = e?.last?.channels.filter((c) => c.status !== 'ok').map((c) => `${c.name} ${c.status}`) ?? [];
      const problems = e ? [...e.problems] : [];
      const cal = e?.recording ? (`recording ${e.recording.segment}` as const) : e?.calibration.rest ? (e.calibration.task ? 'rest+task' : 'rest') : 'none';
      return {
        operator,
        device: e?.signals.device ?? '',
        state: this.paused.has(operator) ? 'paused' : h ? h.state : 'waiting',
        index: h ? round(h.index) : undefined,
        confidence: h ? round(h.confidence) : undefined,
        minutes: h && e ? round((h.at - e.tracker.since) / 60_000) : undefined,
        sensor: [...problems, ...failing].join(', ') || 'ok',
        battery: e?.signals.battery,
        calibration: cal,
        updated: h ? new Date(h.at).toISOString() : undefined,
        actions: !this.paused.has(operator) ? ['pause'] : this.selfPaused.has(operator) ? [] : ['resume'],
      };
    });
  }

  team(): TeamAggregate {
    const rows = this.rows();
    const estimated = rows.filter((r) => r.state === 'low' || r.state === 'normal' || r.state === 'high');
    const count = (s: string) => rows.filter((r) => r.state === s).length;
    return {
      operators: rows.length,
      monitored: rows.filter((r) => r.state !== 'paused').length,
      high: count('high'),
      low: count('low'),
      normal: count('normal'),
      meanIndex: estimated.length ? round(estimated.reduce((a, r) => a + (r.index ?? 0), 0) / estimated.length) : undefined,
    };
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
