"""Settings helpers for a desktop-wrapped Django project (C-DATA-1, -2, -4, -6).

The building blocks of ``desktop_django.settings.configure``. Importing this module reads
no file and creates no folder; ``app_data_dir``, ``secret_key`` and ``logging_config``
write to the app-data dir when called. Nothing here touches Django's app registry.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

import django
import platformdirs

from . import wire

# Kept here for existing importers; the one definition of each is in `wire`.
APP_DATA_ENV = wire.APP_DATA_ENV
TOKEN_ENV = wire.TOKEN_ENV
MODE_ENV = wire.MODE_ENV  # "dev" or "packaged", set by the shell on both roles
APP_VERSION_ENV = wire.APP_VERSION_ENV  # packaged mode: the runtime manifest's app_version
ROLE_ENV = wire.ROLE_ENV  # "web" or "worker", set by the shell on each role's process

# C-DATA-6: each role's Python log, one writer per file (Windows cannot rename an open file,
# so two processes must never rotate one). A process that is no role (a developer's own
# `manage.py` call) writes `backend.log`, as the web role does.
ROLE_LOG_FILES: dict[str | None, str] = {
    wire.ROLE_WEB: "backend.log",
    wire.ROLE_WORKER: "worker.log",
    None: "backend.log",
}

# C-DATA-2: every connection runs with these. Values as `PRAGMA x` reports them back.
SQLITE_PRAGMAS: dict[str, str] = {
    "journal_mode": "WAL",
    "synchronous": "NORMAL",
    "cache_size": "-20000",
    "mmap_size": "134217728",
    "temp_store": "MEMORY",
    "foreign_keys": "ON",
}
SQLITE_TIMEOUT_S = 20


def load_desktop_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the project's identity file (C-SHELL-5).

    Returns the parsed TOML as a dict with at least ``app_id`` (str).
    Raises ``ValueError`` when ``app_id`` is missing or empty.
    """
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    if not isinstance(data.get("app_id"), str) or not data["app_id"].strip():
        raise ValueError(f"{path}: app_id is missing")
    return data


def app_data_path(app_id: str) -> Path:
    """Resolve the per-user, per-app data dir without touching the disk (C-DATA-1).

    ``$DESKTOP_DJANGO_APP_DATA_DIR`` wins; otherwise the platform user data dir for
    ``app_id`` (XDG data dir, ~/Library/Application Support, or roaming %APPDATA%), the
    same place as the shell's ``contract::paths::default_root``.
    """
    override = os.environ.get(APP_DATA_ENV, "").strip()
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(app_id, appauthor=False, roaming=True))


def app_data_dir(app_id: str) -> Path:
    """Resolve and create the per-user, per-app data dir (C-DATA-1): ``app_data_path``,
    created with mode 0700 on POSIX (an existing dir is tightened to 0700 too).

    It writes to disk, so call it only from settings that a shell runs (what
    ``desktop_django.settings.configure`` does), never at import time of a module that
    every ``manage.py`` call loads.
    """
    path = app_data_path(app_id)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def sqlite_databases(app_data: Path, name: str = "app.sqlite3") -> dict[str, Any]:
    """Return a DATABASES dict for ``<app-data>/app.sqlite3`` (C-DATA-2).

    Every connection (web threads and the worker) gets a 20 s busy timeout and the
    contract's pragmas (SQLite: WAL mode, synchronous=NORMAL, ...). On Django >= 5.1 they
    come from the ``init_command`` OPTION, with ``transaction_mode`` IMMEDIATE (BEGIN
    IMMEDIATE: a writer takes the lock when its transaction starts, so two writers wait on
    the busy timeout instead of failing on an upgrade). Django 4.2 and 5.0 have neither
    OPTION: there ``desktop_django`` sets the pragmas when a connection is created
    (``database.apply_pragmas``), and transactions start with a plain BEGIN.
    """
    options: dict[str, Any] = {"timeout": SQLITE_TIMEOUT_S}
    if django.VERSION >= (5, 1):
        options["transaction_mode"] = "IMMEDIATE"
        options["init_command"] = ";".join(
            f"PRAGMA {key}={value}" for key, value in SQLITE_PRAGMAS.items()
        )
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": app_data / name,
            "OPTIONS": options,
        }
    }


def secret_key(app_data: Path, filename: str = "secret_key") -> str:
    """Return the per-install SECRET_KEY, generating it on first use (C-DATA-4).

    The key file is created atomically with mode 0600, so two processes starting
    at once agree on one key. The key is 64 URL-safe characters (384 bits).
    """
    path = app_data / filename
    if not path.exists():
        # Write a private temp file, then link it into place: the key appears whole or
        # not at all, and if two processes race, the first link wins (EEXIST).
        tmp = app_data / f".{filename}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 50:
        raise ValueError(f"{path} is too short to be a secret key; delete it to regenerate")
    return key


def process_role() -> str | None:
    """This process's supervised role, from ``$DESKTOP_DJANGO_ROLE`` (C-PROC-1), which the
    shell's supervisor sets on each child (``contract::launch::ROLE_ENV``): ``"web"`` or
    ``"worker"`` (``wire.ROLES``). None when unset or anything else: a developer's own
    ``manage.py`` call, which is no role."""
    role = os.environ.get(wire.ROLE_ENV, "").strip().lower()
    return role if role in wire.ROLES else None


def logging_config(
    app_data: Path, max_bytes: int = 2_000_000, backups: int = 3, role: str | None = None
) -> dict:
    """Return a LOGGING dict writing to ``<app-data>/logs/`` with rotation (C-DATA-6).

    Python logging at INFO goes to the role's file, ``ROLE_LOG_FILES``: ``backend.log``
    for the web role and for no role, ``worker.log`` for the task worker, so two processes
    never rotate one file (Windows cannot rename an open file). ``role`` defaults to
    ``process_role()``, i.e. what the supervisor passed in ``$DESKTOP_DJANGO_ROLE``.
    ``access.log`` gets one JSON object per request from ``desktop_django.access``.
    Errors are also copied to stderr, which the shell folds into shell.log.
    ``waitress.queue`` logs from ERROR up only (its queue-depth warnings are noise here).
    Files rotate at ``max_bytes`` bytes, keeping ``backups`` old ones.
    """
    logs = app_data / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    backend = ROLE_LOG_FILES[role if role in wire.ROLES else process_role()]

    def rotating(filename: str, formatter: str) -> dict:
        return {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(logs / filename),
            "maxBytes": max_bytes,
            "backupCount": backups,
            "encoding": "utf-8",
            "delay": True,
            "formatter": formatter,
        }

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"},
            "raw": {"format": "%(message)s"},
        },
        "handlers": {
            "backend": rotating(backend, "plain"),
            "access": rotating("access.log", "raw"),
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "level": "ERROR",
                "formatter": "plain",
            },
        },
        "root": {"handlers": ["backend", "stderr"], "level": "INFO"},
        "loggers": {
            # Replace Django's DEBUG-only console handler: 4xx lines belong in the log file.
            "django": {"handlers": ["backend", "stderr"], "level": "INFO", "propagate": False},
            "desktop_django.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            # waitress warns "Task queue depth is N" whenever a request waits for one of
            # serve.py's 4 threads, which every page with a dozen scripts and stylesheets
            # does (the admin loads ~15 at once). One user's burst of static files drains
            # in milliseconds, so the warning says nothing here; more threads would only
            # move the threshold (and cost memory per thread), so its errors are kept.
            "waitress.queue": {"level": "ERROR"},
        },
    }


# C-READY-1: what `PRAGMA x` must report on a serving connection for /health/ to say ok.
EXPECTED_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": 1,
    "cache_size": -20000,
    "mmap_size": 134217728,
    "temp_store": 2,
    "foreign_keys": 1,
    "busy_timeout": SQLITE_TIMEOUT_S * 1000,
}
