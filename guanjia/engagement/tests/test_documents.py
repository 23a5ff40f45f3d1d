"""The printed forms of surveys and visits as registered forms (core.documents, DESIGN §14): who may
print them, for which community, and what each copy records (SV-1, SV-2, SV-6, VS-5, AR-1)."""

import pytest
from django.urls import reverse

from guanjia.core import clock, documents
from guanjia.core.document_models import IssuedDocument
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import staff
from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement import surveys
from guanjia.engagement.models import Survey
from guanjia.engagement.services import visit_record, visit_summary_prepare
from guanjia.engagement.tests.factories import add_rooms, issued_survey, survey_office
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 12, 10, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    office = survey_office()
    add_rooms(office, 3)
    return office


@pytest.fixture
def survey(office) -> Survey:
    return issued_survey(office)


def test_one_households_form_is_a_copy_about_that_household(client, office, survey):
    sheet = survey.sheets.select_related("room").get(room=office.room)
    client.force_login(office.desk)
    response = client.get(documents.document_url("SV.form", survey.pk) + f"?sheet={sheet.number}")
    assert response.status_code == 200 and sheet.room.code in pdf_text(response.content, layout=True)
    copy = IssuedDocument.objects.get()
    assert (copy.kind, copy.household_id, copy.subject_id) == ("SV.form", office.room.pk, str(survey.pk))
    assert copy.number == "WJ-2026-000001"
    assert ActivityLog.objects.filter(verb="core.document.issued", household_id=office.room.pk).exists()


def test_an_entrances_forms_concern_no_one_household(client, office, survey):
    room = survey.sheets.select_related("room__building", "room__unit").exclude(room=office.room).first().room
    client.force_login(office.desk)
    url = documents.document_url("SV.form", survey.pk) + f"?building={room.building.code}&unit={room.unit.code}"
    assert client.get(url).status_code == 200
    assert IssuedDocument.objects.get().household_id is None


def test_a_form_names_a_sheet_or_an_entrance_that_exists(client, office, survey):
    client.force_login(office.desk)
    base = documents.document_url("SV.form", survey.pk)
    for query in ("", "?sheet=999", "?building=nope&unit=nope"):
        assert client.get(base + query).status_code == 404, query
    assert not IssuedDocument.objects.exists()


def test_blank_forms_and_the_register_are_for_those_who_hand_them_out(client, office, survey):
    """engagement.survey_enter, as before: the quality department reads surveys but does not enter them."""
    client.force_login(staff("quality", office.community))
    assert client.get(documents.document_url("SV.register", survey.pk)).status_code == 403
    assert client.get(documents.document_url("SV.form", survey.pk) + "?sheet=1").status_code == 403
    assert client.get(documents.document_url("SV-6.results", survey.pk)).status_code == 200
    client.force_login(office.desk)
    response = client.get(documents.document_url("SV.register", survey.pk))
    assert response.status_code == 200 and "发放登记表" in pdf_text(response.content)
    assert list(IssuedDocument.objects.order_by("id").values_list("number", flat=True)) == [
        "TJ-2026-000001",
        "FF-2026-000001",
    ]


def test_sv6_results_for_the_director_and_the_published_version(client, office, survey):
    sheet = survey.sheets.select_related("room").order_by("number").first()
    surveys.sheet_record(sheet=sheet, actor=office.desk, answers={}, suggestions="楼道灯坏了很久")
    client.force_login(office.supervisor)
    internal = pdf_text(client.get(documents.document_url("SV-6.results", survey.pk)).content, layout=True)
    assert "楼道灯坏了很久" in internal.replace(" ", "") and sheet.room.code in internal
    response = client.get(documents.document_url("SV-6.public", survey.pk))
    public = pdf_text(response.content, layout=True)
    assert "楼道灯坏了很久" not in public.replace(" ", "") and sheet.room.code not in public  # LW-1
    assert office.supervisor.username not in public  # the copy's record says who printed it, the notice does not
    assert "%E7%BB%93%E6%9E%9C%E5%85%AC%E7%A4%BA.pdf" in response["Content-Disposition"]  # …-结果公示.pdf


def test_vs5_summary_names_its_community_and_month(client, office):
    visit_record(
        community=office.community,
        actor=office.supervisor,
        room=office.room,
        form="office",
        visited_at=at(2026, 11, 10, 10, 0),
        opinions="电梯噪音",
    )
    summary = visit_summary_prepare(
        community=office.community, month=at(2026, 11, 1, 0, 0).date(), actor=office.supervisor, text="总体平稳"
    )
    client.force_login(office.desk)  # engagement.view, as before
    response = client.get(documents.document_url("VS-5.summary", office.community.pk, "2026-11"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "2026年11月" in text and "总体平稳" in text and "BF-2026-000001" in text.replace(" ", "")
    copy = IssuedDocument.objects.get()
    assert (copy.subject_type.model, copy.subject_id) == ("visitsummary", str(summary.pk))
    assert "2026-11.pdf" in response["Content-Disposition"]
    page = client.get(reverse("engagement:visit_summary") + "?month=2026-11").content.decode()
    assert documents.document_url("VS-5.summary", office.community.pk, "2026-11") in page

    other = Office()
    client.force_login(other.supervisor)
    assert client.get(documents.document_url("VS-5.summary", office.community.pk, "2026-11")).status_code == 404
    assert client.get(documents.document_url("VS-5.summary", other.community.pk, "2026-13")).status_code == 404


def test_pages_link_to_the_one_pdf_view(client, office, survey):
    client.force_login(office.supervisor)
    detail = client.get(reverse("engagement:survey", args=[survey.pk])).content.decode()
    assert documents.document_url("SV.register", survey.pk) in detail
    sheets = client.get(reverse("engagement:survey_sheets", args=[survey.pk])).content.decode()
    assert documents.document_url("SV.form", survey.pk) + "?sheet=1" in sheets
    results = client.get(reverse("engagement:survey_results", args=[survey.pk])).content.decode()
    assert documents.document_url("SV-6.results", survey.pk) in results
    assert documents.document_url("SV-6.public", survey.pk) in results
