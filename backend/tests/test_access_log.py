"""C-DATA-6 / C-AUTH-1: the access log is JSON lines and never holds a secret."""

import json
import logging

from desktop_django.access_log import REDACTED, AccessLogMiddleware, scrub

TOKEN = "0123456789abcdef" * 4


def test_scrub_redacts_ticket_and_token_params():
    out = scrub("/desktop-auth/bootstrap/", "ticket=abc123&next=%2Fponies%2F", TOKEN)
    assert "abc123" not in out
    assert out.startswith("/desktop-auth/bootstrap/?ticket=")
    assert "next=/ponies/" in out
    assert "abc123" not in scrub("/x/", "TOKEN=abc123", TOKEN)


def test_scrub_redacts_the_token_anywhere():
    out = scrub(f"/oops/{TOKEN}/", f"q={TOKEN}&nonce=1", TOKEN)
    assert TOKEN not in out
    assert out.count(REDACTED) == 2
    assert "nonce=1" in out


def test_scrub_leaves_plain_paths_alone():
    assert scrub("/health/", "", TOKEN) == "/health/"
    assert scrub("/health/", "nonce=abc", TOKEN) == "/health/?nonce=abc"


def test_middleware_writes_one_json_line(caplog, monkeypatch):
    monkeypatch.setenv("DESKTOP_DJANGO_AUTH_TOKEN", TOKEN)

    def app(environ, start_response):
        start_response("204 No Content", [])
        return [b""]

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/desktop-auth/bootstrap/",
        "QUERY_STRING": "ticket=SECRET&next=/",
        "HTTP_USER_AGENT": "probe/1",
    }
    with caplog.at_level(logging.INFO, logger="desktop_django.access"):
        AccessLogMiddleware(app)(environ, lambda status, headers, exc_info=None: None)
    records = [r for r in caplog.records if r.name == "desktop_django.access"]
    assert len(records) == 1
    line = json.loads(records[0].getMessage())
    assert line["method"] == "GET" and line["status"] == 204 and line["ua"] == "probe/1"
    assert isinstance(line["ts"], float)
    assert "SECRET" not in line["path"]
