"""What every console view uses: staff sign-in, the current community, scoped querysets,
and turning ServiceError into a message beside the form (DESIGN.md §1, §8)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import ListView

from .access import has_perm, is_staff_member, scoped, visible_communities
from .errors import Forbidden, ServiceError


class CommunityFromLinkMixin:
    """?community=<id> (links in the inbox, 待我审批 and reminders) opens the page in that community
    for this request, whichever community the switcher holds; one the user may not see is a 404."""

    def dispatch(self, request, *args, **kwargs):
        wanted = request.GET.get("community")
        if wanted and request.user.is_authenticated and str(getattr(request.community, "pk", "")) != wanted:
            community = visible_communities(request.user).filter(pk=wanted if wanted.isdigit() else None).first()
            if community is None:
                raise Http404
            request.community = community
        return super().dispatch(request, *args, **kwargs)


class StaffMixin(LoginRequiredMixin):
    """Signed-in staff only; `action` is the permission the page needs in the current community."""

    action = "estates.view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_staff_member(request.user):
            raise PermissionDenied
        if not request.community:
            raise Http404
        if not has_perm(request.user, self.action, request.community):
            raise PermissionDenied
        try:
            return super().dispatch(request, *args, **kwargs)
        except Forbidden:  # a service refused: the same 403 as a page the role may not open
            raise PermissionDenied from None

    def scoped(self, queryset, action: str | None = None):
        """Only rows the user may see (any community in scope)."""
        return scoped(queryset, self.request.user, action or self.action)

    def in_community(self, queryset, action: str | None = None):
        """Only rows of the current community, within the user's scope."""
        return self.scoped(queryset, action).filter(community=self.request.community)


class CommunityListView(StaffMixin, ListView):
    """A list of one model in the current community, filtered and paginated."""

    paginate_by = 50
    filterset_class = None

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        queryset = self.in_community(self.base_queryset())
        if self.filterset_class:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
            queryset = self.filterset.qs
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


def apply_service_error(form, error: ServiceError) -> None:
    """Show a ServiceError beside the field it names, or at the top of the form."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(error.message))


def flash_service_error(request, error: ServiceError) -> None:
    messages.error(request, str(error.message))
