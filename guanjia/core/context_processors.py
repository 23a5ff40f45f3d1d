from .access import is_staff_member, role_labels, visible_communities


def console(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not is_staff_member(user):
        return {}
    community = request.community
    return {
        "current_community": community,
        "switchable_communities": visible_communities(user).order_by("pk"),
        "my_roles": role_labels(user, community),
    }
