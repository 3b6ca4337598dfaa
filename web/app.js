// The router and the refresh loop: a hash route picks a page, the page is
// refreshed every `refresh-interval` (2 s by default, /config may ask for
// another) while it is shown. body[data-ready="1"] after the first page
// rendered; main[data-route] names the page and main[data-loaded] the route
// whose data is on screen, so browser tests wait on state, not on time.
'use strict';

(() => {
  const main = document.getElementById('main');
  const banner = document.getElementById('banner');
  const conn = document.getElementById('conn');
  let page = null, route = '', timer = null, busy = false, interval = 2000;

  function parse(hash) {
    const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'jobs' && parts[1] && parts[1] !== 'overview') {
      if (parts[2] === 'vertex' && parts[3]) return {key: 'jobs', make: () => Pages.job(parts[1], 'graph', parts[3], parts[4], go)};
      const view = ['checkpoints', 'exceptions', 'events'].includes(parts[2]) ? parts[2] : 'graph';
      return {key: 'jobs', make: () => Pages.job(parts[1], view, null, null, go)};
    }
    if (parts[0] === 'jobs') return {key: 'jobs', make: Pages.jobs};
    if (parts[0] === 'taskmanagers') return {key: 'taskmanagers', make: Pages.taskmanagers};
    return {key: 'overview', make: Pages.overview};
  }

  function go(hash) { if (location.hash !== hash) location.hash = hash; else show(); }

  function show() {
    const r = parse(location.hash || '#/overview');
    route = location.hash || '#/overview';
    for (const a of document.querySelectorAll('.topnav a')) a.classList.toggle('active', a.dataset.route === r.key);
    U.clear(main);
    main.dataset.route = r.key;
    delete main.dataset.loaded;
    page = r.make();
    page.mount(main);
    tick();
  }

  async function tick() {
    clearTimeout(timer);
    if (busy) { timer = setTimeout(tick, 200); return; }
    busy = true;
    const shown = page, at = route;
    try {
      await shown.refresh();
      if (shown === page) {
        banner.hidden = true;
        conn.dataset.state = 'ok';
        conn.title = 'REST API answering; refreshed ' + U.time(Date.now());
        main.dataset.loaded = at;
        document.body.dataset.ready = '1';
      }
    } catch (e) {
      if (shown === page) {
        banner.hidden = false;
        banner.textContent = e.message;
        conn.dataset.state = e.status ? 'warn' : 'down';
        conn.title = e.message;
        document.body.dataset.ready = '1';
      }
    } finally {
      busy = false;
    }
    // A hidden tab is not refreshed; it catches up when shown again.
    timer = setTimeout(tick, document.hidden ? interval * 5 : interval);
  }

  document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
  window.addEventListener('hashchange', show);
  U.api('/config').then((c) => {
    const r = +c['refresh-interval'];
    if (r >= 500 && r <= 10000) interval = Math.min(r, 2000);
    const v = String(c['flink-version'] || '');
    document.getElementById('version').textContent = v.startsWith('eddy') ? v : 'eddy ' + v;
  }).catch(() => {});
  show();
})();
