"""Token, Host and redirect-target rules of the runtime contract (C-AUTH-1..6).

Pure functions: no Django request objects, so they are easy to test and to reuse.
"""

from __future__ import annotations

import hmac
import os
import re
import unicodedata
from urllib.parse import urlsplit

from .wire import TOKEN_COOKIE, TOKEN_ENV, TOKEN_HEADER, TOKEN_HEADER_META

# The wire names under their historical names here (defined in `wire`).
HEADER = TOKEN_HEADER
HEADER_META = TOKEN_HEADER_META
COOKIE = TOKEN_COOKIE
_TOKEN_RE = re.compile(r"[0-9a-f]{64}")

_bound_port: int | None = None


class TokenError(RuntimeError):
    """The session token in the environment is missing or malformed (C-AUTH-3)."""


def session_token() -> str:
    """Return ``$DESKTOP_DJANGO_AUTH_TOKEN``: 64 lowercase hex chars (C-AUTH-1).

    Raises ``TokenError`` when it is missing or not exactly 64 lowercase hex chars,
    so callers fail closed (C-AUTH-3). Read on every call: cheap, and tests can patch it.
    """
    token = os.environ.get(TOKEN_ENV, "")
    if not _TOKEN_RE.fullmatch(token):
        state = "missing" if not token else "not 64 lowercase hex characters"
        raise TokenError(f"{TOKEN_ENV} is {state}; refusing to serve without a session token")
    return token


def token_matches(candidate: object, token: str) -> bool:
    """Constant-time check of a header or cookie value against the token (C-AUTH-2).

    Anything that is not a 64-char ASCII string (non-ASCII, 1 MB, empty, a repeated
    header joined with commas) is rejected before the comparison; never raises.
    """
    if not isinstance(candidate, str) or len(candidate) != len(token):
        return False
    try:
        raw = candidate.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(raw, token.encode("ascii"))


def set_bound_port(port: int | None) -> None:
    """Record the port ``desktop_serve`` bound, for the Host check (C-AUTH-6)."""
    global _bound_port
    _bound_port = port


def bound_port() -> int | None:
    """The port recorded by ``set_bound_port``, or None outside ``desktop_serve``."""
    return _bound_port


def host_allowed(host: str | None, port: int | None) -> bool:
    """True when ``host`` is ``127.0.0.1:<port>`` or ``localhost:<port>`` (C-AUTH-6).

    This is the DNS-rebinding defence: a rebound name never matches. When ``port`` is
    None (not under ``desktop_serve``, e.g. the test client) any numeric port of the two
    loopback names is accepted; the name check still applies.
    """
    if not host:
        return False
    name, sep, port_text = host.lower().rpartition(":")
    if not sep or name not in ("127.0.0.1", "localhost"):
        return False
    if not port_text.isascii() or not port_text.isdigit():
        return False
    return port is None or port_text == str(port)


def safe_next(target: str | None) -> bool:
    """True when ``target`` is a safe same-origin relative path (C-AUTH-5).

    Rules: starts with ``/``; not ``//`` (scheme-relative, RFC 3986 §4.2); no backslash
    (browsers treat ``/\\`` like ``//``); no control or format characters; no scheme or
    authority once parsed; at most 2048 chars.
    """
    if not target or len(target) > 2048 or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
