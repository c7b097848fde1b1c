"""The ``DESKTOP_DJANGO_*`` Django settings: each name and default defined once.

Every reader in the package goes through these accessors; they read ``django.conf.settings``
on each call, so ``override_settings`` in tests takes effect. ``settings.configure()``
writes the first three from ``desktop.toml`` and the project (``APP_DATA_DIR`` always,
``PRODUCT_NAME`` and ``VERSION`` unless the project set them).

| setting | type | default | read by |
| --- | --- | --- | --- |
| ``DESKTOP_DJANGO_APP_DATA_DIR`` | path | None (not wrapped) | checks E004, commands, banner |
| ``DESKTOP_DJANGO_PRODUCT_NAME`` | str | ``"Desktop Django"`` | ``/splash/`` |
| ``DESKTOP_DJANGO_VERSION`` | str | this package's ``__version__`` | ``/health/``, handshake |
| ``DESKTOP_DJANGO_CSP`` | str | ``DEFAULT_CSP`` | ``DesktopAuthMiddleware`` |
| ``DESKTOP_DJANGO_FIRST_RUN`` | dotted path | ``""`` (no hook) | ``desktop_serve`` (C-DATA-3) |

These are settings, not environment variables: the names the shell sets in the
environment (some spelled alike, e.g. ``DESKTOP_DJANGO_APP_DATA_DIR``) are in ``wire``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from . import __version__, wire

APP_DATA_DIR = "DESKTOP_DJANGO_APP_DATA_DIR"
PRODUCT_NAME = "DESKTOP_DJANGO_PRODUCT_NAME"
VERSION = "DESKTOP_DJANGO_VERSION"
CSP = "DESKTOP_DJANGO_CSP"
FIRST_RUN = "DESKTOP_DJANGO_FIRST_RUN"

DEFAULT_PRODUCT_NAME = "Desktop Django"
DEFAULT_FIRST_RUN = ""

# Cookies are not isolated by port (RFC 6265 §8.5) and SameSite treats every port of
# 127.0.0.1 as same-site, so a subresource aimed at another local port would carry the
# session cookie there. 'self' includes the port (CSP3 §6.7.2.8), which confines every
# fetch, image, script, frame and form to the exact backend origin (C-AUTH-4).
# Frames follow the same rule both ways: the backend's own pages may frame each other
# (`frame-src 'self'`: Wagtail's preview, the admin's popups) and be framed only by them
# (`frame-ancestors 'self'`; a browser ignores X-Frame-Options when it is present, CSP3
# §6.4.2.1, and `configure()` sets X_FRAME_OPTIONS = "SAMEORIGIN" to say the same thing).
# `ipc:` and `http://ipc.localhost` are Tauri's IPC transport, not network origins.
# `report-uri` (CSP3 §6.5.1) posts each violation to `views.csp_report`, which logs it to
# backend.log: otherwise a blocked script or image fails silently (docs/wrapping.md,
# "Content-Security-Policy"). CSP3 deprecates it for `report-to`, but every engine the
# shells use still sends it, and it needs no Reporting-Endpoints header.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' ipc: http://ipc.localhost; "
    "media-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'self'; "
    "worker-src 'none'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
    f"report-uri {wire.CSP_REPORT_PATH}"
)


def app_data_dir() -> Path | None:
    """``DESKTOP_DJANGO_APP_DATA_DIR`` as a Path, or None when the settings do not set it
    (a project's own settings, not wrapped by ``configure()``; C-DATA-1)."""
    value = getattr(settings, APP_DATA_DIR, None)
    return None if value is None else Path(value)


def product_name() -> str:
    """``DESKTOP_DJANGO_PRODUCT_NAME`` (``desktop.toml``'s ``product_name``), else
    ``DEFAULT_PRODUCT_NAME``."""
    return getattr(settings, PRODUCT_NAME, DEFAULT_PRODUCT_NAME)


def version() -> str:
    """``DESKTOP_DJANGO_VERSION`` (the project's ``pyproject.toml`` version, or
    ``$DESKTOP_DJANGO_APP_VERSION`` in packaged mode), else this package's version."""
    return getattr(settings, VERSION, __version__)


def csp() -> str:
    """``DESKTOP_DJANGO_CSP``, the Content-Security-Policy on every response (C-AUTH-4),
    else ``DEFAULT_CSP``."""
    return getattr(settings, CSP, DEFAULT_CSP)


def first_run() -> str:
    """``DESKTOP_DJANGO_FIRST_RUN``: a dotted path to a no-argument callable run once per
    database (C-DATA-3), else ``""`` (no hook; the marker is still written)."""
    return getattr(settings, FIRST_RUN, DEFAULT_FIRST_RUN)


def worker_down_marker() -> Path | None:
    """``<app-data>/worker-down`` (``wire.WORKER_DOWN_FILE``), or None without app data."""
    app_data = app_data_dir()
    return None if app_data is None else app_data / wire.WORKER_DOWN_FILE
