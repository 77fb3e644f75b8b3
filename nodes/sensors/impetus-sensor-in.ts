/**
 * impetus-sensor-in: city sensor readings, whatever they arrive as (from MQTT, HTTP or Kafka
 * nodes upstream, or a CSV file it replays), out as uniform readings
 * {ts, sensorId, variable, value, unit?, location?, zone?}; plus the tool's health and a
 * sensor-availability alert draft when a sensor goes quiet.
 *
 * Outputs: 1 readings, 2 health (for impetus-ui-status), 3 alert drafts (for impetus-alert).
 */
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Send } from '../platform/node-kit';
import { checkParsed, handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { quietSensorDraft } from './availability';
import { CsvError, CsvParser, sniffDelimiter } from './csv';
import { CsvLayoutError, CsvReadings } from './csv-readings';
import { FORMATS, readPayload } from './formats';
import type { Format } from './formats';
import { integerSetting, isExercise, resolveDataFile } from './node-support';
import { Collector, OversizedError, toPoint } from './reading';
import type { ParseContext, Point, Reading } from './reading';
import { CsvReplay, weeksShift } from './replay';
import type { ReplayShift } from './replay';
import { QuietWatch } from './quiet';

interface SensorInDef extends NodeDef {
  format?: Format | 'csv';
  sensorId?: string;
  zone?: string;
  lat?: string | number;
  lon?: string | number;
  output?: 'batch' | 'each';
  maxReadings?: string | number;
  maxBytes?: string | number;
  /** Seconds without a reading before a sensor counts as quiet; the saved name of the setting predates the word. */
  silentAfter?: string | number;
  tool?: string;
  maxSensors?: string | number;
  replayFile?: string;
  replaySpeed?: string | number;
  /** How replay times move (see weeksShift): none, recent or continue. */
  replayShift?: ReplayShift;
  replayAutostart?: boolean;
}

type Msg = NodeMessageInFlow & { replay?: unknown; exercise?: boolean; status?: unknown };

/** Health messages while all is well at most this often (keeps a status tile's own quiet timer fed). */
const HEALTH_EVERY_MS = 15_000;

function speedOf(value: unknown, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1e9) throw new Error(`the replay speed must be 0 (as fast as possible) or a factor up to 1e9, got ${JSON.stringify(value)}`);
  return n;
}

export = function (RED: NodeAPI): void {
  function ImpetusSensorInNode(this: Node, config: SensorInDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-sensor-in', __dirname);
    let settings: {
      format: Format | 'csv';
      defaults: { sensorId?: string; zone?: string; location?: Point };
      each: boolean;
      maxReadings: number;
      maxBytes: number;
      tool: string;
      replaySpeed: number;
    };
    let watch: QuietWatch | undefined;
    try {
      const format = config.format || 'auto';
      if (format !== 'csv' && !(FORMATS as readonly string[]).includes(format)) throw new Error(`format must be one of ${FORMATS.join(', ')}, csv`);
      const tool = (config.tool || 'anomaly').trim();
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(tool)) throw new Error(`tool must be a tool key such as anomaly or bacteria, got ${JSON.stringify(tool)}`);
      let location: Point | undefined;
      if (config.lat !== undefined && config.lat !== '' && config.lon !== undefined && config.lon !== '') {
        location = toPoint({ lat: config.lat, lon: config.lon });
        if (!location) throw new Error(`lat/lon ${config.lat}, ${config.lon} is not a position`);
      }
      settings = {
        format,
        defaults: { sensorId: config.sensorId?.trim() || undefined, zone: config.zone?.trim() || undefined, location },
        each: config.output === 'each',
        maxReadings: integerSetting(config.maxReadings, 'maxReadings', 10_000, 1, 1_000_000),
        maxBytes: integerSetting(config.maxBytes, 'maxBytes', 1_048_576, 1024, 64 * 1_048_576),
        tool,
        replaySpeed: speedOf(config.replaySpeed, 1),
      };
      const quietAfter = integerSetting(config.silentAfter, 'silentAfter', 0, 0, 30 * 86_400);
      if (quietAfter > 0) watch = new QuietWatch(quietAfter * 1000, integerSetting(config.maxSensors, 'maxSensors', 10_000, 1, 1_000_000));
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    let readingsOut = 0;
    let lastHealth = 0;
    let lastHealthState = '';
    let unwatched = false;
    let replay: CsvReplay | undefined;
    let replayExercise = false;
    let replayEnd: number | undefined;

    const showStatus = () => {
      const quiet = watch?.quietCount ?? 0;
      const text = quiet ? t('status.quiet', { count: readingsOut, quiet }) : replay?.running ? t('status.replaying', { count: readingsOut, rows: replay.rows }) : t('status.readings', { count: readingsOut });
      if (quiet) status.warn(text);
      else status.ok(text);
    };

    const health = (force: boolean): NodeMessage | null => {
      if (!watch) return null;
      const quiet = watch.quietIds();
      const state = quiet.length ? 'degraded' : 'ok';
      const now = Date.now();
      if (!force && state === lastHealthState && now - lastHealth < HEALTH_EVERY_MS) return null;
      lastHealth = now;
      lastHealthState = state;
      const text = quiet.length ? t('health.quiet', { count: quiet.length, ids: quiet.slice(0, 3).join(', ') + (quiet.length > 3 ? '…' : '') }) : t('health.ok', { count: watch.size });
      return { topic: settings.tool, payload: { state, text } };
    };

    /** Readings out on output 1 (and the watch fed); the health message, if one is due, on output 2. */
    function deliver(readings: Reading[], msg: Msg | undefined, send: Send, exercise: boolean): void {
      let recovered = false;
      const now = Date.now();
      if (watch) {
        for (const r of readings) {
          const seen = watch.seen(r.sensorId, now, r.ts, r.zone, r.location);
          if (seen) recovered = true;
          else if (seen === false && !unwatched) {
            unwatched = true;
            node.warn(t('errors.tooManySensors', { max: watch.maxSensors }));
          }
        }
      }
      readingsOut += readings.length;
      const marks = exercise ? { exercise: true, status: 'Exercise' } : {};
      const healthMsg = health(recovered);
      if (settings.each) {
        for (const r of readings) send([{ ...marks, topic: `${r.sensorId}/${r.variable}`, payload: r }, null, null]);
        if (healthMsg) send([null, healthMsg, null]);
      } else {
        // The input message is reused: its other properties (an HTTP response, a Kafka key) travel on.
        const out = (msg ?? {}) as NodeMessage & Record<string, unknown>;
        Object.assign(out, marks);
        out.payload = readings;
        send([out, healthMsg, null]);
      }
      showStatus();
    }

    function parseCsvText(text: string, out: Collector): void {
      let layout: CsvReadings | undefined;
      const parser = new CsvParser((fields, line) => {
        if (!layout) layout = new CsvReadings(fields);
        else layout.read(fields, line, out);
      }, sniffDelimiter(text.split(/\r?\n/, 1)[0]));
      parser.push(text);
      parser.end();
      if (!layout) throw new Error('the CSV text is empty');
    }

    function toPayload(raw: unknown, out: Collector): void {
      let payload = raw;
      if (Buffer.isBuffer(payload) || typeof payload === 'string') {
        const size = Buffer.isBuffer(payload) ? payload.length : Buffer.byteLength(payload);
        if (size > settings.maxBytes) throw new OversizedError(`the payload is ${size} bytes, over maxBytes (${settings.maxBytes})`);
        const text = payload.toString().replace(/^\ufeff/, '');
        const looksJson = /^\s*[[{]/.test(text);
        if (settings.format === 'csv' || (settings.format === 'auto' && !looksJson)) return parseCsvText(text, out);
        try {
          payload = JSON.parse(text);
        } catch (err) {
          throw new Error(t('errors.notJson', { detail: (err as Error).message }));
        }
        checkParsed(payload, 'the JSON payload');
      }
      if (settings.format === 'csv') throw new Error(t('errors.csvNeedsText'));
      readPayload(payload, settings.format, out);
    }

    function startReplay(msg: Msg | undefined, send: Send, options: Record<string, unknown>): void {
      replay?.stop();
      const file = String(options.file ?? config.replayFile ?? '').trim();
      if (!file) throw new Error(t('errors.noReplayFile'));
      const resolved = resolveDataFile(RED, file);
      const speed = speedOf(options.speed, settings.replaySpeed);
      replayExercise = msg ? isExercise(msg) : false;
      const current = new CsvReplay(
        resolved,
        speed,
        (row, layout, shiftMs) => {
          const out = new Collector(context());
          layout.read(row.fields, row.line, out, shiftMs);
          if (out.readings.length) deliver(out.readings, { _msgid: RED.util.generateId(), topic: path.basename(resolved), replay: { file: path.basename(resolved), line: row.line } } as Msg, send, replayExercise);
          if (out.rejected.length) node.error(t('errors.replayRow', { file: path.basename(resolved), detail: describeRejections(out) }), {});
        },
        (err) => {
          if (err) {
            status.error(err.message);
            node.error(t('errors.replayFailed', { detail: err.message }), {});
          } else {
            node.log(t('log.replayDone', { file: resolved, rows: current.rows }));
            showStatus();
          }
        },
        undefined,
        config.replayShift === 'recent' || config.replayShift === 'continue'
          ? (first, last) => {
              const shift = weeksShift(config.replayShift!, first, last, replayEnd, Date.now());
              replayEnd = last + shift;
              return shift;
            }
          : undefined,
      );
      replay = current;
      current.start();
      showStatus();
    }

    const context = (topic?: unknown): ParseContext => ({ now: Date.now(), topic: typeof topic === 'string' ? topic : undefined, defaults: settings.defaults, maxReadings: settings.maxReadings });

    let stopWatch: (() => void) | undefined;
    if (watch) {
      const w = watch;
      stopWatch = w.watch((gone, now) => {
        for (const s of gone) {
          node.send([null, null, { topic: 'sensor-availability', payload: quietSensorDraft(s, { sourceNode: node.id, tool: settings.tool, gapMs: w.gapMs, now, exercise: replayExercise }) }]);
        }
        const h = health(true);
        if (h) node.send([null, h, null]);
        showStatus();
      });
    }

    handleInput(
      node,
      status,
      async (raw, send) => {
        const msg = raw as Msg;
        // msg.replay, or topic "replay" with the command as payload (what a scenario timeline can send).
        const command = msg.replay !== undefined ? msg.replay : msg.topic === 'replay' ? (msg.payload ?? 'start') : undefined;
        if (command !== undefined) {
          if (command === 'stop' || command === false) {
            replay?.stop();
            showStatus();
          } else startReplay(msg, send, typeof command === 'object' && command !== null ? (command as Record<string, unknown>) : {});
          return;
        }
        const out = new Collector(context(msg.topic));
        try {
          toPayload(msg.payload, out);
        } catch (err) {
          if (err instanceof CsvError || err instanceof CsvLayoutError) throw new Error(t('errors.csv', { detail: err.message }));
          throw err;
        }
        if (out.readings.length) deliver(out.readings, msg, send, isExercise(msg));
        if (out.rejected.length) throw new Error(t('errors.rejected', { count: out.rejected.length, total: out.rejected.length + out.readings.length, detail: describeRejections(out) }));
        if (!out.readings.length) throw new Error(t('errors.noReadings'));
      },
      () => {
        replay?.stop();
        stopWatch?.();
      },
    );

    if (config.replayAutostart && config.replayFile) {
      // After the deploy has wired the rest of the flow.
      const timer = setTimeout(() => {
        try {
          startReplay(undefined, (m) => node.send(m as never), {});
        } catch (err) {
          status.error((err as Error).message);
          node.error((err as Error).message);
        }
      }, 500);
      node.on('close', () => clearTimeout(timer));
    }
    if (watch) showStatus();
  }
  RED.nodes.registerType('impetus-sensor-in', ImpetusSensorInNode);
};

function describeRejections(out: Collector): string {
  return out.rejected
    .slice(0, 3)
    .map((r) => `${r.path}: ${r.reason}`)
    .join('; ');
}
