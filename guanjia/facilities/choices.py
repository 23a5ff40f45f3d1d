"""Choices of the equipment ledger (FM-1), each with its UI colour beside it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Importance(models.TextChoices):
    """A: its failure stops a building's service or endangers people (lifts, fire pumps); C: minor."""

    A = "A", _("A 类（关键）")
    B = "B", _("B 类（重要）")
    C = "C", _("C 类（一般）")

    @property
    def colour(self) -> str:
        return {"A": "red", "B": "amber", "C": "grey"}[self.value]


class Maintainer(models.TextChoices):
    IN_HOUSE = "in_house", _("自行维护")
    CONTRACTOR = "contractor", _("委托维保单位")


class RecordKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("维护保养")
    INSPECTION = "inspection", _("法定检验")
    REPAIR = "repair", _("维修")
    OTHER = "other", _("其他")

    @property
    def colour(self) -> str:
        return {"maintenance": "green", "inspection": "blue", "repair": "amber", "other": "grey"}[self.value]


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("检验合格证/报告")
    REGISTRATION = "registration", _("使用登记证")
    MANUAL = "manual", _("说明书/图纸")
    CONTRACT = "contract", _("维保合同")
    PHOTO = "photo", _("照片")
    OTHER = "other", _("其他")
