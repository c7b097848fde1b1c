"""desktop_django: the Python half of the Desktop Django runtime contract.

A project's ``desktop_settings.py`` does ``from project.settings import *`` and then
``desktop_django.settings.configure(globals(), ...)``, which installs the app and puts
``DesktopAuthMiddleware`` first; a ``desktop_urls.py`` includes ``desktop_django.urls``
before the project's patterns (docs/wrapping.md). Importing this package reads no file.
See docs/architecture.md for the wire protocol.
"""

__version__ = "0.1.0"
