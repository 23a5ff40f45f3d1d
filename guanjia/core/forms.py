from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import throttling


class ThrottledLoginMixin:
    """The one sign-in throttle for every form that checks a password (console, portal, /admin/).

    A refused attempt never reaches the password check; only a wrong name or password counts as a
    failure (an inactive account or a non-staff user at /admin/ gave the right password)."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        ip = throttling.client_ip(self.request) if self.request else None
        if username and (refusal := throttling.check(username, ip)):
            raise forms.ValidationError(refusal.message(), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.user_cache is None:
                throttling.record_failure(username, ip)
            raise
        if username:
            throttling.clear(username, ip)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确，或该账号无权进入后台管理。"),
    }
