"""desktop_django: the Python half of the Desktop Django runtime contract.

Add ``"desktop_django"`` to INSTALLED_APPS, ``"desktop_django.middleware.DesktopAuthMiddleware"``
as the first MIDDLEWARE entry, and ``path("", include("desktop_django.urls"))`` to the root
URLconf. See docs/architecture.md for the wire protocol.
"""

__version__ = "0.1.0"
