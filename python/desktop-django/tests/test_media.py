"""Uploads live in app data (C-DATA-1) and ``desktop_django.urls`` serves them at
``MEDIA_URL`` with DEBUG off, as in packaged mode; a path that leaves ``MEDIA_ROOT`` or
names no file is 404, never 500."""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings

from desktop_django import auth, views
from desktop_django.test import DesktopClient, session_token
from desktop_django.urls import media_prefix


@pytest.fixture
def client():
    auth.set_bound_port(None)
    with session_token(), override_settings(DEBUG=False):
        yield DesktopClient()


@pytest.fixture
def upload():
    name = default_storage.save("uploads/pony.txt", ContentFile(b"Applejack\n"))
    yield name
    default_storage.delete(name)


def test_an_upload_lands_under_app_data(upload):
    media_root = settings.DESKTOP_DJANGO_APP_DATA_DIR / "media"
    assert media_root == settings.MEDIA_ROOT
    assert (media_root / upload).read_bytes() == b"Applejack\n"
    assert default_storage.url(upload) == f"/media/{upload}"


def test_an_upload_is_served_with_debug_off(client, upload):
    assert settings.DEBUG is False
    response = client.get(f"/media/{upload}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Applejack\n"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Security-Policy"] == views.MEDIA_CSP
    assert client.head(f"/media/{upload}").status_code == 200
    assert client.post(f"/media/{upload}").status_code == 405


def test_uploads_need_the_session_token(upload):
    from django.test import Client

    with session_token():
        assert Client(HTTP_HOST="127.0.0.1:8000").get(f"/media/{upload}").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/..%2fsecret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/uploads/../../secret.txt",
        "/media/uploads/",  # a directory: no index
        "/media/missing.txt",
        "/media/a%00b.txt",  # the OS refuses a NUL byte
        "/media/" + "a" * 5000,  # ENAMETOOLONG
    ],
)
def test_traversal_and_missing_files_are_404(client, upload, path):
    # A file beside media/ in app data, which a traversal would reach.
    secret = settings.DESKTOP_DJANGO_APP_DATA_DIR / "secret.txt"
    secret.write_text("not an upload", encoding="utf-8")
    try:
        response = client.get(path)
    finally:
        secret.unlink()
    assert response.status_code == 404
    assert b"not an upload" not in response.content


def test_an_unset_media_root_serves_nothing(client, upload):
    with override_settings(MEDIA_ROOT=""):
        assert client.get(f"/media/{upload}").status_code == 404


@pytest.mark.parametrize(
    ("media_url", "prefix"),
    [
        ("/media/", "media/"),
        ("media/", "media/"),
        ("/files/up/", "files/up/"),
        ("", None),
        (None, None),
        ("/", None),  # would shadow every page
        ("https://cdn.example.com/media/", None),
        ("//cdn.example.com/media/", None),
    ],
)
def test_only_a_local_media_url_is_served(media_url, prefix):
    assert media_prefix(media_url) == prefix
