'use strict';
// The headless host's page scripting: runs a loaded page's scripts in a Node `vm`
// context with a small browser surface, so that what page JavaScript can attempt
// (fetch, images, navigation, window.open, target=_blank links, the bridge) goes
// through the same shell code as in Electron: the guards (guards.js, policy from
// Rust), the header rule (header-rule.js via the session's onBeforeSendHeaders),
// the window-open handler, and the preload (preload.js, run with a stand-in
// contextBridge/ipcRenderer). It is no browser: no layout, no CSS, a DOM of stubs.

const fs = require('node:fs');
const vm = require('node:vm');

function element(id, attrs, page) {
  const listeners = {};
  const el = {
    id,
    hidden: false,
    textContent: '',
    dataset: {},
    style: {},
    classList: { add() {}, remove() {}, toggle() {}, contains: () => false },
    addEventListener: (name, fn) => (listeners[name] = listeners[name] || []).push(fn),
    removeEventListener() {},
    querySelector: () => null,
    querySelectorAll: () => [],
    closest: () => null,
    getAttribute: (k) => (k in attrs ? attrs[k] : null),
    setAttribute: (k, v) => (attrs[k] = String(v)),
    click() {
      for (const fn of listeners.click || []) fn({ preventDefault() {}, target: el });
      if (attrs.href !== undefined) page.followLink(attrs.href, attrs.target);
    },
  };
  Object.defineProperty(el, 'src', {
    get: () => attrs.src || '',
    set: (v) => {
      attrs.src = String(v);
      page.subresource(attrs.src, 'image');
    },
  });
  Object.defineProperty(el, 'href', { get: () => attrs.href || '' });
  return el;
}

/** Elements with an id, from the page's HTML: {id: {tag, attrs}}. */
function elementsById(html) {
  const out = {};
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)\b([^>]*)>/g)) {
    const attrs = {};
    for (const a of m[2].matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      attrs[a[1].toLowerCase()] = (a[2] ?? a[3] ?? a[4] ?? '').replace(/&amp;/g, '&');
    }
    if (attrs.id) out[attrs.id] = { tag: m[1].toLowerCase(), attrs };
  }
  return out;
}

/** Inline scripts and same-origin script URLs, in document order. */
function scripts(html, pageUrl) {
  const out = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = /\bsrc\s*=\s*["']([^"']+)["']/i.exec(m[1]);
    if (/\btype\s*=\s*["']?(module|application\/json|text\/template)/i.test(m[1])) continue;
    if (src) {
      const u = new URL(src[1], pageUrl);
      if (u.origin === new URL(pageUrl).origin) out.push({ url: u.href });
    } else if (m[2].trim()) {
      out.push({ code: m[2] });
    }
  }
  return out;
}

/**
 * One page: `host` is the stand-in webContents, which provides
 * fetchFor(url, type) -> {status, headers, body}, navigateFromPage(url),
 * openWindow(url), invoke(channel, senderUrl, ...args), alive(generation).
 */
class StandInPage {
  constructor({ host, url, html, generation, preload, log }) {
    this.host = host;
    this.url = url;
    this.generation = generation;
    this.log = log;
    this.elements = elementsById(html);
    this.cache = {};
    const page = this;
    const u = new URL(url);
    const location = {};
    for (const k of ['origin', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) {
      location[k] = u[k];
    }
    Object.defineProperty(location, 'href', { get: () => url, set: (v) => page.navigate(v) });
    location.assign = (v) => page.navigate(v);
    location.replace = (v) => page.navigate(v);
    location.reload = () => {};
    location.toString = () => url;
    const document = {
      getElementById: (id) => {
        const e = page.elements[id];
        if (!e) return null;
        if (!page.cache[id]) page.cache[id] = element(id, e.attrs, page);
        return page.cache[id];
      },
      querySelector: () => null,
      querySelectorAll: () => [],
      addEventListener() {},
      createElement: (tag) => element('', { tag }, page),
      body: element('body', {}, page),
      cookie: '',
      readyState: 'complete',
    };
    const sandbox = {
      console: { log() {}, info() {}, warn() {}, error() {}, debug() {} },
      setTimeout: (fn, ms, ...a) => setTimeout(() => page.alive() && fn(...a), ms),
      clearTimeout,
      setInterval: (fn, ms, ...a) => setInterval(() => page.alive() && fn(...a), ms),
      clearInterval,
      queueMicrotask,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      location,
      document,
      navigator: { userAgent: 'stand-in' },
      fetch: (input, init) => page.fetch(input, init),
      open: (target) => page.open(target),
      addEventListener() {},
      removeEventListener() {},
      Image: function Image() {
        return element('', {}, page);
      },
    };
    this.context = vm.createContext(sandbox, { name: `stand-in page ${u.pathname}` });
    vm.runInContext('var window = globalThis; var self = globalThis;', this.context);
    if (preload) this.runPreload(preload);
  }

  alive() {
    return this.host.alive(this.generation);
  }

  /** The preload, with a stand-in contextBridge and ipcRenderer. */
  runPreload(file) {
    const page = this;
    const win = this.context;
    const electron = {
      contextBridge: {
        exposeInMainWorld(key, api) {
          const copy = {};
          for (const [k, v] of Object.entries(api)) {
            copy[k] = typeof v === 'function' ? (...args) => v(...args) : v;
          }
          Object.defineProperty(win, key, {
            value: Object.freeze(copy),
            writable: false,
            configurable: false,
            enumerable: true,
          });
        },
      },
      ipcRenderer: {
        invoke: (channel, ...args) => page.host.invoke(channel, page.url, ...args),
      },
    };
    const fn = new Function('require', fs.readFileSync(file, 'utf8'));
    fn((m) => {
      if (m !== 'electron') throw new Error(`a sandboxed preload cannot require ${m}`);
      return electron;
    });
  }

  /** Runs the page's scripts (inline and same-origin src, in order). */
  async runScripts(html) {
    for (const s of scripts(html, this.url)) {
      if (!this.alive()) return;
      let code = s.code;
      if (s.url) {
        try {
          const r = await this.host.fetchFor(s.url, 'script', this.generation);
          if (r.status >= 300) continue;
          code = r.body;
        } catch {
          continue;
        }
      }
      try {
        vm.runInContext(code, this.context, { filename: s.url || this.url });
      } catch (e) {
        this.log(`page script error: ${e.message}`);
      }
    }
  }

  async fetch(input, init = {}) {
    const url = new URL(String(input && input.url ? input.url : input), this.url).href;
    if (!/^https?:/.test(url)) throw new TypeError('Failed to fetch');
    if (init && init.method && init.method.toUpperCase() !== 'GET') throw new TypeError('stand-in fetch is GET only');
    const r = await this.host.fetchFor(url, 'xhr', this.generation);
    const ok = r.status >= 200 && r.status < 300;
    return { status: r.status, ok, url, text: async () => r.body, json: async () => JSON.parse(r.body) };
  }

  subresource(ref, type) {
    let url;
    try {
      url = new URL(ref, this.url).href;
    } catch {
      return;
    }
    if (!/^https?:/.test(url)) return;
    this.host.fetchFor(url, type, this.generation).catch(() => {});
  }

  navigate(ref) {
    let url;
    try {
      url = new URL(String(ref), this.url).href;
    } catch {
      return;
    }
    this.host.navigateFromPage(url);
  }

  open(ref) {
    let url = String(ref || '');
    try {
      url = new URL(url, this.url).href;
    } catch {
      /* handed over as written */
    }
    return this.host.openWindow(url);
  }

  followLink(href, target) {
    let url;
    try {
      url = new URL(href, this.url).href;
    } catch {
      return;
    }
    if (target && target !== '_self') this.host.openWindow(url);
    else this.host.navigateFromPage(url);
  }
}

module.exports = { StandInPage, elementsById, scripts };
