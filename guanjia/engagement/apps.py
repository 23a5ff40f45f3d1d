from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "guanjia.engagement"
    label = "engagement"
    verbose_name = _("业户访问与满意度")

    def ready(self):
        from . import registrations

        registrations.register()
