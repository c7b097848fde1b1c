from django.apps import AppConfig


class DesktopDjangoConfig(AppConfig):
    name = "desktop_django"
    verbose_name = "Desktop Django"
    default_auto_field = "django.db.models.BigAutoField"
