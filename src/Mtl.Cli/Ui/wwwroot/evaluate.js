// mtl ui — the Evaluate page (owner: ui-eval). Renders into <section id="page-evaluate"> with window.mtl (app.js).
// Element ids (the browser tests rely on them; <i> is the task's index in the model's task order, <k> a form field's index):
//   #evaluate-content             everything below (rebuilt for each run)
//   #evaluate-status              "choose a run" / "loading" line
//   #evaluate-summary             run name, best trial, test rows
//   #evaluate-verdict             the plain-words verdict (or why there are no baselines); data-deltam = Δm overall in %
//   #evaluate-metrics             table: task, kind, labelled test rows, test metrics, baseline metric, multi-task, single-task (trainer), Δm
//   #evaluate-metrics-<i>         its row for task i (data-task = the task's name)
//   #evaluate-task-<i>            per task: a confusion matrix (classification) or a plot (regression), data-task = name
//   #evaluate-confusion-<i>       confusion matrix table (rows actual, columns predicted; cells shaded by share of the row,
//                                 each <td> with data-count); #evaluate-accuracy-<i>: its accuracy line
//   #evaluate-plot-<i>            <img> predicted vs actual (SVG from /api/runs/<id>/plots/<task>.svg)
//   #evaluate-try                 the "try one prediction" panel
//   #evaluate-predict-form        its form; #evaluate-input-<k> one input per model input (data-column = column name;
//                                 a <select> for categories, a text box for numbers and text, a file chooser for an image)
//   #evaluate-predict             the Predict button
//   #evaluate-prediction          the result area; #evaluate-prediction-<i> per task (data-task = name), holding
//                                 #evaluate-prediction-<i>-value (the predicted class or value) and, for classification,
//                                 #evaluate-prediction-<i>-classes (table of classes with probabilities, most likely first)
// Errors go to #evaluate-error (app.js).
(function () {
  'use strict';
  const page = 'evaluate';
  let generation = 0;

  function fmt(x, digits) {
    if (x === null || x === undefined) return '';
    if (typeof x !== 'number') return String(x);
    if (!isFinite(x)) return String(x);
    return Math.abs(x) >= 1000 ? x.toFixed(1) : Number(x.toPrecision(digits || 4)).toString();
  }

  function signed(x) {
    return (x > 0 ? '+' : '') + x.toFixed(2) + '\u00a0%';
  }

  function content() {
    const section = document.getElementById('page-' + page);
    let box = document.getElementById('evaluate-content');
    if (!box) {
      box = mtl.el('div', { id: 'evaluate-content' });
      section.appendChild(box);
    }
    box.replaceChildren();
    return box;
  }

  function metricsTable(e) {
    const { el } = mtl;
    const head = el('tr', {}, ['Task', 'Kind', 'Labelled test rows', 'Test metrics', 'Compared metric', 'Multi-task', 'Single-task baseline', 'Δm']
      .map(h => el('th', { scope: 'col' }, h)));
    const rows = e.tasks.map((t, i) => {
      const metrics = Object.entries(t.metrics).map(([name, value]) => name + ' ' + fmt(value)).join(', ');
      const b = t.baseline;
      const delta = b ? el('td', { class: 'num', text: signed(b.deltaM) }) : el('td', { text: '—' });
      if (b) delta.style.color = b.deltaM > 0 ? 'var(--good)' : (b.deltaM < 0 ? 'var(--bad)' : '');
      return el('tr', { id: 'evaluate-metrics-' + i, 'data-task': t.task },
        el('th', { scope: 'row' }, t.task),
        el('td', {}, t.kind.toLowerCase()),
        el('td', { class: 'num' }, String(t.labelledRows)),
        el('td', {}, metrics),
        el('td', {}, b ? b.metricName + (b.higherIsBetter ? ' (higher is better)' : ' (lower is better)') : t.primaryMetric),
        el('td', { class: 'num' }, fmt(b ? b.multiTask : t.metrics[t.primaryMetric])),
        el('td', {}, b ? fmt(b.baseline) + ' (' + b.trainer + ')' : 'none'),
        delta);
    });
    return el('table', { id: 'evaluate-metrics' }, el('thead', {}, head), el('tbody', {}, rows));
  }

  // Rows: actual class; columns: predicted class; each cell shaded by its share of the row (the recall on the diagonal).
  function confusionTable(t, i) {
    const { el } = mtl;
    const c = t.confusion;
    const head = el('tr', {}, el('th', { scope: 'col' }, 'actual \\ predicted'), c.classes.map(name => el('th', { scope: 'col' }, name)));
    const rows = c.counts.map((row, a) => {
      const total = row.reduce((s, x) => s + x, 0);
      return el('tr', {}, el('th', { scope: 'row' }, c.classes[a]), row.map((count, p) => {
        const cell = el('td', { class: 'num', 'data-count': String(count), title: c.classes[a] + ' predicted as ' + c.classes[p] }, String(count));
        const share = total > 0 ? count / total : 0;
        const hue = a === p ? '16, 124, 16' : '164, 38, 44';
        cell.style.backgroundColor = 'rgba(' + hue + ', ' + (0.08 + 0.8 * share).toFixed(3) + ')';
        if (share > 0.55) cell.style.color = '#fff';
        return cell;
      }));
    });
    return el('div', {},
      el('table', { id: 'evaluate-confusion-' + i, class: 'confusion' },
        el('caption', {}, t.task + ': confusion matrix on ' + c.total + ' labelled test rows'),
        el('thead', {}, head), el('tbody', {}, rows)),
      el('p', { id: 'evaluate-accuracy-' + i, class: 'note' },
        'Accuracy ' + fmt(c.accuracy) + ' (' + c.counts.reduce((s, r, k) => s + r[k], 0) + ' of ' + c.total + ' on the diagonal).'));
  }

  function taskPanel(run, t, i) {
    const { el } = mtl;
    const panel = el('div', { id: 'evaluate-task-' + i, class: 'panel', 'data-task': t.task }, el('h3', {}, t.task + ' (' + t.kind.toLowerCase() + ')'));
    if (t.confusion) panel.appendChild(confusionTable(t, i));
    if (t.plot) {
      panel.appendChild(el('img', { id: 'evaluate-plot-' + i, class: 'curves', src: mtl.url(t.plot), alt: t.task + ': predicted vs actual on the test rows' }));
    }
    return panel;
  }

  function fieldInput(f, k) {
    const { el } = mtl;
    const id = 'evaluate-input-' + k;
    let input;
    if (f.kind === 'Image') {
      input = el('input', { id, type: 'file', accept: 'image/*', 'data-column': f.name, required: true });
    } else if (f.kind === 'Category') {
      input = el('select', { id, 'data-column': f.name }, el('option', { value: '' }, '(missing)'), f.values.map(v => el('option', { value: v }, v)));
    } else {
      input = el('input', { id, type: 'text', 'data-column': f.name, inputmode: f.kind === 'Number' ? 'decimal' : 'text',
        placeholder: f.kind === 'Number' ? 'a number, or empty' : 'text' });
    }
    const label = el('label', { for: id }, f.name + (f.kind === 'Image' ? ' (image)' : ''));
    label.style.minWidth = '12rem';
    return el('div', { class: 'row' }, label, input);
  }

  function showPrediction(answer) {
    const { el } = mtl;
    const box = document.getElementById('evaluate-prediction');
    box.replaceChildren(...answer.predictions.map((p, i) => {
      const value = p.kind === 'Regression' ? fmt(p.score, 6) : p.predictedValue;
      const item = el('div', { id: 'evaluate-prediction-' + i, class: 'panel', 'data-task': p.task },
        el('strong', {}, p.task + ': '), el('span', { id: 'evaluate-prediction-' + i + '-value' }, value === null ? '' : String(value)));
      if (p.classes.length > 0) {
        item.appendChild(el('table', { id: 'evaluate-prediction-' + i + '-classes' },
          el('thead', {}, el('tr', {}, el('th', {}, 'class'), el('th', {}, 'probability'))),
          el('tbody', {}, [...p.classes].sort((a, b) => b.probability - a.probability).map(c => el('tr', {}, el('td', {}, c.class), el('td', { class: 'num' }, fmt(c.probability)))))));
      }
      return item;
    }));
  }

  async function predict(run, form, fields) {
    mtl.error(page, null);
    const button = document.getElementById('evaluate-predict');
    button.disabled = true;
    try {
      let body;
      const image = fields.find(f => f.kind === 'Image');
      if (image) {
        body = new FormData();
        fields.forEach((f, k) => {
          const input = document.getElementById('evaluate-input-' + k);
          if (f.kind === 'Image') {
            if (input.files.length === 0) throw new Error('Choose an image file first.');
            body.append('image', input.files[0]);
          } else if (input.value !== '') {
            body.append(f.name, input.value);
          }
        });
      } else {
        const values = {};
        fields.forEach((f, k) => { values[f.name] = document.getElementById('evaluate-input-' + k).value; });
        body = { values };
      }
      const answer = await mtl.api('/api/runs/' + encodeURIComponent(run) + '/predict', { method: 'POST', body });
      showPrediction(answer);
    } catch (e) {
      document.getElementById('evaluate-prediction').replaceChildren();
      mtl.error(page, e);
    } finally {
      button.disabled = false;
    }
  }

  function tryPanel(run, form) {
    const { el } = mtl;
    const fields = form.fields;
    const formNode = el('form', { id: 'evaluate-predict-form' },
      fields.map(fieldInput),
      el('div', { class: 'row' }, el('button', { id: 'evaluate-predict', type: 'submit', class: 'primary' }, 'Predict')));
    formNode.addEventListener('submit', ev => { ev.preventDefault(); predict(run, formNode, fields); });
    return el('div', { id: 'evaluate-try', class: 'panel' },
      el('h3', {}, 'Try one prediction'),
      el('p', { class: 'note' }, form.takesImage
        ? 'Choose an image: the model scores it as it scores its data (resized, grey or colour as in training).'
        : 'Fill in a row as the data file writes it (empty = missing; the model fills in what it learnt). The labels are what it predicts.'),
      formNode,
      el('div', { id: 'evaluate-prediction', 'aria-live': 'polite' }));
  }

  async function load(run) {
    const mine = ++generation;
    mtl.error(page, null);
    const box = content();
    const { el } = mtl;
    if (!run) {
      box.appendChild(el('p', { id: 'evaluate-status', class: 'note' }, 'No run chosen: start one on the Train page, or pick an earlier run there.'));
      return;
    }
    const status = el('p', { id: 'evaluate-status', class: 'note' }, 'Scoring the test rows of ' + run + ' with its saved model…');
    box.appendChild(status);
    const path = '/api/runs/' + encodeURIComponent(run);
    const [e, form] = await Promise.all([mtl.api(path + '/evaluation'), mtl.api(path + '/input-form')]);
    if (mine !== generation) return;
    status.textContent = '';
    box.appendChild(el('p', { id: 'evaluate-summary' },
      'Run ' + e.run + ' (model ' + e.name + '): best trial ' + e.bestTrial + ', ' + e.testRows + ' test rows held out with the run\'s seed.'));
    const verdict = e.verdict || (e.baselineStatus === 'Compared' ? '' : 'No single-task baselines: ' + e.baselineStatus + '.');
    box.appendChild(el('p', { id: 'evaluate-verdict', class: 'panel', 'data-deltam': e.deltaM === null || e.deltaM === undefined ? null : String(e.deltaM) }, verdict));
    box.appendChild(metricsTable(e));
    box.appendChild(el('div', { id: 'evaluate-tasks' }, e.tasks.map((t, i) => taskPanel(run, t, i))));
    box.appendChild(tryPanel(run, form));
  }

  mtl.onShow(page, load);
})();
