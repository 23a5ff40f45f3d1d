"""Only staff of the community are named for engagement work: owners' portal accounts and staff of
other communities are nobody's staff, and the visit service checks it (the visitor, the key-customer
interviews included, VS-3, VS-6). The owner of a corrective action (QA-3) is checked the same way in
the quality app (quality/tests/test_actions.py)."""

import datetime as dt

import pytest

from guanjia.core.errors import ServiceError
from guanjia.core.tests.factories import UserFactory, staff
from guanjia.engagement.models import Visit
from guanjia.engagement.services import visit_record
from guanjia.engagement.staff import is_staff_of, staff_of
from guanjia.engagement.tests.factories import survey_office
from guanjia.portal.tests.factories import portal_user
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 20, 10, 0)
DUE = dt.date(2027, 1, 15)
MESSAGE = "责任人必须是本小区的工作人员；业主账户和其他小区的人员不能作为责任人（QA-3）。"


@pytest.fixture
def office():
    office = survey_office(households=5)
    office.owner_user = portal_user(office.owner)  # the owner's portal account: no role anywhere
    office.other_staff = Office().supervisor  # staff of another community
    office.quality = staff("quality")  # the company's quality department: company-wide
    office.retired = staff("front_desk", office.community)
    office.retired.is_active = False
    office.retired.save()
    return office


def test_qa3_staff_of_is_the_communitys_active_staff_and_company_roles(office):
    picked = set(staff_of(office.community))
    assert {office.desk, office.supervisor, office.manager, office.technician, office.quality} <= picked
    assert office.owner_user not in picked
    assert office.other_staff not in picked
    assert office.retired not in picked
    assert UserFactory() not in set(staff_of(office.community))  # a bare account is nobody's staff
    assert len(picked) == len(list(staff_of(office.community)))  # no duplicates from several roles
    assert not is_staff_of(None, office.community)


@pytest.mark.parametrize("key_customer", [False, True])
def test_vs3_visit_names_staff_of_the_community_as_visitor(office, key_customer):
    kw = {"form": "office", "visited_at": at(2026, 12, 10, 10, 0), "key_customer": key_customer, "measures": "跟进"}
    for outsider in (office.owner_user, office.other_staff):
        with pytest.raises(ServiceError) as e:
            visit_record(community=office.community, actor=office.supervisor, room=office.room, visitor=outsider, **kw)
        assert e.value.field == "visitor" and "拜访人必须是本小区的工作人员" in e.value.message
    assert not Visit.objects.exists()
    visit = visit_record(
        community=office.community, actor=office.supervisor, room=office.room, visitor=office.desk, **kw
    )
    assert visit.visitor == office.desk
