from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import throttling


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
        "locked": _("登录失败次数过多，账号已暂时锁定，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        from django.conf import settings

        username = (self.cleaned_data.get("username") or "").strip()
        ip = throttling.client_ip(self.request) if self.request else None
        if username and throttling.is_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCKOUT_MINUTES}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttling.record_failure(username, ip)
            raise
        throttling.clear(username)
        return cleaned
