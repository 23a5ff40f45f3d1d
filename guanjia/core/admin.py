from django.contrib import admin

from .models import ActivityLog, Community, Company, Holiday, Membership, PolicySetting


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "company"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role"]
    list_filter = ["role", "community"]


@admin.register(PolicySetting)
class PolicySettingAdmin(admin.ModelAdmin):
    list_display = ["community", "key", "value", "updated_by", "updated_at"]


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = ["at", "verb", "actor", "community", "summary"]
    list_filter = ["verb"]
    list_select_related = ["actor", "community"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Prefer the console's calendar page: it checks and logs each entry (DESIGN.md §5)."""

    list_display = ["date", "kind", "name", "year", "created_by"]
    list_filter = ["year", "kind"]
    list_select_related = ["created_by"]
    date_hierarchy = "date"
