#!/usr/bin/env bash
# Idempotent set-up for `just run` and `just test`: system packages (Debian/Ubuntu),
# the backend's Python env from its pinned lock, and npm packages where a shell needs them.
# Each step prints what it does, and skips itself when already done.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
skip() { printf '    %s\n' "$*"; }

# --- System packages (WebKitGTK for wry/Tauri, OpenSSL's headers for the Tauri updater's TLS,
# Xvfb for headless runs, xdotool for the Tauri shell's tests (pressing the page's button), dbus
# for WebKit's session bus under Xvfb) ----
apt_packages=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev
  libayatana-appindicator3-dev libssl-dev xvfb xauth xdotool dbus pkg-config osslsigncode)
system_packages() {
  [ "$(uname -s)" = Linux ] || { skip "system packages: nothing to install on $(uname -s)"; return; }
  command -v dpkg-query >/dev/null || { skip "system packages: not Debian/Ubuntu, install WebKitGTK 4.1 and Xvfb yourself"; return; }
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then skip "system packages: present"; return; fi
  step "Installing ${#missing[@]} system packages (about 1-2 min): ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Backend Python env (backend/.venv from backend/requirements.lock, plus desktop-django
# from python/desktop-django, editable) ----------------------------------------------
# Sets the array `py` to the first Python >= 3.11 of: $PYTHON, python3, python, `py -3`
# (Windows may have no python3, or only the Store's stub; `py -3` is its launcher).
find_python() {
  local cands=() tried="" first="" cand found
  [ -z "${PYTHON:-}" ] || cands+=("$PYTHON")
  cands+=(python3 python "py -3")
  for cand in "${cands[@]}"; do
    if [ "$cand" = "py -3" ]; then py=(py -3); else py=("$cand"); fi
    if ! command -v "${py[0]}" >/dev/null 2>&1; then
      found="not found"
    elif "${py[@]}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      [ -z "${PYTHON:-}" ] || [ "$cand" = "$PYTHON" ] || skip "python: PYTHON=$PYTHON ignored (${first#*: }), using $cand"
      return 0
    else
      found="$("${py[@]}" --version 2>&1 | head -n 1 || true)"
    fi
    tried="$tried; $cand: ${found:-does not run}"
    [ -n "${first:-}" ] || first="$cand: ${found:-does not run}"
  done
  py=()
  echo "error: Python >= 3.11 is required; tried ${tried#; }" >&2
  echo "       (install Python 3.11+, or set PYTHON to one)" >&2
  return 1
}

# The SHA-256 of the given files together (the chosen Python in "${py[@]}" computes it):
# an env is rebuilt only when its inputs change; `.lock-sha256` in the env records them.
inputs_sha256() {
  "${py[@]}" -c 'import hashlib,sys; h=hashlib.sha256(); [h.update(open(f,"rb").read()) for f in sys.argv[1:]]; print(h.hexdigest())' "$@"
}
venv_current() { [ -f "$1/.lock-sha256" ] && [ "$(cat "$1/.lock-sha256")" = "$2" ]; }
# hashed_venv <venv> <requirements>: create the env if needed and install the hash-pinned file.
hashed_venv() {
  [ -d "$1" ] || "${py[@]}" -m venv "$1"
  local python="$1/bin/python"; [ -d "$1/Scripts" ] && python="$1/Scripts/python.exe"
  "$python" -m pip install --disable-pip-version-check -q --require-hashes -r "$2"
}

python_env() {
  local venv="$root/backend/.venv" lock="$root/backend/requirements.lock" py=()
  local pkg="$root/python/desktop-django"
  local bin="$venv/bin"; [ -d "$venv/Scripts" ] && bin="$venv/Scripts"
  find_python || exit 1
  # The stamp covers the lock and desktop-django's pyproject.toml: the editable install
  # follows source edits by itself, but new metadata (dependencies, version) needs a reinstall.
  local want; want="$(inputs_sha256 "$lock" "$pkg/pyproject.toml")"
  if venv_current "$venv" "$want"; then skip "backend env: up to date ($venv)"; return; fi
  step "Creating the backend's Python env from requirements.lock"
  hashed_venv "$venv" "$lock"
  [ -d "$venv/Scripts" ] && bin="$venv/Scripts"
  # A local path carries no hash, so desktop-django is not in the lock. Its dependencies are
  # (uv compiles them from its pyproject.toml), and so is setuptools, its build backend:
  # no deps and no build isolation keep this step from fetching anything unhashed.
  step "Installing desktop-django from python/desktop-django (editable)"
  "$bin/python" -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e "$pkg"
  step "Precompiling the backend (faster cold starts)"
  "$bin/python" -m compileall -q "$root/backend" -x '/\.venv/' >/dev/null || true
  "$bin/python" -m compileall -q "$pkg/src" >/dev/null || true
  "$bin/python" -m compileall -q "$venv/lib" >/dev/null 2>&1 || true
  echo "$want" > "$venv/.lock-sha256"
}

# --- Docs env (docs/.venv from docs/requirements.txt, hashed; `just docs`) --------------
docs_env() {
  local venv="$root/docs/.venv" req="$root/docs/requirements.txt" py=()
  find_python || exit 1
  local want; want="$(inputs_sha256 "$req")"
  if venv_current "$venv" "$want"; then skip "docs env: up to date ($venv)"; return; fi
  step "Creating the docs' Python env from docs/requirements.txt (Sphinx, MyST)"
  hashed_venv "$venv" "$req"
  echo "$want" > "$venv/.lock-sha256"
}

# --- Rust targets for clippy on the other OSes (`just clippy-other-os`, Linux hosts) -------
rust_targets() {
  [ "$(uname -s)" = Linux ] || { skip "rust targets: clippy for other OSes runs on Linux hosts"; return; }
  command -v rustup >/dev/null || { skip "rust targets: no rustup; add x86_64-pc-windows-gnu and aarch64-apple-darwin yourself"; return; }
  local want=(x86_64-pc-windows-gnu aarch64-apple-darwin) have missing=()
  have="$(rustup target list --installed)"
  for t in "${want[@]}"; do grep -qx "$t" <<<"$have" || missing+=("$t"); done
  if [ ${#missing[@]} -eq 0 ]; then skip "rust targets: present"; return; fi
  step "Adding Rust targets (standard library only, about 30 s): ${missing[*]}"
  rustup target add "${missing[@]}" >/dev/null
}

# --- npm packages (shells with a package.json) --------------------------------------
npm_packages() {
  local found=0
  for pkg in "$root"/shells/*/package.json; do
    [ -f "$pkg" ] || continue
    found=1
    local dir; dir="$(dirname "$pkg")"
    if [ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
      skip "npm: up to date (${dir#"$root"/})"; continue
    fi
    step "Installing npm packages in ${dir#"$root"/}"
    (cd "$dir" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  done
  [ $found -eq 1 ] || skip "npm: no shell needs npm packages"
}

case "${1:-all}" in
  system) system_packages ;;
  python) python_env ;;
  npm) npm_packages ;;
  rust) rust_targets ;;
  docs) docs_env ;;
  all) system_packages; python_env; rust_targets; npm_packages ;;
  *) echo "usage: $0 [all|system|python|rust|npm|docs]" >&2; exit 2 ;;
esac
