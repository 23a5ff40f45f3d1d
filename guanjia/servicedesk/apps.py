from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "guanjia.servicedesk"
    label = "servicedesk"
    verbose_name = _("客服中心")

    def ready(self):
        from . import registrations

        registrations.register()
