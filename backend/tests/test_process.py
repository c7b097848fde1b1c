"""Process-level checks of ``desktop_serve`` and ``desktop_worker`` as the shell runs them:
handshake (C-PORT-2), loopback only (C-PORT-1), health (C-READY-1), lifeline (C-PROC-2),
fail closed (C-AUTH-3), and a corrupt database left untouched."""

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parent.parent
TOKEN = "fedcba9876543210" * 4
DEADLINE_S = 20


# What the shell's supervisor passes in DESKTOP_DJANGO_ROLE for each command (C-PROC-1).
ROLES = {"desktop_serve": "web", "desktop_worker": "worker"}


def child_env(
    app_data: Path, token: str | None = TOKEN, mode: str = "dev", role: str | None = None
) -> dict:
    """The environment the shell gives a backend child; ``role`` None is a developer's own
    ``manage.py`` call."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKTOP_DJANGO_")}
    env.update(
        DESKTOP_DJANGO_APP_DATA_DIR=str(app_data),
        DJANGO_SETTINGS_MODULE=f"flying_stable.settings.{mode}",
        DESKTOP_DJANGO_MODE=mode,
        PYTHONUNBUFFERED="1",
    )
    if token is not None:
        env["DESKTOP_DJANGO_AUTH_TOKEN"] = token
    if role is not None:
        env["DESKTOP_DJANGO_ROLE"] = role
    return env


def spawn(
    command: str, app_data: Path, token: str | None = TOKEN, mode: str = "dev"
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", command],
        cwd=BACKEND,
        env=child_env(app_data, token, mode, role=ROLES[command]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_handshake(proc: subprocess.Popen) -> dict:
    """The first stdout line, within the deadline, parsed."""
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(DEADLINE_S)
    assert line and line[0], f"no handshake; stderr: {proc.stderr.read1().decode()}"
    text = line[0].decode()
    assert text.startswith("DESKTOP_DJANGO_READY ") and text.endswith("\n")
    return json.loads(text.removeprefix("DESKTOP_DJANGO_READY "))


def get(port: int, path: str, token: str | None = TOKEN) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"User-Agent": "desktop-django-supervisor/test"}
    if token:
        headers["X-Desktop-Django-Token"] = token
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def listeners(port: int) -> list[tuple[str, str]]:
    """(table, local address hex) for every LISTEN socket on ``port`` (Linux /proc)."""
    found = []
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            fields = row.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":
                found.append((table, address))
    return found


@pytest.fixture
def server(tmp_path):
    proc = spawn("desktop_serve", tmp_path)
    try:
        yield proc, read_handshake(proc), tmp_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_handshake_health_and_lifeline(server):
    proc, handshake, app_data = server
    assert handshake["host"] == "127.0.0.1"
    assert handshake["pid"] == proc.pid
    assert handshake["version"] == "0.1.0"
    assert 0 < handshake["port"] < 65536
    port = handshake["port"]

    status, body = get(port, "/health/?nonce=abc")
    assert status == 200
    health = json.loads(body)
    assert health["status"] == "ok" and health["sqlite"]["journal_mode"] == "wal"
    assert len(health["proof"]) == 64
    assert get(port, "/health/", token=None)[0] == 403
    assert get(port, "/health/", token="x" * 1_000_000)[0] == 403  # past waitress, to Django

    if sys.platform.startswith("linux"):
        assert listeners(port) == [("tcp", "0100007F")]  # 127.0.0.1 only; no ::, no 0.0.0.0

    # First-run roster landed before the handshake (C-PROC-1, C-DATA-3).
    conn = sqlite3.connect(app_data / "app.sqlite3")
    assert conn.execute("SELECT count(*) FROM ponies_pony").fetchone()[0] == 3
    conn.close()

    started = time.monotonic()
    proc.stdin.close()
    assert proc.wait(timeout=5) == 0
    assert time.monotonic() - started < 5
    assert proc.stdout.read() == b""  # exactly one line on stdout, ever

    access = [
        json.loads(line) for line in (app_data / "logs" / "access.log").read_text().splitlines()
    ]
    assert [a["status"] for a in access[:2]] == [200, 403]
    assert all(TOKEN not in json.dumps(a) for a in access)
    assert TOKEN not in (app_data / "logs" / "backend.log").read_text()


def test_ports_differ_between_launches(tmp_path):
    ports = []
    for _ in range(2):
        proc = spawn("desktop_serve", tmp_path)
        ports.append(read_handshake(proc)["port"])
        proc.stdin.close()
        assert proc.wait(timeout=5) == 0
    assert ports[0] != ports[1]


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_gracefully(server, sig):
    proc, handshake, _ = server
    assert get(handshake["port"], "/health/")[0] == 200
    proc.send_signal(sig)
    assert proc.wait(timeout=5) == 0


def test_packaged_mode_serves_with_a_per_install_secret(tmp_path):
    proc = spawn("desktop_serve", tmp_path, mode="packaged")
    try:
        port = read_handshake(proc)["port"]
        assert get(port, "/health/")[0] == 200
        status, body = get(port, "/ponies/")
        assert status == 200 and b"Clover" in body
        assert get(port, "/no-such-page/")[0] == 404  # DEBUG off: no debug page
        if os.name == "posix":
            assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
        proc.stdin.close()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("mode", ["dev", "packaged"])
@pytest.mark.parametrize("token", [None, "", "abc", "F" * 64, "0" * 63])
def test_refuses_to_start_without_a_valid_token(tmp_path, token, mode):
    proc = spawn("desktop_serve", tmp_path, token=token, mode=mode)
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode != 0
    assert out == b""
    assert b"DESKTOP_DJANGO_AUTH_TOKEN" in err and b"refusing to serve" in err
    assert not (tmp_path / "app.sqlite3").exists()


def test_corrupt_database_is_reported_and_left_untouched(tmp_path):
    payload = b"SQLite format 2\x00 definitely not a database" * 100
    (tmp_path / "app.sqlite3").write_bytes(payload)
    proc = spawn("desktop_serve", tmp_path)
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode != 0
    assert out == b""
    assert b"left untouched" in err
    assert (tmp_path / "app.sqlite3").read_bytes() == payload
    assert not (tmp_path / "backups").exists()


def test_relaunch_never_reseeds_and_backs_up_before_migrating(tmp_path):
    def launch_and_quit():
        proc = spawn("desktop_serve", tmp_path)
        read_handshake(proc)
        proc.stdin.close()
        assert proc.wait(timeout=5) == 0

    launch_and_quit()
    assert not (tmp_path / "backups").exists()  # a new database needs no backup
    conn = sqlite3.connect(tmp_path / "app.sqlite3")
    conn.execute("DELETE FROM ponies_pony")
    conn.commit()
    conn.close()
    # Roll one app back so the next launch has a migration to apply (C-DATA-5).
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "routines", "zero", "-v0"],
        cwd=BACKEND,
        env=child_env(tmp_path),
        check=True,
        stdin=subprocess.DEVNULL,
    )
    launch_and_quit()
    assert len(list((tmp_path / "backups").glob("app-*.sqlite3"))) == 1
    launch_and_quit()  # nothing pending: no new backup
    assert len(list((tmp_path / "backups").glob("app-*.sqlite3"))) == 1
    conn = sqlite3.connect(tmp_path / "app.sqlite3")
    assert conn.execute("SELECT count(*) FROM ponies_pony").fetchone()[0] == 0
    conn.close()


def test_worker_stops_on_lifeline_eof(server):
    proc, _, app_data = server
    worker = spawn("desktop_worker", app_data)
    try:
        log = app_data / "logs" / "worker.log"
        deadline = time.monotonic() + DEADLINE_S
        while not (log.exists() and "Starting worker" in log.read_text()):
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "worker never started"
            time.sleep(0.05)
        worker.stdin.close()
        assert worker.wait(timeout=5) == 0
        assert worker.stdout.read() == b""
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_worker_interrupts_a_long_task_within_the_grace_budget(server):
    """C-PROC-2: on EOF the worker gets ``--grace`` seconds, then abandons the task."""
    _, _, app_data = server
    enqueue = (
        "from routines.models import Routine; from routines.tasks import run_routine; "
        "run_routine.enqueue(Routine.objects.create(kind='feed').pk)"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", enqueue],
        cwd=BACKEND,
        env=child_env(app_data),
        check=True,
        stdin=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "desktop_worker", "--grace", "0.5"],
        cwd=BACKEND,
        env=child_env(app_data, role="worker"),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        db = sqlite3.connect(app_data / "app.sqlite3")
        deadline = time.monotonic() + DEADLINE_S
        while db.execute("SELECT status FROM routines_routine").fetchone()[0] != "running":
            assert time.monotonic() < deadline, "the routine never started"
            time.sleep(0.05)
        started = time.monotonic()
        worker.stdin.close()
        assert worker.wait(timeout=5) == 0
        assert time.monotonic() - started < 3  # the routine itself would take 3-10 s
        assert db.execute("SELECT status FROM routines_routine").fetchone()[0] == "abandoned"
        db.close()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def launch_and_quit(app_data: Path) -> None:
    proc = spawn("desktop_serve", app_data)
    read_handshake(proc)
    proc.stdin.close()
    assert proc.wait(timeout=5) == 0


def manage(app_data: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BACKEND,
        env=child_env(app_data),
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    return done.stdout


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    launch_and_quit(tmp_path)
    db = tmp_path / "app.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('ponies', '0099_from_a_newer_version', '2030-01-01 00:00:00')"
    )
    conn.commit()
    conn.close()
    before = db.read_bytes()
    proc = spawn("desktop_serve", tmp_path)
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode != 0
    assert out == b""  # no handshake: it never serves (C-DATA-8)
    assert b"newer version" in err and b"ponies.0099_from_a_newer_version" in err
    assert db.read_bytes() == before


def test_a_failed_migration_restores_the_database_from_a_verified_backup(tmp_path):
    launch_and_quit(tmp_path)
    db = tmp_path / "app.sqlite3"
    manage(tmp_path, "migrate", "routines", "zero", "-v0")
    manage(tmp_path, "migrate", "ponies", "zero", "-v0")
    # Two pending migrations; the one that runs last meets a table in its way, so the first
    # one is already committed when the second fails (Django commits per migration).
    plan = [
        line.strip().split(".")[0]
        for line in manage(tmp_path, "migrate", "--plan").splitlines()
        if line.strip().startswith(("ponies.", "routines."))
    ]
    assert sorted(plan) == ["ponies", "routines"], plan
    first, last = plan
    tables = {"ponies": "ponies_pony", "routines": "routines_routine"}
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE {tables[last]} (in_the_way INTEGER)")
    conn.commit()
    conn.close()
    before = dump(db)

    proc = spawn("desktop_serve", tmp_path)
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode != 0
    assert out == b""
    assert b"restored" in err and b"C-DATA-7" in err
    after = dump(db)
    assert after == before, "the database is not as it was before the launch"
    assert not any(f'CREATE TABLE "{tables[first]}"' in line for line in after)
    backups = list((tmp_path / "backups").glob("app-*.sqlite3"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
