from django.urls import path

from . import views

app_name = "ponies"

urlpatterns = [
    path("", views.pony_list, name="list"),
    path("new/", views.pony_create, name="create"),
    path("<int:pk>/edit/", views.pony_edit, name="edit"),
    path("<int:pk>/delete/", views.pony_delete, name="delete"),
    path("clear/", views.clear_stable, name="clear"),
]
