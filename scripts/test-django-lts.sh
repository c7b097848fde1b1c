#!/usr/bin/env bash
# The lowest supported Django (4.2 LTS) with desktop-django's core install: django.setup(),
# every module imports, check and migrate, and the extras' messages (tests/test_core_install.py).
# The highest (5.2) is the backend env's own and runs the whole package suite in test-backend.
# The env is kept in the target dir; pip's cache makes a rebuild quick.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CARGO_TARGET_DIR:-$root/target}/django-lts-venv"
base="$("$root/backend/.venv/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null \
  || "$root/backend/.venv/Scripts/python.exe" -c 'import sys; print(sys._base_executable)')"
py="$venv/bin/python"; [ -d "$venv/Scripts" ] && py="$venv/Scripts/python.exe"
if ! "$py" -c 'import django, pytest; assert django.VERSION[:2] == (4, 2)' 2>/dev/null; then
  printf '\033[1;36m==>\033[0m %s\n' "A Django 4.2 LTS env for desktop-django's core ($venv)"
  rm -rf "$venv"
  "$base" -m venv "$venv"
  [ -d "$venv/Scripts" ] && py="$venv/Scripts/python.exe"
  "$py" -m pip install -q --disable-pip-version-check "Django>=4.2,<4.3" "waitress>=3.0" "platformdirs>=4.2" "pytest>=8"
fi
"$py" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$root/python/desktop-django"
printf '\033[1;36m==>\033[0m %s\n' "desktop-django's core on Django $("$py" -c 'import django; print(django.get_version())')"
cd "$root/python/desktop-django"
# conftest.py builds settings with configure(tasks=True), which needs the extras this core env
# leaves out on purpose; test_core_install.py covers the core, the pragmas included.
"$py" -m pytest -q --noconftest -p no:cacheprovider tests/test_core_install.py
