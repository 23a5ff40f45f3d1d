"""Reads of the register: search, household file, monthly lists."""

from django.db.models import Count, Q

from guanjia.core import clock

from .choices import Handover
from .models import Room


def community_overview(community) -> dict:
    if community is None:
        return {}
    return Room.objects.filter(community=community).aggregate(
        rooms=Count("id"),
        moved_in=Count("id", filter=Q(handover=Handover.MOVED_IN)),
        awaiting=Count("id", filter=Q(handover=Handover.AWAITING)),
    )


def household_people(room) -> list:
    """Everyone who belongs to the household now: current owners, current tenants, residents."""

    from .models import Person

    today = clock.today()
    return list(
        Person.objects.filter(community_id=room.community_id)
        .filter(
            Q(ownerships__room=room, ownerships__until__isnull=True)
            | Q(leases__room=room, leases__start__lte=today, leases__end__gte=today)
            & (Q(leases__ended_on__isnull=True) | Q(leases__ended_on__gte=today))
            | Q(residences__room=room, residences__until__isnull=True)
        )
        .distinct()
    )


def homes_of(user):
    """The rooms a portal user belongs to now (as owner, tenant or resident), across communities."""

    today = clock.today()
    return (
        Room.objects.filter(
            Q(ownerships__person__user=user, ownerships__until__isnull=True)
            | Q(leases__tenant__user=user, leases__start__lte=today, leases__end__gte=today)
            & (Q(leases__ended_on__isnull=True) | Q(leases__ended_on__gte=today))
            | Q(residents__person__user=user, residents__until__isnull=True)
        )
        .select_related("community", "building", "unit")
        .distinct()
    )
