#!/usr/bin/env bash
# `just package [shell] [--debug]`: an installable app with the bundled Python runtime.
#
#   1. the runtime: PyInstaller one-folder stage + desktop-runtime.json (`just package-runtime`)
#   2. the installer: Tauri's bundler with the runtime as a resource (`runtime/`), the identity
#      (product name, app id, version) taken from backend/desktop.toml and the runtime manifest
#   3. SHA256SUMS over every artifact in target/package/ (`sha256sum -c SHA256SUMS` checks it)
#
# Here (Linux): the Tauri .deb. AppImage, DMG, NSIS and the Electron installers download their
# tools from GitHub and are built by .github/workflows/packages.yml. `--debug` bundles the debug
# build (what the test suite installs: it shares the tests' build); releases use the default.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

shell="tauri" profile="release" flag=""
for arg in "$@"; do
  case "$arg" in
    --debug) profile="debug" flag="--debug" ;;
    tauri) shell="$arg" ;;
    wry | electron) fail "just package $arg: not built here yet; the Tauri .deb is (docs/release.md)" ;;
    *) fail "usage: just package [tauri] [--debug]" ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/package"
runtime="$out/runtime"
manifest="$runtime/desktop-runtime.json"
py="$root/backend/.venv/bin/python"
[ -x "$py" ] || py="$root/backend/.venv/Scripts/python.exe"

step "Staging the Python runtime (PyInstaller, about 1-2 min)"
(cd "$root/backend" && "$py" ../packaging/runtime/stage.py)
[ -f "$manifest" ] || fail "the stage wrote no $manifest"

# The identity, from the one place each value is defined: desktop.toml (names) and the runtime
# manifest (the version, itself from backend/pyproject.toml).
read -r product app_id version < <("$py" - "$root/backend/desktop.toml" "$manifest" <<'PY'
import json, sys, tomllib
toml = tomllib.load(open(sys.argv[1], "rb"))
manifest = json.load(open(sys.argv[2]))
print(toml["product_name"].replace(" ", "\x1f"), toml["app_id"], manifest["app_version"])
PY
)
product="${product//$'\x1f'/ }"
slug="$(tr '[:upper:] ' '[:lower:]-' <<<"$product")"
arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"

step "Bundling $product $version (Tauri .deb, $profile build)"
config="$("$py" -c 'import json, sys; print(json.dumps({"productName": sys.argv[1], "identifier": sys.argv[2], "version": sys.argv[3], "bundle": {"resources": {sys.argv[4] + "/": "runtime/"}}}))' "$product" "$app_id" "$version" "$runtime")"
(cd "$root/shells/tauri" && npx --no-install tauri build $flag --bundles deb --config "$config")
bundle_dir="$target_dir/$profile/bundle/deb"
deb="$(ls -t "$bundle_dir"/*"_${version}_${arch}.deb" | head -n 1)"
[ -f "$deb" ] || fail "Tauri wrote no .deb in $bundle_dir"
artifact="$out/$slug-$version-linux-$arch.deb"
cp "$deb" "$artifact"

step "Writing SHA256SUMS"
(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort | xargs -r sha256sum > SHA256SUMS)
(cd "$out" && sha256sum -c --quiet SHA256SUMS)
printf '    %s\n' "$(du -h "$artifact" | cut -f1) $artifact" "checksums: $out/SHA256SUMS"
