"""The demo's online payment (FE-1): one owner with a portal account has an order he has not paid yet
(待支付), for his room's open lines, made through `order_create` a few minutes before the demo's
now, so 在线缴费订单 in the console and his order page in the portal have something to show. The demo
holds no merchant keys: the order names the WeChat Pay adapter but was never sent to it, so its page
says the provider has not answered, and 向支付渠道查询 says the community has no online payment set up.
Like any order it reads 已过期 once FE-1.online_order_minutes have passed."""

from __future__ import annotations

import datetime as dt

from guanjia.core import clock
from guanjia.core.demo import DemoBuild
from guanjia.estates.models import Ownership

from .models import BillLine
from .providers.wechatpay import WechatPay
from .services import online

DEMO_ORDER = 95  # after the owners' portal accounts (estates.owners, 90) and every part that bills or pays


def _candidate(communities):
    """The first portal owner (by community, then room) whose room still owes something."""
    ownerships = (
        Ownership.objects.filter(community__in=communities, until__isnull=True, person__user__isnull=False)
        .select_related("room", "person__user")
        .order_by("community_id", "room_id", "pk")
    )
    for ownership in ownerships:
        if BillLine.objects.filter(room=ownership.room, open_amount__gte=online.CENT).exists():
            return ownership
    return None


def build(context: DemoBuild) -> str:
    ownership = _candidate(context.communities)
    if ownership is None:
        return "在线缴费订单 0 笔（没有欠费的业主账户）"
    moment = context.now - dt.timedelta(minutes=5)
    with clock.frozen(moment):  # its log entry at the same moment as the order
        order = online.order_create(
            room=ownership.room,
            user=ownership.person.user,
            payable=BillLine.objects.filter(room=ownership.room),  # his household's own bills
            at=moment,
            provider_key=WechatPay.key,
        )
    return f"待支付在线缴费订单 1 笔（{ownership.room.code}，{order.amount} 元）"
