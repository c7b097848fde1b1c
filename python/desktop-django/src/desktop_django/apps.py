import django
from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created


class DesktopDjangoConfig(AppConfig):
    name = "desktop_django"
    verbose_name = "Desktop Django"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks as desktop_checks

        tag = desktop_checks.TAG
        checks.register(desktop_checks.check_middleware, tag, checks.Tags.security)
        checks.register(desktop_checks.check_allowed_hosts, tag, checks.Tags.security)
        checks.register(desktop_checks.check_app_data_dir, tag, checks.Tags.files)
        checks.register(desktop_checks.check_health_url, tag, checks.Tags.urls)
        checks.register(desktop_checks.check_templates, tag, checks.Tags.templates)
        if django.VERSION < (5, 1):
            from .database import apply_pragmas

            # No SQLite init_command before 5.1: the pragmas are set per connection.
            connection_created.connect(apply_pragmas, dispatch_uid="desktop_django.pragmas")
