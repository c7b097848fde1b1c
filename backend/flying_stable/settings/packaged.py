"""Packaged mode: DEBUG off, static files from STATIC_ROOT (``collectstatic`` runs when
the bundle is staged), compressed and cache-busted by WhiteNoise."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT

DEBUG = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "desktop_django.storage.ForgivingManifestStorage"},
}
# Not collected (packaged settings run from a checkout): serve from the apps instead.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
