"""The service desk's printed forms as registered forms (core.documents, DESIGN §14): the work order
派工单 numbered by its ticket and filed with the household (AR-1), the RC-10 summary numbered per copy."""

import pytest
from django.urls import reverse

from guanjia.core import clock, documents
from guanjia.core.document_models import IssuedDocument
from guanjia.core.tests.pdf import pdf_text
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.models import ComplaintSummary

from .factories import Office, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 18, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def test_a_work_order_copy_is_numbered_by_its_ticket_and_filed_with_the_household(client, office):
    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="window",
        category="other",
        room=office.room,
        description="门锁坏了",
    )
    client.force_login(office.technician)
    # AR-4: a technician prints the work orders of his own jobs, not of every repair.
    assert client.get(documents.document_url("RC-8.work_order", ticket.pk)).status_code == 404
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    response = client.get(documents.document_url("RC-8.work_order", ticket.pk))
    assert response.status_code == 200 and "门锁坏了" in pdf_text(response.content)
    copy = IssuedDocument.objects.get()
    assert (copy.kind, copy.number, copy.household_id) == ("RC-8.work_order", ticket.number, office.room.pk)
    assert (copy.subject_type.model, copy.subject_id, copy.issued_by) == ("ticket", str(ticket.pk), office.technician)


def test_the_rc10_summary_copy_is_numbered_and_named_for_its_month(client, office):
    summary = ComplaintSummary.objects.create(
        community=office.community,
        month=at(2026, 10, 1, 0, 0).date(),
        stats={"total": 0},
        prepared_by=office.supervisor,
    )
    client.force_login(office.supervisor)
    response = client.get(documents.document_url("RC-10.summary", summary.pk))
    assert response.status_code == 200
    assert "TS-2026-000001" in pdf_text(response.content).replace(" ", "")
    assert response["Content-Disposition"].endswith("-2026-10.pdf")
    assert IssuedDocument.objects.get().household_id is None  # counts only: no household (RC-10)
    page = client.get(reverse("servicedesk:summaries"), {"month": "2026-10"}).content.decode()
    assert documents.document_url("RC-10.summary", summary.pk) in page
