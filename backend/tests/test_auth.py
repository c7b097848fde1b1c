"""C-AUTH-2, -3, -6: the request gate."""

import pytest
from desktop_django import auth

from .conftest import PORT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8123",
        "127.0.0.1:9999",
        "127.0.0.1",
        "localhost",
        "localhost:8123.evil",
        "127.0.0.2:8123",
        "0.0.0.0:8123",
        "[::1]:8123",
        "127.0.0.1:8123:8123",
        "",
        "localhost:+8123",
    ],
)
def test_bad_host_is_400_even_with_token(client, host):
    assert client.get("/health/", HTTP_HOST=host).status_code == 400


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"LOCALHOST:{PORT}"])
def test_loopback_host_with_bound_port_is_accepted(client, host):
    assert client.get("/health/", HTTP_HOST=host).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/health/",
        "/splash/",
        "/ponies/",
        "/routines/status/",
        "/static/flying_stable/app.css",
        "/no-such-page/",
    ],
)
def test_every_path_needs_the_token(anon, path):
    response = anon.get(path)
    assert response.status_code == 403
    assert b"Forbidden" in response.content


def test_static_is_served_with_the_token(client):
    assert client.get("/static/flying_stable/app.css").status_code == 200


def test_header_token_passes(client):
    assert client.get("/splash/").status_code == 200


def test_cookie_token_passes(anon, token):
    anon.cookies["desktop_django_auth_token"] = token
    assert anon.get("/splash/").status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a" * 64,
        "0123456789ABCDEF" * 4,  # uppercase is not the token
        "é" * 64,
        "0123456789abcdef" * 4 + " ",
        "x" * 1_000_000,
        ("0123456789abcdef" * 4 + ",") * 2,  # a repeated header, as WSGI joins it
        "0123456789abcdef" * 4 + ", " + "0123456789abcdef" * 4,
    ],
)
def test_malformed_header_token_is_403_not_500(anon, value):
    assert anon.get("/health/", HTTP_X_DESKTOP_DJANGO_TOKEN=value).status_code == 403


@pytest.mark.parametrize("value", ["", "é" * 64, "z" * 1_000_000, "0123456789abcdef" * 3])
def test_malformed_cookie_token_is_403_not_500(anon, value):
    anon.cookies["desktop_django_auth_token"] = value
    assert anon.get("/health/").status_code == 403


@pytest.mark.parametrize("env_token", [None, "", "abc", "0123456789ABCDEF" * 4, "g" * 64])
def test_fails_closed_without_a_valid_session_token(client, monkeypatch, env_token):
    """C-AUTH-3: even a request carrying that same value is refused."""
    if env_token is None:
        monkeypatch.delenv("DESKTOP_DJANGO_AUTH_TOKEN")
    else:
        monkeypatch.setenv("DESKTOP_DJANGO_AUTH_TOKEN", env_token)
    assert client.get("/health/", HTTP_X_DESKTOP_DJANGO_TOKEN=env_token or "").status_code == 403
    with pytest.raises(auth.TokenError):
        auth.session_token()


def test_token_matches_never_raises():
    token = "0123456789abcdef" * 4
    assert auth.token_matches(token, token)
    for value in (None, 42, b"bytes", "é" * 64, "\x00" * 64, token.upper()):
        assert not auth.token_matches(value, token)


def test_unknown_port_still_requires_loopback_name():
    assert auth.host_allowed("127.0.0.1:5555", None)
    assert not auth.host_allowed("evil.example:5555", None)
    assert not auth.host_allowed(None, None)


@pytest.mark.parametrize("path", ["/", "/health/", "/ponies/", "/desktop-auth/bootstrap/"])
def test_every_response_confines_subresources_to_the_exact_origin(client, anon, path):
    """C-AUTH-4 for cookie transports: cookies ignore ports (RFC 6265 §8.5)."""
    for c in (client, anon):
        csp = c.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"].split()[0] == "'self'"
        assert "*" not in csp and "127.0.0.1" not in csp and "localhost:" not in csp
        assert directives["form-action"] == "'self'"
        assert directives["frame-src"] == "'self'"  # same-origin frames only


def test_pages_carry_no_cross_origin_opener_policy(client):
    """The first page comes from the splash: with COOP, WebKit swaps its web process (~150 ms)."""
    response = client.get("/ponies/")
    assert response.status_code == 200
    assert "Cross-Origin-Opener-Policy" not in response
    # Framing stays confined to the backend's own origin, in both headers.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
