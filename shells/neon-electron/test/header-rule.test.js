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

// The same vectors as contract/src/navigation.rs's guard (C-SHELL-1).
const VECTORS = require('../../../testing/fixtures/exact-origin.json');

test('the exact origin gets the token header', () => {
  assert.equal(VECTORS.origin, O);
  for (const url of VECTORS.same) {
    assert.deepEqual(headersFor(url, O, T), { [TOKEN_HEADER]: T }, url);
  }
});

test('nothing else gets it: other ports, localhost, https, other hosts, other schemes', () => {
  for (const url of VECTORS.other) {
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
