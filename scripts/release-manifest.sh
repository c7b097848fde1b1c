#!/usr/bin/env bash
# `just release-manifest`: sign release.json for the installers in target/package/ (C-PKG-3).
# The secret key comes from DESKTOP_DJANGO_SIGNING_KEY (the text of a minisign secret key file;
# its password, if any, in DESKTOP_DJANGO_SIGNING_KEY_PASSWORD), never from the repository.
# MIN_VERSION (default 0.0.0) is the oldest installed version the release may update;
# EXPIRES_IN_DAYS (default 90) when updaters start refusing it. BASE_URL, where the files will be
# served from, also writes the updater feed (latest.json and a .sig per installer).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${CARGO_TARGET_DIR:-$root/target}/package"
manifest="$out/runtime/desktop-runtime.json"
[ -f "$manifest" ] || { echo "error: no $manifest: run \`just package\` first" >&2; exit 1; }
[ -n "${DESKTOP_DJANGO_SIGNING_KEY:-}" ] || {
  echo "error: set DESKTOP_DJANGO_SIGNING_KEY to your minisign secret key (\`desktop-django keygen\` makes a test pair)" >&2
  exit 1
}
read -r app_id version < <(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["app_id"], m["app_version"])' "$manifest")
shopt -s nullglob
artifacts=()
# The feed keys installers by OS, arch and kind, one each, so it serves one shell: Tauri's. The
# wry shell has no updater, and Electron's installers (packages.yml builds them too) would take
# the Tauri ones' places. SHA256SUMS still lists them all.
for a in "$out"/*-"$version"-*.{deb,rpm,AppImage,dmg,setup.exe,msi,tar.gz}; do
  case "$(basename "$a")" in *-wry-"$version"-* | *-electron-"$version"-*) ;; *) artifacts+=("$a") ;; esac
done
[ ${#artifacts[@]} -gt 0 ] || { echo "error: no artifacts of version $version in $out" >&2; exit 1; }
printf '\033[1;36m==>\033[0m %s\n' "Signing release.json for $app_id $version (${#artifacts[@]} artifacts)"
cargo run -q -p cli -- release-manifest --app-id "$app_id" --version "$version" \
  --min-version "${MIN_VERSION:-0.0.0}" --expires-in-days "${EXPIRES_IN_DAYS:-90}" \
  ${BASE_URL:+--base-url "$BASE_URL"} --out "$out/release.json" "${artifacts[@]}"
