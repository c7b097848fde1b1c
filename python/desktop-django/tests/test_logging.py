"""The ``LOGGING`` that ``configure()`` installs (``conf.logging_config``, C-DATA-6), as
django.setup() applied it for this test run: what reaches ``<app-data>/logs/backend.log``."""

import logging

from django.conf import settings
from waitress.task import ThreadedTaskDispatcher


def backend_log() -> str:
    path = settings.DESKTOP_DJANGO_APP_DATA_DIR / "logs" / "backend.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_waitress_queue_depth_warnings_stay_out_of_backend_log():
    # A dispatcher with no threads yet: every task added waits, so waitress warns
    # "Task queue depth is N" exactly as it does when a page's 15 scripts hit 4 threads.
    dispatcher = ThreadedTaskDispatcher()
    before = backend_log()
    dispatcher.add_task(object())
    dispatcher.add_task(object())
    after = backend_log()[len(before) :]
    assert "Task queue depth" not in after
    dispatcher.queue.clear()
    # The logger itself still reaches the file from ERROR up.
    logging.getLogger("waitress.queue").error("queue broke")
    (line,) = [ln for ln in backend_log()[len(before) :].splitlines() if "queue broke" in ln]
    assert " ERROR " in line and "waitress.queue" in line
