#!/usr/bin/env bash
# The lowest supported Django (4.2 LTS): a project env with Django 4.2 pinned installs
# desktop-django[tasks] as a user would, and Django must stay 4.2 (pip has to pick
# django-tasks-db 0.12; 0.13 needs Django 5.2). Then the core install (django.setup(), every
# module imports, check and migrate, the extras' messages: tests/test_core_install.py) and
# the worker role end to end (tests/test_tasks_install.py) run on it.
# The highest (5.2) is the backend env's own and runs the whole package suite in test-backend.
# The env is kept in the target dir; pip's cache makes a rebuild and the reinstall quick.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CARGO_TARGET_DIR:-$root/target}/django-lts-venv"
base="$("$root/backend/.venv/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null \
  || "$root/backend/.venv/Scripts/python.exe" -c 'import sys; print(sys._base_executable)')"
py="$venv/bin/python"; [ -d "$venv/Scripts" ] && py="$venv/Scripts/python.exe"
if ! "$py" -c 'import django, pytest; assert django.VERSION[:2] == (4, 2)' 2>/dev/null; then
  printf '\033[1;36m==>\033[0m %s\n' "A Django 4.2 LTS project env for desktop-django ($venv)"
  rm -rf "$venv"
  "$base" -m venv "$venv"
  [ -d "$venv/Scripts" ] && py="$venv/Scripts/python.exe"
  "$py" -m pip install -q --disable-pip-version-check "Django>=4.2,<4.3" "pytest>=8"
fi
django="$("$py" -c 'import django; print(django.get_version())')"
# From scratch each run, so pip resolves the extra again against this checkout's metadata.
"$py" -m pip uninstall -q -y --disable-pip-version-check desktop-django django-tasks django-tasks-db \
  >/dev/null 2>&1 || true
# As a project with a pinned Django adds the package: the pin in the same pip call (its
# requirements file or a constraints file does the same). Without it pip takes the newest
# django-tasks-db and upgrades Django to 5.2 (docs/wrapping.md, "Supported Django versions").
printf '\033[1;36m==>\033[0m %s\n' "pip install \"Django==$django\" \"desktop-django[tasks]\""
log="$venv/pip-install-tasks.log"
if ! "$py" -m pip install --disable-pip-version-check "Django==$django" \
  "$root/python/desktop-django[tasks]" >"$log" 2>&1; then
  cat "$log"; echo "installing desktop-django[tasks] on Django $django failed" >&2; exit 1
fi
if grep -i "does not provide the extra" "$log"; then
  echo "pip warned about a missing extra (full log: $log)" >&2; exit 1
fi
"$py" - "$django" <<'PY'
import sys
from importlib.metadata import version

got = {name: version(name) for name in ("Django", "django-tasks", "django-tasks-db")}
assert got["Django"] == sys.argv[1], f"desktop-django[tasks] changed Django {sys.argv[1]}: {got}"
assert got["django-tasks-db"].startswith("0.12."), f"expected django-tasks-db 0.12.x: {got}"
print("    resolved: " + ", ".join(f"{name} {v}" for name, v in got.items()))
PY
printf '\033[1;36m==>\033[0m %s\n' "desktop-django's core and worker role on Django $django"
cd "$root/python/desktop-django"
# --noconftest: conftest.py sets Django up in this process for the in-process tests (the
# 5.2 suite's); these two files build their projects in subprocesses. test_core_install.py
# hides the extras from its probes; test_tasks_install.py uses them.
"$py" -m pytest -q --noconftest -p no:cacheprovider tests/test_core_install.py \
  tests/test_tasks_install.py
