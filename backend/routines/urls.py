from django.urls import path

from . import views

app_name = "routines"

urlpatterns = [
    path("", views.routine_list, name="list"),
    path("start/", views.start_routine, name="start"),
    path("status/", views.routine_status, name="status"),
]
