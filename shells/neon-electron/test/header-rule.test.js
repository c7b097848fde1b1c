'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  TOKEN_HEADER,
  isExactOrigin,
  headersFor,
  applyHeaderRule,
  installHeaderInjection,
  normalizeOrigin,
} = require('../src/header-rule');

const O = 'http://127.0.0.1:43817';
const T = 'a'.repeat(64);

test('the exact origin gets the token header', () => {
  for (const url of [
    'http://127.0.0.1:43817/',
    'http://127.0.0.1:43817',
    'http://127.0.0.1:43817/ponies/?q=1#x',
    'HTTP://127.0.0.1:43817/static/app.css',
    'http://127.0.0.1:43817/desktop-auth/ticket/',
  ]) {
    assert.deepEqual(headersFor(url, O, T), { [TOKEN_HEADER]: T }, url);
  }
});

test('nothing else gets it: other ports, localhost, https, other hosts, other schemes', () => {
  for (const url of [
    'http://127.0.0.1:43818/',
    'http://127.0.0.1:4381/',
    'http://127.0.0.1:438170/',
    'http://127.0.0.1/',
    'http://127.0.0.1:80/',
    'http://localhost:43817/',
    'http://LOCALHOST:43817/',
    'https://127.0.0.1:43817/',
    'ws://127.0.0.1:43817/',
    'http://[::1]:43817/',
    'http://0.0.0.0:43817/',
    'http://127.0.0.2:43817/',
    'http://127.0.0.1.:43817/',
    'http://2130706433:43817/',
    'http://127.1:43817/',
    'http://127.0.0.1:43817.evil.example/',
    'http://127.0.0.1:43817@evil.example/',
    'http://user:pw@127.0.0.1:43817/',
    'http://evil.example/?u=http://127.0.0.1:43817/',
    'https://example.com/',
    'file:///etc/passwd',
    'data:text/html,x',
    'about:blank',
    'not a url',
    '',
  ]) {
    assert.deepEqual(headersFor(url, O, T), {}, url);
    assert.equal(isExactOrigin(url, O), false, url);
  }
});

test('only a well-formed backend origin counts', () => {
  assert.equal(normalizeOrigin(O), O);
  assert.equal(normalizeOrigin(`${O}/`), O);
  for (const bad of ['http://localhost:1', 'https://127.0.0.1:1', 'http://127.0.0.1', `${O}/x`, 'nope', '']) {
    assert.equal(normalizeOrigin(bad), null, bad);
    assert.deepEqual(headersFor(`${O}/`, bad, T), {}, bad);
  }
  assert.deepEqual(headersFor(`${O}/`, O, ''), {}, 'no token, no header');
});

test('applyHeaderRule keeps other headers and drops a forged token header elsewhere', () => {
  const base = { Accept: '*/*', 'x-desktop-django-token': 'forged' };
  assert.deepEqual(applyHeaderRule('http://localhost:43817/', base, O, T), { Accept: '*/*' });
  assert.deepEqual(applyHeaderRule(`${O}/`, base, O, T), { Accept: '*/*', [TOKEN_HEADER]: T });
  assert.deepEqual(base, { Accept: '*/*', 'x-desktop-django-token': 'forged' }, 'input untouched');
});

test('installHeaderInjection wires onBeforeSendHeaders through the same rule', () => {
  let listener = null;
  let filter = null;
  const session = { webRequest: { onBeforeSendHeaders: (f, l) => ((filter = f), (listener = l)) } };
  installHeaderInjection(session, O, T);
  assert.deepEqual(filter, { urls: ['<all_urls>'] });
  const run = (url) => {
    let out;
    listener({ url, requestHeaders: { A: '1' } }, (r) => (out = r));
    return out.requestHeaders;
  };
  assert.deepEqual(run(`${O}/ponies/`), { A: '1', [TOKEN_HEADER]: T });
  assert.deepEqual(run('http://localhost:43817/'), { A: '1' });
  assert.deepEqual(run('https://127.0.0.1:43817/'), { A: '1' });
  assert.deepEqual(run('http://127.0.0.1:1/'), { A: '1' });
  assert.throws(() => installHeaderInjection(session, 'http://localhost:1', T));
});
