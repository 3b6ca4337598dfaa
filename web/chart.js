// Small SVG line charts for /history: five minutes, a line per subtask. More
// than MAX_LINES subtasks become three lines (min, mean, max) so a chart
// stays readable and its DOM small at any parallelism.
'use strict';

const Chart = (() => {
  const MAX_LINES = 16;
  const PALETTE = ['#2f6fde', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#e67700', '#5c940d',
                   '#a61e4d', '#1864ab', '#d9480f', '#087f5b', '#862e9c', '#364fc7', '#f08c00', '#495057'];
  const VW = 480, VH = 170, L = 46, R = 10, T = 12, B = 22;

  // series: [{name, points: [[ms, value], ...]}] -> the series drawn.
  function capped(series) {
    if (series.length <= MAX_LINES) return series;
    const at = new Map();
    for (const s of series) for (const [t, v] of s.points) (at.get(t) || at.set(t, []).get(t)).push(+v);
    const ts = [...at.keys()].sort((a, b) => a - b);
    const pick = (f) => ts.map((t) => [t, f(at.get(t))]);
    return [
      {name: 'max of ' + series.length, points: pick((vs) => Math.max(...vs))},
      {name: 'mean', points: pick((vs) => vs.reduce((a, b) => a + b, 0) / vs.length)},
      {name: 'min', points: pick((vs) => Math.min(...vs))},
    ];
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // opts: {title, fmt(v), max (fixed y max), windowMs (default 5 min), now}
  function line(series, opts) {
    opts = opts || {};
    const fmt = opts.fmt || U.num;
    const drawn = capped(series);
    const now = opts.now || Math.max(0, ...drawn.map((s) => (s.points.length ? s.points[s.points.length - 1][0] : 0)));
    const windowMs = opts.windowMs || 300000;
    const t0 = now - windowMs;
    let top = 0;
    for (const s of drawn) for (const [t, v] of s.points) if (t >= t0 && +v > top) top = +v;
    const ymax = opts.max !== undefined ? Math.max(opts.max, top) : niceMax(top * 1.05);
    const x = (t) => L + ((t - t0) / windowMs) * (VW - L - R);
    const y = (v) => T + (1 - v / ymax) * (VH - T - B);

    const svg = U.s('svg', {class: 'chart', viewBox: '0 0 ' + VW + ' ' + VH,
                            'data-testid': 'chart-' + (opts.id || ''), 'data-lines': drawn.length});
    for (let k = 0; k <= 4; k++) {
      const v = (ymax * k) / 4;
      svg.appendChild(U.s('line', {class: 'grid', x1: L, x2: VW - R, y1: y(v), y2: y(v)}));
      svg.appendChild(U.s('text', {class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end'}, fmt(v)));
    }
    for (let m = 0; m <= 5; m++) {
      const t = t0 + m * 60000;
      svg.appendChild(U.s('text', {class: 'axis', x: x(t), y: VH - 6, 'text-anchor': m === 0 ? 'start' : m === 5 ? 'end' : 'middle'},
                          m === 5 ? 'now' : '-' + (5 - m) + 'm'));
    }
    drawn.forEach((s, k) => {
      const pts = s.points.filter(([t]) => t >= t0);
      if (!pts.length) return;
      const d = pts.map(([t, v], i) => (i ? 'L' : 'M') + x(t).toFixed(1) + ',' + y(+v).toFixed(1)).join(' ');
      svg.appendChild(U.s('path', {class: 'series', d, stroke: PALETTE[k % PALETTE.length]},
                          U.s('title', {}, s.name + ': ' + fmt(pts[pts.length - 1][1]))));
    });
    if (!drawn.some((s) => s.points.length)) {
      svg.appendChild(U.s('text', {class: 'axis empty', x: VW / 2, y: VH / 2, 'text-anchor': 'middle'}, 'no data yet'));
    }
    // Many subtasks: their numbers only, so the legend stays one or two lines.
    const short = drawn.length > 6 && drawn.every((s) => /^subtask \d+$/.test(s.name));
    const legend = U.h('div', {class: 'chart-legend'}, short ? U.h('span', {class: 'muted'}, 'subtask') : null,
        drawn.map((s, k) => U.h('span', {class: 'chart-key'},
            U.h('i', {style: 'background:' + PALETTE[k % PALETTE.length]}), short ? s.name.slice(8) : s.name)));
    return U.h('figure', {class: 'chart-box'}, U.h('figcaption', {text: opts.title || ''}), svg, legend);
  }

  return {line, MAX_LINES};
})();
