'use strict';
// Connected updates (C-PKG-3): electron-updater downloads and installs; the signed
// release manifest, checked in Rust (the addon's verifyRelease / checkArtifactFile,
// i.e. contract::release), decides whether it may.
//
//   feed <base> → release.json + release.json.minisig verify with the key built into
//   this app, name this app, are unexpired, offer a newer version this one may update
//   from → electron-updater's latest*.yml offers that same version, and only files the
//   manifest lists → "Download?" → download → size + SHA-256 against the manifest →
//   "Restart and install?" → stop the backend (lifelines, grace, tree kill) →
//   autoUpdater.quitAndInstall()
//
// electron-updater's own sha512 check comes from latest*.yml, which is unsigned and
// served next to the installer, so it proves nothing against a tampered server: only
// the manifest's SHA-256 counts. Every dependency is passed in (tests use fakes).

const URL_ENV = 'DESKTOP_DJANGO_UPDATE_URL';
const CONFIRM_ENV = 'DESKTOP_DJANGO_UPDATE_CONFIRM';
const MANIFEST = 'release.json';

// The exit codes of contract::release::UpdateError for the two refusals decided here,
// from electron-updater's unsigned answer (the others come from the addon).
const INVALID = 11;
const UNKNOWN_ARTIFACT = 16;

/** A refusal: the manifest or the download says no. `code` is UpdateError's exit code. */
class Refused extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * The feed's base URL with a trailing `/`: DESKTOP_DJANGO_UPDATE_URL if set and not
 * empty, else the build's; null when neither (then no request is made at all).
 */
function feedBase(builtIn, env = process.env) {
  const fromEnv = (env[URL_ENV] || '').trim();
  const base = fromEnv || (builtIn || '').trim();
  if (!base) return null;
  return base.endsWith('/') ? base : `${base}/`;
}

/** The last path segment of a URL or path: the file name the manifest lists. */
function fileNameOf(url) {
  const path = String(url).split(/[?#]/)[0];
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.slice(name.lastIndexOf('\\') + 1);
}

/** `yes` / `no` from DESKTOP_DJANGO_UPDATE_CONFIRM, else null (ask). */
function confirmFromEnv(env = process.env) {
  const v = (env[CONFIRM_ENV] || '').trim();
  return v === 'yes' ? true : v === 'no' ? false : null;
}

async function fetchText(fetch, url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

let checking = false;

/**
 * Checks the feed and, if the signed manifest allows it and the user agrees, installs
 * the update. One check at a time: a second call while one runs returns {outcome: 'busy'}.
 *
 * @param {object} d
 * @param {object} d.autoUpdater   electron-updater's autoUpdater (setFeedURL, checkForUpdates,
 *   downloadUpdate, quitAndInstall; an EventEmitter)
 * @param {Function} d.fetch       WHATWG fetch (url) -> Promise<{ok, status, text()}>
 * @param {object} d.addon         the native addon: verifyRelease, checkArtifactFile,
 *   stopForUpdate, emitEvent
 * @param {*} d.host               the addon's Host (prepare())
 * @param {string} d.publicKey     the minisign public key built into the app; empty: updates off
 * @param {string} d.appId         desktop.toml's app id (what the manifest must name)
 * @param {string} d.installedVersion
 * @param {string} [d.feedBase]    the build's feed base URL; DESKTOP_DJANGO_UPDATE_URL overrides
 * @param {Function} d.confirm     (question) -> Promise<boolean>; DESKTOP_DJANGO_UPDATE_CONFIRM
 *   (yes|no) answers instead
 * @param {Function} [d.log]       (line) -> void
 * @param {'startup'|'menu'} [d.trigger]  from the menu every outcome is also told with inform
 * @param {Function} [d.inform]    (message) -> void, a dialog
 * @param {Function} [d.prepareQuit]  after the backend stopped, before quitAndInstall: lets the
 *   app quit without the lifecycle's graceful-stop intercept
 * @param {Function} [d.restart]   when the installer could not be started: the backend is
 *   already gone, so the app restarts into the installed version
 * @param {object} [d.env]         default process.env
 * @param {number} [d.now]         seconds since the Unix epoch; default the clock
 * @returns {Promise<{outcome: 'no-feed'|'busy'|'current'|'declined'|'refused'|'failed'|'installing',
 *   version?: string, reason?: string, code?: number, message?: string}>}
 */
async function checkForUpdates(d) {
  const env = d.env || process.env;
  const log = d.log || (() => {});
  const inform = d.trigger === 'menu' && d.inform ? d.inform : () => {};
  const base = feedBase(d.feedBase, env);
  if (!base) {
    log('update check: no update feed is configured');
    inform('No update feed is configured for this build.');
    return { outcome: 'no-feed' };
  }
  if (checking) return { outcome: 'busy' };
  checking = true;
  let result;
  try {
    result = await run(d, base, env, log);
  } catch (e) {
    // Refused here or by the addon (its errors carry UpdateError's numeric exit code).
    result = typeof e.code === 'number'
      ? { outcome: 'refused', reason: e.message, code: e.code }
      : { outcome: 'failed', message: e.message };
  } finally {
    checking = false;
  }
  const message = report(d, result);
  log(`update check: ${message}`);
  if (result.restart) {
    // After the event and the log line: restart exits this process.
    if (d.restart) d.restart();
  } else if (result.outcome !== 'installing') {
    inform(message);
  }
  return result;
}

/** Emits the outcome's event; returns the sentence for the log and the dialog. */
function report(d, r) {
  const emit = (name, fields) => d.addon.emitEvent(name, fields);
  switch (r.outcome) {
    case 'current':
      emit('update_current', { version: r.version });
      return `${r.version} is the latest version.`;
    case 'declined':
      emit('update_declined', { version: r.version });
      return `Update ${r.version} declined.`;
    case 'refused':
      emit('update_refused', { reason: r.reason, code: r.code });
      return `The update was refused: ${r.reason}`;
    case 'failed':
      emit('update_failed', { message: r.message });
      return r.restart ? `update failed: ${r.message}; restarting the installed version` : `No update: ${r.message}`;
    default:
      return `installing ${r.version}; restarting`;
  }
}

async function run(d, base, env, log) {
  const { autoUpdater, addon } = d;
  if (!d.publicKey || !String(d.publicKey).trim()) {
    throw new Error('this build has no update key (desktopDjango.updatePublicKey): updates are off');
  }
  const installed = d.installedVersion;
  const manifestUrl = `${base}${MANIFEST}`;
  log(`checking for updates at ${manifestUrl}`);
  const [manifestText, signatureText] = await Promise.all([
    fetchText(d.fetch, manifestUrl),
    fetchText(d.fetch, `${manifestUrl}.minisig`),
  ]);
  const now = d.now !== undefined ? d.now : Math.floor(Date.now() / 1000);
  let release;
  try {
    release = addon.verifyRelease(manifestText, signatureText, String(d.publicKey), d.appId, installed, now);
  } catch (e) {
    // The signed manifest offers the installed version itself: up to date, not an attack.
    if (e.code === 14 && e.offered === installed) return { outcome: 'current', version: installed };
    throw e;
  }

  autoUpdater.setFeedURL({ provider: 'generic', url: base });
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  // The release publishes no blockmaps: a differential download would only fail first.
  autoUpdater.disableDifferentialDownload = true;
  const check = await autoUpdater.checkForUpdates();
  if (!check || !check.updateInfo) throw new Error('electron-updater is inactive (not a packaged build)');
  const info = check.updateInfo;
  const offered = String(info.version || '').replace(/^v/, '');
  if (offered !== release.version) {
    throw new Refused(`the feed offers ${offered}, its signed manifest ${release.version}`, INVALID);
  }
  const listed = new Set(release.artifacts.map((a) => a.file));
  const files = (info.files || []).map((f) => fileNameOf(f.url));
  if (info.path) files.push(fileNameOf(info.path));
  for (const file of files) {
    if (!listed.has(file)) throw new Refused(`the release manifest lists no artifact named ${file}`, UNKNOWN_ARTIFACT);
  }
  if (!check.isUpdateAvailable) {
    throw new Error(`electron-updater does not offer ${release.version} to this installation`);
  }
  addon.emitEvent('update_available', { version: release.version });
  log(`update ${release.version} available: ${files.join(', ')}`);

  if (!(await confirmed(d, env, `Version ${release.version} is available. Download it now?`))) {
    return { outcome: 'declined', version: release.version };
  }
  let downloaded;
  try {
    downloaded = await autoUpdater.downloadUpdate();
  } catch (e) {
    // Its sha512 is the unsigned feed's: a mismatch is a corrupt or swapped download all the same.
    if (e && e.code === 'ERR_CHECKSUM_MISMATCH') throw new Refused(`the download does not match the feed: ${e.message}`, 18);
    throw new Error(`the download failed: ${e.message}`);
  }
  if (!Array.isArray(downloaded) || downloaded.length === 0) throw new Error('the download produced no file');
  for (const file of downloaded) addon.checkArtifactFile(manifestText, String(file));
  log(`downloaded ${downloaded.map(fileNameOf).join(', ')}: size and SHA-256 match the signed manifest`);

  if (!(await confirmed(d, env, `Version ${release.version} is downloaded. Restart and install it now? Your data stays where it is.`))) {
    return { outcome: 'declined', version: release.version };
  }
  addon.emitEvent('update_installing', { version: release.version });
  log(`installing ${release.version}`);
  // No Python process may hold the old runtime open while the installer replaces it
  // (on Windows an open file would block the installer).
  if (!(await addon.stopForUpdate(d.host))) throw new Error('the app is quitting');
  if (d.prepareQuit) d.prepareQuit();
  // install() runs synchronously inside quitAndInstall and reports a failure only as
  // an 'error' event; from here the backend is gone, so the app restarts either way.
  let installError = null;
  const onError = (e) => {
    installError = e || new Error('unknown error');
  };
  if (autoUpdater.on) autoUpdater.on('error', onError);
  try {
    autoUpdater.quitAndInstall();
  } catch (e) {
    installError = e;
  } finally {
    if (autoUpdater.removeListener) autoUpdater.removeListener('error', onError);
  }
  if (installError) {
    return { outcome: 'failed', message: `the installer failed: ${installError.message}`, restart: true };
  }
  return { outcome: 'installing', version: release.version };
}

/** The prompt's answer: DESKTOP_DJANGO_UPDATE_CONFIRM if it says yes or no, else the user's. */
async function confirmed(d, env, question) {
  const answer = confirmFromEnv(env);
  if (answer !== null) return answer;
  try {
    return Boolean(await d.confirm(question));
  } catch {
    return false;
  }
}

module.exports = { checkForUpdates, feedBase, fileNameOf, confirmFromEnv, URL_ENV, CONFIRM_ENV };
