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


class SurveyKind(models.TextChoices):
    EVALUATION = "evaluation", _("季度业户评议")  # SV-1
    QUESTIONNAIRE = "questionnaire", _("半年度问卷调查")  # SV-2


class SurveyStatus(models.TextChoices):
    """A survey's states; what moves between them is the machine on `models.Survey`."""

    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("回收中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("结果已公布")

    @property
    def colour(self) -> str:
        return {"draft": "grey", "issued": "amber", "closed": "green", "published": "green"}[self.value]


class Answer(models.TextChoices):
    """One item's mark on a returned sheet; blank and multiple are abstentions (SV-3)."""

    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    BLANK = "blank", _("未填（弃权）")
    MULTIPLE = "multiple", _("多选（弃权）")


class Channel(models.TextChoices):
    PAPER = "paper", _("纸质录入")
    PORTAL = "portal", _("业主在线填写")
    IMPORT = "import", _("Excel 导入")
