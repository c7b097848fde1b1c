"""``desktop_django.settings.configure``: a plain project's settings in, the runtime
contract's settings out, the project's own objects untouched."""

import copy
import json
import os
import stat
import subprocess
import sys
import textwrap

import django
import pytest
from django.core.exceptions import ImproperlyConfigured

from desktop_django import conf
from desktop_django import settings as desktop_settings
from desktop_django.settings import (
    AUTH_MIDDLEWARE,
    CSRF_MIDDLEWARE,
    RUNTIME_CONTEXT_PROCESSOR,
    WHITENOISE_MIDDLEWARE,
    configure,
)

from .conftest import DESKTOP_TOML, project_settings

SECURITY = "django.middleware.security.SecurityMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
AUTHN = "django.contrib.auth.middleware.AuthenticationMiddleware"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project dir with desktop.toml, its app data under tmp_path, mode and role unset."""
    (tmp_path / "desktop.toml").write_text(DESKTOP_TOML, encoding="utf-8")
    monkeypatch.setenv(conf.APP_DATA_ENV, str(tmp_path / "app-data"))
    monkeypatch.delenv(conf.MODE_ENV, raising=False)
    monkeypatch.delenv(conf.ROLE_ENV, raising=False)
    return tmp_path


def configured(project, packaged=False, **overrides_and_kwargs):
    kwargs = {
        k: overrides_and_kwargs.pop(k)
        for k in ("urlconf", "tasks", "database", "desktop_toml")
        if k in overrides_and_kwargs
    }
    ns = project_settings(project)
    ns.update(overrides_and_kwargs)
    configure(ns, packaged=packaged, **kwargs)
    return ns


# MIDDLEWARE (C-AUTH-2, C-AUTH-7) ----------------------------------------------------------


def test_auth_middleware_goes_first_and_the_rest_keep_their_order(project):
    own = [SECURITY, SESSION, COMMON, CSRF_MIDDLEWARE, AUTHN, AUTH_MIDDLEWARE]
    ns = configured(project, MIDDLEWARE=own)
    assert ns["MIDDLEWARE"] == [AUTH_MIDDLEWARE, SECURITY, SESSION, COMMON, CSRF_MIDDLEWARE, AUTHN]


def test_csrf_is_added_after_session_and_common_when_missing(project):
    ns = configured(project, MIDDLEWARE=[SECURITY, SESSION, COMMON, AUTHN])
    assert ns["MIDDLEWARE"] == [AUTH_MIDDLEWARE, SECURITY, SESSION, COMMON, CSRF_MIDDLEWARE, AUTHN]
    ns = configured(project, MIDDLEWARE=[])
    assert ns["MIDDLEWARE"] == [AUTH_MIDDLEWARE, CSRF_MIDDLEWARE]


def test_the_projects_own_objects_are_not_mutated(project):
    ns = project_settings(project)
    ns["MIDDLEWARE"] = own_middleware = [COMMON]
    ns["TEMPLATES"][0]["OPTIONS"] = {"context_processors": ["x.y"]}
    ns["DATABASES"] = {"default": {"ENGINE": "x"}, "legacy": {"ENGINE": "y"}}
    before = copy.deepcopy(ns)
    originals = {k: ns[k] for k in ("MIDDLEWARE", "TEMPLATES", "DATABASES", "INSTALLED_APPS")}
    configure(ns, packaged=False)
    assert own_middleware == [COMMON]
    for key, value in originals.items():
        assert value == before[key], key


# INSTALLED_APPS, TASKS ---------------------------------------------------------------------


def test_desktop_django_is_added_once_and_tasks_only_when_asked(project):
    ns = configured(project)
    assert ns["INSTALLED_APPS"] == ["django.contrib.contenttypes", "desktop_django"]
    assert "TASKS" not in ns
    ns = configured(project, INSTALLED_APPS=["desktop_django.apps.DesktopDjangoConfig"], tasks=True)
    assert ns["INSTALLED_APPS"] == [
        "desktop_django.apps.DesktopDjangoConfig",
        "django_tasks",
        "django_tasks_db",
    ]
    assert ns["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_a_projects_own_tasks_setting_is_kept(project):
    own = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert configured(project, TASKS=own, tasks=True)["TASKS"] == own


def test_tasks_without_the_extra_names_it(project, monkeypatch):
    monkeypatch.setattr(desktop_settings, "_importable", lambda name: name != "django_tasks_db")
    with pytest.raises(ImproperlyConfigured, match=r"desktop-django\[tasks\]"):
        configured(project, tasks=True)


# ALLOWED_HOSTS (C-AUTH-6) ------------------------------------------------------------------


def test_loopback_hosts_are_added_and_the_projects_kept(project):
    ns = configured(project, ALLOWED_HOSTS=["example.com", "localhost"])
    assert ns["ALLOWED_HOSTS"] == ["example.com", "localhost", "127.0.0.1"]


# DATABASES (C-DATA-2) ----------------------------------------------------------------------


def test_default_database_is_the_app_data_sqlite_and_other_aliases_stay(project):
    legacy = {"ENGINE": "django.db.backends.postgresql", "NAME": "legacy"}
    own = {"default": {"ENGINE": "django.db.backends.postgresql"}, "legacy": legacy}
    ns = configured(project, DATABASES=own)
    default = ns["DATABASES"]["default"]
    assert default["NAME"] == project / "app-data" / "app.sqlite3"
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in default["OPTIONS"]["init_command"]
    assert ns["DATABASES"]["legacy"] == legacy


def test_old_django_gets_the_database_without_the_5_1_options(project, monkeypatch):
    """Django 4.2/5.0 have no ``transaction_mode``/``init_command`` OPTIONS (sqlite3.connect
    would reject them): configure() leaves them out there; the app sets the pragmas per
    connection instead (test_core_install.py checks that on a real 4.2)."""
    monkeypatch.setattr(django, "VERSION", (4, 2, 0, "final", 0))
    options = configured(project)["DATABASES"]["default"]["OPTIONS"]
    assert options == {"timeout": 20}
    own = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "own.sqlite3"}}
    assert configured(project, DATABASES=own, database=False)["DATABASES"] == own


# SECRET_KEY (C-DATA-4) ---------------------------------------------------------------------


@pytest.mark.parametrize("packaged", [False, True])
def test_uploads_go_to_app_data_in_both_modes(project, packaged):
    # The project's own media/ is read-only in an installed app (C-DATA-1).
    ns = configured(project, packaged=packaged, MEDIA_ROOT=project / "media")
    assert ns["MEDIA_ROOT"] == project / "app-data" / "media"
    assert ns["MEDIA_URL"] == "/media/"  # the project's, kept


def test_dev_keeps_the_projects_secret_key(project):
    ns = configured(project, SECRET_KEY="the-projects-own-" + "k" * 40)
    assert ns["SECRET_KEY"] == "the-projects-own-" + "k" * 40
    assert not (project / "app-data" / "secret_key").exists()


def test_dev_without_a_secret_key_gets_the_per_install_one(project):
    ns = configured(project, SECRET_KEY="")
    assert ns["SECRET_KEY"] == (project / "app-data" / "secret_key").read_text()


def test_packaged_mode_uses_the_per_install_secret_key(project):
    ns = configured(project, packaged=True)
    key_file = project / "app-data" / "secret_key"
    assert ns["SECRET_KEY"] == key_file.read_text() != project_settings(project)["SECRET_KEY"]
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


# App data, LOGGING, TEMPLATES, ROOT_URLCONF -------------------------------------------------


def test_app_data_dir_is_created_and_named(project):
    ns = configured(project)
    assert ns["DESKTOP_DJANGO_APP_DATA_DIR"] == project / "app-data"
    assert (project / "app-data").is_dir()
    assert ns["DESKTOP_DJANGO_PRODUCT_NAME"] == "Package Tests"
    if os.name == "posix":
        assert stat.S_IMODE((project / "app-data").stat().st_mode) == 0o700


def test_logging_goes_to_app_data_logs(project):
    ns = configured(project, LOGGING={"version": 1, "handlers": {}})
    backend = ns["LOGGING"]["handlers"]["backend"]
    assert backend["filename"] == str(project / "app-data" / "logs" / "backend.log")


@pytest.mark.parametrize(
    ("role", "filename"),
    [
        ("web", "backend.log"),
        ("worker", "worker.log"),
        (" Worker ", "worker.log"),  # read like DESKTOP_DJANGO_MODE: trimmed, any case
        (None, "backend.log"),  # a developer's own manage.py call: no role
        ("", "backend.log"),
        ("scheduler", "backend.log"),  # not a role the contract knows
    ],
)
def test_the_log_file_follows_the_role_the_supervisor_passes(project, monkeypatch, role, filename):
    if role is not None:
        monkeypatch.setenv(conf.ROLE_ENV, role)
    # The command line no longer decides: only $DESKTOP_DJANGO_ROLE does.
    monkeypatch.setattr(sys, "argv", ["manage.py", "desktop_worker" if role is None else "check"])
    ns = configured(project)
    backend = ns["LOGGING"]["handlers"]["backend"]
    assert backend["filename"] == str(project / "app-data" / "logs" / filename)
    assert ns["LOGGING"]["handlers"]["access"]["filename"].endswith("access.log")


def test_logging_config_takes_the_role_as_an_argument_too(tmp_path, monkeypatch):
    monkeypatch.setenv(conf.ROLE_ENV, "web")
    handlers = conf.logging_config(tmp_path, role="worker")["handlers"]
    assert handlers["backend"]["filename"] == str(tmp_path / "logs" / "worker.log")
    assert conf.process_role() == "web"
    monkeypatch.delenv(conf.ROLE_ENV)
    assert conf.process_role() is None


def test_runtime_context_processor_joins_the_first_django_templates_backend(project):
    jinja = {"BACKEND": "django.template.backends.jinja2.Jinja2", "OPTIONS": {}}
    dtl = {"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {}}
    ns = configured(project, TEMPLATES=[jinja, dtl, copy.deepcopy(dtl)])
    first, second, third = ns["TEMPLATES"]
    assert "context_processors" not in first["OPTIONS"]
    assert second["OPTIONS"]["context_processors"] == [RUNTIME_CONTEXT_PROCESSOR]
    assert "context_processors" not in third["OPTIONS"]
    again = copy.deepcopy(ns)
    configure(again, packaged=False)
    assert again["TEMPLATES"][1]["OPTIONS"]["context_processors"] == [RUNTIME_CONTEXT_PROCESSOR]


def test_a_project_without_django_templates_gets_one_for_the_splash(project):
    ns = configured(project, TEMPLATES=[])
    assert ns["TEMPLATES"][0]["APP_DIRS"] is True


def test_root_urlconf_changes_only_when_asked(project):
    assert configured(project)["ROOT_URLCONF"] == "tests.project_urls"
    assert configured(project, urlconf="x.desktop_urls")["ROOT_URLCONF"] == "x.desktop_urls"


def test_coop_is_off_unless_the_project_sets_it(project):
    # WebKit starts a second web process for a COOP page reached from the splash.
    assert configured(project)["SECURE_CROSS_ORIGIN_OPENER_POLICY"] is None
    kept = configured(project, SECURE_CROSS_ORIGIN_OPENER_POLICY="same-origin")
    assert kept["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_frames_are_same_origin_as_in_the_csp_unless_the_project_says(project):
    # Django's default DENY would contradict the default CSP's frame-ancestors 'self'.
    assert configured(project)["X_FRAME_OPTIONS"] == "SAMEORIGIN"
    assert configured(project, X_FRAME_OPTIONS="DENY")["X_FRAME_OPTIONS"] == "DENY"


# Packaged static files ---------------------------------------------------------------------


def test_packaged_mode_serves_static_files_through_whitenoise(project):
    ns = configured(project, packaged=True, DEBUG=True, MIDDLEWARE=[SECURITY, COMMON])
    assert ns["DEBUG"] is False
    assert ns["MIDDLEWARE"][:3] == [AUTH_MIDDLEWARE, SECURITY, WHITENOISE_MIDDLEWARE]
    staticfiles = ns["STORAGES"]["staticfiles"]["BACKEND"]
    assert staticfiles == "desktop_django.storage.ForgivingManifestStorage"
    assert ns["STATIC_ROOT"] == project / "staticfiles"
    assert ns["WHITENOISE_USE_FINDERS"] is True  # nothing collected yet
    (project / "staticfiles").mkdir()
    (project / "staticfiles" / "staticfiles.json").write_text("{}")
    assert configured(project, packaged=True)["WHITENOISE_USE_FINDERS"] is False


def test_dev_mode_leaves_static_files_to_the_project(project):
    ns = configured(project, DEBUG=True, MIDDLEWARE=[SECURITY, COMMON])
    assert WHITENOISE_MIDDLEWARE not in ns["MIDDLEWARE"]
    assert "STORAGES" not in ns and ns["DEBUG"] is True


def test_packaged_mode_without_whitenoise_adds_none_of_it(project, monkeypatch):
    monkeypatch.setattr(desktop_settings, "_importable", lambda name: name != "whitenoise")
    ns = configured(project, packaged=True)
    assert WHITENOISE_MIDDLEWARE not in ns["MIDDLEWARE"] and "STORAGES" not in ns


# Mode and desktop.toml ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "frozen", "expected"),
    [("packaged", False, True), ("dev", True, False), (None, True, True), (None, False, False)],
)
def test_mode_comes_from_the_shell_then_from_a_frozen_runtime(monkeypatch, env, frozen, expected):
    if env is None:
        monkeypatch.delenv(conf.MODE_ENV, raising=False)
    else:
        monkeypatch.setenv(conf.MODE_ENV, env)
    monkeypatch.setattr(sys, "frozen", frozen, raising=False)
    assert desktop_settings.is_packaged() is expected
    assert desktop_settings.is_packaged(False) is False


def test_desktop_toml_defaults_to_base_dir_and_must_exist(project, tmp_path):
    ns = project_settings(project)
    configure(ns, packaged=False)  # found beside BASE_DIR
    assert ns["DESKTOP_DJANGO_PRODUCT_NAME"] == "Package Tests"
    with pytest.raises(ImproperlyConfigured, match="desktop.toml"):
        configure(project_settings(tmp_path / "elsewhere"), packaged=False)


# No side effects before configure() --------------------------------------------------------

IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, os, pkgutil, sys
    opened = []
    sys.addaudithook(
        lambda event, args: opened.append(str(args[0])) if event == "open" else None
    )
    import django
    from django.conf import settings
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes", "django_tasks", "django_tasks_db", "desktop_django"
        ],
        DATABASES={}, USE_TZ=True,
    )
    django.setup()
    import desktop_django
    names = [m.name for m in pkgutil.walk_packages(desktop_django.__path__, "desktop_django.")]
    for name in names:
        importlib.import_module(name)
    from desktop_django import conf
    conf.app_data_path("dev.example.no-side-effects")
    print("IMPORTED " + json.dumps({"names": names, "opened": opened}))
    """
)


def test_importing_desktop_django_creates_no_folder_and_reads_no_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "desktop.toml").write_text(DESKTOP_TOML, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESKTOP_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        APPDATA=str(home / "appdata"),
        DESKTOP_DJANGO_APP_DATA_DIR=str(tmp_path / "app-data"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.split("IMPORTED ", 1)[1])
    assert {"desktop_django.settings", "desktop_django.checks"} <= set(report["names"])
    assert [p for p in report["opened"] if p.startswith(str(tmp_path))] == []
    assert list(home.iterdir()) == []
    assert [p.name for p in project.iterdir()] == ["desktop.toml"]
    assert not (tmp_path / "app-data").exists()


def test_the_version_comes_from_pyproject_or_from_the_shell(project, monkeypatch):
    monkeypatch.delenv(conf.APP_VERSION_ENV, raising=False)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "9.8.7"\n')
    namespace = project_settings(project)
    configure(namespace, packaged=False)
    assert namespace["DESKTOP_DJANGO_VERSION"] == "9.8.7"
    # A packaged runtime has no pyproject.toml: the shell passes the manifest's version.
    monkeypatch.setenv(conf.APP_VERSION_ENV, "9.8.8")
    namespace = project_settings(project)
    configure(namespace, packaged=True)
    assert namespace["DESKTOP_DJANGO_VERSION"] == "9.8.8"
    # A project that sets it keeps its own.
    namespace = project_settings(project) | {"DESKTOP_DJANGO_VERSION": "1.0"}
    configure(namespace, packaged=False)
    assert namespace["DESKTOP_DJANGO_VERSION"] == "1.0"
