// The job graph as SVG: a layered left-to-right layout of /jobs/{id}/plan
// (longest-path layers, dummy nodes on long edges, barycentre ordering), drawn
// once per plan and then updated in place from /health every refresh.
'use strict';

const Graph = (() => {
  const W = 220, H = 88, GAP_X = 110, GAP_Y = 34, DUMMY_H = 12, MARGIN = 28;

  // nodes: [{id, name, parallelism, inputs: [{id, ship_strategy}]}] -> positions and edge routes.
  function layout(nodes) {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const layer = new Map();
    const visiting = new Set();
    function depth(id) {
      if (layer.has(id)) return layer.get(id);
      if (visiting.has(id)) return 0;  // a cycle cannot be in a plan; do not loop if one is
      visiting.add(id);
      let d = 0;
      for (const i of byId.get(id).inputs) if (byId.has(i.id)) d = Math.max(d, depth(i.id) + 1);
      layer.set(id, d);
      return d;
    }
    nodes.forEach((n) => depth(n.id));

    // Every edge becomes a chain of unit-length segments through dummy nodes, so
    // ordering sees long edges and routes them between the boxes.
    const items = new Map();  // id -> {id, layer, dummy, preds: [], succs: []}
    nodes.forEach((n) => items.set(n.id, {id: n.id, layer: layer.get(n.id), dummy: false, preds: [], succs: []}));
    const edges = [];
    for (const n of nodes) {
      for (const input of n.inputs) {
        if (!byId.has(input.id)) continue;
        const path = [input.id];
        for (let l = layer.get(input.id) + 1; l < layer.get(n.id); l++) {
          const d = {id: 'd' + items.size, layer: l, dummy: true, preds: [], succs: []};
          items.set(d.id, d);
          path.push(d.id);
        }
        path.push(n.id);
        for (let k = 1; k < path.length; k++) {
          items.get(path[k - 1]).succs.push(path[k]);
          items.get(path[k]).preds.push(path[k - 1]);
        }
        edges.push({from: input.id, to: n.id, strategy: input.ship_strategy || '', path});
      }
    }

    const layers = [];
    for (const it of items.values()) (layers[it.layer] = layers[it.layer] || []).push(it);
    const pos = new Map();
    const renumber = (ls) => ls.forEach((l) => l.forEach((it, k) => pos.set(it.id, k)));
    renumber(layers);
    const bary = (it, side) => {
      const ns = it[side];
      if (!ns.length) return pos.get(it.id);
      return ns.reduce((a, x) => a + pos.get(x), 0) / ns.length;
    };
    // Barycentre sweeps, down then up: each layer ordered by the mean position of
    // its neighbours in the layer before. A stable sort keeps ties in place.
    for (let iter = 0; iter < 6; iter++) {
      for (let l = 1; l < layers.length; l++) {
        layers[l] = layers[l].map((it) => [bary(it, 'preds'), it]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
        renumber([layers[l]]);
      }
      for (let l = layers.length - 2; l >= 0; l--) {
        layers[l] = layers[l].map((it) => [bary(it, 'succs'), it]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
        renumber([layers[l]]);
      }
    }

    // Vertical placement: each item wants the mean y of its predecessors (so
    // chains run straight); keep the order and the spacing, then shift the layer
    // by the mean miss.
    const y = new Map();
    const size = (it) => (it.dummy ? DUMMY_H : H);
    layers.forEach((ls, l) => {
      let at = 0;
      const want = ls.map((it) => {
        const ps = it.preds.filter((p) => y.has(p));
        const centre = ps.length ? ps.reduce((a, p) => a + y.get(p) + size(items.get(p)) / 2, 0) / ps.length : null;
        return centre === null ? null : centre - size(it) / 2;
      });
      const placed = ls.map((it, k) => {
        const v = Math.max(want[k] === null ? at : want[k], at);
        at = v + size(it) + GAP_Y;
        return v;
      });
      const misses = placed.map((v, k) => (want[k] === null ? 0 : v - want[k]));
      const shift = l === 0 ? 0 : misses.reduce((a, b) => a + b, 0) / Math.max(1, misses.length);
      ls.forEach((it, k) => y.set(it.id, placed[k] - shift));
    });
    let minY = Infinity, maxY = -Infinity;
    for (const [id, v] of y) { minY = Math.min(minY, v); maxY = Math.max(maxY, v + size(items.get(id))); }
    const xy = new Map();
    for (const it of items.values()) {
      xy.set(it.id, {x: MARGIN + it.layer * (W + GAP_X), y: MARGIN + 14 + y.get(it.id) - minY, dummy: it.dummy});
    }
    return {
      xy, edges,
      width: 2 * MARGIN + layers.length * W + Math.max(0, layers.length - 1) * GAP_X,
      height: 2 * MARGIN + 14 + (maxY - minY),
    };
  }

  // A smooth path from the right side of `from` through dummies to the left side of `to`.
  function route(lay, edge) {
    const pts = edge.path.map((id, k) => {
      const p = lay.xy.get(id);
      if (p.dummy) return [[p.x, p.y + DUMMY_H / 2], [p.x + W, p.y + DUMMY_H / 2]];
      return k === 0 ? [[p.x + W, p.y + H / 2]] : [[p.x - 6, p.y + H / 2]];
    }).flat();
    let d = 'M' + pts[0][0] + ',' + pts[0][1];
    for (let k = 1; k < pts.length; k++) {
      const [x0, y0] = pts[k - 1], [x1, y1] = pts[k];
      if (y0 === y1) { d += ' L' + x1 + ',' + y1; continue; }
      const mx = (x0 + x1) / 2;
      d += ' C' + mx + ',' + y0 + ' ' + mx + ',' + y1 + ' ' + x1 + ',' + y1;
    }
    // The label sits on the first segment, where edges leaving one node fan out.
    const [lx0, ly0] = pts[0], [lx1, ly1] = pts[1];
    return {d, label: [(lx0 + lx1) / 2, (ly0 + ly1) / 2]};
  }

  const BADGES = [
    ['bottleneck', 'bottleneck', 'BOTTLENECK'],
    ['skew', 'skew', 'SKEW'],
    ['watermark-stalled', 'wm', 'WM STALLED'],
  ];

  // Draws the graph into `host`; returns {update(health, rates), select(vid)}.
  // nodes as layout(); onSelect(vid) when a node is clicked.
  function create(host, nodes, onSelect) {
    const lay = layout(nodes);
    const svg = U.s('svg', {class: 'graph', 'data-testid': 'job-graph', viewBox: '0 0 ' + lay.width + ' ' + lay.height,
                            'data-nodes': nodes.length});
    svg.appendChild(U.s('defs', {},
        U.s('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
                       markerUnits: 'userSpaceOnUse',
                       orient: 'auto-start-reverse'},
            U.s('path', {d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead'}))));
    const names = new Map(nodes.map((n) => [n.id, n.name]));
    const edgeLayer = U.s('g', {class: 'edges'});
    const labelLayer = U.s('g', {class: 'edge-labels'});
    const nodeLayer = U.s('g', {class: 'nodes'});
    svg.append(edgeLayer, nodeLayer, labelLayer);

    const edgeEls = lay.edges.map((e) => {
      const r = route(lay, e);
      const path = U.s('path', {class: 'edge', d: r.d, 'marker-end': 'url(#arrow)'});
      const text = U.s('text', {class: 'edge-label', x: r.label[0], y: r.label[1] - 7, 'text-anchor': 'middle'},
                       e.strategy);
      const bg = U.s('rect', {class: 'edge-label-bg', rx: 4});
      const g = U.s('g', {'data-testid': 'edge-' + names.get(e.from) + '-' + names.get(e.to),
                          'data-ship-strategy': e.strategy, class: 'edge-group edge-' + e.strategy.toLowerCase()},
                    path);
      edgeLayer.appendChild(g);
      const lg = U.s('g', {class: 'edge-label-group'}, bg, text);
      labelLayer.appendChild(lg);
      return {e, path, text, bg, r};
    });

    const nodeEls = new Map();
    for (const n of nodes) {
      const p = lay.xy.get(n.id);
      const rect = U.s('rect', {class: 'node-box', width: W, height: H, rx: 9});
      const title = U.s('text', {class: 'node-title', x: 12, y: 22}, U.ellipsis(n.name, 28));
      const sub = U.s('text', {class: 'node-sub', x: 12, y: 41}, 'parallelism ' + n.parallelism);
      const load = U.s('text', {class: 'node-load', x: 12, y: 58}, '');
      const bar = (label, x) => {
        const track = U.s('rect', {class: 'qbar-track', x: x + 24, y: 67, width: 64, height: 8, rx: 2});
        const fill = U.s('rect', {class: 'qbar-fill', x: x + 24, y: 67, width: 0, height: 8, rx: 2});
        const t = U.s('text', {class: 'qbar-label', x, y: 75}, label);
        return {g: U.s('g', {}, t, track, fill), fill};
      };
      const qin = bar('in', 12), qout = bar('out', 112);
      const badges = U.s('g', {class: 'badges'});
      const g = U.s('g', {class: 'node', transform: 'translate(' + p.x + ',' + p.y + ')', 'data-testid': 'node-' + n.name,
                          'data-vid': n.id, 'data-name': n.name, 'data-bottleneck': '0', 'data-skew': '0',
                          'data-watermark-stalled': '0', tabindex: 0, role: 'button',
                          onclick: () => onSelect(n.id),
                          onkeydown: (ev) => { if (ev.key === 'Enter') onSelect(n.id); }},
                    U.s('title', {}, n.name), rect, title, sub, load, qin.g, qout.g, badges);
      nodeLayer.appendChild(g);
      nodeEls.set(n.id, {g, rect, sub, load, qin: qin.fill, qout: qout.fill, badges, node: n});
    }

    // Zoom: the SVG keeps its natural size times `scale`; the host scrolls.
    let scale = 1;
    function zoom(z) {
      scale = Math.max(0.2, Math.min(2, z));
      svg.setAttribute('width', Math.round(lay.width * scale));
      svg.setAttribute('height', Math.round(lay.height * scale));
      host.dataset.zoom = scale.toFixed(2);
    }
    function fit() {
      const w = host.clientWidth || 1000;
      // A large graph is not shrunk past readable: it scrolls instead.
      zoom(Math.max(0.55, Math.min(1, (w - 4) / lay.width)));
    }
    host.appendChild(svg);
    fit();

    function update(health, rates) {
      const hv = new Map(((health && health.vertices) || []).map((v) => [v.id, v]));
      for (const [id, el] of nodeEls) {
        const v = hv.get(id);
        if (!v) continue;
        const fill = U.loadColour(v['busy-ratio'], v['backpressured-ratio']);
        el.rect.setAttribute('fill', fill);
        el.g.classList.toggle('dark', U.isDark(fill));
        const flags = v.flags || [];
        el.g.dataset.busy = (+v['busy-ratio'] || 0).toFixed(2);
        el.g.dataset.backpressured = (+v['backpressured-ratio'] || 0).toFixed(2);
        el.g.dataset.backpressureLevel = v['backpressure-level'] || '';
        el.g.dataset.bottleneck = flags.includes('bottleneck') ? '1' : '0';
        el.g.dataset.skew = flags.includes('skew') ? '1' : '0';
        el.g.dataset.watermarkStalled = flags.includes('watermark-stalled') ? '1' : '0';
        const inRate = v['input-records-per-second'];
        el.sub.textContent = 'parallelism ' + el.node.parallelism +
            (el.node.inputs.length && inRate !== undefined ? '  ·  ' + U.num(inRate) + ' rec/s in' : '');
        el.load.textContent = 'busy ' + U.pct(v['busy-ratio']) + '  ·  backpressured ' + U.pct(v['backpressured-ratio']);
        const bar = (r, u) => {
          u = Math.max(0, Math.min(1, +u || 0));
          r.setAttribute('width', (64 * u).toFixed(1));
          r.classList.toggle('full', u >= 0.99);
        };
        bar(el.qin, v['in-pool-usage']);
        bar(el.qout, v['out-pool-usage']);
        U.clear(el.badges);
        let bx = W - 4;
        for (const [flag, cls, label] of BADGES) {
          if (!flags.includes(flag)) continue;
          const bw = label.length * 6.6 + 14;
          bx -= bw;
          el.badges.appendChild(U.s('g', {class: 'badge badge-' + cls, 'data-testid': 'badge-' + cls},
              U.s('rect', {x: bx, y: -10, width: bw, height: 18, rx: 9}),
              U.s('text', {x: bx + bw / 2, y: 3, 'text-anchor': 'middle'}, label)));
          bx -= 4;
        }
      }
      for (const ed of edgeEls) {
        const r = rates && rates.get(ed.e.from);
        const label = ed.e.strategy + (r !== undefined && r !== null ? '  ' + U.num(r) + '/s' : '');
        ed.text.textContent = label;
        const w = label.length * 6.4 + 8;
        ed.bg.setAttribute('x', ed.r.label[0] - w / 2);
        ed.bg.setAttribute('y', ed.r.label[1] - 18);
        ed.bg.setAttribute('width', w);
        ed.bg.setAttribute('height', 16);
        ed.path.setAttribute('stroke-width', r ? Math.min(5, 1.4 + Math.log10(1 + r) * 0.6).toFixed(2) : 1.4);
      }
    }

    function select(vid) {
      for (const [id, el] of nodeEls) el.g.classList.toggle('selected', id === vid);
    }

    return {update, select, zoom: (z) => zoom(z), fit, scale: () => scale};
  }

  return {create, layout};
})();
