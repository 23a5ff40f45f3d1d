"""Who may be named for engagement work: the owner of a corrective action (QA-3), the visitor of a
household (VS-3). One definition for every picker and every service that takes a person.

Staff of a community are active users holding a role in it, or a company-wide role (the quality
department, the company administrator). Owners' and tenants' portal accounts hold no role and
never qualify; nor does the staff of another community.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from guanjia.core.models import Membership
from guanjia.core.roles import COMPANY_ROLES


def staff_of(community) -> QuerySet:
    """The users a staff picker of `community` offers, by username."""
    cid = getattr(community, "pk", community)
    roles = Membership.objects.filter(user=OuterRef("pk")).filter(
        Q(community_id=cid) | Q(community__isnull=True, role__in=COMPANY_ROLES)
    )
    return get_user_model().objects.filter(Exists(roles), is_active=True).order_by("username")


def is_staff_of(user, community) -> bool:
    """Whether `user` may be named for work in `community` (the services check this too)."""
    pk = getattr(user, "pk", None)
    return pk is not None and staff_of(community).filter(pk=pk).exists()


def staff_name(user) -> str:
    return user.get_full_name() or user.username
