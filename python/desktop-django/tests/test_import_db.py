"""``desktop_import_db``: an existing database comes into app data; an app database with
data is never overwritten without ``--force``, and then only after a backup."""

import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

# The command reads DATABASES' name only (SQLite works on the files directly).
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def make_db(path, rows):
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE pony (name TEXT)")
        c.executemany("INSERT INTO pony VALUES (?)", [(r,) for r in rows])
    return path


def names(path):
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as c:
        return [r[0] for r in c.execute("SELECT name FROM pony ORDER BY name")]


@pytest.fixture
def app_data(tmp_path):
    target = tmp_path / "app-data" / "app.sqlite3"
    target.parent.mkdir()
    with override_settings(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": target}},
        DESKTOP_DJANGO_APP_DATA_DIR=target.parent,
    ):
        yield target


def test_imports_into_an_empty_app_data(tmp_path, app_data):
    source = make_db(tmp_path / "db.sqlite3", ["Applejack", "Rarity"])
    call_command("desktop_import_db", str(source))
    assert names(app_data) == ["Applejack", "Rarity"]
    assert names(source) == ["Applejack", "Rarity"], "the source changed"


def test_an_app_database_with_data_is_kept_without_force(tmp_path, app_data):
    make_db(app_data, ["Twilight"])
    before = app_data.read_bytes()
    source = make_db(tmp_path / "db.sqlite3", ["Applejack"])
    with pytest.raises(CommandError, match="already has data"):
        call_command("desktop_import_db", str(source))
    assert app_data.read_bytes() == before
    assert not (app_data.parent / "backups").exists()


def test_force_backs_the_app_database_up_first(tmp_path, app_data):
    make_db(app_data, ["Twilight"])
    source = make_db(tmp_path / "db.sqlite3", ["Applejack"])
    call_command("desktop_import_db", str(source), "--force")
    assert names(app_data) == ["Applejack"]
    (backup,) = (app_data.parent / "backups").glob("app-*.sqlite3")
    assert names(backup) == ["Twilight"]


def test_a_file_that_is_not_sqlite_is_refused(tmp_path, app_data):
    source = tmp_path / "notes.sqlite3"
    source.write_bytes(b"SQLite format 3\0" + b"\x07" * 4096)
    with pytest.raises(CommandError, match="not a usable SQLite database|integrity"):
        call_command("desktop_import_db", str(source))
    assert not app_data.exists()
