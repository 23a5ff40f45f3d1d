"""Read-mostly admin of the quality records; changes go through the services (the console)."""

from django.contrib import admin

from .models import Action, RectificationNotice, SpotCheck


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["problem", "kind", "community", "owner", "due_on", "status"]
    list_filter = ["status", "kind", "community"]
    search_fields = ["problem", "measure"]
    readonly_fields = ["status"]


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(admin.ModelAdmin):
    list_display = ["number", "source", "community", "recipient", "recipient_name", "due_at", "status"]
    list_filter = ["status", "source", "community"]
    search_fields = ["number", "problem", "recipient_name"]
    readonly_fields = ["status"]


@admin.register(SpotCheck)
class SpotCheckAdmin(admin.ModelAdmin):
    list_display = ["kind", "period", "community", "record_id", "checked_at", "passed"]
    list_filter = ["kind", "period", "community"]
