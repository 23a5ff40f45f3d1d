from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import registry
from .access import is_staff_member, visible_communities
from .console import StaffMixin
from .errors import ServiceError
from .forms import LoginForm
from .middleware import SESSION_KEY
from .policies import DEFAULTS, format_value, policies_for, policy_set


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # Owners and tenants who sign in here belong in the owner portal, not the staff console.
        if not is_staff_member(self.request.user):
            return reverse("portal:home")
        return super().get_success_url()


class DashboardView(StaffMixin, TemplateView):
    action = "core.view"
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = registry.panels_for(self.request)
        return context


class SwitchCommunityView(StaffMixin, View):
    action = "core.view"

    def post(self, request):
        community = visible_communities(request.user).filter(pk=request.POST.get("community")).first()
        if community is None:
            raise Http404
        request.session[SESSION_KEY] = community.pk
        target = request.POST.get("next") or reverse("core:dashboard")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("core:dashboard")
        return redirect(target)


class PolicyListView(StaffMixin, TemplateView):
    """The community's rule numbers; an office manager edits them (DESIGN.md §3)."""

    action = "core.view"
    template_name = "core/policies.html"

    def get_context_data(self, **kwargs):
        from .access import has_perm

        context = super().get_context_data(**kwargs)
        context["rows"] = [
            {
                "spec": spec,
                "value": format_value(spec, value),
                "default": format_value(spec, spec.default),
                "changed": changed,
            }
            for spec, value, changed in policies_for(self.request.community)
        ]
        context["can_edit"] = has_perm(self.request.user, "core.edit_policy", self.request.community)
        context["errors"] = kwargs.get("errors", {})
        return context

    def post(self, request):
        key = request.POST.get("key", "")
        if key not in DEFAULTS:
            raise Http404
        try:
            policy_set(
                community=request.community, key=key, raw_value=request.POST.get("value", ""), actor=request.user
            )
        except ServiceError as error:
            return self.render_to_response(self.get_context_data(errors={key: str(error.message)}), status=400)
        messages.success(request, _("已更新“%(label)s”。") % {"label": DEFAULTS[key].label})
        return redirect("core:policies")
