"""Printed forms (DESIGN §14): one registry, one PDF view, every issued copy recorded with its hash."""

import dataclasses
import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from guanjia.core import clock, documents
from guanjia.core.access import has_perm
from guanjia.core.deadlines import deadline_open
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import DocumentKind
from guanjia.core.models import ActivityLog, Deadline, Membership
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.factories import login as _login
from guanjia.core.tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
DUE = dt.datetime(2026, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HOUSEHOLD = 4242  # a room id: the copy is about one household (AR-1)


_deadline = documents.by_pk(Deadline.objects.all())  # the row whose id is the key, in the user's scope


def _context(request, d):
    return {"title": d.title, "community": d.community, "generated_at": DUE}


SHEET = DocumentKind(
    code="TEST.sheet",
    title="测试单",
    template="pdf/base.html",
    permission="servicedesk.view",
    subject=_deadline,
    context=_context,
    filename=lambda d: f"测试单-{d.pk}.pdf",
    prefix="CS",
    household=lambda d: HOUSEHOLD,
)
# Only the roles that read the KPIs may print it (servicedesk.kpi: not the front desk).
REPORT = dataclasses.replace(SHEET, code="TEST.report", permission="servicedesk.kpi", prefix="CR", household=None)
# An app whose lookup forgot the user's scope: the view still refuses another community's row.
CARELESS = dataclasses.replace(
    SHEET, code="TEST.careless", subject=lambda request, key: Deadline.objects.get(pk=key), prefix="CC"
)


# A form whose own context adds nothing: the title, community and print time are core's.
BARE = dataclasses.replace(SHEET, code="TEST.bare", context=lambda request, d: {}, prefix="CB", household=None)


@dataclasses.dataclass
class Month:
    """A subject that is no model: a community's month (a monthly list)."""

    community: object
    key: str


MONTHLY = dataclasses.replace(
    SHEET,
    code="TEST.monthly",
    subject=lambda request, key: Month(*documents.community_from_key(request, key)),
    context=lambda request, m: {"title": f"月报 {m.key}", "community": m.community, "generated_at": DUE},
    filename=lambda m: f"月报-{m.key}.pdf",
    prefix="CM",
    household=None,
)


@pytest.fixture(autouse=True)
def toy_forms():
    for kind in (SHEET, REPORT, CARELESS, MONTHLY, BARE):
        documents.register(kind)
    yield
    for kind in (SHEET, REPORT, CARELESS, MONTHLY, BARE):
        documents.unregister(kind.code)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def sheet():
    community = CommunityFactory(name="翠苑一期")
    return deadline_open(subject=community, rule="X", title="维修派工", due_at=DUE, community=community)


def pdf_of(code, *parts):
    return documents.document_url(code, *parts)


def test_one_view_prints_a_registered_form_and_records_the_copy(client, sheet):
    desk = staff("front_desk", sheet.community)
    _login(client, desk, sheet.community)
    response = client.get(reverse("core:document_pdf", args=["TEST.sheet", sheet.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"inline; filename*=UTF-8''%E6%B5%8B%E8%AF%95%E5%8D%95-{sheet.pk}.pdf"
    text = pdf_text(response.content)
    assert "维修派工" in text and "翠苑一期" in text
    copy = IssuedDocument.objects.get()
    assert copy.number == "CS-2026-000001" and copy.issued_by == desk and copy.issued_at == NOW
    assert copy.number in text  # the copy carries the number it is recorded under
    assert (copy.subject_type.model, copy.subject_id) == ("deadline", str(sheet.pk))
    assert copy.sha256 == hashlib.sha256(response.content).hexdigest()
    entry = ActivityLog.objects.get(verb="core.document.issued")
    assert entry.data["number"] == copy.number and entry.summary == f"开具测试单 {copy.number}"
    client.get(reverse("core:document_pdf", args=["TEST.sheet", sheet.pk]))
    assert list(IssuedDocument.objects.order_by("id").values_list("number", flat=True)) == [
        "CS-2026-000001",
        "CS-2026-000002",
    ]


def test_a_copy_about_a_household_is_on_its_timeline(client, sheet):
    _login(client, staff("front_desk", sheet.community), sheet.community)
    client.get(pdf_of("TEST.sheet", sheet.pk))
    copy = IssuedDocument.objects.get()
    assert copy.household_id == HOUSEHOLD
    entry = ActivityLog.objects.get(household_id=HOUSEHOLD)  # the household file's timeline reads this
    assert entry.verb == "core.document.issued" and entry.data["number"] == copy.number


def test_another_communitys_subject_is_not_found_and_an_unknown_form_too(client, sheet):
    other = CommunityFactory()
    _login(client, staff("front_desk", other), other)
    assert client.get(pdf_of("TEST.sheet", sheet.pk)).status_code == 404
    assert client.get(pdf_of("TEST.careless", sheet.pk)).status_code == 404  # even when the lookup forgot
    assert client.get(pdf_of("NOPE", sheet.pk)).status_code == 404
    assert client.get(pdf_of("TEST.sheet", "abc")).status_code == 404
    assert not IssuedDocument.objects.exists()


def test_a_role_without_the_forms_permission_is_forbidden(client, sheet):
    _login(client, staff("front_desk", sheet.community), sheet.community)
    assert client.get(pdf_of("TEST.report", sheet.pk)).status_code == 403
    _login(client, staff("cs_supervisor", sheet.community), sheet.community)
    assert client.get(pdf_of("TEST.report", sheet.pk)).status_code == 200
    assert list(IssuedDocument.objects.values_list("kind", flat=True)) == ["TEST.report"]


def test_the_permission_is_the_subjects_communitys_not_the_switchers(client, sheet):
    """A supervisor of A who is front desk in B: A's report prints while B is switched to; B's does not."""
    b = CommunityFactory()
    user = staff("cs_supervisor", sheet.community)
    Membership.objects.create(user=user, community=b, role="front_desk")
    b_sheet = deadline_open(subject=b, rule="X", title="乙", due_at=DUE, community=b)
    _login(client, user, b)
    assert client.get(pdf_of("TEST.report", sheet.pk)).status_code == 200
    assert client.get(pdf_of("TEST.report", b_sheet.pk)).status_code == 403
    assert IssuedDocument.objects.get().community == sheet.community


def test_a_subject_that_is_no_model_names_its_community_in_the_key(client, sheet):
    community = sheet.community
    _login(client, staff("front_desk", community), community)
    response = client.get(pdf_of("TEST.monthly", community.pk, "2026-10"))
    assert response.status_code == 200 and "月报 2026-10" in pdf_text(response.content)
    copy = IssuedDocument.objects.get()
    assert (
        copy.subject_type is None and copy.subject_id == f"{community.pk}-2026-10" and copy.number == "CM-2026-000001"
    )
    for key in (f"{CommunityFactory().pk}-2026-10", "2026-10", f"{community.pk}-", "x-2026-10"):
        assert client.get(reverse("core:document_pdf", args=["TEST.monthly", key])).status_code == 404, key


def test_every_copy_has_the_forms_title_its_community_and_the_print_time(client, sheet):
    """pdf/base.html's header and footer need nothing from the form's own context."""
    _login(client, staff("front_desk", sheet.community), sheet.community)
    text = pdf_text(client.get(pdf_of("TEST.bare", sheet.pk)).content)
    assert "翠苑一期 · 测试单" in text and "打印时间 2026-11-20 10:00" in text and "CB-2026-000001" in text
    kind, subject = documents.kind_of("TEST.sheet"), sheet
    context = {**documents.base_context(kind, subject, "CS-1"), **kind.context(None, subject)}
    assert context["title"] == "维修派工" and context["generated_at"] == DUE  # the form's own win


def test_what_the_owning_app_records_is_in_the_copys_transaction(sheet):
    seen = []
    kind = dataclasses.replace(SHEET, issued=lambda subject, copy, actor: seen.append((subject, copy.number, actor)))
    desk = staff("front_desk", sheet.community)
    copy, pdf = documents.document_issue(kind=kind, subject=sheet, actor=desk)
    assert seen == [(sheet, copy.number, desk)] and pdf.startswith(b"%PDF")

    def refuse(subject, copy, actor):
        raise RuntimeError("the app could not record it")

    with pytest.raises(RuntimeError):
        documents.document_issue(kind=dataclasses.replace(SHEET, issued=refuse), subject=sheet, actor=desk)
    assert IssuedDocument.objects.count() == 1 and ActivityLog.objects.filter(verb="core.document.issued").count() == 1


def test_the_service_checks_the_permission_too(sheet):
    from guanjia.core.errors import Forbidden

    with pytest.raises(Forbidden):
        documents.document_issue(kind=REPORT, subject=sheet, actor=staff("front_desk", sheet.community))
    assert not IssuedDocument.objects.exists()


def test_subject_lookup_outside_scope_is_404(sheet):
    request = RequestFactory().get("/")
    request.user = staff("front_desk", CommunityFactory())
    with pytest.raises(Http404):
        _deadline(request, sheet.pk)
    request.user = staff("front_desk", sheet.community)
    assert _deadline(request, sheet.pk) == sheet


def test_the_template_tag_links_to_the_one_view(sheet):
    html = Template("{% load documents %}{% document_url 'TEST.monthly' c '2026-10' %}").render(
        Context({"c": sheet.community.pk})
    )
    assert html == f"/console/documents/TEST.monthly/{sheet.community.pk}-2026-10.pdf"


def test_a_form_needs_a_number_and_a_code_fit_for_a_url():
    with pytest.raises(ValueError, match="number"):
        documents.register(dataclasses.replace(SHEET, code="TEST.bad", prefix=""))
    with pytest.raises(ValueError, match="URL"):
        documents.register(dataclasses.replace(SHEET, code="TEST/bad"))
    assert "TEST.bad" not in {k.code for k in documents.registered()}


def test_every_registered_form_names_a_known_permission_and_a_template():
    kinds = [k for k in documents.registered() if not k.code.startswith("TEST.")]
    assert kinds, "the apps register their forms when they load"
    for kind in kinds:
        has_perm(AnonymousUser(), kind.permission, None)  # KeyError for an action nobody declared
        get_template(kind.template)
        assert kind.number or kind.prefix, kind.code
