from guanjia.core.tests.factories import SH, CommunityFactory, at, staff  # noqa: F401 (at, SH: re-exported)
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory


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
