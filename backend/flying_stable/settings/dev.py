"""Dev mode: DEBUG on, static files straight from the apps (no collectstatic)."""

from .base import *  # noqa: F403

DEBUG = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
