"""Read-only admin of the quality records: changes go through the services (the console), which
check the actor, keep the deadlines and log each step (DESIGN.md §6–7)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin

from .models import Action, RectificationNotice, SpotCheck


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["problem", "kind", "community", "owner", "due_on", "status"]
    list_filter = ["status", "kind", "community"]
    search_fields = ["problem", "measure"]


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "source", "community", "recipient", "recipient_name", "due_at", "status"]
    list_filter = ["status", "source", "community"]
    search_fields = ["number", "problem", "recipient_name"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["kind", "period", "community", "record_id", "checked_at", "passed"]
    list_filter = ["kind", "period", "community"]
