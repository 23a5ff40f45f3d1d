"""What online payment adds to the shared registries (FE-1): its rule numbers (how long an order may be
paid, how old a notification may be, when the sweep queries), the orders page's permission and menu
entry, the WeChat Pay adapter in the provider registry, and how its
log entries read."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo, policies, roles
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.policies import MINUTES, Policy
from guanjia.core.registry import MenuEntry, menu
from guanjia.core.roles import Role

from . import providers

POLICIES = (
    # FE-1: an online order is payable this long; the provider is told the same deadline.
    Policy("FE-1.online_order_minutes", _("在线缴费订单支付时限"), "int", 30, MINUTES, 5, 1440),
    # FE-1: a payment notification signed longer ago than this (either way) is refused as a replay.
    Policy("FE-1.online_notify_minutes", _("支付通知时间戳有效期"), "int", 5, MINUTES, 1, 60),
    # FE-1: an order still unpaid this long after it was made is queried at the provider by the sweep (a
    # notification may have been lost), and closed there once past its deadline.
    Policy("FE-1.online_sweep_minutes", _("在线缴费订单补查间隔"), "int", 10, MINUTES, 1, 1440),
)

# FE-1: the online orders page 在线缴费订单 (query the provider, close an order): the cashier whose day
# sheet the payments reach, the office manager, and the CS supervisor who answers owners about them.
PERMISSIONS = {"billing.online_orders": {Role.CASHIER, Role.CS_SUPERVISOR, Role.OFFICE_MANAGER}}

VERBS = {
    "billing.online.ordered": pgettext_lazy("activity", "发起在线缴费"),
    "billing.online.paid": pgettext_lazy("activity", "在线缴费成功"),
    "billing.online.failed": pgettext_lazy("activity", "在线缴费失败"),
    "billing.online.refused": pgettext_lazy("activity", "拒绝支付通知"),
    "billing.online.queried": pgettext_lazy("activity", "向支付渠道查询订单"),
    "billing.online.closed": pgettext_lazy("activity", "关闭在线缴费订单"),
    "billing.refund.online_started": pgettext_lazy("activity", "发起原路退回"),
    "billing.refund.online_failed": pgettext_lazy("activity", "原路退回未成功"),
}


def _demo_part(context):
    from . import demo_online

    return demo_online.build(context)


def register() -> None:
    from . import demo_online
    from .providers.wechatpay import WechatPay

    demo.register(DemoPart("billing.online", demo_online.DEMO_ORDER, build=_demo_part))
    roles.register(PERMISSIONS)
    policies.register(*POLICIES)
    providers.register(WechatPay.key, WechatPay)
    menu(
        MenuEntry(
            "billing",
            _("在线缴费订单"),
            "billing:online_orders",
            "billing.online_orders",
            order=35,
            active=("billing:online_order*",),
        )
    )
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
