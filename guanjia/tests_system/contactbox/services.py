from django.db import transaction

from guanjia.core import clock, duties
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.periods import DAY, Period

from .models import BoxOpening

DUTY = "CM-1.daily"


def box_open(*, community, actor, letters: int) -> BoxOpening:
    """Record today's opening of the contact box; it meets the day's CM-1 duty (on time or late)."""
    require(actor, "contactbox.open", community)
    if letters < 0:
        raise ServiceError("invalid", "信件数不能为负数。", field="letters")
    with transaction.atomic():
        opening = BoxOpening(community=community, opened_by=actor, letters=letters)
        opening.full_clean()
        opening.save()
        duties.duty_meet(community=community, key=DUTY, period=Period.of(DAY, clock.now()), actor=actor)
        log(actor, "contactbox.box.opened", opening, community=community, letters=letters)
    return opening
