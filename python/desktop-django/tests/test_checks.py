"""The system checks (``desktop_django.checks``): each fires on a broken setup and stays
silent on the one ``configure()`` assembled (tests/conftest.py)."""

import io
import os
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from desktop_django import checks
from desktop_django.settings import AUTH_MIDDLEWARE, CSRF_MIDDLEWARE

COMMON = "django.middleware.common.CommonMiddleware"


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_the_configured_project_passes_every_check():
    assert run_checks(tags=[checks.TAG]) == []


def test_the_checks_are_registered_by_the_app():
    with override_settings(MIDDLEWARE=[COMMON], ALLOWED_HOSTS=[]):
        found = ids(run_checks(tags=[checks.TAG]))
    assert sorted(found) == ["desktop_django.E001", "desktop_django.E002", "desktop_django.E003"]


# E001, E002 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "middleware",
    [[COMMON, CSRF_MIDDLEWARE], [COMMON, AUTH_MIDDLEWARE, CSRF_MIDDLEWARE], [CSRF_MIDDLEWARE]],
)
def test_e001_auth_middleware_missing_or_not_first(middleware):
    with override_settings(MIDDLEWARE=middleware):
        assert ids(checks.check_middleware()) == ["desktop_django.E001"]


def test_manage_py_check_fails_with_e001_when_auth_middleware_is_not_first():
    # What `manage.py check` runs: every registered check, errors raise SystemCheckError.
    wrong = [COMMON, AUTH_MIDDLEWARE, CSRF_MIDDLEWARE]
    with (
        override_settings(MIDDLEWARE=wrong),
        pytest.raises(SystemCheckError, match=r"desktop_django\.E001") as raised,
    ):
        call_command("check")
    assert "is not first in MIDDLEWARE" in str(raised.value)
    out = io.StringIO()
    call_command("check", stdout=out)  # the configured project: first, so it passes
    assert "no issues" in out.getvalue()


def test_e002_csrf_missing():
    with override_settings(MIDDLEWARE=[AUTH_MIDDLEWARE, COMMON]):
        assert ids(checks.check_middleware()) == ["desktop_django.E002"]


def test_middleware_checks_silent_when_auth_is_first_and_csrf_present():
    with override_settings(MIDDLEWARE=[AUTH_MIDDLEWARE, COMMON, CSRF_MIDDLEWARE]):
        assert checks.check_middleware() == []


# E003 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hosts", [[], ["localhost"], ["127.0.0.1", "example.com"]])
def test_e003_loopback_host_missing(hosts):
    with override_settings(ALLOWED_HOSTS=hosts):
        assert ids(checks.check_allowed_hosts()) == ["desktop_django.E003"]


@pytest.mark.parametrize("hosts", [["127.0.0.1", "localhost"], ["*"]])
def test_e003_silent(hosts):
    with override_settings(ALLOWED_HOSTS=hosts):
        assert checks.check_allowed_hosts() == []


# E004 ------------------------------------------------------------------------------------


def test_e004_app_data_dir_missing(tmp_path):
    with override_settings(DESKTOP_DJANGO_APP_DATA_DIR=tmp_path / "gone"):
        (error,) = checks.check_app_data_dir()
    assert error.id == "desktop_django.E004" and "does not exist" in error.msg


def test_e004_app_data_dir_is_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    with override_settings(DESKTOP_DJANGO_APP_DATA_DIR=tmp_path / "file"):
        (error,) = checks.check_app_data_dir()
    assert error.id == "desktop_django.E004" and "not a directory" in error.msg


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_e004_app_data_dir_read_only(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with override_settings(DESKTOP_DJANGO_APP_DATA_DIR=tmp_path):
            assert ids(checks.check_app_data_dir()) == ["desktop_django.E004"]
    finally:
        tmp_path.chmod(0o700)


def test_e004_app_data_dir_not_writable_as_the_os_reports_it(tmp_path, monkeypatch):
    monkeypatch.setattr(
        checks.os, "access", lambda path, mode: not (mode & os.W_OK and path == tmp_path)
    )
    with override_settings(DESKTOP_DJANGO_APP_DATA_DIR=tmp_path):
        (error,) = checks.check_app_data_dir()
    assert error.id == "desktop_django.E004" and "not writable" in error.msg


def test_e004_silent_on_a_writable_dir(tmp_path):
    with override_settings(DESKTOP_DJANGO_APP_DATA_DIR=tmp_path):
        assert checks.check_app_data_dir() == []


# E005 ------------------------------------------------------------------------------------


def test_e005_project_urlconf_without_desktop_urls():
    with override_settings(ROOT_URLCONF="tests.project_urls"):
        assert ids(checks.check_health_url()) == ["desktop_django.E005"]


def test_e005_silent_with_the_desktop_urlconf():
    assert settings.ROOT_URLCONF == "tests.desktop_urls"
    assert checks.check_health_url() == []


# W001 ------------------------------------------------------------------------------------

OFF_ORIGIN = """\
{% load static %}
<link href="//cdn.example.com/pico.css" rel="stylesheet">
<script defer src='https://cdn.example.com/htmx.min.js'></script>
<SCRIPT SRC=http://example.org/a.js></SCRIPT>
"""

SAME_ORIGIN = """\
{% load static %}
<link rel="stylesheet" href="{% static 'app.css' %}">
<link rel="icon" href="https://example.com/favicon.ico">
<script src="/static/app.js"></script>
<script>const url = "https://example.com/";</script>
<a href="https://example.com/docs">docs</a>
<!-- <script src="https://cdn.example.com/old.js"></script> -->
{# <script src="https://cdn.example.com/older.js"></script> #}
{% comment %}<link rel="stylesheet" href="https://cdn.example.com/x.css">{% endcomment %}
"""


def _dtl(dirs, app_dirs=False):
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(d) for d in dirs],
            "APP_DIRS": app_dirs,
        }
    ]


def test_w001_names_the_template_and_each_off_origin_url(tmp_path):
    (tmp_path / "pages").mkdir()
    page = tmp_path / "pages" / "base.html"
    page.write_text(OFF_ORIGIN, encoding="utf-8")
    with override_settings(TEMPLATES=_dtl([tmp_path])):
        warnings = checks.check_templates()
    assert ids(warnings) == ["desktop_django.W001"] * 3
    assert [w.obj for w in warnings] == [str(page.resolve())] * 3
    assert [w.msg.split(" loads ")[1].split(" ")[0] for w in warnings] == [
        "//cdn.example.com/pico.css",
        "https://cdn.example.com/htmx.min.js",
        "http://example.org/a.js",
    ]


def test_w001_scans_installed_apps_templates_when_app_dirs_is_on(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "widget.html").write_text(OFF_ORIGIN, encoding="utf-8")
    app = SimpleNamespace(path=str(tmp_path))
    with override_settings(TEMPLATES=_dtl([], app_dirs=True)):
        assert len(checks.check_templates(app_configs=[app])) == 3
    with override_settings(TEMPLATES=_dtl([], app_dirs=False)):
        assert checks.check_templates(app_configs=[app]) == []


def test_w001_silent_on_same_origin_assets_links_and_comments(tmp_path):
    (tmp_path / "ok.html").write_text(SAME_ORIGIN, encoding="utf-8")
    with override_settings(TEMPLATES=_dtl([tmp_path], app_dirs=True)):
        # Its one inline <script> block is W002's business, not W001's.
        assert ids(checks.check_templates()) == ["desktop_django.W002"]


# W002 ------------------------------------------------------------------------------------

INLINE = """\
{% load static %}
<script src="{% static 'app.js' %}"></script>
<script>
  window.addEventListener("load", () => {});
</script>
<script type="module">import "./x.js";</script>
<SCRIPT TYPE="text/javascript; charset=utf-8">run()</SCRIPT>
"""

NOT_RUN = """\
{{ config|json_script:"config" }}
<script id="data" type="application/json">{"a": 1}</script>
<script type="application/ld+json">{"@type": "Thing"}</script>
<script type="text/template"><li>{{ name }}</li></script>
<script type='text/x-template' id=row><tr></tr></script>
<script></script>
<script defer src=/static/a.js></script>
<!-- <script>old()</script> -->
{# <script>older()</script> #}
{% comment %}
<script>oldest()</script>
{% endcomment %}
<p>script</p>
"""


def test_w002_names_the_template_the_count_and_the_first_line(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{# <script>x()</script> #}\n" + INLINE, encoding="utf-8")
    with override_settings(TEMPLATES=_dtl([tmp_path])):
        (warning,) = checks.check_templates()
    assert warning.id == "desktop_django.W002"
    assert warning.obj == str(page.resolve())
    assert "3 inline <script> blocks (line 4)" in warning.msg
    assert "docs/wrapping.md" in warning.hint and "DESKTOP_DJANGO_CSP" in warning.hint


def test_w002_ignores_data_templates_empty_blocks_external_scripts_and_comments(tmp_path):
    (tmp_path / "data.html").write_text(NOT_RUN, encoding="utf-8")
    with override_settings(TEMPLATES=_dtl([tmp_path])):
        assert checks.check_templates() == []
    assert checks.inline_scripts(NOT_RUN) == []


def test_w002_can_be_silenced_like_any_check(tmp_path):
    (tmp_path / "page.html").write_text(INLINE, encoding="utf-8")
    with override_settings(
        TEMPLATES=_dtl([tmp_path]), SILENCED_SYSTEM_CHECKS=["desktop_django.W002"]
    ):
        out = io.StringIO()
        call_command("check", stdout=out)
    assert "no issues" in out.getvalue()
