"""One call that turns a Django project's settings into desktop settings.

A project is wrapped with new files only. Its ``desktop_settings.py``::

    from mysite.settings import *  # noqa: F403
    from mysite.settings import BASE_DIR

    from desktop_django.settings import configure

    configure(globals(), desktop_toml=BASE_DIR / "desktop.toml", urlconf="mysite.desktop_urls")

``desktop.toml``'s ``[settings]`` names that module for the shells; ``manage.py``, the
project's tests and its deployments keep using the project's own settings. Only
``configure()`` reads ``desktop.toml`` and creates the app-data dir: importing this module
touches no file.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
import tomllib
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import app_settings, conf, wire

AUTH_MIDDLEWARE = "desktop_django.middleware.DesktopAuthMiddleware"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
# Django's own order (startproject): CSRF after these two, before authentication.
_BEFORE_CSRF = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
)
DJANGO_TEMPLATES = "django.template.backends.django.DjangoTemplates"
RUNTIME_CONTEXT_PROCESSOR = "desktop_django.context_processors.runtime"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")  # C-AUTH-6
TASK_APPS = ("django_tasks", "django_tasks_db")
DEFAULT_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
STATIC_STORAGE = "desktop_django.storage.ForgivingManifestStorage"
FRAME_OPTIONS = "SAMEORIGIN"  # X_FRAME_OPTIONS, as the CSP's frame-ancestors 'self'
MEDIA_DIR = "media"  # <app-data>/media: MEDIA_ROOT, the user's uploads


def is_packaged(packaged: bool | None = None) -> bool:
    """Resolve the mode: ``packaged`` when given, else ``$DESKTOP_DJANGO_MODE`` (``dev`` or
    ``packaged``, which the shell sets on both roles), else whether Python is frozen (the
    bundled runtime of C-PKG-1 is a PyInstaller build)."""
    if packaged is not None:
        return packaged
    mode = os.environ.get(wire.MODE_ENV, "").strip().lower()
    if mode in wire.MODES:
        return mode == wire.MODE_PACKAGED
    return bool(getattr(sys, "frozen", False))


def app_version(project_dir: Path) -> str | None:
    """The app's version from its one source, the project's ``pyproject.toml``
    (``[project] version``): ``$DESKTOP_DJANGO_APP_VERSION`` when the shell passes it (a
    packaged runtime, whose manifest carries the version staged from that file), else the
    file beside ``desktop.toml``, else None."""
    version = os.environ.get(wire.APP_VERSION_ENV, "").strip()
    if version:
        return version
    try:
        with open(project_dir / "pyproject.toml", "rb") as fh:
            project = tomllib.load(fh).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    version = project.get("version")
    return version if isinstance(version, str) and version.strip() else None


def configure(
    settings: MutableMapping[str, Any],
    *,
    desktop_toml: str | os.PathLike[str] | None = None,
    packaged: bool | None = None,
    urlconf: str | None = None,
    tasks: bool = False,
    database: bool = True,
) -> None:
    """Apply the runtime contract to a settings namespace, in place.

    ``settings`` is the settings module's ``globals()`` after ``from project.settings
    import *``. ``desktop_toml`` defaults to ``BASE_DIR / "desktop.toml"``; ``packaged``
    defaults to ``is_packaged()``. Lists and dicts are copied before they change, so the
    project's own settings module is never mutated.

    What changes:

    - ``DESKTOP_DJANGO_APP_DATA_DIR``: created, 0700 (C-DATA-1). ``DESKTOP_DJANGO_PRODUCT_NAME``
      from ``desktop.toml`` unless already set.
    - ``MIDDLEWARE``: ``DesktopAuthMiddleware`` first (C-AUTH-2, it gates ``/static/`` too),
      the project's others in order, ``CsrfViewMiddleware`` added if missing (C-AUTH-7).
    - ``INSTALLED_APPS`` += ``desktop_django``; with ``tasks=True`` also ``django_tasks`` and
      ``django_tasks_db``, and ``TASKS`` (the database backend) unless the project has one.
    - ``ALLOWED_HOSTS`` += ``127.0.0.1``, ``localhost`` (C-AUTH-6).
    - ``DATABASES["default"]``: ``<app-data>/app.sqlite3`` with the pragmas (C-DATA-2); other
      aliases kept. ``database=False`` keeps the project's.
    - ``MEDIA_ROOT``: ``<app-data>/media`` (C-DATA-1), replacing the project's; uploads
      are served at a local ``MEDIA_URL`` by ``desktop_django.urls`` in both modes.
    - ``SECRET_KEY``: per install in packaged mode (C-DATA-4); in dev the project's own,
      or the per-install key when the project's is empty.
    - ``LOGGING``: replaced by ``conf.logging_config`` (C-DATA-6): ``backend.log``, or
      ``worker.log`` when the supervisor passed ``DESKTOP_DJANGO_ROLE=worker``.
    - ``TEMPLATES``: the first DjangoTemplates backend gets the ``runtime`` context
      processor (C-PROC-6 banner); one is added when the project has none.
    - Packaged mode: ``DEBUG = False``; with WhiteNoise installed, its middleware right
      after ``SecurityMiddleware`` (else right after ours), ``STORAGES["staticfiles"]`` =
      ``ForgivingManifestStorage``, ``STATIC_ROOT`` defaulting to ``<desktop.toml dir>/
      staticfiles``, and ``WHITENOISE_USE_FINDERS`` only while that is not collected.
    - ``SECURE_CROSS_ORIGIN_OPENER_POLICY = None`` unless the project sets it. The shells
      open no other top-level window (C-SHELL-1), so COOP isolates nothing here, but a COOP
      page reached from the splash makes WebKit start a second web process for it (a
      browsing context group switch, HTML § 7.1.3): about 150 ms before the first paint.
    - ``X_FRAME_OPTIONS = "SAMEORIGIN"`` unless the project sets it: the same rule as the
      default CSP's ``frame-ancestors 'self'``, which browsers apply instead of it (CSP3
      §6.4.2.1), where Django's default ``DENY`` would contradict it.
    - ``ROOT_URLCONF = urlconf`` when given; the project's otherwise.

    Raises ``ImproperlyConfigured`` when ``desktop.toml`` is missing or has no ``app_id``,
    or when ``tasks=True`` without the ``tasks`` extra. On Django 4.2 and 5.0 the database
    gets its pragmas per connection and plain BEGIN transactions (``conf.sqlite_databases``).
    """
    packaged = is_packaged(packaged)
    toml_path = _desktop_toml_path(settings, desktop_toml)
    try:
        identity = conf.load_desktop_toml(toml_path)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"desktop.toml: {exc} (it sits beside manage.py and names app_id; C-SHELL-5)"
        ) from exc
    if tasks:
        missing = [app for app in TASK_APPS if not _importable(app)]
        if missing:
            raise ImproperlyConfigured(
                f"tasks=True needs {', '.join(missing)}: pip install 'desktop-django[tasks]'"
            )

    app_data = conf.app_data_dir(identity["app_id"])
    settings[app_settings.APP_DATA_DIR] = app_data
    if app_settings.PRODUCT_NAME not in settings and identity.get("product_name"):
        settings[app_settings.PRODUCT_NAME] = identity["product_name"]
    if app_settings.VERSION not in settings:
        version = app_version(Path(toml_path).parent)
        if version:
            settings[app_settings.VERSION] = version

    apps = list(settings.get("INSTALLED_APPS", []))
    for app in (*(TASK_APPS if tasks else ()), "desktop_django"):
        if not has_app(apps, app):
            apps.append(app)
    settings["INSTALLED_APPS"] = apps
    if tasks and not settings.get("TASKS"):
        settings["TASKS"] = copy.deepcopy(DEFAULT_TASKS)

    middleware = desktop_middleware(settings.get("MIDDLEWARE", []))
    hosts = list(settings.get("ALLOWED_HOSTS", []))
    settings["ALLOWED_HOSTS"] = hosts + [h for h in LOOPBACK_HOSTS if h not in hosts]

    if database:
        databases = dict(settings.get("DATABASES", {}))
        databases["default"] = conf.sqlite_databases(app_data)["default"]
        settings["DATABASES"] = databases

    # Uploads are the user's data, like the database (C-DATA-1): the project's own media/
    # is read-only in an installed app. desktop_django.urls serves them at MEDIA_URL.
    settings["MEDIA_ROOT"] = app_data / MEDIA_DIR
    if packaged or not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = conf.secret_key(app_data)
    settings["LOGGING"] = conf.logging_config(app_data)
    settings["TEMPLATES"] = desktop_templates(settings.get("TEMPLATES", []))

    if packaged:
        settings["DEBUG"] = False
        if _importable("whitenoise"):
            middleware = _with_whitenoise(middleware)
            _packaged_static(settings, toml_path.parent)
    settings["MIDDLEWARE"] = middleware
    settings.setdefault("SECURE_CROSS_ORIGIN_OPENER_POLICY", None)
    # Django's default DENY would contradict the CSP's `frame-ancestors 'self'`
    # (app_settings.DEFAULT_CSP), which browsers apply instead of X-Frame-Options; a
    # project's own value is kept.
    settings.setdefault("X_FRAME_OPTIONS", FRAME_OPTIONS)
    if urlconf:
        settings["ROOT_URLCONF"] = urlconf


def has_app(installed: list[str], name: str) -> bool:
    """True when ``name`` or one of its AppConfig paths (``name.apps.Config``) is listed."""
    return any(entry == name or entry.startswith(f"{name}.apps.") for entry in installed)


def desktop_middleware(middleware: list[str]) -> list[str]:
    """``DesktopAuthMiddleware`` first, the rest in order, CSRF added if missing."""
    result = [AUTH_MIDDLEWARE, *(m for m in middleware if m != AUTH_MIDDLEWARE)]
    if CSRF_MIDDLEWARE not in result:
        anchors = [i for i, m in enumerate(result) if m in _BEFORE_CSRF]
        result.insert(anchors[-1] + 1 if anchors else 1, CSRF_MIDDLEWARE)
    return result


def desktop_templates(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of TEMPLATES whose first DjangoTemplates backend has the runtime processor."""
    result = copy.deepcopy(list(templates))
    for backend in result:
        if backend.get("BACKEND") == DJANGO_TEMPLATES:
            options = backend.setdefault("OPTIONS", {})
            processors = options.setdefault("context_processors", [])
            if RUNTIME_CONTEXT_PROCESSOR not in processors:
                processors.append(RUNTIME_CONTEXT_PROCESSOR)
            return result
    # desktop_django's /splash/ renders a template: it needs an app-dirs backend.
    result.append(
        {
            "BACKEND": DJANGO_TEMPLATES,
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [RUNTIME_CONTEXT_PROCESSOR]},
        }
    )
    return result


def _with_whitenoise(middleware: list[str]) -> list[str]:
    if WHITENOISE_MIDDLEWARE in middleware:
        return middleware
    # WhiteNoise's docs: right after SecurityMiddleware. Never before ours (C-AUTH-2).
    at = middleware.index(SECURITY_MIDDLEWARE) + 1 if SECURITY_MIDDLEWARE in middleware else 1
    return [*middleware[:at], WHITENOISE_MIDDLEWARE, *middleware[at:]]


def _packaged_static(settings: MutableMapping[str, Any], project_dir: Path) -> None:
    storages = copy.deepcopy(dict(settings.get("STORAGES") or {}))
    # Django < 5.1 spelling: STORAGES and these two are mutually exclusive there.
    default_backend = settings.pop("DEFAULT_FILE_STORAGE", None)
    settings.pop("STATICFILES_STORAGE", None)
    storages.setdefault(
        "default", {"BACKEND": default_backend or "django.core.files.storage.FileSystemStorage"}
    )
    storages["staticfiles"] = {"BACKEND": STATIC_STORAGE}
    settings["STORAGES"] = storages
    static_root = Path(settings.get("STATIC_ROOT") or project_dir / "staticfiles")
    settings["STATIC_ROOT"] = static_root
    # Packaged settings run from an uncollected checkout too: serve from the apps then.
    settings["WHITENOISE_USE_FINDERS"] = not (static_root / "staticfiles.json").exists()


def _desktop_toml_path(
    settings: MutableMapping[str, Any], desktop_toml: str | os.PathLike[str] | None
) -> Path:
    if desktop_toml is not None:
        return Path(desktop_toml)
    base_dir = settings.get("BASE_DIR")
    if base_dir is None:
        raise ImproperlyConfigured(
            "configure() needs desktop_toml=... (no BASE_DIR to find desktop.toml beside)"
        )
    return Path(base_dir) / "desktop.toml"


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
