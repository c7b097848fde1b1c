"""Stable Routines: enqueue through django-tasks-db, run with the real db_worker."""

import signal

import pytest
from desktop_django.signals import backend_starting
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from routines import tasks
from routines.models import Routine

pytestmark = pytest.mark.django_db


@pytest.fixture
def instant(monkeypatch):
    """Routines take 3-10 s for real; here they take no time and we pick the outcome."""
    slept = []
    monkeypatch.setattr(tasks.time, "sleep", slept.append)

    def outcome(fail: bool):
        monkeypatch.setattr(tasks._rng, "random", lambda: 0.0 if fail else 0.99)

    outcome(False)
    return outcome, slept


def run_worker():
    """Run django-tasks-db's worker until the queue is empty, then restore signals."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("desktop_worker", batch=True, no_lifeline=True, verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_start_enqueues_a_real_task(client):
    response = client.post("/routines/start/", {"kind": "feed"})
    assert response.status_code == 302
    routine = Routine.objects.get()
    assert routine.status == "queued" and routine.kind == "feed"
    task = DBTaskResult.objects.get()
    assert str(task.id) == routine.task_id
    assert task.args_kwargs["args"] == [routine.pk]


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_routine_to_success(client, instant):
    _, slept = instant
    client.post("/routines/start/", {"kind": "groom"})
    run_worker()
    routine = Routine.objects.get()
    assert routine.status == "succeeded"
    assert 3 <= slept[0] <= 10
    assert routine.duration_s == round(slept[0], 1)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_worker_records_a_failure(client, instant):
    outcome, _ = instant
    outcome(True)
    client.post("/routines/start/", {"kind": "muck"})
    run_worker()
    assert Routine.objects.get().status == "failed"
    assert DBTaskResult.objects.get().status == "FAILED"


@pytest.mark.parametrize("kind", ["", "dance", "x" * 10_000])
def test_unknown_kind_is_400(client, kind):
    assert client.post("/routines/start/", {"kind": kind}).status_code == 400
    assert not Routine.objects.exists()


def test_start_needs_post(client):
    assert client.get("/routines/start/").status_code == 405


def test_status_endpoint_and_polling_flag(client):
    assert client.get("/routines/status/").json() == {"running": False, "routines": []}
    client.post("/routines/start/", {"kind": "shoe"})
    body = client.get("/routines/status/").json()
    assert body["running"] is True
    assert body["routines"][0]["kind"] == "New horseshoes"
    assert body["routines"][0]["status"] == "queued"
    assert b'data-running="true"' in client.get("/routines/").content


def test_backend_start_abandons_unfinished_rows():
    queued = Routine.objects.create(kind="feed")
    running = Routine.objects.create(kind="feed", status="running")
    done = Routine.objects.create(kind="feed", status="succeeded")
    backend_starting.send(sender=None)
    statuses = {r.pk: r.status for r in Routine.objects.all()}
    assert statuses == {queued.pk: "abandoned", running.pk: "abandoned", done.pk: "succeeded"}


def test_task_leaves_an_abandoned_row_alone(instant):
    routine = Routine.objects.create(kind="feed", status="abandoned")
    assert tasks.run_routine.call(routine.pk) == "skipped"
    routine.refresh_from_db()
    assert routine.status == "abandoned"


@pytest.mark.django_db
def test_pages_say_when_the_shell_gave_up_on_the_worker(client, settings, tmp_path):
    """C-PROC-6: the shell's `worker-down` marker (holding the log path) shows a banner."""
    settings.DESKTOP_DJANGO_APP_DATA_DIR = tmp_path
    assert b"data-worker-down" not in client.get("/routines/").content
    (tmp_path / "worker-down").write_text("/data/logs/shell.log", encoding="utf-8")
    page = client.get("/routines/").content.decode()
    assert "data-worker-down" in page and "/data/logs/shell.log" in page
