"""Template context shared by every page."""

from desktop_django import app_settings


def desktop(request) -> dict:
    """``product_name`` (str) and ``app_version`` (str) for the layout. Never the token."""
    return {
        "product_name": app_settings.product_name(),
        "app_version": app_settings.version(),
    }
