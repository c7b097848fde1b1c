"""``database.backup`` and its pruning: every copy in ``backups/`` is one self-contained
file, and a pruned copy leaves no ``-wal``, ``-shm`` or ``-journal`` file behind."""

import sqlite3

from desktop_django import database


def wal_database(path, rows):
    """A database in WAL mode, as the app's is (C-DATA-2), with a table of ``rows``."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE pony (name TEXT)")
    conn.executemany("INSERT INTO pony VALUES (?)", [(r,) for r in rows])
    conn.commit()
    return conn  # left open: the WAL file exists while the backup runs, as when serving


def journal_mode(path) -> str:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def test_backups_are_self_contained_and_pruning_leaves_no_sidecars(tmp_path):
    source = tmp_path / "app.sqlite3"
    live = wal_database(source, ["Applejack", "Rarity"])
    backups = tmp_path / "backups"
    # A copy made before this fix, in WAL mode, with the files a read-only check left.
    backups.mkdir()
    old = backups / "app-20000101T000000000000Z.sqlite3"
    database._copy(source, "rw", old)
    assert journal_mode(old) == "wal"
    for suffix in database.SIDECAR_SUFFIXES:
        (backups / f"{old.name}{suffix}").write_bytes(b"")
    (backups / "app-19990101T000000000000Z.sqlite3-shm").write_bytes(b"")  # an orphan

    made = []
    for _ in range(3):
        made.append(database.backup(source, backups, keep=2))
        # What desktop_serve does with each new copy (C-DATA-7): a read-only open.
        assert database.integrity_ok(made[-1]) is None
    live.close()

    assert sorted(p.name for p in backups.iterdir()) == [p.name for p in made[-2:]]
    for kept in made[-2:]:
        assert journal_mode(kept) == "delete"
        assert database.integrity_ok(kept) is None
        conn = sqlite3.connect(f"{kept.as_uri()}?mode=ro", uri=True)
        assert conn.execute("SELECT count(*) FROM pony").fetchone()[0] == 2
        conn.close()
    assert sorted(p.name for p in backups.iterdir()) == [p.name for p in made[-2:]]


def test_a_restored_database_is_back_in_wal_mode(tmp_path):
    source = tmp_path / "app.sqlite3"
    wal_database(source, ["Fluttershy"]).close()
    copy = database.backup(source, tmp_path / "backups")
    with sqlite3.connect(source) as conn:
        conn.execute("DELETE FROM pony")
    conn.close()
    database.restore(copy, source)
    assert journal_mode(source) == "wal"
    conn = sqlite3.connect(source)
    assert conn.execute("SELECT name FROM pony").fetchall() == [("Fluttershy",)]
    conn.close()
