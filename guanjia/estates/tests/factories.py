import datetime as dt

import factory

from guanjia.core.tests.factories import CommunityFactory
from guanjia.estates.models import Building, Lease, Ownership, Person, Room, Unit
from guanjia.estates.names import pinyin_keys


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    code = factory.Sequence(lambda n: str(n + 1))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    code = "1"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    unit = factory.SubFactory(UnitFactory)
    building = factory.SelfAttribute("unit.building")
    community = factory.SelfAttribute("unit.community")
    number = factory.Sequence(lambda n: f"{(n % 30) + 1}{(n // 30) % 4 + 1:02d}")
    code = factory.LazyAttribute(lambda o: f"{o.building.code}-{o.unit.code}-{o.number}")
    building_area = "89.50"
    handover = "moved_in"
    use = "self"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    community = factory.SubFactory(CommunityFactory)
    name = factory.Iterator(["张三", "李四", "王五", "赵六", "陈晓梅", "欧阳娜娜"])
    name_pinyin = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[1])


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ownership

    room = factory.SubFactory(RoomFactory)
    community = factory.SelfAttribute("room.community")
    person = factory.SubFactory(PersonFactory, community=factory.SelfAttribute("..community"))
    since = dt.date(2020, 5, 1)
    share = 100


class LeaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lease

    room = factory.SubFactory(RoomFactory)
    community = factory.SelfAttribute("room.community")
    tenant = factory.SubFactory(PersonFactory, community=factory.SelfAttribute("..community"))
    start = dt.date(2026, 1, 1)
    end = dt.date(2026, 12, 31)


def approve_lists(community, period, *, supervisor=None, manager=None, comment: str = ""):
    """Send a month's two lists through the PR-4 chain and have the office manager approve them."""
    from guanjia.core import approvals
    from guanjia.core.tests.factories import staff
    from guanjia.estates import monthly_lists

    supervisor = supervisor or staff("cs_supervisor", community)
    manager = manager or staff("office_manager", community)
    approval = monthly_lists.lists_submit(community=community, period=period, actor=supervisor)
    return approvals.approval_decide(approval=approval, actor=manager, outcome="approve", comment=comment)
