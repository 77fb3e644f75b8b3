/**
 * impetus-evacuation: the Evacuation Optimiser as a node. People counts in (readings from
 * impetus-sensor-in), closures and what-ifs from operators, a plan out: evacuation time (RSET
 * split), time to clear each area, per-exit load, density and level of service, risk, routes
 * and the gateway to keep free for emergency services.
 *
 * Outputs: 1 the plan, 2 alert drafts (for impetus-alert), 3 the plan as GeoJSON (for
 * impetus-ui-map-layer), 4 tool state, evacuation progress and pre-simulation progress (for
 * impetus-ui-status), 5 time to clear per exit (for a bar impetus-ui-chart), 6 where each
 * area goes (rows for impetus-ui-table, the field responders' view), 7 the what-if on show
 * (a second impetus-ui-map-layer beside the live plan's).
 *
 * An exit clicked on the console map comes back from impetus-ui-map-layer as msg.action
 * close/open with msg.key and msg.user: a real change, re-planned at once, with who made it in
 * the plan's `changes` and the Node-RED log. whatIfClose/whatIfOpen show the same as a what-if
 * on output 7 (and a second series on the chart) while outputs 3 and 6 keep the live plan;
 * apply (from the what-if layer) makes it live, discard takes it off.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { Send } from '../platform/node-kit';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { integerSetting, isExercise } from '../sensors/node-support';
import { isObject } from '../sensors/reading';
import { LiveEvacuation } from './live';
import type { PlanOutput, WhatIfOutput } from './live';
import type { WhatIfRequest } from './what-if';
import { clearTimes, progressBar, routeRows } from './outputs';
import type { CounterReading } from './occupancy';
import { parseSite } from './site';
import { addSiteCheckRoute } from './site-admin';
import { siteFrom } from './site-source';
import { nodeStateFile, SavedState } from '../anomaly/persist';

/** The saved state's shape: a file of another version is moved aside, not read. */
const HISTORY_VERSION = 1;

interface EvacuationNodeDef extends NodeDef {
  siteFile?: string;
  siteJson?: string;
  profile?: 'calibrated' | 'sfpe';
  debounce?: string | number;
  limitSeconds?: string | number;
  maxRisk?: string | number;
  silentAfter?: string | number;
  counters?: string;
  emptyAt?: string;
  timeZone?: string;
  presimulate?: boolean;
}

function optionalNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function counterMap(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const [i, line] of (text ?? '').split('\n').entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(t);
    if (!m) throw new Error(`counters line ${i + 1}: "${t}" is not counter=area`);
    map.set(m[1], m[2]);
  }
  return map;
}

function minuteOfDay(text: string | undefined): number | undefined {
  if (!text?.trim()) return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`empty at must be HH:MM, got "${text}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const ACTIONS = new Set(['close', 'open', 'add', 'whatIf', 'apply', 'discard', 'plan', 'presimulate', 'start', 'end']);
const OUTPUTS = 7;

/** A message for one output of seven. */
function on(output: number, msg: NodeMessage): Array<NodeMessage | null> {
  const out: Array<NodeMessage | null> = new Array(OUTPUTS).fill(null);
  out[output - 1] = msg;
  return out;
}

/** Who pressed a console button (msg.user from impetus-ui-map-layer or -table), for the audit trail. */
function userOf(msg: { user?: unknown }): string | undefined {
  const u = msg.user as { username?: unknown; role?: unknown } | undefined;
  return u && typeof u.username === 'string' ? `${u.username}${typeof u.role === 'string' ? ` (${u.role})` : ''}` : undefined;
}

export = function (RED: NodeAPI): void {
  addSiteCheckRoute(RED);

  function ImpetusEvacuationNode(this: Node, config: EvacuationNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-evacuation', __dirname);
    let live: LiveEvacuation;
    try {
      const site = siteFrom(config, RED.settings.userDir as string | undefined);
      const timeZone = config.timeZone?.trim() || 'UTC';
      new Intl.DateTimeFormat('en', { timeZone });
      live = new LiveEvacuation(
        site,
        {
          profile: config.profile === 'sfpe' ? 'sfpe' : 'calibrated',
          debounceMs: 1000 * (optionalNumber(config.debounce, 'debounce', 0, 3600) ?? 2),
          limitSeconds: optionalNumber(config.limitSeconds, 'limitSeconds', 1, 86_400),
          maxRisk: optionalNumber(config.maxRisk, 'maxRisk', 0, 100),
          silentAfterMs: 1000 * integerSetting(config.silentAfter, 'silentAfter', 300, 0, 86_400),
          counters: counterMap(config.counters),
          emptyAtMinute: minuteOfDay(config.emptyAt),
          timeZone,
          sourceNode: node.id,
        },
        (out) => publish(out, (m) => node.send(m), out.drafts.some((d) => d.status === 'Exercise')),
        (err) => {
          status.error(err.message);
          node.error(err.message);
        },
      );
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }
    // The occupancy history (what the time-of-day scenarios learn from) outlives a restart or a
    // redeploy: it is saved as the anomaly and bacteria nodes save their learning, a minute after
    // a sample is taken and on close; one of another site or shape is moved aside.
    const saved = new SavedState(
      nodeStateFile(RED.settings.userDir as string | undefined, 'evacuation', node.id),
      HISTORY_VERSION,
      { warn: (m) => node.warn(m), log: (m) => node.log(m) },
      (state) => {
        try {
          live.restoreHistory(state);
        } catch (err) {
          node.warn(t('errors.history', { detail: (err as Error).message }));
        }
      },
      () => live.historyState(),
      60_000,
    );
    let sampled = live.historySampled;

    function showStatus(out: PlanOutput): void {
      const p = out.plan;
      if (p.noExit.length) {
        status.error(t('status.noExit', { people: p.noExit.reduce((s, n) => s + n.people, 0) }));
        return;
      }
      const text = t('status.plan', { rset: Math.round(p.rset?.totalSeconds ?? 0), risk: p.risk.score, people: p.people, closed: p.closed.length });
      if (out.overLimits) status.warn(text);
      else status.ok(text);
    }

    /** A live plan; the what-if on show, if any, is planned again beside it on the same counts. */
    function publish(out: PlanOutput, send: Send, exercise = false): void {
      const mark = exercise ? { exercise: true, status: 'Exercise' } : {};
      const p = out.plan;
      const plan = on(1, { ...mark, topic: 'evacuation/plan', payload: p });
      plan[2] = { topic: live.siteId, payload: out.map };
      plan[4] = { topic: t('chart.clear'), payload: clearTimes(live.currentSite, p) };
      plan[5] = { topic: live.siteId, payload: routeRows(live.currentSite, p) };
      send(plan);
      for (const d of out.drafts) send(on(2, { ...mark, topic: live.siteId, payload: d }));
      showStatus(out);
      const degraded = p.noExit.length > 0 || p.occupancy.some((a) => a.silent);
      const progress = p.progress ? ` ${t('status.progress', { inside: p.progress.peopleInside, start: p.progress.peopleAtStart, out: Math.round(p.progress.out * 100), minutes: Math.floor(p.progress.elapsedSeconds / 60) })}` : '';
      // A library scenario that matches is what the console shows: it was planned ahead for this situation.
      const guideline = p.scenarioGuideline ? t('status.scenario', { text: p.scenarioGuideline.text }) : (p.guideline ?? '');
      send(on(4, { topic: 'evacuation', payload: { state: degraded ? 'degraded' : 'ok', text: `${guideline}${progress}`.trim(), ...(p.scenarioGuideline ? { scenarioId: p.scenarioGuideline.scenarioId } : {}), ...(p.progress ? { progress: p.progress } : {}) } }));
      const whatIf = live.whatIfNow(p);
      if (whatIf) publishWhatIf(whatIf, send);
    }

    /** A what-if beside the live plan: the plan with its comparison, its own map layer, a second series on the chart; never the live outputs. */
    function publishWhatIf(out: WhatIfOutput, send: Send): void {
      const msgs = on(1, { topic: 'evacuation/what-if', payload: out.plan });
      msgs[4] = { topic: t('chart.whatIf'), payload: clearTimes(live.currentSite, out.plan) };
      msgs[6] = { topic: live.siteId, payload: out.map };
      send(msgs);
    }

    /** The what-if is off the console: an empty layer, and no what-if series on the chart. */
    function clearWhatIf(send: Send): void {
      const msgs = on(5, { topic: t('chart.whatIf'), payload: {} });
      msgs[6] = { topic: live.siteId, payload: { type: 'FeatureCollection', features: [] } };
      send(msgs);
    }

    function applyWhatIf(send: Send, exercise: boolean, by?: string): void {
      const out = live.applyWhatIf(exercise, by);
      node.log(`applied the what-if on ${live.siteId}${by ? ` by ${by}` : ''}: evacuation ${out.plan.rset ? `${Math.round(out.plan.rset.totalSeconds)} s` : 'impossible for some'}`);
      publish(out, send, exercise);
      clearWhatIf(send);
    }

    function presimulate(): void {
      live
        .presimulate((done, total) => {
          const text = t('status.presimulating', { bar: progressBar(done, total), done, total });
          status.warn(text);
          node.send(on(4, { topic: 'evacuation/progress', payload: { state: 'ok', text, done, total } }));
        })
        .then((library) => {
          const skipped = library.skipped.map((x) => x.timeOfDay);
          const text = skipped.length ? t('status.librarySkipped', { count: library.guidelines.length, skipped: skipped.join(', ') }) : t('status.library', { count: library.guidelines.length });
          for (const x of library.skipped) node.warn(t('errors.slotSkipped', { slot: x.timeOfDay, reason: x.reason }));
          status.ok(text);
          // Without done and total: the console takes its progress bar off.
          node.send(on(4, { topic: 'evacuation/progress', payload: { state: 'ok', text, scenarios: library.guidelines.length, skipped: library.skipped } }));
        })
        .catch((err: Error) => {
          status.error(err.message);
          node.error(err.message);
        });
    }

    // After the saved history is back: its times of day are planned at the crowd learnt before.
    if (config.presimulate) void saved.loaded.then(presimulate);

    handleInput(
      node,
      status,
      async (raw, send) => {
        await saved.loaded;
        const msg = raw as NodeMessage & { site?: unknown; exercise?: boolean; status?: unknown; action?: unknown; key?: unknown; user?: unknown };
        const exercise = isExercise(msg);
        // An exit clicked on the console map (impetus-ui-map-layer with actions close/open).
        if ((msg.action === 'close' || msg.action === 'open') && typeof msg.key === 'string') {
          const by = userOf(msg);
          const out = live.change({ [msg.action]: [msg.key] }, exercise, by);
          node.log(`${msg.action === 'close' ? 'closed' : 'opened'} ${msg.key} on ${live.siteId}${by ? ` by ${by}` : ''}: evacuation ${out.plan.rset ? `${Math.round(out.plan.rset.totalSeconds)} s` : 'impossible for some'}`);
          return publish(out, send, exercise);
        }
        // The same exit as a what-if beside the live plan, and the what-if layer's own buttons.
        if ((msg.action === 'whatIfClose' || msg.action === 'whatIfOpen') && typeof msg.key === 'string') {
          return publishWhatIf(live.whatIf(msg.action === 'whatIfClose' ? { close: [msg.key] } : { open: [msg.key] }, userOf(msg)), send);
        }
        if (msg.action === 'apply') return applyWhatIf(send, exercise, userOf(msg));
        if (msg.action === 'discard') {
          live.discardWhatIf();
          return clearWhatIf(send);
        }
        if (msg.site !== undefined) {
          live.replaceSite(parseSite(msg.site));
          // The history of the old site is not this one's: the saved one is replaced too.
          saved.changed();
          // A new site takes the what-if on show with it.
          clearWhatIf(send);
          publish(live.planNow(exercise), send, exercise);
          return;
        }
        const payload = msg.payload;
        if (isObject(payload) && typeof payload.action === 'string') {
          const action = payload.action;
          if (!ACTIONS.has(action)) throw new Error(t('errors.action', { action, actions: [...ACTIONS].join(', ') }));
          const change = payload as WhatIfRequest & { ids?: unknown; scenario?: unknown };
          const ids = Array.isArray(change.ids) ? change.ids.map(String) : [];
          if (action === 'presimulate') return presimulate();
          if (action === 'plan') return publish(live.planNow(exercise), send, exercise);
          if (action === 'start') return publish(live.start(Date.now(), exercise, userOf(msg)), send, exercise);
          if (action === 'end') return publish(live.end(Date.now(), exercise, userOf(msg)), send, exercise);
          if (action === 'whatIf') {
            if (change.scenario !== undefined) return publishWhatIf(live.scenarioWhatIf(String(change.scenario), userOf(msg)), send);
            return publishWhatIf(live.whatIf({ close: change.close, open: change.open, add: change.add, factor: change.factor }, userOf(msg)), send);
          }
          if (action === 'apply') return applyWhatIf(send, exercise, userOf(msg));
          if (action === 'discard') {
            live.discardWhatIf();
            return clearWhatIf(send);
          }
          if (action === 'close') return publish(live.change({ close: ids.length ? ids : change.close }, exercise), send, exercise);
          if (action === 'open') return publish(live.change({ open: ids.length ? ids : change.open }, exercise), send, exercise);
          return publish(live.change({ add: change.add }, exercise), send, exercise);
        }
        const items = Array.isArray(payload) ? payload : [payload];
        if (!items.length) throw new Error(t('errors.empty'));
        if (items.length > 100_000) throw new Error(t('errors.tooMany', { max: 100_000 }));
        const readings: Array<{ index: number; reading: CounterReading }> = [];
        const errors: string[] = [];
        items.forEach((r, i) => {
          if (!isObject(r) || typeof r.sensorId !== 'string' || typeof r.variable !== 'string' || typeof r.value !== 'number') errors.push(`[${i}] ${t('errors.notReading')}`);
          else readings.push({ index: i, reading: { ts: typeof r.ts === 'number' ? r.ts : Date.now(), sensorId: r.sensorId, variable: r.variable, value: r.value, zone: typeof r.zone === 'string' ? r.zone : undefined } });
        });
        errors.push(...live.readings(readings, Date.now(), exercise));
        if (live.historySampled !== sampled) {
          sampled = live.historySampled;
          saved.changed();
        }
        if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, total: items.length, detail: errors.slice(0, 3).join('; ') }));
      },
      () => {
        live.stop();
        return saved.close();
      },
    );
  }
  RED.nodes.registerType('impetus-evacuation', ImpetusEvacuationNode);
};
