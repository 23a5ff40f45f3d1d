"""Visits to households (VS-1 … VS-5): the 业户访问记录 / 拜访客户工作情况表."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from guanjia.core import clock, periods
from guanjia.core.models import CommunityOwned
from guanjia.core.periods import Period
from guanjia.core.scoping import TenantQuerySet
from guanjia.core.topics import Topic
from guanjia.core.transitions import allowed, ui
from guanjia.core.validators import LONG_TEXT_MAX, TEXT_MAX, event_date, long_text_length, text_length

from .choices import Answer, Channel, SurveyKind, SurveyStatus, VisitForm


class Visit(CommunityOwned):
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, related_name="visits", verbose_name=_("房屋（户）")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("拜访人")
    )
    form = models.CharField(_("拜访形式"), max_length=20, choices=VisitForm.choices)  # VS-2
    visited_at = models.DateTimeField(_("拜访时间"), validators=[event_date])
    appointment_at = models.DateTimeField(
        _("预约时间"), null=True, blank=True, validators=[event_date]
    )  # VS-2: home visits
    # The SV-7 topic axis (core.topics.Topic), several per visit.
    topics = models.JSONField(_("涉及事项"), default=list, blank=True)
    opinions = models.TextField(_("业户意见"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    signed = models.BooleanField(_("业户已签名"), default=False)  # VS-3
    signature_refused = models.BooleanField(_("业户拒绝签名"), default=False)  # VS-3
    feedback_owed = models.BooleanField(_("需要反馈"), default=False)  # VS-4
    feedback_given_at = models.DateTimeField(_("反馈时间"), null=True, blank=True, validators=[event_date])
    feedback = models.TextField(_("反馈内容"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    beyond_authority = models.BooleanField(_("超出管理处权限（报公司投诉中心）"), default=False)  # VS-5
    is_callback = models.BooleanField(_("回访（不计入拜访指标）"), default=False)  # VS-1
    key_customer = models.BooleanField(_("重点客户访谈"), default=False)  # VS-6
    measures = models.TextField(
        _("改进措施"), blank=True, max_length=TEXT_MAX, validators=[text_length]
    )  # VS-6: a written record and measures
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("转报事工单"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("业户拜访")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["community", "visited_at"], name="visit_comm_at"),
            models.Index(fields=["room", "visited_at"], name="visit_room_at"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} · {self.visited_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("engagement:visit", args=[self.pk])

    def clean(self):
        errors = {}
        if not isinstance(self.topics, list) or any(t not in Topic.values for t in self.topics):
            errors["topics"] = _("涉及事项不在规定的事项范围内。")
        if self.signed and self.signature_refused:
            errors["signed"] = _("业户签名与拒绝签名不能同时勾选。")
        if self.room_id and self.community_id and self.room.community_id != self.community_id:
            errors["room"] = _("房屋不属于本小区。")
        if errors:
            raise ValidationError(errors)

    @property
    def topic_labels(self) -> list[str]:
        return [str(Topic(t).label) for t in self.topics if t in Topic.values]

    @property
    def feedback_pending(self) -> bool:
        return self.feedback_owed and self.feedback_given_at is None


class VisitSummary(CommunityOwned):
    """The month's visits summarised for the director by the 5th (VS-5).

    `submitted_at` is when the version now with the director (or approved by him) was sent; a
    return clears it, so the text can be revised and sent again. Every sending is an approval of
    the "VS-5.summary" chain (core.approvals); whether the month's duty was met on time is its
    Deadline row (core.duties)."""

    month = models.DateField(_("月份"))  # first day of the month
    text = models.TextField(_("汇总意见"), blank=True, max_length=LONG_TEXT_MAX, validators=[long_text_length])
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("月度拜访汇总")
        constraints = [models.UniqueConstraint(fields=["community", "month"], name="uniq_visit_summary_month")]

    def __str__(self) -> str:
        return f"{self.community_id} · {self.month:%Y-%m}"

    @property
    def period(self) -> Period:
        return Period.of(periods.MONTH, self.month)


def survey_period_kind(kind: str) -> str:
    """A quarterly evaluation is for a quarter (SV-1), a questionnaire for a half-year (SV-2)."""
    return periods.QUARTER if kind == SurveyKind.EVALUATION else periods.HALF_YEAR


def survey_period(kind: str, year: int, number: int) -> Period | None:
    """The calendar period of a survey's (year, number): 2026 / 4 → 2026-Q4; None if there is none."""
    letter = "Q" if kind == SurveyKind.EVALUATION else "H"
    return Period.parse(f"{year}-{letter}{number}", survey_period_kind(kind))


def survey_period_number(period: Period) -> int:
    """The number a survey stores for its period: the quarter or the half ("2026-Q4" → 4)."""
    return int(period.key[-1])


class SurveyQuerySet(TenantQuerySet):
    """The states lists ask for, named once next to the machine that moves surveys between them."""

    def collecting(self):
        """Handed out and not yet closed: answers are taken (SV-3)."""
        return self.filter(status=SurveyStatus.ISSUED)

    def handed_out(self):
        """Every survey whose forms have gone to households."""
        return self.exclude(status=SurveyStatus.DRAFT)

    def published(self):
        return self.filter(status=SurveyStatus.PUBLISHED)


MANAGE = allowed("engagement.survey_manage")
# What a draft alone may have changed (SV-1, SV-2: the forms that went out are the survey's record).
NOT_DRAFT = _("问卷已发放，不能再修改评议项目或发放对象。")


def _items_initial(survey) -> dict:
    from .forms_surveys import items_as_text  # the forms import the models

    return {"items": items_as_text(survey.items.all())}


def _issue_initial(survey) -> dict:
    from .surveys import proposed_issue_date  # the services import the models

    return {"issued_on": proposed_issue_date(survey.community, survey.kind, survey.year, survey.period)}


def _top_up_refused(survey) -> str:
    if survey.is_draft:
        return _("问卷尚未发放：请重新确定发放对象。")
    return _("只有回收中的问卷可以补发。")


class Survey(ConcurrentTransitionMixin, CommunityOwned):
    """A quarterly evaluation 业户评议 (SV-1) or a half-yearly questionnaire 问卷调查 (SV-2)."""

    kind = models.CharField(_("类型"), max_length=20, choices=SurveyKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.PositiveSmallIntegerField(_("期次"))  # quarter 1–4 (SV-1) or half 1–2 (SV-2)
    title = models.CharField(_("标题"), max_length=100)
    status = FSMField(
        _("状态"), max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT, protected=True
    )
    issued_on = models.DateField(_("发放日期"), null=True, blank=True)
    collect_until = models.DateTimeField(_("回收截止"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止回收时间"), null=True, blank=True)
    results_published_at = models.DateTimeField(_("统计结果公布时间"), null=True, blank=True)
    measures_published_at = models.DateTimeField(_("整改措施公布时间"), null=True, blank=True)
    conclusion = models.TextField(_("分析结论"), blank=True, max_length=LONG_TEXT_MAX, validators=[long_text_length])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("业户评议/问卷")
        ordering = ["-year", "-period", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind", "year", "period"], name="uniq_survey_period")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement:survey", args=[self.pk])

    # SV-1 … SV-6, all the state rules of a survey (DESIGN.md §16): a draft is set up (items, the
    # draw) and handed out; while it collects, forms may be added for new households; collection
    # is closed, then the results are published. Pages offer get_available_user_status_transitions
    # (core.transitions.offers); the services in `surveys` check the same transition and fire it.
    S = SurveyStatus

    @transition(
        field=status,
        source=S.DRAFT,
        target=None,
        permission=MANAGE,
        custom=ui(
            _("保存评议项目"),
            verb=_("修改评议项目"),
            form="guanjia.engagement.forms_surveys.SurveyItemsForm",
            initial=_items_initial,
            done=_("评议项目已保存。"),
            refused=NOT_DRAFT,
        ),
    )
    def set_items(self):
        pass

    @transition(
        field=status,
        source=S.DRAFT,
        target=None,
        permission=MANAGE,
        custom=ui(_("确定发放对象"), refused=NOT_DRAFT),
    )
    def draw(self):
        pass

    @transition(
        field=status,
        source=S.DRAFT,
        target=S.ISSUED,
        permission=MANAGE,
        custom=ui(
            _("发放"),
            form="guanjia.engagement.forms_surveys.SurveyIssueForm",
            initial=_issue_initial,
            refused=NOT_DRAFT,
        ),
    )
    def issue(self):
        pass

    @transition(
        field=status,
        source=S.ISSUED,
        target=None,
        permission=MANAGE,
        custom=ui(_("补发"), verb=_("补发问卷"), refused=_top_up_refused),
    )
    def top_up(self):
        pass

    @transition(
        field=status,
        source=S.ISSUED,
        target=S.CLOSED,
        permission=MANAGE,
        custom=ui(_("截止回收"), done=_("已截止回收。"), refused=_("只有回收中的问卷可以截止回收。")),
    )
    def close(self):
        pass

    @transition(
        field=status,
        source=S.CLOSED,
        target=S.PUBLISHED,
        permission=MANAGE,
        custom=ui(
            _("公布统计结果"),
            form="guanjia.engagement.forms_surveys.SurveyPublishForm",
            initial=lambda survey: {"conclusion": survey.conclusion},
            done=_("统计结果已公布。"),
            refused=_("请先截止回收，再公布统计结果。"),
        ),
    )
    def publish_results(self):
        pass

    del S

    @property
    def is_draft(self) -> bool:
        """Still being set up: nothing has gone to households."""
        return self.status == SurveyStatus.DRAFT

    @property
    def accepts_answers(self) -> bool:
        """Collecting (SV-3): forms are entered, imported and answered online."""
        return self.status == SurveyStatus.ISSUED

    @property
    def is_interim(self) -> bool:
        """Its figures may still change (中期数据): collection has not been closed."""
        return self.status in (SurveyStatus.DRAFT, SurveyStatus.ISSUED)

    @property
    def is_published(self) -> bool:
        return self.status == SurveyStatus.PUBLISHED

    @property
    def status_colour(self) -> str:
        return SurveyStatus(self.status).colour

    @property
    def calendar_period(self) -> Period:
        """The quarter (SV-1) or half-year (SV-2) the survey is for."""
        return survey_period(self.kind, self.year, self.period)


class SurveyItem(models.Model):
    """One question; by default one per SV-7 topic, so surveys and complaints share an axis."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("评议项目"), max_length=100)
    topic = models.CharField(_("对应事项"), max_length=30, choices=Topic.choices, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="uniq_survey_item_pos")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveySheet(CommunityOwned):
    """The form issued to one household; `returned_at` once its answers are in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sheets")
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="survey_sheets")
    number = models.PositiveIntegerField(_("表号"))
    returned_at = models.DateTimeField(_("回收时间"), null=True, blank=True)
    channel = models.CharField(_("回收方式"), max_length=10, choices=Channel.choices, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suggestions = models.TextField(_("意见和建议"), blank=True, max_length=TEXT_MAX, validators=[text_length])

    class Meta:
        verbose_name = verbose_name_plural = _("问卷表")
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "room"], name="uniq_sheet_room"),
            models.UniqueConstraint(fields=["survey", "number"], name="uniq_sheet_number"),
        ]
        indexes = [
            models.Index(fields=["survey", "returned_at"], name="sheet_survey_returned"),
            models.Index(fields=["room", "survey"], name="sheet_room_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.number}"


class SheetDraft(models.Model):
    """The answers an owner has given so far in the portal, kept as they go so that a reload or a
    later visit finds them. Never counted: only the submitted sheet is returned (SV-2, SV-3)."""

    sheet = models.OneToOneField(SurveySheet, on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(_("已选答案"), default=dict, blank=True)  # {"<item id>": "satisfied" | …}
    suggestions = models.TextField(_("意见和建议"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    saved_at = models.DateTimeField(_("保存时间"), default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("问卷草稿")

    def __str__(self) -> str:
        return f"{self.sheet_id} · {self.saved_at:%Y-%m-%d %H:%M}"


class SurveyAnswer(models.Model):
    """One item's mark on a returned sheet. `survey` is repeated so the statistics are one
    index-only GROUP BY (survey, item, choice) even at 20,000 sheets."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    sheet = models.ForeignKey(SurveySheet, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=12, choices=Answer.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="uniq_answer_sheet_item")]
        indexes = [models.Index(fields=["survey", "item", "choice"], name="answer_survey_item_choice")]

    def __str__(self) -> str:
        return f"{self.sheet_id} · {self.item_id}: {self.choice}"
