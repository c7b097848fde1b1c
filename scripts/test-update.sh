#!/usr/bin/env bash
# The second half of `just test-package`: an installed app updates itself from version A to B
# without losing data, and refuses every bad update (C-PKG-3, C-DATA-5, C-DATA-7).
#
#   test-update.sh <A.deb> <keys dir>     (A built by package.sh with DESKTOP_DJANGO_UPDATE_PUBKEY
#                                          set to <keys dir>/desktop-django.pub)
#
#   1. B: a copy of this checkout with a higher version and a new migration (a nullable column),
#      built with the same key
#   2. feeds on a static HTTP server on 127.0.0.1 (`python3 -m http.server`): a good one written
#      by `desktop-django release-manifest --base-url`, and one per bad input
#   3. A installed and launched once; a pony added to its database
#   4. each bad feed: A refuses (`update_refused` with its reason) and nothing is installed
#   5. the good feed: A downloads, stops its backend, installs B (dpkg through a pkexec stand-in:
#      the test runs as root with no polkit agent) and restarts; B runs, the pony is there, B's
#      migration is applied and a verified backup of A's database exists
#   6. the air-gapped path: `desktop-django verify` on the same good and bad inputs
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

a_deb="${1:?usage: test-update.sh <A.deb> <keys dir>}" keys="${2:?usage: test-update.sh <A.deb> <keys dir>}"
# The windows need a display and a session bus for the whole run (A restarts into B).
if [ -z "${TEST_UPDATE_INSIDE:-}" ]; then
  exec env TEST_UPDATE_INSIDE=1 dbus-run-session -- xvfb-run -a bash "$0" "$@"
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
pkg="$(dpkg-deb -f "$a_deb" Package)" a_version="$(dpkg-deb -f "$a_deb" Version)"
binary="/usr/bin/desktop-django-tauri"
cli() { "$target_dir/debug/desktop-django" "$@"; }
(cd "$root" && cargo build -q -p cli -p harness --bin desktop-django --bin events-file)

work="$(mktemp -d "${TMPDIR:-/tmp}/test-update.XXXXXX")"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  stop_app
  $sudo dpkg --purge "$pkg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- 1. Version B --------------------------------------------------------------------------
b_version="$(python3 -c 'import sys; v = sys.argv[1].split("."); v[-1] = str(int(v[-1]) + 1); print(".".join(v))' "$a_version")"
step "Building version B ($b_version): a copy of this checkout with a new migration"
b="$work/b"
mkdir -p "$b"
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$b"
ln -s "$root/backend/.venv" "$b/backend/.venv"
ln -s "$root/shells/tauri/node_modules" "$b/shells/tauri/node_modules"
sed -i "s/^version = \"$a_version\"/version = \"$b_version\"/" "$b/backend/pyproject.toml"
grep -q "^version = \"$b_version\"" "$b/backend/pyproject.toml" || fail "cannot set B's version in backend/pyproject.toml"
cat >> "$b/backend/ponies/models.py" <<'PY'


Pony.add_to_class("stable_name", models.CharField(max_length=60, null=True, blank=True))
PY
(cd "$b/backend" && DESKTOP_DJANGO_APP_DATA_DIR="$work/b-data" .venv/bin/python manage.py makemigrations ponies -n stable_name -v 0)
migration="$(cd "$b/backend/ponies/migrations" && ls | grep '_stable_name\.py$')"
[ -n "$migration" ] || fail "makemigrations wrote no migration for B"
(cd "$b" && DESKTOP_DJANGO_UPDATE_PUBKEY="$(cat "$keys/desktop-django.pub")" scripts/package.sh tauri --debug >"$work/b-build.log" 2>&1) \
  || { tail -n 30 "$work/b-build.log"; fail "building B failed"; }
b_deb="$(ls -t "$target_dir/package/"*-"$b_version"-linux-*.deb | head -n 1)"
note "B: $(basename "$b_deb") with migration ponies/${migration%.py}"

# --- 2. Feeds ------------------------------------------------------------------------------
step "Serving the feeds on 127.0.0.1"
feeds="$work/feeds"
mkdir -p "$feeds"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$feeds" >"$work/server.out" 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do grep -q 'port' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/server.out" | head -n 1)"
[ -n "$port" ] || fail "the feed server did not start: $(cat "$work/server.log")"
base="http://127.0.0.1:$port"
app_id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["app_id"])' "$target_dir/package/runtime/desktop-runtime.json")"
cli keygen --out-dir "$work/other-key" >/dev/null

# feed <name> <key dir> <version> <artifact> [release-manifest options]: a signed feed in feeds/<name>/.
feed() {
  local name="$1" key="$2" version="$3" artifact="$4"; shift 4
  mkdir -p "$feeds/$name"
  local file="$feeds/$name/$(basename "$artifact" | sed "s/-[0-9][0-9.]*-linux-/-$version-linux-/")"
  cp "$artifact" "$file"
  DESKTOP_DJANGO_SIGNING_KEY="$(cat "$key/desktop-django.key")" cli release-manifest \
    --app-id "$app_id" --version "$version" --min-version "$a_version" "$@" \
    --out "$feeds/$name/release.json" --base-url "$base/$name" "$file" >/dev/null
}
older="$(python3 -c 'import sys; v = sys.argv[1].split("."); v[0] = "0"; v[1] = "0"; v[-1] = "1"; print(".".join(v))' "$a_version")"
feed good "$keys" "$b_version" "$b_deb"
feed other-key "$work/other-key" "$b_version" "$b_deb"
feed expired "$keys" "$b_version" "$b_deb" --expires-in-days 0
feed older "$keys" "$older" "$a_deb"
feed tampered "$keys" "$b_version" "$b_deb"
feed truncated "$keys" "$b_version" "$b_deb"
feed swapped "$keys" "$b_version" "$b_deb"
good_deb="$(ls "$feeds/good/"*.deb)"
# After signing: one byte flipped in the middle; the last 4 KiB cut off; A's own, validly
# signed installer served under B's name (its .sig, the plugin's check, is genuine).
python3 - "$feeds/tampered/$(basename "$good_deb")" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(f.seek(0, 2) // 2); b = f.read(1); f.seek(-1, 1); f.write(bytes([b[0] ^ 0xFF]))
PY
truncate -s -4096 "$feeds/truncated/$(basename "$good_deb")"
mkdir -p "$work/swap"
cp "$a_deb" "$work/swap/$(basename "$good_deb")"
DESKTOP_DJANGO_SIGNING_KEY="$(cat "$keys/desktop-django.key")" cli release-manifest --app-id "$app_id" \
  --version "$b_version" --min-version "$a_version" --out "$work/swap/release.json" --base-url "$base/swapped" \
  "$work/swap/$(basename "$good_deb")" >/dev/null
cp "$a_deb" "$feeds/swapped/$(basename "$good_deb")"
python3 - "$feeds/swapped/latest.json" "$work/swap/latest.json" <<'PY'
import json, sys
feed, signed_for_a = (json.load(open(p)) for p in sys.argv[1:])
for key, entry in feed["platforms"].items():
    entry["signature"] = signed_for_a["platforms"][key]["signature"]
json.dump(feed, open(sys.argv[1], "w"))
PY
note "$base/{good,other-key,expired,older,tampered,truncated,swapped}/"

# --- 3. Version A, with data ---------------------------------------------------------------
home="$work/home" shim="$work/bin"
mkdir -p "$home" "$shim"
printf '#!/bin/sh\nexec "$@"\n' >"$shim/pkexec" && chmod +x "$shim/pkexec"
marker="test-update-$RANDOM$RANDOM"
# launch <events file> [feed URL]: the installed app in the background, as a user starts it.
launch() {
  env -i DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" \
    HOME="$home" PATH="$shim:/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 \
    DESKTOP_DJANGO_EVENTS="$1" DESKTOP_DJANGO_UPDATE_URL="${2:-}" DESKTOP_DJANGO_UPDATE_CONFIRM=yes \
    DESKTOP_DJANGO_TEST_MARKER="$marker" "$binary" >>"$work/app.out" 2>&1 &
}
# The app's processes (A, then B after its restart, and their children).
ours() { grep -lzx "DESKTOP_DJANGO_TEST_MARKER=$marker" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true; }
# wait_for <events file> <event> [after position]: the position of the first <event> after that
# one (testing/harness: events-file, which knows every event contract defines).
wait_for() {
  "$target_dir/debug/events-file" wait "$1" "$2" --after "${3:-0}" \
    || fail "no $2 event within 90 s: $(tail -n 5 "$1" 2>/dev/null); $(tail -n 20 "$work/app.out")"
}
# Quits the app gracefully (SIGTERM to the shell, C-PROC-3) and waits until none of its
# processes is left.
stop_app() {
  local pid
  for pid in $(ours); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$binary" ] && kill -TERM "$pid" 2>/dev/null
  done
  for _ in $(seq 100); do [ -z "$(ours)" ] && return; sleep 0.1; done
  fail "the app's processes outlived its quit: $(ours)"
}
installed_version() { dpkg-query -W -f='${Version}' "$pkg"; }

step "Installing A ($a_version) and creating data"
$sudo dpkg -i "$a_deb" >/dev/null
launch "$work/a.jsonl"
wait_for "$work/a.jsonl" window_loaded >/dev/null
stop_app
data="$home/.local/share/$app_id"
db="$data/app.sqlite3"
python3 - "$db" <<'PY'
import sqlite3, sys
with sqlite3.connect(sys.argv[1]) as c:
    c.execute("INSERT INTO ponies_pony (name, personality, status, created_at, updated_at)"
              " VALUES ('Update Survivor', 'made in version A', 'grazing', datetime('now'), datetime('now'))")
PY
note "A ran (window_loaded), quit; a pony added to $db"

# --- 4. Every bad update is refused ----------------------------------------------------------
step "Bad updates are refused and nothing is installed"
for case in other-key:10 expired:13 older:14 tampered:19 truncated:19 swapped:17; do
  name="${case%%:*}" want="${case#*:}"
  events="$work/$name.jsonl"
  launch "$events" "$base/$name/"
  wait_for "$events" update_refused >/dev/null
  code="$("$target_dir/debug/events-file" find "$events" update_refused --field code)"
  reason="$("$target_dir/debug/events-file" find "$events" update_refused --field reason)"
  stop_app
  [ "$code" = "$want" ] || fail "$name: expected code $want, got $code: $reason"
  ! "$target_dir/debug/events-file" find "$events" update_installing >/dev/null || fail "$name: the app went on to install"
  [ "$(installed_version)" = "$a_version" ] || fail "$name: version $(installed_version) got installed"
  note "$name: $(cut -c1-110 <<<"$reason")"
done

# --- 5. The good update --------------------------------------------------------------------
step "Updating A to B from the good feed"
events="$work/update.jsonl"
launch "$events" "$base/good/"
installing="$(wait_for "$events" update_installing)"
# A's last event is the end of its backend; everything after it is B's.
stopped="$(wait_for "$events" shutdown_complete "$installing")"
wait_for "$events" window_loaded "$stopped" >/dev/null
wait_for "$events" update_current "$stopped" >/dev/null
stop_app
[ "$(installed_version)" = "$b_version" ] || fail "B is not installed: $(installed_version)"
python3 - "$db" "$data/backups" "${migration%.py}" <<'PY'
import pathlib, sqlite3, sys
db, backups, migration = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
with sqlite3.connect(db) as c:
    assert c.execute("SELECT count(*) FROM ponies_pony WHERE name = 'Update Survivor'").fetchone()[0] == 1, "A's pony is gone"
    columns = [r[1] for r in c.execute("PRAGMA table_info(ponies_pony)")]
    assert "stable_name" in columns, f"B's migration is not applied: {columns}"
    assert c.execute("SELECT count(*) FROM django_migrations WHERE app = 'ponies' AND name = ?", (migration,)).fetchone()[0] == 1
verified = []
for backup in sorted(backups.glob("app-*.sqlite3")):
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as c:
        columns = [r[1] for r in c.execute("PRAGMA table_info(ponies_pony)")]
        ok = c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        survivor = c.execute("SELECT count(*) FROM ponies_pony WHERE name = 'Update Survivor'").fetchone()[0]
    if ok and survivor and "stable_name" not in columns:
        verified.append(backup.name)
assert verified, f"no intact backup of A's database in {backups}"
print(f"    data kept, ponies/{migration} applied, backup of A's database: {verified[-1]}")
PY
note "A $a_version → B $b_version: downloaded, backend stopped, installed, restarted; B is current"

# --- 6. The air-gapped path ----------------------------------------------------------------
step "The same inputs, offline: desktop-django verify"
verify() {
  local dir="$feeds/$1" code=0
  cli verify "$(ls "$dir"/*.deb)" --manifest "$dir/release.json" --public-key-file "$keys/desktop-django.pub" \
    --app-id "$app_id" --installed-version "$a_version" >"$work/verify.out" 2>&1 || code=$?
  [ "$code" = "$2" ] || fail "verify $1: exit $code, expected $2: $(cat "$work/verify.out")"
  note "$1: exit $code: $(cut -c1-100 "$work/verify.out")"
}
verify good 0
verify other-key 10
verify expired 13
verify older 14
verify tampered 18
verify truncated 17
verify swapped 17
