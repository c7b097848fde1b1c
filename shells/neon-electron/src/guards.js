'use strict';
// The navigation guards (C-SHELL-1) on an Electron webContents (or the headless
// stand-in). The policy itself is the contract crate's (`navigation::classify`,
// reached through the addon as `classify(url)` -> "allow" | "external" | "block"):
// the window stays on the exact backend origin, other http/https/mailto links open
// in the system browser, window.open is always denied, every other scheme is blocked.

const EXTERNAL_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** Opens `url` in the system browser, but only for http, https and mailto. */
function openExternally(openExternal, url, log) {
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    /* not a URL: refuse */
  }
  if (!EXTERNAL_SCHEMES.has(scheme)) {
    log('refused to open a non-http(s)/mailto URL externally');
    return;
  }
  Promise.resolve(openExternal(url)).catch((e) => log(`cannot open the system browser: ${e.message}`));
}

/**
 * Applies the policy to one navigation. Returns true when the webview may load `url`.
 * `allowInternal(url)` lets the shell's own pages (splash, error page) through.
 */
function decide(url, { classify, openExternal, log, allowInternal = () => false }) {
  if (allowInternal(url)) return true;
  const decision = classify(url);
  if (decision === 'allow') return true;
  if (decision === 'external') {
    log('opening an external link in the system browser');
    openExternally(openExternal, url, log);
  } else {
    log('blocked a navigation to a disallowed scheme');
  }
  return false;
}

/** Installs every guard on `webContents`. */
function installGuards(webContents, opts) {
  const { classify, openExternal, log = () => {} } = opts;
  const guard = (event, url) => {
    const target = typeof url === 'string' ? url : event && event.url;
    if (!decide(target, opts)) event.preventDefault();
  };
  webContents.on('will-navigate', guard);
  webContents.on('will-redirect', guard);
  webContents.on('will-frame-navigate', (details) => {
    // Sub-frames (iframes) get the same policy as the main frame.
    if (details && details.isMainFrame === false && !decide(details.url, opts)) details.preventDefault();
  });
  webContents.setWindowOpenHandler(({ url }) => {
    if (classify(url) === 'external') openExternally(openExternal, url, log);
    else log('denied a window.open request');
    return { action: 'deny' };
  });
  // <webview> tags could host arbitrary content: never attach one.
  webContents.on('will-attach-webview', (event) => event.preventDefault());
}

module.exports = { decide, installGuards, openExternally };
