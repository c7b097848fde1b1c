from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="ponies:list", permanent=False), name="home"),
    path("", include("desktop_django.urls")),
    path("ponies/", include("ponies.urls")),
    path("routines/", include("routines.urls")),
]
