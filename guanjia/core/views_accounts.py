"""Staff passwords: reset by e-mail (Django's own views, throttled) and changed while signed in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from . import throttling
from .access import is_staff_member
from .accounts import VIA_CHANGE, VIA_RESET, user_password_set
from .console import StaffMixin


class StaffPasswordResetForm(PasswordResetForm):
    """Links go to staff only: owners open and recover their portal accounts through the office."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if is_staff_member(user))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    form_class = StaffPasswordResetForm
    success_url = reverse_lazy("core:password_reset_done")

    def form_valid(self, form):
        # Every request counts, whether or not the address belongs to anyone, so neither the
        # answer nor the throttle tells a stranger which addresses are registered.
        key = f"reset:{form.cleaned_data['email']}"
        ip = throttling.client_ip(self.request)
        if refusal := throttling.check(key, ip, key_limit=settings.PASSWORD_RESET_MAX_PER_EMAIL):
            form.add_error(None, _("重设密码的请求过多，请 %(wait)s后（%(time)s 以后）再试。") % refusal.params())
            return self.form_invalid(form)
        throttling.record_failure(key, ip)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form):
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"], actor=form.user, via=VIA_RESET)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"


class PasswordChangeView(StaffMixin, auth_views.PasswordChangeView):
    action = "core.view"
    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:dashboard")

    def form_valid(self, form):
        user = user_password_set(
            user=self.request.user, password=form.cleaned_data["new_password1"], actor=self.request.user, via=VIA_CHANGE
        )
        # This session goes on; every other one fails Django's password-hash check from now on.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("密码已修改。其他设备上的登录已退出，API 令牌已作废。"))
        return HttpResponseRedirect(self.get_success_url())
