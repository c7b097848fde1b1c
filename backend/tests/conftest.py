import os

import pytest
from desktop_django import auth, tickets
from django.test import Client

PORT = 8123
HOST = f"127.0.0.1:{PORT}"


@pytest.fixture
def token() -> str:
    return os.environ["DESKTOP_DJANGO_AUTH_TOKEN"]


@pytest.fixture(autouse=True)
def bound_port():
    """Behave as if desktop_serve had bound PORT (C-AUTH-6)."""
    auth.set_bound_port(PORT)
    yield PORT
    auth.set_bound_port(None)


@pytest.fixture(autouse=True)
def fresh_tickets(monkeypatch):
    monkeypatch.setattr(tickets, "store", tickets.TicketStore())


@pytest.fixture
def anon() -> Client:
    """A client with the right Host but no token."""
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def client(token) -> Client:
    """A client that sends the token header, like the Electron shell (C-AUTH-4)."""
    return Client(HTTP_HOST=HOST, HTTP_X_DESKTOP_DJANGO_TOKEN=token)
