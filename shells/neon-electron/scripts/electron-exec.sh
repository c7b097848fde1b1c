#!/usr/bin/env bash
# `electron-exec.sh [args…]`: replaces itself with the real Electron running this app
# (exec, so the launched pid is Electron's own: a SIGKILL from outside reaches Electron
# itself, and the addon's parent-death signal and lifelines take the backend down).
# The binary: $ELECTRON_PATH, else the `electron` npm package of this folder.
# Exits 127 with a message when there is none.
set -euo pipefail
app="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ELECTRON_PATH:-}"
if [ -z "$bin" ]; then
  bin="$(cd "$app" && node -e "process.stdout.write(require('electron'))" 2>/dev/null || true)"
fi
if [ -z "$bin" ] || [ ! -f "$bin" ]; then
  echo "electron-exec: no Electron binary (set ELECTRON_PATH, or run \`npm install electron\` in shells/neon-electron where GitHub downloads work)" >&2
  exit 127
fi
extra=()
# Hosts whose kernel forbids Chromium's sandbox (unprivileged user namespaces off, no
# setuid chrome-sandbox) can opt out explicitly; the renderer stays contextIsolated.
if [ "${DESKTOP_DJANGO_ELECTRON_NO_SANDBOX:-}" = 1 ]; then extra+=(--no-sandbox); fi
exec "$bin" "$app" ${extra[@]+"${extra[@]}"} "$@"
