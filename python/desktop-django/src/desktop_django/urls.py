"""Include at the root: ``path("", include("desktop_django.urls"))``.

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
