"""The worker role end to end, with whichever django-tasks-db the ``tasks`` extra resolved
(0.13 on Django 5.2, 0.12 on 4.2-5.1): a project whose settings come from
``configure(tasks=True)`` migrates, enqueues two tasks, ``manage.py desktop_worker``
(stdin lifeline on, as under a shell) runs them in its own process and exits after
``--max-tasks``, and the results read back as SUCCESSFUL and FAILED.

Runs in the backend's env (Django 5.2) and in the Django 4.2 env of
``scripts/test-django-lts.sh``, which installs ``desktop-django[tasks]`` as a user would.
Every step is a fresh interpreter, as the shell's roles are.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

for _module in ("django_tasks", "django_tasks_db"):
    pytest.importorskip(_module, reason=f"the `tasks` extra ({_module}) is not installed")

DESKTOP_TOML = """\
app_id = "dev.desktop-django.tasks-install-test"
product_name = "Tasks Install Test"
"""

MANAGE = textwrap.dedent(
    """
    import os
    import sys

    if __name__ == "__main__":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasksite.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    """
)

# A plain project's settings plus the one configure() call a desktop_settings.py makes.
SETTINGS = textwrap.dedent(
    """
    from pathlib import Path

    from desktop_django.settings import configure

    BASE_DIR = Path(__file__).resolve().parent.parent
    SECRET_KEY = "tasks-install-test-" + "x" * 50
    DEBUG = False
    ALLOWED_HOSTS = []
    INSTALLED_APPS = ["django.contrib.contenttypes"]
    MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
    ROOT_URLCONF = "desktop_django.urls"
    TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
    USE_TZ = True

    configure(globals(), desktop_toml=BASE_DIR / "desktop.toml", packaged=False, tasks=True)
    """
)

TASKS = textwrap.dedent(
    """
    import os

    from django_tasks import task


    @task()
    def add(a, b):
        return {"sum": a + b, "pid": os.getpid()}


    @task()
    def boom():
        raise LookupError("boom from the worker")
    """
)

ENQUEUE = textwrap.dedent(
    """
    import json, os
    import django

    django.setup()
    from tasksite.tasks import add, boom

    ok, bad = add.enqueue(2, 3), boom.enqueue()
    print("ENQUEUED " + json.dumps({"ok": ok.id, "bad": bad.id, "pid": os.getpid(),
                                    "status": [str(ok.status), str(bad.status)]}))
    """
)

READ = textwrap.dedent(
    """
    import json, sys
    from importlib.metadata import version

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from tasksite.tasks import add, boom

    ok, bad = add.get_result(sys.argv[1]), boom.get_result(sys.argv[2])
    with connection.cursor() as c:
        journal = c.execute("PRAGMA journal_mode").fetchone()[0]
    print("RESULTS " + json.dumps({
        "ok": {"status": str(ok.status), "return_value": ok.return_value,
               "workers": ok.worker_ids},
        "bad": {"status": str(bad.status), "workers": bad.worker_ids,
                "errors": [e.exception_class_path for e in bad.errors]},
        "database": str(settings.DATABASES["default"]["NAME"]),
        "app_data": str(settings.DESKTOP_DJANGO_APP_DATA_DIR),
        "journal_mode": journal,
        "versions": {"django": django.get_version(),
                     "django-tasks": version("django-tasks"),
                     "django-tasks-db": version("django-tasks-db")},
    }))
    """
)


def _env(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESKTOP_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tasksite.settings",
        # The project first; an inherited PYTHONPATH (a checkout's src/) stays after it.
        PYTHONPATH=os.pathsep.join(filter(None, (str(project), os.environ.get("PYTHONPATH")))),
        DESKTOP_DJANGO_APP_DATA_DIR=str(project / "app-data"),
        **extra,
    )
    return env


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=_env(project),
        cwd=project,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _marked(proc: subprocess.CompletedProcess, marker: str) -> dict:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(marker + " ")]
    assert lines, f"no {marker} line:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1].removeprefix(marker + " "))


@pytest.fixture(scope="module")
def worker_run(tmp_path_factory) -> dict:
    project = tmp_path_factory.mktemp("tasksite")
    (project / "desktop.toml").write_text(DESKTOP_TOML, encoding="utf-8")
    (project / "manage.py").write_text(MANAGE, encoding="utf-8")
    package = project / "tasksite"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "settings.py").write_text(SETTINGS, encoding="utf-8")
    (package / "tasks.py").write_text(TASKS, encoding="utf-8")
    (project / "enqueue.py").write_text(ENQUEUE, encoding="utf-8")
    (project / "read.py").write_text(READ, encoding="utf-8")

    _run(project, "manage.py", "migrate", "--verbosity", "0")
    enqueued = _marked(_run(project, "enqueue.py"), "ENQUEUED")

    # As under a shell: the worker role, stdin an open pipe (the lifeline), its own log.
    # --max-tasks bounds it: it exits 0 once both tasks ran, or the timeout fails the test.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "desktop_worker", "--max-tasks", "2", "--interval", "0.1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(project, DESKTOP_DJANGO_ROLE="worker"),
        cwd=project,
    )
    try:
        out, err = _wait_keeping_stdin(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    results = _marked(_run(project, "read.py", enqueued["ok"], enqueued["bad"]), "RESULTS")
    log = project / "app-data" / "logs" / "worker.log"
    return {
        "enqueued": enqueued,
        "results": results,
        "worker": {"returncode": worker.returncode, "stdout": out, "stderr": err},
        "worker_log": log.read_text(encoding="utf-8") if log.exists() else "",
        "project": project,
    }


def _wait_keeping_stdin(proc: subprocess.Popen, timeout: float = 60) -> tuple[str, str]:
    """Wait for ``proc`` with its stdin still open (closing it is the lifeline's stop
    signal), then collect its output."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"desktop_worker did not exit after --max-tasks 2:\n{out}\n{err}")
    proc.stdin.close()
    return proc.stdout.read(), proc.stderr.read()


def test_enqueue_stores_ready_tasks(worker_run):
    assert worker_run["enqueued"]["status"] == ["READY", "READY"], worker_run["enqueued"]


def test_worker_exits_cleanly_after_max_tasks(worker_run):
    assert worker_run["worker"]["returncode"] == 0, worker_run["worker"]


def test_task_succeeds_in_the_worker_process(worker_run):
    ok = worker_run["results"]["ok"]
    assert ok["status"] == "SUCCESSFUL", worker_run["results"]
    assert ok["return_value"]["sum"] == 5, ok
    # Run by the worker, not inline by the enqueuing process (an immediate backend would).
    assert ok["return_value"]["pid"] != worker_run["enqueued"]["pid"], ok
    assert len(ok["workers"]) == 1, ok


def test_failing_task_is_recorded_failed(worker_run):
    bad = worker_run["results"]["bad"]
    assert bad["status"] == "FAILED", worker_run["results"]
    assert bad["errors"] == ["builtins.LookupError"], bad


def test_queue_lives_in_the_app_data_database_with_the_pragmas(worker_run):
    results = worker_run["results"]
    assert Path(results["database"]).parent == Path(results["app_data"]), results
    assert results["journal_mode"] == "wal", results  # C-DATA-2, on every Django


def test_worker_logs_to_its_own_file(worker_run):
    """C-DATA-6: DESKTOP_DJANGO_ROLE=worker sends the worker's logging to worker.log."""
    assert worker_run["results"]["ok"]["workers"][0] in worker_run["worker_log"], worker_run
