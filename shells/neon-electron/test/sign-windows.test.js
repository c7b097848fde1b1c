'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { inRuntime, signer } = require('../scripts/sign-windows');

test('the frozen runtime keeps the signature its manifest recorded; everything else is signed', async () => {
  const calls = [];
  const sign = signer({ exec: (...args) => calls.push(args), python: 'py' });
  const app = path.join('dist', 'win-unpacked');
  await sign({ path: path.join(app, 'resources', 'runtime', 'desktop-backend', 'desktop-backend.exe') });
  await sign({ path: path.join(app, 'flying-stable-electron.exe') });
  await sign({ path: path.join('dist', 'Flying Stable Setup 0.1.0.exe') });
  assert.deepEqual(
    calls.map(([program, args]) => [program, args.slice(1)]),
    [
      ['py', ['file', path.join(app, 'flying-stable-electron.exe'), '--os', 'windows']],
      ['py', ['file', path.join('dist', 'Flying Stable Setup 0.1.0.exe'), '--os', 'windows']],
    ],
  );
  assert.match(calls[0][1][0], /packaging[\\/]signing[\\/]codesign\.py$/);
});

test('only resources/runtime counts as the runtime', () => {
  assert.equal(inRuntime('C:\\app\\resources\\runtime\\x.dll'), true);
  assert.equal(inRuntime('/app/resources/runtime/desktop-backend/lib.so'), true);
  assert.equal(inRuntime('/app/runtime/x.exe'), false);
  assert.equal(inRuntime('/app/resources/app.asar.unpacked/index.node'), false);
});
