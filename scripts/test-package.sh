#!/usr/bin/env bash
# `just test-package`: the Tauri and wry .debs, proven as a user gets them (C-PKG-1, C-PKG-2).
#
#   1. build both (`just package --debug`: one staged runtime, two installers), install the
#      Tauri one with dpkg into this system
#   2. launch the INSTALLED binary under Xvfb with an empty environment: no PATH (so no Python),
#      cwd outside the checkout, the checkout's backend/.venv moved away; it must reach
#      `window_loaded` on the demo page, serve it from the frozen runtime, quit with exit 0 and
#      leave no process behind
#   3. the conformance matrix's installed-package row (tauri-deb): every clause, C-PKG-1..3 too
#      (and wry-deb in step 5)
#   4. modify the installed desktop-backend: the app must refuse it (startup error, exit != 0)
#   5. the wry .deb (cargo-packager), installed beside the Tauri one: the same launch of its
#      installed binary, which must run the runtime in its own /usr/lib/desktop-django-wry;
#      then `dpkg --purge` removes it and leaves the Tauri package alone
#   6. `dpkg -r` and `dpkg --purge` of the Tauri package: the user's app-data dir and database
#      are untouched
#   7. updates, A to B, and every bad update refused: scripts/test-update.sh
#
# Installing needs root (CI runs as root) or passwordless sudo; without either this prints why
# it is skipped and exits 0 — the package is still built and checksummed by `just package`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] && command -v dpkg >/dev/null \
  || { echo "test-package: skipped: the .deb test needs Debian/Ubuntu (other OSes: packages.yml)"; exit 0; }
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || { echo "test-package: SKIPPED: installing a .deb needs root or passwordless sudo (CI runs as root)"; exit 0; }
  sudo="sudo -n"
fi

# The update test (scripts/test-update.sh) needs A built with an update key: a test key pair,
# made once and kept in the target dir, never in the repository.
keys="${CARGO_TARGET_DIR:-$root/target}/test-update-keys"
[ -f "$keys/desktop-django.pub" ] || (cd "$root" && cargo run -q -p cli -- keygen --out-dir "$keys" >/dev/null)
export DESKTOP_DJANGO_UPDATE_PUBKEY="$(cat "$keys/desktop-django.pub")"
"$root/scripts/package.sh" --debug
# The events file through contract's own event list (testing/harness: events-file), never grep.
events() { "${CARGO_TARGET_DIR:-$root/target}/debug/events-file" "$@"; }
(cd "$root" && cargo build -q -p harness --bin events-file)
out="${CARGO_TARGET_DIR:-$root/target}/package"
deb="$(ls -t "$out"/*-tauri-*-linux-*.deb | head -n 1)"
pkg="$(dpkg-deb -f "$deb" Package)"
binary="/usr/bin/desktop-django-tauri"
# package.sh builds the wry .deb where cargo-packager's prebuilt binding exists (Linux x86_64).
wry_deb="$(ls -t "$out"/*-wry-*-linux-*.deb 2>/dev/null | head -n 1 || true)"
wry_pkg="" wry_binary="/usr/bin/desktop-django-wry"

work="$(mktemp -d "${TMPDIR:-/tmp}/test-package.XXXXXX")"
venv="$root/backend/.venv" hidden="$root/backend/.venv.hidden-by-test-package"
cleanup() {
  [ -d "$hidden" ] && mv "$hidden" "$venv"
  $sudo dpkg --purge "$pkg" >/dev/null 2>&1 || true
  [ -z "$wry_pkg" ] || $sudo dpkg --purge "$wry_pkg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# B's build (test-update.sh) replaces the installers in $out: keep A's.
cp "$deb" "$work/" && deb="$work/$(basename "$deb")"
if [ -n "$wry_deb" ]; then cp "$wry_deb" "$work/" && wry_deb="$work/$(basename "$wry_deb")"; fi

step "Installing $(basename "$deb") (dpkg -i)"
$sudo dpkg -i "$deb" >/dev/null
resources="$(dpkg -L "$pkg" | grep '/runtime/desktop-runtime.json$' | head -n 1)"
[ -n "$resources" ] || fail "the package installs no runtime manifest"
backend="$(dirname "$resources")/desktop-backend/desktop-backend"
note "installed: $binary; runtime: $(dirname "$resources")"

# One launch of an installed app ($2, default the Tauri binary) with nothing from the
# developer's machine: no PATH, no DESKTOP_DJANGO_PYTHON, cwd in a temp dir, HOME in a temp dir
# (so the app data lands in its real default place, XDG data dir). Prints the exit status; the
# events are in $1/events.jsonl.
launch() {
  local dir="$1" bin="${2:-$binary}" marker="test-package-$RANDOM$RANDOM"
  mkdir -p "$dir/home" "$dir/cwd"
  (cd "$dir/cwd" && dbus-run-session -- xvfb-run -a sh -c 'exec env -i \
      DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" \
      HOME="$1/home" PATH=/nonexistent LANG=C.UTF-8 \
      DESKTOP_DJANGO_EVENTS="$1/events.jsonl" DESKTOP_DJANGO_AUTOQUIT_MS=1500 \
      DESKTOP_DJANGO_TEST_MARKER="$2" "$3"' sh "$dir" "$marker" "$bin" \
      >"$dir/stdout" 2>"$dir/stderr") && status=0 || status=$?
  # Nothing the app started may outlive it by more than 3000 ms (C-PROC-5).
  local left=""
  for _ in $(seq 30); do
    left="$(grep -lzx "DESKTOP_DJANGO_TEST_MARKER=$marker" /proc/[0-9]*/environ 2>/dev/null | head -n 3 || true)"
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -z "$left" ] || fail "processes outlived the app: $left"
  echo "$status"
}

app_id="$(sed -n 's/^app_id *= *"\(.*\)".*/\1/p' "$(dirname "$resources")/desktop.toml")"
app_data_of() { echo "$1/home/.local/share/$app_id"; }

step "Launching the installed app: no Python on PATH, backend/.venv moved away"
mv "$venv" "$hidden"
run="$work/run"
status="$(launch "$run")"
data="$(app_data_of "$run")"
[ "$status" = 0 ] || { cat "$run/stderr" "$data/logs/shell.log" 2>/dev/null | tail -n 30; fail "the app exited with $status"; }
events find "$run/events.jsonl" window_loaded >/dev/null || fail "no window_loaded event: $(cat "$run/events.jsonl")"
grep -q "spawning web: $backend desktop_serve (mode packaged" "$data/logs/shell.log" \
  || fail "the web role did not run the bundled runtime: $(grep spawning "$data/logs/shell.log")"
# A page and its static files (collected into the bundle, served by WhiteNoise) reached the webview.
served() { grep '"method": "GET"' "$data/logs/access.log" | grep '"status": 200' | grep -v '"path": "/health/' | grep -q "$1"; }
served '"path": "/' || fail "no page was served: $(tail -n 5 "$data/logs/access.log")"
served '"path": "/static/' || fail "no static file was served: $(tail -n 8 "$data/logs/access.log")"
[ -f "$data/app.sqlite3" ] || fail "no database in $data"
note "window_loaded, served from $backend, exit 0, nothing left running"
t_ms() { events find "$run/events.jsonl" "$1" --field t_ms; }
note "sizes: .deb $(du -k "$deb" | cut -f1) KiB, installed $(dpkg-query -W -f='${Installed-Size}' "$pkg") KiB, runtime $(du -sk "$(dirname "$resources")" | cut -f1) KiB"
note "first launch (fresh app data: migrate + seed): backend_ready at $(t_ms backend_ready) ms, window_loaded at $(t_ms window_loaded) ms"
mv "$hidden" "$venv"

# The matrix's installed-package row: every clause on the installed app, C-PKG-1..3 included.
# Launches that inject faults run the installed binary on a dev-mode project (host_command), so
# the checkout's venv is back in place.
# conformance_row <row>: the suite on one installed-package row (shells/*/conformance-deb.toml).
conformance_row() {
  step "Conformance: the installed-package row $1"
  (cd "$root" && DESKTOP_DJANGO_CONFORMANCE_SHELLS="$1" cargo test -q -p conformance --test clauses 2>&1 \
    | grep -E '^conformance: |^test result|panicked|FAIL' | sed 's/^/    /') \
    || fail "the installed-package row $1 failed (full output: DESKTOP_DJANGO_CONFORMANCE_SHELLS=$1 cargo test -p conformance --test clauses)"
}
conformance_row tauri-deb

step "A modified desktop-backend is refused (C-PKG-1)"
$sudo sh -c "printf 'tampered' >> '$backend'"
tampered="$work/tampered"
status="$(launch "$tampered")"
[ "$status" != 0 ] || fail "the app ran a modified backend and exited 0"
events find "$tampered/events.jsonl" startup_failed >/dev/null || fail "no startup_failed event"
grep -q 'modified' "$(app_data_of "$tampered")/logs/shell.log" || fail "shell.log does not say the backend was modified"
! events find "$tampered/events.jsonl" backend_spawned >/dev/null || fail "a modified backend was spawned"
note "refused with exit $status, the error names the modified program"

if [ -n "$wry_deb" ]; then
  step "Installing $(basename "$wry_deb") (dpkg -i) beside the Tauri package"
  $sudo dpkg -i "$wry_deb" >/dev/null
  wry_pkg="$(dpkg-deb -f "$wry_deb" Package)"
  [ "$wry_pkg" != "$pkg" ] || fail "the wry and Tauri .debs are both package $pkg"
  wry_resources="$(dpkg -L "$wry_pkg" | grep '/runtime/desktop-runtime.json$' | head -n 1)"
  [ "$wry_resources" = "/usr/lib/desktop-django-wry/runtime/desktop-runtime.json" ] \
    || fail "the wry package's runtime manifest is at '$wry_resources', not where contract looks"
  wry_backend="$(dirname "$wry_resources")/desktop-backend/desktop-backend"
  note "installed: $wry_binary ($wry_pkg); runtime: $(dirname "$wry_resources")"

  step "Launching the installed wry app: no Python on PATH, backend/.venv moved away"
  mv "$venv" "$hidden"
  wry_run="$work/wry"
  status="$(launch "$wry_run" "$wry_binary")"
  wry_data="$(app_data_of "$wry_run")"
  [ "$status" = 0 ] || { cat "$wry_run/stderr" "$wry_data/logs/shell.log" 2>/dev/null | tail -n 30; fail "the wry app exited with $status"; }
  events find "$wry_run/events.jsonl" window_loaded >/dev/null || fail "wry: no window_loaded event: $(cat "$wry_run/events.jsonl")"
  grep -q "spawning web: $wry_backend desktop_serve (mode packaged" "$wry_data/logs/shell.log" \
    || fail "wry: the web role did not run the bundled runtime: $(grep spawning "$wry_data/logs/shell.log")"
  mv "$hidden" "$venv"
  note "window_loaded, served from $wry_backend, exit 0, nothing left running"
  note "sizes: .deb $(du -k "$wry_deb" | cut -f1) KiB, installed $(dpkg-query -W -f='${Installed-Size}' "$wry_pkg") KiB"
  conformance_row wry-deb

  step "Removing the wry package (dpkg --purge) leaves the Tauri one"
  $sudo dpkg --purge "$wry_pkg" >/dev/null 2>&1
  [ ! -e "$wry_binary" ] && [ ! -e "$(dirname "$wry_resources")" ] || fail "the wry package left files behind"
  [ -x "$binary" ] || fail "purging the wry package removed $binary"
  wry_pkg=""
else
  note "wry .deb: not built on this machine (package.sh builds it on Linux x86_64), skipped"
fi

step "Removing the package keeps the user's data (dpkg -r, dpkg --purge)"
before="$(sha256sum "$data/app.sqlite3" | cut -d' ' -f1)"
$sudo dpkg -r "$pkg" >/dev/null
$sudo dpkg --purge "$pkg" >/dev/null 2>&1
[ ! -e "$binary" ] || fail "$binary is still installed"
[ "$(sha256sum "$data/app.sqlite3" | cut -d' ' -f1)" = "$before" ] || fail "the database changed on removal"
note "app data and database untouched: $data"

# Electron's installers need its binary, which downloads from GitHub only (packages.yml builds
# them). The layout electron-builder makes is checked here with a stand-in Electron: the runtime
# staged above in resources/runtime, the addon unpacked from the asar and loadable.
step "The Electron app's layout (electron-builder --dir over a stand-in Electron)"
stand_in="$work/electron-dist"
mkdir -p "$stand_in" && printf '#!/bin/sh\nexit 0\n' > "$stand_in/electron" && chmod +x "$stand_in/electron"
ELECTRON_DIST="$stand_in" "$root/scripts/package.sh" electron --debug --bundles dir --reuse-runtime \
  > "$work/electron-builder.log" 2>&1 || { tail -n 30 "$work/electron-builder.log"; fail "electron-builder failed"; }
app="${CARGO_TARGET_DIR:-$root/target}/debug/bundle/electron/linux-unpacked"
cmp -s "$app/resources/runtime/desktop-runtime.json" "$out/runtime/desktop-runtime.json" \
  || fail "the Electron app does not carry the staged runtime in resources/runtime"
[ -x "$app/resources/runtime/desktop-backend/desktop-backend" ] || fail "no desktop-backend in the Electron app"
[ -f "$app/resources/app.asar" ] || fail "no app.asar in the Electron app"
node -e 'const m = { exports: {} }; process.dlopen(m, process.argv[1]);
  if (typeof m.exports.prepare !== "function") { console.error("no prepare export"); process.exit(1); }' \
  "$app/resources/app.asar.unpacked/index.node" || fail "the Electron app's addon does not load"
note "resources/runtime (the same manifest), app.asar, the addon unpacked and loadable: $app"

"$root/scripts/test-update.sh" "$deb" "$keys"
