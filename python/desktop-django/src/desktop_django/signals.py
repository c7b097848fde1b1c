"""Signals a project can hook into.

``backend_starting`` is sent by ``desktop_serve`` after migrations and the first-run hook,
before the socket is bound. Receivers get ``sender=None`` and no arguments; use it for
startup chores such as marking work left unfinished by the previous launch.
"""

from django.dispatch import Signal

backend_starting = Signal()
