"""The admin site, for the few things the console has no page for; never a way around the services.

The activity log is append-only (LW-1, DESIGN.md §6): read-only here for everyone, superusers
included. Rule numbers are changed on the console's policy page (policy_set checks and logs), so
they are read-only here too; roles are granted, changed and ended through core.memberships, which
checks the actor's permission and logs each change exactly as a console page would.
"""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import memberships
from .errors import ServiceError
from .models import ActivityLog, Community, Company, Holiday, Membership, PolicySetting


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and opened, never added, changed or deleted (no delete action either)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "company"]


class MembershipForm(forms.ModelForm):
    """Checks with the service before Django reports success: a refusal is shown on the form."""

    class Meta:
        model = Membership
        fields = ["user", "community", "role"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            memberships.check(self.actor, data.get("community"), data.get("role"))
            if self.instance.pk:
                original = Membership.objects.get(pk=self.instance.pk)
                memberships.check(self.actor, original.community, original.role)
        except ServiceError as error:
            raise forms.ValidationError(str(error.message)) from None
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every grant, change and removal goes through core.memberships (permission check + log)."""

    form = MembershipForm
    list_display = ["user", "community", "role"]
    list_filter = ["role", "community"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Django's bulk delete bypasses delete_model
        return actions

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            original = Membership.objects.get(pk=obj.pk)
            memberships.membership_change(
                membership=original,
                user=data["user"],
                community=data["community"],
                role=data["role"],
                actor=request.user,
            )
        else:
            created = memberships.membership_grant(
                user=data["user"], community=data["community"], role=data["role"], actor=request.user
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        memberships.membership_revoke(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "community"):
            memberships.membership_revoke(membership=membership, actor=request.user)

    @admin.action(description=gettext_lazy("撤销所选岗位（逐条记入日志）"), permissions=["delete"])
    def revoke_selected(self, request, queryset):
        done = 0
        for membership in queryset.select_related("user", "community"):
            try:
                memberships.membership_revoke(membership=membership, actor=request.user)
            except ServiceError as error:
                self.message_user(request, f"{membership}: {error.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("已撤销 %(n)s 个岗位。") % {"n": done})


@admin.register(PolicySetting)
class PolicySettingAdmin(ReadOnlyAdmin):
    """Rule numbers are set on the console's 规则参数 page (policy_set: permission, parsing, log)."""

    list_display = ["community", "key", "value", "updated_by", "updated_at", "console"]

    @admin.display(description=gettext_lazy("修改"))
    def console(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("core:policies"), _("在控制台的规则参数页修改"))


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "verb", "actor", "community", "summary"]
    list_filter = ["verb"]
    list_select_related = ["actor", "community"]


@admin.register(Holiday)
class HolidayAdmin(ReadOnlyAdmin):
    """Entered on the console's calendar page, which checks and logs each entry (DESIGN.md §5)."""

    list_display = ["date", "kind", "name", "year", "created_by"]
    list_filter = ["year", "kind"]
    list_select_related = ["created_by"]
    date_hierarchy = "date"
