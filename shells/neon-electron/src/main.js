'use strict';
// The Electron main process: `electron shells/neon-electron --project <dir>`.
//
// Real Electron wiring around lifecycle.js; the backend lifecycle itself runs in
// Rust inside this process (the addon), so the backend tree dies with Electron.
//   - the token header only for the exact origin (header-rule.js, C-AUTH-4);
//   - contextIsolation + sandbox on, nodeIntegration off, no <webview>;
//   - the preload exposes only window.desktop.openAppDataFolder() (C-SHELL-2);
//   - navigation guards and a denying window-open handler (guards.js, C-SHELL-1);
//   - every permission request denied;
//   - a single-instance lock (in the app-data dir) that focuses the existing window;
//   - a menu: Open App Data Folder, Quit, Help > Check for Updates (packaged only);
//   - connected updates (update.js): from the menu, and once the backend is ready when
//     a feed is configured (packaged builds; package.json `desktopDjango`);
//   - DevTools off in packaged builds.

const path = require('node:path');
const { openBackend } = require('./addon');
const { createLifecycle } = require('./lifecycle');
const { bridgeHandler, BRIDGE_CHANNEL } = require('./bridge');
const update = require('./update');

/** BrowserWindow options: the security settings live here, testable without Electron. */
function windowOptions({ title, packaged, preload = path.join(__dirname, 'preload.js') }) {
  return {
    title,
    // The WebKit shells' contract::shell::WINDOW_SIZE and MIN_WINDOW_SIZE.
    width: 1200,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    backgroundColor: '#0f172a',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      devTools: !packaged,
      spellcheck: false,
    },
  };
}

/** The application menu (Menu.buildFromTemplate input). */
function menuTemplate({ platform = process.platform, packaged, openAppDataFolder, quit, checkForUpdates }) {
  const mac = platform === 'darwin';
  const view = [{ role: 'reload' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }];
  if (!packaged) view.push({ type: 'separator' }, { role: 'toggleDevTools' });
  return [
    ...(mac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open App Data Folder', click: () => openAppDataFolder() },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => quit() },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    {
      label: 'Help',
      submenu: [
        {
          label: 'Check for Updates…',
          enabled: packaged,
          click: () => checkForUpdates(),
        },
      ],
    },
  ];
}

/** Denies every permission request and check (camera, notifications, geolocation, …). */
function denyAllPermissions(ses) {
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  if (ses.setPermissionCheckHandler) ses.setPermissionCheckHandler(() => false);
  if (ses.setDevicePermissionHandler) ses.setDevicePermissionHandler(() => false);
}

/**
 * The build-time update settings: package.json `desktopDjango.updateUrl` (the feed's
 * base URL) and `desktopDjango.updatePublicKey` (the minisign public key; empty turns
 * updates off). Set at build time, e.g. `electron-builder -c.extraMetadata.desktopDjango.updateUrl=…`.
 */
function updateSettings(pkg = require('../package.json')) {
  const s = pkg.desktopDjango || {};
  return { feedBase: s.updateUrl || '', publicKey: s.updatePublicKey || '' };
}

/**
 * `(trigger) => Promise<outcome>`: update.checkForUpdates with real Electron, the addon
 * behind `backend` (openBackend) and the lifecycle. electron-updater is required on first
 * use only (it reads the app's metadata when loaded).
 */
function updaterFor({ electron, backend, lifecycle, log, settings = updateSettings(), loadUpdater = () => require('electron-updater').autoUpdater }) {
  const { app, dialog } = electron;
  const title = () => backend.info().productName;
  const window = () => (lifecycle.window && !lifecycle.window.isDestroyed() ? lifecycle.window : null);
  const box = (options) => (window() ? dialog.showMessageBox(window(), options) : dialog.showMessageBox(options));
  const both = (m) => {
    log(m);
    if (backend.log) backend.log(m);
  };
  return (trigger) => {
    let autoUpdater;
    try {
      autoUpdater = loadUpdater();
    } catch (e) {
      both(`update check unavailable: ${e.message}`);
      return Promise.resolve({ outcome: 'failed', message: e.message });
    }
    const checked = update.checkForUpdates({
      autoUpdater,
      fetch: electron.net && electron.net.fetch ? (url) => electron.net.fetch(url) : fetch,
      addon: backend.native,
      host: backend.host,
      publicKey: settings.publicKey,
      appId: backend.info().appId,
      installedVersion: app.getVersion(),
      feedBase: settings.feedBase,
      confirm: async (message) => {
        const { response } = await box({ type: 'question', title: title(), message, buttons: ['Yes', 'No'], defaultId: 0, cancelId: 1 });
        return response === 0;
      },
      inform: (message) => {
        box({ type: 'info', title: title(), message, buttons: ['OK'] }).catch(() => {});
      },
      log: both,
      trigger,
      prepareQuit: () => {
        lifecycle.backendStopped();
        // The updated app may start before this process is gone.
        if (app.releaseSingleInstanceLock) app.releaseSingleInstanceLock();
      },
      restart: () => {
        app.relaunch();
        app.exit(0);
      },
    });
    return checked.catch((e) => {
      both(`update check failed: ${e.message}`);
      return { outcome: 'failed', message: e.message };
    });
  };
}

/**
 * An error before any window (no desktop.toml, no runtime, …): a packaged app has no terminal,
 * so it is shown in a native box, then the app exits 2. Electron shows `showErrorBox` before
 * `ready` on Windows and macOS, but on Linux only prints it to stderr, so there the box waits
 * for `ready`. Headless runs (`DESKTOP_DJANGO_AUTOQUIT_MS` set) skip the box: nobody would
 * dismiss it.
 */
function reportStartupError({ app, dialog, platform, env }, message) {
  const show = dialog && !env.DESKTOP_DJANGO_AUTOQUIT_MS;
  if (!show) {
    app.exit(2);
  } else if (app.isReady() || platform !== 'linux') {
    dialog.showErrorBox('Cannot start', message);
    app.exit(2);
  } else {
    app.whenReady().then(() => {
      dialog.showErrorBox('Cannot start', message);
      app.exit(2);
    });
  }
}

/** Wires real Electron. `electron` is require('electron'). */
function run(electron, { argv = process.argv, backendFactory = openBackend } = {}) {
  const { app, BrowserWindow, Menu, ipcMain, shell, dialog } = electron;
  const packaged = app.isPackaged;
  const log = (m) => process.stderr.write(`desktop-django-electron: ${m}\n`);

  let backend;
  try {
    backend = backendFactory(argv.slice(1));
  } catch (e) {
    log(e.message);
    reportStartupError({ app, dialog, platform: process.platform, env: process.env }, e.message);
    return null;
  }
  // C-PROC-7: the contract's app-data lock, taken while preparing, as in every shell.
  if (backend === null) {
    log('another instance is running: asked it to focus');
    app.exit(0);
    return null;
  }
  // Chromium's profile (and with it Chromium's own single-instance lock) lives in the app-data
  // dir. That lock still guards the profile where the contract could take no lock at all.
  app.setPath('userData', path.join(backend.appDataDir(), 'electron'));
  if (!app.requestSingleInstanceLock()) {
    log('another instance is running: focusing it');
    app.exit(0);
    return null;
  }

  let lifecycle = null;
  app.on('second-instance', () => {
    // Through Rust, so the first instance emits second_launch like every shell; it answers
    // with a 'focus' event. Before the session starts there is no window to raise.
    if (lifecycle && lifecycle.window) backend.secondLaunch();
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  // The lifecycle decides when to exit: closing the window is a graceful quit.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    if (lifecycle && !lifecycle.exiting) {
      event.preventDefault();
      lifecycle.quit();
    }
  });

  app.whenReady().then(() => {
    const ses = electron.session.defaultSession;
    denyAllPermissions(ses);
    ipcMain.handle(BRIDGE_CHANNEL, bridgeHandler(backend));
    lifecycle = createLifecycle({
      backend,
      session: ses,
      createWindow: ({ title }) => new BrowserWindow(windowOptions({ title, packaged })),
      openExternal: (url) => shell.openExternal(url),
      exit: (code) => app.exit(code),
      signals: process,
      log,
    });
    const checkUpdates = updaterFor({ electron, backend, lifecycle, log });
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          packaged,
          openAppDataFolder: () => backend.openAppDataFolder(),
          quit: () => lifecycle.quit(),
          checkForUpdates: () => checkUpdates('menu'),
        }),
      ),
    );
    lifecycle.start().then(
      () => {
        // electron-updater only runs in packaged builds; without a feed no request is made.
        if (packaged && update.feedBase(updateSettings().feedBase)) checkUpdates('startup');
      },
      () => {},
    );
  });
  return { get lifecycle() { return lifecycle; } };
}

module.exports = { run, reportStartupError, windowOptions, menuTemplate, denyAllPermissions, updaterFor, updateSettings, BRIDGE_CHANNEL };

if (process.versions.electron && require.main === module) {
  run(require('electron'));
}
