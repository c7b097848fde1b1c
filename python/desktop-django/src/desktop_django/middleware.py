"""The contract's request gate: Host check, token check, ticket mint and bootstrap.

Put ``DesktopAuthMiddleware`` FIRST in MIDDLEWARE, before WhiteNoise, so that
``/static/…`` needs the token too (C-AUTH-2). CSRF middleware stays on (C-AUTH-7).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)

from . import auth, tickets

logger = logging.getLogger(__name__)

TICKET_PATH = "/desktop-auth/ticket/"
BOOTSTRAP_PATH = "/desktop-auth/bootstrap/"

# Cookies are not isolated by port (RFC 6265 §8.5) and SameSite treats every port of
# 127.0.0.1 as same-site, so a subresource aimed at another local port would carry the
# session cookie there. 'self' includes the port (CSP3 §6.7.2.8), which confines every
# fetch, image, script, frame and form to the exact backend origin (C-AUTH-4).
# `ipc:` and `http://ipc.localhost` are Tauri's IPC transport, not network origins.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' ipc: http://ipc.localhost; "
    "media-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; "
    "worker-src 'none'; manifest-src 'self'; base-uri 'none'; form-action 'self'"
)


def content_security_policy() -> str:
    """The CSP sent on every response: ``settings.DESKTOP_DJANGO_CSP`` or ``DEFAULT_CSP``."""
    return getattr(settings, "DESKTOP_DJANGO_CSP", DEFAULT_CSP)


def _forbidden() -> HttpResponse:
    return HttpResponseForbidden("Forbidden", content_type="text/plain; charset=utf-8")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class DesktopAuthMiddleware:
    """Gate every request (C-AUTH-2, -3, -5, -6).

    Every response, refusals included, carries the CSP above (C-AUTH-4).
    Order: bad Host → 400; token unset/malformed in the environment → 403 for
    everything (fail closed); bootstrap URL → ticket check; ticket URL → header token
    only; anything else → header or cookie token, else 403.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.gate(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        return response

    def gate(self, request: HttpRequest) -> HttpResponse:
        if not auth.host_allowed(request.META.get("HTTP_HOST"), auth.bound_port()):
            return HttpResponseBadRequest("Bad Host header", content_type="text/plain")
        try:
            token = auth.session_token()
        except auth.TokenError:
            logger.error("no valid session token in the environment; denying all requests")
            return _forbidden()
        path = request.path_info
        if path == BOOTSTRAP_PATH:
            return self.bootstrap(request, token)
        header_ok = auth.token_matches(request.META.get(auth.HEADER_META), token)
        if path == TICKET_PATH:
            return self.mint(request, header_ok)
        if header_ok or auth.token_matches(request.COOKIES.get(auth.COOKIE), token):
            return self.get_response(request)
        return _forbidden()

    @staticmethod
    def mint(request: HttpRequest, header_ok: bool) -> HttpResponse:
        """``POST /desktop-auth/ticket/``: header token only, never the cookie (C-AUTH-5).

        Returns ``{"ticket": str, "expires_in_ms": 30000}``. CSRF does not apply: the
        response is returned before the CSRF middleware, and a cross-site page cannot
        set the custom header.
        """
        if not header_ok:
            return _forbidden()
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = tickets.store.mint()
        body = {"ticket": ticket, "expires_in_ms": int(tickets.TICKET_TTL_S * 1000)}
        return _no_store(JsonResponse(body))

    @staticmethod
    def bootstrap(request: HttpRequest, token: str) -> HttpResponse:
        """``GET /desktop-auth/bootstrap/?ticket=T&next=/`` → 302 + cookie (C-AUTH-5).

        The ticket is consumed before ``next`` is checked, so a ticket is single-use
        even when the redirect is refused. Cookie: HttpOnly, SameSite=Strict, Path=/,
        no Secure (plain-http loopback origin; RFC 6265 §4.1.2.5), session lifetime.
        """
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not tickets.store.consume(request.GET.get("ticket")):
            return _forbidden()
        target = request.GET.get("next", "/")
        if not auth.safe_next(target):
            return _forbidden()
        response = HttpResponseRedirect(target)
        response.set_cookie(
            auth.COOKIE, token, path="/", httponly=True, samesite="Strict", secure=False
        )
        return _no_store(response)
