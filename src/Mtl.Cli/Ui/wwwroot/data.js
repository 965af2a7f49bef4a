// mtl ui — the Data page (owner: ui-core).
// Element ids (stable; the browser tests use them):
//   #data-path (text: file or image folder, relative to the working folder)   #data-browse (toggles the browser)
//   #data-inspect (Load)   #data-error (errors, role=alert)
//   #data-browser  #data-browser-path  #data-browser-up  #data-browser-choose (use the folder shown)
//   #data-browser-list  — one <li class="entry folder|file"> per entry, attribute data-path = its path; click opens/chooses it
//   #data-upload-file (input type=file)  #data-upload (button)  #data-upload-status
//   #data-has-header (checkbox)  #data-separator (select: "" inferred, ",", ";", "tab", "|")
//   #data-result (shown after a load)  #data-summary  #data-preview (table)  #data-columns (table)
//   per column i (0-based, file order): select #col-purpose-<i> (Label|Feature|Ignore), select #col-kind-<i>
//     (auto|Multiclass|Binary|Regression; enabled for labels); each <tr> has data-column = the column's name
//   #data-check (the choice's check: "ok" text, or the error also shown in #data-error)
//   #data-tasks (table: task, kind, labelled rows, missing labels; one <tr data-task=name> each)
//   #data-to-train (Next: train; enabled when the choice trains)
// The choice is kept in sessionStorage "mtl-data" as {path, hasHeader, separator, kind, labels:[{column,kind}], ignore:[...]}
// and read by train.js through window.mtlData.get().
(function () {
  'use strict';
  const mtl = window.mtl;
  const el = mtl.el;
  const $ = id => document.getElementById(id);
  let inspected = null;    // the last answer of /api/data/inspect
  let browsing = '';       // the folder the browser shows
  let pending = null;      // debounce of re-inspection

  function load() {
    try { return JSON.parse(sessionStorage.getItem('mtl-data') || 'null'); } catch (e) { return null; }
  }
  function save(choice) { sessionStorage.setItem('mtl-data', JSON.stringify(choice)); }
  window.mtlData = { get: load };

  function choiceFromTable() {
    if (!inspected) return null;
    const labels = [], ignore = [];
    inspected.columns.forEach(c => {
      const purpose = $('col-purpose-' + c.index).value;
      const kind = $('col-kind-' + c.index).value;
      if (purpose === 'Label') labels.push({ column: c.name, kind: kind === 'auto' ? null : kind.toLowerCase() });
      else if (purpose === 'Ignore' && !(c.note && c.note.startsWith('every value'))) ignore.push(c.name);
    });
    return {
      path: inspected.path, kind: inspected.kind, hasHeader: $('data-has-header').checked,
      separator: $('data-separator').value || null, labels, ignore,
    };
  }

  async function inspect(choice) {
    mtl.error('data', null);
    const body = { path: choice.path, hasHeader: choice.hasHeader, separator: choice.separator || null };
    if (choice.labels && choice.labels.length) body.labels = choice.labels;
    if (choice.ignore && choice.ignore.length) body.ignore = choice.ignore;
    let answer;
    try {
      answer = await mtl.api('/api/data/inspect', { method: 'POST', body });
    } catch (e) {
      inspected = null;
      $('data-result').hidden = true;
      $('data-to-train').disabled = true;
      mtl.error('data', e);
      return;
    }
    inspected = answer;
    render(answer);
    const chosen = Object.assign({}, choice, { path: answer.path, kind: answer.kind });
    if (answer.kind === 'imageFolder') {
      chosen.labels = answer.columns.filter(c => c.purpose === 'Label').map(c => ({ column: c.name, kind: null }));
      chosen.ignore = [];
    }
    save(chosen);
  }

  function render(a) {
    $('data-result').hidden = false;
    $('data-path').value = a.path;
    const what = a.kind === 'imageFolder'
      ? `Image folder ${a.path}: ${a.rows} images in ${a.images ? a.images.classes.length : '?'} classes (one multiclass task)`
      : `${a.path}: ${a.rows} rows, separator ${a.separator === 'tab' ? 'tab' : `'${a.separator}'`}, ${a.hasHeader ? 'header' : 'no header'}`;
    const images = a.images ? `; images in '${a.images.column}': ${a.images.count}, resized to ${a.images.side}×${a.images.side} ${a.images.channels === 1 ? 'grey' : 'RGB'}` : '';
    $('data-summary').textContent = what + images;

    const preview = $('data-preview');
    preview.replaceChildren(
      el('thead', {}, el('tr', {}, a.preview.header.map(h => el('th', {}, h)))),
      el('tbody', {}, a.preview.rows.map(r => el('tr', {}, r.map(v => el('td', {}, v))))));

    const columns = $('data-columns');
    const folder = a.kind === 'imageFolder';
    columns.replaceChildren(
      el('thead', {}, el('tr', {}, ['column', 'values', 'missing', 'distinct', 'purpose', 'task kind', 'note'].map(h => el('th', {}, h)))),
      el('tbody', {}, a.columns.map(c => {
        const purpose = el('select', { id: 'col-purpose-' + c.index, 'aria-label': `purpose of ${c.name}`, disabled: folder },
          ['Label', 'Feature', 'Ignore'].map(p => el('option', { value: p, selected: c.purpose === p }, p.toLowerCase())));
        const kindValue = c.purpose === 'Label' ? (c.kind || 'auto') : 'auto';
        const kind = el('select', { id: 'col-kind-' + c.index, 'aria-label': `task kind of ${c.name}`, disabled: folder || c.purpose !== 'Label' },
          el('option', { value: 'auto', selected: kindValue === 'auto' }, c.suggestedKind ? `auto (${c.suggestedKind.toLowerCase()})` : 'auto'),
          ['Multiclass', 'Binary', 'Regression'].map(k => el('option', { value: k, selected: kindValue === k }, k.toLowerCase())));
        purpose.addEventListener('change', () => {
          kind.disabled = purpose.value !== 'Label';
          if (purpose.value !== 'Label') kind.value = 'auto';
          recheck();
        });
        kind.addEventListener('change', recheck);
        return el('tr', { 'data-column': c.name },
          el('td', {}, c.name), el('td', {}, c.values.toLowerCase()), el('td', { class: 'num' }, String(c.missing)),
          el('td', { class: 'num' }, String(c.distinct)), el('td', {}, purpose), el('td', {}, kind), el('td', { class: 'note' }, c.note || ''));
      })));

    const check = $('data-check');
    if (!a.check) {
      check.textContent = 'Mark at least one column as a label.';
    } else if (a.check.ok) {
      check.textContent = 'This choice trains: ' + (a.tasks || []).length + ' task(s).';
    } else {
      check.textContent = 'This choice does not train yet (see the message above).';
      mtl.error('data', a.check.error);
    }
    $('data-to-train').disabled = !(a.check && a.check.ok);

    $('data-tasks').replaceChildren(
      el('thead', {}, el('tr', {}, ['task', 'kind', 'labelled rows', 'missing labels'].map(h => el('th', {}, h)))),
      el('tbody', {}, (a.tasks || []).map(t => el('tr', { 'data-task': t.name },
        el('td', {}, t.name), el('td', {}, (t.kind || '').toLowerCase()), el('td', { class: 'num' }, String(t.labelled)),
        el('td', { class: 'num' }, String(t.missing))))));
  }

  function recheck() {
    clearTimeout(pending);
    pending = setTimeout(() => { const c = choiceFromTable(); if (c) inspect(c); }, 250);
  }

  function loadPath(path) {
    return inspect({ path, hasHeader: $('data-has-header').checked, separator: $('data-separator').value || null, labels: [], ignore: [] });
  }

  async function browse(path) {
    try {
      const listing = await mtl.api('/api/files?path=' + encodeURIComponent(path || ''));
      browsing = listing.path;
      $('data-browser-path').textContent = '/' + listing.path;
      $('data-browser-up').disabled = listing.parent === null;
      $('data-browser-up').onclick = () => browse(listing.parent || '');
      $('data-browser-list').replaceChildren(...listing.entries.map(e => el('li', {
        class: 'entry ' + e.type, 'data-path': e.path, tabindex: '0', role: 'button',
        title: e.type === 'folder' ? 'open the folder' : 'use this file',
        onclick: () => e.type === 'folder' ? browse(e.path) : choose(e.path),
        onkeydown: ev => { if (ev.key === 'Enter') { e.type === 'folder' ? browse(e.path) : choose(e.path); } },
      }, e.type === 'folder' ? e.name + '/' : `${e.name} (${formatSize(e.size)})`)));
      if (listing.truncated) $('data-browser-list').appendChild(el('li', { class: 'note' }, 'More entries are not shown.'));
      $('data-browser').hidden = false;
      mtl.error('data', null);
    } catch (e) {
      mtl.error('data', e);
    }
  }

  function choose(path) {
    $('data-browser').hidden = true;
    $('data-path').value = path;
    loadPath(path);
  }

  function formatSize(bytes) {
    return bytes < 1024 ? bytes + ' B' : bytes < 1048576 ? (bytes / 1024).toFixed(1) + ' KB' : (bytes / 1048576).toFixed(1) + ' MB';
  }

  async function upload() {
    const input = $('data-upload-file');
    if (!input.files || input.files.length === 0) { mtl.error('data', 'Choose a file to upload first.'); return; }
    const form = new FormData();
    form.append('file', input.files[0]);
    $('data-upload-status').textContent = 'uploading…';
    $('data-upload').disabled = true;
    try {
      const kept = await mtl.api('/api/upload', { method: 'POST', body: form });
      $('data-upload-status').textContent = `kept as ${kept.path}`;
      input.value = '';
      await loadPath(kept.path);
    } catch (e) {
      $('data-upload-status').textContent = 'not uploaded';
      mtl.error('data', e);
    } finally {
      $('data-upload').disabled = false;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('data-inspect').addEventListener('click', () => {
      const path = $('data-path').value.trim();
      if (!path) { mtl.error('data', 'Type a path, browse, or upload a file first.'); return; }
      loadPath(path);
    });
    $('data-path').addEventListener('keydown', e => { if (e.key === 'Enter') $('data-inspect').click(); });
    $('data-browse').addEventListener('click', () => {
      if (!$('data-browser').hidden) { $('data-browser').hidden = true; return; }
      browse(browsing);
    });
    $('data-browser-choose').addEventListener('click', () => choose(browsing));
    $('data-upload').addEventListener('click', upload);
    $('data-has-header').addEventListener('change', () => { if (inspected) loadPath(inspected.path); });
    $('data-separator').addEventListener('change', () => { if (inspected) loadPath(inspected.path); });
    $('data-to-train').addEventListener('click', () => { const c = choiceFromTable(); if (c) { if (c.kind === 'imageFolder') c.ignore = []; save(c); } mtl.show('train'); });
  });

  mtl.onShow('data', () => {
    if (inspected) return;
    const saved = load();
    if (saved && saved.path) {
      $('data-has-header').checked = saved.hasHeader !== false;
      $('data-separator').value = saved.separator || '';
      return inspect(saved);
    }
  });
})();
