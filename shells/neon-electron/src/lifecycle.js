'use strict';
// The main process's lifecycle, with every Electron API passed in, so that the same
// code runs in Electron (main.js), under plain Node with a stand-in renderer
// (node-host/headless.js), and against fakes in the tests.
//
//   window + guards -> splash (splash_shown) -> backend.start() -> [Rust: spawn,
//   handshake, health gate, worker] -> "navigate": header injection for the exact
//   origin, load the app -> did-finish-load (window_loaded) -> quit: window close,
//   SIGTERM/SIGINT/SIGBREAK, menu, autoquit -> backend.stop() -> "exit": exit(code)
//
// Everything that decides (when the backend is ready, which URL to open, the
// navigation policy, the events file, the graceful stop) happens in Rust, in the
// contract crate's session driver behind the addon. This module only wires it.

const { installGuards } = require('./guards');
const { installHeaderInjection } = require('./header-rule');

const QUIT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK'];

/** A `data:` URL for one of the shell's own pages (splash, error): no network. */
function htmlDataUrl(html) {
  return `data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`;
}

/**
 * @param {object} deps
 * @param {object} deps.backend        addon.openBackend(): info, start, stop, takeHeaderToken, classify, splashShown, pageLoaded
 * @param {Function} deps.createWindow ({title}) -> a BrowserWindow (or stand-in) with webContents
 * @param {object} deps.session        the window's session (webRequest.onBeforeSendHeaders)
 * @param {Function} deps.openExternal shell.openExternal
 * @param {Function} deps.exit         app.exit / process.exit
 * @param {object} [deps.signals]      an emitter of process signals (process)
 * @param {Function} [deps.onStartupError] (html, {afterReady}) -> void, after the error page is
 *   shown; afterReady is true when the backend failed after the app had loaded (C-PROC-6)
 * @param {Function} [deps.log]
 */
function createLifecycle(deps) {
  const { backend, createWindow, session, openExternal, exit } = deps;
  const log = deps.log || (() => {});
  const state = { window: null, origin: null, injected: false, quitting: false, exited: false };
  let stopping = null;

  function onEvent(ev) {
    switch (ev.type) {
      case 'navigate':
        // The header rule is installed before the first request to the app, with
        // the token taken straight from Rust (once). Nothing else sees it.
        if (!state.injected) {
          installHeaderInjection(session, ev.origin, backend.takeHeaderToken());
          state.injected = true;
        }
        state.origin = ev.origin;
        if (alive()) state.window.loadURL(ev.url);
        break;
      case 'show_html':
        if (alive()) state.window.loadURL(htmlDataUrl(ev.html));
        if (deps.onStartupError) deps.onStartupError(ev.html, { afterReady: state.origin !== null });
        break;
      case 'focus':
        focus();
        break;
      case 'exit':
        state.exited = true;
        exit(ev.code);
        break;
      default:
        log(`unknown backend event ${ev.type}`);
    }
  }

  /** Shows, restores and raises the window: a second launch asked for it (C-PROC-7). */
  function focus() {
    if (!alive()) return;
    if (state.window.isMinimized && state.window.isMinimized()) state.window.restore();
    state.window.show();
    state.window.focus();
  }

  function alive() {
    return state.window && !(state.window.isDestroyed && state.window.isDestroyed());
  }

  /** Opens the window on the splash, installs the guards and starts the backend. */
  function start() {
    const info = backend.info();
    const win = createWindow({ title: info.productName });
    state.window = win;
    const wc = win.webContents;
    installGuards(wc, { classify: backend.classify, openExternal, log });
    wc.on('did-finish-load', () => backend.pageLoaded(wc.getURL()));
    win.on('close', (event) => {
      if (state.exited) return;
      event.preventDefault();
      quit();
    });
    for (const sig of QUIT_SIGNALS) {
      if (deps.signals) deps.signals.on(sig, () => quit());
    }
    win.loadURL(htmlDataUrl(info.splashHtml));
    backend.splashShown();
    const started = backend.start(onEvent);
    started.then(
      (origin) => log(`backend ready at ${origin}`),
      (e) => log(`backend not started: ${e.message}`),
    );
    return started;
  }

  /** Graceful quit (C-PROC-3): idempotent; resolves with the exit code. */
  function quit() {
    if (stopping) return stopping;
    state.quitting = true;
    if (alive() && state.window.hide) state.window.hide();
    stopping = backend.stop();
    return stopping;
  }

  /**
   * The backend was stopped for an update (addon.stopForUpdate): from now on window close
   * and app quit go ahead, since there is no graceful stop left to wait for and the
   * Rust side sends no "exit" (the installer or a relaunch ends this process).
   */
  function backendStopped() {
    state.quitting = true;
    state.exited = true;
  }

  return {
    start,
    quit,
    focus,
    backendStopped,
    get window() {
      return state.window;
    },
    get exiting() {
      return state.quitting || state.exited;
    },
  };
}

module.exports = { createLifecycle, htmlDataUrl, QUIT_SIGNALS };
