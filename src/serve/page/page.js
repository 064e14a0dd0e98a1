// relsync serve: the page. Every element is built from data with textContent: text from a
// sheet is never markup. Nothing is fetched from anywhere but this server.
'use strict';

const $ = (id) => document.getElementById(id);

// An element with attributes and children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function show(id, on) { $(id).hidden = !on; }

function message(id, text, kind) {
  const m = $(id);
  m.textContent = text;
  m.className = 'message ' + (kind || '');
  m.hidden = !text;
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const why = body && body.error ? body.error : ('the server answered ' + response.status);
    throw new Error(why);
  }
  return body;
}

function post(path, data) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data || {}) });
}

const thousands = (n) => Number(n).toLocaleString('en-US');
const plural = (n, one, many) => thousands(n) + ' ' + (n === 1 ? one : many);

let setup = null;
let current = { job: null, plan: null };

// ---- 1. Choose -------------------------------------------------------------------------

async function start() {
  try {
    setup = await api('/api/setup');
  } catch (e) {
    message('setup-error', 'The page could not start: ' + e.message);
    return;
  }
  const credentials = setup.credentials.ready
    ? 'Sends with ' + setup.credentials.from + '.'
    : 'Cannot send: ' + (setup.credentials.problem || 'no credentials') + '.';
  $('footer').textContent = 'This page runs on this computer only (relsync ' + setup.version + '). ' +
    credentials + ' Receipts: ' + setup.state_dir + '. Stop it with Ctrl+C in the window relsync serve runs in.';
  const history = $('history-interface');
  for (const i of setup.interfaces) history.append(el('option', { value: i.name, text: i.name }));
  history.addEventListener('change', loadHistory);
  show('history', true);
  loadHistory();
  if (setup.mode === 'project') return startProject();
  show('one', true);
  const select = $('interface');
  for (const i of setup.interfaces) select.append(el('option', { value: i.name, text: i.name }));
  const i = setup.interfaces[0];
  $('endpoint').textContent = i.endpoint ? 'sends to ' + i.endpoint : 'no endpoint given: check and preview only';
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  $('file').addEventListener('change', () => { if ($('file').files.length) upload($('file').files[0]); });
  $('check-sheet').addEventListener('click', () => check(current.upload, $('sheet').value));
  $('send-button').addEventListener('click', send);
  $('confirm').addEventListener('change', updateSend);
}

// Uploads with a progress bar (XMLHttpRequest reports upload progress; fetch does not).
function put(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', path);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch (_) { body = null; }
      if (x.status >= 200 && x.status < 300) resolve(body);
      else reject(new Error(body && body.error ? body.error : 'the server answered ' + x.status));
    };
    x.onerror = () => reject(new Error('the upload failed'));
    x.send(file);
  });
}

function resetResults() {
  for (const id of ['problems', 'changes', 'send']) show(id, false);
  $('reports').replaceChildren();
  $('plan').replaceChildren();
  message('check-error', '');
  message('send-result', '');
  current.plan = null;
}

async function upload(file) {
  resetResults();
  show('sheet-row', false);
  if (file.size > setup.max_upload) {
    show('problems', true);
    message('check-error', file.name + ' is larger than this page takes (' + thousands(setup.max_upload) +
      ' bytes); start relsync serve with --max-upload to take larger files.', 'error');
    return;
  }
  show('progress', true);
  const bar = $('progress-bar');
  $('progress-text').textContent = 'Uploading ' + file.name + ' ...';
  const name = $('interface').value;
  try {
    const r = await put('/api/upload?interface=' + encodeURIComponent(name) + '&name=' + encodeURIComponent(file.name), file,
      (done, total) => { bar.max = total; bar.value = done; });
    current.upload = r.upload;
    if (r.error) {
      show('progress', false);
      show('problems', true);
      message('check-error', r.error, 'error');
      return;
    }
    if (r.sheets.length > 1) {
      const sheet = $('sheet');
      sheet.replaceChildren(...r.sheets.map((s) => el('option', { value: s, text: s })));
      sheet.value = r.default_sheet && r.sheets.includes(r.default_sheet) ? r.default_sheet : r.sheets[0];
      show('sheet-row', true);
    }
    await check(r.upload, r.sheets.length > 1 ? $('sheet').value : null);
  } catch (e) {
    show('progress', false);
    show('problems', true);
    message('check-error', e.message, 'error');
  }
}

async function check(uploadId, sheet) {
  resetResults();
  show('progress', true);
  const bar = $('progress-bar');
  bar.removeAttribute('value');
  $('progress-text').textContent = 'Checking ...';
  let job;
  try {
    job = (await post('/api/check', { upload: uploadId, sheet: sheet })).job;
  } catch (e) {
    show('progress', false);
    show('problems', true);
    message('check-error', e.message, 'error');
    return;
  }
  current.job = job;
  for (;;) {
    const s = await api('/api/jobs/' + job);
    if (current.job !== job) return;
    if (s.state === 'running') {
      if (s.total > 0) { bar.max = s.total; bar.value = Math.min(s.position, s.total); }
      $('progress-text').textContent = 'Checking: ' + plural(s.rows, 'row', 'rows') + ' so far (' + s.seconds.toFixed(0) + ' s)';
      await new Promise((r) => setTimeout(r, 400));
      continue;
    }
    show('progress', false);
    show('problems', true);
    if (s.state === 'failed') {
      message('check-error', s.error, 'error');
      return;
    }
    renderOne(job, s.result, s.seconds);
    return;
  }
}

// ---- 2. Problems -------------------------------------------------------------------------

// One report: summary, downloads, counts per code and column, the filterable table.
function renderReport(container, report, downloads) {
  const problems = report.problems || [];
  const box = el('div', { class: 'report' });
  const verdict = report.errors > 0
    ? el('p', { class: 'verdict bad' }, plural(report.errors, 'error', 'errors') + ' and ' + plural(report.warnings, 'warning', 'warnings') + ': nothing can be sent until the errors are fixed in the export.')
    : el('p', { class: 'verdict good' }, 'No errors' + (report.warnings ? ' (' + plural(report.warnings, 'warning', 'warnings') + ')' : '') + ': every element can be sent.');
  box.append(el('p', { class: 'summary' }, plural(report.rows || 0, 'row', 'rows') + ' read, ' + plural(report.elements || 0, 'element', 'elements') + (report.sheet ? ', sheet ' + report.sheet : '')), verdict);
  if (downloads && downloads.length) {
    box.append(el('p', { class: 'downloads' }, ...downloads.flatMap(([href, text]) => [el('a', { class: 'button', href: href, download: '' }, text), ' '])));
  }
  if (!problems.length) { container.append(box); return; }
  // Counts per code and per column.
  const perCode = report.per_code || count(problems, (p) => p.code, (p) => p.severity);
  const perColumn = report.per_column || countColumns(problems);
  const counts = el('div', { class: 'counts' },
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Code' }), el('th', { text: 'Severity' }), el('th', { text: 'Problems' }))),
      el('tbody', {}, ...perCode.map((c) => el('tr', {}, el('td', { text: c.code }), el('td', {}, el('span', { class: 'sev ' + c.severity, text: c.severity })), el('td', { class: 'num', text: thousands(c.count) }))))),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Column' }), el('th', { text: 'Errors' }), el('th', { text: 'Warnings' }))),
      el('tbody', {}, ...perColumn.map((c) => el('tr', {}, el('td', { text: c.column }), el('td', { class: 'num', text: thousands(c.errors) }), el('td', { class: 'num', text: thousands(c.warnings) }))))));
  box.append(counts);
  // Filters.
  const severity = el('select', {}, el('option', { value: '', text: 'all severities' }), el('option', { value: 'error', text: 'errors' }), el('option', { value: 'warning', text: 'warnings' }));
  const code = el('select', {}, el('option', { value: '', text: 'all codes' }), ...perCode.map((c) => el('option', { value: c.code, text: c.code })));
  const search = el('input', { type: 'search', placeholder: 'find text' });
  const shown = el('span', { class: 'muted' });
  box.append(el('p', { class: 'filters' }, 'Show ', severity, ' ', code, ' ', search, ' ', shown));
  const rows = problems.map((p) => {
    const tr = el('tr', { class: p.severity },
      el('td', { class: 'cell', text: p.cell || '' }),
      el('td', {}, el('span', { class: 'sev ' + p.severity, text: p.severity })),
      el('td', { class: 'code', text: p.code }),
      el('td', { text: p.column || '' }),
      el('td', { class: 'value', text: p.value === null || p.value === undefined ? '' : String(p.value) }),
      el('td', { text: p.message }));
    tr.dataset.severity = p.severity;
    tr.dataset.code = p.code;
    tr.dataset.text = ((p.cell || '') + ' ' + (p.column || '') + ' ' + (p.value || '') + ' ' + p.message).toLowerCase();
    return tr;
  });
  const table = el('table', { class: 'problems' },
    el('thead', {}, el('tr', {}, ...['Cell', 'Severity', 'Code', 'Column', 'Value found', 'What is wrong and how to fix it'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...rows));
  const total = (report.errors || 0) + (report.warnings || 0);
  const filter = () => {
    const s = severity.value, c = code.value, t = search.value.toLowerCase();
    let n = 0;
    for (const r of rows) {
      const on = (!s || r.dataset.severity === s) && (!c || r.dataset.code === c) && (!t || r.dataset.text.includes(t));
      r.hidden = !on;
      if (on) n += 1;
    }
    shown.textContent = thousands(n) + ' shown' + (total > problems.length ? ' of the first ' + thousands(problems.length) + ' (' + thousands(total) + ' in all: the JSON report lists every one)' : '');
  };
  for (const f of [severity, code]) f.addEventListener('change', filter);
  search.addEventListener('input', filter);
  filter();
  box.append(table);
  container.append(box);
}

function count(problems, key, sev) {
  const m = new Map();
  for (const p of problems) {
    const k = key(p);
    const e = m.get(k) || { code: k, severity: sev(p), count: 0 };
    e.count += 1;
    m.set(k, e);
  }
  return [...m.values()].sort((a, b) => a.code.localeCompare(b.code));
}

function countColumns(problems) {
  const m = new Map();
  for (const p of problems) {
    const k = p.column || '(whole row or sheet)';
    const e = m.get(k) || { column: k, errors: 0, warnings: 0 };
    if (p.severity === 'error') e.errors += 1; else e.warnings += 1;
    m.set(k, e);
  }
  return [...m.values()];
}

function renderOne(job, result, seconds) {
  const base = '/api/jobs/' + job + '/';
  const downloads = [[base + 'annotated.xlsx', 'Annotated workbook'], [base + 'report.json', 'JSON report']];
  if (result.clean) downloads.push([base + 'body.json', 'Body (JSON)'], [base + 'body.xml', 'Body (XML)']);
  renderReport($('reports'), result, downloads);
  $('reports').append(el('p', { class: 'muted', text: 'Checked in ' + seconds.toFixed(1) + ' s.' }));
  if (result.clean) loadPlan(job);
}

// ---- 3. What will change, 4. Send ----------------------------------------------------------

async function loadPlan(job) {
  show('changes', true);
  const plan = $('plan');
  plan.replaceChildren(el('p', { class: 'muted', text: 'Comparing with the last body sent ...' }));
  let p;
  try {
    p = await api('/api/jobs/' + job + '/plan');
  } catch (e) {
    plan.replaceChildren(el('div', { class: 'message error', text: e.message }));
    return;
  }
  if (current.job !== job) return;
  current.plan = p;
  plan.replaceChildren(el('pre', { class: 'plan', text: p.text }));
  // Every element that would be deleted (the plan lists the first ones).
  if (p.deletions && p.deletions.length > 20) {
    plan.append(el('details', {}, el('summary', { text: 'All ' + plural(p.deleting, 'element', 'elements') + ' that would be deleted' + (p.deleting > p.deletions.length ? ' (the first ' + thousands(p.deletions.length) + ')' : '') }),
      el('pre', { class: 'plan', text: p.deletions.join('\n') })));
  }
  show('send', true);
  $('confirm').checked = false;
  if (p.deleting === null) {
    $('confirm-text').textContent = 'No earlier submit to this endpoint is recorded, so relsync cannot tell what Relatics will delete: every element of this type that is not in this export. This export is the complete set: send it.';
    show('confirm-row', true);
  } else if (p.deleting > 0) {
    $('confirm-text').textContent = 'Delete ' + plural(p.deleting, 'element', 'elements') + ' in Relatics (listed above): they are not in this export.';
    show('confirm-row', true);
  } else {
    show('confirm-row', false);
  }
  updateSend();
}

function updateSend() {
  const p = current.plan;
  const button = $('send-button');
  let why = '';
  if (!p) why = 'check a clean export first';
  else if (!p.can_send) why = p.why_not || 'nothing can be sent from this page';
  else if (p.deleting !== 0 && !$('confirm').checked) why = 'confirm the deletions first';
  button.disabled = Boolean(why);
  $('send-why').textContent = why;
}

async function send() {
  const p = current.plan;
  if (!p) return;
  const button = $('send-button');
  button.disabled = true;
  // The time it takes, while it takes it (a large body, retries after a failed attempt).
  const started = Date.now();
  const tick = () => message('send-result', 'Sending to Relatics ... ' + Math.round((Date.now() - started) / 1000) + ' s (a large body takes a while; a failed attempt is tried again)', '');
  tick();
  const timer = setInterval(tick, 1000);
  try {
    const r = await post('/api/jobs/' + current.job + '/send', { confirm: $('confirm').checked, fingerprint: p.fingerprint }).finally(() => clearInterval(timer));
    const kind = r.state === 'sent' ? 'good' : (r.state === 'refused' ? 'warn' : 'error');
    message('send-result', r.message + (r.receipt ? ' Receipt: ' + r.receipt : ''), kind);
    $('send-result').dataset.state = r.state;
  } catch (e) {
    message('send-result', e.message, 'error');
  }
  loadHistory();
  if (current.job) loadPlan(current.job);
}

// ---- 5. History -------------------------------------------------------------------------

async function loadHistory() {
  const name = $('history-interface').value;
  const box = $('history-table');
  try {
    const h = await api('/api/history?interface=' + encodeURIComponent(name));
    if (!h.endpoint) { box.replaceChildren(el('p', { class: 'muted', text: 'No endpoint: nothing is sent from here.' })); return; }
    if (!h.submits.length && !h.pending) { box.replaceChildren(el('p', { class: 'muted', text: 'No submit to ' + h.endpoint + ' is recorded yet.' })); return; }
    const head = el('tr', {}, ...['Time (UTC)', 'Answer', 'Elements', 'Bytes', 'From', 'Receipt'].map((t) => el('th', { text: t })));
    const p = h.pending;
    const pending = p ? [el('tr', {},
      el('td', { class: 'cell', text: p.time }),
      el('td', { text: 'none yet: being sent, or it may have arrived' }),
      el('td', { class: 'num', text: thousands(p.elements) }),
      el('td', { class: 'num', text: thousands(p.size) }),
      el('td', { text: p.input }),
      el('td', { class: 'muted', text: 'no receipt; the next send guards its elements too' }))] : [];
    const rows = pending.concat(h.submits.map((s) => el('tr', {},
      el('td', { class: 'cell', text: s.time }),
      el('td', { class: 'num', text: s.status }),
      el('td', { class: 'num', text: thousands(s.elements) }),
      el('td', { class: 'num', text: thousands(s.size) }),
      el('td', { text: s.input }),
      el('td', { class: 'cell', text: s.receipt }))));
    box.replaceChildren(el('p', { class: 'muted', text: h.endpoint }), el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows))));
  } catch (e) {
    box.replaceChildren(el('div', { class: 'message error', text: e.message }));
  }
}

// ---- A project ---------------------------------------------------------------------------

function startProject() {
  show('project', true);
  $('project-file').textContent = setup.interfaces.length ? setup.interfaces[0].project : '';
  const body = $('project-interfaces').tBodies[0];
  for (const i of setup.interfaces) {
    const input = el('input', { type: 'file', accept: '.xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.tsv,.txt' });
    // An export uploaded earlier (before the page was loaded again) is the one used.
    const export_ = el('td', { class: 'wrap', text: i.upload ? i.upload + ' (uploaded; used instead of ' + i.input + ')' : i.input });
    input.addEventListener('change', async () => {
      if (!input.files.length) return;
      const file = input.files[0];
      export_.textContent = 'uploading ' + file.name + ' ...';
      try {
        const r = await put('/api/upload?interface=' + encodeURIComponent(i.name) + '&name=' + encodeURIComponent(file.name), file, () => {});
        export_.textContent = file.name + ' (uploaded; used instead of ' + i.input + ')';
        if (r.error) export_.textContent += ': ' + r.error;
      } catch (e) {
        export_.textContent = e.message;
      }
    });
    body.append(el('tr', {}, el('td', { text: i.name }), export_, el('td', { class: 'wrap', text: i.endpoint || '(none)' }), el('td', {}, input)));
  }
  $('project-check').addEventListener('click', checkProject);
  $('send-button').addEventListener('click', sendProject);
  resumeRun();
  $('confirm').addEventListener('change', () => {
    $('send-button').disabled = !$('confirm').checked;
    $('send-why').textContent = $('confirm').checked ? '' : 'confirm the plan first';
  });
}

async function checkProject() {
  resetResults();
  $('project-progress').textContent = 'Checking every interface ...';
  let r;
  try {
    r = await post('/api/project/check');
  } catch (e) {
    $('project-progress').textContent = '';
    show('problems', true);
    message('check-error', e.message, 'error');
    return;
  }
  $('project-progress').textContent = '';
  show('problems', true);
  if (!r.report) {
    message('check-error', r.messages || 'the project could not be checked', 'error');
    return;
  }
  $('reports').append(el('p', { class: 'downloads' }, el('a', { class: 'button', href: r.report_file, download: '' }, 'JSON report of the project')));
  for (const report of r.report.interfaces) {
    const h = el('h3', { text: 'Interface ' + report.interface });
    $('reports').append(h);
    for (const p of report.problems) p.cell = (p.sheet ? p.sheet + '!' : '') + (p.cell || '');
    const copy = (r.downloads || []).find((d) => d.interface === report.interface);
    renderReport($('reports'), report, copy ? [[copy.annotated, 'Annotated workbook']] : []);
  }
  if (r.exit === 0) planProject();
}

async function planProject() {
  show('changes', true);
  $('plan').replaceChildren(el('p', { class: 'muted', text: 'Making the plan ...' }));
  let r;
  try {
    r = await post('/api/project/plan');
  } catch (e) {
    $('plan').replaceChildren(el('div', { class: 'message error', text: e.message }));
    return;
  }
  current.plan = r;
  renderPlan(r);
  show('send', true);
  $('confirm-text').textContent = 'Send every interface as the plan says, deleting in Relatics what the plan lists.';
  $('confirm').checked = false;
  const ready = setup.credentials && setup.credentials.ready;
  const unchanged = r.parts && r.parts.unchanged;
  show('confirm-row', r.exit === 0 && ready && !unchanged);
  $('send-button').disabled = true;
  $('send-why').textContent = r.exit !== 0 ? 'the plan could not be made (see above)'
    : (!ready ? 'nothing can be sent from this page: ' + (setup.credentials.problem || 'relsync serve was started without credentials')
      : (unchanged ? 'nothing to send: every interface\u2019s body is the one last sent' : 'confirm the plan first'));
}

// The plan interface by interface, in the order they are sent.
function renderPlan(r) {
  const p = r.parts;
  const out = [];
  if (r.exit !== 0 || !p || !p.interfaces.length) {
    out.push(el('div', { class: 'message error', text: (r.messages || r.plan || 'the plan could not be made').trim() }));
    $('plan').replaceChildren(...out);
    return;
  }
  out.push(el('p', { text: p.summary }));
  p.interfaces.forEach((part, k) => {
    out.push(el('h3', { text: (k + 1) + '. ' + part.heading }));
    out.push(el('pre', { class: 'plan', text: part.lines.join('\n') }));
  });
  for (const note of p.notes) out.push(el('div', { class: 'message warn', text: note }));
  if (p.ids) out.push(el('p', { class: 'muted', text: 'Relation targets: ' + p.ids + '.' }));
  $('plan').replaceChildren(...out);
}

// What the exit status of a project's send means, in the command line's words.
const PROJECT_EXITS = {
  0: ['Sent: every interface is complete in Relatics.', 'good'],
  1: ['Nothing was sent: the sheets have problems (see above).', 'error'],
  2: ['Nothing was sent: the project could not run.', 'error'],
  3: ['The run stopped: a request failed or Relatics refused a body. What Relatics has of each interface is listed below.', 'error'],
  4: ['Nothing was sent: a safety check refused (the plan changed?). Make the plan again.', 'error'],
  5: ['A body was accepted, but its receipt could not be saved; the run stopped there.', 'error'],
  6: ['Sent in part: some relation targets are still left out (their elements had no ID in time). Check the project again later and send it to finish.', 'warn'],
  130: ['The run was interrupted; what was sent is listed below.', 'error'],
};

async function sendProject() {
  const p = current.plan;
  if (!p) return;
  $('send-button').disabled = true;
  $('confirm').disabled = true;
  message('send-result', 'Sending the project ...', '');
  try {
    const r = await post('/api/project/send', { confirm: $('confirm').checked, fingerprint: p.fingerprint });
    if (!r.started) {
      message('send-result', r.output, 'error');
      $('confirm').disabled = false;
      return;
    }
  } catch (e) {
    message('send-result', e.message, 'error');
    $('confirm').disabled = false;
    return;
  }
  await followRun();
}

// Follows the project's send to its end, then shows what it means and plans again.
async function followRun() {
  const started = Date.now();
  let run;
  for (;;) {
    try {
      run = await api('/api/project/run');
    } catch (e) {
      message('send-result', e.message, 'error');
      break;
    }
    if (!run.running) break;
    const seconds = Math.round((Date.now() - started) / 1000);
    renderRun(run, (run.doing || 'Reading the sheets and the IDs') + ' ... ' + seconds + ' s', '');
    await new Promise((done) => setTimeout(done, 700));
  }
  $('confirm').disabled = false;
  if (run && !run.running) {
    const [words, kind] = PROJECT_EXITS[run.exit] || ['The run ended with exit status ' + run.exit + '.', 'error'];
    renderRun(run, words, kind);
  }
  loadHistory();
  // What a next run would change, now (the result stays).
  const result = $('send-result').cloneNode(true);
  await planProject();
  $('send-result').replaceWith(result);
}

// A send started before the page was loaded (again) and still running: followed here too.
async function resumeRun() {
  let run;
  try {
    run = await api('/api/project/run');
  } catch (_) {
    return;
  }
  if (!run.running) return;
  show('send', true);
  $('send-button').disabled = true;
  $('confirm').disabled = true;
  await followRun();
}

// A run: its state in words, what Relatics has of each interface, and all it said.
function renderRun(run, words, kind) {
  const box = $('send-result');
  box.className = 'message ' + kind;
  box.hidden = false;
  const parts = [el('p', { class: 'verdict', text: words })];
  // Why it stopped, in the run's own words.
  if (!run.running && run.exit !== 0 && run.said) parts.push(el('p', { text: run.said }));
  if (run.has && run.has.length) {
    parts.push(el('table', {},
      el('thead', {}, el('tr', {}, el('th', { text: 'Interface' }), el('th', { text: 'What Relatics has of this run' }))),
      el('tbody', {}, ...run.has.map((h) => el('tr', {}, el('td', { text: h.interface }), el('td', { text: h.has }))))));
  }
  const said = el('details', {}, el('summary', { text: 'What relsync said' }), el('pre', { class: 'plan', text: run.output }));
  if (run.running) said.open = true;
  parts.push(said);
  box.replaceChildren(...parts);
}

document.addEventListener('DOMContentLoaded', start);
