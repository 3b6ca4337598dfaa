// The panel of one vertex under the job graph: its health, then tabs for
// subtasks, watermarks, sampled rows, stacks and charts. Only the open tab is
// fetched, on open and on every refresh.
'use strict';

const VertexPanel = (() => {
  const TABS = [
    ['subtasks', 'Subtasks'],
    ['watermarks', 'Watermarks'],
    ['sample', 'Sampled rows'],
    ['stacks', 'Stacks'],
    ['charts', 'Charts'],
  ];
  const CHARTS = [
    ['busyTimeMsPerSecond', 'Busy (ms/s)', {max: 1000}],
    ['backPressuredTimeMsPerSecond', 'Backpressured (ms/s)', {max: 1000}],
    ['numRecordsInPerSecond', 'Records in per second', {}],
    ['numRecordsOutPerSecond', 'Records out per second', {}],
    ['buffers.inPoolUsage', 'In-queue usage', {max: 1, fmt: U.pct}],
    ['buffers.outPoolUsage', 'Out-queue usage', {max: 1, fmt: U.pct}],
  ];

  // jid, vid; tab one of TABS; go(tab) changes the route.
  function create(host, jid, vid, tab, go) {
    const base = '/jobs/' + U.enc(jid) + '/vertices/' + U.enc(vid);
    const title = U.h('h2', {class: 'panel-title', 'data-testid': 'vertex-name'}, '');
    const facts = U.h('div', {class: 'facts'});
    const flags = U.h('div', {class: 'flag-list'});
    const body = U.h('div', {class: 'tab-body', 'data-testid': 'vertex-tab-' + tab});
    const tabs = U.h('nav', {class: 'tabs'}, TABS.map(([k, label]) =>
        U.h('a', {href: '#', class: k === tab ? 'active' : '', 'data-testid': 'vtab-' + k,
                  onclick: (ev) => { ev.preventDefault(); go(k); }}, label)));
    const panel = U.h('section', {class: 'panel vertex-panel', 'data-testid': 'vertex-panel', 'data-vid': vid},
        U.h('div', {class: 'panel-head'}, title,
            U.h('a', {href: '#/jobs/' + jid, class: 'close', title: 'close', 'data-testid': 'vertex-close'}, '×')),
        facts, flags, tabs, body);
    host.appendChild(panel);

    const state = {paused: false, stacksLive: false, stacksTaken: false};

    function renderHealth(health, vertexName) {
      const v = ((health && health.vertices) || []).find((x) => x.id === vid);
      title.textContent = vertexName || (v && v.name) || vid;
      if (!v) return;
      U.replace(facts,
          fact('busy', U.pct(v['busy-ratio'])), fact('backpressured', U.pct(v['backpressured-ratio'])),
          fact('backpressure level', v['backpressure-level'] || '–'),
          fact('in-queue', U.pct(v['in-pool-usage'])), fact('out-queue', U.pct(v['out-pool-usage'])),
          fact('input', U.num(v['input-records-per-second']) + ' rec/s'),
          fact('capacity', U.num(v['capacity-records-per-second']) + ' rec/s'),
          fact('id', vid, 'mono'));
      const msgs = ((health && health.flags) || []).filter((f) => f.vertex === vid);
      U.replace(flags, msgs.map((f) => U.h('div', {class: 'flag flag-' + f.kind, 'data-testid': 'vertex-flag'},
          U.h('b', {}, f.kind), ' ', f.message)));
    }

    async function load() {
      if (tab === 'subtasks') return subtasks();
      if (tab === 'watermarks') return watermarks();
      if (tab === 'sample') return state.paused ? null : sample();
      if (tab === 'stacks') return state.stacksLive || !state.stacksTaken ? stacks() : null;
      if (tab === 'charts') return charts();
    }

    async function subtasks() {
      const [v, bp] = await Promise.all([U.api(base), U.api(base + '/backpressure')]);
      const ratios = new Map((bp.subtasks || []).map((s) => [s.subtask, s]));
      const rows = (v.subtasks || []).map((s) => {
        const m = s.metrics || {}, r = ratios.get(s.subtask) || {};
        // Flink's field names, or the metric names eddy's subtasks carry.
        const get = (flink, metric) => (m[flink] !== undefined ? m[flink] : m[metric]);
        return U.h('tr', {'data-testid': 'subtask-row', 'data-subtask': s.subtask, class: 'level-' + (r['backpressure-level'] || '')},
            U.h('td', {class: 'num'}, s.subtask), U.h('td', {}, status(s.status)),
            U.h('td', {}, s['taskmanager-id'] || s.endpoint || '–'),
            U.h('td', {class: 'num'}, bar(r.busyRatio, 'busy')), U.h('td', {class: 'num'}, bar(r.ratio, 'bp')),
            U.h('td', {class: 'num'}, U.pct(r.idleRatio)),
            U.h('td', {class: 'num'}, U.num(get('read-records', 'numRecordsIn'))),
            U.h('td', {class: 'num'}, U.num(get('write-records', 'numRecordsOut'))),
            U.h('td', {class: 'num'}, U.bytes(get('read-bytes', 'numBytesIn'))),
            U.h('td', {class: 'num'}, U.bytes(get('write-bytes', 'numBytesOut'))),
            U.h('td', {class: 'num'}, U.duration(s.duration)));
      });
      U.replace(body, U.h('div', {class: 'table-scroll'},
          U.h('table', {class: 'table', 'data-testid': 'subtasks-table'},
              U.h('thead', {}, U.h('tr', {}, ['#', 'status', 'task manager', 'busy', 'backpressured', 'idle',
                  'records in', 'records out', 'bytes in', 'bytes out', 'duration'].map((c) => U.h('th', {}, c)))),
              U.h('tbody', {}, rows))));
    }

    async function watermarks() {
      const list = await U.api(base + '/watermarks');
      const rows = list.map((w) => {
        const [sub, ...rest] = String(w.id).split('.');
        return {subtask: sub, metric: rest.join('.'), value: U.watermark(w.value)};
      }).sort((a, b) => a.subtask - b.subtask);
      const live = rows.filter((r) => r.value !== null);
      const low = live.length ? Math.min(...live.map((r) => r.value)) : null;
      const lowest = low === null ? null : rows.find((r) => r.value === low);
      const none = rows.length - live.length;
      U.replace(body,
          U.h('div', {class: 'facts'},
              fact('low watermark', low === null ? 'No watermark' : U.watermarkText(low)),
              lowest ? fact('held back by', 'subtask ' + lowest.subtask) : null,
              low !== null ? fact('behind now', U.duration(Date.now() - low)) : null,
              none ? fact('without watermark', none + ' of ' + rows.length) : null),
          U.h('div', {class: 'table-scroll'},
              U.h('table', {class: 'table', 'data-testid': 'watermarks-table'},
                  U.h('thead', {}, U.h('tr', {}, ['subtask', 'metric', 'watermark', 'behind now'].map((c) => U.h('th', {}, c)))),
                  U.h('tbody', {}, rows.map((r) => U.h('tr', {class: r.value === low && low !== null ? 'hot' : ''},
                      U.h('td', {class: 'num'}, r.subtask), U.h('td', {class: 'mono'}, r.metric),
                      U.h('td', {class: 'mono'}, U.watermarkText(r.value)),
                      U.h('td', {class: 'num'}, r.value === null ? '–' : U.duration(Date.now() - r.value))))))));
    }

    async function sample() {
      const data = await U.api(base + '/sample?rows=50');
      const cols = data.columns || [];
      // Newest first: the server sends them oldest first, subtasks interleaved by time.
      const rows = (data.rows || []).slice().sort((a, b) => (b.time || 0) - (a.time || 0));
      const pause = U.h('button', {class: 'btn', 'data-testid': 'sample-pause',
                                   onclick: () => { state.paused = !state.paused; pause.textContent = state.paused ? 'Resume' : 'Pause'; }},
                        state.paused ? 'Resume' : 'Pause');
      U.replace(body,
          U.h('div', {class: 'toolbar'}, U.h('span', {class: 'muted'},
              rows.length ? 'The last ' + rows.length + ' rows this vertex emitted, newest first; live every refresh.'
                          : 'No rows yet: the vertex has emitted nothing since the sample was opened.'), pause),
          U.h('div', {class: 'table-scroll tall'},
              U.h('table', {class: 'table sample', 'data-testid': 'sample-table', 'data-rows': rows.length},
                  U.h('thead', {}, U.h('tr', {}, ['op', 'subtask', 'emitted'].concat(cols).map((c) => U.h('th', {}, c)))),
                  U.h('tbody', {}, rows.map((r) => U.h('tr', {'data-testid': 'sample-row'},
                      U.h('td', {}, U.h('span', {class: 'op op-' + opClass(r.op)}, r.op || '+I')),
                      U.h('td', {class: 'num'}, r.subtask), U.h('td', {class: 'mono'}, U.time(r.time)),
                      (r.values || []).map((v) => U.h('td', {class: typeof v === 'number' ? 'num' : ''},
                          v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v)))))))));
    }

    async function stacks() {
      state.stacksTaken = true;
      const data = await U.api(base + '/stacks');
      // Subtasks doing the same thing with the same stack are shown once.
      const groups = new Map();
      for (const s of data.subtasks || []) {
        const key = s.activity + '\n' + (s['stack-error'] || '') + '\n' + (s.stack || []).join('\n');
        (groups.get(key) || groups.set(key, {s, subtasks: []}).get(key)).subtasks.push(s);
      }
      const live = U.h('input', {type: 'checkbox', onchange: (ev) => { state.stacksLive = ev.target.checked; }});
      live.checked = state.stacksLive;
      U.replace(body,
          U.h('div', {class: 'toolbar'},
              U.h('span', {class: 'muted'}, 'Taken ' + U.time(Date.now()) + '. Subtasks with the same activity and stack are grouped.'),
              U.h('label', {class: 'check'}, live, ' live'),
              U.h('button', {class: 'btn', 'data-testid': 'stacks-refresh', onclick: () => stacks().catch(showError)}, 'Take again')),
          U.h('div', {class: 'stacks', 'data-testid': 'stacks'}, [...groups.values()].map((g) =>
              U.h('details', {class: 'stack-group', open: groups.size <= 4},
                  U.h('summary', {},
                      U.h('span', {class: 'activity activity-' + g.s.activity}, g.s.activity),
                      ' subtasks ', U.h('b', {}, g.subtasks.map((x) => x.subtask).join(', ')),
                      U.h('span', {class: 'muted'}, '  ' + (g.subtasks.length === 1 ? what(g.s) : g.subtasks.length + ' subtasks'))),
                  g.subtasks.length > 1 ? U.h('ul', {class: 'details'}, g.subtasks.map((x) =>
                      U.h('li', {}, 'subtask ' + x.subtask + ': ' + what(x)))) : null,
                  g.s['stack-error'] ? U.h('div', {class: 'muted'}, 'no native stack: ' + g.s['stack-error']) : null,
                  U.h('pre', {class: 'stack'}, (g.s.stack || []).map((f, i) => '#' + i + '  ' + f).join('\n') || '(no frames)')))));
    }

    async function charts() {
      const data = await U.api(base + '/history?get=' + CHARTS.map((c) => c[0]).join(','));
      const by = new Map((data.metrics || []).map((m) => [m.id, m]));
      const now = Date.now();
      U.replace(body, U.h('div', {class: 'charts', 'data-testid': 'charts'}, CHARTS.map(([id, label, o]) => {
        const m = by.get(id);
        const series = ((m && m.subtasks) || []).map((s) => ({name: 'subtask ' + s.subtask, points: s.points || []}));
        const last = series.reduce((mx, s) => Math.max(mx, s.points.length ? s.points[s.points.length - 1][0] : 0), 0);
        return Chart.line(series, Object.assign({title: label, id, now: last || now}, o));
      })));
    }

    function showError(e) {
      U.replace(body, U.h('div', {class: 'error', 'data-testid': 'vertex-error'}, e.message));
    }

    return {
      panel,
      async refresh(health, vertexName) {
        renderHealth(health, vertexName);
        try { await load(); } catch (e) { showError(e); }
      },
    };
  }

  // "waiting for credit on channel 1 · for 2.3s · thread 1234"
  function what(s) {
    return [s.detail, s['for-ms'] !== undefined ? 'for ' + U.duration(s['for-ms']) : null,
            s.thread ? 'thread ' + s.thread : null].filter(Boolean).join(' · ');
  }

  function fact(label, value, cls) {
    return U.h('div', {class: 'fact'}, U.h('span', {class: 'fact-label'}, label),
               U.h('span', {class: 'fact-value ' + (cls || '')}, value));
  }
  function status(s) { return U.h('span', {class: 'state state-' + String(s || '').toLowerCase()}, s || '–'); }
  function bar(r, cls) {
    const v = Math.max(0, Math.min(1, +r || 0));
    return U.h('span', {class: 'mini-bar'},
               U.h('span', {class: 'track'}, U.h('i', {class: cls, style: 'width:' + (v * 100).toFixed(0) + '%'})),
               U.h('span', {}, r === undefined ? '–' : U.pct(r)));
  }
  function opClass(op) { return {'+I': 'insert', '-U': 'before', '+U': 'after', '-D': 'delete'}[op] || 'insert'; }

  return {create, fact, status, TABS};
})();
