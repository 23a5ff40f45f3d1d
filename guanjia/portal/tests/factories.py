"""Portal test helpers: people registered with a phone and an ID number, and their portal accounts."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from guanjia.estates.models import Phone
from guanjia.estates.services import _apply_identity
from guanjia.servicedesk.tests.factories import Office

ID_A = "110101199003071233"
ID_B = "440305198512124565"
PASSWORD = "Lu-8813-qiao"


def registered(person, *, id_number: str = ID_A, phone: str = "13800138000", id_type: str = "resident_id"):
    """Give `person` an ID number and a mobile number in the register (as the office would)."""
    _apply_identity(person, id_type, id_number)
    person.save()
    Phone.objects.create(community=person.community, person=person, number=phone)
    return person


def portal_user(person, username: str | None = None):
    """An activated portal account for `person`."""
    user = get_user_model().objects.create_user(username or f"p{person.pk}", password=PASSWORD, first_name=person.name)
    person.user = user
    person.save(update_fields=["user"])
    return user


def photo(name: str = "leak.jpg", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class Household:
    """An Office (community, staff, room, owner) whose owner has a portal account."""

    def __init__(self, office: Office | None = None, phone: str = "13800138000"):
        self.office = office or Office()
        self.community = self.office.community
        self.room = self.office.room
        self.person = registered(self.office.owner, phone=phone)
        self.user = portal_user(self.person)
