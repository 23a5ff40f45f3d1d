"""Factories of the equipment ledger's tests (FM-1). Device types are the seeded tree (migration 0002)."""

import datetime as dt
import itertools
from importlib import import_module

from django.apps import apps as django_apps

from guanjia.core.tests.factories import CommunityFactory, staff

from .. import services
from ..models import DeviceType

_codes = itertools.count(1)


def device_type(code: str = "water-pump") -> DeviceType:
    if not DeviceType.objects.filter(code=code).exists():  # a transactional test before this one flushed the seed
        import_module("guanjia.facilities.migrations.0002_device_types").seed(django_apps, None)
    return DeviceType.objects.get(code=code)


def make_device(community=None, actor=None, **fields):
    """A device entered through the service (its FM-1 deadline opened), by the equipment supervisor."""
    community = community or CommunityFactory()
    actor = actor or staff("equipment_supervisor", community)
    values = {
        "code": f"SB-{next(_codes):03d}",
        "name": "生活水泵",
        "type": device_type(),
        "place": "地下一层水泵房",
    }
    values.update(fields)
    return services.device_create(community=community, actor=actor, **values)


def make_lift(community=None, actor=None, next_inspection_on=dt.date(2027, 3, 1), **fields):
    values = {
        "code": f"DT-{next(_codes):03d}",
        "name": "1号客梯",
        "type": device_type("lift-passenger"),
        "place": "1号电梯井",
        "importance": "A",
        "registration_no": "梯11沪A01234",
        "next_inspection_on": next_inspection_on,
    }
    values.update(fields)
    return make_device(community, actor, **values)
