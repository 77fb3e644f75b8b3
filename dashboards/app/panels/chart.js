// impetus-ui-chart in the browser: chart.js with its decimation plugin (LTTB), so a series of
// thousands of points draws as a few hundred; the client keeps at most the node's maxPoints.
// Drawn so as not to mislead: a band never goes below zero for a series that never does (counts),
// series of different scales get their own axis, a gap in the data stays a gap (no line or fill
// across it), and the axes say their unit and time zone, with dates once the range spans days.
import { h } from '../dom.js';
import { axisTime, zoneName } from '../format.js';

const PALETTE = ['#4cc2ff', '#f5a524', '#a78bfa', '#34d399', '#f472b6', '#facc15', '#60a5fa', '#fb7185'];

const DAY_MS = 86_400_000;
/** Series whose largest values differ by more than this factor get an axis each. */
const SCALE_RATIO = 5;
/** A step this many times the usual one is a gap in the data. */
const GAP_FACTOR = 3;

/** The points with a break ({x, y: null}) where the data has a gap, so nothing is drawn across it. */
export function withGaps(points) {
  if (points.length < 3) return points;
  const steps = points.slice(1).map((p, i) => p.x - points[i].x).sort((a, b) => a - b);
  const usual = steps[Math.floor(steps.length / 2)];
  if (!(usual > 0)) return points;
  const out = [points[0]];
  for (let i = 1; i < points.length; i += 1) {
    if (points[i].x - points[i - 1].x > GAP_FACTOR * usual) out.push({ x: (points[i].x + points[i - 1].x) / 2, y: null });
    out.push(points[i]);
  }
  return out;
}

/** Per series, its axis: one shared axis when the scales are alike, else one each. */
export function axesFor(series) {
  const peaks = [...series.entries()].map(([name, s]) => [name, Math.max(0, ...s.line.map((p) => Math.abs(p.y)).filter(Number.isFinite))]);
  const positive = peaks.map(([, m]) => m).filter((m) => m > 0);
  const apart = positive.length > 1 && Math.max(...positive) / Math.min(...positive) > SCALE_RATIO;
  return new Map(peaks.map(([name], i) => [name, apart ? `y${i}` : 'y']));
}

export function chartPanel(el, panel) {
  const o = panel.options;
  const canvas = h('canvas', { role: 'img', 'aria-label': `${panel.title} chart` });
  el.append(h('div.chart-box', canvas));
  /** name → { line: [{x, y}], low: [{x, y}], high: [{x, y}] } */
  const series = new Map();
  /** Series drawn as marks (points, no line): anomalies, shifts. */
  const marks = new Set();
  let bars = [];
  let axes = new Map();
  let spansDays = false;
  /** The data's time range: the axis ends there, not at a rounder number days away. */
  let range = {};

  function seriesOf(name) {
    if (!series.has(name)) series.set(name, { line: [], low: [], high: [] });
    return series.get(name);
  }

  function push(name, point) {
    const s = seriesOf(name);
    const [x, y, low, high] = point;
    s.line.push({ x, y });
    if (low !== undefined) {
      s.low.push({ x, y: low });
      s.high.push({ x, y: high });
    }
    for (const arr of [s.line, s.low, s.high]) if (arr.length > o.maxPoints) arr.splice(0, arr.length - o.maxPoints);
  }

  function load(data) {
    series.clear();
    marks.clear();
    bars = data && data.bars ? data.bars : [];
    for (const s of (data && data.series) || []) {
      if (s.mark) marks.add(s.name);
      for (const p of s.points) push(s.name, p);
    }
  }

  function datasets() {
    if (o.type === 'bar') {
      const labels = [...new Set(bars.flatMap((b) => Object.keys(b.values)))];
      const sets = bars.map((b, i) => ({ type: 'bar', label: b.name, data: labels.map((l) => b.values[l] ?? null), backgroundColor: PALETTE[i % PALETTE.length] }));
      for (const t of o.thresholds) sets.push({ type: 'line', label: t.label, data: labels.map(() => t.value), borderColor: '#e5484d', borderDash: [6, 4], pointRadius: 0, borderWidth: 2 });
      return { labels, datasets: sets };
    }
    const sets = [];
    axes = axesFor(series);
    let minX = Infinity;
    let maxX = -Infinity;
    [...series.entries()].forEach(([name, s], i) => {
      const colour = PALETTE[i % PALETTE.length];
      if (s.line.length) {
        minX = Math.min(minX, s.line[0].x);
        maxX = Math.max(maxX, s.line[s.line.length - 1].x);
      }
      const yAxisID = axes.get(name);
      if (s.low.length) {
        // A series that never goes below zero (a count, a concentration) gets a band that does not either.
        const floor = s.line.every((p) => p.y >= 0) ? 0 : -Infinity;
        const low = s.low.map((p) => ({ x: p.x, y: p.y === null ? null : Math.max(floor, p.y) }));
        sets.push({ label: `${name} band low`, data: withGaps(low), yAxisID, borderWidth: 0, pointRadius: 0, fill: false, band: true });
        sets.push({ label: `${name} band`, data: withGaps(s.high), yAxisID, borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: `${colour}33`, band: true });
      }
      if (marks.has(name)) sets.push({ label: name, data: s.line, yAxisID, showLine: false, pointStyle: 'triangle', pointRadius: 7, pointHoverRadius: 9, borderColor: '#e5484d', backgroundColor: '#e5484d', mark: true });
      else sets.push({ label: name, data: withGaps(s.line), yAxisID, borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 0, tension: 0, spanGaps: false });
    });
    if (Number.isFinite(minX)) {
      for (const t of o.thresholds) sets.push({ label: t.label, data: [{ x: minX, y: t.value }, { x: maxX, y: t.value }], yAxisID: axes.get(series.keys().next().value), borderColor: '#e5484d', borderDash: [6, 4], borderWidth: 2, pointRadius: 0 });
    }
    range = Number.isFinite(minX) ? { min: minX, max: maxX } : {};
    const day = (ms) => axisTime(ms, true).split(',')[0];
    spansDays = maxX - minX > DAY_MS || (Number.isFinite(minX) && day(minX) !== day(maxX));
    return { datasets: sets };
  }

  /** The value axes: one titled with the unit (yLabel), or one per series titled with its name (which should carry its unit). */
  function scales() {
    const tick = { color: '#c9d4df' };
    const grid = { color: '#2b3540' };
    const x = { type: 'linear', ...range, title: { display: true, text: `Time (${zoneName()})`, color: '#c9d4df' }, ticks: { ...tick, maxTicksLimit: 6, callback: (v) => axisTime(v, spansDays) }, grid };
    const out = { x };
    const names = [...series.keys()];
    names.forEach((name, i) => {
      const id = axes.get(name);
      if (out[id]) return;
      const own = id !== 'y';
      out[id] = {
        type: 'linear',
        position: own && i % 2 ? 'right' : 'left',
        title: { display: own || Boolean(o.yLabel), text: own ? name : o.yLabel, color: own ? PALETTE[i % PALETTE.length] : '#c9d4df' },
        ticks: { ...tick, color: own ? PALETTE[i % PALETTE.length] : tick.color },
        grid: i === 0 ? grid : { drawOnChartArea: false },
      };
    });
    if (!out.y && !names.length) out.y = { title: { display: Boolean(o.yLabel), text: o.yLabel, color: '#c9d4df' }, ticks: tick, grid };
    return out;
  }

  load(panel.data);
  const chart = new Chart(canvas, {
    type: o.type === 'bar' ? 'bar' : 'line',
    data: datasets(),
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: o.type === 'bar',
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: o.type === 'bar'
        ? { y: { title: { display: Boolean(o.yLabel), text: o.yLabel, color: '#c9d4df' }, ticks: { color: '#c9d4df' }, grid: { color: '#2b3540' } }, x: { ticks: { color: '#c9d4df' }, grid: { color: '#2b3540' } } }
        : scales(),
      plugins: {
        legend: { labels: { color: '#e6edf3', filter: (item, data) => !data.datasets[item.datasetIndex].band } },
        decimation: { enabled: o.type !== 'bar', algorithm: 'lttb', samples: o.samples },
        tooltip: { callbacks: { title: (items) => (o.type === 'bar' || !items.length ? undefined : axisTime(items[0].parsed.x, true)) } },
      },
    },
  });

  /** The frame a redraw waits for: cancelled when the chart goes, which must not draw after. */
  let frame = 0;
  let destroyed = false;
  function redraw() {
    if (frame || destroyed) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const next = datasets();
      chart.data.labels = next.labels;
      chart.data.datasets = next.datasets;
      if (o.type !== 'bar') chart.options.scales = scales();
      chart.update('none');
    });
  }

  return {
    update(update) {
      if (update.reset) load(update.reset);
      else {
        for (const name of update.marks || []) marks.add(name);
        for (const [name, ...point] of update.points || []) push(name, point);
      }
      redraw();
    },
    destroy() {
      destroyed = true;
      cancelAnimationFrame(frame);
      frame = 0;
      chart.destroy();
    },
  };
}
