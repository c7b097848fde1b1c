"""The stdin lifeline shared by ``desktop_serve`` and ``desktop_worker`` (C-PROC-2).

The shell keeps a pipe open on each child's stdin. EOF means "the shell is gone or
wants us gone": stop gracefully. This also covers an abnormal shell death (C-PROC-5),
because the kernel closes the pipe's write end when the shell dies.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


def watch_stdin(on_eof: Callable[[], None], fd: int | None = None) -> threading.Thread:
    """Start a daemon thread that reads ``fd`` (default: stdin) until EOF, then calls
    ``on_eof()`` once. Input bytes are discarded. Returns the started thread.
    """
    if fd is None:
        fd = sys.stdin.fileno()

    def run() -> None:
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass  # a closed or broken stdin is an EOF too
        logger.info("lifeline: stdin reached EOF, stopping")
        on_eof()

    thread = threading.Thread(target=run, name="desktop-lifeline", daemon=True)
    thread.start()
    return thread
