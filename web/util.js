// Helpers shared by the UI's scripts: DOM building, formatting, and the REST
// client. Everything is a global under `U` (no modules: the page works from
// the binary with plain <script> tags).
'use strict';

const U = (() => {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // h('div', {class: 'x', 'data-testid': 'y', onclick: f}, child, 'text', [more])
  function build(ns, tag, attrs, children) {
    const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    append(e, children);
    return e;
  }
  function append(e, children) {
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) append(e, c);
      else e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
  const h = (tag, attrs, ...children) => build(null, tag, attrs, children);
  const s = (tag, attrs, ...children) => build(SVG_NS, tag, attrs, children);

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function replace(e, ...children) { clear(e); append(e, children); return e; }

  // 1234 -> "1.23k"; rates and counts in the graph and tables.
  function num(v, digits = 3) {
    if (v === null || v === undefined || v === '' || Number.isNaN(+v)) return '–';
    v = +v;
    const a = Math.abs(v);
    const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [f, u] of units) if (a >= f) return +(v / f).toPrecision(digits) + u;
    if (a === 0) return '0';
    return a < 10 ? String(+v.toFixed(2)) : String(Math.round(v));
  }
  function bytes(v) {
    if (v === null || v === undefined || v < 0 || Number.isNaN(+v)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    v = +v;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
  }
  function pct(r) {
    if (r === null || r === undefined || Number.isNaN(+r)) return '–';
    return Math.round(+r * 100) + '%';
  }
  // ms -> "1h 02m", "3m 07s", "4.2s", "180ms"
  function duration(ms) {
    if (ms === null || ms === undefined || ms < 0) return '–';
    if (ms < 1000) return Math.round(ms) + 'ms';
    const sec = ms / 1000;
    if (sec < 60) return sec.toFixed(sec < 10 ? 1 : 0) + 's';
    const m = Math.floor(sec / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    const pad = (x) => String(x).padStart(2, '0');
    if (d > 0) return d + 'd ' + pad(h % 24) + 'h';
    if (h > 0) return h + 'h ' + pad(m % 60) + 'm';
    return m + 'm ' + pad(Math.floor(sec % 60)) + 's';
  }
  function time(ms) {
    if (!ms || ms < 0) return '–';
    const d = new Date(+ms);
    const pad = (x, n = 2) => String(x).padStart(n, '0');
    const today = new Date();
    const t = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    if (d.toDateString() === today.toDateString()) return t;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + t;
  }
  // Flink's "no watermark" is Long.MIN_VALUE; JSON numbers lose it, so compare loosely.
  const NO_WATERMARK = -9.2e18;
  function watermark(v) {
    if (v === null || v === undefined || v === '' || +v <= NO_WATERMARK) return null;
    return +v;
  }
  function watermarkText(v) {
    const w = watermark(v);
    if (w === null) return 'No watermark';
    return time(w) + '.' + String(w % 1000).padStart(3, '0');
  }

  // The REST client. A failed request rejects with the server's message
  // (Flink's {"errors": [...]}) so pages can show it.
  async function api(path) {
    let res;
    try {
      res = await fetch(path, {headers: {Accept: 'application/json'}, cache: 'no-store'});
    } catch (e) {
      throw new ApiError(0, 'cannot reach the REST API: ' + e.message);
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && (body.errors || [body.error]).filter(Boolean).join('; ');
      throw new ApiError(res.status, msg || (res.status + ' ' + res.statusText + ' for ' + path));
    }
    if (body === null) throw new ApiError(res.status, 'not JSON: ' + path);
    return body;
  }
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // Idle blue, busy red, backpressured near-black: a vertex's colour mixes the
  // idle colour towards whichever of busy and backpressured is larger, as
  // Flink's dashboard does.
  const IDLE = [86, 152, 212], BUSY = [214, 48, 49], BACKPRESSURED = [38, 42, 51];
  function mix(a, b, t) { return a.map((x, i) => Math.round(x + (b[i] - x) * t)); }
  function loadColour(busy, backpressured) {
    busy = Math.max(0, Math.min(1, +busy || 0));
    backpressured = Math.max(0, Math.min(1, +backpressured || 0));
    const c = backpressured > busy ? mix(IDLE, BACKPRESSURED, backpressured) : mix(IDLE, BUSY, busy);
    return 'rgb(' + c.join(',') + ')';
  }
  function isDark(rgb) {
    const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(rgb);
    if (!m) return true;
    return 0.299 * m[1] + 0.587 * m[2] + 0.114 * m[3] < 150;
  }

  // A label that cannot overflow a box `width` px wide at ~7px a character.
  function ellipsis(text, chars) {
    text = String(text);
    return text.length <= chars ? text : text.slice(0, Math.max(1, chars - 1)) + '…';
  }

  function enc(x) { return encodeURIComponent(x); }

  return {h, s, clear, replace, num, bytes, pct, duration, time, watermark, watermarkText, api, ApiError,
          loadColour, isDark, ellipsis, enc};
})();
