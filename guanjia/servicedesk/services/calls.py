"""The call-and-visit log 来电来访记录表 (IC-3): information only, outside information marked *."""

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.textnorm import clean_prose, clean_text

from ..choices import Channel
from ..models import CallLog
from ._common import _now


def calllog_record(
    *,
    community,
    actor,
    content: str,
    caller: str = "",
    phone: str = "",
    room=None,
    outside: bool = False,
    handling: str = "",
    channel: str = Channel.PHONE,
    at=None,
) -> CallLog:
    require(actor, "servicedesk.create", community)
    if not (content or "").strip():
        raise ServiceError("invalid", _("请填写来电来访内容。"), field="content")
    entry = CallLog(
        community=community,
        at=_now(at),
        channel=channel,
        caller=clean_text(caller),
        phone=clean_text(phone),
        room=room,
        content=content.strip(),
        outside=outside,
        handling=clean_prose(handling),
        recorded_by=actor,
    )
    with transaction.atomic():
        entry.full_clean(exclude=["community", "room", "recorded_by"])
        entry.save()
        log(
            actor,
            "servicedesk.call.recorded",
            entry,
            household=room,
            summary=("*" if outside else "") + entry.content[:80],
        )
    return entry
