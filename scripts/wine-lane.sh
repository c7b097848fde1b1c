#!/usr/bin/env bash
# The Windows lane under Wine (`just test-wine`, issue 9): builds the Windows binaries
# (x86_64-pc-windows-gnu) on Linux and really runs them under Wine, to prove contract's
# Windows process control: graceful quit, tree kill (Job Object, CREATE_SUSPENDED), the
# taskkill fallback, and orphan-proofing when the supervising process is SIGKILLed from
# Linux. The evidence is the Windows process listing (sysinfo, which reads
# NtQuerySystemInformation: under Wine, Wine's own process table).
#
# Steps: prerequisites (apt: gcc-mingw-w64-x86-64 wine64; the rustup target) -> clippy and
# build for Windows -> the bcryptprimitives.dll shim -> a throwaway WINEPREFIX -> cargo test
# under Wine -> the orphan check -> the headless shell end to end, quit and SIGKILLed.
# The backend is testing/stand-in-backend: there is no Windows CPython here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

if [ "$(uname -s)" != Linux ]; then
  echo "test-wine: skipped: the Wine lane runs on Linux only (on Windows, run cargo test -p stand-in-backend natively)"
  exit 0
fi

triple=x86_64-pc-windows-gnu
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="$target_dir/$triple/debug"
export PATH="/usr/lib/wine:$PATH" # Debian installs wine64 and wineserver there
cd "$root"

# --- Prerequisites ----------------------------------------------------------------------
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v wine64 >/dev/null || command -v wine >/dev/null || missing+=(wine64)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "install ${missing[*]} (Debian names) and retry"
  step "Installing ${missing[*]} (apt, about 1 min)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
wine="$(command -v wine64 || command -v wine)" || fail "no wine64 (or wine) after installing it"
if ! rustup target list --installed | grep -qx "$triple"; then
  step "Adding the Rust target $triple"
  rustup target add "$triple"
fi

# --- Build --------------------------------------------------------------------------------
step "Clippy and build for Windows ($triple): contract, stand-in backend, headless shell"
cargo clippy --target "$triple" -p contract -p stand-in-backend -p headless-shell --all-targets -- -D warnings
cargo build --target "$triple" -p stand-in-backend -p headless-shell --bins --examples
cargo test --target "$triple" -p stand-in-backend --no-run

# Rust >= 1.78's std imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0 lacks
# (status c0000135). The shim goes beside the .exe files, and on WINEPATH for the test and
# example executables in deps/ and examples/.
shim_src="$root/scripts/wine/bcryptprimitives.c"
shim="$bin/bcryptprimitives.dll"
if [ ! -f "$shim" ] || [ "$shim_src" -nt "$shim" ]; then
  step "Building the ProcessPrng shim: $shim"
  x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -o "$shim" "$shim_src" -ladvapi32
fi

# --- A throwaway Wine prefix ----------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/wine-lane.XXXXXX")"
winpath() { local p="$1"; printf 'Z:%s' "${p//\//\\}"; } # Wine maps Z: to /
export WINEPREFIX="$work/prefix" WINEDEBUG=-all
# Nothing here has a window: no display, so Wine cannot pop up a dialog that waits for a click.
unset DISPLAY WAYLAND_DISPLAY
WINEPATH="$(winpath "$bin")" # Windows PATH entries, searched for DLLs too
export WINEPATH
cleanup() {
  wineserver -k 2>/dev/null || true # ends this prefix's server and every process in it
  rm -rf "$work"
}
trap cleanup EXIT
step "Creating a throwaway Wine prefix (wineboot -i, 5-10 s): $WINEPREFIX"
note "$("$wine" --version)"
# Without mscoree and mshtml, wineboot does not offer to install Wine Mono and Gecko.
# One wineserver, one process table, for the whole lane: by default it exits 3 s after its
# last process, and a listing taken after that would come from a fresh, empty table.
mkdir -p "$WINEPREFIX"
wineserver -p
WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >"$work/wineboot.log" 2>&1 || { cat "$work/wineboot.log"; fail "wineboot failed"; }

stand_in="$(winpath "$bin/stand-in-backend.exe")"
ps_exe="$bin/examples/ps.exe"

# Linux processes of this prefix still running a stand-in: the Linux side of the listing.
linux_leftovers() {
  local found=0 d
  for d in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q 'stand-in-backend' || continue
    tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qx "WINEPREFIX=$WINEPREFIX" || continue
    note "Linux pid ${d#/proc/} still runs: $(tr '\0' ' ' 2>/dev/null <"$d/cmdline")"
    found=1
  done
  return $found
}

# The Windows listing for the pids given, indented; the exit status of ps.exe (1: some alive).
# Into a file, not a pipe: Wine may start explorer.exe from ps.exe, and explorer inherits
# its stdout and holds a pipe open for seconds after ps.exe has exited.
listing() {
  local status=0
  "$wine" "$ps_exe" "$@" >"$work/ps.out" || status=$?
  sed 's/^/    /' "$work/ps.out"
  return $status
}

# Asserts, with the Windows listing and then the Linux one, that none of the pids given
# (Windows pids), none of their children and no stand-in at all is alive.
assert_none_alive() {
  listing "$@" || fail "processes survived (Windows listing above)"
  linux_leftovers || fail "Linux processes of this prefix survived"
}

# Asserts, with the Windows listing, that every pid given is alive.
assert_running() {
  local pid
  listing "$@" || true
  for pid in "$@"; do
    grep -qE "^ *$pid .*still alive" "$work/ps.out" || fail "the listing does not show pid $pid"
  done
}

# Asserts that Linux pid $1 is the Wine process running $2, the one to SIGKILL.
assert_wine_process() {
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -q "$2" || fail "Linux pid $1 does not run $2"
}

# The events file (read on Linux) through contract's own event list (testing/harness: events-file).
events() { "$target_dir/debug/events-file" "$@"; }
(cd "$root" && cargo build -q -p harness --bin events-file)

# Waits up to $3 s for a line matching $1 in file $2.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -n 20 "$2" >&2 2>/dev/null || true
  fail "no '$1' in $2 after $3 s"
}

# --- 1. The tests, as Windows executables ---------------------------------------------------
step "cargo test under Wine: process trees (graceful, tree kill, taskkill fallback) and the supervisor"
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" timeout 600 \
  cargo test --target "$triple" -p stand-in-backend -- --nocapture --test-threads=1

# --- 2. Orphan-proof: SIGKILL the supervisor from Linux ------------------------------------
step "Orphan check: a supervisor holds two stubborn trees; SIGKILL its Wine process from Linux"
"$wine" "$bin/examples/hold_tree.exe" "$stand_in" >"$work/hold.out" &
holder=$!
wait_for '^HOLDING ' "$work/hold.out" 30
read -r -a pids <<<"$(sed -n 's/^HOLDING //p' "$work/hold.out")"
note "supervisor: Linux pid $holder; its tree (Windows pids: role, grandchild, role, grandchild): ${pids[*]}"
note "Windows listing while it runs:"
assert_running "${pids[@]}"
assert_wine_process "$holder" hold_tree.exe
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
note "SIGKILLed Linux pid $holder; Windows listing 3000 ms later:"
sleep 3
assert_none_alive "${pids[@]}"

# --- 3. The headless shell, end to end --------------------------------------------------------
project="$work/project"
mkdir -p "$project"
printf '%s\n' 'app_id = "dev.desktop-django.wine-lane"' 'product_name = "Wine Lane"' '' \
  '[settings]' 'dev = "stand_in.settings"' 'packaged = "stand_in.settings"' >"$project/desktop.toml"
shell_exe="$bin/desktop-django-headless.exe"
# The shell's environment for app-data dir $1 (the events file beside it).
shell_env() {
  local data="$work/$1"
  shell_vars=(DESKTOP_DJANGO_PYTHON="$stand_in" DESKTOP_DJANGO_APP_DATA_DIR="$(winpath "$data")"
    DESKTOP_DJANGO_EVENTS="$(winpath "$data.events")")
}
# The Windows pids (roles and grandchildren) in a shell log's STAND_IN_TREE lines.
tree_pids() { grep -o 'STAND_IN_TREE {[^}]*}' "$1" | grep -oE '"(pid|grandchild)":[0-9]+' | cut -d: -f2 | tr '\n' ' '; }

step "Headless shell under Wine: ready, page loaded, autoquit after 1000 ms, graceful stop"
shell_env quit
# 1000 ms: the worker, started after readiness, has long reported its tree by then.
env "${shell_vars[@]}" DESKTOP_DJANGO_AUTOQUIT_MS=1000 timeout 60 \
  "$wine" "$shell_exe" --project "$(winpath "$project")" || fail "the shell exited $? (log: $work/quit/logs/shell.log)"
for event in backend_ready window_loaded shutdown_complete; do
  events find "$work/quit.events" "$event" >/dev/null || fail "no $event event"
done
if grep -q "force-killing" "$work/quit/logs/shell.log"; then fail "the stop was not graceful"; fi
read -r -a pids <<<"$(tree_pids "$work/quit/logs/shell.log")"
[ ${#pids[@]} -eq 4 ] || fail "expected 4 backend pids in the shell log, got: ${pids[*]}"
note "events: backend_ready, window_loaded, shutdown_complete; stopped gracefully; its tree: ${pids[*]}"
assert_none_alive "${pids[@]}"

step "Headless shell under Wine with stubborn roles, SIGKILLed from Linux"
shell_env killed
# A simple command, not a function, so that $! is the Wine process itself (env execs Wine).
env "${shell_vars[@]}" STAND_IN_STUBBORN=1 \
  "$wine" "$shell_exe" --project "$(winpath "$project")" &
shell=$!
events wait "$work/killed.events" window_loaded --timeout-s 30 >/dev/null || fail "no window_loaded event"
wait_for 'worker stdout\] STAND_IN_TREE' "$work/killed/logs/shell.log" 30
read -r -a pids <<<"$(tree_pids "$work/killed/logs/shell.log")"
note "shell: Linux pid $shell; Windows listing while it runs:"
assert_running "${pids[@]}"
assert_wine_process "$shell" desktop-django-headless.exe
kill -9 "$shell"
wait "$shell" 2>/dev/null || true
note "SIGKILLed Linux pid $shell; Windows listing 3000 ms later:"
sleep 3
assert_none_alive "${pids[@]}"

step "Wine lane passed"
