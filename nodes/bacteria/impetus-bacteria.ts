/**
 * impetus-bacteria: the Bacteria Detector as a node. Sampler readings in (colony counts with
 * air volume from impingers and impactors, direct CFU/m³, fluorescent particle counts, an
 * identified organism, a fault), each turned into a concentration with units checked and
 * judged against the absolute threshold, the site's own background and the pathogen list;
 * failing or quiet samplers are reported.
 *
 * Outputs: 1 levels (chart points with the background band, for impetus-ui-chart), 2 alert
 * drafts (for impetus-alert), 3 tool health (for impetus-ui-status).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { resolveConfig } from '../anomaly/config';
import { SavedState, nodeStateFile } from '../anomaly/persist';
import type { FileStateStore } from '../anomaly/persist';
import { StateError } from '../anomaly/state-codec';
import type { Send } from '../platform/node-kit';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { integerSetting, isExercise } from '../sensors/node-support';
import { isObject, toPoint } from '../sensors/reading';
import type { Point, Reading } from '../sensors/reading';
import { QuietWatch } from '../sensors/quiet';
import { BacteriaAssessor } from './assess';
import type { Assessment } from './assess';
import { bacteriaDrafts } from './drafts';
import { measureReading, measureSampler } from './measurement';
import type { MeasureOptions, Measurement } from './measurement';
import { PathogenTable } from './pathogens';
import { toSI } from './units';

interface BacteriaNodeDef extends NodeDef {
  sampler?: string;
  zone?: string;
  areaDesc?: string;
  lat?: string | number;
  lon?: string | number;
  threshold?: string | number;
  riseFactor?: string | number;
  riseZ?: string | number;
  seasonality?: string;
  timeZone?: string;
  warmupSamples?: string | number;
  nominalFlow?: string;
  flowTolerance?: string | number;
  maxColonies?: string | number;
  fluorescentCfuPerParticle?: string | number;
  /** Seconds without a reading before a sampler counts as quiet (the saved name predates the word). */
  silentAfter?: string | number;
  pathogens?: string;
  persist?: 'file' | 'none';
}

type Msg = NodeMessageInFlow & { exercise?: boolean; status?: unknown };

const STATE_VERSION = 1;
/** Health while all is well at most this often: often enough for a status tile's quiet timer. */
const HEALTH_EVERY_MS = 15_000;

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number above 0, got ${JSON.stringify(value)}`);
  return n;
}

function isReading(r: Record<string, unknown>): boolean {
  return typeof r.variable === 'string' && 'value' in r;
}

export = function (RED: NodeAPI): void {
  function ImpetusBacteriaNode(this: Node, config: BacteriaNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-bacteria', __dirname);
    let assessor: BacteriaAssessor;
    let measureOptions: Omit<MeasureOptions, 'now'>;
    let threshold: number;
    let watch: QuietWatch | undefined;
    let store: FileStateStore | undefined;
    try {
      threshold = positive(config.threshold, 'threshold', 5000);
      let location: Point | undefined;
      if (config.lat !== undefined && config.lat !== '' && config.lon !== undefined && config.lon !== '') {
        location = toPoint({ lat: config.lat, lon: config.lon });
        if (!location) throw new Error(`lat/lon ${config.lat}, ${config.lon} is not a position`);
      }
      const detector = resolveConfig({ seasonality: config.seasonality || 'day', timeZone: config.timeZone || 'UTC', warmupSamples: config.warmupSamples || 24 });
      assessor = new BacteriaAssessor({
        thresholdCfuPerM3: threshold,
        riseFactor: positive(config.riseFactor, 'riseFactor', 2),
        riseZ: positive(config.riseZ, 'riseZ', 4),
        timeZone: detector.timeZone,
        pathogens: new PathogenTable(config.pathogens ?? ''),
        baseline: {
          seasonality: detector.seasonality,
          binMinutes: 60,
          levelHalfLifeHours: detector.levelHalfLifeHours,
          dailyHalfLifeDays: detector.dailyHalfLifeDays,
          weeklyHalfLifeWeeks: detector.weeklyHalfLifeWeeks,
          clip: detector.clip,
          warmupSamples: detector.warmupSamples,
          shiftAcceptHours: detector.shiftAcceptHours,
          minScale: 0.02,
        },
      });
      measureOptions = {
        defaults: { sampler: config.sampler?.trim() || undefined, zone: config.zone?.trim() || undefined, location },
        nominalFlow: config.nominalFlow?.trim() ? toSI(config.nominalFlow, 'nominalFlow', 'flow') : undefined,
        flowTolerance: positive(config.flowTolerance, 'flowTolerance', 10) / 100,
        maxColonies: integerSetting(config.maxColonies, 'maxColonies', 300, 1, 100_000),
        fluorescentCfuPerParticle: config.fluorescentCfuPerParticle === undefined || config.fluorescentCfuPerParticle === '' ? undefined : positive(config.fluorescentCfuPerParticle, 'fluorescentCfuPerParticle', 1),
      };
      const quietAfter = integerSetting(config.silentAfter, 'silentAfter', 0, 0, 30 * 86_400);
      if (quietAfter > 0) watch = new QuietWatch(quietAfter * 1000, 10_000);
      if (config.persist !== 'none') {
        store = nodeStateFile(RED.settings.userDir as string | undefined, 'bacteria', node.id);
      }
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    const saved = new SavedState(
      store,
      STATE_VERSION,
      { warn: (m) => node.warn(m), log: (m) => node.log(m) },
      (state) => {
        try {
          assessor.load(state.samplers ?? {});
        } catch (err) {
          if (!(err instanceof StateError)) throw err;
          node.warn(t('warn.reset', { detail: err.message }));
        }
      },
      () => ({ samplers: assessor.toJSON() }),
      60_000,
    );

    let alerts = 0;
    let lastHealth = 0;
    let lastHealthState = '';
    const failing = new Set<string>();

    const place = { sourceNode: node.id, areaDesc: config.areaDesc?.trim() || undefined, thresholdCfuPerM3: threshold };

    function health(force: boolean): NodeMessage | null {
      const quiet = watch?.quietIds() ?? [];
      const down = [...new Set([...failing, ...quiet])];
      const state = down.length ? 'degraded' : 'ok';
      const now = Date.now();
      if (!force && state === lastHealthState && now - lastHealth < HEALTH_EVERY_MS) return null;
      lastHealth = now;
      lastHealthState = state;
      return { topic: 'bacteria', payload: { state, text: down.length ? t('health.down', { count: down.length, ids: down.slice(0, 3).join(', ') }) : t('health.ok', { count: assessor.size }) } };
    }

    function levelMessage(a: Assessment, exercise: boolean): NodeMessage | null {
      if (a.level === undefined) return null;
      const payload: Record<string, unknown> = { series: a.m.sampler, x: a.m.ts, y: Math.round(a.level * 10) / 10, sampler: a.m.sampler, unit: a.unit, atLeast: a.m.atLeast, tiers: a.tiers };
      if (a.background) {
        payload.low = Math.round(a.background.low);
        payload.high = Math.round(a.background.high);
        payload.background = Math.round(a.background.expected);
      }
      return { ...(exercise ? { exercise: true, status: 'Exercise' } : {}), topic: a.m.sampler, payload };
    }

    function handle(m: Measurement, exercise: boolean, send: Send): void {
      const a = assessor.assess(m);
      saved.changed();
      const recovered = watch?.seen(m.sampler, Date.now(), m.ts, m.zone, m.location);
      if (a.failure) failing.add(m.sampler);
      if (a.recovered) failing.delete(m.sampler);
      for (const name of a.unknownOrganisms) node.warn(t('warn.unknownOrganism', { name, sampler: m.sampler }));
      const drafts = bacteriaDrafts(a, { ...place, exercise });
      alerts += drafts.length;
      const level = levelMessage(a, exercise);
      const h = health(Boolean(a.failure || a.recovered || recovered));
      send([level, null, h]);
      for (const d of drafts) send([null, { ...(exercise ? { exercise: true, status: 'Exercise' } : {}), topic: m.sampler, payload: d }, null]);
      const text = t(failing.size ? 'status.failing' : 'status.level', { sampler: m.sampler, level: a.level === undefined ? '–' : Math.round(a.level).toLocaleString('en-US'), unit: a.unit ?? '', alerts, failing: failing.size });
      if (a.tiers.length || failing.size) status.warn(text);
      else status.ok(text);
    }

    const stopWatch = watch?.watch((gone, now) => {
      for (const s of gone) {
        const minutes = Math.max(1, Math.round((now - s.lastArrival) / 60_000));
        const a: Assessment = {
          m: { sampler: s.sensorId, ts: now, atLeast: false, identified: [], faults: [], zone: s.zone, location: s.location },
          tiers: [],
          unknownOrganisms: [],
          failure: t('failure.quiet', { minutes }),
          recovered: false,
          warmingUp: false,
        };
        for (const d of bacteriaDrafts(a, { ...place, exercise: false })) node.send([null, { topic: s.sensorId, payload: d }, null]);
      }
      const h = health(true);
      if (h) node.send([null, null, h]);
    });

    handleInput(
      node,
      status,
      async (raw, send) => {
        await saved.loaded;
        const msg = raw as Msg;
        const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
        if (!items.length) throw new Error(t('errors.empty'));
        if (items.length > 10_000) throw new Error(t('errors.tooMany', { max: 10_000 }));
        const exercise = isExercise(msg);
        const errors: string[] = [];
        items.forEach((item, i) => {
          const where = Array.isArray(msg.payload) ? `[${i}]` : 'payload';
          if (!isObject(item)) {
            errors.push(`${where}: ${t('errors.notObject')}`);
            return;
          }
          try {
            const options = { ...measureOptions, now: Date.now() };
            const m = isReading(item) ? measureReading(item as unknown as Reading, options) : measureSampler(item, options);
            handle(m, exercise, send);
          } catch (err) {
            errors.push(`${where}: ${(err as Error).message}`);
          }
        });
        if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, total: items.length, detail: errors.slice(0, 3).join('; ') }));
      },
      () => {
        stopWatch?.();
        return saved.close();
      },
    );
  }
  RED.nodes.registerType('impetus-bacteria', ImpetusBacteriaNode);
};
