'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const { createLifecycle, htmlDataUrl } = require('../src/lifecycle');
const { TOKEN_HEADER } = require('../src/header-rule');
const { TOKEN, ORIGIN, createRecorder, createFakeBackend, FakeWindow, FakeSession } = require('./fakes');

function setup() {
  const rec = createRecorder();
  const backend = createFakeBackend(rec);
  const session = new FakeSession(rec);
  const signals = new EventEmitter();
  const exits = [];
  const startupErrors = [];
  const lc = createLifecycle({
    backend,
    session,
    createWindow: (opts) => new FakeWindow(rec, opts),
    openExternal: async (u) => rec.record('openExternal', u),
    exit: (code) => {
      rec.record('exit', code);
      exits.push(code);
    },
    signals,
    onStartupError: (html) => startupErrors.push(html),
  });
  return { rec, backend, session, signals, exits, startupErrors, lc };
}

const tick = () => new Promise((r) => setImmediate(r));

test('start: window and guards first, then the splash, splash_shown, then the backend', async () => {
  const { rec, lc } = setup();
  lc.start();
  const names = rec.names();
  const i = (n) => {
    const k = names.indexOf(n);
    assert.ok(k >= 0, `${n} happened: ${names.join(', ')}`);
    return k;
  };
  assert.ok(i('new BrowserWindow') < i('webContents.on:will-navigate'));
  assert.ok(i('webContents.on:will-navigate') < i('window.loadURL'), 'guards before any load');
  assert.ok(i('webContents.on:will-redirect') < i('window.loadURL'));
  assert.ok(i('webContents.setWindowOpenHandler') < i('window.loadURL'));
  assert.ok(i('window.loadURL') < i('backend.splashShown'), 'splash on screen before splash_shown');
  assert.ok(i('backend.splashShown') < i('backend.start'), 'splash before the backend');
  const splash = rec.calls.find((c) => c.name === 'window.loadURL').args[0];
  assert.equal(splash, htmlDataUrl('<p>splash</p>'), 'the splash is a local data: URL, no network');
  assert.equal(names.includes('session.webRequest.onBeforeSendHeaders'), false, 'no injection before ready');
});

test('ready: the header rule is installed before the app loads, the token taken once', async () => {
  const { rec, backend, session, lc } = setup();
  lc.start();
  backend.ready();
  const names = rec.names();
  const inject = names.indexOf('session.webRequest.onBeforeSendHeaders');
  const appLoad = rec.calls.findIndex((c) => c.name === 'window.loadURL' && c.args[0] === `${ORIGIN}/`);
  assert.ok(inject >= 0 && appLoad > inject, names.join(', '));
  assert.equal(backend.tokenTakes, 1);
  assert.equal(session.headersFor(`${ORIGIN}/ponies/`)[TOKEN_HEADER], TOKEN);
  assert.equal(session.headersFor('http://localhost:43817/')[TOKEN_HEADER], undefined);
  // A second navigate (a re-bootstrap) does not take the token again.
  backend.ready();
  assert.equal(backend.tokenTakes, 1);
  assert.equal(session.listeners.length, 1);
});

test('did-finish-load reports the URL to Rust (window_loaded is emitted there)', async () => {
  const { rec, backend, lc } = setup();
  lc.start();
  backend.ready();
  lc.window.webContents.emit('did-finish-load');
  const loaded = rec.calls.filter((c) => c.name === 'backend.pageLoaded').map((c) => c.args[0]);
  assert.deepEqual(loaded, [`${ORIGIN}/`]);
});

test('a focus request restores, shows and raises the window (C-PROC-7)', async () => {
  const { rec, backend, lc } = setup();
  lc.start();
  backend.ready();
  lc.window.minimized = true;
  backend.focus();
  const names = rec.names();
  const restore = names.indexOf('window.restore');
  assert.ok(restore >= 0, names.join(', '));
  assert.ok(names.indexOf('window.focus', restore) > restore, names.join(', '));
  assert.equal(lc.window.isMinimized(), false);
});

test('closing the window is a graceful quit: stop, then exit with the code from Rust', async () => {
  const { rec, backend, exits, lc } = setup();
  lc.start();
  backend.ready();
  assert.equal(lc.window.userClose(), false, 'the close waits for the backend stop');
  assert.equal(rec.names().filter((n) => n === 'backend.stop').length, 1);
  assert.ok(rec.names().indexOf('window.hide') < rec.names().indexOf('backend.stop'));
  lc.window.userClose();
  lc.quit();
  assert.equal(rec.names().filter((n) => n === 'backend.stop').length, 1, 'quit is idempotent');
  assert.deepEqual(exits, []);
  backend.exit(0);
  assert.deepEqual(exits, [0]);
  assert.equal(lc.window.userClose(), true, 'after exit the window may close');
});

test('SIGTERM, SIGINT and Ctrl-Break quit gracefully, once', async () => {
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGBREAK']) {
    const { rec, backend, signals, exits, lc } = setup();
    lc.start();
    backend.ready();
    signals.emit(sig);
    signals.emit(sig);
    assert.equal(rec.names().filter((n) => n === 'backend.stop').length, 1, sig);
    backend.exit(0);
    assert.deepEqual(exits, [0], sig);
  }
});

test('startup failure: the error page replaces the splash, then the exit code from Rust', async () => {
  const { rec, backend, exits, startupErrors, lc } = setup();
  const started = lc.start();
  backend.fail('<p>boom</p>');
  await assert.rejects(started);
  const loads = rec.calls.filter((c) => c.name === 'window.loadURL').map((c) => c.args[0]);
  assert.deepEqual(loads, [htmlDataUrl('<p>splash</p>'), htmlDataUrl('<p>boom</p>')]);
  assert.deepEqual(startupErrors, ['<p>boom</p>']);
  assert.equal(rec.names().includes('backend.takeHeaderToken'), false, 'no token without a backend');
  backend.exit(1);
  assert.deepEqual(exits, [1]);
});

test('quit before ready still stops the backend and exits', async () => {
  const { rec, backend, exits, lc } = setup();
  lc.start().catch(() => {});
  lc.quit();
  assert.ok(rec.names().includes('backend.stop'));
  backend.exit(0);
  await tick();
  assert.deepEqual(exits, [0]);
});

test('after the backend is stopped for an update, window close and quit go ahead without a stop', async () => {
  const { rec, backend, lc } = setup();
  lc.start();
  backend.ready();
  lc.backendStopped();
  assert.equal(lc.exiting, true);
  assert.equal(lc.window.userClose(), true, 'no graceful stop is left to wait for');
  assert.ok(!rec.names().includes('backend.stop'));
});
