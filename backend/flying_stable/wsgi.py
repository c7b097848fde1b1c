"""WSGI entry point; ``desktop_serve`` wraps it with the access log and waitress."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flying_stable.settings.packaged")

application = get_wsgi_application()
