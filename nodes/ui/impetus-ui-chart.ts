import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { ChartState } from './panel-kinds/chart';
import type { ChartSample } from './panel-kinds/chart';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedPanel, PanelNodeDef } from './panel-node';
import { attachPanel, integer, panelDef, timeOf } from './panel-node';

interface ChartNodeDef extends PanelNodeDef {
  chartType?: 'line' | 'bar';
  yLabel?: string;
  maxPoints?: number | string;
  samples?: number | string;
  maxSeries?: number | string;
  /** "5000:threshold" per line or comma. */
  thresholds?: string;
}

type ChartMessage = NodeMessageInFlow & { timestamp?: unknown; reset?: unknown };

function thresholds(text: string | undefined): Array<{ value: number; label: string }> {
  return (text ?? '').split(/[\n,]/).map((t) => t.trim()).filter(Boolean).map((t) => {
    const [v, ...label] = t.split(':');
    const value = Number(v);
    if (!Number.isFinite(value)) throw new Error(`thresholds: "${t}" must be value:label, e.g. 5000:alarm`);
    return { value, label: label.join(':').trim() || `threshold ${value}` };
  }).slice(0, 10);
}

/** One msg → samples: a number, { y, x?, low?, high?, series? }, or an array of those. */
function samples(msg: ChartMessage, fallbackSeries: string, now: number): ChartSample[] {
  const series = typeof msg.topic === 'string' && msg.topic ? msg.topic : fallbackSeries;
  const one = (p: unknown): ChartSample => {
    if (typeof p === 'number') return { series, x: timeOf(msg.timestamp, now), y: p };
    if (p && typeof p === 'object' && !Array.isArray(p)) {
      const o = p as Record<string, unknown>;
      const y = o.y ?? o.value;
      if (typeof y !== 'number') throw new TypeError('msg.payload needs a number y (or value)');
      const sample: ChartSample = { series: typeof o.series === 'string' && o.series ? o.series : series, x: timeOf(o.x ?? o.time ?? msg.timestamp, now), y };
      if (o.low !== undefined || o.high !== undefined) {
        if (typeof o.low !== 'number' || typeof o.high !== 'number') throw new TypeError('a band needs both low and high as numbers');
        sample.low = o.low;
        sample.high = o.high;
      }
      if (o.mark === true) sample.mark = true;
      return sample;
    }
    throw new TypeError(`msg.payload must be a number, { y, x, low, high } or an array of them; got ${Array.isArray(p) ? 'a nested array' : typeof p}`);
  };
  if (Array.isArray(msg.payload)) {
    if (msg.payload.length > 10_000) throw new RangeError('at most 10000 points per message');
    return msg.payload.map(one);
  }
  return [one(msg.payload)];
}

export = function (RED: NodeAPI): void {
  function ImpetusUiChartNode(this: Node, config: ChartNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let state: ChartState;
    let panel: AttachedPanel;
    try {
      const type = config.chartType === 'bar' ? 'bar' : 'line';
      const maxPoints = integer(config.maxPoints, 'maxPoints', 1000, 10, 100_000);
      state = new ChartState({
        type,
        yLabel: (config.yLabel ?? '').slice(0, 64),
        maxPoints,
        maxSeries: integer(config.maxSeries, 'maxSeries', 10, 1, 50),
        thresholds: thresholds(config.thresholds),
        samples: integer(config.samples, 'samples', 500, 50, 10_000),
      });
      panel = attachPanel(RED, panelDef(node, config, 'chart'), state);
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }
    const fallbackSeries = config.name || 'value';
    let points = 0;
    handleInput(node, status, async (msg) => {
      const m = msg as ChartMessage;
      if (m.reset === true) {
        state.clear();
        points = 0;
      } else if (state.options.type === 'bar') {
        if (!m.payload || typeof m.payload !== 'object' || Array.isArray(m.payload)) throw new TypeError('a bar chart takes an object of label → number in msg.payload');
        state.setBars(typeof m.topic === 'string' && m.topic ? m.topic : fallbackSeries, m.payload as Record<string, unknown>);
      } else {
        const batch = samples(m, fallbackSeries, Date.now());
        // All checked before any is stored: a bad message leaves the chart as it was.
        for (const s of batch) state.add(s);
        points += batch.length;
      }
      panel.touch();
      status.ok(RED._('impetus-ui-chart.status.points', { count: points }));
    }, () => panel.remove());
  }
  RED.nodes.registerType('impetus-ui-chart', ImpetusUiChartNode);
};
