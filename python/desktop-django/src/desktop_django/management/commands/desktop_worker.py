"""``manage.py desktop_worker``: django-tasks-db's ``db_worker`` for the shell
(C-PROC-1, C-PROC-2).

Autoreload is forced off (it would add a second Python process) and the random
startup delay is skipped. On lifeline EOF we use the worker's own signal handling:
the first SIGTERM stops it after the current task (at once when idle); if a task is
still running after the grace budget, a second signal interrupts the task (the worker
records it as failed) so the process exits before the shell's tree-kill.
"""

from __future__ import annotations

import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from desktop_django import lifeline, wire

try:
    from django_tasks_db.management.commands import db_worker
except ModuleNotFoundError as exc:  # the `tasks` extra is missing: say so when run
    if exc.name not in ("django_tasks_db", "django_tasks"):
        raise
    db_worker = None

GRACE_ENV = wire.GRACE_ENV


def default_grace_s() -> float:
    """60 % of the shell's grace period (``$DESKTOP_DJANGO_GRACE_MS``, default 5000 ms:
    ``wire.DEFAULT_GRACE_MS``, the supervisor's ``DEFAULT_GRACE_MS``), in seconds, at
    least 0.5."""
    try:
        grace_ms = float(os.environ.get(GRACE_ENV, str(wire.DEFAULT_GRACE_MS)))
    except ValueError:
        grace_ms = float(wire.DEFAULT_GRACE_MS)
    return max(0.5, grace_ms * 0.6 / 1000)


def signal_main_thread() -> None:
    """Deliver a stop signal to the main thread so it wakes from ``time.sleep`` now.

    POSIX: ``pthread_kill(main, SIGTERM)``. Windows: ``raise_signal(SIGINT)``, the one
    signal whose handler also wakes a sleeping main thread there.
    """
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
    else:
        signal.raise_signal(signal.SIGINT)


class Command(db_worker.Command if db_worker is not None else BaseCommand):
    help = "Run the django-tasks-db worker with autoreload off and the stdin lifeline."
    # As desktop_serve: `manage.py check` runs in CI. Here the checks would cost ~40 ms of
    # CPU and ~1 MB (URLconf, admin, templates) just as the window loads its first page.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-lifeline",
            action="store_true",
            help="do not stop on stdin EOF (manual runs with stdin at /dev/null)",
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds a running task may take after EOF (default: 60%% of the shell's)",
        )

    def handle(self, *args, no_lifeline: bool = False, grace: float | None = None, **options):
        if db_worker is None:
            raise CommandError(
                "desktop_worker needs django-tasks-db: pip install 'desktop-django[tasks]'"
            )
        options["reload"] = False
        options["startup_delay"] = False
        if not no_lifeline:
            # Until the worker installs its own handlers, a stop means "exit now, cleanly".
            signal.signal(signal.SIGTERM, _exit_before_start)
            signal.signal(signal.SIGINT, _exit_before_start)
            grace_s = default_grace_s() if grace is None else grace

            def on_eof() -> None:
                signal_main_thread()  # graceful: finish the current task
                escalate = threading.Timer(grace_s, signal_main_thread)  # then interrupt it
                escalate.daemon = True
                escalate.start()

            lifeline.watch_stdin(on_eof)
        super().handle(*args, **options)


def _exit_before_start(signum, frame) -> None:
    raise SystemExit(0)
