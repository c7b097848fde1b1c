"""``manage.py desktop_import_db <file> [--force]``: bring an existing SQLite database into
app data (``desktop-django import-db`` runs it with the desktop settings).

The file is copied with SQLite's backup API (a consistent snapshot, WAL included) after it
passes ``PRAGMA integrity_check``. An app database that already holds tables is kept
unless ``--force``; with it, that database is first backed up to ``backups/`` (C-DATA-5).
Nothing is migrated here: the next start backs up and migrates as usual (C-DATA-7, -8).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from desktop_django import app_settings, database


def _tables(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


class Command(BaseCommand):
    help = "Copy an existing SQLite database into the app-data dir (SQLite backup API)."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the db.sqlite3 file to import")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace an app database that already has tables (it is backed up first)",
        )

    def handle(self, source: Path, force: bool, **options):
        target = Path(settings.DATABASES["default"]["NAME"])
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        if source.resolve() == target.resolve():
            raise CommandError(f"{source} is the app database itself")
        try:
            database.preflight(source)
            problem = database.integrity_ok(source)
        except (database.DatabaseUnusable, sqlite3.DatabaseError) as exc:
            raise CommandError(f"{source} is not a usable SQLite database: {exc}") from exc
        if problem:
            raise CommandError(f"{source} fails SQLite's integrity check: {problem}")
        connections.close_all()
        if database.preflight(target) and _tables(target):
            if not force:
                raise CommandError(
                    f"The app database {target} already has data; it was left untouched. "
                    "Pass --force to replace it (it is backed up to backups/ first)."
                )
            app_data = app_settings.app_data_dir() or target.parent
            kept = database.backup(target, app_data / "backups")
            self.stdout.write(f"backed up the current app database to {kept}")
        target.parent.mkdir(parents=True, exist_ok=True)
        database._copy(source, "ro", target)
        self.stdout.write(
            f"imported {source} into {target} ({len(_tables(target))} tables); "
            "the next start migrates it (after a backup)"
        )
