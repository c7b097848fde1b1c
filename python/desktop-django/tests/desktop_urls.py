"""The desktop URLconf, as docs/wrapping.md writes it: desktop_django's URLs, then the
project's, with the project's file untouched."""

from django.urls import include, path

from tests.project_urls import urlpatterns as project_patterns

urlpatterns = [path("", include("desktop_django.urls")), *project_patterns]
