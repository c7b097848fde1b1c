"""C-READY-1, C-READY-4, C-AUTH-7 and the splash page."""

import hashlib
import hmac

import pytest
from desktop_django import conf
from django.test import Client

pytestmark = pytest.mark.django_db

# What Django's never_cache (add_never_cache_headers) puts in Cache-Control.
NEVER_CACHE = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def cache_control(response) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


def test_health_reports_the_pragmas_in_effect(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == "0.1.0"
    assert body["sqlite"] == conf.EXPECTED_PRAGMAS
    assert body["sqlite"]["journal_mode"] == "wal"
    assert "proof" not in body
    assert cache_control(response) >= NEVER_CACHE  # django.views.decorators.cache.never_cache


def test_health_proof_is_hmac_of_the_nonce(client, token):
    body = client.get("/health/", {"nonce": "n-42"}).json()
    expected = hmac.new(token.encode(), b"n-42", hashlib.sha256).hexdigest()
    assert body["proof"] == expected


def test_health_degrades_when_a_pragma_is_off(client):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size=-2000")
    try:
        response = client.get("/health/")
        assert response.status_code == 503
        assert response.json()["status"] == "degraded"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-20000")


def test_health_without_token_is_403(anon):
    assert anon.get("/health/").status_code == 403


def test_splash_renders(client):
    response = client.get("/splash/")
    assert response.status_code == 200
    assert b"Flying Stable" in response.content


def test_csrf_stays_on_with_a_valid_token(token):
    """C-AUTH-7: the shell token is not a CSRF token."""
    strict = Client(
        enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8123", HTTP_X_DESKTOP_DJANGO_TOKEN=token
    )
    assert strict.post("/ponies/new/", {"name": "Sneaky", "status": "grazing"}).status_code == 403
    assert strict.post("/ponies/clear/").status_code == 403
    assert strict.post("/routines/start/", {"kind": "feed"}).status_code == 403


def test_csrf_post_with_token_and_csrf_succeeds(token):
    strict = Client(
        enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8123", HTTP_X_DESKTOP_DJANGO_TOKEN=token
    )
    page = strict.get("/ponies/new/")
    csrf = page.cookies["csrftoken"].value
    response = strict.post(
        "/ponies/new/", {"name": "Proper", "status": "grazing", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302


def test_pages_never_contain_the_token(client, token):
    for path in (
        "/ponies/",
        "/ponies/new/",
        "/routines/",
        "/splash/",
        "/static/flying_stable/app.js",
    ):
        response = client.get(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert token.encode() not in content, path
