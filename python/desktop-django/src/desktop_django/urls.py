"""Include at the root: ``path("", include("desktop_django.urls"))``.

A wrapped project does it in a new ``desktop_urls.py``, leaving its own URLconf alone::

    from mysite.urls import urlpatterns as project_patterns

    urlpatterns = [path("", include("desktop_django.urls")), *project_patterns]

and names that module in ``configure(..., urlconf="mysite.desktop_urls")``. The shell
waits for ``/health/`` at the root (C-READY-1); check ``desktop_django.E005`` says so when
it is not routed here.

The ticket and bootstrap endpoints live in the middleware, so they work whatever
the project's URLconf does; these are the two plain views.
"""

from django.urls import path

from . import views

app_name = "desktop_django"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("splash/", views.splash, name="splash"),
]
