"""Reads of the visits (VS-1 … VS-5); scoping is the caller's (views call scoped())."""

from .models import Visit


def visits_with_related(queryset=None):
    """Visits with what a list shows, in one query."""
    queryset = Visit.objects.all() if queryset is None else queryset
    return queryset.select_related("room", "visitor", "ticket")
