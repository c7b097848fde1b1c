"""In-process Django for the tests of ``configure()``, the system checks and
``DesktopClient``: a small project whose settings ``desktop_django.settings.configure``
assembles, the way a wrapped project's ``desktop_settings.py`` does. The subprocess tests
(``test_core_install``, ``test_wheel``) build environments of their own."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import django
from django.conf import settings

from desktop_django import conf
from desktop_django.settings import configure

DESKTOP_TOML = """\
app_id = "dev.desktop-django.package-tests"
product_name = "Package Tests"

[settings]
dev = "tests.desktop_settings"
packaged = "tests.desktop_settings"
"""


def project_settings(base_dir: Path) -> dict:
    """A plain project's settings, before any desktop change."""
    return {
        "BASE_DIR": base_dir,
        "SECRET_KEY": "package-tests-" + "x" * 50,
        "DEBUG": False,
        "ALLOWED_HOSTS": [],
        "INSTALLED_APPS": ["django.contrib.contenttypes"],
        "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
        "ROOT_URLCONF": "tests.project_urls",
        "TEMPLATES": [
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        "DATABASES": {},
        "MEDIA_URL": "/media/",  # as Wagtail's and many projects' settings have it
        "USE_TZ": True,
    }


def pytest_configure(config):
    if settings.configured:
        return
    base = Path(tempfile.mkdtemp(prefix="desktop-django-tests-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    (base / "desktop.toml").write_text(DESKTOP_TOML, encoding="utf-8")
    previous = os.environ.get(conf.APP_DATA_ENV)
    os.environ[conf.APP_DATA_ENV] = str(base / "app-data")
    try:
        namespace = project_settings(base)
        configure(namespace, packaged=False, urlconf="tests.desktop_urls")
    finally:
        if previous is None:
            os.environ.pop(conf.APP_DATA_ENV, None)
        else:
            os.environ[conf.APP_DATA_ENV] = previous
    settings.configure(**namespace)
    django.setup()
