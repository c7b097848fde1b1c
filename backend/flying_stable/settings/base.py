"""Settings shared by dev and packaged mode (C-DATA-1: they differ only in DEBUG and
where static files come from)."""

from pathlib import Path

from desktop_django import conf

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DESKTOP = conf.load_desktop_toml(BASE_DIR / "desktop.toml")
DESKTOP_DJANGO_APP_DATA_DIR = conf.app_data_dir(DESKTOP["app_id"])
DESKTOP_DJANGO_PRODUCT_NAME = DESKTOP.get("product_name", "Flying Stable")
DESKTOP_DJANGO_VERSION = "0.1.0"
DESKTOP_DJANGO_FIRST_RUN = "ponies.seed.seed_roster"

SECRET_KEY = conf.secret_key(DESKTOP_DJANGO_APP_DATA_DIR)  # C-DATA-4, per install
DEBUG = False
# desktop_django's middleware enforces the exact host:port; this is Django's own layer.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "desktop_django",
    "ponies",
    "routines",
]

MIDDLEWARE = [
    "desktop_django.middleware.DesktopAuthMiddleware",  # first: gates /static/ too
    "django.middleware.security.SecurityMiddleware",
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
                "desktop_django.context_processors.runtime",  # C-PROC-6 banner
            ],
        },
    },
]

DATABASES = conf.sqlite_databases(DESKTOP_DJANGO_APP_DATA_DIR)  # C-DATA-2
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = conf.logging_config(DESKTOP_DJANGO_APP_DATA_DIR)  # C-DATA-6

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
X_FRAME_OPTIONS = "DENY"
