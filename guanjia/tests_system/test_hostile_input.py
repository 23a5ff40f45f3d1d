"""Issue 10 on the ticket's three ways in (desk form, API, owner portal): control characters in the
text are stripped, and photos are checked by content and stored re-encoded, whichever way they came.

(The register's form, API, importer and exports: estates/tests/test_control_characters.py; the
crafted files against core.uploads itself: core/tests/test_uploads.py.)"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.tests.uploads import GPS_TAG, PDF, PHP_AS_JPG, SVG_WITH_SCRIPT, bomb_png, jpeg, jpeg_bytes
from guanjia.portal.tests.factories import Household
from guanjia.servicedesk.models import Ticket, TicketPhoto
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

HOSTILE = "卫生间\x0b天花板\x00渗水\x1b[31m\x07\x7f"
CLEAN = "卫生间\n天花板渗水[31m"


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(at(2026, 11, 18, 10, 0)):
        yield


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ticket_body(office, **more):
    return {"kind": "repair", "channel": "window", "category": "leakage", "room": office.room.pk} | more


def stored_photo() -> Image.Image:
    photo = TicketPhoto.objects.get()
    with photo.image.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


# --- Text ---------------------------------------------------------------------------------------


def test_the_desk_form_strips_control_characters(client):
    office = Office()
    client.force_login(office.desk)
    data = ticket_body(office, description=HOSTILE, reporter_name="张\x07三", area="")
    assert client.post(reverse("servicedesk:desk"), data).status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.description, ticket.reporter_name) == (CLEAN, "张三")


@pytest.mark.parametrize("style", ["json", "multipart"])
def test_the_api_strips_control_characters(style):
    office = Office()
    response = api_for(office.desk).post(
        "/api/tickets/", ticket_body(office, description=HOSTILE, reporter_name="张\u0007三"), format=style
    )
    assert response.status_code == 201, response.content
    assert response.json()["description"] == CLEAN
    assert Ticket.objects.get().reporter_name == "张三"


def test_the_api_strips_them_in_query_strings_too():
    office = Office()
    ticket = api_for(office.desk).post("/api/tickets/", ticket_body(office, description="漏水"), format="json").json()
    response = api_for(office.desk).get(
        "/api/tickets/", {"number": ticket["number"][:4] + "\x00" + ticket["number"][4:]}
    )
    assert response.status_code == 200  # a NUL reaching PostgreSQL would have been a 500
    assert [row["id"] for row in response.json()["results"]] == [ticket["id"]]


def test_the_portal_strips_control_characters(client):
    home = Household()
    client.force_login(home.user)
    data = {"kind": "repair", "category": "leakage", "description": HOSTILE}
    assert client.post(reverse("portal:report"), data).status_code == 302
    assert Ticket.objects.get().description == CLEAN


# --- Photos -------------------------------------------------------------------------------------


def test_the_desk_form_refuses_what_is_not_a_photo(client):
    office = Office()
    client.force_login(office.desk)
    for name, content in [("leak.jpg", PHP_AS_JPG), ("leak.svg", SVG_WITH_SCRIPT), ("合同.jpg", PDF)]:
        photo = SimpleUploadedFile(name, content, content_type="image/jpeg")
        response = client.post(reverse("servicedesk:desk"), ticket_body(office, description="漏水", photos=[photo]))
        assert response.status_code != 302 and 'id="id_photos_error"' in response.content.decode(), name
    assert not Ticket.objects.exists()


def test_the_desk_form_stores_a_photo_without_its_gps_position(client):
    office = Office()
    client.force_login(office.desk)
    photos = [jpeg("现场.jpg", gps=True)]
    assert (
        client.post(reverse("servicedesk:desk"), ticket_body(office, description="漏水", photos=photos)).status_code
        == 302
    )
    image = stored_photo()
    assert image.format == "JPEG" and GPS_TAG not in image.getexif() and not image.getexif()


@pytest.mark.parametrize(
    "name, content",
    [("leak.jpg", PHP_AS_JPG), ("leak.svg", SVG_WITH_SCRIPT), ("bomb.png", bomb_png()), ("合同.jpg", PDF)],
)
def test_the_api_refuses_what_is_not_a_photo(name, content):
    office = Office()
    photo = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = api_for(office.desk).post(
        "/api/tickets/", ticket_body(office, description="漏水", photos=[photo]), format="multipart"
    )
    assert response.status_code == 400 and response.json()["field"].startswith("photos"), response.content
    assert not Ticket.objects.exists()


def test_the_api_stores_photos_re_encoded_and_capped(settings):
    office = Office()
    big = SimpleUploadedFile("wide.jpg", jpeg_bytes(size=(6000, 1500), gps=True), content_type="image/jpeg")
    response = api_for(office.desk).post(
        "/api/tickets/", ticket_body(office, description="漏水", photos=[big]), format="multipart"
    )
    assert response.status_code == 201, response.content
    image = stored_photo()
    assert image.size == (4096, 1024) and not image.getexif()


def test_the_api_refuses_an_oversized_photo_by_the_limit_of_its_kind(settings):
    settings.UPLOAD_MAX_BYTES = {"photo": 2000}
    office = Office()
    photo = SimpleUploadedFile("big.jpg", jpeg_bytes(size=(400, 400)) + b"\x00" * 2000, content_type="image/jpeg")
    response = api_for(office.desk).post(
        "/api/tickets/", ticket_body(office, description="漏水", photos=[photo]), format="multipart"
    )
    assert response.status_code == 400 and "超过" in response.json()["detail"], response.content
    assert not Ticket.objects.exists()


def test_the_portal_refuses_a_bomb_and_stores_a_clean_photo(client):
    home = Household()
    client.force_login(home.user)
    data = {"kind": "repair", "category": "leakage", "description": "漏水"}
    bomb = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    response = client.post(reverse("portal:report"), data | {"photos": [bomb]})
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert client.post(reverse("portal:report"), data | {"photos": [jpeg("家.jpg", gps=True)]}).status_code == 302
    assert not stored_photo().getexif()
