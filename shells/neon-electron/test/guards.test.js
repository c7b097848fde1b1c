'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const { installGuards } = require('../src/guards');
const { loadNative } = require('../src/addon');

class FakeWebContents extends EventEmitter {
  setWindowOpenHandler(h) {
    this.openHandler = h;
  }
}

function navigate(wc, name, url) {
  const event = { url, prevented: false, preventDefault() { this.prevented = true; } };
  wc.emit(name, event, url);
  return !event.prevented;
}

/** The real policy: the contract crate's navigation::classify through the addon. */
function realClassify(origin) {
  const native = loadNative();
  return (url) => native.classifyUrl(url, origin);
}

function setup(classify) {
  const wc = new FakeWebContents();
  const opened = [];
  const logs = [];
  installGuards(wc, { classify, openExternal: async (u) => opened.push(u), log: (m) => logs.push(m) });
  return { wc, opened, logs };
}

const O = 'http://127.0.0.1:43817';

for (const [name, classify] of [
  ['the contract policy (addon)', () => realClassify(O)],
]) {
  test(`navigation guard with ${name}`, async () => {
    const { wc, opened } = setup(classify());
    for (const ev of ['will-navigate', 'will-redirect']) {
      assert.equal(navigate(wc, ev, `${O}/ponies/`), true, `${ev} same origin`);
      assert.equal(navigate(wc, ev, `${O}/?q=1`), true);
      for (const url of [
        'http://127.0.0.1:43818/',
        'http://localhost:43817/',
        'https://127.0.0.1:43817/',
        'https://example.com/docs',
        'mailto:someone@example.com',
      ]) {
        assert.equal(navigate(wc, ev, url), false, `${ev} ${url} stays out of the window`);
      }
      for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'about:blank', 'ftp://x/']) {
        assert.equal(navigate(wc, ev, url), false, `${ev} ${url} is blocked`);
      }
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened.sort(), [
      'http://127.0.0.1:43818/',
      'http://127.0.0.1:43818/',
      'http://localhost:43817/',
      'http://localhost:43817/',
      'https://127.0.0.1:43817/',
      'https://127.0.0.1:43817/',
      'https://example.com/docs',
      'https://example.com/docs',
      'mailto:someone@example.com',
      'mailto:someone@example.com',
    ]);
  });

  test(`window.open is always denied with ${name}`, async () => {
    const { wc, opened } = setup(classify());
    for (const url of [`${O}/ponies/`, 'https://example.com/', 'javascript:alert(1)', 'file:///x', '']) {
      assert.deepEqual(wc.openHandler({ url }), { action: 'deny' }, url);
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened, ['https://example.com/'], 'only the external http(s) link goes to the browser');
  });
}

test('sub-frames get the policy; <webview> never attaches', () => {
  const { wc } = setup(realClassify(O));
  const frame = (url) => {
    const d = { url, isMainFrame: false, prevented: false, preventDefault() { this.prevented = true; } };
    wc.emit('will-frame-navigate', d);
    return !d.prevented;
  };
  assert.equal(frame(`${O}/x`), true);
  assert.equal(frame('javascript:alert(1)'), false);
  const e = { prevented: false, preventDefault() { this.prevented = true; } };
  wc.emit('will-attach-webview', e);
  assert.equal(e.prevented, true);
});

test('openExternal never receives a scheme other than http, https, mailto', async () => {
  // Even a policy that wrongly said "external" cannot make the shell open file: URLs.
  const { wc, opened } = setup(() => 'external');
  navigate(wc, 'will-navigate', 'file:///etc/passwd');
  wc.openHandler({ url: 'javascript:alert(1)' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(opened, []);
});

test('before the backend is ready nothing is allowed in the window', () => {
  const native = loadNative();
  assert.equal(native.classifyUrl(`${O}/`, null), 'external');
  assert.equal(native.classifyUrl('file:///x', null), 'block');
});
