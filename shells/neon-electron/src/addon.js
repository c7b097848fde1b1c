'use strict';
// The one loader of the native addon (../native, the `neon-electron-shell` crate).
//
// Candidates, first match wins:
//   1. DESKTOP_DJANGO_NEON_ADDON (an explicit path);
//   2. in a packaged app: index.node unpacked from the asar (electron-builder `asarUnpack`);
//   3. the newest of <pkg>/index.node and the cargo cdylib in the target dir
//      (`--target-dir <dir>` on the command line, else CARGO_TARGET_DIR, else <workspace>/target),
//      debug or release.
// Then `process.dlopen`, which loads the cdylib under its own name (no copy needed) in
// Node and in Electron alike: neon builds against Node-API, so one build serves both.

const fs = require('node:fs');
const path = require('node:path');

const PKG_DIR = path.resolve(__dirname, '..');
const WORKSPACE = path.resolve(PKG_DIR, '..', '..');
const CRATE = 'neon-electron-shell';

/** The cdylib's file name on this OS. */
function libName(platform = process.platform) {
  const stem = CRATE.replace(/-/g, '_');
  if (platform === 'win32') return `${stem}.dll`;
  if (platform === 'darwin') return `lib${stem}.dylib`;
  return `lib${stem}.so`;
}

/** `--target-dir <dir>` / `--target-dir=<dir>` from argv, if any. */
function targetDirArg(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target-dir' && argv[i + 1]) return argv[i + 1];
    if (typeof argv[i] === 'string' && argv[i].startsWith('--target-dir=')) {
      return argv[i].slice('--target-dir='.length);
    }
  }
  return null;
}

function targetDir({ argv = process.argv, env = process.env } = {}) {
  const dir = targetDirArg(argv) || env.CARGO_TARGET_DIR || path.join(WORKSPACE, 'target');
  return path.isAbsolute(dir) ? dir : path.join(WORKSPACE, dir);
}

/** Every place the addon may be, in priority order (see the header comment). */
function candidates({ argv = process.argv, env = process.env, resourcesPath = process.resourcesPath } = {}) {
  if (env.DESKTOP_DJANGO_NEON_ADDON) return { explicit: [env.DESKTOP_DJANGO_NEON_ADDON], built: [] };
  const explicit = [];
  if (resourcesPath) explicit.push(path.join(resourcesPath, 'app.asar.unpacked', 'index.node'));
  const dir = targetDir({ argv, env });
  const built = [
    path.join(PKG_DIR, 'index.node'),
    path.join(dir, 'debug', libName()),
    path.join(dir, 'release', libName()),
  ];
  return { explicit, built };
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** The path to load, or null. */
function find(opts) {
  const { explicit, built } = candidates(opts);
  for (const p of explicit) if (mtime(p) >= 0) return p;
  const found = built.filter((p) => mtime(p) >= 0).sort((a, b) => mtime(b) - mtime(a));
  return found[0] || null;
}

function howToBuild(opts) {
  const { explicit, built } = candidates(opts);
  return [
    'The native addon of the Electron shell is not built.',
    `Build it from the repository root with:  cargo build -p ${CRATE}`,
    '(or `npm run build:addon` in shells/neon-electron, which also copies it to index.node).',
    'Looked for:',
    ...explicit.concat(built).map((p) => `  ${p}`),
  ].join('\n');
}

let cached = null;

/** Loads the native module (once). Throws a readable error telling how to build it. */
function loadNative(opts) {
  if (cached) return cached;
  const file = find(opts);
  if (!file) throw new Error(howToBuild(opts));
  const mod = { exports: {} };
  process.dlopen(mod, file);
  cached = mod.exports;
  return cached;
}

/**
 * The backend session as the lifecycle sees it: one object over the addon's
 * functions. `args` are the shell's arguments (`--project <dir>` is read by Rust).
 * Null when another instance holds the app-data dir (C-PROC-7): Rust has asked it to
 * focus its window, and this launch starts nothing. Throws on any other startup error.
 */
function openBackend(args, native = loadNative()) {
  const host = native.prepare(args.map(String));
  if (host === null) return null;
  return {
    // The updater (update.js) calls the addon's update functions itself.
    native,
    host,
    info: () => native.info(host),
    appDataDir: () => native.appDataDir(host),
    secondLaunch: () => native.secondLaunch(host),
    start: (onEvent) => native.start(host, onEvent),
    stop: () => native.stop(host),
    takeHeaderToken: () => native.takeHeaderToken(host),
    mintTicket: () => native.mintTicket(host),
    classify: (url) => native.classify(host, url),
    splashShown: () => native.splashShown(host),
    pageLoaded: (url) => native.pageLoaded(host, url),
    openAppDataFolder: () => native.openAppDataFolder(host),
    openExternal: (url) => native.openExternal(String(url)),
    handleIpc: (pageUrl, message) => native.handleIpc(host, String(pageUrl), String(message)),
    log: (message) => native.log(host, String(message)),
  };
}

module.exports = { libName, targetDir, candidates, find, howToBuild, loadNative, openBackend, CRATE };
