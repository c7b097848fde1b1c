"""The contract's request gate: Host check, token check, ticket mint and bootstrap.

Put ``DesktopAuthMiddleware`` FIRST in MIDDLEWARE, before WhiteNoise, so that
``/static/…`` needs the token too (C-AUTH-2). CSRF middleware stays on (C-AUTH-7).
"""

from __future__ import annotations

import logging

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.views.decorators.cache import never_cache

from . import app_settings, auth, tickets, wire
from .app_settings import DEFAULT_CSP  # noqa: F401 (its public name here before app_settings)

logger = logging.getLogger(__name__)

TICKET_PATH = wire.TICKET_PATH
BOOTSTRAP_PATH = wire.BOOTSTRAP_PATH


def content_security_policy() -> str:
    """The CSP sent on every response: ``settings.DESKTOP_DJANGO_CSP`` or ``DEFAULT_CSP``
    (``app_settings.csp``; the policy and its reasons are in ``app_settings.DEFAULT_CSP``)."""
    return app_settings.csp()


def _forbidden() -> HttpResponse:
    return HttpResponseForbidden("Forbidden", content_type="text/plain; charset=utf-8")


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
    @never_cache
    def mint(request: HttpRequest, header_ok: bool) -> HttpResponse:
        """``POST /desktop-auth/ticket/``: header token only, never the cookie (C-AUTH-5).

        Returns ``{"ticket": str, "expires_in_ms": 30000}``. Every answer, refusals
        included, is ``never_cache``: a ticket must never come from a cache. CSRF does not
        apply: the response is returned before the CSRF middleware, and a cross-site page
        cannot set the custom header.
        """
        if not header_ok:
            return _forbidden()
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = tickets.store.mint()
        body = {"ticket": ticket, "expires_in_ms": int(tickets.TICKET_TTL_S * 1000)}
        return JsonResponse(body)

    @staticmethod
    @never_cache
    def bootstrap(request: HttpRequest, token: str) -> HttpResponse:
        """``GET /desktop-auth/bootstrap/?ticket=T&next=/`` → 302 + cookie (C-AUTH-5).

        The ticket is consumed before ``next`` is checked, so a ticket is single-use
        even when the redirect is refused. Cookie: HttpOnly, SameSite=Strict, Path=/,
        no Secure (plain-http loopback origin; RFC 6265 §4.1.2.5), session lifetime.
        ``never_cache``, like the ticket: the redirect carries a fresh cookie.
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
        return response
