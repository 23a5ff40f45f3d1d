from django.contrib import admin

from .models import ActivityLog, Community, Company, Membership, PolicySetting


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
