"""C-DATA-1..6 helpers: app-data dir, SQLite options, secret, logs, first run, backups."""

import os
import sqlite3
import stat

import pytest
from desktop_django import conf, database
from desktop_django.models import FirstRun
from django.test import override_settings

from ponies.models import Pony

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


@posix_only
def test_app_data_dir_override_is_created_0700(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b"
    monkeypatch.setenv(conf.APP_DATA_ENV, str(target))
    assert conf.app_data_dir("dev.example.app") == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_app_data_dir_default_uses_the_app_id(tmp_path, monkeypatch):
    monkeypatch.delenv(conf.APP_DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    path = conf.app_data_dir("dev.example.app")
    assert path.name == "dev.example.app" and path.is_dir()


def test_desktop_toml_is_read(settings):
    data = conf.load_desktop_toml(settings.BASE_DIR / "desktop.toml")
    assert data["app_id"] == "dev.desktop-django.flying-stable"
    assert data["product_name"] == "Flying Stable"
    assert data["settings"] == {
        "dev": "flying_stable.settings.dev",
        "packaged": "flying_stable.settings.packaged",
    }


def test_sqlite_options_follow_the_contract(tmp_path):
    db = conf.sqlite_databases(tmp_path)["default"]
    assert db["NAME"] == tmp_path / "app.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] == 20
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "cache_size=-20000",
        "mmap_size=134217728",
        "temp_store=MEMORY",
        "foreign_keys=ON",
    ):
        assert f"PRAGMA {pragma}" in db["OPTIONS"]["init_command"]


@posix_only
def test_secret_key_is_generated_once_with_0600(tmp_path):
    first = conf.secret_key(tmp_path)
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert conf.secret_key(tmp_path) == first


def test_secret_keys_differ_per_install(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert conf.secret_key(tmp_path / "a") != conf.secret_key(tmp_path / "b")


def test_packaged_settings_use_the_per_install_secret_and_dev_the_projects(settings):
    from flying_stable.settings import base, packaged

    key_file = settings.DESKTOP_DJANGO_APP_DATA_DIR / "secret_key"
    assert packaged.DESKTOP_DJANGO_APP_DATA_DIR == settings.DESKTOP_DJANGO_APP_DATA_DIR
    assert key_file.read_text() == packaged.SECRET_KEY != base.SECRET_KEY
    assert settings.SECRET_KEY == base.SECRET_KEY  # dev mode (tests.settings) keeps its own


def test_logging_config_rotates_into_logs(tmp_path):
    config = conf.logging_config(tmp_path)
    handlers = config["handlers"]
    assert handlers["backend"]["filename"] == str(tmp_path / "logs" / "backend.log")
    assert handlers["access"]["filename"] == str(tmp_path / "logs" / "access.log")
    for name in ("backend", "access"):
        assert handlers[name]["class"] == "logging.handlers.RotatingFileHandler"
        assert handlers[name]["maxBytes"] > 0 and handlers[name]["backupCount"] >= 1


# C-DATA-3: first-run hook --------------------------------------------------------------


@pytest.mark.django_db
def test_first_run_seeds_exactly_once():
    assert database.run_first_run_hook() is True
    assert sorted(Pony.objects.values_list("name", flat=True)) == ["Clover", "Comet", "Duchess"]
    assert FirstRun.objects.count() == 1
    assert database.run_first_run_hook() is False
    assert Pony.objects.count() == 3


@pytest.mark.django_db
def test_first_run_never_reseeds_after_the_user_deletes_everything():
    database.run_first_run_hook()
    Pony.objects.all().delete()
    assert database.run_first_run_hook() is False
    assert Pony.objects.count() == 0


def _dies_halfway():
    Pony.objects.create(name="Half-seeded")
    raise RuntimeError("power cut")


@pytest.mark.django_db
def test_a_first_run_that_died_before_seeding_seeds_next_time():
    hook = "tests.test_data._dies_halfway"
    with override_settings(DESKTOP_DJANGO_FIRST_RUN=hook), pytest.raises(RuntimeError):
        database.run_first_run_hook()
    # One transaction: neither the partial seed nor the marker survived.
    assert Pony.objects.count() == 0
    assert FirstRun.objects.count() == 0
    assert database.run_first_run_hook() is True
    assert Pony.objects.count() == 3


# C-DATA-5 and "never touch a broken database" -------------------------------------------


def _make_db(path, rows=1):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(rows)])
    conn.commit()
    conn.close()


def test_backup_uses_the_backup_api_and_keeps_three(tmp_path):
    db = tmp_path / "app.sqlite3"
    _make_db(db, rows=5)
    backups = tmp_path / "backups"
    made = [database.backup(db, backups) for _ in range(5)]
    kept = sorted(backups.glob("app-*.sqlite3"))
    assert kept == made[-3:]
    conn = sqlite3.connect(kept[-1])
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 5
    conn.close()


def test_preflight_reports_absent_and_empty_files(tmp_path):
    assert database.preflight(tmp_path / "missing.sqlite3") is False
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    assert database.preflight(tmp_path / "empty.sqlite3") is False
    assert not (tmp_path / "missing.sqlite3").exists()


def test_preflight_accepts_a_real_database(tmp_path):
    _make_db(tmp_path / "ok.sqlite3")
    assert database.preflight(tmp_path / "ok.sqlite3") is True


def test_preflight_refuses_a_corrupt_file_and_leaves_it_alone(tmp_path):
    corrupt = tmp_path / "app.sqlite3"
    payload = b"this is not a database\x00" * 400
    corrupt.write_bytes(payload)
    with pytest.raises(database.DatabaseUnusable, match="left untouched"):
        database.preflight(corrupt)
    assert corrupt.read_bytes() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.sqlite3"]
