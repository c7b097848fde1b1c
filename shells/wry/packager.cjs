// `node packager.cjs <cargo-packager args>`: cargo-packager's own CLI, run from the prebuilt
// binding CrabNebula publishes on npm. The registry carries only the Linux x64 (glibc) binding,
// not the `@crabnebula/packager` wrapper that would pick one per platform, so this file is that
// wrapper for the one platform scripts/package.sh builds the wry .deb on.
"use strict";

let packager;
try {
  packager = require("@crabnebula/packager-linux-x64-gnu");
} catch (e) {
  console.error(
    `cargo-packager (npm @crabnebula/packager-linux-x64-gnu) is not installed for ${process.platform}-${process.arch}: ` +
      "the wry .deb is built on Linux x64 only (run scripts/setup.sh npm there)",
  );
  process.exit(1);
}
try {
  packager.cli(process.argv.slice(2), "cargo-packager");
} catch (e) {
  console.error(`cargo-packager: ${e.message}`);
  process.exit(1);
}
