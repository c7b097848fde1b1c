#!/usr/bin/env bash
# `just run [shell]`: build the chosen shell and open the demo project in it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
shell="${1:-tauri}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
exe=""; case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) exe=".exe" ;; esac

case "$shell" in
  electron)
    printf '\033[1;36m==>\033[0m %s\n' "Building the Electron shell's native addon"
    cargo build -p neon-electron-shell
    electron_bin="${ELECTRON_PATH:-}"
    [ -n "$electron_bin" ] || electron_bin="$(cd shells/neon-electron && node -e "process.stdout.write(require('electron'))" 2>/dev/null || true)"
    if [ -z "$electron_bin" ] || [ ! -f "$electron_bin" ]; then
      cat >&2 <<'MSG'
Electron is not installed here, so `just run electron` cannot open its window. The npm
package `electron` only downloads its binary from GitHub releases during `npm install`,
and this machine cannot reach GitHub (set-up installs the package with
ELECTRON_SKIP_BINARY_DOWNLOAD=1, and no other registry or apt package ships Electron).
On a machine that can reach GitHub, run `cd shells/neon-electron && npm install electron`,
or point ELECTRON_PATH at an Electron binary, then `just run electron` again. Meanwhile,
`just run electron-headless` runs the same addon and main-process lifecycle under plain
Node with a stand-in renderer (no window).
MSG
      exit 1
    fi
    if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "error: no display (DISPLAY and WAYLAND_DISPLAY are unset). Try: xvfb-run -a just run electron" >&2
      exit 1
    fi
    printf '\033[1;36m==>\033[0m %s\n' "Starting electron (logs: app-data folder, see README)"
    ELECTRON_PATH="$electron_bin" exec bash shells/neon-electron/scripts/electron-exec.sh --project "$root/backend"
    ;;
  electron-headless)
    printf '\033[1;36m==>\033[0m %s\n' "Building the Electron shell's native addon"
    cargo build -p neon-electron-shell
    printf '\033[1;36m==>\033[0m %s\n' "Starting the Electron shell's node host (no window; Ctrl-C quits)"
    exec node shells/neon-electron/node-host/headless.js --project "$root/backend"
    ;;
  tauri)
    printf '\033[1;36m==>\033[0m %s\n' "Building the Tauri shell (first build takes a few minutes)"
    cargo build -p tauri-shell
    bin="$target_dir/debug/desktop-django-tauri$exe"
    ;;
  wry)
    printf '\033[1;36m==>\033[0m %s\n' "Building the wry shell (first build takes a few minutes)"
    cargo build -p wry-shell
    bin="$target_dir/debug/desktop-django-wry$exe"
    ;;
  *)
    echo "error: unknown shell '$shell'. Choose one of: electron, electron-headless, tauri, wry" >&2
    exit 2
    ;;
esac

if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "error: no display (DISPLAY and WAYLAND_DISPLAY are unset)." >&2
  echo "       On a headless machine, try: dbus-run-session -- xvfb-run -a just run $shell" >&2
  exit 1
fi

printf '\033[1;36m==>\033[0m %s\n' "Starting $shell (logs: app-data folder, see README)"
exec "$bin" --project "$root/backend"
