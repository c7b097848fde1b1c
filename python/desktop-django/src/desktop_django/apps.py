from django.apps import AppConfig
from django.core import checks


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
