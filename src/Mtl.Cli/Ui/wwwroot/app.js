// mtl ui — the shell shared by the four pages (owner: ui-core).
// window.mtl = {
//   api(path, options)   fetch + JSON; options.body may be an object (sent as JSON) or FormData; throws Error(json.error)
//                        with .status set to the HTTP status
//   url(path)            path with the session token added (for EventSource, <img src>, download links)
//   currentRun()         the current run id (location.hash "?run=", else sessionStorage), or null
//   setCurrentRun(id)    sets it (hash + sessionStorage + #current-run)
//   show(page)           shows section #page-<page> (data|train|evaluate|consume), calls its onShow handlers
//   onShow(page, fn)     fn(runId) runs each time the page is shown
//   error(page, e)       shows e (an Error or a string) in #<page>-error (class "error", role=alert); error(page, null) clears it
//   el(tag, attrs, ...children)  createElement with attributes/properties; string children become text nodes (never HTML)
// }
// Element ids: #nav-data #nav-train #nav-evaluate #nav-consume (nav links), #current-run, #page-<page>, #<page>-error.
(function () {
  'use strict';
  const pages = ['data', 'train', 'evaluate', 'consume'];
  const handlers = {};
  const params = new URLSearchParams(location.search);
  let token = params.get('token');
  if (token) {
    sessionStorage.setItem('mtl-token', token);
  } else {
    token = sessionStorage.getItem('mtl-token');
  }

  function url(path) {
    if (!token) return path;
    return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
  }

  async function api(path, options) {
    const init = Object.assign({}, options || {});
    const headers = new Headers(init.headers || {});
    if (token) headers.set('X-Mtl-Token', token);
    if (init.body !== undefined && init.body !== null && !(init.body instanceof FormData) && typeof init.body !== 'string') {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(init.body);
    }
    init.headers = headers;
    const response = await fetch(path, init);
    const type = response.headers.get('Content-Type') || '';
    const body = type.includes('application/json') ? await response.json() : await response.text();
    if (!response.ok) {
      const message = body && typeof body === 'object' && body.error ? body.error
        : (typeof body === 'string' && body.trim()) || (response.status + ' ' + response.statusText);
      const e = new Error(message);
      e.status = response.status;
      throw e;
    }
    return body;
  }

  function parseHash() {
    const hash = location.hash.replace(/^#/, '');
    const q = hash.indexOf('?');
    const page = q < 0 ? hash : hash.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
    return { page: pages.includes(page) ? page : null, run: query.get('run') };
  }

  function hashFor(page, run) {
    return '#' + page + (run ? '?run=' + encodeURIComponent(run) : '');
  }

  function currentRun() {
    return parseHash().run || sessionStorage.getItem('mtl-run') || null;
  }

  function showRunName(run) {
    document.getElementById('current-run').textContent = run || 'none';
  }

  function setCurrentRun(id) {
    if (id) sessionStorage.setItem('mtl-run', id); else sessionStorage.removeItem('mtl-run');
    showRunName(id);
    const now = parseHash();
    const target = hashFor(now.page || 'data', id);
    if (location.hash !== target) history.replaceState(null, '', location.pathname + location.search + target);
  }

  function show(page) {
    if (!pages.includes(page)) page = 'data';
    const run = currentRun();
    const target = hashFor(page, run);
    if (location.hash !== target) history.replaceState(null, '', location.pathname + location.search + target);
    render(page, run);
  }

  function render(page, run) {
    for (const p of pages) {
      document.getElementById('page-' + p).hidden = p !== page;
      const link = document.getElementById('nav-' + p);
      if (p === page) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
      link.href = hashFor(p, run);
    }
    if (run) sessionStorage.setItem('mtl-run', run);
    showRunName(run);
    for (const fn of handlers[page] || []) {
      try {
        const result = fn(run);
        if (result && typeof result.catch === 'function') result.catch(e => error(page, e));
      } catch (e) {
        error(page, e);
      }
    }
  }

  function onShow(page, fn) {
    (handlers[page] = handlers[page] || []).push(fn);
  }

  function error(page, e) {
    const box = document.getElementById(page + '-error');
    if (!box) return;
    if (e === null || e === undefined) {
      box.textContent = '';
      box.hidden = true;
      return;
    }
    box.textContent = typeof e === 'string' ? e : (e.message || String(e));
    box.hidden = false;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (key in node && typeof value !== 'string') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  window.mtl = { api, url, currentRun, setCurrentRun, show, onShow, error, el };

  window.addEventListener('hashchange', () => {
    const now = parseHash();
    if (now.page) render(now.page, now.run || currentRun());
  });
  document.addEventListener('DOMContentLoaded', () => {
    // The token stays in sessionStorage and a cookie; drop it from the address bar (screenshots, shoulder surfing).
    if (params.has('token')) history.replaceState(null, '', location.pathname + location.hash);
    const now = parseHash();
    render(now.page || 'data', now.run || currentRun());
  });
})();
