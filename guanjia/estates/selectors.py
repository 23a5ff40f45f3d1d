"""Reads of the register: search, household file, monthly lists."""

from django.db.models import Count, Q

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
