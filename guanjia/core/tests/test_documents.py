"""Printed forms (DESIGN §14): one registry, one PDF view, every issued copy recorded with its hash."""

import datetime as dt
import hashlib

import pytest
from django.http import Http404
from django.urls import reverse

from guanjia.core import documents
from guanjia.core.access import scoped
from guanjia.core.deadlines import deadline_open
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import DocumentKind
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
DUE = dt.datetime(2026, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _deadline(request, key):
    found = scoped(Deadline.objects.all(), request.user, "servicedesk.view").filter(pk=key).first()
    if found is None:
        raise Http404
    return found


SHEET = DocumentKind(
    code="TEST.sheet",
    title="测试单",
    template="pdf/base.html",
    permission="servicedesk.view",
    subject=_deadline,
    context=lambda request, d: {"title": d.title, "community": d.community, "generated_at": DUE},
    filename=lambda d: f"测试单-{d.pk}.pdf",
    prefix="CS",
)


@pytest.fixture(autouse=True)
def toy_form():
    documents.register(SHEET)
    yield
    documents.unregister(SHEET.code)


@pytest.fixture
def sheet():
    community = CommunityFactory(name="翠苑一期")
    return deadline_open(subject=community, rule="X", title="维修派工", due_at=DUE, community=community)


def _login(client, user, community):
    client.force_login(user)
    session = client.session
    session["community_id"] = community.pk
    session.save()


def test_one_view_prints_a_registered_form_and_records_the_copy(client, sheet):
    desk = staff("front_desk", sheet.community)
    _login(client, desk, sheet.community)
    response = client.get(reverse("core:document_pdf", args=["TEST.sheet", sheet.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "维修派工" in pdf_text(response.content) and "翠苑一期" in pdf_text(response.content)
    copy = IssuedDocument.objects.get()
    assert copy.number == f"CS-{copy.issued_at.year}-000001" and copy.issued_by == desk
    assert copy.sha256 == hashlib.sha256(response.content).hexdigest()
    entry = ActivityLog.objects.get(verb="core.document.issued")
    assert entry.data["number"] == copy.number and entry.summary == f"开具测试单 {copy.number}"
    client.get(reverse("core:document_pdf", args=["TEST.sheet", sheet.pk]))
    assert list(IssuedDocument.objects.order_by("id").values_list("number", flat=True))[-1].endswith("000002")


def test_another_communitys_subject_is_not_found_and_an_unknown_form_too(client, sheet):
    other = CommunityFactory()
    _login(client, staff("front_desk", other), other)
    assert client.get(reverse("core:document_pdf", args=["TEST.sheet", sheet.pk])).status_code == 404
    assert client.get(reverse("core:document_pdf", args=["NOPE", sheet.pk])).status_code == 404
    assert not IssuedDocument.objects.exists()


def test_a_form_needs_a_number():
    with pytest.raises(ValueError, match="number"):
        documents.register(
            DocumentKind(
                code="TEST.bad",
                title="x",
                template="pdf/base.html",
                permission="servicedesk.view",
                subject=_deadline,
                context=dict,
                filename=str,
            )
        )
