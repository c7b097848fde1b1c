"""``/health/`` and ``/splash/`` (C-READY-1, C-READY-4), the user's uploads under
``MEDIA_URL`` and the CSP report endpoint. The middleware has already checked Host and
token by the time these run. Health and splash are ``never_cache``: a cached health answer
would report a state that has passed, and the splash is shown while the backend is
starting."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import app_settings, auth, database
from .conf import EXPECTED_PRAGMAS

_migrated = False  # once true it stays true: nothing un-applies migrations while serving

csp_logger = logging.getLogger("desktop_django.csp")  # propagates to the role's log file


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


# Content-Security-Policy reports ------------------------------------------------------------

# CSP3 §5.3 "Report a violation", for report-uri: `application/csp-report`, one
# {"csp-report": {...}} object.
# Reporting API (W3C Reporting §3.6): `application/reports+json`, a list of reports whose
# `type` is "csp-violation" for these.
CSP_REPORT_TYPES = ("application/csp-report", "application/reports+json")
MAX_CSP_REPORT_BYTES = 64 * 1024  # a report is a few hundred bytes; more is not one
MAX_CSP_DISTINCT = 256  # per process: a page that builds URLs must not grow the set forever
CSP_DOCS = "docs/wrapping.md#content-security-policy"
_DIRECTIVE = re.compile(r"^[a-z][a-z-]{0,39}$")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_csp_seen: set[tuple[str, str]] = set()
_csp_lock = threading.Lock()  # waitress serves on several threads


class BadReport(ValueError):
    """The body is not a CSP report of the declared type."""


def _no_query(value: object) -> str:
    # The query string is never logged: tickets and other secrets travel in it.
    text = str(value or "").split("?", 1)[0].split("#", 1)[0]
    return _UNPRINTABLE.sub("", text)[:200] or "(none)"


def _violations(content_type: str, payload: object) -> list[tuple[str, str, str]]:
    """``(directive, blocked URI, document path)`` of each CSP violation in ``payload``,
    query strings and fragments removed. Raises ``BadReport`` for another shape."""
    if content_type == "application/csp-report":
        report = payload.get("csp-report") if isinstance(payload, dict) else None
        if not isinstance(report, dict):
            raise BadReport("no csp-report object")
        fields = [
            (
                report.get("effective-directive") or report.get("violated-directive"),
                report.get("blocked-uri"),
                report.get("document-uri"),
            )
        ]
    else:
        if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
            raise BadReport("not a list of reports")
        fields = []
        for report in payload:
            body = report.get("body")
            if report.get("type") != "csp-violation":
                continue  # other report types (deprecation, ...) are not ours to log
            if not isinstance(body, dict):
                raise BadReport("a csp-violation report without a body")
            fields.append(
                (body.get("effectiveDirective"), body.get("blockedURL"), body.get("documentURL"))
            )
    found = []
    for directive, blocked, document in fields:
        # CSP2's violated-directive is the whole directive ("script-src 'self'").
        name = str(directive or "").strip().split(" ", 1)[0].lower()
        document_path = (urlsplit(_no_query(document)).path if document else "") or "(unknown page)"
        found.append(
            (name if _DIRECTIVE.match(name) else "unknown", _no_query(blocked), document_path)
        )
    return found


# Browsers post reports without a CSRF token (CSP3 §5.3). A forged one changes no data,
# it can add a log line at most, and the token gate above still applies.
@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """``POST wire.CSP_REPORT_PATH``: a Content-Security-Policy violation report, the
    default CSP's ``report-uri`` (``app_settings.DEFAULT_CSP``).

    Body: ``application/csp-report`` (``{"csp-report": {...}}``, CSP3 §5.3) or
    ``application/reports+json`` (a list of Reporting API reports), at most
    ``MAX_CSP_REPORT_BYTES``. Logs one WARNING on ``desktop_django.csp`` per distinct
    (directive, blocked URI without its query) per process, the first ``MAX_CSP_DISTINCT``
    of them: "Content-Security-Policy blocked <uri> (<directive>) on <page path>; see
    docs/wrapping.md#content-security-policy". Answers 204; 413 for a larger body, 415 for
    another Content-Type, 400 for malformed JSON or another shape, 405 for other methods.
    The middleware's gate applies as everywhere: the webview's report carries the session
    cookie (credentials mode "same-origin", CSP3 §5.3).
    """
    content_type = (request.content_type or "").lower()
    if content_type not in CSP_REPORT_TYPES:
        return HttpResponse(status=415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_CSP_REPORT_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_CSP_REPORT_BYTES + 1)
    if len(body) > MAX_CSP_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _violations(content_type, json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError and BadReport included
        return HttpResponse(status=400)
    for directive, blocked, document in violations:
        key = (directive, blocked)
        with _csp_lock:
            if key in _csp_seen or len(_csp_seen) >= MAX_CSP_DISTINCT:
                continue
            _csp_seen.add(key)
        csp_logger.warning(
            "Content-Security-Policy blocked %s (%s) on %s; see %s",
            blocked,
            directive,
            document,
            CSP_DOCS,
        )
    return HttpResponse(status=204)
