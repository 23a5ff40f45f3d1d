from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitForm(models.TextChoices):
    """The forms of a visit (VS-2)."""

    HOME = "home", _("上门")
    OFFICE = "office", _("来访/办公室")
    OUTDOORS = "outdoors", _("户外")
    QUESTIONNAIRE = "questionnaire", _("问卷")
    PHONE = "phone", _("电话")
    OTHER = "other", _("其他")
