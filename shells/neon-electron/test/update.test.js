'use strict';
// src/update.js against a fake electron-updater and a fake fetch, with REAL signatures:
// the workspace's CLI (built by pretest) makes a key pair, signs release.json and writes
// electron-updater's latest-linux.yml; the real addon verifies (contract::release).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { EventEmitter } = require('node:events');
const { spawnSync } = require('node:child_process');
const yaml = require('js-yaml');
const addon = require('../src/addon');
const { checkForUpdates, feedBase, fileNameOf, confirmFromEnv } = require('../src/update');

const WORKSPACE = path.resolve(__dirname, '..', '..', '..');
const APP = 't.electron-app';
const BASE = 'https://updates.example/app/';
const ARTIFACT = 'app-0.2.0-linux-x86_64.AppImage';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neon-update-'));
// Read once, at the first event this process writes: set before any.
const EVENTS = path.join(dir, 'events.jsonl');
process.env.DESKTOP_DJANGO_EVENTS = EVENTS;
delete process.env.DESKTOP_DJANGO_UPDATE_URL;
delete process.env.DESKTOP_DJANGO_UPDATE_CONFIRM;
const native = addon.loadNative();

const cli = path.join(addon.targetDir({ argv: [], env: process.env }), 'debug', process.platform === 'win32' ? 'desktop-django.exe' : 'desktop-django');

function desktopDjango(args, key) {
  const env = { ...process.env };
  delete env.DESKTOP_DJANGO_SIGNING_KEY_PASSWORD;
  if (key) env.DESKTOP_DJANGO_SIGNING_KEY = fs.readFileSync(key, 'utf8');
  const r = spawnSync(cli, args, { env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cli} ${args.join(' ')}: ${r.stderr}`);
}

// Keys a (the app's) and b (another), the installer, and two signed releases of 0.2.0:
// feed/ (30 days, with the Electron feed) and expired/ (expires at signing time).
const feedDir = path.join(dir, 'feed');
fs.mkdirSync(feedDir);
for (const k of ['a', 'b']) desktopDjango(['keygen', '--out-dir', path.join(dir, k)]);
const installer = path.join(feedDir, ARTIFACT);
fs.writeFileSync(installer, 'the 0.2.0 AppImage'.repeat(100));
const sign = (out, extra) => desktopDjango(
  ['release-manifest', '--app-id', APP, '--version', '0.2.0', '--min-version', '0.1.0', '--out', out, ...extra, installer],
  path.join(dir, 'a', 'desktop-django.key'),
);
sign(path.join(feedDir, 'release.json'), ['--base-url', BASE, '--electron-feed']);
fs.mkdirSync(path.join(dir, 'expired'));
sign(path.join(dir, 'expired', 'release.json'), ['--expires-in-days', '0']);
const KEY_A = fs.readFileSync(path.join(dir, 'a', 'desktop-django.pub'), 'utf8');
const KEY_B = fs.readFileSync(path.join(dir, 'b', 'desktop-django.pub'), 'utf8');
const LATEST_LINUX = yaml.load(fs.readFileSync(path.join(feedDir, 'latest-linux.yml'), 'utf8'));

/** fetch over a directory (BASE → served), recording each URL. */
function fakeFetch(rec, served) {
  return async (url) => {
    rec.push(`fetch ${url}`);
    const file = path.join(served, url.slice(BASE.length));
    if (!url.startsWith(BASE) || !fs.existsSync(file)) return { ok: false, status: 404, text: async () => '' };
    return { ok: true, status: 200, text: async () => fs.readFileSync(file, 'utf8') };
  };
}

/** electron-updater's autoUpdater as update.js uses it, recording each call. */
class FakeUpdater extends EventEmitter {
  constructor(rec, { info = LATEST_LINUX, download = (f) => f, installFails = false } = {}) {
    super();
    this.rec = rec;
    this.info = info;
    this.download = download;
    this.installFails = installFails;
  }
  setFeedURL(opts) {
    this.rec.push('setFeedURL');
    this.feed = opts;
  }
  async checkForUpdates() {
    this.rec.push('checkForUpdates');
    return { isUpdateAvailable: true, updateInfo: this.info };
  }
  async downloadUpdate() {
    this.rec.push('downloadUpdate');
    // electron-updater keeps the URL's file name in its cache dir.
    const cache = fs.mkdtempSync(path.join(dir, 'cache-'));
    const file = path.join(cache, fileNameOf(this.info.files[0].url));
    fs.copyFileSync(path.join(feedDir, fileNameOf(this.info.files[0].url)), file);
    this.download(file);
    return [file];
  }
  quitAndInstall() {
    this.rec.push('quitAndInstall');
    if (this.installFails) this.emit('error', new Error('EACCES: the AppImage is read-only'));
  }
}

/** One check with everything faked but the addon's verification; returns {result, rec, updater}. */
async function check(opts = {}) {
  const rec = [];
  const updater = new FakeUpdater(rec, opts.updater);
  const deps = {
    autoUpdater: updater,
    fetch: fakeFetch(rec, opts.served || feedDir),
    addon: {
      verifyRelease: native.verifyRelease,
      checkArtifactFile: native.checkArtifactFile,
      emitEvent: (name, fields) => {
        rec.push(`event ${name}`);
        native.emitEvent(name, fields);
      },
      stopForUpdate: async (host) => {
        rec.push('stopForUpdate');
        assert.equal(host, 'the-host');
        return opts.stopped !== undefined ? opts.stopped : true;
      },
    },
    host: 'the-host',
    publicKey: KEY_A,
    appId: APP,
    installedVersion: '0.1.0',
    feedBase: BASE,
    confirm: async (q) => {
      rec.push(`confirm ${q.includes('Restart') ? 'install' : 'download'}`);
      return opts.answers ? opts.answers.shift() : true;
    },
    log: () => {},
    trigger: 'startup',
    inform: (m) => rec.push(`inform ${m}`),
    prepareQuit: () => rec.push('prepareQuit'),
    restart: () => rec.push('restart'),
    env: {},
    ...opts.deps,
  };
  const result = await checkForUpdates(deps);
  return { result, rec, updater };
}

function events() {
  return fs.readFileSync(EVENTS, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

const nothingDownloaded = (rec) => {
  for (const step of ['downloadUpdate', 'stopForUpdate', 'quitAndInstall']) assert.ok(!rec.includes(step), `${step}: ${rec.join(' → ')}`);
};

test('the CLI writes an electron-updater feed that names the signed installer with its sha512', () => {
  assert.equal(LATEST_LINUX.version, '0.2.0');
  assert.equal(LATEST_LINUX.path, ARTIFACT);
  const sha512 = crypto.createHash('sha512').update(fs.readFileSync(installer)).digest('base64');
  assert.deepEqual(LATEST_LINUX.files, [{ url: ARTIFACT, sha512, size: fs.statSync(installer).size }]);
  assert.equal(LATEST_LINUX.sha512, sha512);
  assert.ok(!Number.isNaN(Date.parse(LATEST_LINUX.releaseDate)));
});

test('a good update goes through in order: verify, check, download, verify file, stop backend, install', async () => {
  const { result, rec, updater } = await check();
  assert.deepEqual(result, { outcome: 'installing', version: '0.2.0' });
  assert.deepEqual(rec, [
    `fetch ${BASE}release.json`,
    `fetch ${BASE}release.json.minisig`,
    'setFeedURL',
    'checkForUpdates',
    'event update_available',
    'confirm download',
    'downloadUpdate',
    'confirm install',
    'event update_installing',
    'stopForUpdate',
    'prepareQuit',
    'quitAndInstall',
  ]);
  assert.deepEqual(updater.feed, { provider: 'generic', url: BASE });
  assert.equal(updater.autoDownload, false);
  assert.equal(updater.autoInstallOnAppQuit, false);
  const names = events().map((e) => e.event);
  assert.ok(names.includes('update_available') && names.includes('update_installing'));
});

test('a manifest signed with another key is refused with code 10, before electron-updater is asked', async () => {
  const { result, rec } = await check({ deps: { publicKey: KEY_B } });
  assert.equal(result.outcome, 'refused');
  assert.equal(result.code, 10);
  assert.match(result.reason, /signature/);
  assert.ok(!rec.includes('checkForUpdates'));
  nothingDownloaded(rec);
  const refused = events().filter((e) => e.event === 'update_refused').pop();
  assert.equal(refused.code, 10);
  assert.equal(refused.reason, result.reason);
});

test('an edited manifest no longer verifies (10)', async () => {
  const served = fs.mkdtempSync(path.join(dir, 'edited-'));
  for (const f of fs.readdirSync(feedDir)) fs.copyFileSync(path.join(feedDir, f), path.join(served, f));
  const text = fs.readFileSync(path.join(served, 'release.json'), 'utf8');
  fs.writeFileSync(path.join(served, 'release.json'), text.replace('"0.2.0"', '"0.2.1"'));
  const { result, rec } = await check({ served });
  assert.equal(result.code, 10);
  nothingDownloaded(rec);
});

test('an expired manifest is refused with code 13', async () => {
  const { result, rec } = await check({ served: path.join(dir, 'expired') });
  assert.equal(result.outcome, 'refused');
  assert.equal(result.code, 13);
  nothingDownloaded(rec);
});

test('an older release is refused with code 14, a too-old installation with 15', async () => {
  let { result, rec } = await check({ deps: { installedVersion: '0.3.0' } });
  assert.equal(result.code, 14);
  nothingDownloaded(rec);
  ({ result, rec } = await check({ deps: { installedVersion: '0.0.9' } }));
  assert.equal(result.code, 15);
  nothingDownloaded(rec);
});

test('a manifest for another app is refused with code 12', async () => {
  const { result, rec } = await check({ deps: { appId: 'other.app' } });
  assert.equal(result.code, 12);
  nothingDownloaded(rec);
});

test('the installed version itself is current, not refused, and nothing is downloaded', async () => {
  const { result, rec } = await check({ deps: { installedVersion: '0.2.0' } });
  assert.deepEqual(result, { outcome: 'current', version: '0.2.0' });
  assert.ok(!rec.includes('checkForUpdates'));
  nothingDownloaded(rec);
  assert.ok(rec.includes('event update_current'));
});

test('a feed offering another version than the signed one is refused (11), nothing downloaded', async () => {
  const { result, rec } = await check({ updater: { info: { ...LATEST_LINUX, version: '0.3.0' } } });
  assert.equal(result.outcome, 'refused');
  assert.equal(result.code, 11);
  assert.match(result.reason, /offers 0\.3\.0, its signed manifest 0\.2\.0/);
  nothingDownloaded(rec);
});

test('a feed pointing at a file the manifest does not list is refused (16), nothing downloaded', async () => {
  const evil = 'evil-0.2.0-linux-x86_64.AppImage';
  const info = { ...LATEST_LINUX, files: [{ ...LATEST_LINUX.files[0], url: `https://elsewhere.example/${evil}` }] };
  const { result, rec } = await check({ updater: { info } });
  assert.equal(result.code, 16);
  assert.match(result.reason, new RegExp(evil));
  nothingDownloaded(rec);
});

test('a tampered download is refused (18): the backend keeps running, nothing is installed', async () => {
  const tamper = (file) => {
    const bytes = fs.readFileSync(file);
    bytes[10] ^= 0xff;
    fs.writeFileSync(file, bytes);
  };
  const { result, rec } = await check({ updater: { download: tamper } });
  assert.equal(result.outcome, 'refused');
  assert.equal(result.code, 18);
  assert.ok(rec.includes('downloadUpdate'));
  assert.ok(!rec.includes('confirm install') && !rec.includes('stopForUpdate') && !rec.includes('quitAndInstall'));
});

test('a truncated download is refused (17)', async () => {
  const { result, rec } = await check({ updater: { download: (file) => fs.truncateSync(file, 5) } });
  assert.equal(result.code, 17);
  assert.ok(!rec.includes('stopForUpdate') && !rec.includes('quitAndInstall'));
});

test('electron-updater\'s own checksum error is a refusal too (18)', async () => {
  const { result } = await check({
    updater: {
      download: () => {
        throw Object.assign(new Error('sha512 checksum mismatch'), { code: 'ERR_CHECKSUM_MISMATCH' });
      },
    },
  });
  assert.equal(result.code, 18);
});

test('declining the download prompt downloads nothing; declining the install installs nothing', async () => {
  let { result, rec } = await check({ answers: [false] });
  assert.deepEqual(result, { outcome: 'declined', version: '0.2.0' });
  nothingDownloaded(rec);
  assert.ok(rec.includes('event update_declined'));
  ({ result, rec } = await check({ answers: [true, false] }));
  assert.equal(result.outcome, 'declined');
  assert.ok(rec.includes('downloadUpdate'));
  assert.ok(!rec.includes('stopForUpdate') && !rec.includes('quitAndInstall'));
});

test('DESKTOP_DJANGO_UPDATE_CONFIRM answers both prompts without asking', async () => {
  let { result, rec } = await check({ deps: { env: { DESKTOP_DJANGO_UPDATE_CONFIRM: 'no' } } });
  assert.equal(result.outcome, 'declined');
  assert.ok(!rec.some((r) => r.startsWith('confirm')));
  nothingDownloaded(rec);
  ({ result, rec } = await check({ deps: { env: { DESKTOP_DJANGO_UPDATE_CONFIRM: 'yes' } } }));
  assert.equal(result.outcome, 'installing');
  assert.ok(!rec.some((r) => r.startsWith('confirm')));
});

test('no feed: no network request at all; from the menu the user is told', async () => {
  const { result, rec } = await check({ deps: { feedBase: '', trigger: 'menu' } });
  assert.deepEqual(result, { outcome: 'no-feed' });
  assert.deepEqual(rec, ['inform No update feed is configured for this build.']);
});

test('DESKTOP_DJANGO_UPDATE_URL overrides the built-in feed', async () => {
  const { rec } = await check({ deps: { feedBase: '', env: { DESKTOP_DJANGO_UPDATE_URL: BASE.slice(0, -1) } } });
  assert.equal(rec[0], `fetch ${BASE}release.json`);
  assert.equal(feedBase('https://a/b', {}), 'https://a/b/');
  assert.equal(feedBase('https://a/b', { DESKTOP_DJANGO_UPDATE_URL: ' ' }), 'https://a/b/');
  assert.equal(feedBase('', {}), null);
});

test('a build without a public key makes no request: updates are off', async () => {
  const { result, rec } = await check({ deps: { publicKey: '' } });
  assert.equal(result.outcome, 'failed');
  assert.match(result.message, /no update key/);
  assert.ok(!rec.some((r) => r.startsWith('fetch')));
});

test('a missing feed file is a failure, not a refusal', async () => {
  const { result, rec } = await check({ served: fs.mkdtempSync(path.join(dir, 'empty-')) });
  assert.equal(result.outcome, 'failed');
  assert.match(result.message, /HTTP 404/);
  assert.ok(!rec.includes('checkForUpdates'));
});

test('a quit under way stops the update before the installer', async () => {
  const { result, rec } = await check({ stopped: false });
  assert.deepEqual(result, { outcome: 'failed', message: 'the app is quitting' });
  assert.ok(!rec.includes('quitAndInstall'));
});

test('an installer that fails to start restarts the installed version, after update_failed', async () => {
  const { result, rec } = await check({ updater: { installFails: true } });
  assert.equal(result.outcome, 'failed');
  assert.match(result.message, /read-only/);
  assert.deepEqual(rec.slice(-3), ['quitAndInstall', 'event update_failed', 'restart']);
});

test('one check at a time', async () => {
  const first = check();
  const second = await check();
  assert.deepEqual(second.result, { outcome: 'busy' });
  assert.equal((await first).result.outcome, 'installing');
});

test('the menu tells every outcome, the start-up check only logs it', async () => {
  let { rec } = await check({ deps: { installedVersion: '0.2.0', trigger: 'menu' } });
  assert.ok(rec.includes('inform 0.2.0 is the latest version.'), rec.join(' → '));
  ({ rec } = await check({ deps: { installedVersion: '0.2.0' } }));
  assert.ok(!rec.some((r) => r.startsWith('inform')));
});

test('the addon: errors carry the exit code, a not-newer one the signed version', () => {
  const manifest = fs.readFileSync(path.join(feedDir, 'release.json'), 'utf8');
  const signature = fs.readFileSync(path.join(feedDir, 'release.json.minisig'), 'utf8');
  const now = Math.floor(Date.now() / 1000);
  const m = native.verifyRelease(manifest, signature, KEY_A, APP, '0.1.0', now);
  assert.equal(m.version, '0.2.0');
  assert.equal(m.artifacts[0].file, ARTIFACT);
  // The bare `RW…` key line is the same key.
  const bare = KEY_A.trim().split('\n').pop();
  assert.equal(native.verifyRelease(manifest, signature, bare, APP, '0.1.0', now).version, '0.2.0');
  assert.throws(() => native.verifyRelease(manifest, signature, KEY_A, APP, '0.2.0', now), (e) => e instanceof Error && e.code === 14 && e.offered === '0.2.0');
  assert.throws(() => native.verifyRelease(manifest, signature, KEY_A, APP, '0.1.0', m.expires_at), (e) => e.code === 13);
  assert.equal(native.checkArtifactFile(manifest, installer).sha256.length, 64);
  const other = path.join(dir, 'app-0.2.0-linux-x86_64.deb');
  fs.writeFileSync(other, 'x');
  assert.throws(() => native.checkArtifactFile(manifest, other), (e) => e.code === 16);
  assert.throws(() => native.checkArtifactFile('{', installer), (e) => e.code === 11);
});

test('the addon: stopForUpdate on a session never started resolves true (no backend to stop)', async () => {
  process.env.DESKTOP_DJANGO_APP_DATA_DIR = fs.mkdtempSync(path.join(dir, 'data-'));
  try {
    const host = native.prepare(['--project', path.join(WORKSPACE, 'backend')]);
    assert.equal(await native.stopForUpdate(host), true);
    assert.ok(native.info(host).appId.length > 0);
  } finally {
    delete process.env.DESKTOP_DJANGO_APP_DATA_DIR;
  }
});

test('helpers: file names of URLs and paths, the confirm variable', () => {
  assert.equal(fileNameOf('https://h/f/a-1.0.0-linux-x86_64.AppImage?x=1#y'), 'a-1.0.0-linux-x86_64.AppImage');
  assert.equal(fileNameOf('C:\\cache\\pending\\a.setup.exe'), 'a.setup.exe');
  assert.equal(confirmFromEnv({ DESKTOP_DJANGO_UPDATE_CONFIRM: 'yes' }), true);
  assert.equal(confirmFromEnv({ DESKTOP_DJANGO_UPDATE_CONFIRM: 'no' }), false);
  assert.equal(confirmFromEnv({ DESKTOP_DJANGO_UPDATE_CONFIRM: 'maybe' }), null);
});
