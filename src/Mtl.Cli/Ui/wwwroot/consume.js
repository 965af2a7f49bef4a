// mtl ui — the Consume page (owner: ui-eval). Renders into <section id="page-consume"> with window.mtl (app.js).
// Element ids (the browser tests rely on them):
//   #consume-content              everything below (rebuilt for each run)
//   #consume-status               "choose a run" / "loading" line
//   #consume-downloads            the three downloads:
//   #consume-download-model       <a download> the model zip (<name>.zip; plain mlContext.Model.Load reads it)
//   #consume-download-config      <a download> the run's <name>.mtlconfig (mtl train --config repeats the run)
//   #consume-download-project     <a download> the generated project (<name>.project.zip: consumption and training code,
//                                 the console app and the model)
//   #consume-code-file            the consumption file's name
//   #consume-code                 <pre> the consumption code (as text)
//   #consume-run-command          how to run the console app once the project is unpacked
// Errors go to #consume-error (app.js).
(function () {
  'use strict';
  const page = 'consume';
  let generation = 0;

  function content() {
    const section = document.getElementById('page-' + page);
    let box = document.getElementById('consume-content');
    if (!box) {
      box = mtl.el('div', { id: 'consume-content' });
      section.appendChild(box);
    }
    box.replaceChildren();
    return box;
  }

  async function load(run) {
    const mine = ++generation;
    mtl.error(page, null);
    const box = content();
    const { el } = mtl;
    if (!run) {
      box.appendChild(el('p', { id: 'consume-status', class: 'note' }, 'No run chosen: start one on the Train page, or pick an earlier run there.'));
      return;
    }
    const status = el('p', { id: 'consume-status', class: 'note' }, 'Loading the code of ' + run + '…');
    box.appendChild(status);
    const path = '/api/runs/' + encodeURIComponent(run);
    const code = await mtl.api(path + '/code');
    if (mine !== generation) return;
    status.textContent = '';
    const name = code.fileName.replace(/\.consumption\.cs$/, '');
    const link = (what, file, text) => el('li', {}, el('a', { id: 'consume-download-' + what, href: mtl.url(path + '/download/' + what), download: file }, text));
    box.appendChild(el('div', { class: 'panel' },
      el('h3', {}, 'Downloads'),
      el('ul', { id: 'consume-downloads' },
        link('model', name + '.zip', 'Model: ' + name + '.zip (load it with plain ML.NET: mlContext.Model.Load)'),
        link('config', name + '.mtlconfig', 'Run configuration: ' + name + '.mtlconfig (mtl train --config repeats or resumes the run)'),
        link('project', name + '.project.zip', 'Generated project: ' + name + '.project.zip (consumption code, training code, console app and the model)')),
      el('p', { class: 'note' }, 'Unpack the project and run its console app: ', el('code', { id: 'consume-run-command' }, code.runCommand))));
    const pre = el('pre', { id: 'consume-code' }, code.code);
    pre.style.maxHeight = '36rem';
    pre.style.overflow = 'auto';
    pre.style.background = '#fff';
    box.appendChild(el('div', { class: 'panel' },
      el('h3', {}, 'Consumption code'),
      el('p', { class: 'note' }, 'Add this file to your app (with the Microsoft.ML and Microsoft.ML.OnnxTransformer packages) and call Predict. File: ',
        el('code', { id: 'consume-code-file' }, code.fileName)),
      pre));
  }

  mtl.onShow(page, load);
})();
