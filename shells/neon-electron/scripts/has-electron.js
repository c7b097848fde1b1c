'use strict';
// Conformance probe (`available_if` in conformance-electron.toml): exits 0 when an Electron
// binary is installed (ELECTRON_PATH, or the `electron` npm package with its download),
// else 1 with the reason on one line.
const fs = require('node:fs');

try {
  fs.accessSync(process.env.ELECTRON_PATH || require('electron'), fs.constants.X_OK);
} catch (e) {
  console.error(`no Electron binary: ${String(e.message).split('\n')[0]}`);
  process.exit(1);
}
