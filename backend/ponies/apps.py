from django.apps import AppConfig


class PoniesConfig(AppConfig):
    name = "ponies"
    verbose_name = "My Ponies"
    default_auto_field = "django.db.models.BigAutoField"
