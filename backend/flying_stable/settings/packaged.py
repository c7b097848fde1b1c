"""Packaged mode: the project's settings made desktop settings with the per-install secret
(C-DATA-4), DEBUG off, and static files from STATIC_ROOT (``collectstatic`` runs when the
bundle is staged), compressed and cache-busted by WhiteNoise; from an uncollected checkout
WhiteNoise serves them from the apps instead."""

from desktop_django.settings import configure

from .base import *  # noqa: F403
from .base import BASE_DIR

configure(globals(), desktop_toml=BASE_DIR / "desktop.toml", packaged=True, tasks=True)
