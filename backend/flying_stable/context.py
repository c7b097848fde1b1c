"""Template context shared by every page."""

from desktop_django.views import app_version
from django.conf import settings


def desktop(request) -> dict:
    """``product_name`` (str) and ``app_version`` (str) for the layout. Never the token."""
    return {
        "product_name": settings.DESKTOP_DJANGO_PRODUCT_NAME,
        "app_version": app_version(),
    }
