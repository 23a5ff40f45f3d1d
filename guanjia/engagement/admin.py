from django.contrib import admin

from .models import Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("visited_at", "community", "room", "visitor", "form", "is_callback", "signed")
    list_filter = ("community", "form", "is_callback")
    raw_id_fields = ("room", "visitor", "ticket")
    date_hierarchy = "visited_at"
