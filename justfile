# Desktop Django Starter: `just run` opens the app, `just test` runs every test.
# Both do their own set-up (system packages, the backend's Python env, npm packages).

set shell := ["bash", "-euo", "pipefail", "-c"]
set windows-shell := ["bash.exe", "-euo", "pipefail", "-c"]

# The backend's interpreter, relative to backend/ (every recipe that uses it cd's there first):
# a path built from justfile_directory() holds backslashes on Windows, which bash mangles.
py := if os_family() == "windows" { ".venv/Scripts/python.exe" } else { ".venv/bin/python" }
# Clippy also checks the other OSes' code from any host (it needs no linker). On macOS, the
# WebKit shells and their Objective-C dependencies (objc2-exception-helper) compile C with the
# macOS SDK in their build scripts, so wry-shell and tauri-shell are checked by the macOS CI job
# only; every other crate, including contract's macOS paths, is checked from here.
other_targets := "x86_64-pc-windows-gnu aarch64-apple-darwin"
macos_excluded := "--exclude wry-shell --exclude tauri-shell"

# List the recipes.
default:
    @just --list

# Install what the app and the tests need (idempotent).
setup:
    @scripts/setup.sh all

# Open the app in a shell: `just run` (Tauri), `just run wry`, `just run electron`, `just run electron-headless` (node host, no window).
run shell="tauri": setup
    @scripts/run.sh {{shell}}

# Run every test: backend (ruff, migrations check, pytest), Electron shell (node --test), Rust (fmt,
# clippy for every OS, unit tests), conformance, on Linux the Windows lane under Wine, and the
# installed packages (build the .debs, install them, run them without Python, tamper, remove).
test: setup test-backend test-node test-rust test-wine test-package test-wrap docs

# Backend only: lint, migrations check and pytest, for the demo (backend/) and for the
# desktop-django package (python/desktop-django: its wheel, a core-only start, and that start
# on Django 4.2 LTS, the lowest it supports).
test-backend:
    @printf '\033[1;36m==>\033[0m %s\n' "Backend: ruff, makemigrations --check, pytest"
    cd backend && {{py}} -m ruff check . && {{py}} -m ruff format --check .
    cd python/desktop-django && ../../backend/{{py}} -m ruff check . && ../../backend/{{py}} -m ruff format --check .
    cd backend && DJANGO_SETTINGS_MODULE=flying_stable.settings.dev DESKTOP_DJANGO_APP_DATA_DIR="$(mktemp -d)" {{py}} manage.py makemigrations --check --dry-run
    cd backend && {{py}} -m pytest -q
    cd python/desktop-django && ../../backend/{{py}} -m pytest -q
    @scripts/test-django-lts.sh

# Electron shell (node --test): header rule, guards, lifecycle, token isolation; builds the addon first.
test-node:
    @printf '\033[1;36m==>\033[0m %s\n' "Electron shell: node --test"
    cd shells/neon-electron && npm test

# Rust only: fmt, clippy (this OS and the others), build every shell, then unit tests and the conformance suite.
test-rust: clippy-other-os
    @printf '\033[1;36m==>\033[0m %s\n' "Rust: fmt, clippy, build, cargo test --workspace (incl. conformance)"
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo build --workspace --bins
    cargo test --workspace

# Clippy for Windows and macOS from this machine (targets added by `just setup`).
clippy-other-os:
    #!/usr/bin/env bash
    set -euo pipefail
    # From Linux only: the macOS and Windows CI jobs check their own OS natively, and their hosts
    # lack the C tools some build scripts want for the other target (windres, a Darwin clang).
    if [ "$(uname -s)" != Linux ]; then echo "    clippy for other OSes: runs on Linux hosts"; exit 0; fi
    for target in {{other_targets}}; do
        exclude=""
        case "$target" in *-apple-darwin) exclude="{{macos_excluded}}" ;; esac
        printf '\033[1;36m==>\033[0m %s\n' "Rust: clippy for $target ${exclude:+($exclude)}"
        cargo clippy --workspace $exclude --all-targets --target "$target" -- -D warnings
    done

# Windows lane under Wine (Linux only): cross-compiles for x86_64-pc-windows-gnu and runs the
# process-tree and supervisor tests, an orphan check (SIGKILL from Linux) and the headless shell
# under Wine 8, with Windows process listings as evidence (scripts/wine-lane.sh).
test-wine:
    @scripts/wine-lane.sh

# The conformance suite alone (shell x clause matrix).
conformance:
    cargo build --workspace --bins
    cargo test -p conformance

# Benchmark every shell with a descriptor against the floor, e.g. `just bench --runs 3`, and the
# .deb from `just package` unpacked and run with no Python next to dev mode, with its sizes
# (writes docs/benchmarks/; method: docs/performance.md; `--help` lists the options).
bench *args: setup
    cargo build -p bench
    "${CARGO_TARGET_DIR:-target}/debug/bench" {{args}}

# Build installable apps with the bundled Python runtime (staged once): `just package` (here the
# Tauri and wry .debs; AppImage, DMG, NSIS and Electron on GitHub runners), `just package tauri`
# or `just package wry` for one, then SHA256SUMS. `--debug` bundles the debug build. Writes
# target/package/ (docs/release.md).
package *args: setup
    @scripts/package.sh {{args}}

# Sign release.json (minisign) for the installers in target/package/; the key comes from
# DESKTOP_DJANGO_SIGNING_KEY. Check an update offline with `desktop-django verify` (docs/release.md).
release-manifest:
    @scripts/release-manifest.sh

# A Django project this repository did not write, wrapped with no edits to its files:
# init, doctor, its own tests, the headless shell, a login and an admin add, then the conformance
# suite on the headless row with it as the backend under test (scripts/test-wrap.sh).
test-wrap: setup
    @scripts/test-wrap.sh

# Install the Tauri .deb into this system, run it with no Python and the dev env hidden, refuse a
# modified runtime; install the wry .deb beside it and run that the same way, then purge it;
# remove the Tauri one and check the user's data survived (needs root or sudo; else skips).
test-package: setup
    @scripts/test-package.sh

# Stage the backend as a self-contained PyInstaller runtime in target/package/runtime/ (manifest, checks, smoke tests).
package-runtime: setup
    cd backend && {{py}} ../packaging/runtime/stage.py

# Build the docs site (Sphinx + MyST, docs/) into $CARGO_TARGET_DIR/docs-html (default target/),
# warnings as errors, so a broken local link or anchor fails; the env is docs/.venv from the
# hashed docs/requirements.txt (`scripts/setup.sh docs`, skipped when unchanged).
docs:
    @scripts/setup.sh docs
    @printf '\033[1;36m==>\033[0m %s\n' "Docs: sphinx-build -W into ${CARGO_TARGET_DIR:-target}/docs-html"
    docs/.venv/{{ if os_family() == "windows" { "Scripts/sphinx-build.exe" } else { "bin/sphinx-build" } }} -W --keep-going -n -q -b html docs "${CARGO_TARGET_DIR:-target}/docs-html"
