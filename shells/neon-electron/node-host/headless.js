'use strict';
// `node shells/neon-electron/node-host/headless.js --project <dir> [--target-dir <cargo target>]`
//
// The Electron shell's node host (not shipped: electron-builder packs src/ only): the same addon and the same lifecycle as main.js,
// under plain Node, for machines where Electron cannot be installed. The window is a
// stand-in renderer that does what a page load does over HTTP: it fetches the page,
// following the app's redirects (each one through the will-redirect guard), then the
// static assets the page links to (stylesheets, scripts, images, icons, and the url()s
// of same-origin stylesheets). Every request carries exactly the headers that the
// session's onBeforeSendHeaders listeners compute, i.e. the shared header rule
// (header-rule.js). Then it runs the page's scripts in a `vm` context with a small
// browser surface and the real preload (stand-in-page.js), so fetches, images,
// navigations, window.open and the bridge go through the same guards, header rule,
// window-open handler and bridge handler as in Electron. Then it fires
// did-finish-load, and the contract crate emits window_loaded. It is no browser: no
// layout, no CSS, no cookies, a DOM of stubs.

const http = require('node:http');
const { EventEmitter } = require('node:events');
const path = require('node:path');
const { openBackend } = require('../src/addon');
const { createLifecycle } = require('../src/lifecycle');
const { StandInPage } = require('./stand-in-page');
const { bridgeHandler, BRIDGE_CHANNEL } = require('../src/bridge');

const USER_AGENT = 'desktop-django-electron-headless/0.1 (node host; stand-in renderer)';
const MAX_REDIRECTS = 10;
const REQUEST_TIMEOUT_MS = 30000;

/** A stand-in for Electron's `session`: records webRequest listeners and applies them. */
class StandInSession {
  constructor() {
    this.listeners = [];
    this.webRequest = {
      onBeforeSendHeaders: (filter, listener) => {
        if (typeof filter === 'function') [filter, listener] = [null, filter];
        this.listeners.push(listener);
      },
    };
  }

  /** The headers a request to `url` goes out with, after every listener. */
  async requestHeaders(url, method, resourceType, base) {
    let headers = { ...base };
    for (const listener of this.listeners) {
      headers = await new Promise((resolve) => {
        listener({ url, method, resourceType, requestHeaders: headers }, (res) =>
          resolve(res && res.requestHeaders ? res.requestHeaders : headers),
        );
      });
    }
    return headers;
  }
}

/** One HTTP request with exactly `headers` (Node adds Host and Connection). */
function httpGet(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${new URL(url).pathname}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Same-origin assets a page links to: [url, resourceType]. */
function linkedAssets(html, pageUrl) {
  const found = new Map();
  const add = (ref, type) => {
    if (!ref || /^(data|javascript|mailto|blob):/i.test(ref.trim())) return;
    let u;
    try {
      u = new URL(ref.trim().replace(/&amp;/g, '&'), pageUrl);
    } catch {
      return;
    }
    u.hash = '';
    if (u.origin === new URL(pageUrl).origin && !found.has(u.href)) found.set(u.href, type);
  };
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const rel = /\brel\s*=\s*["']?([^"'>]+)/i.exec(m[0]);
    const href = /\bhref\s*=\s*["']([^"']+)["']/i.exec(m[0]);
    if (href && rel && /stylesheet|icon|preload|manifest/i.test(rel[1])) {
      add(href[1], /stylesheet/i.test(rel[1]) ? 'stylesheet' : 'other');
    }
  }
  for (const m of html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) add(m[1], 'script');
  for (const m of html.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) add(m[1], 'image');
  return [...found.entries()];
}

/** url()s in a stylesheet, resolved against it, same-origin only. */
function cssAssets(css, cssUrl) {
  const out = [];
  for (const m of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/gi)) {
    if (/^data:/i.test(m[1])) continue;
    try {
      const u = new URL(m[1], cssUrl);
      u.hash = '';
      if (u.origin === new URL(cssUrl).origin) out.push(u.href);
    } catch {
      /* skip */
    }
  }
  return out;
}

class Cancelled extends Error {}

/** A stand-in for webContents: loads over HTTP, emits Electron's events. */
class StandInWebContents extends EventEmitter {
  constructor(session, log, { preload = null, ipc = new Map() } = {}) {
    super();
    this.session = session;
    this.log = log;
    this.preload = preload;
    this.ipc = ipc;
    this.page = null;
    this.scriptCache = new Map();
    this.url = 'about:blank';
    this.generation = 0;
    this.windowOpenHandler = null;
    this.requests = [];
  }

  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }

  getURL() {
    return this.url;
  }

  alive(generation) {
    return generation === this.generation;
  }

  /** A request from the page (or its loader), cached for scripts already fetched. */
  fetchFor(url, resourceType, generation) {
    const cached = resourceType === 'script' && this.scriptCache.get(url);
    if (cached && generation === this.generation) return Promise.resolve(cached);
    return this.fetch(url, resourceType, generation);
  }

  /** A renderer-initiated navigation: through will-navigate, as in Electron. */
  navigateFromPage(url) {
    const event = { url, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('will-navigate', event, url);
    if (!event.defaultPrevented) this.loadURL(url);
  }

  /** window.open and target=_blank: through the window-open handler. */
  openWindow(url) {
    const res = this.windowOpenHandler
      ? this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'foreground-tab' })
      : { action: 'deny' };
    if (res && res.action === 'allow') this.log('a window-open handler allowed a window; the stand-in opens none');
    return null;
  }

  /** ipcRenderer.invoke from the preload: the main-process handler, with the sender's URL. */
  invoke(channel, senderUrl, ...args) {
    const handler = this.ipc.get(channel);
    if (!handler) return Promise.reject(new Error(`no handler for ${channel}`));
    return Promise.resolve().then(() => handler({ senderFrame: { url: senderUrl } }, ...args));
  }

  async fetch(url, resourceType, generation) {
    if (generation !== this.generation) throw new Cancelled();
    const base = { 'User-Agent': USER_AGENT, Accept: '*/*' };
    const headers = await this.session.requestHeaders(url, 'GET', resourceType, base);
    this.requests.push({ url, resourceType, headers });
    return httpGet(url, headers);
  }

  /** Main-process navigation (as in Electron, no will-navigate). */
  loadURL(url) {
    const generation = ++this.generation;
    const done = this.load(url, generation).catch((e) => {
      if (e instanceof Cancelled || generation !== this.generation) return;
      this.log(`load failed: ${e.message}`);
      this.emit('did-fail-load', {}, -2, e.message, url);
    });
    return done;
  }

  async load(url, generation) {
    this.page = null;
    this.scriptCache = new Map();
    if (url.startsWith('data:') || url === 'about:blank') {
      this.url = url;
      this.emit('did-finish-load');
      return;
    }
    let current = url;
    let res;
    for (let hop = 0; ; hop++) {
      res = await this.fetch(current, 'mainFrame', generation);
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) break;
      if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
      const next = new URL(location, current).href;
      const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      this.emit('will-redirect', event, next);
      if (event.defaultPrevented) {
        this.log('the guard stopped a redirect');
        this.emit('did-fail-load', {}, -3, 'ERR_ABORTED', next);
        return;
      }
      current = next;
    }
    if (res.status >= 400) this.log(`HTTP ${res.status} for ${new URL(current).pathname}`);
    const assets = linkedAssets(res.body, current);
    for (const [asset, type] of assets) {
      const r = await this.fetch(asset, type, generation);
      if (type === 'script') this.scriptCache.set(asset, r);
      if (r.status >= 400) this.log(`HTTP ${r.status} for ${new URL(asset).pathname}`);
      if (type === 'stylesheet' && r.status < 300) {
        for (const sub of cssAssets(r.body, asset)) {
          if (!assets.some(([a]) => a === sub)) await this.fetch(sub, 'image', generation);
        }
      }
    }
    if (generation !== this.generation) return;
    this.url = current;
    if (/html/i.test(res.headers['content-type'] || '') && res.status < 400) {
      this.page = new StandInPage({ host: this, url: current, html: res.body, generation, preload: this.preload, log: this.log });
      await this.page.runScripts(res.body);
      if (generation !== this.generation) return;
    }
    this.emit('did-finish-load');
  }
}

/** A stand-in BrowserWindow: no pixels, the same events. */
class StandInWindow extends EventEmitter {
  constructor(title, session, log, opts) {
    super();
    this.title = title;
    this.webContents = new StandInWebContents(session, log, opts);
    this.destroyed = false;
    this.visible = true;
  }

  loadURL(url) {
    return this.webContents.loadURL(url);
  }

  isDestroyed() {
    return this.destroyed;
  }

  hide() {
    this.visible = false;
  }
}

/** Strips tags from the error page, for stderr. */
function htmlToText(html) {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Runs the node host. Returns the lifecycle. */
function runHeadless({
  argv = process.argv.slice(2),
  backend = null,
  exit = (code) => process.exit(code),
  signals = process,
  log = (m) => process.stderr.write(`desktop-django-electron-headless: ${m}\n`),
} = {}) {
  const session = new StandInSession();
  const theBackend = backend || openBackend(argv);
  // C-PROC-7: the contract's app-data lock, taken by openBackend; a second launch has asked the
  // first to focus and exits 0.
  if (theBackend === null) {
    log('another instance is running for this app-data dir: asked it to focus');
    exit(0);
    return null;
  }
  // The same bridge handler as main.js registers with ipcMain.handle.
  const ipc = new Map([[BRIDGE_CHANNEL, bridgeHandler(theBackend)]]);
  const preload = path.join(__dirname, '..', 'src', 'preload.js');
  let lifecycle = null;
  lifecycle = createLifecycle({
    backend: theBackend,
    session,
    createWindow: ({ title }) => new StandInWindow(title, session, log, { preload, ipc }),
    // The system opener, as the contract crate's other shells use it (guards.js has
    // already limited the URL to http, https or mailto).
    openExternal: async (url) => theBackend.openExternal(url),
    exit,
    signals,
    log,
    // Nobody can read or close a stand-in window. A failed start prints the error page and
    // quits (exit 1, C-READY-3); a crash after readiness prints it and stays up until quit,
    // as a window would (C-PROC-6).
    onStartupError: (html, { afterReady } = {}) => {
      if (afterReady) {
        log(`the backend stopped: ${htmlToText(html)} (Ctrl-C quits)`);
        return;
      }
      log(`startup failed: ${htmlToText(html)}`);
      lifecycle.quit();
    },
  });
  lifecycle.start().catch(() => {});
  return lifecycle;
}

module.exports = {
  runHeadless,
  StandInSession,
  StandInWebContents,
  StandInWindow,
  linkedAssets,
  cssAssets,
  htmlToText,
  USER_AGENT,
};

if (require.main === module) {
  // Page scripts run in vm contexts: their stray rejections are logged, never fatal.
  process.on('unhandledRejection', (e) => process.stderr.write(`desktop-django-electron-headless: page: ${e && e.message}\n`));
  try {
    runHeadless();
  } catch (e) {
    process.stderr.write(`desktop-django-electron-headless: ${e.message}\n`);
    process.exit(2);
  }
}
