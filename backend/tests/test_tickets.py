"""C-AUTH-5: one-time tickets and the bootstrap redirect."""

import pytest
from desktop_django import auth, tickets
from desktop_django.middleware import BOOTSTRAP_PATH, TICKET_PATH

pytestmark = pytest.mark.django_db


def mint(client) -> str:
    response = client.post(TICKET_PATH)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in_ms"] == 30000
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    return body["ticket"]


def test_mint_and_bootstrap_sets_a_strict_httponly_cookie(client, anon, token):
    ticket = mint(client)
    response = anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": "/ponies/?x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/ponies/?x=1"
    morsel = response.cookies[auth.COOKIE]
    assert morsel.value == token
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert not morsel["secure"]
    assert not morsel["max-age"] and not morsel["expires"]  # a session cookie
    # The browser now holds the cookie; it is enough for ordinary pages.
    assert anon.get("/splash/").status_code == 200


def test_next_defaults_to_root(client, anon):
    response = anon.get(BOOTSTRAP_PATH, {"ticket": mint(client)})
    assert response.status_code == 302 and response["Location"] == "/"


def test_ticket_is_single_use(client, anon):
    ticket = mint(client)
    assert anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": "/"}).status_code == 302
    assert anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": "/"}).status_code == 403


@pytest.mark.parametrize("ticket", [None, "", "nope", "é", "x" * 10_000])
def test_unknown_ticket_is_403(anon, ticket):
    params = {"next": "/"} if ticket is None else {"ticket": ticket, "next": "/"}
    assert anon.get(BOOTSTRAP_PATH, params).status_code == 403


def test_expired_ticket_is_403(client, anon, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tickets, "store", tickets.TicketStore(clock=lambda: now[0]))
    ticket = mint(client)
    now[0] += tickets.TICKET_TTL_S + 0.001
    assert anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": "/"}).status_code == 403


def test_ticket_valid_just_before_expiry():
    now = [0.0]
    store = tickets.TicketStore(clock=lambda: now[0])
    ticket = store.mint()
    now[0] = 29.9
    assert store.consume(ticket)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://127.0.0.1:1/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil",
        "ponies/",
        "",
        "javascript:alert(1)",
        "/ponies/\n",
        "/a\x00b",
        "/\tevil",
        "/a\u202eb",
        "///evil.example",
        "/" + "a" * 3000,
    ],
)
def test_unsafe_next_is_403_and_burns_the_ticket(client, anon, target):
    ticket = mint(client)
    response = anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": target})
    assert response.status_code == 403
    assert auth.COOKIE not in response.cookies
    assert anon.get(BOOTSTRAP_PATH, {"ticket": ticket, "next": "/"}).status_code == 403


@pytest.mark.parametrize("target", ["/", "/ponies/", "/ponies/1/edit/?a=b#frag", "/a:b"])
def test_safe_next(target):
    assert auth.safe_next(target)


def test_mint_with_cookie_only_is_refused(anon, token):
    anon.cookies[auth.COOKIE] = token
    assert anon.post(TICKET_PATH).status_code == 403


def test_mint_without_token_is_refused(anon):
    assert anon.post(TICKET_PATH).status_code == 403


def test_mint_needs_post(client):
    assert client.get(TICKET_PATH).status_code == 405


def test_mint_is_csrf_exempt(token):
    from django.test import Client

    strict = Client(
        enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8123", HTTP_X_DESKTOP_DJANGO_TOKEN=token
    )
    assert strict.post(TICKET_PATH).status_code == 200


def test_bootstrap_needs_get(client, anon):
    ticket = mint(client)
    assert anon.post(BOOTSTRAP_PATH + f"?ticket={ticket}&next=/").status_code == 405


def test_bootstrap_checks_host(client, anon):
    ticket = mint(client)
    response = anon.get(BOOTSTRAP_PATH, {"ticket": ticket}, HTTP_HOST="evil.example:8123")
    assert response.status_code == 400


def test_outstanding_tickets_are_bounded():
    store = tickets.TicketStore()
    issued = [store.mint() for _ in range(tickets.MAX_OUTSTANDING + 5)]
    assert not store.consume(issued[0])
    assert store.consume(issued[-1])
