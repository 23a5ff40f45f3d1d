"""The service desk (RC-1 … RC-11, IC-3): tickets, callbacks, rectification notices, the call log."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.topics import Topic

from .choices import CallbackMethod, Channel, Kind, RepairCategory, ServiceCategory, Severity, Status

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}


class Ticket(ConcurrentTransitionMixin, CommunityOwned):
    """One request from a household or found by staff: consultation, repair, complaint, … (RC-1)."""

    number = models.CharField(_("工单号"), max_length=30, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("维修类别"), max_length=20, choices=RepairCategory.choices, blank=True)
    topic = models.CharField(_("投诉事项"), max_length=30, choices=Topic.choices, blank=True)
    severity = models.CharField(_("投诉级别"), max_length=10, choices=Severity.choices, blank=True)
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("房屋")
    )
    area = models.CharField(_("公共区域"), max_length=100, blank=True, help_text=_("楼栋、电梯、车库、花园等"))
    reporter = models.ForeignKey(
        "estates.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("报事人"),
    )
    reporter_name = models.CharField(_("联系人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("内容"))
    special_service = models.BooleanField(_("特约服务"), default=False)  # SS-2
    paid = models.BooleanField(_("有偿服务"), default=False)
    price = models.DecimalField(_("报价(元)"), **MONEY)
    service_item = models.ForeignKey(
        "ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("特约服务项目"),
    )  # SS-2: the price-list line the price came from

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED, protected=True)
    received_at = models.DateTimeField(_("受理时间"))
    received_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # When the clocks start: the reception time, or the next opening time outside hours (RC-2).
    clock_starts_at = models.DateTimeField(_("计时起点"))

    technician = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repair_tickets",
        verbose_name=_("维修人员"),
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    work_done = models.TextField(_("维修情况"), blank=True)
    materials = models.CharField(_("材料"), max_length=300, blank=True)
    charge = models.DecimalField(_("收费(元)"), **MONEY)
    checked_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    check_passed = models.BooleanField(_("验收合格"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("返修次数"), default=0)

    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    valid = models.BooleanField(_("有效投诉"), null=True, blank=True)  # RC-11

    owner_rating = models.PositiveSmallIntegerField(_("业主评分"), null=True, blank=True)
    owner_comment = models.CharField(_("业主评价"), max_length=300, blank=True)
    owner_confirmed_at = models.DateTimeField(_("业主确认时间"), null=True, blank=True)

    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工单")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-received_at"], name="ticket_comm_received"),
            # Company-wide lists (quality department, API) walk this in order instead of sorting 1M rows.
            models.Index(fields=["-received_at", "-id"], name="ticket_received"),
            models.Index(fields=["community", "status", "-received_at"], name="ticket_comm_status"),
            models.Index(fields=["community", "kind", "-received_at"], name="ticket_comm_kind"),
            models.Index(fields=["technician", "status"], name="ticket_technician"),
            models.Index(fields=["room", "-received_at"], name="ticket_room"),
            models.Index(fields=["reporter", "-received_at"], name="ticket_reporter"),
        ]

    def __str__(self) -> str:
        return self.number

    # Transitions (django-fsm): the services are the only callers; they check permission and input first.
    S = Status

    @transition(field=status, source=[S.RECEIVED, S.DISPATCHED], target=S.DISPATCHED)
    def dispatch(self):
        pass

    @transition(field=status, source=S.DISPATCHED, target=S.ARRIVED)
    def arrive(self):
        pass

    @transition(field=status, source=S.ARRIVED, target=S.COMPLETED)
    def complete(self):
        pass

    @transition(field=status, source=S.COMPLETED, target=S.CALLBACK)
    def pass_check(self):
        pass

    @transition(field=status, source=S.COMPLETED, target=S.DISPATCHED)
    def fail_check(self):
        pass

    @transition(field=status, source=S.RECEIVED, target=S.REPLIED)
    def answer(self):
        pass

    @transition(field=status, source=S.REPLIED, target=S.CALLBACK)
    def await_callback(self):
        pass

    @transition(field=status, source=[S.REPLIED, S.CALLBACK], target=S.CLOSED)
    def close(self):
        pass

    @transition(field=status, source=S.CALLBACK, target=S.RECEIVED)
    def reopen(self):
        pass

    @transition(field=status, source=[S.RECEIVED, S.DISPATCHED, S.ARRIVED], target=S.CANCELLED)
    def cancel(self):
        pass

    del S

    @property
    def is_repair(self) -> bool:
        return self.kind == Kind.REPAIR

    @property
    def is_complaint(self) -> bool:
        return self.kind == Kind.COMPLAINT


def photo_path(instance, filename: str) -> str:
    return f"tickets/{instance.community_id}/{instance.ticket_id}/{filename}"


class TicketPhoto(CommunityOwned):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=photo_path)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("工单照片")
        ordering = ["id"]


class Callback(CommunityOwned):
    """A follow-up call or visit after a repair or complaint (RC-4, RC-9)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("工单"))
    due_at = models.DateTimeField(_("应回访时间"))
    owner_role = models.CharField(_("负责岗位"), max_length=30, blank=True)
    method = models.CharField(_("回访方式"), max_length=20, choices=CallbackMethod.choices, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("回访人")
    )
    satisfied = models.BooleanField(_("满意"), null=True, blank=True)
    remarks = models.CharField(_("回访意见"), max_length=500, blank=True)
    skipped = models.BooleanField(_("未抽中"), default=False, help_text=_("特约服务抽样回访未抽中"))

    class Meta:
        verbose_name = verbose_name_plural = _("回访")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["community", "done_at", "due_at"], name="callback_comm_due"),
            models.Index(fields=["ticket"], name="callback_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} 回访"


class RectificationNotice(CommunityOwned):
    """整改通知书: written notice to the repair staff after a problem found at callback (RC-5)."""

    number = models.CharField(_("编号"), max_length=30, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("工单"))
    callback = models.OneToOneField(
        Callback, on_delete=models.PROTECT, null=True, blank=True, related_name="rectification", verbose_name=_("回访")
    )
    technician = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("整改人")
    )
    problem = models.TextField(_("存在问题"))
    requirement = models.TextField(_("整改要求"), blank=True)
    issued_at = models.DateTimeField(_("下达时间"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("下达人"))
    due_at = models.DateTimeField(_("整改期限"))
    closed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.TextField(_("整改结果"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("整改通知书")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["community", "closed_at", "due_at"], name="rectification_comm_due")]

    def __str__(self) -> str:
        return self.number


class CallLog(CommunityOwned):
    """来电来访记录表 (IC-3): calls and visits that are only information; outside information marked *."""

    at = models.DateTimeField(_("时间"))
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    caller = models.CharField(_("来电/来访人"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    room = models.ForeignKey("estates.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    content = models.TextField(_("内容"))
    outside = models.BooleanField(_("外来信息(*)"), default=False)
    handling = models.CharField(_("处理情况"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("来电来访记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "-at"], name="calllog_comm_at")]


class CallbackSpotCheck(CommunityOwned):
    """The office manager's monthly random spot check of callbacks (RC-4)."""

    month = models.DateField(_("月份"))
    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="spot_checks")
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=clock.now, editable=False)
    checked_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)
    genuine = models.BooleanField(_("回访属实"), null=True, blank=True)
    note = models.CharField(_("抽查意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("回访抽查")
        ordering = ["month", "id"]
        constraints = [models.UniqueConstraint(fields=["month", "callback"], name="uniq_spot_check")]


class ComplaintSummary(CommunityOwned):
    """The monthly complaint summary for owners (RC-10): approved by the office manager, published by the 5th.

    What is published never names a room or a person (LW-1)."""

    month = models.DateField(_("月份"))
    stats = models.JSONField(_("统计"), default=dict)
    explanation = models.TextField(_("未能解决事项说明"), blank=True)
    prepared_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=clock.now, editable=False)
    approved_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("月度投诉汇总")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["community", "month"], name="uniq_complaint_summary")]


class ServiceItem(CommunityOwned):
    """One line of the public price list of special services 特约服务 (SS-2; RC-2 "fee standards are public")."""

    name = models.CharField(_("服务项目"), max_length=100)
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    free = models.BooleanField(_("免费"), default=False)
    price = models.DecimalField(_("收费标准(元)"), max_digits=10, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("计价单位"), max_length=20, blank=True, help_text=_("如：次、小时、㎡"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    active = models.BooleanField(_("公示中"), default=True)
    ordering = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("特约服务项目")
        ordering = ["ordering", "category", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="uniq_service_item_name")]
        indexes = [models.Index(fields=["community", "active", "ordering"], name="service_item_comm_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        # SS-2: a paid item carries its public price; a free one none.
        if self.free:
            self.price = None
        elif self.price is None:
            raise ValidationError({"price": _("有偿服务项目须填写收费标准。")})
        elif self.price < 0:
            raise ValidationError({"price": _("收费标准不能为负数。")})
