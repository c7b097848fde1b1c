'use strict';
// Fake Electron APIs and a fake backend that record every call, in order.
const { EventEmitter } = require('node:events');

const TOKEN = 'f00d'.repeat(16);
const ORIGIN = 'http://127.0.0.1:43817';

function createRecorder() {
  const calls = [];
  const record = (name, ...args) => calls.push({ name, args });
  return { calls, record, names: () => calls.map((c) => c.name) };
}

class FakeWebContents extends EventEmitter {
  constructor(rec) {
    super();
    this.rec = rec;
    this.url = 'about:blank';
  }
  setWindowOpenHandler(h) {
    this.rec.record('webContents.setWindowOpenHandler');
    this.openHandler = h;
  }
  on(name, fn) {
    this.rec.record(`webContents.on:${name}`);
    return super.on(name, fn);
  }
  getURL() {
    return this.url;
  }
  executeJavaScript(code) {
    this.rec.record('webContents.executeJavaScript', code);
  }
  send(...args) {
    this.rec.record('webContents.send', ...args);
  }
}

class FakeWindow extends EventEmitter {
  constructor(rec, options) {
    super();
    this.rec = rec;
    this.options = options;
    this.webContents = new FakeWebContents(rec);
    this.destroyed = false;
    rec.record('new BrowserWindow', options);
  }
  loadURL(url) {
    this.rec.record('window.loadURL', url);
    this.webContents.url = url;
    return Promise.resolve();
  }
  hide() {
    this.rec.record('window.hide');
  }
  show() {
    this.rec.record('window.show');
  }
  focus() {
    this.rec.record('window.focus');
  }
  restore() {
    this.rec.record('window.restore');
    this.minimized = false;
  }
  isMinimized() {
    return Boolean(this.minimized);
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** What the user's close button does. Returns whether the close went ahead. */
  userClose() {
    const e = { prevented: false, preventDefault() { this.prevented = true; } };
    this.emit('close', e);
    return !e.prevented;
  }
}

class FakeSession {
  constructor(rec) {
    this.rec = rec;
    this.listeners = [];
    this.webRequest = {
      onBeforeSendHeaders: (filter, listener) => {
        rec.record('session.webRequest.onBeforeSendHeaders', filter);
        this.listeners.push(listener);
      },
    };
  }
  headersFor(url) {
    let out = { Accept: '*/*' };
    for (const l of this.listeners) l({ url, requestHeaders: out }, (r) => (out = r.requestHeaders));
    return out;
  }
  setPermissionRequestHandler(h) {
    this.permissionRequest = h;
  }
  setPermissionCheckHandler(h) {
    this.permissionCheck = h;
  }
  setDevicePermissionHandler(h) {
    this.devicePermission = h;
  }
}

/** A backend whose events the test drives: `emit({type: ...})`. */
function createFakeBackend(rec, { token = TOKEN } = {}) {
  let onEvent = null;
  let settle = null;
  const backend = {
    tokenTakes: 0,
    info: () => ({ productName: 'Flying Stable', splashHtml: '<p>splash</p>', appDataDir: '/tmp/app', logPath: '/tmp/app/logs/shell.log' }),
    appDataDir: () => '/tmp/app',
    /** Rust's Session::second_launch: second_launch is emitted there, then a focus request. */
    secondLaunch() {
      rec.record('backend.secondLaunch');
      onEvent({ type: 'focus' });
    },
    start(cb) {
      rec.record('backend.start');
      onEvent = cb;
      return new Promise((resolve, reject) => (settle = { resolve, reject }));
    },
    stop() {
      rec.record('backend.stop');
      return new Promise((resolve) => (backend.resolveStop = resolve));
    },
    takeHeaderToken() {
      rec.record('backend.takeHeaderToken');
      backend.tokenTakes += 1;
      return token;
    },
    classify: (url) => (url.startsWith(`${ORIGIN}/`) ? 'allow' : /^(https?|mailto):/.test(url) ? 'external' : 'block'),
    splashShown: () => rec.record('backend.splashShown'),
    pageLoaded: (url) => rec.record('backend.pageLoaded', url),
    openAppDataFolder: () => rec.record('backend.openAppDataFolder'),
    handleIpc: (url, msg) => {
      rec.record('backend.handleIpc', url, msg);
      return true;
    },
    /** The Rust side: backend ready, navigate to the app. */
    ready() {
      settle.resolve(ORIGIN);
      onEvent({ type: 'navigate', url: `${ORIGIN}/`, origin: ORIGIN });
    },
    fail(html = '<p>could not start</p>') {
      settle.reject(new Error('startup failed'));
      onEvent({ type: 'show_html', html });
    },
    /** The Rust side: a second launch reached the contract's instance lock. */
    focus() {
      onEvent({ type: 'focus' });
    },
    exit(code) {
      if (backend.resolveStop) backend.resolveStop(code);
      onEvent({ type: 'exit', code });
    },
  };
  return backend;
}

function createFakeElectron(rec, { packaged = false, lock = true } = {}) {
  const app = new EventEmitter();
  let readyResolve;
  const ready = new Promise((r) => (readyResolve = r));
  Object.assign(app, {
    isPackaged: packaged,
    isReady: () => false,
    whenReady: () => ready,
    fireReady: () => readyResolve(),
    setPath: (name, p) => rec.record('app.setPath', name, p),
    requestSingleInstanceLock: () => {
      rec.record('app.requestSingleInstanceLock');
      return lock;
    },
    exit: (code) => rec.record('app.exit', code),
  });
  const session = { defaultSession: new FakeSession(rec) };
  const windows = [];
  class BrowserWindow extends FakeWindow {
    constructor(options) {
      super(rec, options);
      windows.push(this);
    }
  }
  const ipcMain = {
    handlers: {},
    handle(channel, fn) {
      rec.record('ipcMain.handle', channel);
      this.handlers[channel] = fn;
    },
  };
  const Menu = {
    buildFromTemplate: (t) => ({ template: t }),
    setApplicationMenu: (m) => {
      rec.record('Menu.setApplicationMenu');
      Menu.current = m;
    },
  };
  const shell = { openExternal: async (u) => rec.record('shell.openExternal', u), openPath: async () => '' };
  return { app, session, BrowserWindow, windows, ipcMain, Menu, shell, dialog: { showErrorBox() {} } };
}

module.exports = {
  TOKEN,
  ORIGIN,
  createRecorder,
  createFakeBackend,
  createFakeElectron,
  FakeWindow,
  FakeSession,
};
