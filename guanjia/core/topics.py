"""The one topic axis shared by complaints and surveys (SV-7), so both are analysed together."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    SECURITY = "security", _("治安")
    CLEANING = "cleaning", _("清洁")
    GREENING = "greening", _("绿化")
    REPAIR_STAFF = "repair_staff", _("维修人员")
    FACILITIES = "facilities", _("休闲及儿童设施")
    MANAGEMENT_STAFF = "management_staff", _("管理人员")
    CONVENIENCE = "convenience", _("便民服务")
    SPECIAL_NEEDS = "special_needs", _("特殊困难和需求")
    CULTURE = "culture", _("社区文化")
    OTHER = "other", _("其他")
