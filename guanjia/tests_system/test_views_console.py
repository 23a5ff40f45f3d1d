"""The console shell: dashboard (KPIs, quick links, recent activity) and the template helpers."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from guanjia.core.activity import log
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.tests.factories import PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


def test_dashboard_kpis_quick_links_and_recent_activity(client, community):
    manager = staff("office_manager", community)
    RoomFactory(community=community, unit__building__community=community, handover="moved_in")
    room = RoomFactory(community=community, unit__building__community=community, handover="awaiting")
    for i in range(12):
        log(manager, "test.event", room, household=room, summary=f"事项{i:02d}")
    client.force_login(manager)
    page = client.get(reverse("core:dashboard")).content.decode()
    kpis = page.split('class="kpis"')[1].split("</section>")[0]
    assert ">2<" in kpis and "已入伙" in kpis
    for name in ("rooms", "people", "lists"):
        assert reverse(f"estates:{name}") in page.split('class="quicklinks"')[1].split("</nav>")[0]
    recent = page.split('id="recent-activity"')[1].split("</section>")[0]
    assert "事项11" in recent and "事项02" in recent and "事项01" not in recent  # the last 10, newest first
    assert recent.index("事项11") < recent.index("事项02")


def test_dashboard_hides_activity_from_roles_without_it(client, community):
    client.force_login(staff("front_desk", community))
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="recent-activity"' not in page
    assert reverse("estates:rooms") in page


def test_signed_out_user_is_sent_to_login(client):
    response = client.get(reverse("estates:rooms"))
    assert response.status_code == 302 and reverse("core:login") in response.url


def test_user_without_membership_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-123456"))
    assert client.get(reverse("estates:rooms")).status_code == 403


def render(source, user, community, **context):
    request = RequestFactory().get("/")
    request.user, request.community = user, community
    return Template("{% load guanjia %}" + source).render(Context({"request": request, **context}))


def test_phone_tag_masks_for_roles_without_phone_permission(community):
    from guanjia.estates.models import Phone

    person = PersonFactory(community=community)
    Phone.objects.create(community=community, person=person, number="13800001111")
    Phone.objects.create(community=community, person=person, number="13900002222")
    assert render("{% phone p %}", staff("archivist", community), community, p=person) == "138****1111、139****2222"
    assert render("{% phone p %}", staff("front_desk", community), community, p=person) == "13800001111、13900002222"
    # A role in another community never sees the number in full.
    other = CommunityFactory()
    assert render("{% phone p %}", staff("front_desk", other), other, p=person) == "138****1111、139****2222"


def test_id_masked_shows_only_the_last_four(community):
    person = PersonFactory(community=community, id_type="resident_id", id_last4="123X")
    assert render("{% id_masked p %}", staff("office_manager", community), community, p=person) == "*" * 14 + "123X"


def test_badge_uses_the_choice_colour(community):
    html = render('{{ v|badge:"estates.Handover" }}', staff("front_desk", community), community, v="moved_in")
    assert html == '<span class="badge green">已入伙</span>'
    html = render('{{ v|badge:"estates.RoomUse" }}', staff("front_desk", community), community, v="rented")
    assert html == '<span class="badge grey">出租</span>'


def test_can_tag(community):
    source = '{% can "estates.transfer" as ok %}{{ ok }}'
    assert render(source, staff("cs_supervisor", community), community) == "True"
    assert render(source, staff("front_desk", community), community) == "False"
