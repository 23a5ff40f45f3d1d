"""Read-only: visits are recorded on the console (visit services: signature, deadlines, log)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin

from .models import Visit


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_at", "community", "room", "visitor", "form", "is_callback", "signed")
    list_filter = ("community", "form", "is_callback")
    raw_id_fields = ("room", "visitor", "ticket")
    date_hierarchy = "visited_at"
