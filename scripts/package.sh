#!/usr/bin/env bash
# `just package [tauri|wry] [--debug]`: installable apps with the bundled Python runtime.
#
#   1. the runtime: PyInstaller one-folder stage + desktop-runtime.json (`just package-runtime`),
#      staged once and shipped by every shell's installer as a resource (`runtime/`)
#   2. the installers, the identity (product name, app id, version) taken from
#      backend/desktop.toml and the runtime manifest:
#      - tauri: Tauri's bundler (npm @tauri-apps/cli), runtime in /usr/lib/<product name>/runtime
#      - wry: cargo-packager (npm @crabnebula/packager-linux-x64-gnu, prebuilt; shells/wry/
#        packager.cjs), a .deb with the runtime in /usr/lib/desktop-django-wry/runtime
#      - electron (only when named): electron-builder (npm, shells/neon-electron), the runtime in
#        resources/runtime and the neon addon unpacked from the asar; Electron's binary comes from
#        GitHub, so here only `--bundles dir` with ELECTRON_DIST (an unpacked Electron, e.g. a
#        stand-in for the layout test in test-package.sh) runs
#   3. SHA256SUMS over every artifact in target/package/ (`sha256sum -c SHA256SUMS` checks it)
#
# With no shell it builds every shell that ships from this machine: Tauri everywhere, wry on
# Linux x86_64 (where the prebuilt cargo-packager exists) when `deb` is among the bundles.
# The bundle kinds default to this OS's installer: Linux `deb`, macOS `dmg`, Windows `nsis`;
# `--bundles deb,rpm,appimage` picks others (Tauri; wry builds `deb` only). Built here (Debian):
# deb and rpm. AppImage, DMG, NSIS and the Electron installers download their tools from GitHub
# and are built by .github/workflows/packages.yml. `--debug` bundles the debug build (what the
# test suite installs: it shares the tests' build); releases use the default.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

profile="release" flag="" bundles="" shells="" reuse_runtime=0
case "$(uname -s)" in
  Darwin) os=macos bundles=dmg ;;
  MINGW* | MSYS* | CYGWIN*) os=windows bundles=nsis ;;
  *) os=linux bundles=deb ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile="debug" flag="--debug" ;;
    --bundles) bundles="${2:?--bundles needs a list, e.g. deb,rpm}"; shift ;;
    # The runtime staged by an earlier run of this script (tests that just staged it).
    --reuse-runtime) reuse_runtime=1 ;;
    tauri | wry | electron) shells="$shells $1" ;;
    *) fail "usage: just package [tauri|wry|electron] [--debug] [--bundles deb,rpm,appimage,dmg,nsis,zip,dir] [--reuse-runtime]" ;;
  esac
  shift
done
arch="$(uname -m)"
has_deb=0
case ",$bundles," in *,deb,*) has_deb=1 ;; esac
# Where the wry .deb can be built: cargo-packager's prebuilt binding on npm is Linux x64 (glibc).
wry_here=""
if [ "$os" != linux ] || [ "$arch" != x86_64 ]; then
  wry_here="the wry .deb is built on Linux x86_64 only (cargo-packager's prebuilt npm binding)"
elif [ $has_deb = 0 ]; then
  wry_here="the wry shell is packaged as a .deb only (bundles: $bundles)"
fi
if [ -z "$shells" ]; then
  shells="tauri"
  if [ -z "$wry_here" ]; then shells="tauri wry"; else printf '    %s\n' "wry: skipped: $wry_here"; fi
else
  case " $shells " in *" wry "*) [ -z "$wry_here" ] || fail "just package wry: $wry_here" ;; esac
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/package"
runtime="$out/runtime"
manifest="$runtime/desktop-runtime.json"
py="$root/backend/.venv/bin/python"
[ -x "$py" ] || py="$root/backend/.venv/Scripts/python.exe"

if [ $reuse_runtime = 1 ] && [ -f "$manifest" ]; then
  step "Reusing the staged runtime in $runtime"
else
  step "Staging the Python runtime (PyInstaller, about 1-2 min)"
  (cd "$root/backend" && "$py" ../packaging/runtime/stage.py)
fi
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
# Installers of earlier runs (of any shell) would end up in SHA256SUMS: only this run's are kept.
# An unpacked build (`--bundles dir`) makes no installer and leaves them alone.
[ "$bundles" = dir ] || find "$out" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.exe' -o -name '*.msi' \) -delete
artifacts=()

package_tauri() {
  local config kind dir found ext artifact
  step "Bundling $product $version with Tauri ($bundles, $profile build; builds the shell first)"
  # Updates (C-PKG-3): the public key and the default feed are built into the app, from
  # DESKTOP_DJANGO_UPDATE_PUBKEY (the minisign .pub file's text, or its `RW…` line) and
  # DESKTOP_DJANGO_UPDATE_URL (the feed's base URL); without a key the app never updates.
  # Code signing (docs/release.md): the runtime was signed while staging; here the app itself.
  # macOS: Tauri signs with APPLE_SIGNING_IDENTITY, with the hardened runtime and our
  # entitlements. Windows: Tauri runs packaging/signing/codesign.py on the app and the installer.
  config="$("$py" - "$product" "$app_id" "$version" "$runtime" "$root/packaging/signing" <<'PY'
import base64, json, os, sys
product, app_id, version, runtime, signing = sys.argv[1:]
config = {"productName": product, "identifier": app_id, "version": version,
          # Without these the package manager would show the shell crate's Cargo description.
          "bundle": {"resources": {runtime + "/": "runtime/"},
                     "shortDescription": f"{product}, a Django app in a desktop window",
                     "longDescription": f"{product}, a Django app in a desktop window (Tauri shell)"}}
if sys.platform == "darwin":
    config["bundle"]["macOS"] = {"hardenedRuntime": True,
                                 "entitlements": os.path.join(signing, "entitlements.plist")}
if os.environ.get("WINDOWS_CERTIFICATE", "").strip():
    config["bundle"]["windows"] = {"signCommand": {
        "cmd": sys.executable,
        "args": [os.path.join(signing, "codesign.py"), "file", "%1", "--os", "windows"]}}
key = os.environ.get("DESKTOP_DJANGO_UPDATE_PUBKEY", "").strip()
if key:
    if "\n" not in key:
        key = "untrusted comment: minisign public key\n" + key
    updater = {"pubkey": base64.b64encode((key + "\n").encode()).decode()}
    url = os.environ.get("DESKTOP_DJANGO_UPDATE_URL", "").strip()
    if url:
        updater["endpoints"] = [url.rstrip("/") + "/latest.json"]
    config["plugins"] = {"updater": updater}
print(json.dumps(config))
PY
  )"
  if [ -n "${DESKTOP_DJANGO_UPDATE_PUBKEY:-}" ]; then printf '    %s\n' "updates: signed by the key in DESKTOP_DJANGO_UPDATE_PUBKEY, feed ${DESKTOP_DJANGO_UPDATE_URL:-(none built in)}"; fi
  (cd "$root/shells/tauri" && npx --no-install tauri build $flag --bundles "$bundles" --config "$config")
  # Tauri names artifacts after the product with spaces; ours carry product, shell, version, OS, arch.
  for kind in ${bundles//,/ }; do
    dir="$target_dir/$profile/bundle/$kind"
    found="$(find "$dir" -maxdepth 1 -type f -newer "$manifest" \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*-setup.exe' -o -name '*.msi' \) | head -n 1)"
    [ -n "$found" ] || fail "Tauri wrote no $kind bundle in $dir"
    ext="${found##*.}"
    [ "$kind" = nsis ] && ext="setup.exe"
    artifact="$out/$slug-tauri-$version-$os-$arch.$ext"
    cp "$found" "$artifact"
    artifacts+=("$artifact")
  done
}

# The wry .deb: cargo-packager with the runtime as a resource. It puts /usr/bin/<binary> and
# /usr/lib/<binary>/runtime, where contract::launch finds the runtime from the binary's own
# path; the Debian package is the kebab-cased product name, so "<product> (wry)" makes it
# <slug>-wry, which installs beside the Tauri package.
package_wry() {
  local release=() bin="desktop-django-wry" bundle_dir="$target_dir/$profile/bundle/wry"
  [ "$profile" = release ] && release=(--release)
  step "Building the wry shell ($profile build)"
  (cd "$root" && cargo build -p wry-shell "${release[@]}")
  step "Bundling $product $version with cargo-packager (wry: deb)"
  rm -rf "$bundle_dir"
  local config
  config="$("$py" - "$product" "$app_id" "$version" "$runtime" "$target_dir/$profile" "$bundle_dir" "$bin" "$root" <<'PY'
import json, sys
product, app_id, version, runtime, binaries, out, binary, root = sys.argv[1:]
icons = f"{root}/shells/tauri/icons"
print(json.dumps({
    "productName": f"{product} (wry)", "identifier": app_id, "version": version,
    "description": f"{product}, a Django app in a desktop window (wry shell)",
    "authors": ["desktop-django"], "category": "Productivity",
    "binariesDir": binaries, "outDir": out, "formats": ["deb"],
    "binaries": [{"path": binary, "main": True}],
    "resources": [{"src": runtime + "/", "target": "runtime"}],
    "icons": [f"{icons}/32x32.png", f"{icons}/128x128.png", f"{icons}/128x128@2x.png"],
    "deb": {"depends": ["libwebkit2gtk-4.1-0", "libgtk-3-0"]},
}))
PY
)"
  node "$root/shells/wry/packager.cjs" --config "$config" --formats deb
  local found
  found="$(find "$bundle_dir" -maxdepth 1 -type f -name '*.deb' | head -n 1)"
  [ -n "$found" ] || fail "cargo-packager wrote no .deb in $bundle_dir"
  local want="$slug-wry"
  [ "$(dpkg-deb -f "$found" Package)" = "$want" ] || fail "the wry .deb is package $(dpkg-deb -f "$found" Package), not $want"
  local artifact="$out/$slug-wry-$version-$os-$arch.deb"
  cp "$found" "$artifact"
  artifacts+=("$artifact")
}

# Electron: electron-builder, configured here from the same identity (desktop.toml, the runtime
# manifest) as the other installers, so package.json holds no second copy of it.
package_electron() {
  local dir="$root/shells/neon-electron" bundle_dir="$target_dir/$profile/bundle/electron" config
  local cargo_profile=(--release)
  [ "$profile" = release ] || cargo_profile=()
  step "Building the Electron shell's addon ($profile build)"
  (cd "$root" && cargo build -p neon-electron-shell "${cargo_profile[@]}")
  (cd "$dir" && node scripts/copy-addon.js "$profile")
  step "Bundling $product $version with electron-builder ($bundles)"
  rm -rf "$bundle_dir"
  config="$bundle_dir.json"
  "$py" - "$product" "$app_id" "$version" "$runtime" "$bundle_dir" "$slug" "$bundles" "$os" "$root" \
    > "$config" <<'PY'
import json, os, sys
product, app_id, version, runtime, out, slug, bundles, os_name, root = sys.argv[1:]
# Our bundle kinds in electron-builder's words; `dir` is the unpacked app alone.
names = {"deb": "deb", "rpm": "rpm", "appimage": "AppImage", "dmg": "dmg", "zip": "zip",
         "nsis": "nsis", "dir": "dir"}
targets = [names[b] for b in bundles.split(",")]
platform = {"linux": "linux", "macos": "mac", "windows": "win"}[os_name]
config = {
    "appId": app_id, "productName": product, "executableName": f"{slug}-electron",
    # The update key and feed built into the app (C-PKG-3), as for Tauri: package.json's
    # desktopDjango fields, read by src/update.js; empty means the app never updates.
    "extraMetadata": {"version": version, "desktopDjango": {
        "updateUrl": os.environ.get("DESKTOP_DJANGO_UPDATE_URL", "").strip(),
        "updatePublicKey": os.environ.get("DESKTOP_DJANGO_UPDATE_PUBKEY", "").strip()}},
    "directories": {"output": out},
    "files": ["src/**/*", "index.node", "package.json"],
    # A native addon cannot load from inside an asar archive.
    "asarUnpack": ["**/*.node"],
    "extraResources": [{"from": runtime, "to": "runtime"},
                       {"from": os.path.join(root, "assets", "brand"), "to": "brand"}],
    platform: {"target": targets},
    "publish": None,
}
if platform == "linux":
    config["linux"]["category"] = "Office"
# Code signing (docs/release.md). The stage signed the runtime before its manifest recorded
# each file's SHA-256: electron-builder must not sign it again (the supervisor would refuse
# it, C-PKG-1), so macOS skips it and Windows goes through scripts/sign-windows.js.
identity = os.environ.get("APPLE_SIGNING_IDENTITY", "").strip()
if platform == "mac":
    config["mac"].update({"identity": identity or None, "signIgnore": ["/Contents/Resources/runtime/"],
                          "notarize": bool(identity and os.environ.get("APPLE_API_KEY_ID"))})
if platform == "win" and os.environ.get("WINDOWS_CERTIFICATE", "").strip():
    config["win"]["signtoolOptions"] = {
        "sign": os.path.join(root, "shells", "neon-electron", "scripts", "sign-windows.js")}
dist = os.environ.get("ELECTRON_DIST", "").strip()
if dist:
    # An unpacked Electron instead of the download from GitHub.
    config["electronDist"] = dist
print(json.dumps(config, indent=1))
PY
  local platform_flag=--linux
  case "$os" in macos) platform_flag=--mac ;; windows) platform_flag=--win ;; esac
  (cd "$dir" && DESKTOP_DJANGO_SIGN_PYTHON="$py" npx --no-install electron-builder "$platform_flag" \
    --config "$config" --publish never)
  local found ext artifact kind
  for kind in ${bundles//,/ }; do
    [ "$kind" = dir ] && continue
    case "$kind" in appimage) ext=AppImage ;; nsis) ext=exe ;; *) ext="$kind" ;; esac
    found="$(find "$bundle_dir" -maxdepth 1 -type f -name "*.$ext" | head -n 1)"
    [ -n "$found" ] || fail "electron-builder wrote no $kind in $bundle_dir"
    [ "$kind" = nsis ] && ext="setup.exe"
    artifact="$out/$slug-electron-$version-$os-$arch.$ext"
    cp "$found" "$artifact"
    artifacts+=("$artifact")
  done
  printf '    %s\n' "electron: $bundle_dir"
}

for shell in $shells; do "package_$shell"; done

step "Writing SHA256SUMS"
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
(cd "$out" && ls -p | grep -v / | grep -vx SHA256SUMS | LC_ALL=C sort | while read -r f; do sha256 "$f"; done > SHA256SUMS)
(cd "$out" && sha256 -c SHA256SUMS >/dev/null)
for a in "${artifacts[@]}"; do printf '    %s\n' "$(du -h "$a" | cut -f1) $a"; done
printf '    %s\n' "checksums: $out/SHA256SUMS"
