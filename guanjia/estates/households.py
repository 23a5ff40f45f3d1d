"""The households 户 the rulebook counts (VS-1, SV-1, SV-2): the one definition.

"Moved-in households" are dwellings 住宅 that have moved in 已入伙. Parking spaces, garages and
storage rooms are rooms of the register but never households; shops count only where the
community's policy VS-1.count_shops says so (default off). The visit quota, the survey draws,
the coverage per entrance and the dashboard all read these querysets, and every count shown
says what it counts (`households_text`).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from guanjia.core.models import PolicySetting
from guanjia.core.policies import DEFAULTS, policy

from .choices import Handover, RoomKind
from .models import Room

SHOPS_POLICY = "VS-1.count_shops"


def counts_shops(community) -> bool:
    return bool(policy(community, SHOPS_POLICY))


def _shops_counted() -> Exists:
    """Whether the row's community counts shops, read inside the query (the community's setting,
    else the default of DEFAULTS), so that any list or comparison of communities costs no extra
    query for it."""
    stored = PolicySetting.objects.filter(community_id=OuterRef("community_id"), key=SHOPS_POLICY)
    if DEFAULTS[SHOPS_POLICY].default:
        return ~Exists(stored.filter(value=False))
    return Exists(stored.filter(value=True))


def household_q() -> Q:
    """A room that is a household (VS-1, SV-1, SV-2): moved in, and a dwelling, or a shop where
    the community's policy counts shops. Parking spaces, garages and storage rooms never are."""
    return Q(handover=Handover.MOVED_IN) & (Q(kind=RoomKind.RESIDENCE) | Q(kind=RoomKind.SHOP) & Q(_shops_counted()))


def households(community) -> QuerySet[Room]:
    """The moved-in households of one community."""
    return Room.objects.filter(household_q(), community=community)


def households_of_many(community_ids) -> QuerySet[Room]:
    """The moved-in households of several communities, each by its own policy (one query)."""
    return Room.objects.filter(household_q(), community_id__in=[getattr(c, "pk", c) for c in community_ids])


def excluded_text(count_shops: bool) -> str:
    """What the count leaves out, as the clerk reads it."""
    return _("不含车位、车库、储藏室") if count_shops else _("不含车位、车库、储藏室、商铺")


def households_text(n: int, count_shops: bool) -> str:
    """ "已入住住宅 412 户（不含车位、车库、储藏室、商铺）"."""
    if count_shops:
        return _("已入住住宅及商铺 %(n)s 户（%(x)s）") % {"n": n, "x": excluded_text(True)}
    return _("已入住住宅 %(n)s 户（%(x)s）") % {"n": n, "x": excluded_text(False)}


def household_count(community) -> tuple[int, str]:
    """(count, the sentence saying what was counted) for one community."""
    n = households(community).count()
    return n, households_text(n, counts_shops(community))
