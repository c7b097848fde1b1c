"""``manage.py desktop_serve``: the web role of the contract (C-PROC-1, C-PORT-2).

Sequence: check token → preflight the DB → refuse unknown (newer) migrations →
verified backup if migrations are pending →
migrate (restore the backup if it fails) → first-run hook → ``backend_starting`` →
bind 127.0.0.1:0 → handshake line
→ serve until stdin EOF or SIGTERM/SIGINT → exit 0.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from desktop_django import app_settings, auth, database, lifeline, serve, signals, wire
from desktop_django.access_log import AccessLogMiddleware
from desktop_django.views import app_version

logger = logging.getLogger("desktop_django.serve")

HANDSHAKE_PREFIX = wire.READY_PREFIX  # `contract::port::READY_PREFIX`, then a space


class Command(BaseCommand):
    help = "Migrate, seed, bind 127.0.0.1:0, print the handshake line and serve (waitress)."
    requires_system_checks = []  # startup time matters; `manage.py check` runs in CI

    def add_arguments(self, parser) -> None:
        parser.add_argument("--threads", type=int, default=4, help="waitress worker threads")
        parser.add_argument(
            "--no-lifeline",
            action="store_true",
            help="do not stop on stdin EOF (manual runs with stdin at /dev/null)",
        )

    def handle(self, *args, threads: int, no_lifeline: bool, **options) -> None:
        try:
            auth.session_token()  # C-AUTH-3: fail closed, in every mode
        except auth.TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.prepare_database()
        signals.backend_starting.send(sender=None)

        sock = serve.bind_loopback()
        host, port = sock.getsockname()
        auth.set_bound_port(port)
        app = AccessLogMiddleware(get_wsgi_application())
        server = serve.make_server(app, sock, threads=threads)

        stop = threading.Event()

        def request_stop(*_args) -> None:
            stop.set()
            server.pull_trigger()

        for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), request_stop)
        if not no_lifeline:
            lifeline.watch_stdin(request_stop)

        handshake = {"host": host, "port": port, "pid": os.getpid(), "version": app_version()}
        sys.stdout.write(HANDSHAKE_PREFIX + json.dumps(handshake) + "\n")
        sys.stdout.flush()
        logger.info("listening on http://%s:%d", host, port)
        serve.run_until(server, stop)

    def prepare_database(self) -> None:
        """Preflight, refuse a newer schema (C-DATA-8), verified backup before migrating
        (C-DATA-5, C-DATA-7), migrate (restoring the backup if it fails), seed (C-DATA-3)."""
        db_path = Path(settings.DATABASES["default"]["NAME"])
        try:
            existed = database.preflight(db_path)
        except database.DatabaseUnusable as exc:
            raise CommandError(str(exc)) from exc
        app_data = app_settings.app_data_dir() or db_path.parent
        backup = None
        if existed:
            executor = MigrationExecutor(connection)
            unknown = unknown_migrations(executor.loader)
            if unknown:
                raise CommandError(
                    f"The database {db_path} was migrated by a newer version of this app "
                    f"(version {app_version()} does not know {', '.join(unknown)}). It was left "
                    "untouched: install the newer version again, or restore a backup from "
                    f"{app_data / 'backups'} (C-DATA-8)."
                )
            if database.pending_migrations(executor):
                backup = database.backup(db_path, app_data / "backups")
                problem = database.integrity_ok(backup)
                if problem:
                    raise CommandError(
                        f"The backup {backup} of {db_path} fails SQLite's integrity check "
                        f"({problem}), so no migration runs; the database was left untouched."
                    )
        out = io.StringIO()
        try:
            call_command("migrate", interactive=False, verbosity=1, stdout=out, stderr=out)
        except Exception as exc:
            logger.error("migrate failed:\n%s", out.getvalue().rstrip())
            if backup is None:
                raise
            connection.close()
            database.restore(backup, db_path)
            raise CommandError(
                f"A migration failed ({exc}). The database {db_path} was restored from "
                f"{backup} to its state before this launch (C-DATA-7)."
            ) from exc
        if out.getvalue().strip():
            logger.info("migrate:\n%s", out.getvalue().rstrip())
        database.run_first_run_hook()


def unknown_migrations(loader) -> list[str]:
    """Migrations recorded in the database that this code does not know (C-DATA-8), as
    ``app.name``: applied by a newer version. Apps this project does not install are
    ignored (their tables are not this code's business); squashed migrations count as
    known through what they replace."""
    known = set(loader.graph.nodes)
    for migration in loader.replacements.values():
        known.update(migration.replaces)
    return sorted(
        f"{app}.{name}"
        for app, name in loader.applied_migrations
        if app in loader.migrated_apps and (app, name) not in known
    )
