'use strict';
// electron-builder's Windows signing hook (`win.signtoolOptions.sign`, set by scripts/package.sh
// when WINDOWS_CERTIFICATE is set). Every file electron-builder signs goes through
// packaging/signing/codesign.py, the same Authenticode signing as the runtime's and Tauri's,
// except the frozen runtime: the stage signed it before the runtime manifest recorded each
// file's SHA-256, and a second signature would make the supervisor refuse it (C-PKG-1).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const CODESIGN = path.join(__dirname, '..', '..', '..', 'packaging', 'signing', 'codesign.py');

/** Whether `file` lies in the bundle's `resources/runtime/` folder. */
function inRuntime(file) {
  const parts = path.normalize(file).split(/[\\/]+/);
  const at = parts.indexOf('resources');
  return at >= 0 && parts[at + 1] === 'runtime';
}

/**
 * A signing hook over `exec` (child_process.execFileSync's shape). `python` runs codesign.py:
 * DESKTOP_DJANGO_SIGN_PYTHON, which package.sh sets to the backend's interpreter.
 */
function signer({ exec = execFileSync, python = process.env.DESKTOP_DJANGO_SIGN_PYTHON || 'python' } = {}) {
  return async function sign(configuration) {
    if (inRuntime(configuration.path)) return;
    exec(python, [CODESIGN, 'file', configuration.path, '--os', 'windows'], { stdio: 'inherit' });
  };
}

module.exports = { inRuntime, signer, default: signer() };
