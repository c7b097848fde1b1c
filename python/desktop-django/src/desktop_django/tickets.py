"""One-time bootstrap tickets for webview shells (C-AUTH-5).

A ticket is a random URL-safe string that is valid once, for 30 s, in this process.
The shell mints one with the token header, then opens the bootstrap URL with it;
the session token itself never goes into a URL.
"""

from __future__ import annotations

import secrets
import threading
import time

TICKET_TTL_S = 30.0
MAX_OUTSTANDING = 64  # bounds memory if something mints in a loop


class TicketStore:
    """Thread-safe in-memory ticket store. ``clock`` returns seconds (monotonic)."""

    def __init__(self, ttl_s: float = TICKET_TTL_S, clock=time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def mint(self) -> str:
        """Return a new ticket: 43 URL-safe chars (256 bits), valid for ``ttl_s``."""
        ticket = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._expiry = {t: exp for t, exp in self._expiry.items() if exp > now}
            while len(self._expiry) >= MAX_OUTSTANDING:
                self._expiry.pop(next(iter(self._expiry)))  # drop the oldest
            self._expiry[ticket] = now + self._ttl
        return ticket

    def consume(self, ticket: object) -> bool:
        """Redeem ``ticket`` once. False for unknown, reused, expired or non-str input."""
        if not isinstance(ticket, str) or not ticket:
            return False
        with self._lock:
            expiry = self._expiry.pop(ticket, None)
        return expiry is not None and self._clock() < expiry


store = TicketStore()
