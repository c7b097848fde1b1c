"""Dev mode: the project's settings made desktop settings, DEBUG on, static files straight
from the apps (no collectstatic)."""

from desktop_django.settings import configure

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

configure(globals(), desktop_toml=BASE_DIR / "desktop.toml", packaged=False, tasks=True)
