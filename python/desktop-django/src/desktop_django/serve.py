"""Waitress on a pre-bound loopback socket, with a stop event (C-PORT-1, C-PROC-2).

``waitress.serve`` only stops on KeyboardInterrupt in the main thread; we drive the
event loop ourselves so the lifeline thread or a signal can stop it, then drain
in-flight requests for a bounded time.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from waitress import wasyncore
from waitress.server import create_server

logger = logging.getLogger(__name__)

# 1 MB of junk in a token header must reach the middleware and get 403 (C-AUTH-2),
# not waitress's own 431; the peer is a local process anyway.
MAX_HEADER_BYTES = 4 * 1024 * 1024


def bind_loopback() -> socket.socket:
    """Bind a TCP socket on 127.0.0.1, port 0: the OS picks a free port (C-PORT-1, -3)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def make_server(app, sock: socket.socket, threads: int = 4):
    """Create (and start listening on) a waitress server for ``sock``."""
    return create_server(
        app,
        sockets=[sock],
        threads=threads,
        ident="desktop-django",
        max_request_header_size=MAX_HEADER_BYTES,
    )


def run_until(server, stop: threading.Event, drain_s: float = 3.0) -> None:
    """Serve until ``stop`` is set, then stop accepting and give in-flight requests up
    to ``drain_s`` seconds to finish. Whoever sets ``stop`` should call
    ``server.pull_trigger()`` so the poll wakes at once.
    """
    socket_map = server._map
    timeout = server.adj.asyncore_loop_timeout
    while not stop.is_set():
        wasyncore.loop(timeout=timeout, map=socket_map, count=1)
    server.accepting = False
    wasyncore.dispatcher.close(server)  # the listening socket only; keeps the trigger
    deadline = time.monotonic() + drain_s

    def busy() -> bool:
        channels = list(server.active_channels.values())
        return any(ch.requests or ch.total_outbufs_len for ch in channels)

    while busy() and time.monotonic() < deadline:
        wasyncore.loop(timeout=0.05, map=socket_map, count=1)
    server.task_dispatcher.shutdown(timeout=max(0.1, deadline - time.monotonic()))
    wasyncore.close_all(socket_map)
    logger.info("server stopped")
