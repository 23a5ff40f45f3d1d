from django.utils.functional import SimpleLazyObject

from .access import is_staff_member, role_labels, visible_communities
from .models import Notification
from .registry import menu_for


def console(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not is_staff_member(user):
        return {}
    community = request.community
    return {
        "menu": SimpleLazyObject(lambda: menu_for(request)),
        "current_community": community,
        "switchable_communities": visible_communities(user).order_by("pk"),
        "my_roles": role_labels(user, community),
    }


def inbox(request):
    """The unread count of the top bar's inbox link: one COUNT on the (user, read_at) index, only if shown."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "inbox_unread": SimpleLazyObject(lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())
    }
