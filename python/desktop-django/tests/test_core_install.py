"""With only the core dependencies (Django, waitress, platformdirs), a project that adds
desktop_django starts: ``django.setup()``, every module imports, ``check`` and ``migrate``
pass. The extras' imports are confined to where they are used: ``desktop_worker`` and
``desktop_django.storage`` fail with a message naming the extra, not a ModuleNotFoundError.

The extras are installed in the backend's env and in the Django 4.2 env of
``scripts/test-django-lts.sh``, so each run is a subprocess whose import system refuses them
(a meta-path finder that raises ModuleNotFoundError, as a missing package does).
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

EXTRAS = ("django_tasks", "django_tasks_db", "whitenoise")

SETTINGS = textwrap.dedent(
    """
    import os
    from pathlib import Path

    SECRET_KEY = "core-install-test-" + "x" * 50
    INSTALLED_APPS = ["django.contrib.contenttypes", "desktop_django"]
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    MIDDLEWARE = [
        "desktop_django.middleware.DesktopAuthMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    ROOT_URLCONF = "desktop_django.urls"
    TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(os.environ["CORE_TEST_DIR"]) / "db.sqlite3",
        }
    }
    USE_TZ = True
    """
)

PROBE = textwrap.dedent(
    """
    import importlib, importlib.abc, io, json, pkgutil, sys

    BLOCKED = set(sys.argv[1].split(","))

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Missing())

    import django
    django.setup()

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.core.management.base import CommandError
    import desktop_django

    report = {"imported": [], "failed": {}}
    for mod in pkgutil.walk_packages(desktop_django.__path__, "desktop_django."):
        try:
            importlib.import_module(mod.name)
            report["imported"].append(mod.name)
        except Exception as exc:
            report["failed"][mod.name] = f"{type(exc).__name__}: {exc}"

    call_command("check", stdout=io.StringIO())
    call_command("migrate", verbosity=0)
    try:
        call_command("desktop_worker", "--no-lifeline")
    except CommandError as exc:
        report["worker"] = str(exc)
    report["loaded_extras"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print("CORE_PROBE " + json.dumps(report))
    """
)


def run_probe(tmp, settings: str, script: str, marker: str, *args: str, **env_extra) -> dict:
    """Runs ``script`` with ``settings`` (module texts) in a fresh interpreter whose
    environment has no ``DJANGO_*``/``DESKTOP_*`` of ours; returns the JSON it printed after
    ``marker``. Fails the test with its output when it exits non-zero or prints nothing."""
    (tmp / "probe_settings.py").write_text(settings, encoding="utf-8")
    (tmp / "probe.py").write_text(script, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESKTOP_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="probe_settings",
        PYTHONPATH=str(tmp),
        CORE_TEST_DIR=str(tmp),
        **env_extra,
    )
    proc = subprocess.run(
        [sys.executable, str(tmp / "probe.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(marker + " ")]
    assert proc.returncode == 0 and lines, f"probe failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1].removeprefix(marker + " "))


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("core")
    return run_probe(
        tmp,
        SETTINGS,
        PROBE,
        "CORE_PROBE",
        ",".join(EXTRAS),
        DESKTOP_DJANGO_APP_DATA_DIR=str(tmp / "app-data"),
    )


def test_every_module_but_storage_imports_without_the_extras(probe):
    assert set(probe["failed"]) == {"desktop_django.storage"}, probe["failed"]
    assert "desktop_django.management.commands.desktop_worker" in probe["imported"]
    assert "desktop_django.management.commands.desktop_serve" in probe["imported"]
    assert "desktop_django.models" in probe["imported"]


def test_storage_names_the_packaged_extra(probe):
    message = probe["failed"]["desktop_django.storage"]
    assert message.startswith("ImproperlyConfigured:")
    assert "desktop-django[packaged]" in message


def test_worker_names_the_tasks_extra(probe):
    assert "desktop-django[tasks]" in probe.get("worker", "")


def test_no_extra_was_loaded(probe):
    assert probe["loaded_extras"] == []


PRAGMA_SETTINGS = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from desktop_django.conf import sqlite_databases

    APP_DATA = Path(os.environ["CORE_TEST_DIR"]) / "app-data"
    APP_DATA.mkdir(exist_ok=True)
    SECRET_KEY = "core-install-test-" + "x" * 50
    INSTALLED_APPS = ["django.contrib.contenttypes", "desktop_django"]
    DESKTOP_DJANGO_APP_DATA_DIR = APP_DATA
    DATABASES = sqlite_databases(APP_DATA)
    DATABASES["other"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(os.environ["CORE_TEST_DIR"]) / "other.sqlite3",
    }
    USE_TZ = True
    """
)

PRAGMA_PROBE = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.db import connections

    def pragmas(alias):
        with connections[alias].cursor() as c:
            names = ("journal_mode", "synchronous", "cache_size", "mmap_size", "temp_store",
                     "foreign_keys")
            return {n: c.execute(f"PRAGMA {n}").fetchone()[0] for n in names}

    print("PRAGMAS " + json.dumps({"default": pragmas("default"), "other": pragmas("other"),
                                   "django": django.get_version()}))
    """
)


def test_app_data_database_gets_the_contract_pragmas_on_every_django(tmp_path):
    """C-DATA-2 on the lowest and highest supported Django: through ``init_command`` on 5.1+,
    through the ``connection_created`` receiver on 4.2/5.0; another database of the project
    keeps SQLite's defaults."""
    got = run_probe(tmp_path, PRAGMA_SETTINGS, PRAGMA_PROBE, "PRAGMAS")
    assert got["default"] == {
        "journal_mode": "wal",
        "synchronous": 1,
        "cache_size": -20000,
        "mmap_size": 134217728,
        "temp_store": 2,
        "foreign_keys": 1,
    }, got
    assert got["other"]["journal_mode"] == "delete", got
    assert got["other"]["synchronous"] == 2, got  # SQLite's default, FULL
