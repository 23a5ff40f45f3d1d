from django.db import models
from django.utils.translation import gettext_lazy as _


class CauseCategory(models.TextChoices):
    """The five bones of the fishbone (SV-5)."""

    MAN = "man", _("人")
    MACHINE = "machine", _("机")
    MATERIAL = "material", _("料")
    METHOD = "method", _("法")
    ENVIRONMENT = "environment", _("环")


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("纠正措施")
    PREVENTIVE = "preventive", _("预防措施")


class ActionStatus(models.TextChoices):
    """QA-3: a measure is done by its owner, then verified; not effective, it opens again."""

    OPEN = "open", _("进行中")
    DONE = "done", _("已完成待验证")
    VERIFIED = "verified", _("已验证有效")

    @property
    def colour(self) -> str:
        return {"open": "amber", "done": "blue", "verified": "green"}[self.value]


class NoticeStatus(models.TextChoices):
    """A written rectification notice is issued, then closed with its result (QA-2: tracked to closure).
    Overdue is not a status: it is read from the notice's deadline and the clock."""

    ISSUED = "issued", _("整改中")
    CLOSED = "closed", _("已完成")

    @property
    def colour(self) -> str:
        return {"issued": "amber", "closed": "green"}[self.value]


class RecipientKind(models.TextChoices):
    """Whom a notice is addressed to: one of the office's staff (a repair technician, RC-5), or someone
    outside it named on the paper — an owner or renovator (RN-7), a contractor or the developer (MI-4)."""

    STAFF = "staff", _("本处人员")
    PERSON = "person", _("个人")
    CONTRACTOR = "contractor", _("施工/承包单位")
