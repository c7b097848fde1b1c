"""desktop_django's own endpoints are never cached (Django's ``never_cache``), the
``DESKTOP_DJANGO_*`` settings are read through ``app_settings`` with one default each, and
the pending-migrations helper both callers use."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings

from desktop_django import __version__, app_settings, auth, database, views, wire
from desktop_django.context_processors import runtime
from desktop_django.test import DesktopClient, session_token

# What django.utils.cache.add_never_cache_headers writes (never_cache's effect).
NEVER_CACHE = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def cache_control(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.fixture(autouse=True)
def no_bound_port():
    auth.set_bound_port(None)
    yield
    auth.set_bound_port(None)


@pytest.fixture
def client():
    with session_token():
        yield DesktopClient()


def test_health_is_never_cached(client):
    response = client.get(wire.HEALTH_PATH)
    # 200, or 503 "migrating" on this unmigrated test database: never cached either way.
    assert response.status_code in (200, 503)
    assert cache_control(response) >= NEVER_CACHE
    assert response.has_header("Expires")


def test_splash_is_never_cached(client):
    response = client.get("/splash/")
    assert response.status_code == 200
    assert cache_control(response) >= NEVER_CACHE


def test_ticket_is_never_cached_and_neither_is_its_refusal(client):
    response = client.post(wire.TICKET_PATH)
    assert response.status_code == 200
    assert cache_control(response) >= NEVER_CACHE
    refused = client.get(wire.TICKET_PATH)  # 405: POST only
    assert refused.status_code == 405
    assert cache_control(refused) >= NEVER_CACHE


def test_bootstrap_redirect_is_never_cached(client):
    ticket = client.post(wire.TICKET_PATH).json()["ticket"]
    anon = Client(HTTP_HOST="127.0.0.1:8000")
    response = anon.get(wire.BOOTSTRAP_PATH, {"ticket": ticket, "next": "/hello/"})
    assert response.status_code == 302
    assert wire.TOKEN_COOKIE in response.cookies
    assert cache_control(response) >= NEVER_CACHE


def test_a_project_page_is_left_to_the_project(client):
    assert cache_control(client.get("/hello/")) == set()


# app_settings ------------------------------------------------------------------------------


def test_settings_defaults_when_unset():
    with override_settings():
        from django.conf import settings

        for name in (
            app_settings.APP_DATA_DIR,
            app_settings.PRODUCT_NAME,
            app_settings.VERSION,
            app_settings.CSP,
            app_settings.FIRST_RUN,
        ):
            if hasattr(settings, name):
                delattr(settings, name)
        assert app_settings.app_data_dir() is None
        assert app_settings.product_name() == "Desktop Django"
        assert app_settings.version() == __version__
        assert app_settings.csp() == app_settings.DEFAULT_CSP
        assert app_settings.first_run() == ""
        assert app_settings.worker_down_marker() is None
        assert runtime(None) == {"desktop_worker_down": None}


def test_settings_are_read_per_call(tmp_path, client):
    with override_settings(
        DESKTOP_DJANGO_APP_DATA_DIR=str(tmp_path),
        DESKTOP_DJANGO_PRODUCT_NAME="Stable",
        DESKTOP_DJANGO_VERSION="9.9.9",
        DESKTOP_DJANGO_CSP="default-src 'none'",
        DESKTOP_DJANGO_FIRST_RUN="x.y",
    ):
        assert app_settings.app_data_dir() == tmp_path  # a str setting comes back a Path
        assert app_settings.product_name() == "Stable"
        assert views.app_version() == "9.9.9"
        assert app_settings.first_run() == "x.y"
        assert client.get("/hello/")["Content-Security-Policy"] == "default-src 'none'"
        assert b"Stable" in client.get("/splash/").content
        (tmp_path / wire.WORKER_DOWN_FILE).write_text("/logs/shell.log\n", encoding="utf-8")
        assert runtime(None) == {"desktop_worker_down": "/logs/shell.log"}


def test_configure_names_the_settings_app_settings_reads():
    from django.conf import settings

    assert app_settings.app_data_dir() == settings.DESKTOP_DJANGO_APP_DATA_DIR
    assert app_settings.product_name() == "Package Tests"  # desktop.toml, tests/conftest.py


# pending migrations ------------------------------------------------------------------------


def test_pending_migrations_is_the_plan_migrate_would_run():
    executor = MigrationExecutor(connection)
    expected = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert database.pending_migrations() == expected
    assert database.pending_migrations(executor) == expected


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_pending_migrations_empties_once_migrated(tmp_path):
    # A fresh database of its own, so the shared one stays as the other tests found it.
    from django.db import connections

    alias = "default"
    db = dict(connections.databases[alias], NAME=tmp_path / "fresh.sqlite3")
    with override_settings(DATABASES={alias: db}):
        connections.close_all()
        del connections[alias]
        try:
            names = {m.name for m, _ in database.pending_migrations()}
            assert "0001_initial" in names
            call_command("migrate", verbosity=0)
            assert database.pending_migrations() == []
        finally:
            connections.close_all()
            del connections[alias]
