'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { run, menuTemplate, denyAllPermissions } = require('../src/main');
const { ORIGIN, createRecorder, createFakeBackend, createFakeElectron, FakeSession } = require('./fakes');

const tick = () => new Promise((r) => setImmediate(r));

async function launch(opts = {}) {
  const rec = createRecorder();
  const electron = createFakeElectron(rec, opts);
  const backend = createFakeBackend(rec);
  const main = run(electron, { argv: ['electron', '.', '--project', '/p'], backendFactory: () => backend });
  electron.app.fireReady();
  await tick();
  return { rec, electron, backend, main };
}

test('the profile and the single-instance lock live in the app-data dir', async () => {
  const { rec } = await launch();
  const setPath = rec.calls.find((c) => c.name === 'app.setPath');
  assert.deepEqual(setPath.args, ['userData', path.join('/tmp/app', 'electron')]);
  assert.ok(rec.names().indexOf('app.setPath') < rec.names().indexOf('app.requestSingleInstanceLock'));
});

test('a second instance starts no backend and exits; the first one focuses its window', async () => {
  const second = await launch({ lock: false });
  assert.equal(second.rec.names().includes('backend.start'), false);
  assert.deepEqual(second.rec.calls.find((c) => c.name === 'app.exit').args, [0]);
  assert.equal(second.electron.windows.length, 0);

  const first = await launch();
  first.electron.app.emit('second-instance');
  assert.ok(first.rec.names().includes('window.focus'));
});

test('every permission is denied', () => {
  const ses = new FakeSession(createRecorder());
  denyAllPermissions(ses);
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
    let granted = null;
    ses.permissionRequest({}, p, (g) => (granted = g));
    assert.equal(granted, false, p);
    assert.equal(ses.permissionCheck({}, p), false, p);
  }
  assert.equal(ses.devicePermission({}), false);
});

test('the real wiring denies permissions and answers the bridge through the origin-checked Rust handler', async () => {
  const { rec, electron } = await launch();
  let granted = null;
  electron.session.defaultSession.permissionRequest({}, 'media', (g) => (granted = g));
  assert.equal(granted, false);
  await electron.ipcMain.handlers['open-app-data-folder']({ senderFrame: { url: `${ORIGIN}/ponies/` } });
  assert.deepEqual(rec.calls.find((c) => c.name === 'backend.handleIpc').args, [`${ORIGIN}/ponies/`, 'open-app-data-folder']);
  assert.ok(rec.names().includes('Menu.setApplicationMenu'));
});

test('the menu: Open App Data Folder, Quit, Help > Check for Updates (packaged only), no DevTools when packaged', () => {
  const calls = [];
  const mk = (packaged) =>
    menuTemplate({
      platform: 'linux',
      packaged,
      openAppDataFolder: () => calls.push('open'),
      quit: () => calls.push('quit'),
      checkForUpdates: () => calls.push('updates'),
    });
  const items = (t) => t.flatMap((m) => (m.submenu || []).map((i) => i.label || i.role));
  for (const packaged of [false, true]) {
    const t = mk(packaged);
    const file = t.find((m) => m.label === 'File').submenu;
    file.find((i) => i.label === 'Open App Data Folder').click();
    file.find((i) => i.label === 'Quit').click();
    const help = t.find((m) => m.label === 'Help').submenu;
    const updates = help.find((i) => i.label.startsWith('Check for Updates'));
    assert.equal(updates.enabled, packaged);
    updates.click();
    assert.equal(items(t).includes('toggleDevTools'), !packaged);
  }
  assert.deepEqual(calls, ['open', 'quit', 'updates', 'open', 'quit', 'updates']);
  assert.equal(menuTemplate({ platform: 'darwin', packaged: true, openAppDataFolder() {}, quit() {}, checkForUpdates() {} })[0].role, 'appMenu');
});

test('app quit (Cmd-Q, SIGTERM through Electron) becomes the graceful stop', async () => {
  const { rec, electron, backend } = await launch();
  backend.ready();
  const e = { prevented: false, preventDefault() { this.prevented = true; } };
  electron.app.emit('before-quit', e);
  assert.equal(e.prevented, true);
  assert.ok(rec.names().includes('backend.stop'));
  backend.exit(0);
  assert.deepEqual(rec.calls.filter((c) => c.name === 'app.exit').map((c) => c.args[0]), [0]);
  const again = { prevented: false, preventDefault() { this.prevented = true; } };
  electron.app.emit('before-quit', again);
  assert.equal(again.prevented, false, 'once exiting, Electron may quit');
});

test('a project that cannot be prepared exits 2 before any window', async () => {
  const rec = createRecorder();
  const electron = createFakeElectron(rec);
  const out = run(electron, {
    argv: ['electron', '.'],
    backendFactory: () => {
      throw new Error('no desktop.toml');
    },
  });
  assert.equal(out, null);
  assert.deepEqual(rec.calls.find((c) => c.name === 'app.exit').args, [2]);
});
