"""With only the core dependencies (Django, waitress, platformdirs), a project that adds
desktop_django starts: ``django.setup()``, every module imports, ``check`` and ``migrate``
pass. The extras' imports are confined to where they are used: ``desktop_worker`` and
``desktop_django.storage`` fail with a message naming the extra, not a ModuleNotFoundError.

The extras are installed in the backend's env, so each run is a subprocess whose import
system refuses them (a meta-path finder that raises ModuleNotFoundError, as a missing
package does).
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


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("core")
    (tmp / "core_settings.py").write_text(SETTINGS, encoding="utf-8")
    (tmp / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESKTOP_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="core_settings",
        PYTHONPATH=str(tmp),
        CORE_TEST_DIR=str(tmp),
        DESKTOP_DJANGO_APP_DATA_DIR=str(tmp / "app-data"),
    )
    proc = subprocess.run(
        [sys.executable, str(tmp / "probe.py"), ",".join(EXTRAS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("CORE_PROBE ")]
    assert proc.returncode == 0 and lines, f"probe failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1].removeprefix("CORE_PROBE "))


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
