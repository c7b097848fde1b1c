'use strict';
// The real addon (built by `npm test`'s pretest: cargo build -p neon-electron-shell)
// and, when the backend's Python env exists, one end-to-end run of the node host.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const addon = require('../src/addon');

const WORKSPACE = path.resolve(__dirname, '..', '..', '..');

test('the loader finds the cargo-built addon and it loads under Node', () => {
  const native = addon.loadNative();
  for (const f of ['prepare', 'start', 'stop', 'takeHeaderToken', 'mintTicket', 'appDataDir', 'classify', 'pageLoaded']) {
    assert.equal(typeof native[f], 'function', f);
  }
});

test('emitEvent takes only the events the contract defines, with their fields', () => {
  const native = addon.loadNative();
  assert.throws(() => native.emitEvent('made_up', {}), { name: 'TypeError', message: /made_up/ });
  assert.throws(() => native.emitEvent('update_current', { version: 3 }), TypeError);
  assert.throws(() => native.emitEvent('update_failed', {}), /message/);
  // A well-formed one is accepted (and dropped: no DESKTOP_DJANGO_EVENTS in this process).
  assert.equal(native.emitEvent('update_current', { version: '1.2.3' }), undefined);
});

test('the loader explains how to build the addon when it is missing', () => {
  const opts = { argv: ['--target-dir', '/nonexistent'], env: {}, resourcesPath: undefined };
  const c = addon.candidates(opts);
  assert.ok(c.built.some((p) => p.startsWith('/nonexistent')));
  assert.match(addon.howToBuild(opts), /cargo build -p neon-electron-shell/);
  assert.ok(addon.libName('win32').endsWith('.dll') && addon.libName('darwin').endsWith('.dylib'));
});

test('prepare fails clearly on a folder without desktop.toml', () => {
  assert.throws(() => addon.openBackend(['--project', os.tmpdir()]), /desktop\.toml/);
});

test('prepare resolves the project and the app-data dir (C-DATA-1 override)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neon-app-'));
  process.env.DESKTOP_DJANGO_APP_DATA_DIR = dir;
  try {
    const b = addon.openBackend(['--project', path.join(WORKSPACE, 'backend')]);
    assert.equal(b.appDataDir(), dir);
    const info = b.info();
    assert.equal(info.appDataDir, dir);
    assert.ok(info.productName.length > 0);
    assert.match(info.splashHtml, /<html/i);
    assert.equal(b.classify('https://example.com/'), 'external');
    assert.throws(() => b.takeHeaderToken(), /not been started/);
  } finally {
    delete process.env.DESKTOP_DJANGO_APP_DATA_DIR;
  }
});

const venv = ['bin/python', 'Scripts/python.exe'].some((p) => fs.existsSync(path.join(WORKSPACE, 'backend', '.venv', p)));

test('end to end: the node host loads the app and quits gracefully', { skip: venv ? false : 'backend/.venv is missing (run scripts/setup.sh python)' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neon-e2e-'));
  const events = path.join(dir, 'events.jsonl');
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'node-host', 'headless.js'), '--project', path.join(WORKSPACE, 'backend')], {
    env: { ...process.env, DESKTOP_DJANGO_APP_DATA_DIR: path.join(dir, 'data'), DESKTOP_DJANGO_EVENTS: events, DESKTOP_DJANGO_AUTOQUIT_MS: '300' },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  const names = fs.readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
  assert.deepEqual(names.filter((n) => n !== 'backend_spawned'), [
    'splash_shown', 'backend_listening', 'backend_ready', 'window_loaded', 'shutdown_started', 'shutdown_complete',
  ]);
  const access = fs.readFileSync(path.join(dir, 'data', 'logs', 'access.log'), 'utf8');
  const token = /[0-9a-f]{64}/.exec(access);
  assert.equal(token, null, 'no token in the access log');
  assert.ok(!r.stderr.match(/[0-9a-f]{64}/), 'no token on stderr');
  const page = access.split('\n').filter(Boolean).map(JSON.parse).filter((l) => l.ua.startsWith('desktop-django-electron-headless/'));
  assert.ok(page.some((l) => l.path.startsWith('/static/') && l.status === 200), 'static assets fetched with the token');
  assert.ok(page.every((l) => l.status < 400), JSON.stringify(page));
});
