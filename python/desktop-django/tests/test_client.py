"""``desktop_django.test``: ``DesktopClient`` gets through ``DesktopAuthMiddleware`` the way
a shell does; a plain client does not."""

import os

import pytest
from django.test import Client

from desktop_django import auth
from desktop_django.conf import TOKEN_ENV
from desktop_django.test import DEFAULT_PORT, DesktopClient, session_token


@pytest.fixture(autouse=True)
def no_bound_port():
    auth.set_bound_port(None)
    yield
    auth.set_bound_port(None)


def test_desktop_client_passes_the_gate_and_a_plain_client_does_not():
    with session_token():
        assert DesktopClient().get("/hello/").content == b"hello GET"
        assert Client(HTTP_HOST=f"127.0.0.1:{DEFAULT_PORT}").get("/hello/").status_code == 403


def test_desktop_client_reaches_desktop_djangos_own_views():
    with session_token():
        response = DesktopClient().get("/splash/")
    assert response.status_code == 200
    assert b"Package Tests" in response.content  # DESKTOP_DJANGO_PRODUCT_NAME from desktop.toml


def test_host_follows_the_bound_port():
    with session_token():
        auth.set_bound_port(5555)
        client = DesktopClient()
        assert client.desktop_port == 5555
        assert client.get("/hello/").status_code == 200
        assert DesktopClient(port=5556).get("/hello/").status_code == 400  # C-AUTH-6


def test_a_wrong_token_is_refused():
    with session_token("a" * 64):
        assert DesktopClient(token="b" * 64).get("/hello/").status_code == 403


def test_without_a_session_token_the_client_says_so(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(auth.TokenError, match=TOKEN_ENV):
        DesktopClient()


def test_csrf_stays_on_when_the_client_enforces_it():
    with session_token():
        assert DesktopClient(enforce_csrf_checks=True).post("/hello/").status_code == 403
        assert DesktopClient().post("/hello/").content == b"hello POST"


def test_session_token_restores_the_environment(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "c" * 64)
    with session_token() as token:
        assert os.environ[TOKEN_ENV] == token != "c" * 64
        assert len(token) == 64 and token == token.lower()
    assert os.environ[TOKEN_ENV] == "c" * 64
