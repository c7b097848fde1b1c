'use strict';
// The token flows from Rust into the main process's header injection and nowhere
// else: not into the preload, the window options, a URL, page script, IPC, or the
// stand-in renderer's view of the page.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { TOKEN, ORIGIN, createRecorder, createFakeBackend, createFakeElectron } = require('./fakes');
const { run, windowOptions } = require('../src/main');

const SRC = path.join(__dirname, '..', 'src');

/** Runs the preload in a sandbox-like context with a fake `electron` module. */
function runPreload() {
  const exposed = {};
  const invoked = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (k, v) => (exposed[k] = v) },
    ipcRenderer: { invoke: (...a) => (invoked.push(a), Promise.resolve(true)) },
  };
  const required = [];
  const code = fs.readFileSync(path.join(SRC, 'preload.js'), 'utf8');
  vm.runInNewContext(code, {
    require: (m) => {
      required.push(m);
      if (m !== 'electron') throw new Error(`a sandboxed preload cannot require ${m}`);
      return electron;
    },
    process: { env: { DESKTOP_DJANGO_AUTH_TOKEN: TOKEN } },
  });
  return { exposed, invoked, required };
}

test('the preload exposes exactly window.desktop.openAppDataFolder, and no token', async () => {
  const { exposed, invoked, required } = runPreload();
  assert.deepEqual(required, ['electron']);
  assert.deepEqual(Object.keys(exposed), ['desktop']);
  assert.deepEqual(Object.keys(exposed.desktop), ['openAppDataFolder']);
  assert.ok(Object.isFrozen(exposed.desktop));
  await exposed.desktop.openAppDataFolder('ignored', TOKEN);
  assert.deepEqual(invoked, [['open-app-data-folder']], 'no argument crosses the bridge');
  const code = fs
    .readFileSync(path.join(SRC, 'preload.js'), 'utf8')
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n');
  assert.doesNotMatch(code, /token|addon|process\.env/i);
});

test('the real main process hands the renderer nothing that carries the token', async () => {
  const rec = createRecorder();
  const electron = createFakeElectron(rec);
  const backend = createFakeBackend(rec);
  const main = run(electron, { argv: ['electron', '.', '--project', '/p'], backendFactory: () => backend });
  electron.app.fireReady();
  await new Promise((r) => setImmediate(r));
  backend.ready();
  const win = electron.windows[0];
  win.webContents.emit('did-finish-load');
  // The bridge reply carries no data either.
  const reply = await electron.ipcMain.handlers['open-app-data-folder']({ senderFrame: { url: `${ORIGIN}/ponies/` } });
  assert.equal(typeof reply, 'boolean');

  // Everything the renderer side can see: window options (preload path, webPreferences,
  // additionalArguments), loaded URLs, executeJavaScript, webContents.send.
  const rendererFacing = rec.calls.filter((c) =>
    ['new BrowserWindow', 'window.loadURL', 'webContents.executeJavaScript', 'webContents.send'].includes(c.name),
  );
  assert.ok(rendererFacing.length >= 3);
  for (const c of rendererFacing) {
    const text = JSON.stringify(c.args);
    assert.ok(!text.includes(TOKEN), `${c.name} carries the token: ${text.slice(0, 200)}`);
  }
  const opts = win.options;
  assert.equal(opts.webPreferences.additionalArguments, undefined);
  assert.equal(path.basename(opts.webPreferences.preload), 'preload.js');
  // The only holder of the token is the header injection, for the exact origin.
  assert.equal(backend.tokenTakes, 1);
  const ses = electron.session.defaultSession;
  assert.equal(ses.headersFor(`${ORIGIN}/static/app.css`)['X-Desktop-Django-Token'], TOKEN);
  for (const url of ['http://localhost:43817/', 'https://127.0.0.1:43817/', 'http://127.0.0.1:9/', 'https://example.com/']) {
    assert.ok(!JSON.stringify(ses.headersFor(url)).includes(TOKEN), url);
  }
  assert.ok(main.lifecycle);
});

test('window options: context isolation and sandbox on, node integration off', () => {
  for (const packaged of [false, true]) {
    const w = windowOptions({ title: 'x', packaged }).webPreferences;
    assert.equal(w.contextIsolation, true);
    assert.equal(w.sandbox, true);
    assert.equal(w.nodeIntegration, false);
    assert.equal(w.nodeIntegrationInSubFrames, false);
    assert.equal(w.webviewTag, false);
    assert.equal(w.devTools, !packaged, 'DevTools only in development');
  }
});

test('the stand-in renderer sees only headers computed per URL, never the token elsewhere', async () => {
  const { StandInSession, StandInWebContents } = require('../node-host/headless');
  const { installHeaderInjection } = require('../src/header-rule');
  const http = require('node:http');
  const seen = [];
  const servers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve) => {
          const s = http.createServer((req, res) => {
            seen.push({ port: s.address().port, path: req.url, token: req.headers['x-desktop-django-token'] || null, headers: req.headers });
            if (req.url === '/') return res.writeHead(302, { location: '/page/' }).end();
            if (req.url === '/page/') {
              const other = `http://127.0.0.1:${servers[1].address().port}`;
              res.writeHead(200, { 'content-type': 'text/html' });
              return res.end(
                `<link rel="stylesheet" href="/static/a.css"><script src="/static/a.js"></script>` +
                  `<img src="${other}/elsewhere.png"><a href="/not-fetched/">x</a>`,
              );
            }
            if (req.url === '/static/a.css') return res.end('body { background: url("/static/bg.png") }');
            if (req.url === '/off') return res.writeHead(302, { location: `http://localhost:${s.address().port}/` }).end();
            res.end('ok');
          });
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  try {
    const origin = `http://127.0.0.1:${servers[0].address().port}`;
    const ses = new StandInSession();
    installHeaderInjection(ses, origin, TOKEN);
    const wc = new StandInWebContents(ses, () => {});
    const redirects = [];
    wc.on('will-redirect', (e, url) => {
      redirects.push(url);
      if (!url.startsWith(`${origin}/`)) e.preventDefault();
    });
    let finished = 0;
    wc.on('did-finish-load', () => (finished += 1));
    await wc.loadURL(`${origin}/`);
    assert.equal(finished, 1);
    assert.equal(wc.getURL(), `${origin}/page/`);
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/', '/page/', '/static/a.css', '/static/bg.png', '/static/a.js'],
      'page, redirect, linked assets and stylesheet url()s; nothing cross-origin',
    );
    assert.ok(seen.every((s) => s.token === TOKEN && s.port === servers[0].address().port));
    assert.ok(seen.every((s) => !s.headers.cookie && !s.headers.authorization));
    // The cross-origin image was not fetched, and had it been, the rule says no token:
    const other = `http://127.0.0.1:${servers[1].address().port}/elsewhere.png`;
    assert.deepEqual(await ses.requestHeaders(other, 'GET', 'image', { A: '1' }), { A: '1' });
    // A redirect off the origin is stopped by the guard before any request goes out.
    seen.length = 0;
    await wc.loadURL(`${origin}/off`);
    assert.deepEqual(seen.map((s) => s.path), ['/off']);
    assert.ok(redirects.some((u) => u.startsWith('http://localhost:')));
  } finally {
    servers.forEach((s) => s.close());
  }
});
