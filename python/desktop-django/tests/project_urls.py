"""The test project's own URLconf: knows nothing about desktop_django."""

from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse(f"hello {request.method}", content_type="text/plain")


urlpatterns = [path("hello/", hello, name="hello")]
