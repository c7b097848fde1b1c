'use strict';
// The headless host's page scripting goes through the shell's own code: the preload
// (bridge), the guards, the window-open handler and the header rule.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const { StandInSession, StandInWebContents } = require('../node-host/headless');
const { installHeaderInjection } = require('../src/header-rule');
const { installGuards } = require('../src/guards');
const { elementsById, scripts } = require('../node-host/stand-in-page');
const { TOKEN } = require('./fakes');

function server(handler) {
  return new Promise((resolve) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

test('a page script runs through the guards, the header rule and the bridge', async () => {
  const seen = [];
  const ext = await server((req, res) => {
    seen.push({ where: 'ext', path: req.url, token: req.headers['x-desktop-django-token'] });
    res.end('x');
  });
  const extOrigin = `http://127.0.0.1:${ext.address().port}`;
  const page = `<!doctype html><a id="blank" href="${extOrigin}/blank" target="_blank">x</a><img id="img">
<script>
(async function () {
  const report = (step, data) => fetch('/r/' + step + '/?' + new URLSearchParams(data || {}));
  await report('bridge', { keys: Object.getOwnPropertyNames(window.desktop).join(','), frozen: String(Object.isFrozen(window.desktop)) });
  await window.desktop.openAppDataFolder();
  try { window.desktop = { evil: 1 }; } catch (e) {}
  await report('after', { keys: Object.getOwnPropertyNames(window.desktop).join(',') });
  await fetch('${extOrigin}/fetch');
  document.getElementById('img').src = '${extOrigin}/img';
  await report('open', { denied: String(window.open('/same/') === null && window.open('${extOrigin}/w') === null) });
  location.href = 'file:///etc/passwd';
  location.href = '${extOrigin}/nav';
  document.getElementById('blank').click();
  await new Promise((r) => setTimeout(r, 50));
  await report('done');
})();
</script>`;
  const app = await server((req, res) => {
    seen.push({ where: 'app', path: req.url, token: req.headers['x-desktop-django-token'] });
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(page);
    }
    res.writeHead(204).end();
  });
  try {
    const origin = `http://127.0.0.1:${app.address().port}`;
    const ses = new StandInSession();
    installHeaderInjection(ses, origin, TOKEN);
    const ipcCalls = [];
    const ipc = new Map([['open-app-data-folder', (event, ...args) => (ipcCalls.push([event.senderFrame.url, args]), true)]]);
    const wc = new StandInWebContents(ses, () => {}, { preload: path.join(__dirname, '..', 'src', 'preload.js'), ipc });
    const opened = [];
    const classify = (url) => (url.startsWith(`${origin}/`) ? 'allow' : /^(https?|mailto):/.test(url) ? 'external' : 'block');
    installGuards(wc, { classify, openExternal: async (u) => opened.push(u), log: () => {} });
    await wc.loadURL(`${origin}/`);
    const deadline = Date.now() + 5000;
    while (!seen.some((s) => s.path.startsWith('/r/done/')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const reports = seen.filter((s) => s.path.startsWith('/r/')).map((s) => s.path);
    assert.deepEqual(reports, [
      '/r/bridge/?keys=openAppDataFolder&frozen=true',
      '/r/after/?keys=openAppDataFolder',
      '/r/open/?denied=true',
      '/r/done/',
    ]);
    assert.deepEqual(ipcCalls, [[`${origin}/`, []]], 'the bridge sends no arguments, with the sender URL');
    assert.ok(seen.filter((s) => s.where === 'app').every((s) => s.token === TOKEN));
    const extSeen = seen.filter((s) => s.where === 'ext');
    assert.deepEqual(extSeen.map((s) => s.path).sort(), ['/fetch', '/img']);
    assert.ok(extSeen.every((s) => s.token === undefined), 'no token to another origin');
    assert.deepEqual(opened.sort(), [`${extOrigin}/blank`, `${extOrigin}/nav`, `${extOrigin}/w`]);
    assert.equal(wc.getURL(), `${origin}/`, 'the page survived every navigation attempt');
  } finally {
    app.close();
    ext.close();
  }
});

test('page parsing helpers', () => {
  const els = elementsById('<img id="a" src="/x.png"><a id=b href=\'/y?p=1&amp;q=2\' target=_blank>');
  assert.deepEqual(els.a, { tag: 'img', attrs: { id: 'a', src: '/x.png' } });
  assert.equal(els.b.attrs.href, '/y?p=1&q=2');
  const s = scripts('<script src="/a.js"></script><script>1</script><script src="http://other/b.js"></script><script type="module">2</script>', 'http://127.0.0.1:5/');
  assert.deepEqual(s, [{ url: 'http://127.0.0.1:5/a.js' }, { code: '1' }]);
});
