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
//   - DevTools off in packaged builds.

const path = require('node:path');
const { openBackend } = require('./addon');
const { createLifecycle } = require('./lifecycle');
const { bridgeHandler, BRIDGE_CHANNEL } = require('./bridge');

/** BrowserWindow options: the security settings live here, testable without Electron. */
function windowOptions({ title, packaged, preload = path.join(__dirname, 'preload.js') }) {
  return {
    title,
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

/** electron-updater, loaded only in packaged builds (it needs a publish config). */
function checkForUpdates(log) {
  try {
    const { autoUpdater } = require('electron-updater');
    autoUpdater.checkForUpdatesAndNotify().catch((e) => log(`update check failed: ${e.message}`));
  } catch (e) {
    log(`update check unavailable: ${e.message}`);
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
    if (dialog && app.isReady()) dialog.showErrorBox('Cannot start', e.message);
    app.exit(2);
    return null;
  }
  // Chromium's profile (and with it the single-instance lock) lives in the app-data dir.
  app.setPath('userData', path.join(backend.appDataDir(), 'electron'));
  if (!app.requestSingleInstanceLock()) {
    log('another instance is running: focusing it');
    app.exit(0);
    return null;
  }

  let lifecycle = null;
  app.on('second-instance', () => {
    const win = lifecycle && lifecycle.window;
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    }
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
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          packaged,
          openAppDataFolder: () => backend.openAppDataFolder(),
          quit: () => lifecycle.quit(),
          checkForUpdates: () => checkForUpdates(log),
        }),
      ),
    );
    lifecycle.start().catch(() => {});
  });
  return { get lifecycle() { return lifecycle; } };
}

module.exports = { run, windowOptions, menuTemplate, denyAllPermissions, BRIDGE_CHANNEL };

if (process.versions.electron && require.main === module) {
  run(require('electron'));
}
