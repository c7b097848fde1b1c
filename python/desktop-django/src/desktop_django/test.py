"""Testing support: a test client that talks to desktop_django the way a shell does.

    from desktop_django.test import DesktopClient, session_token

    def test_home():
        with session_token():
            response = DesktopClient().get("/")
        assert response.status_code == 200

``DesktopAuthMiddleware`` reads the token from ``$DESKTOP_DJANGO_AUTH_TOKEN`` on every
request (C-AUTH-1) and answers 403 without it; ``session_token()`` sets one for a block,
or a test settings module can ``os.environ.setdefault`` it before the settings import.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.test import Client

from . import auth
from .wire import TOKEN_ENV

# Any port passes the Host check outside desktop_serve (auth.host_allowed); one is needed
# because the shell always sends one.
DEFAULT_PORT = 8000


@contextmanager
def session_token(token: str | None = None) -> Iterator[str]:
    """Set ``$DESKTOP_DJANGO_AUTH_TOKEN`` for the block, as a shell does for the backend
    (C-AUTH-1), and restore the previous value after. ``token`` defaults to a fresh one:
    64 lowercase hex characters from ``secrets``. Yields the token."""
    token = token if token is not None else secrets.token_hex(32)
    previous = os.environ.get(TOKEN_ENV)
    os.environ[TOKEN_ENV] = token
    try:
        yield token
    finally:
        if previous is None:
            os.environ.pop(TOKEN_ENV, None)
        else:
            os.environ[TOKEN_ENV] = previous


class DesktopClient(Client):
    """``django.test.Client`` with the headers an Electron-style shell sends (C-AUTH-4):
    ``X-Desktop-Django-Token: <token>`` and ``Host: 127.0.0.1:<port>`` (C-AUTH-6).

    ``token`` defaults to ``$DESKTOP_DJANGO_AUTH_TOKEN`` (``auth.TokenError`` when it is not
    set: the middleware would answer 403 anyway). ``port`` defaults to the port
    ``desktop_serve`` bound (``auth.bound_port()``), else ``DEFAULT_PORT``. Other keyword
    arguments go to ``Client`` (``enforce_csrf_checks=True`` tests C-AUTH-7).
    """

    def __init__(self, *args, token: str | None = None, port: int | None = None, **defaults):
        self.desktop_token = token if token is not None else auth.session_token()
        self.desktop_port = port or auth.bound_port() or DEFAULT_PORT
        defaults.setdefault("HTTP_HOST", f"127.0.0.1:{self.desktop_port}")
        defaults.setdefault(auth.HEADER_META, self.desktop_token)
        super().__init__(*args, **defaults)
