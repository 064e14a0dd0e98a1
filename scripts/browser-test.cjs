// The page of `relsync serve` in Chromium, step by step (see scripts/browser-test).
'use strict';
const { chromium } = require('playwright-core');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const repo = process.env.REPO;
const shots = process.env.SHOTS;
const token = 'tok-browser-test-1';

function fail(why) {
  console.error('browser-test: FAILED: ' + why);
  process.exit(1);
}

// A stand-in of Relatics: answers every synchronizing POST with 200 and keeps the bodies.
function relatics() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method === 'POST') bodies.push({ auth: req.headers.authorization, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"result": "accepted"}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, bodies, port: server.address().port })));
}

// `relsync serve` for the requirements template, sending to the stand-in; resolves its address.
// With --open, through a "browser" that writes down what it was given (the launch page in the
// private folder, a file: address), as a desktop's browser would be handed it.
function serve(endpoint, state) {
  const browser = path.join(state, 'browser.sh');
  fs.writeFileSync(browser, '#!/bin/sh\nprintf %s "$1" > "' + path.join(state, 'opened') + '"\n', { mode: 0o755 });
  const child = spawn(process.env.RELSYNC, ['serve', '-t', path.join(repo, 'templates/requirements.toml'),
    '--endpoint', endpoint, '--state-dir', state, '--open'],
  { env: Object.assign({}, process.env, { RELATICS_TOKEN: token, BROWSER: browser }) });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/\?key=[0-9a-f]+)/);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error('relsync serve ended (' + code + '): ' + out)));
  });
}

async function main() {
  const stand = await relatics();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'relsync-browser-'));
  const endpoint = 'http://127.0.0.1:' + stand.port + '/api/v1/workspaces/7550/interfaces/synchronizing/requirements';
  const { child, url } = await serve(endpoint, state);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // --open: the browser gets the launch page, which must bring it to the page (a launch from
    // a file: page once ended on "forbidden": the cookie was left out as cross-site).
    const opened = path.join(state, 'opened');
    for (let i = 0; i < 100 && !fs.existsSync(opened); i++) await new Promise((r) => setTimeout(r, 100));
    const launch = fs.readFileSync(opened, 'utf8');
    if (!launch.startsWith('file:')) fail('--open handed the browser ' + launch);
    await page.goto(launch);
    await page.waitForURL((u) => u.protocol === 'http:' && !u.search.includes('key='));
    if (page.url().includes('key=')) fail('the secret stays in the address bar: ' + page.url());
    await page.waitForSelector('#drop');
    await page.reload();
    await page.waitForSelector('#drop');
    if (!url.includes('key=')) fail('no address printed: ' + url);

    // The sample with problems: the table, then the annotated workbook.
    await page.setInputFiles('#file', path.join(repo, 'samples/requirements-with-problems.xlsx'));
    await page.waitForSelector('table.problems tbody tr');
    const rows = await page.locator('table.problems tbody tr').count();
    if (rows < 10) fail('expected the problem table, found ' + rows + ' rows');
    const verdict = await page.textContent('.verdict');
    if (!verdict.includes('errors')) fail('no verdict: ' + verdict);
    await page.selectOption('#reports select >> nth=0', 'error');
    await page.evaluate(() => document.getElementById('problems').scrollIntoView());
    await page.screenshot({ path: path.join(shots, 'page-problems.png'), fullPage: false });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('text=Annotated workbook'),
    ]);
    const saved = path.join(os.tmpdir(), 'relsync-annotated.xlsx');
    await download.saveAs(saved);
    const head = fs.readFileSync(saved).subarray(0, 2).toString();
    if (head !== 'PK') fail('the annotated workbook is not a workbook');
    if (!download.suggestedFilename().endsWith('-checked.xlsx')) fail('download name: ' + download.suggestedFilename());

    // The clean sample: what will change, the confirmation, the send.
    await page.setInputFiles('#file', path.join(repo, 'samples/requirements.xlsx'));
    await page.waitForSelector('pre.plan');
    const plan = await page.textContent('pre.plan');
    if (!plan.includes('body:     50 elements')) fail('no plan: ' + plan);
    if (!(await page.isDisabled('#send-button'))) fail('send is possible before the deletions are confirmed');
    await page.check('#confirm');
    await page.evaluate(() => document.getElementById('changes').scrollIntoView());
    await page.screenshot({ path: path.join(shots, 'page-changes.png'), fullPage: false });
    await page.click('#send-button');
    await page.waitForSelector('#send-result[data-state="sent"]');
    const result = await page.textContent('#send-result');
    if (!result.startsWith('Sent')) fail('not sent: ' + result);
    if (stand.bodies.length !== 1) fail('the stand-in got ' + stand.bodies.length + ' bodies');
    if (stand.bodies[0].auth !== 'Bearer ' + token) fail('the token did not reach the stand-in');
    if (!JSON.parse(stand.bodies[0].body).Requirements) fail('the body is no requirements body');
    await page.waitForSelector('#history-table tbody tr');
    await page.locator('#send').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'page-sent.png'), fullPage: false });
    if (errors.length) fail('the page had errors: ' + errors.join('; '));
    console.log('browser-test: ok (problems, annotated workbook, change preview, confirmed send; screenshots in ' + shots + ')');
  } finally {
    await browser.close();
    child.kill();
    stand.server.close();
    fs.rmSync(state, { recursive: true, force: true });
  }
}

main().catch((e) => fail(e.stack || String(e)));
