// mtl ui — the Train page (owner: ui-core).
// Element ids (stable; the browser tests use them):
//   #train-data (the chosen data and labels, from the Data page)   #train-error (errors, role=alert)
//   #train-time (seconds)  #train-validation (testFraction|testFile)  #train-test-fraction  #train-test-data (path, with testFile)
//   #train-advanced (details): #train-methods (checkboxes #train-method-<method>, e.g. #train-method-ew), #train-arch (select,
//     "" = searched), #train-seed, #train-name, #train-max-trials, #train-epochs, #train-baselines (auto|none)
//   #train-start  #train-cancel  #train-resume (shown for an unfinished run)
//   #train-run (the current run's panel)  #train-run-id  #train-status (training|finished|cancelled|interrupted|failed|unfinished)
//   #train-message  #train-progress (<progress>: budget used)  #train-budget  #train-best (best so far)
//   #train-trials (table; tbody rows id "trial-<n>", class "best" on the best one)
//   #train-curves (<img>: /api/runs/<id>/curves.svg?trial=<n>, redrawn as epochs finish)  #train-curves-caption
//   #train-test (shown after the test) with #train-test-metrics (table)   #train-result (the saved model, when finished)
//   #train-to-evaluate (Next: evaluate; shown when the run finished)
//   #train-log (<pre>: the trainer's messages)
//   #train-runs (table of the runs in <root>/mtl-runs; tbody rows have data-run=<id>; their buttons: .open-run (opens it,
//     sets the current run), .resume-run (unfinished runs))   #train-runs-refresh
// Live progress: EventSource on /api/runs/<id>/events (replayed from the start after a reload, so the page redraws).
(function () {
  'use strict';
  const mtl = window.mtl;
  const el = mtl.el;
  const $ = id => document.getElementById(id);
  const methods = ['ew', 'uw', 'dwa', 'imtl-l', 'famo', 'upgrad', 'nashmtl'];
  let source = null;       // the EventSource of the run shown
  let shownRun = null;     // its id
  let budget = null;       // the search's budget in seconds (from "split")
  let used = 0;            // seconds of the trials finished
  let curvesTimer = null;  // throttles the curves' redraw
  let curvesTrial = null;  // the trial the next redraw draws

  function setStatus(status, message) {
    const s = $('train-status');
    s.textContent = status;
    s.className = 'status ' + status;
    $('train-message').textContent = message || '';
    const training = status === 'training';
    $('train-cancel').disabled = !training;
    $('train-start').disabled = training;
    $('train-resume').hidden = !['unfinished', 'cancelled', 'interrupted', 'failed'].includes(status);
    $('train-to-evaluate').hidden = status !== 'finished';
  }

  function closeStream() {
    if (source) source.close();
    source = null;
  }

  function resetRun(id) {
    closeStream();
    clearTimeout(curvesTimer);
    curvesTimer = null;
    shownRun = id;
    budget = null;
    used = 0;
    $('train-run').hidden = !id;
    $('train-run-id').textContent = id || '';
    $('train-trials').tBodies[0].replaceChildren();
    $('train-best').textContent = 'none yet';
    $('train-curves').hidden = true;
    $('train-curves-caption').textContent = 'No epoch yet.';
    $('train-test').hidden = true;
    $('train-result').textContent = '';
    $('train-log').textContent = '';
    $('train-progress').value = 0;
    $('train-budget').textContent = '';
  }

  function fmt(x, digits) {
    return x === null || x === undefined ? '–' : Number(x).toFixed(digits === undefined ? 2 : digits);
  }

  function upsertTrial(t, isBest) {
    const body = $('train-trials').tBodies[0];
    const id = 'trial-' + t.number;
    const row = el('tr', { id, class: isBest ? 'best' : '' },
      el('td', { class: 'num' }, String(t.number)),
      el('td', { class: 'num' }, t.epochs === null || t.epochs === undefined ? '' : String(t.epochs)),
      el('td', {}, t.configuration || ''),
      el('td', {}, t.status || 'training'),
      el('td', { class: 'num' }, t.score === null || t.score === undefined ? '' : (t.score >= 0 ? '+' : '') + fmt(t.score)),
      el('td', { class: 'num' }, t.seconds === null || t.seconds === undefined ? '' : fmt(t.seconds, 1)));
    const old = document.getElementById(id);
    if (old) old.replaceWith(row); else body.appendChild(row);
  }

  function markBest(number) {
    for (const row of $('train-trials').tBodies[0].rows) row.classList.toggle('best', row.id === 'trial-' + number);
  }

  function showBudget() {
    if (!budget) { $('train-budget').textContent = used ? `${fmt(used, 0)} s of training` : ''; return; }
    $('train-progress').value = Math.min(1, used / budget);
    $('train-budget').textContent = used <= budget
      ? `${fmt(used, 0)} of ${fmt(budget, 0)} s of the search budget used`
      : `${fmt(used, 0)} s of training, over the ${fmt(budget, 0)} s search budget (a trial that has started runs to its end)`;
  }

  // At most one redraw per 400 ms, always of the latest trial: epochs can come faster than that, and a timer restarted
  // on every epoch would only ever draw after the trial's last one.
  function drawCurves(trial) {
    curvesTrial = trial;
    if (curvesTimer !== null) return;
    curvesTimer = setTimeout(() => {
      curvesTimer = null;
      const img = $('train-curves');
      img.src = mtl.url(`/api/runs/${encodeURIComponent(shownRun)}/curves.svg?trial=${curvesTrial}&t=${Date.now()}`);
      img.hidden = false;
    }, 400);
  }

  function showTest(tasks) {
    $('train-test').hidden = false;
    const names = [];
    tasks.forEach(t => Object.keys(t.metrics).forEach(m => { if (!names.includes(m)) names.push(m); }));
    $('train-test-metrics').replaceChildren(
      el('thead', {}, el('tr', {}, el('th', {}, 'task'), el('th', {}, 'kind'), el('th', {}, 'labelled test rows'),
        el('th', {}, 'metrics'))),
      el('tbody', {}, tasks.map(t => el('tr', { 'data-task': t.task },
        el('td', {}, t.task), el('td', {}, t.kind.toLowerCase()), el('td', { class: 'num' }, String(t.labelledRows)),
        el('td', {}, Object.entries(t.metrics).map(([k, v]) => `${k} ${fmt(v, 4)}`).join(', '))))));
  }

  function listen(id) {
    closeStream();
    const es = new EventSource(mtl.url(`/api/runs/${encodeURIComponent(id)}/events`));
    source = es;
    const on = (type, fn) => es.addEventListener(type, e => { if (source === es) fn(JSON.parse(e.data)); });
    on('state', d => {
      setStatus(d.status, d.message);
      if (d.status !== 'training') {
        es.close();
        if (source === es) source = null;
        refreshRuns();
      }
    });
    on('split', d => {
      budget = d.budgetSeconds;
      showBudget();
    });
    on('trialStarted', d => {
      upsertTrial({ number: d.trial, epochs: d.epochs, configuration: d.configuration, status: 'training' }, false);
      $('train-curves-caption').textContent = `Trial ${d.trial}: waiting for its first epoch.`;
    });
    on('epoch', d => {
      $('train-curves-caption').textContent = `Trial ${d.trial}, epoch ${d.epoch}${d.maxEpochs ? ' of ' + d.maxEpochs : ''}: validation score ` +
        `${fmt(d.score)}; ` + d.tasks.map(t => `${t.task} ${fmt(t.validationMetric, 3)}`).join(', ');
      drawCurves(d.trial);
    });
    on('trialFinished', d => {
      used += d.trial.seconds;
      upsertTrial(d.trial, d.bestTrial === d.trial.number);
      if (d.bestTrial) markBest(d.bestTrial);
      showBudget();
      refreshRuns(); // the run list's trial count and best score
    });
    on('best', d => {
      $('train-best').textContent = `trial ${d.trial}, validation score ${d.score >= 0 ? '+' : ''}${fmt(d.score)}`;
      markBest(d.trial);
    });
    on('searchStopped', d => { $('train-message').textContent = 'Search stopped: ' + d.reason + '.'; });
    on('refitting', d => { $('train-message').textContent = `Training trial ${d.trial} again (it came from the .mtlconfig).`; });
    on('test', d => showTest(d.tasks));
    on('saved', d => { $('train-result').textContent = `Saved ${d.zip} (${(d.bytes / 1024).toFixed(0)} KB).`; });
    on('baselinesSkipped', d => { $('train-message').textContent = 'Baselines skipped: ' + d.reason + '.'; });
    on('baselineTrial', d => { $('train-message').textContent = `Baseline for ${d.task}: ${d.trainer} (${fmt(d.metric, 3)}).`; });
    on('baselines', d => { $('train-result').textContent += ' ' + d.verdict; });
    on('log', d => {
      const log = $('train-log');
      log.textContent += `[trial ${d.trial}] ${d.message}\n`;
    });
    es.onerror = () => {
      // The browser reconnects by itself (Last-Event-ID): nothing is lost. A closed stream after the end is expected.
      if (es.readyState === EventSource.CLOSED && source === es) source = null;
    };
  }

  async function openRun(id, setCurrent) {
    mtl.error('train', null);
    if (setCurrent) mtl.setCurrentRun(id);
    resetRun(id);
    if (!id) return;
    let run;
    try {
      run = await mtl.api('/api/runs/' + encodeURIComponent(id));
    } catch (e) {
      mtl.error('train', e);
      return;
    }
    if (shownRun !== id) return;
    setStatus(run.status, run.message);
    let bestScore = null;
    for (const t of run.trials || []) {
      upsertTrial(t, t.number === run.bestTrial);
      used += t.seconds;
    }
    if (run.settings && run.settings.timeSeconds) budget = run.settings.timeSeconds;
    showBudget();
    if (run.bestTrial) {
      bestScore = run.bestScore;
      $('train-best').textContent = `trial ${run.bestTrial}, validation score ${bestScore >= 0 ? '+' : ''}${fmt(bestScore)}`;
    }
    if (run.testMetrics) showTest(run.testMetrics);
    if (run.status === 'finished') $('train-result').textContent = `Saved ${run.zip}. ` + (run.baselines && run.baselines.verdict ? run.baselines.verdict : '');
    // A run this server trains (or trained): its events, replayed from the start, redraw the page and follow it live.
    if (run.lastEventId !== null && run.lastEventId !== undefined) {
      used = 0;
      $('train-trials').tBodies[0].replaceChildren();
      listen(id);
    }
  }

  function formRequest() {
    const choice = window.mtlData && window.mtlData.get();
    if (!choice || !choice.path) throw new Error('Choose the data and mark the labels on the Data page first.');
    const number = id => { const v = $(id).value.trim(); return v === '' ? null : Number(v); };
    const chosen = methods.filter(m => $('train-method-' + m).checked);
    if (chosen.length === 0) throw new Error('Tick at least one method to search (Advanced).');
    const validation = $('train-validation').value;
    return {
      data: choice.path,
      labels: choice.labels,
      ignore: choice.ignore,
      hasHeader: choice.hasHeader,
      separator: choice.separator,
      timeSeconds: number('train-time'),
      maxTrials: number('train-max-trials'),
      validation,
      testFraction: validation === 'testFraction' ? number('train-test-fraction') : null,
      testData: validation === 'testFile' ? $('train-test-data').value.trim() || null : null,
      methods: chosen.length === methods.length ? null : chosen,
      arch: $('train-arch').value || null,
      epochs: number('train-epochs'),
      seed: number('train-seed'),
      name: $('train-name').value.trim() || null,
      baselines: $('train-baselines').value,
    };
  }

  async function start() {
    mtl.error('train', null);
    let request;
    try {
      request = formRequest();
    } catch (e) {
      mtl.error('train', e);
      return;
    }
    $('train-start').disabled = true;
    try {
      const answer = await mtl.api('/api/runs', { method: 'POST', body: request });
      await openRun(answer.id, true);
      refreshRuns();
    } catch (e) {
      mtl.error('train', e);
      $('train-start').disabled = false;
    }
  }

  async function cancel() {
    if (!shownRun) return;
    try {
      await mtl.api(`/api/runs/${encodeURIComponent(shownRun)}/cancel`, { method: 'POST' });
      $('train-message').textContent = 'Cancelling at the next training step…';
      $('train-cancel').disabled = true;
    } catch (e) {
      mtl.error('train', e);
    }
  }

  async function resume(id) {
    mtl.error('train', null);
    try {
      const answer = await mtl.api(`/api/runs/${encodeURIComponent(id)}/resume`, { method: 'POST' });
      await openRun(answer.id, true);
      refreshRuns();
    } catch (e) {
      mtl.error('train', e);
    }
  }

  async function refreshRuns() {
    let list;
    try {
      list = await mtl.api('/api/runs');
    } catch (e) {
      mtl.error('train', e);
      return;
    }
    $('train-runs').tBodies[0].replaceChildren(...list.runs.map(r => el('tr', { 'data-run': r.id },
      el('td', {}, r.id), el('td', { class: 'status ' + r.status, title: r.message || '' }, r.status),
      el('td', {}, (r.labels || []).join(', ')), el('td', { class: 'num' }, String(r.trials)),
      el('td', { class: 'num' }, r.bestScore === null ? '' : fmt(r.bestScore)),
      el('td', {}, new Date(r.modified).toLocaleString()),
      el('td', {},
        el('button', { type: 'button', class: 'open-run', onclick: () => openRun(r.id, true) }, 'Open'),
        r.resumable ? el('button', { type: 'button', class: 'resume-run', onclick: () => resume(r.id) }, 'Resume') : null))));
  }

  function showChoice() {
    const choice = window.mtlData && window.mtlData.get();
    $('train-data').textContent = choice && choice.path
      ? `${choice.path}; labels: ${choice.labels.map(l => l.column + (l.kind ? ':' + l.kind : '')).join(', ') || 'none'}` +
        (choice.ignore && choice.ignore.length ? `; ignored: ${choice.ignore.join(', ')}` : '')
      : 'none chosen yet: pick a file and its labels on the Data page.';
  }

  document.addEventListener('DOMContentLoaded', () => {
    const box = $('train-methods');
    for (const m of methods) {
      box.appendChild(el('label', {}, el('input', { type: 'checkbox', id: 'train-method-' + m, checked: true }), ' ' + m));
    }
    $('train-validation').addEventListener('change', () => {
      const file = $('train-validation').value === 'testFile';
      $('train-test-data').hidden = !file;
      document.querySelector('label[for="train-test-data"]').hidden = !file;
      $('train-test-fraction').disabled = file;
    });
    $('train-start').addEventListener('click', start);
    $('train-cancel').addEventListener('click', cancel);
    $('train-resume').addEventListener('click', () => { if (shownRun) resume(shownRun); });
    $('train-runs-refresh').addEventListener('click', refreshRuns);
    $('train-to-evaluate').addEventListener('click', () => mtl.show('evaluate'));
  });

  mtl.onShow('train', run => {
    showChoice();
    refreshRuns();
    if (run && run !== shownRun) return openRun(run, false);
    if (!run && shownRun === null) resetRun(null);
  });
})();
