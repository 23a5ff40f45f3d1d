"""What the cashier's window adds to the shared registries (FE-1): the approval chains for voiding a
receipt and for a refund (by default one step, the office manager, within policies.APPROVAL_HOURS;
each community's chain is then its own setting, 设置 › 审批流程), the printed receipt and day sheet,
the menu, the cashier's dashboard panel (today's takings by method) and how its log entries read."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import approvals, demo
from guanjia.core.activity import describe
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.registry import DashboardPanel, HouseholdSection, MenuEntry, household_section, menu, panel
from guanjia.core.roles import Role

from .policies import APPROVAL_HOURS

VERBS = {
    "billing.payment.taken": pgettext_lazy("activity", "收款并开具收据"),
    "billing.receipt.void_requested": pgettext_lazy("activity", "申请作废收据"),
    "billing.receipt.voided": pgettext_lazy("activity", "收据已作废"),
    "billing.receipt.void_returned": pgettext_lazy("activity", "收据作废申请被退回"),
    "billing.refund.requested": pgettext_lazy("activity", "申请退款"),
    "billing.refund.paid": pgettext_lazy("activity", "退款已批准"),
    "billing.refund.returned": pgettext_lazy("activity", "退款申请被退回"),
    "billing.cashier_day.closed": pgettext_lazy("activity", "收款日结"),
    "billing.cashier_day.signed_off": pgettext_lazy("activity", "审核收款日报"),
}


def _panel(request):
    from .selectors_payments import today_takings

    return today_takings(request.community, request.user)


# After the bills part has issued its months (it pays what they billed), before the dunning part.
DEMO_ORDER = 17


def _demo_part(context):
    from . import demo_payments

    return demo_payments.build(context)


def _section(request, room):
    from .selectors_payments import household_receipts

    return household_receipts(request, room)


def register() -> None:
    from . import documents_payments
    from .services import payments

    approvals.register(
        ApprovalKind(
            key=payments.VOID,
            label=_("收据作废"),
            rule="FE-1",
            steps=(StepDefault(Role.OFFICE_MANAGER, APPROVAL_HOURS),),
            on_approved=payments.receipt_void_approved,
            on_returned=payments.receipt_void_returned,
            url=payments.receipt_url,
        )
    )
    approvals.register(
        ApprovalKind(
            key=payments.REFUND,
            label=_("退款"),
            rule="FE-1",
            steps=(StepDefault(Role.OFFICE_MANAGER, APPROVAL_HOURS),),
            on_approved=payments.refund_approved,
            on_returned=payments.refund_returned,
            url=payments.refund_url,
        )
    )
    documents_payments.register()  # 收据, 收款日报
    demo.register(DemoPart("billing.payments", DEMO_ORDER, build=_demo_part))
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    panel(
        DashboardPanel(
            "billing.takings",
            "billing/payments_panel.html",
            _panel,
            "billing.collect",
            roles=frozenset({Role.CASHIER}),
            order=20,
        )
    )
    household_section(
        HouseholdSection(
            "billing.receipts", _("收据"), "billing/payments_household_section.html", _section, "billing.view", order=62
        )
    )
    menu(
        MenuEntry(
            "billing",
            _("收款"),
            "billing:collect",
            "billing.collect",
            order=30,
            active=("billing:collect*",),
            first_for=frozenset({Role.CASHIER}),
        ),
        MenuEntry(
            "billing",
            _("收据"),
            "billing:payments",
            "billing.view",
            order=31,
            active=("billing:payment*", "billing:refund*"),
        ),
        MenuEntry("billing", _("收款日报"), "billing:days", "billing.view", order=32, active=("billing:day*",)),
    )
