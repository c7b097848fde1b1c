from django.apps import AppConfig


class RoutinesConfig(AppConfig):
    name = "routines"
    verbose_name = "Stable Routines"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from desktop_django.signals import backend_starting

        from .models import abandon_unfinished

        backend_starting.connect(abandon_unfinished, dispatch_uid="routines.abandon_unfinished")
