"""A WSGI wrapper writing one JSON object per request to ``desktop_django.access``
(C-DATA-6, C-READY-2). Waitress has no access log of its own.

Line shape: ``{"ts": 1763750000.123, "method": "GET", "path": "/health/?nonce=…",
"status": 200, "ua": "…", "ms": 1.9}``; ``ts`` is Unix time in seconds (float).
"""

from __future__ import annotations

import json
import logging
import os
import time
from urllib.parse import parse_qsl, urlencode

from .wire import TOKEN_COOKIE, TOKEN_ENV

logger = logging.getLogger("desktop_django.access")

SECRET_PARAMS = frozenset({"ticket", "token", TOKEN_COOKIE})
REDACTED = "[redacted]"


def scrub(path: str, query: str, token: str | None) -> str:
    """Return ``path?query`` with tickets and the session token redacted (C-AUTH-1).

    Values of ``ticket``/``token`` parameters are replaced, and so is any literal
    occurrence of ``token`` anywhere in the path or query.
    """
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        pairs = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
        path = f"{path}?{urlencode(pairs, safe='/[]')}"
    if token:
        path = path.replace(token, REDACTED)
    return path


class AccessLogMiddleware:
    """WSGI middleware: ``AccessLogMiddleware(app)``; logs when the response starts."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()

        def logging_start_response(status, headers, exc_info=None):
            self._log(environ, status, started)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, logging_start_response)
        except Exception:
            self._log(environ, "500", started)
            raise

    @staticmethod
    def _log(environ, status: str, started: float) -> None:
        path = environ.get("PATH_INFO", "")
        line = {
            "ts": round(time.time(), 3),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": scrub(path, environ.get("QUERY_STRING", ""), os.environ.get(TOKEN_ENV)),
            "status": int(status.split(" ", 1)[0]),
            "ua": environ.get("HTTP_USER_AGENT", "")[:256],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        logger.info(json.dumps(line, ensure_ascii=False))
