from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstatesConfig(AppConfig):
    name = "guanjia.estates"
    label = "estates"
    verbose_name = _("权籍与业户档案")

    def ready(self):
        from . import registrations

        registrations.register()
