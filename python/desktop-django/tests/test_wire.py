"""``desktop_django.wire`` mirrors the Rust half (``contract/src``): each wire value here is
spelled there, and each ``DESKTOP_DJANGO_*`` variable the contract uses is either one the
backend reads (here) or listed as shell-only. Fails on drift from either side."""

import re
from pathlib import Path

import pytest

from desktop_django import wire

REPO = Path(__file__).resolve().parents[3]
CONTRACT_SRC = REPO / "contract" / "src"
CONFORMANCE_HTTP = REPO / "testing" / "harness" / "src" / "http.rs"

# A Rust string literal, escapes included (the contract uses no raw strings for these).
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ENV_NAME = re.compile(r"DESKTOP_DJANGO_[A-Z_]+")

# The environment variables the backend reads, by their `wire` names.
BACKEND_ENV = {
    wire.APP_DATA_ENV,
    wire.TOKEN_ENV,
    wire.MODE_ENV,
    wire.ROLE_ENV,
    wire.APP_VERSION_ENV,
    wire.GRACE_ENV,
}


def rust_literals(*files: Path) -> list[str]:
    """Every string literal in ``files``, comment lines (``//``, ``///``, ``//!``) skipped,
    so a name that survives only in prose does not count as mirrored."""
    found = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("//"):
                continue
            found += _LITERAL.findall(line)
    return found


@pytest.fixture(scope="module")
def contract() -> list[str]:
    if not CONTRACT_SRC.is_dir():
        pytest.skip(f"no Rust contract at {CONTRACT_SRC} (an installed wheel, not the repo)")
    return rust_literals(*sorted(CONTRACT_SRC.rglob("*.rs")))


def in_rust(value: str, literals: list[str]) -> bool:
    return any(value in literal for literal in literals)


@pytest.mark.parametrize(
    "value",
    sorted(
        {
            *BACKEND_ENV,
            *wire.SHELL_ONLY_ENV,
            *wire.MODES,
            *wire.ROLES,
            *wire.ROLE_COMMANDS.values(),
            wire.READY_PREFIX.rstrip(),
            wire.TOKEN_HEADER,
            wire.HEALTH_PATH,
            wire.TICKET_PATH,
            wire.BOOTSTRAP_PATH,
            wire.WORKER_DOWN_FILE,
        }
    ),
)
def test_each_wire_value_is_spelled_in_the_contract(value, contract):
    assert in_rust(value, contract), f"{value!r} (desktop_django.wire) is not in contract/src"


def test_the_handshake_prefix_ends_in_the_space_the_contract_parses(contract):
    # port.rs's READY_PREFIX has no space; its parser requires one, as its test line shows.
    assert wire.READY_PREFIX.endswith(" ") and wire.READY_PREFIX.count(" ") == 1
    assert in_rust(wire.READY_PREFIX + "{", contract)


def test_every_contract_variable_is_read_here_or_shell_only(contract):
    used = {name for literal in contract for name in _ENV_NAME.findall(literal)}
    used.discard(wire.READY_PREFIX.strip())  # the handshake prefix, not a variable
    unknown = used - BACKEND_ENV - wire.SHELL_ONLY_ENV
    assert not unknown, (
        f"contract/src sets {sorted(unknown)}: add each to desktop_django.wire "
        "(the backend reads it) or to wire.SHELL_ONLY_ENV (only the shell does)"
    )
    assert used >= BACKEND_ENV, f"not in contract/src: {sorted(BACKEND_ENV - used)}"


def contract_text() -> str:
    """Every Rust file of the contract crate, wherever a module lives."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(CONTRACT_SRC.rglob("*.rs")))


def test_role_names_and_commands_match_the_contracts_role_enum(contract):
    launch = contract_text()
    for role, command in wire.ROLE_COMMANDS.items():
        variant = role.capitalize()
        assert re.search(rf'Role::{variant}\s*=>\s*"{role}"', launch), role
        assert re.search(rf'Role::{variant}\s*=>\s*"{command}"', launch), command
    assert re.search(rf'pub const ROLE_ENV: &str = "{wire.ROLE_ENV}";', launch)


def test_the_default_grace_period_matches_the_supervisors():
    if not CONTRACT_SRC.is_dir():
        pytest.skip(f"no Rust contract at {CONTRACT_SRC} (an installed wheel, not the repo)")
    supervisor = contract_text()
    match = re.search(r"pub const DEFAULT_GRACE_MS: u64 = ([\d_]+);", supervisor)
    assert match, "contract::supervisor::DEFAULT_GRACE_MS not found"
    assert int(match.group(1).replace("_", "")) == wire.DEFAULT_GRACE_MS


def test_the_cookie_is_the_one_the_conformance_suite_checks():
    if not CONFORMANCE_HTTP.is_file():
        pytest.skip(f"no test harness at {CONFORMANCE_HTTP} (an installed wheel)")
    assert in_rust(wire.TOKEN_COOKIE, rust_literals(CONFORMANCE_HTTP))


def test_the_header_meta_key_is_the_wsgi_spelling():
    assert wire.TOKEN_HEADER_META == "HTTP_X_DESKTOP_DJANGO_TOKEN"  # noqa: S105 (a META key)
