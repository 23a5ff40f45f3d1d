"""What online payment adds to the shared registries (FE-1): its rule numbers (how long an order may be
paid, how old a notification may be), the WeChat Pay adapter in the provider registry, and how its
log entries read."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import policies
from guanjia.core.activity import describe
from guanjia.core.policies import MINUTES, Policy

from . import providers

POLICIES = (
    # FE-1: an online order is payable this long; the provider is told the same deadline.
    Policy("FE-1.online_order_minutes", _("在线缴费订单支付时限"), "int", 30, MINUTES, 5, 1440),
    # FE-1: a payment notification signed longer ago than this (either way) is refused as a replay.
    Policy("FE-1.online_notify_minutes", _("支付通知时间戳有效期"), "int", 5, MINUTES, 1, 60),
)

VERBS = {
    "billing.online.ordered": pgettext_lazy("activity", "发起在线缴费"),
    "billing.online.paid": pgettext_lazy("activity", "在线缴费成功"),
    "billing.online.failed": pgettext_lazy("activity", "在线缴费失败"),
    "billing.online.refused": pgettext_lazy("activity", "拒绝支付通知"),
}


def register() -> None:
    from .providers.wechatpay import WechatPay

    policies.register(*POLICIES)
    providers.register(WechatPay.key, WechatPay)
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
