'use strict';
// `node scripts/copy-addon.js [debug|release]`: copies the cargo-built cdylib to
// index.node, the file electron-builder packs (and unpacks from the asar).
const fs = require('node:fs');
const path = require('node:path');
const { libName, targetDir } = require('../src/addon');

const profile = process.argv[2] || 'release';
const from = path.join(targetDir({ argv: [], env: process.env }), profile, libName());
const to = path.join(__dirname, '..', 'index.node');
if (!fs.existsSync(from)) {
  console.error(`${from} does not exist: run \`cargo build -p neon-electron-shell${profile === 'release' ? ' --release' : ''}\` first`);
  process.exit(1);
}
fs.copyFileSync(from, to);
console.log(`copied ${from} -> ${to}`);
