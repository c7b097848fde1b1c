"""``/health/`` and ``/splash/`` (C-READY-1, C-READY-4), the user's uploads under
``MEDIA_URL`` and the CSP report endpoint. The middleware has already checked Host and
token by the time these run. Health and splash are ``never_cache``: a cached health answer
would report a state that has passed, and the splash is shown while the backend is
starting."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from . import app_settings, auth, database
from .conf import EXPECTED_PRAGMAS

_migrated = False  # once true it stays true: nothing un-applies migrations while serving


def app_version() -> str:
    """The app's version string: ``settings.DESKTOP_DJANGO_VERSION`` or this package's
    (``app_settings.version``)."""
    return app_settings.version()


def migrations_applied() -> bool:
    """True when the default database has no unapplied migrations (C-READY-1)."""
    global _migrated
    if not _migrated:
        _migrated = not database.pending_migrations()
    return _migrated


def serving_pragmas() -> dict[str, object]:
    """The pragmas in effect on this thread's connection, as SQLite reports them."""
    values = {}
    with connection.cursor() as cursor:
        for name in EXPECTED_PRAGMAS:
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            values[name] = row[0] if row else None
    return values


def proof(token: str, nonce: str) -> str:
    """hex(HMAC-SHA256(key=token, msg=nonce as UTF-8)): 64 hex chars (C-READY-4)."""
    return hmac.new(token.encode("ascii"), nonce.encode("utf-8"), hashlib.sha256).hexdigest()


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """``GET /health/[?nonce=N]`` → 200 ``{"status": "ok", "version", "sqlite", ["proof"]}``.

    503 with ``status`` "migrating" or "degraded" while migrations are pending, the
    database cannot be opened, or a pragma differs from C-DATA-2.
    """
    try:
        if not migrations_applied():
            return JsonResponse({"status": "migrating"}, status=503)
        sqlite = serving_pragmas()
    except DatabaseError as exc:
        body = {"status": "degraded", "error": type(exc).__name__}
        return JsonResponse(body, status=503)
    ok = sqlite == EXPECTED_PRAGMAS
    body: dict[str, object] = {
        "status": "ok" if ok else "degraded",
        "version": app_version(),
        "sqlite": sqlite,
    }
    nonce = request.GET.get("nonce")
    if nonce is not None:
        body["proof"] = proof(auth.session_token(), nonce)
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
def splash(request: HttpRequest) -> HttpResponse:
    """``GET /splash/``: a self-contained page (inline CSS, no static, no JS)."""
    context = {"product_name": app_settings.product_name()}
    return render(request, "desktop_django/splash.html", context)


# Uploads are the user's data, not the app's code: an HTML or SVG file opened at its
# MEDIA_URL would otherwise run its scripts on the backend's origin, with the session
# cookie. `sandbox` without allow-scripts gives such a document an opaque origin and no
# scripts (CSP3 § 6.3.2); images and media still display, directly or in an <img>.
MEDIA_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
)


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """``GET|HEAD <MEDIA_URL><path>``: the file ``MEDIA_ROOT/<path>`` (an upload, C-DATA-1),
    with its guessed Content-Type, ``Last-Modified`` and ``MEDIA_CSP``.

    Django's ``static.serve`` does the work: one user on loopback needs no web server in
    front, and packaged mode (DEBUG off) still serves uploads, which ``static()`` in a
    project's URLconf does only under DEBUG. 404 for a missing file, a directory, a path
    that leaves ``MEDIA_ROOT`` (``..``, an absolute path; ``safe_join``'s
    ``SuspiciousFileOperation``, which Django would answer with 400 and a security log
    line) and a name the OS refuses (a NUL byte, too long: ``OSError``/``ValueError``),
    never 500. 405 for other methods.
    """
    root = getattr(settings, "MEDIA_ROOT", "")
    if not root:
        # An empty MEDIA_ROOT would make every path relative to the working directory.
        raise Http404("MEDIA_ROOT is not set")
    try:
        response = static.serve(request, path, document_root=str(root))
    except (SuspiciousFileOperation, OSError, ValueError) as exc:
        raise Http404("no such file") from exc
    response["Content-Security-Policy"] = MEDIA_CSP
    return response
