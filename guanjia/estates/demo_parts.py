"""The register's parts of the demo (core.demo, registered in registrations.py): the communities,
their staff and households first; the monthly lists once every other part's work is done; and, last,
the owners' portal accounts (the owner with the most tickets in each community)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanjia.core.demo import DemoBuild
from guanjia.core.models import Community
from guanjia.core.roles import Role

from . import demo, demo_accounts
from .models import Room


def build_register(context: DemoBuild) -> str:
    """The three communities of demo.COMMUNITIES at `context.scale`, a user per role, the households."""
    gen = demo.Generator(context.seed, today=context.today)
    communities = [
        Community.objects.create(
            company=context.company,
            code=plan.code,
            name=plan.name,
            address=plan.address,
            office_phone=plan.office_phone,
        )
        for plan in demo.COMMUNITIES
    ]
    context.communities.extend(communities)
    demo_accounts.demo_users(communities, context.staff)
    for plan, community in zip(demo.COMMUNITIES, communities, strict=True):
        households = max(1, round(plan.households * context.scale))
        demo.build_households(community, plan, households, gen=gen, actor=context.member(community, Role.CS_SUPERVISOR))
    return "、".join(f"{c.name} {Room.objects.filter(community=c).count()} 户" for c in communities)


def build_owners(context: DemoBuild) -> None:
    demo_accounts.demo_owner_accounts(context.communities)


def refresh_owners(context: DemoBuild) -> str:
    """A demo database made before the owners had accounts gains them."""
    opened = demo_accounts.demo_owner_accounts(context.communities)
    return _("已为 %(n)s 个小区开通演示业主账号。") % {"n": opened} if opened else ""
