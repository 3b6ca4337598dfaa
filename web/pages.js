// The pages behind the hash routes. Each is {mount(host), refresh()}: mount
// builds the frame once, refresh fetches what the page shows and updates it
// (app.js calls it every refresh interval while the page is open).
'use strict';

const Pages = (() => {
  const {h} = U;
  const fact = (...a) => VertexPanel.fact(...a);
  const status = (s) => VertexPanel.status(s);

  function table(testid, headers, rows, empty) {
    return U.h('div', {class: 'table-scroll'},
        h('table', {class: 'table', 'data-testid': testid},
            h('thead', {}, h('tr', {}, headers.map((c) => h('th', {}, c)))),
            h('tbody', {}, rows.length ? rows : h('tr', {class: 'empty'}, h('td', {colspan: headers.length}, empty)))));
  }

  function jobRows(jobs) {
    return jobs.map((j) => {
      const tasks = j.tasks || {};
      const total = tasks.total || tasks.TOTAL || 0;
      const counts = Object.entries(tasks).filter(([k, v]) => k.toLowerCase() !== 'total' && v > 0);
      return h('tr', {'data-testid': 'job-row', 'data-jid': j.jid, 'data-state': j.state},
          h('td', {}, h('a', {href: '#/jobs/' + j.jid, 'data-testid': 'job-link'}, j.name || j.jid)),
          h('td', {}, status(j.state)), h('td', {class: 'mono'}, U.time(j['start-time'])),
          h('td', {class: 'num'}, U.duration(j.duration)),
          h('td', {}, h('span', {class: 'task-counts'}, counts.map(([k, v]) =>
              h('span', {class: 'state state-' + k.toLowerCase(), title: k.toUpperCase()}, v + ' ' + k.toLowerCase())),
              total ? h('span', {class: 'muted'}, ' of ' + total) : null)),
          h('td', {class: 'mono muted'}, j.jid));
    });
  }
  const JOB_HEADERS = ['job', 'state', 'started', 'duration', 'tasks', 'id'];
  const byStart = (a, b) => (b['start-time'] || 0) - (a['start-time'] || 0);

  // #/overview: the cluster's counters, running and completed jobs.
  function overview() {
    const cards = h('div', {class: 'cards', 'data-testid': 'cluster-cards'});
    const running = h('div');
    const done = h('div');
    return {
      mount(host) {
        host.append(h('h1', {}, 'Cluster overview'), cards,
                    h('h2', {}, 'Running jobs'), running, h('h2', {}, 'Completed jobs'), done);
      },
      async refresh() {
        const [o, jobs] = await Promise.all([U.api('/overview'), U.api('/jobs/overview')]);
        const card = (label, value, cls, id) =>
          h('div', {class: 'card ' + (cls || ''), 'data-testid': id}, h('div', {class: 'card-value'}, value),
            h('div', {class: 'card-label'}, label));
        U.replace(cards,
            card('task managers', o.taskmanagers, '', 'card-taskmanagers'),
            card('slots available', o['slots-available'] + ' / ' + o['slots-total'], '', 'card-slots'),
            card('running jobs', o['jobs-running'], 'good', 'card-running'),
            card('finished', o['jobs-finished'], '', 'card-finished'),
            card('cancelled', o['jobs-cancelled'], '', 'card-cancelled'),
            card('failed', o['jobs-failed'], o['jobs-failed'] ? 'bad' : '', 'card-failed'));
        const list = (jobs.jobs || []).slice().sort(byStart);
        const live = list.filter((j) => !['FINISHED', 'CANCELED', 'CANCELLED', 'FAILED'].includes(j.state));
        U.replace(running, table('running-jobs', JOB_HEADERS, jobRows(live), 'No job is running.'));
        U.replace(done, table('completed-jobs', JOB_HEADERS, jobRows(list.filter((j) => !live.includes(j))),
                              'No job has completed yet.'));
      },
    };
  }

  // #/jobs/overview: every job.
  function jobs() {
    const list = h('div');
    return {
      mount(host) { host.append(h('h1', {}, 'Jobs'), list); },
      async refresh() {
        const data = await U.api('/jobs/overview');
        U.replace(list, table('jobs-table', JOB_HEADERS, jobRows((data.jobs || []).slice().sort(byStart)),
                              'No jobs. Run one with eddy local --web-ui, or POST a pipeline to /jobs.'));
      },
    };
  }

  // #/taskmanagers
  function taskmanagers() {
    const list = h('div');
    return {
      mount(host) { host.append(h('h1', {}, 'Task managers'), list); },
      async refresh() {
        const data = await U.api('/taskmanagers');
        const rows = (data.taskmanagers || []).map((t) => {
          const hw = t.hardware || {};
          const used = (t.slotsNumber || 0) - (t.freeSlots || 0);
          return h('tr', {'data-testid': 'tm-row', 'data-tm': t.id},
              h('td', {class: 'mono'}, t.id), h('td', {class: 'mono muted'}, t.path || '–'),
              h('td', {class: 'num'}, used + ' / ' + (t.slotsNumber || 0)),
              h('td', {}, h('span', {class: 'mini-bar'}, h('span', {class: 'track'}, h('i', {class: 'busy',
                  style: 'width:' + (t.slotsNumber ? (100 * used / t.slotsNumber).toFixed(0) : 0) + '%'})))),
              // Zero: not measured (eddy's local task managers report none).
              h('td', {class: 'num'}, hw.cpuCores || '–'),
              h('td', {class: 'num'}, hw.physicalMemory ? U.bytes(hw.physicalMemory) : '–'),
              h('td', {class: 'num'}, hw.freeMemory ? U.bytes(hw.freeMemory) : '–'),
              h('td', {class: 'num'}, heartbeat(t.timeSinceLastHeartbeat)),
              h('td', {}, t.blocked ? status('BLOCKED') : status('REGISTERED')));
        });
        U.replace(list, table('taskmanagers-table', ['id', 'path', 'slots used', '', 'cores', 'memory', 'free memory',
                                                      'last heartbeat', 'state'], rows, 'No task manager is registered.'));
      },
    };
  }
  // Flink's field holds the time of the last heartbeat (ms since the epoch);
  // a small number is an age already.
  function heartbeat(v) {
    if (v === undefined || v === null) return '–';
    const age = v > 1e12 ? Date.now() - v : v;
    return U.duration(Math.max(0, age)) + ' ago';
  }

  // Where each job's graph was scrolled to, so opening a vertex (a new route,
  // a new page) does not jump the graph back to its start.
  const graphScroll = new Map();

  // #/jobs/{jid}[/vertex/{vid}/{tab} | /checkpoints | /exceptions | /events]
  function job(jid, view, vid, vtab, go) {
    const head = h('div', {class: 'job-head'});
    const tabs = h('nav', {class: 'tabs job-tabs'}, [['graph', 'Graph'], ['checkpoints', 'Checkpoints'],
        ['exceptions', 'Exceptions'], ['events', 'Events']].map(([k, label]) =>
        h('a', {href: '#/jobs/' + jid + (k === 'graph' ? '' : '/' + k), 'data-testid': 'jtab-' + k,
                class: k === view ? 'active' : ''}, label)));
    const content = h('div', {class: 'job-content'});
    let graph = null, graphHost = null, panel = null, planIds = '';
    const rates = new Map();
    let lastCounts = null;
    const jpath = '/jobs/' + U.enc(jid);

    function renderHead(j, health) {
      const hs = health ? health.status : null;
      const b = health && health.bottleneck;
      U.replace(head,
          h('div', {class: 'job-title'}, h('h1', {'data-testid': 'job-name'}, j.name || jid), status(j.state),
            hs ? h('span', {class: 'health health-' + hs, 'data-testid': 'job-health', 'data-status': hs}, 'health: ' + hs) : null),
          h('div', {class: 'facts'}, fact('id', j.jid, 'mono'), fact('started', U.time(j['start-time'])),
            fact('duration', U.duration(j.duration)), fact('vertices', (j.vertices || []).length),
            fact('type', j['job-type'] || 'STREAMING')),
          b ? h('div', {class: 'flag flag-bottleneck', 'data-testid': 'job-bottleneck', 'data-vertex': b.vertex},
                h('b', {}, 'bottleneck'), ' ', b.message || b.name) : null);
    }

    // Output rate per vertex from the growth of write-records between refreshes.
    function updateRates(j, health) {
      const counts = new Map((j.vertices || []).map((v) => [v.id, (v.metrics || {})['write-records']]));
      const now = j.now || Date.now();
      if (lastCounts && now > lastCounts.now) {
        for (const [id, c] of counts) {
          const before = lastCounts.counts.get(id);
          if (c !== undefined && before !== undefined && c >= before) rates.set(id, (c - before) * 1000 / (now - lastCounts.now));
        }
      } else if (health && graph) {
        // Before two samples exist, an edge that is its target's only input carries the target's input rate.
        for (const n of graph.nodes) {
          const hv = (health.vertices || []).find((v) => v.id === n.id);
          if (n.inputs.length === 1 && hv && hv['input-records-per-second'] !== undefined) {
            rates.set(n.inputs[0].id, hv['input-records-per-second']);
          }
        }
      }
      lastCounts = {counts, now, vertices: new Map((j.vertices || []).map((v) => [v.id, v]))};
    }

    // Without a diagnosis (a server without /health), busy and backpressure
    // still colour the graph: from the growth of the accumulated times.
    function healthFromTimes(j, before) {
      const vertices = (j.vertices || []).map((v) => {
        const b = before && before.vertices.get(v.id);
        const dt = before ? ((j.now || Date.now()) - before.now) * (v.parallelism || 1) : 0;
        const ratio = (k) => (b && dt > 0 ? Math.max(0, Math.min(1, ((v.metrics || {})[k] - (b.metrics || {})[k]) / dt)) : undefined);
        return {id: v.id, name: v.name, 'busy-ratio': ratio('accumulated-busy-time'),
                'backpressured-ratio': ratio('accumulated-backpressured-time'), flags: []};
      });
      return {status: null, bottleneck: null, vertices, flags: []};
    }

    async function graphView(j) {
      const [diagnosis, planData] = await Promise.all([
        U.api(jpath + '/health').catch((e) => { if (e.status === 404) return null; throw e; }),
        graph ? null : U.api(jpath + '/plan')]);
      const health = diagnosis || healthFromTimes(j, lastCounts);
      renderHead(j, health);
      if (planData) {
        const names = new Map((j.vertices || []).map((v) => [v.id, v.name]));
        const nodes = (planData.plan.nodes || []).map((n) => ({
          id: n.id, name: names.get(n.id) || n.description || n.id, parallelism: n.parallelism,
          inputs: (n.inputs || []).map((i) => ({id: i.id, ship_strategy: i.ship_strategy}))}));
        planIds = nodes.map((n) => n.id).join();
        const flagBox = h('div', {class: 'flag-list', 'data-testid': 'health-flags'});
        graphHost = h('div', {class: 'graph-host' + (vid ? ' with-panel' : '')});
        const zoomLabel = h('span', {class: 'muted zoom-label'});
        const setZoom = (f) => { f(); zoomLabel.textContent = Math.round(g.scale() * 100) + '%'; };
        U.replace(content, flagBox,
            h('div', {class: 'graph-frame'},
              h('div', {class: 'graph-tools'},
                h('button', {class: 'btn', title: 'zoom out', onclick: () => setZoom(() => g.zoom(g.scale() / 1.25))}, '−'),
                zoomLabel,
                h('button', {class: 'btn', title: 'zoom in', onclick: () => setZoom(() => g.zoom(g.scale() * 1.25))}, '+'),
                h('button', {class: 'btn', onclick: () => setZoom(() => g.fit())}, 'fit')),
              graphHost, legend()));
        const g = Graph.create(graphHost, nodes, (id) => go('#/jobs/' + jid + '/vertex/' + id + '/' + (vtab || 'subtasks')));
        zoomLabel.textContent = Math.round(g.scale() * 100) + '%';
        graph = Object.assign(g, {nodes, flagBox});
        if (vid) {
          const name = names.get(vid) || (nodes.find((n) => n.id === vid || n.name === vid) || {}).name;
          const real = (nodes.find((n) => n.id === vid || n.name === vid) || {}).id || vid;
          panel = VertexPanel.create(content, jid, real, vtab || 'subtasks',
                                     (t) => go('#/jobs/' + jid + '/vertex/' + real + '/' + t));
          panel.name = name;
          g.select(real);
        }
        const memo = graphScroll.get(jid);
        if (memo) {
          graphHost.scrollLeft = memo[0];
          graphHost.scrollTop = memo[1];
        }
        graphHost.addEventListener('scroll', () => graphScroll.set(jid, [graphHost.scrollLeft, graphHost.scrollTop]));
      }
      updateRates(j, health);
      graph.update(health, rates);
      // The bottleneck is named in the job's head already.
      U.replace(graph.flagBox, (health.flags || []).filter((f) => f.kind !== 'bottleneck').map((f) =>
          h('div', {class: 'flag flag-' + f.kind, 'data-testid': 'health-flag', 'data-kind': f.kind},
            h('b', {}, f.kind), ' ', f.message)));
      if (panel) await panel.refresh(health, panel.name);
      return planIds;
    }

    async function checkpointsView() {
      const c = await U.api(jpath + '/checkpoints');
      const counts = c.counts || {};
      const latest = c.latest || {};
      const done = latest.completed, failed = latest.failed, restored = latest.restored;
      const sum = (c.summary || {}).end_to_end_duration || {};
      const size = (c.summary || {}).checkpointed_size || {};
      const card = (label, v, cls, id) => h('div', {class: 'card ' + (cls || ''), 'data-testid': id},
          h('div', {class: 'card-value'}, v === undefined ? '–' : v), h('div', {class: 'card-label'}, label));
      const history = (c.history || []).map((x) => h('tr', {'data-testid': 'checkpoint-row', 'data-status': x.status,
                                                            'data-id': x.id},
          h('td', {class: 'num'}, x.id), h('td', {title: x.failure_message || ''}, status(x.status)),
          h('td', {}, x.is_savepoint ? 'savepoint' : (x.checkpoint_type || 'checkpoint').toLowerCase()),
          h('td', {class: 'num'}, (x.num_acknowledged_subtasks ?? '–') + ' / ' + (x.num_subtasks ?? '–')),
          h('td', {class: 'mono'}, U.time(x.trigger_timestamp)), h('td', {class: 'mono'}, U.time(x.latest_ack_timestamp)),
          h('td', {class: 'num'}, U.duration(x.end_to_end_duration)), h('td', {class: 'num'}, U.bytes(x.checkpointed_size)),
          h('td', {class: 'num'}, U.bytes(x.state_size))));
      U.replace(content,
          h('div', {class: 'cards', 'data-testid': 'checkpoint-counts', 'data-completed': counts.completed || 0},
            card('completed', counts.completed, 'good', 'cp-completed'), card('failed', counts.failed, counts.failed ? 'bad' : '', 'cp-failed'),
            card('in progress', counts.in_progress, '', 'cp-in-progress'), card('triggered', counts.total, '', 'cp-total'),
            card('restored', counts.restored, '', 'cp-restored')),
          h('div', {class: 'two-col'},
            h('section', {class: 'panel', 'data-testid': 'cp-latest'}, h('h3', {}, 'Latest completed'),
              done ? h('div', {class: 'facts'}, fact('id', done.id), fact('completed', U.time(done.latest_ack_timestamp)),
                       fact('end to end', U.duration(done.end_to_end_duration)), fact('size', U.bytes(done.checkpointed_size)),
                       fact('full size', U.bytes(done.state_size)), done.external_path ? fact('path', done.external_path, 'mono') : null)
                   : h('p', {class: 'muted'}, 'No checkpoint has completed yet.'),
              failed ? h('div', {class: 'flag flag-failed'}, h('b', {}, 'last failure'), ' #' + failed.id + ' at ' +
                         U.time(failed.failure_timestamp) + ': ' + (failed.failure_message || '')) : null,
              restored ? h('p', {}, 'Restored from #' + restored.id + ' at ' + U.time(restored.restore_timestamp) +
                           (restored.external_path ? ' (' + restored.external_path + ')' : '')) : null),
            h('section', {class: 'panel'}, h('h3', {}, 'Summary of completed checkpoints'),
              h('div', {class: 'facts'}, fact('end to end min / avg / max',
                U.duration(sum.min) + ' / ' + U.duration(sum.avg) + ' / ' + U.duration(sum.max))),
              h('div', {class: 'facts'}, fact('checkpointed size min / avg / max',
                U.bytes(size.min) + ' / ' + U.bytes(size.avg) + ' / ' + U.bytes(size.max))))),
          h('h3', {}, 'History'),
          table('checkpoint-history', ['id', 'status', 'type', 'acknowledged', 'triggered', 'latest ack', 'end to end',
                                       'checkpointed size', 'full size'], history,
                'No checkpoint yet. Checkpoints are taken when the pipeline sets checkpoint.interval.'));
    }

    async function exceptionsView() {
      const data = await U.api(jpath + '/exceptions');
      const entries = ((data.exceptionHistory || {}).entries || []).slice().sort((a, b) => b.timestamp - a.timestamp);
      U.replace(content, entries.length ? h('div', {class: 'exceptions', 'data-testid': 'exceptions'}, entries.map((e) =>
          h('details', {class: 'exception', 'data-testid': 'exception'},
            h('summary', {}, h('span', {class: 'mono'}, U.time(e.timestamp)), ' ', h('b', {}, e.exceptionName || 'error'),
              h('span', {class: 'muted'}, '  ' + (e.taskName || '') + (e.taskManagerId ? ' on ' + e.taskManagerId : ''))),
            h('pre', {class: 'stack'}, e.stacktrace || ''))),
          (data.exceptionHistory || {}).truncated ? h('p', {class: 'muted'}, 'Older exceptions were dropped.') : null)
        : h('div', {class: 'empty-state', 'data-testid': 'exceptions-empty'}, 'No exceptions: the job has not failed.'));
    }

    async function eventsView(j) {
      const data = await U.api(jpath + '/events');
      const names = new Map((j.vertices || []).map((v) => [v.id, v.name]));
      const list = (data.events || []).slice().sort((a, b) => (a.state === b.state ? b.opened - a.opened : a.state === 'open' ? -1 : 1));
      const rows = list.map((e) => h('tr', {'data-testid': 'event-row', 'data-state': e.state, 'data-rule': e.rule,
                                            class: 'event-' + e.state},
          h('td', {}, h('span', {class: 'state state-' + e.state}, e.state)),
          h('td', {}, h('span', {class: 'level level-' + String(e.level).toLowerCase()}, e.level)),
          h('td', {class: 'mono'}, e.rule), h('td', {}, e.vertex ? (e['vertex-name'] || names.get(e.vertex) || e.vertex) : '–'),
          h('td', {class: 'num'}, e.subtask ?? '–'), h('td', {class: 'wrap'}, e.message),
          h('td', {class: 'mono'}, U.time(e.opened)), h('td', {class: 'mono'}, e.resolved ? U.time(e.resolved) : '–'),
          h('td', {class: 'num'}, e.count), h('td', {}, (e.actions || []).map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(', '))));
      U.replace(content, table('events-table', ['state', 'level', 'rule', 'vertex', 'subtask', 'message', 'opened',
                                                'resolved', 'count', 'actions'], rows, 'No events: no rule has fired.'));
    }

    return {
      mount(host) { host.append(head, tabs, content); },
      async refresh() {
        const j = await U.api(jpath);
        if (view === 'graph') return graphView(j);
        renderHead(j, null);
        if (view === 'checkpoints') return checkpointsView();
        if (view === 'exceptions') return exceptionsView();
        if (view === 'events') return eventsView(j);
      },
    };
  }

  function legend() {
    const swatch = (busy, bp, label) => h('span', {class: 'legend-item'},
        h('i', {class: 'swatch', style: 'background:' + U.loadColour(busy, bp)}), label);
    return h('div', {class: 'legend', 'data-testid': 'legend'},
        swatch(0, 0, 'idle'), h('i', {class: 'gradient'}), swatch(1, 0, 'busy'), swatch(0, 1, 'backpressured'),
        h('span', {class: 'legend-item'}, h('i', {class: 'qbar-demo'}), 'queue usage in / out (yellow: full)'),
        h('span', {class: 'legend-item'}, h('span', {class: 'pill badge-bottleneck'}, 'BOTTLENECK'), 'in-queue full, out-queue not'),
        h('span', {class: 'legend-item'}, h('span', {class: 'pill badge-skew'}, 'SKEW'), 'one subtask far above the rest'),
        h('span', {class: 'legend-item'}, h('span', {class: 'pill badge-wm'}, 'WM STALLED'), 'watermark not advancing'),
        h('span', {class: 'legend-item muted'}, 'edges: partitioning and records/s'));
  }

  return {overview, jobs, taskmanagers, job};
})();
