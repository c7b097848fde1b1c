'use strict';
// The token header rule (C-AUTH-4), shared by the Electron main process (main.js,
// through session.webRequest.onBeforeSendHeaders) and the headless host's stand-in
// renderer (node-host/headless.js). The header goes to the exact backend origin
// `http://127.0.0.1:<port>` and nowhere else: not another port, not `localhost`,
// not https, not another host.
//
// The token reaches this module from Rust (addon.takeHeaderToken) in the main
// process only. Nothing here hands it to a preload or a page.

const TOKEN_HEADER = 'X-Desktop-Django-Token';

/** `http://127.0.0.1:<port>` for a valid backend origin, else null. */
function normalizeOrigin(origin) {
  let u;
  try {
    u = new URL(origin);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1' || !u.port) return null;
  if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    return null;
  }
  return u.origin;
}

/**
 * True when `url` is on exactly `origin` (scheme, host and port), both as written
 * (the URL starts with the origin, then ends or goes on with / ? #) and as parsed:
 * so no spelling that a URL parser folds onto 127.0.0.1 (`127.0.0.1.`, `2130706433`)
 * and no userinfo counts.
 */
function isExactOrigin(url, origin) {
  const want = normalizeOrigin(origin);
  if (!want || typeof url !== 'string') return false;
  const head = url.slice(0, want.length);
  const next = url.charAt(want.length);
  if (head.toLowerCase() !== want || !['', '/', '?', '#'].includes(next)) return false;
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && !u.username && !u.password && u.origin === want;
}

/** The headers the rule adds for `url`: the token header, or nothing. */
function headersFor(url, origin, token) {
  return isExactOrigin(url, origin) && token ? { [TOKEN_HEADER]: token } : {};
}

/**
 * The request headers to send for `url`: `requestHeaders` without any token header
 * (whatever its case), plus the token header when `url` is on the exact origin.
 */
function applyHeaderRule(url, requestHeaders, origin, token) {
  const out = {};
  for (const [k, v] of Object.entries(requestHeaders || {})) {
    if (k.toLowerCase() !== TOKEN_HEADER.toLowerCase()) out[k] = v;
  }
  return Object.assign(out, headersFor(url, origin, token));
}

/**
 * Installs the rule on an Electron session (or the headless stand-in): every
 * request passes through it, and only the exact origin gets the header.
 */
function installHeaderInjection(session, origin, token) {
  if (!normalizeOrigin(origin)) throw new Error(`not a backend origin: ${origin}`);
  session.webRequest.onBeforeSendHeaders({ urls: ['<all_urls>'] }, (details, callback) => {
    callback({ requestHeaders: applyHeaderRule(details.url, details.requestHeaders, origin, token) });
  });
}

module.exports = {
  TOKEN_HEADER,
  normalizeOrigin,
  isExactOrigin,
  headersFor,
  applyHeaderRule,
  installHeaderInjection,
};
