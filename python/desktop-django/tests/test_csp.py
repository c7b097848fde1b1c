"""The default Content-Security-Policy and its report endpoint: same-origin frames are
allowed, and each violation the webview reports reaches backend.log once, without the
query string."""

import json
import uuid

import pytest
from django.conf import settings
from django.test import Client

from desktop_django import app_settings, auth, views, wire
from desktop_django.test import DesktopClient, session_token

from .test_logging import backend_log

REPORT = "application/csp-report"


def directives(csp: str) -> dict[str, str]:
    return dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))


@pytest.fixture(autouse=True)
def fresh():
    auth.set_bound_port(None)
    views._csp_seen.clear()
    with session_token():
        yield
    views._csp_seen.clear()


@pytest.fixture
def webview():
    """A client with only what the webview has: the session cookie from the bootstrap URL,
    no token header, and CSRF enforced as a browser would meet it."""
    ticket = DesktopClient().post(wire.TICKET_PATH).json()["ticket"]
    client = Client(HTTP_HOST="127.0.0.1:8000", enforce_csrf_checks=True)
    response = client.get(wire.BOOTSTRAP_PATH, {"ticket": ticket, "next": "/hello/"})
    assert response.status_code == 302 and wire.TOKEN_COOKIE in client.cookies
    return client


def csp_report(blocked, directive="img-src", document="http://127.0.0.1:8000/admin/?t=1"):
    return json.dumps(
        {
            "csp-report": {
                "document-uri": document,
                "blocked-uri": blocked,
                "violated-directive": directive,
                "effective-directive": directive,
                "original-policy": app_settings.DEFAULT_CSP,
            }
        }
    )


def test_the_default_policy_keeps_everything_on_the_exact_origin_and_reports():
    policy = directives(app_settings.DEFAULT_CSP)
    assert policy["frame-src"] == policy["frame-ancestors"] == "'self'"
    assert policy["script-src"] == policy["default-src"] == "'self'"
    assert policy["report-uri"] == wire.CSP_REPORT_PATH
    assert settings.X_FRAME_OPTIONS == "SAMEORIGIN"  # configure(): the same rule


def test_a_page_may_be_framed_by_its_own_origin_only():
    response = DesktopClient().get("/hello/")
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'self'"


def test_a_report_from_the_webview_passes_the_gate_and_is_logged_once(webview):
    blocked = f"https://secure.gravatar.com/avatar/{uuid.uuid4().hex}"
    before = backend_log()
    for _ in range(2):
        response = webview.post(
            wire.CSP_REPORT_PATH, csp_report(blocked + "?s=50&ticket=SECRET"), content_type=REPORT
        )
        assert response.status_code == 204
    logged = [line for line in backend_log()[len(before) :].splitlines() if blocked in line]
    assert len(logged) == 1
    assert " WARNING " in logged[0] and "desktop_django.csp" in logged[0]
    assert logged[0].endswith(
        f"Content-Security-Policy blocked {blocked} (img-src) on /admin/; "
        "see docs/wrapping.md#content-security-policy"
    )
    assert "SECRET" not in backend_log() and "?t=1" not in backend_log()
    # Another directive for the same URI is another line.
    webview.post(wire.CSP_REPORT_PATH, csp_report(blocked, "frame-src"), content_type=REPORT)
    assert backend_log().count(f"blocked {blocked} (frame-src)") == 1


def test_reports_without_the_token_or_cookie_are_refused():
    anon = Client(HTTP_HOST="127.0.0.1:8000")
    response = anon.post(wire.CSP_REPORT_PATH, csp_report("inline"), content_type=REPORT)
    assert response.status_code == 403


def test_a_reporting_api_list_is_read_too(webview):
    blocked = f"https://cdn.example.com/{uuid.uuid4().hex}.js"
    reports = [
        {"type": "deprecation", "body": {"id": "x"}},
        {
            "type": "csp-violation",
            "url": "http://127.0.0.1:8000/cms/",
            "body": {
                "documentURL": "http://127.0.0.1:8000/cms/pages/?q=x",
                "blockedURL": blocked,
                "effectiveDirective": "script-src-elem",
            },
        },
    ]
    response = webview.post(
        wire.CSP_REPORT_PATH, json.dumps(reports), content_type="application/reports+json"
    )
    assert response.status_code == 204
    assert f"blocked {blocked} (script-src-elem) on /cms/pages/;" in backend_log()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", REPORT, 400),
        (b"\xff\xfe", REPORT, 400),
        ("[]", REPORT, 400),
        ('{"csp-report": "inline"}', REPORT, 400),
        ('{"csp-report": {}}', REPORT, 204),  # fields missing: logged as unknown
        ("{}", "application/reports+json", 400),
        ('[{"type": "csp-violation"}]', "application/reports+json", 400),
        ("{}", "application/json", 415),
        ("x" * (views.MAX_CSP_REPORT_BYTES + 1), REPORT, 413),
    ],
)
def test_bad_reports_get_a_4xx(body, content_type, status):
    response = DesktopClient().post(wire.CSP_REPORT_PATH, body, content_type=content_type)
    assert response.status_code == status


def test_other_methods_are_405():
    assert DesktopClient().get(wire.CSP_REPORT_PATH).status_code == 405
    assert DesktopClient().put(wire.CSP_REPORT_PATH, "{}", content_type=REPORT).status_code == 405
