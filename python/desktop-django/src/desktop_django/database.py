"""Database lifecycle around ``desktop_serve``: preflight, backup, first-run hook.

Rule for everything here: never delete or overwrite an existing database file.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

from . import app_settings

logger = logging.getLogger(__name__)

BACKUPS_KEPT = 3
# The files SQLite keeps beside a database: WAL mode's log and shared-memory index, and
# the rollback journal (SQLite, "Temporary Files Used By SQLite", §2.1-2.3).
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def apply_pragmas(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver for Django 4.2 and 5.0, which lack the SQLite
    ``init_command`` OPTION: sets the contract's pragmas (C-DATA-2, ``conf.SQLITE_PRAGMAS``)
    on each new connection to a database inside the app-data dir. Other databases of the
    project are left as configured. Connected by ``DesktopDjangoConfig.ready``.
    """
    if connection.vendor != "sqlite":
        return
    app_data = app_settings.app_data_dir()
    name = connection.settings_dict.get("NAME")
    if app_data is None or not name or str(name).startswith(("file:", ":memory:")):
        return
    if not Path(name).resolve().is_relative_to(Path(app_data).resolve()):
        return
    from .conf import SQLITE_PRAGMAS

    for key, value in SQLITE_PRAGMAS.items():
        # The raw sqlite3 connection: a Django cursor here would re-enter connection setup.
        connection.connection.execute(f"PRAGMA {key}={value}")


class DatabaseUnusable(RuntimeError):
    """The database file exists but SQLite cannot read it; it was left untouched."""


def preflight(path: Path) -> bool:
    """Check that ``path`` is a readable SQLite database without changing a byte.

    Returns True when the file exists with content, False when it is absent or empty
    (SQLite treats an empty file as a new database). Raises ``DatabaseUnusable`` for
    a corrupt or foreign file. Opens with ``mode=rw`` so SQLite never creates a file,
    and only reads (``PRAGMA schema_version`` reads the header and page 1).
    """
    if not path.exists() or path.stat().st_size == 0:
        return False
    uri = f"{path.resolve().as_uri()}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnusable(
            f"The database {path} cannot be opened ({exc}). It was left untouched. "
            "Move it aside (or restore one from backups/) and start again."
        ) from exc
    return True


def backup(path: Path, backups_dir: Path, keep: int = BACKUPS_KEPT) -> Path:
    """Copy ``path`` with SQLite's online backup API into ``backups_dir`` (C-DATA-5).

    The copy is ``app-<UTC YYYYmmddTHHMMSSffffffZ>.sqlite3``, one self-contained file in
    rollback-journal mode (``journal_mode=DELETE``): the backup API copies the source's
    header, WAL flag included, and a WAL database opened read-only later (``integrity_ok``)
    leaves ``-wal`` and ``-shm`` files behind that only a writer would remove (SQLite,
    "WAL-mode File Format", §2). Only the newest ``keep`` copies survive; a pruned copy's
    ``-wal``, ``-shm`` and ``-journal`` siblings go with it, as do siblings whose copy is
    already gone. The backup API gives a consistent snapshot even with a WAL file.
    Returns the new file's path.
    """
    backups_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"app-{stamp}.sqlite3"
    _copy(path, "rw", target, journal_mode="DELETE")
    prune_backups(backups_dir, keep)
    logger.info("backed up %s to %s", path, target)
    return target


def prune_backups(backups_dir: Path, keep: int = BACKUPS_KEPT) -> list[Path]:
    """Delete all but the newest ``keep`` ``app-*.sqlite3`` copies in ``backups_dir``
    (names sort by their UTC stamp), each with its ``SIDECAR_SUFFIXES`` files, and any
    sidecar whose copy no longer exists. Returns the deleted copies, oldest first."""
    copies = sorted(backups_dir.glob("app-*.sqlite3"))
    pruned = copies[:-keep] if keep > 0 else copies
    for old in pruned:
        old.unlink(missing_ok=True)
    for suffix in SIDECAR_SUFFIXES:
        for sidecar in backups_dir.glob(f"app-*.sqlite3{suffix}"):
            # Without its database a -wal or -shm file is unreadable; nothing uses it.
            if not sidecar.with_name(sidecar.name.removesuffix(suffix)).exists():
                sidecar.unlink(missing_ok=True)
    return pruned


def integrity_ok(path: Path) -> str | None:
    """Run ``PRAGMA integrity_check`` on the database at ``path`` (read-only).

    Returns None when SQLite answers ``ok``, else its first complaint (C-DATA-7).
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    first = rows[0][0] if rows else "no answer"
    return None if first == "ok" else str(first)


def restore(backup_path: Path, path: Path) -> None:
    """Copy ``backup_path`` back over ``path`` with SQLite's backup API (C-DATA-7).

    Used only when a migration failed: the database returns to its state before this
    launch. The destination's connection writes through SQLite, so its WAL stays
    consistent; nothing else may have the database open.
    """
    # Backups are in rollback-journal mode; the app database runs in WAL (C-DATA-2).
    _copy(backup_path, "ro", path, journal_mode="WAL")
    logger.warning("restored %s from %s after a failed migration", path, backup_path)


def _copy(source: Path, mode: str, target: Path, journal_mode: str | None = None) -> None:
    """Copy the database ``source`` (opened with URI ``mode``, never created) into
    ``target`` with SQLite's online backup API, in one transaction on ``target``.

    ``journal_mode`` (``"DELETE"``, ``"WAL"``), when given, is set on ``target`` after the
    copy; otherwise ``target`` keeps the source's mode, which the backup API copies.
    """
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode={mode}", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        if journal_mode is not None:
            # Outside the transaction above: SQLite cannot change the mode inside one.
            dst.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()
    finally:
        dst.close()
        src.close()


def pending_migrations(executor: MigrationExecutor | None = None) -> list:
    """The migrations not yet applied to the default database, in the order ``migrate``
    would apply them: ``MigrationExecutor.migration_plan`` to every leaf node, a list of
    ``(Migration, backwards)`` pairs; empty when the schema is current (C-READY-1, C-DATA-5).

    Pass the ``executor`` a caller already built (its loader read the applied set from
    the database); by default one is built on the default connection.
    """
    if executor is None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def run_first_run_hook() -> bool:
    """Run ``settings.DESKTOP_DJANGO_FIRST_RUN`` once per database (C-DATA-3).

    The hook (a dotted path to a no-argument callable) and the ``FirstRun`` marker are
    written in one transaction (BEGIN IMMEDIATE, so a concurrent launch waits). If the
    marker exists nothing runs, even when every seeded row was deleted since. If a
    launch died before committing, there is no marker and the next launch seeds.
    Returns True when the hook ran now.
    """
    from .models import FirstRun

    dotted = app_settings.first_run()
    with transaction.atomic():
        if FirstRun.objects.exists():
            return False
        if dotted:
            import_string(dotted)()
        FirstRun.objects.create(hook=dotted)
    logger.info("first-run hook %r done", dotted or None)
    return True
