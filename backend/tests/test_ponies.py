"""My Ponies: CRUD, validation and the 4xx-never-500 rule."""

import pytest

from ponies.models import Pony

pytestmark = pytest.mark.django_db


@pytest.fixture
def pony():
    return Pony.objects.create(name="Pepper", personality="Spicy.", status="grazing")


def test_empty_state(client):
    response = client.get("/ponies/")
    assert response.status_code == 200
    assert b"The stable is empty" in response.content
    assert b"<svg" in response.content


def test_pages_render_without_a_version_setting(client, settings):
    """A frozen runtime run without the shell has no pyproject.toml and no
    DESKTOP_DJANGO_APP_VERSION: the layout falls back to the package's version."""
    del settings.DESKTOP_DJANGO_VERSION
    response = client.get("/ponies/")
    assert response.status_code == 200


def test_root_redirects_to_ponies(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/ponies/"


def test_list_shows_ponies_and_counts(client, pony):
    Pony.objects.create(name="Zephyr", status="show_ready")
    response = client.get("/ponies/")
    assert b"Pepper" in response.content and b"Zephyr" in response.content
    assert b"confirm-modal" in response.content
    assert b"Clear the stable" in response.content


def test_create(client):
    response = client.post(
        "/ponies/new/", {"name": "  Biscuit ", "personality": "Round.", "status": "galloping"}
    )
    assert response.status_code == 302
    pony = Pony.objects.get()
    assert (pony.name, pony.status) == ("Biscuit", "galloping")
    assert b"Biscuit trotted into the stable" in client.get("/ponies/").content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "status": "grazing"}, b"Every pony needs a name."),
        ({"name": "   ", "status": "grazing"}, b"Every pony needs a name."),
        ({"name": "x" * 61, "status": "grazing"}, b"longer than the stable door"),
        ({"name": "Ok", "status": "flying"}, b"Pick Grazing, Galloping or Show Ready."),
        ({"name": "Ok", "status": "grazing", "personality": "y" * 501}, b"under 500 characters"),
        ({}, b"Every pony needs a name."),
    ],
)
def test_invalid_create_rerenders_with_400(client, data, message):
    response = client.post("/ponies/new/", data)
    assert response.status_code == 400
    assert message in response.content
    assert Pony.objects.count() == 0


def test_oversize_body_is_400_not_500(client):
    response = client.post("/ponies/new/", {"name": "x" * 400_000, "status": "grazing"})
    assert response.status_code == 400


def test_edit(client, pony):
    page = client.get(f"/ponies/{pony.pk}/edit/")
    assert page.status_code == 200 and b"Pepper" in page.content
    response = client.post(
        f"/ponies/{pony.pk}/edit/", {"name": "Pepper II", "status": "show_ready"}
    )
    assert response.status_code == 302
    pony.refresh_from_db()
    assert (pony.name, pony.status) == ("Pepper II", "show_ready")


def test_edit_invalid_is_400(client, pony):
    response = client.post(f"/ponies/{pony.pk}/edit/", {"name": "", "status": "nope"})
    assert response.status_code == 400
    pony.refresh_from_db()
    assert pony.name == "Pepper"


def test_delete(client, pony):
    assert client.post(f"/ponies/{pony.pk}/delete/").status_code == 302
    assert not Pony.objects.exists()


def test_delete_needs_post(client, pony):
    assert client.get(f"/ponies/{pony.pk}/delete/").status_code == 405
    assert Pony.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/ponies/999/edit/"),
        ("post", "/ponies/999/delete/"),
        ("get", "/ponies/abc/edit/"),
        ("get", "/ponies/99999999999999999999999/edit/"),
    ],
)
def test_unknown_ids_are_404(client, method, path):
    assert getattr(client, method)(path).status_code == 404


def test_clear_the_stable(client, pony):
    Pony.objects.create(name="Second")
    assert client.post("/ponies/clear/").status_code == 302
    assert Pony.objects.count() == 0
    assert client.get("/ponies/clear/").status_code == 405
