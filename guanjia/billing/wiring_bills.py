"""What the bills part adds to the shared registries (FE-1): the correction chain "FE-1.adjustment",
the household statement's printed form "FE-1.statement", the household file's fee section, its menu
entries and how its log entries read."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import approvals, demo, documents
from guanjia.core.activity import describe
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.documents import DocumentKind
from guanjia.core.registry import HouseholdSection, MenuEntry, household_section, menu
from guanjia.core.roles import Role

from .choices import PayerKind
from .policies import APPROVAL_HOURS

STATEMENT = "FE-1.statement"

VERBS = {
    "billing.run.issued": pgettext_lazy("activity", "开具月度账单"),
    "billing.bill.issued": pgettext_lazy("activity", "开具账单"),
    "billing.adjustment.requested": pgettext_lazy("activity", "申请冲减/补收"),
    "billing.adjustment.approved": pgettext_lazy("activity", "冲减/补收已批准"),
    "billing.adjustment.returned": pgettext_lazy("activity", "冲减/补收被退回"),
}


def _date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise Http404 from None


def statement_subject(request, key: str):
    """Key "<room id>-<YYYYMMDD>-<YYYYMMDD>[-<payer kind>]": the statement of a room the user works in."""
    from guanjia.estates.models import Room

    from .selectors_bills import statement

    parts = str(key).split(documents.KEY_SEPARATOR)
    if len(parts) not in (3, 4) or not parts[0].isdigit():
        raise Http404
    payer_kind = parts[3] if len(parts) == 4 else None
    if payer_kind is not None and payer_kind not in PayerKind.values:
        raise Http404
    start, end = _date(parts[1]), _date(parts[2])
    if end < start:
        raise Http404
    room = documents.subject_in_scope(
        Room.objects.select_related("community", "building", "unit"), request, pk=parts[0]
    )
    return statement(room, payer_kind=payer_kind, start=start, end=end)


def _account_section(request, room) -> dict:
    from .selectors_bills import household_account

    return household_account(room)


def _demo_part(context):
    from . import demo_bills

    return demo_bills.build(context)


def register() -> None:
    from .demo_bills import DEMO_ORDER
    from .services import adjustments

    approvals.register(
        ApprovalKind(
            key=adjustments.ADJUSTMENT,
            label=_("账单冲减/补收"),
            rule="FE-1",
            steps=(StepDefault(Role.OFFICE_MANAGER, APPROVAL_HOURS),),
            on_approved=adjustments.adjustment_approved,
            on_returned=adjustments.adjustment_returned,
            url=adjustments.adjustment_url,
        )
    )
    documents.register(
        DocumentKind(
            code=STATEMENT,
            title=_("业户对账单"),
            template="billing/bills_statement_pdf.html",
            permission="billing.view",
            subject=statement_subject,
            context=lambda request, s: {"statement": s, "room": s.room},
            filename=lambda s: f"{s.room.code}-{s.start:%Y%m%d}-{s.end:%Y%m%d}.pdf",
            prefix="DZ",
            household=lambda s: s.room,
            community=lambda s: s.room.community,
        )
    )
    household_section(
        HouseholdSection(
            "billing.account",
            _("收费账户"),
            "billing/bills_household_section.html",
            _account_section,
            permission="billing.view",
            order=60,
        )
    )
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    demo.register(DemoPart("billing.bills", DEMO_ORDER, build=_demo_part))
    menu(
        MenuEntry("billing", _("计费批次"), "billing:runs", "billing.view", order=20, active=("billing:run*",)),
        MenuEntry("billing", _("账单"), "billing:bills", "billing.view", order=30, active=("billing:bill*",)),
    )
