from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanjia.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from django.contrib import admin

        from . import registrations
        from .forms import AdminLoginForm

        registrations.register()
        # /admin/login/ under the same sign-in throttle as the console, the portal and the API.
        admin.site.login_form = AdminLoginForm
