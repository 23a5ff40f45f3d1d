"""QA-3: only staff of the community answer for a corrective action. Owners' portal accounts and
staff of other communities never appear in a staff picker (actions, from the fishbone or on
their own), a crafted POST naming one is refused with a clear message, and the services check it
again (actions' owner, visits' visitor — the key-customer interviews included, VS-3, VS-6)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.tests.factories import UserFactory, staff
from guanjia.engagement import actions
from guanjia.engagement.models import Action, Visit
from guanjia.engagement.services import visit_record
from guanjia.engagement.staff import is_staff_of, staff_of
from guanjia.engagement.tests.factories import survey_office
from guanjia.engagement.tests.test_fishbone import issued_survey
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


def test_qa3_action_form_picker_lists_staff_only(client, office):
    s, _sec, cle = issued_survey(office)
    client.force_login(office.supervisor)
    for url in (  # on its own, from a key item, from a cause on the fishbone (SV-5)
        reverse("engagement:action_new"),
        reverse("engagement:action_new") + f"?survey={s.pk}&item={cle.pk}",
        reverse("engagement:action_new")
        + "?cause="
        + str(actions.cause_add(item=cle, actor=office.supervisor, category="man", text="人手不足").pk),
    ):
        form = client.get(url).context["form"]
        choices = {value for value, _label in form.fields["owner"].choices if value}
        ids = {getattr(v, "value", v) for v in choices}
        assert office.supervisor.pk in ids and office.quality.pk in ids
        assert office.owner_user.pk not in ids and office.other_staff.pk not in ids and office.retired.pk not in ids


def test_qa3_crafted_post_with_an_owner_is_refused_with_a_clear_message(client, office):
    client.force_login(office.supervisor)
    with clock.frozen(NOW):
        response = client.post(
            reverse("engagement:action_new"),
            {
                "kind": "corrective",
                "problem": "楼道清洁不到位",
                "measure": "每日清扫两次",
                "owner": office.owner_user.pk,
                "due_on": DUE.isoformat(),
            },
        )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [MESSAGE]
    assert MESSAGE in response.content.decode()
    assert not Action.objects.exists()


@pytest.mark.parametrize("who", ["owner_user", "other_staff", "retired"])
def test_qa3_service_refuses_anyone_but_the_communitys_staff(office, who):
    with clock.frozen(NOW), pytest.raises(ServiceError) as e:
        actions.action_create(
            community=office.community,
            actor=office.supervisor,
            problem="楼道清洁不到位",
            measure="每日清扫两次",
            owner=getattr(office, who),
            due_on=DUE,
        )
    assert (e.value.code, e.value.field, e.value.message) == ("owner_not_staff", "owner", MESSAGE)
    assert not Action.objects.exists()


def test_qa3_company_quality_department_may_own_an_action(office):
    with clock.frozen(NOW):
        action = actions.action_create(
            community=office.community,
            actor=office.supervisor,
            problem="楼道清洁不到位",
            measure="每日清扫两次",
            owner=office.quality,
            due_on=DUE,
        )
    assert action.owner == office.quality


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
