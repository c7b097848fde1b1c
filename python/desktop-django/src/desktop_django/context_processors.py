"""Template context from the desktop runtime.

Add ``"desktop_django.context_processors.runtime"`` to the ``context_processors`` of
``TEMPLATES[0]["OPTIONS"]``.
"""

from __future__ import annotations

from . import app_settings, wire

# Written by the shell's supervisor when it gives up restarting the task worker (C-PROC-6);
# the same name as `contract::paths::WORKER_DOWN_FILE`. It holds the shell log's path.
WORKER_DOWN_FILE = wire.WORKER_DOWN_FILE


def runtime(request) -> dict:
    """``desktop_worker_down``: ``None``, or the log path (str) when the worker is down.
    None too when the settings name no app-data dir (``configure()`` always does)."""
    marker = app_settings.worker_down_marker()
    if marker is None:
        return {"desktop_worker_down": None}
    try:
        return {"desktop_worker_down": marker.read_text(encoding="utf-8").strip() or "logs"}
    except OSError:
        return {"desktop_worker_down": None}
