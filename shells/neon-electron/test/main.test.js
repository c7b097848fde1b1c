'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { run, reportStartupError, menuTemplate, denyAllPermissions, updaterFor, updateSettings } = require('../src/main');
const { ORIGIN, createRecorder, createFakeBackend, createFakeElectron, FakeSession } = require('./fakes');

const tick = () => new Promise((r) => setImmediate(r));

async function launch(opts = {}) {
  const rec = createRecorder();
  const electron = createFakeElectron(rec, opts);
  // openBackend is null when the contract's app-data lock is held elsewhere (C-PROC-7).
  const backend = opts.instance === false ? null : createFakeBackend(rec);
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
  const names = first.rec.names();
  assert.ok(names.indexOf('backend.secondLaunch') >= 0, names.join(', '));
  assert.ok(names.indexOf('window.focus') > names.indexOf('backend.secondLaunch'), names.join(', '));
});

test("the contract's app-data lock also stops a second instance (C-PROC-7)", async () => {
  const second = await launch({ instance: false });
  assert.equal(second.rec.names().includes('app.requestSingleInstanceLock'), false);
  assert.equal(second.rec.names().includes('backend.start'), false);
  assert.deepEqual(second.rec.calls.find((c) => c.name === 'app.exit').args, [0]);
  assert.equal(second.electron.windows.length, 0);
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
  electron.app.fireReady(); // on Linux the error box (and so the exit) waits for ready
  await tick();
  assert.deepEqual(rec.calls.find((c) => c.name === 'app.exit').args, [2]);
  assert.equal(electron.windows.length, 0);
  assert.equal(rec.names().includes('backend.start'), false);
});

test('a startup error is shown in a box, after ready on Linux, and never in a headless run', async () => {
  const attempt = async ({ platform, env = {} }) => {
    const rec = createRecorder();
    const electron = createFakeElectron(rec);
    electron.dialog.showErrorBox = (title, message) => rec.record('dialog.showErrorBox', title, message);
    reportStartupError({ app: electron.app, dialog: electron.dialog, platform, env }, 'no desktop.toml');
    const before = rec.names();
    electron.app.fireReady();
    await tick();
    return { before, after: rec.names(), rec };
  };
  const win = await attempt({ platform: 'win32' });
  assert.deepEqual(win.before, ['dialog.showErrorBox', 'app.exit']);
  assert.deepEqual(win.rec.calls[0].args, ['Cannot start', 'no desktop.toml']);

  const linux = await attempt({ platform: 'linux' });
  assert.deepEqual(linux.before, [], 'Linux has no box before ready');
  assert.deepEqual(linux.after, ['dialog.showErrorBox', 'app.exit']);

  const headless = await attempt({ platform: 'win32', env: { DESKTOP_DJANGO_AUTOQUIT_MS: '500' } });
  assert.deepEqual(headless.after, ['app.exit']);
});

/** updaterFor over fake Electron, a fake addon and a fake electron-updater. */
function updaterSetup({ settings, verify, lifecycleExiting = false } = {}) {
  const rec = createRecorder();
  const electron = createFakeElectron(rec, { packaged: true });
  Object.assign(electron.app, {
    getVersion: () => '0.1.0',
    relaunch: () => rec.record('app.relaunch'),
    releaseSingleInstanceLock: () => rec.record('app.releaseSingleInstanceLock'),
  });
  electron.dialog.showMessageBox = async (...args) => {
    const options = args[args.length - 1];
    rec.record('dialog.showMessageBox', options.type, options.message);
    return { response: 0 };
  };
  electron.net = {
    fetch: async (url) => {
      rec.record('net.fetch', url);
      return { ok: true, status: 200, text: async () => (url.endsWith('.minisig') ? 'sig' : '{"manifest":1}') };
    },
  };
  const release = { version: '0.2.0', artifacts: [{ file: 'app-0.2.0-linux-x86_64.AppImage' }] };
  const native = {
    verifyRelease: (m, s, key, appId, installed) => {
      rec.record('native.verifyRelease', key, appId, installed);
      if (verify) verify();
      return release;
    },
    checkArtifactFile: (m, p) => rec.record('native.checkArtifactFile', p),
    emitEvent: (name) => rec.record('native.emitEvent', name),
    stopForUpdate: async (host) => {
      rec.record('native.stopForUpdate', host);
      return true;
    },
  };
  const backend = {
    ...createFakeBackend(rec),
    native,
    host: 'HOST',
    info: () => ({ productName: 'Flying Stable', appId: 'dev.example.app' }),
    log: (m) => rec.record('backend.log', m),
  };
  const autoUpdater = new (require('node:events').EventEmitter)();
  Object.assign(autoUpdater, {
    setFeedURL: () => rec.record('autoUpdater.setFeedURL'),
    checkForUpdates: async () => ({ isUpdateAvailable: true, updateInfo: { version: '0.2.0', files: [{ url: release.artifacts[0].file }] } }),
    downloadUpdate: async () => [`/cache/${release.artifacts[0].file}`],
    quitAndInstall: () => rec.record('autoUpdater.quitAndInstall', lifecycle.exiting),
  });
  const lifecycle = {
    window: null,
    exiting: lifecycleExiting,
    backendStopped() {
      rec.record('lifecycle.backendStopped');
      this.exiting = true;
    },
  };
  const check = updaterFor({
    electron,
    backend,
    lifecycle,
    log: () => {},
    settings: settings || { feedBase: 'https://u.example/app', publicKey: 'RWQkey' },
    loadUpdater: () => autoUpdater,
  });
  return { rec, check };
}

test('updates from the menu: the build\'s key, the app id from desktop.toml, dialogs; the lifecycle lets the app quit before quitAndInstall', async () => {
  const prev = process.env.DESKTOP_DJANGO_UPDATE_URL;
  delete process.env.DESKTOP_DJANGO_UPDATE_URL;
  try {
    const { rec, check } = updaterSetup();
    const result = await check('menu');
    assert.deepEqual(result, { outcome: 'installing', version: '0.2.0' });
    const names = rec.names();
    assert.deepEqual(rec.calls.find((c) => c.name === 'native.verifyRelease').args, ['RWQkey', 'dev.example.app', '0.1.0']);
    assert.equal(rec.calls.find((c) => c.name === 'net.fetch').args[0], 'https://u.example/app/release.json');
    assert.equal(names.filter((n) => n === 'dialog.showMessageBox').length, 2, 'download? and install?');
    const order = ['native.stopForUpdate', 'lifecycle.backendStopped', 'app.releaseSingleInstanceLock', 'autoUpdater.quitAndInstall'];
    assert.deepEqual(names.filter((n) => order.includes(n)), order);
    assert.equal(rec.calls.find((c) => c.name === 'autoUpdater.quitAndInstall').args[0], true, 'before-quit is no longer intercepted');
  } finally {
    if (prev !== undefined) process.env.DESKTOP_DJANGO_UPDATE_URL = prev;
  }
});

test('updates: no feed in the build nor the environment makes no request and says so from the menu', async () => {
  const prev = process.env.DESKTOP_DJANGO_UPDATE_URL;
  delete process.env.DESKTOP_DJANGO_UPDATE_URL;
  try {
    const { rec, check } = updaterSetup({ settings: { feedBase: '', publicKey: 'RWQkey' } });
    assert.deepEqual(await check('menu'), { outcome: 'no-feed' });
    assert.ok(!rec.names().includes('net.fetch'));
    assert.deepEqual(rec.calls.find((c) => c.name === 'dialog.showMessageBox').args, ['info', 'No update feed is configured for this build.']);
  } finally {
    if (prev !== undefined) process.env.DESKTOP_DJANGO_UPDATE_URL = prev;
  }
});

test('updates: a refusal from the addon is shown from the menu and logged to shell.log', async () => {
  const prev = process.env.DESKTOP_DJANGO_UPDATE_URL;
  delete process.env.DESKTOP_DJANGO_UPDATE_URL;
  try {
    const { rec, check } = updaterSetup({
      verify: () => {
        throw Object.assign(new Error('the signature does not verify'), { code: 10 });
      },
    });
    const result = await check('menu');
    assert.equal(result.code, 10);
    assert.ok(rec.calls.some((c) => c.name === 'dialog.showMessageBox' && /refused: the signature/.test(c.args[1])));
    assert.ok(rec.calls.some((c) => c.name === 'backend.log' && /refused/.test(c.args[0])));
    assert.ok(!rec.names().includes('native.stopForUpdate'));
  } finally {
    if (prev !== undefined) process.env.DESKTOP_DJANGO_UPDATE_URL = prev;
  }
});

test('the build-time update settings come from package.json desktopDjango', () => {
  assert.deepEqual(updateSettings({ desktopDjango: { updateUrl: 'https://u/', updatePublicKey: 'RWQ' } }), { feedBase: 'https://u/', publicKey: 'RWQ' });
  assert.deepEqual(updateSettings({}), { feedBase: '', publicKey: '' });
  // The checkout's own build has updates off: no feed, no key.
  assert.deepEqual(updateSettings(), { feedBase: '', publicKey: '' });
});
