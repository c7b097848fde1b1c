"""Include at the root: ``path("", include("desktop_django.urls"))``.

A wrapped project does it in a new ``desktop_urls.py``, leaving its own URLconf alone::

    from django.contrib.staticfiles.urls import staticfiles_urlpatterns
    from mysite.urls import urlpatterns as project_patterns

    urlpatterns = [
        path("", include("desktop_django.urls")),
        *project_patterns,
        *staticfiles_urlpatterns(),  # dev mode, DEBUG on: waitress is no runserver
    ]

and names that module in ``configure(..., urlconf="mysite.desktop_urls")``. The shell
waits for ``/health/`` at the root (C-READY-1); check ``desktop_django.E005`` says so when
it is not routed here.

The ticket and bootstrap endpoints live in the middleware, so they work whatever
the project's URLconf does; these are the plain views, the CSP report endpoint
(``wire.CSP_REPORT_PATH``, the default CSP's ``report-uri``) and the user's uploads at
``MEDIA_URL`` (``media_patterns``) in both modes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import URLPattern, path, re_path

from . import views, wire

app_name = "desktop_django"


def media_prefix(media_url: str | None) -> str | None:
    """The path prefix of ``MEDIA_URL`` without its leading slash (``"/media/"`` →
    ``"media/"``), or None when uploads are not ours to serve: an empty URL, one on
    another host (``https://cdn…``, ``//host/``) or the bare root ``/``, which would
    shadow every page."""
    if not media_url:
        return None
    parts = urlsplit(media_url)
    if parts.scheme or parts.netloc:
        return None
    prefix = parts.path.lstrip("/")
    return prefix or None


def media_patterns() -> list[URLPattern]:
    """``<MEDIA_URL><path>`` → ``views.media`` when MEDIA_URL is a local path, else none.

    ``configure()`` puts ``MEDIA_ROOT`` in app data (C-DATA-1); a project's own
    ``static(MEDIA_URL, ...)`` serves it only under DEBUG, so packaged mode needs this.
    """
    prefix = media_prefix(getattr(settings, "MEDIA_URL", ""))
    if prefix is None:
        return []
    return [re_path(rf"^{re.escape(prefix)}(?P<path>.*)$", views.media, name="media")]


urlpatterns = [
    path("health/", views.health, name="health"),
    path("splash/", views.splash, name="splash"),
    path(wire.CSP_REPORT_PATH.lstrip("/"), views.csp_report, name="csp-report"),
    *media_patterns(),
]
