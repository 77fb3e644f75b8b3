// impetus-ui-chart in the browser: chart.js with its decimation plugin (LTTB), so a series of
// thousands of points draws as a few hundred; the client keeps at most the node's maxPoints.
import { h } from '../dom.js';

const PALETTE = ['#4cc2ff', '#f5a524', '#a78bfa', '#34d399', '#f472b6', '#facc15', '#60a5fa', '#fb7185'];

function timeLabel(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function chartPanel(el, panel) {
  const o = panel.options;
  const canvas = h('canvas', { role: 'img', 'aria-label': `${panel.title} chart` });
  el.append(h('div.chart-box', canvas));
  /** name → { line: [{x, y}], low: [{x, y}], high: [{x, y}] } */
  const series = new Map();
  let bars = [];

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
    bars = data && data.bars ? data.bars : [];
    for (const s of (data && data.series) || []) for (const p of s.points) push(s.name, p);
  }

  function datasets() {
    if (o.type === 'bar') {
      const labels = [...new Set(bars.flatMap((b) => Object.keys(b.values)))];
      const sets = bars.map((b, i) => ({ type: 'bar', label: b.name, data: labels.map((l) => b.values[l] ?? null), backgroundColor: PALETTE[i % PALETTE.length] }));
      for (const t of o.thresholds) sets.push({ type: 'line', label: t.label, data: labels.map(() => t.value), borderColor: '#e5484d', borderDash: [6, 4], pointRadius: 0, borderWidth: 2 });
      return { labels, datasets: sets };
    }
    const sets = [];
    let minX = Infinity;
    let maxX = -Infinity;
    [...series.entries()].forEach(([name, s], i) => {
      const colour = PALETTE[i % PALETTE.length];
      if (s.line.length) {
        minX = Math.min(minX, s.line[0].x);
        maxX = Math.max(maxX, s.line[s.line.length - 1].x);
      }
      if (s.low.length) {
        sets.push({ label: `${name} band low`, data: s.low, borderWidth: 0, pointRadius: 0, fill: false, band: true });
        sets.push({ label: `${name} band`, data: s.high, borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: `${colour}33`, band: true });
      }
      sets.push({ label: name, data: s.line, borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 0, tension: 0 });
    });
    if (Number.isFinite(minX)) {
      for (const t of o.thresholds) sets.push({ label: t.label, data: [{ x: minX, y: t.value }, { x: maxX, y: t.value }], borderColor: '#e5484d', borderDash: [6, 4], borderWidth: 2, pointRadius: 0 });
    }
    return { datasets: sets };
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
        : {
          x: { type: 'linear', ticks: { color: '#c9d4df', maxTicksLimit: 6, callback: (v) => timeLabel(v) }, grid: { color: '#2b3540' } },
          y: { title: { display: Boolean(o.yLabel), text: o.yLabel, color: '#c9d4df' }, ticks: { color: '#c9d4df' }, grid: { color: '#2b3540' } },
        },
      plugins: {
        legend: { labels: { color: '#e6edf3', filter: (item, data) => !data.datasets[item.datasetIndex].band } },
        decimation: { enabled: o.type !== 'bar', algorithm: 'lttb', samples: o.samples },
        tooltip: { callbacks: { title: (items) => (o.type === 'bar' || !items.length ? undefined : timeLabel(items[0].parsed.x)) } },
      },
    },
  });

  let queued = false;
  function redraw() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const next = datasets();
      chart.data.labels = next.labels;
      chart.data.datasets = next.datasets;
      chart.update('none');
    });
  }

  return {
    update(update) {
      if (update.reset) load(update.reset);
      else for (const [name, ...point] of update.points || []) push(name, point);
      redraw();
    },
    destroy() {
      chart.destroy();
    },
  };
}
