"""The console's current community (the switcher), kept in the session."""

from django.utils.functional import SimpleLazyObject

from .access import visible_communities

SESSION_KEY = "community_id"


def current_community(request):
    user = request.user
    if not user.is_authenticated:
        return None
    communities = visible_communities(user)
    wanted = request.session.get(SESSION_KEY)
    community = communities.filter(pk=wanted).first() if wanted else None
    return community or communities.order_by("pk").first()


class CurrentCommunityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.community = SimpleLazyObject(lambda: current_community(request))
        return self.get_response(request)
