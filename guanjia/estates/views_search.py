"""Household search in the console: the live dropdown of the top bar and the full results page."""

from django.views.generic import TemplateView

from guanjia.core.console import StaffMixin

from .search import search_households

DROPDOWN_LIMIT = 10
PAGE_LIMIT = 100


class HouseholdSearchView(StaffMixin, TemplateView):
    """GET ?q=…: an htmx request gets the dropdown fragment, anything else the full page."""

    action = "estates.view"

    def get_template_names(self):
        return ["estates/search_dropdown.html" if self.request.htmx else "estates/search.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")[:100]
        limit = DROPDOWN_LIMIT if self.request.htmx else PAGE_LIMIT
        hits = search_households(user=self.request.user, community=self.request.community, query=query, limit=limit)
        context.update(query=query.strip(), hits=hits, limit=limit, truncated=len(hits) >= limit)
        return context
