"""The Flying Stable project's own settings: a plain Django settings module.

Nothing here knows about the desktop runtime. ``dev.py`` and ``packaged.py`` are the
desktop settings modules that ``desktop.toml`` names; each imports this one and makes it
desktop settings with one ``desktop_django.settings.configure(globals(), ...)`` call, the
same route as wrapping any other project (docs/wrapping.md).
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DESKTOP_DJANGO_FIRST_RUN = "ponies.seed.seed_roster"

# Dev only: configure() swaps in a per-install key for packaged mode (C-DATA-4).
SECRET_KEY = "django-insecure-flying-stable-dev-only-not-for-packaged-builds"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ponies",
    "routines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Dev mode runs under waitress, not runserver: WhiteNoise serves static files there too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # C-AUTH-7
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "flying_stable.urls"
WSGI_APPLICATION = "flying_stable.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "flying_stable" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "flying_stable.context.desktop",
            ],
        },
    },
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "flying_stable" / "static"]

# Forms here are small; anything larger is not a pony. Django answers 400 above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# The shell's cookie is the session; Django needs no session or auth apps.
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
