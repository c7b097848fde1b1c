# Desktop Django Starter: `just run` opens the app, `just test` runs every test.
# Both do their own set-up (system packages, the backend's Python env, npm packages).

set shell := ["bash", "-euo", "pipefail", "-c"]
set windows-shell := ["bash.exe", "-euo", "pipefail", "-c"]

backend := justfile_directory() / "backend"
py := if os_family() == "windows" { backend / ".venv/Scripts/python.exe" } else { backend / ".venv/bin/python" }

# List the recipes.
default:
    @just --list

# Install what the app and the tests need (idempotent).
setup:
    @scripts/setup.sh all

# Open the app in a shell: `just run` (Tauri), `just run wry`, `just run electron`, `just run electron-headless` (node host, no window).
run shell="tauri": setup
    @scripts/run.sh {{shell}}

# Run every test: backend (ruff, migrations check, pytest), Rust (fmt, clippy, unit tests), conformance.
test: setup test-backend test-node test-rust

# Backend only: lint, migrations check and pytest.
test-backend:
    @printf '\033[1;36m==>\033[0m %s\n' "Backend: ruff, makemigrations --check, pytest"
    cd backend && {{py}} -m ruff check . && {{py}} -m ruff format --check .
    cd backend && DJANGO_SETTINGS_MODULE=flying_stable.settings.dev DESKTOP_DJANGO_APP_DATA_DIR="$(mktemp -d)" {{py}} manage.py makemigrations --check --dry-run
    cd backend && {{py}} -m pytest -q

# Electron shell (node --test): header rule, guards, lifecycle, token isolation; builds the addon first.
test-node:
    @printf '\033[1;36m==>\033[0m %s\n' "Electron shell: node --test"
    cd shells/neon-electron && npm test

# Rust only: fmt, clippy, build every shell, then unit tests and the conformance suite.
test-rust:
    @printf '\033[1;36m==>\033[0m %s\n' "Rust: fmt, clippy, build, cargo test --workspace (incl. conformance)"
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo build --workspace --bins
    cargo test --workspace

# The conformance suite alone (shell x clause matrix).
conformance:
    cargo build --workspace --bins
    cargo test -p conformance

# Benchmark every shell with a descriptor against the floor, e.g. `just bench --runs 3`
# (writes docs/benchmarks/; method: docs/performance.md; `--help` lists the options).
bench *args: setup
    cargo build -p bench
    "${CARGO_TARGET_DIR:-target}/debug/bench" {{args}}
