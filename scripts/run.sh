#!/usr/bin/env bash
# `just run [shell]`: build the chosen shell and open the demo project in it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
shell="${1:-wry}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
exe=""; case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) exe=".exe" ;; esac

case "$shell" in
  wry)
    printf '\033[1;36m==>\033[0m %s\n' "Building the wry shell (first build takes a few minutes)"
    cargo build -p wry-shell
    bin="$target_dir/debug/desktop-django-wry$exe"
    ;;
  *)
    echo "error: unknown shell '$shell'. Choose one of: wry" >&2
    exit 2
    ;;
esac

if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "error: no display (DISPLAY and WAYLAND_DISPLAY are unset)." >&2
  echo "       On a headless machine, try: xvfb-run -a just run $shell" >&2
  exit 1
fi

printf '\033[1;36m==>\033[0m %s\n' "Starting $shell (logs: app-data folder, see README)"
exec "$bin" --project "$root/backend"
