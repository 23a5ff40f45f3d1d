import datetime as dt

from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory

SH = dt.timezone(dt.timedelta(hours=8))


def at(*args) -> dt.datetime:
    """A moment in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SH)


class Office:
    """One community with its staff, a room and its owner (with a portal account)."""

    def __init__(self):
        self.community = CommunityFactory()
        c = self.community
        self.desk = staff("front_desk", c)
        self.supervisor = staff("cs_supervisor", c)
        self.manager = staff("office_manager", c)
        self.technician = staff("technician", c)
        self.room = RoomFactory(community=c, unit__building__community=c, unit__community=c)
        self.ownership = OwnershipFactory(room=self.room, community=c, person__community=c)
        self.owner = self.ownership.person


__all__ = ["Office", "at", "staff"]
