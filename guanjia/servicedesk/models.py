"""The service desk (RC-1 … RC-11, IC-3): tickets, callbacks, the call log, complaint summaries, the price list.
Rectification notices (RC-5) and the manager's spot checks (RC-4) are the quality app's."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from guanjia.core import clock
from guanjia.core.access import is_staff_member
from guanjia.core.models import CommunityOwned
from guanjia.core.topics import Topic
from guanjia.core.transitions import SYSTEM, allowed, allowed_if, requires, ui
from guanjia.core.validators import LONG_TEXT_MAX, TEXT_MAX, event_date, long_text_length, text_length

from .choices import CallbackMethod, Channel, Kind, RepairCategory, ServiceCategory, Severity, Status

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}


# --- What the ticket's transitions say (DESIGN.md §16) -------------------------------------------
# Business rules of the transitions, each with the message refusing it.
_REPAIRS_ONLY = requires(lambda t: t.kind == Kind.REPAIR, _("只有报修工单需要派单。"))
_NOT_A_REPAIR = requires(lambda t: t.kind != Kind.REPAIR, _("报修工单请派单处理。"))
_COMPLAINTS_ONLY = requires(lambda t: t.kind == Kind.COMPLAINT, _("只有投诉可以升级为重大投诉。"))
_NOT_YET_MAJOR = requires(
    lambda t: t.severity != Severity.MAJOR, _("该投诉已是重大投诉。"), code="already_major", status=409
)
_WORK_DONE = requires(lambda t: t.completed_at is not None, _("工单完工后才能确认评价。"), code="bad_state", status=409)
_NOT_YET_RATED = requires(
    lambda t: t.owner_confirmed_at is None, _("您已评价过该工单。"), code="already_confirmed", status=409
)


def _of_the_household(ticket, user) -> bool:
    """The owner, tenant or resident of the ticket's home, signed in to the portal (staff rate nothing)."""
    if ticket.room_id is None or is_staff_member(user):
        return False
    from guanjia.estates.selectors import household_people

    return any(person.user_id == user.pk for person in household_people(ticket.room))


def _reply_title(ticket) -> str:
    if ticket.kind != Kind.COMPLAINT:
        return _("答复并关闭")
    from guanjia.core.policies import policy

    return _("答复投诉（%(h)s小时内，RC-3）") % {"h": policy(ticket.community, "RC-3.reply_hours")}


_CHECK = ui(
    _("提交验收结果"),
    action="check",
    title=_("验收"),
    verb=_("验收"),
    form="guanjia.servicedesk.forms.CheckForm",
    done=_("已登记验收结果。"),
)


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
    description = models.TextField(_("内容"), max_length=TEXT_MAX, validators=[text_length])
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
    received_at = models.DateTimeField(_("受理时间"), validators=[event_date])
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
    work_done = models.TextField(_("维修情况"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    materials = models.CharField(_("材料"), max_length=300, blank=True)
    charge = models.DecimalField(_("收费(元)"), **MONEY)
    checked_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    check_passed = models.BooleanField(_("验收合格"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("返修次数"), default=0)

    reply = models.TextField(_("答复内容"), blank=True, max_length=TEXT_MAX, validators=[text_length])
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

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:ticket", args=[self.pk])

    # The ticket's state rules, all of them (DESIGN.md §16): the states each action starts from, its
    # business conditions, who may take it (the role's action in the ticket's community) and what the
    # ticket page shows for it. Pages and the API offer get_available_user_status_transitions(user);
    # the services check the same transition (core.transitions.check) and fire it. Pressed in the
    # order declared here. `SYSTEM`: the consequence of another action, never a button.
    S = Status

    @transition(
        field=status,
        source=[S.RECEIVED, S.DISPATCHED],  # dispatching again reassigns the repair
        target=S.DISPATCHED,
        conditions=[_REPAIRS_ONLY],
        permission=allowed("servicedesk.dispatch"),
        custom=ui(
            lambda t: _("改派") if t.technician_id else _("派单"),
            title=_("派单"),
            verb=_("派单"),
            form="guanjia.servicedesk.forms.DispatchForm",
            form_kwargs=("community",),
            initial=lambda t: {"technician": t.technician_id},
            done=_("已派单。"),
        ),
    )
    def dispatch(self):
        pass

    @transition(
        field=status,
        source=S.DISPATCHED,
        target=S.ARRIVED,
        permission=allowed("servicedesk.work"),
        custom=ui(_("登记到场"), title=_("维修人员到场"), done=_("已登记到场。")),
    )
    def arrive(self):
        pass

    @transition(
        field=status,
        source=S.ARRIVED,
        target=S.COMPLETED,
        permission=allowed("servicedesk.work"),
        custom=ui(
            _("登记完工"), title=_("完工登记"), form="guanjia.servicedesk.forms.CompleteForm", done=_("已登记完工。")
        ),
    )
    def complete(self):
        pass

    @transition(
        field=status, source=S.COMPLETED, target=S.CALLBACK, permission=allowed("servicedesk.check"), custom=_CHECK
    )
    def pass_check(self):
        pass

    @transition(
        field=status, source=S.COMPLETED, target=S.DISPATCHED, permission=allowed("servicedesk.check"), custom=_CHECK
    )
    def fail_check(self):
        pass

    @transition(
        field=status,
        source=S.RECEIVED,
        target=S.REPLIED,
        conditions=[_NOT_A_REPAIR],
        permission=allowed("servicedesk.reply"),
        custom=ui(
            _("提交答复"),
            action="reply",
            title=_reply_title,
            verb=_("答复"),
            form="guanjia.servicedesk.forms.ReplyForm",
            done=_("已答复。"),
        ),
    )
    def answer(self):
        pass

    @transition(field=status, source=S.REPLIED, target=S.CALLBACK, permission=SYSTEM, custom=ui(_("转入回访")))
    def await_callback(self):
        pass

    @transition(field=status, source=[S.REPLIED, S.CALLBACK], target=S.CLOSED, permission=SYSTEM, custom=ui(_("关闭")))
    def close(self):
        pass

    @transition(field=status, source=S.CALLBACK, target=S.RECEIVED, permission=SYSTEM, custom=ui(_("重新办理")))
    def reopen(self):
        pass

    @transition(
        field=status,
        source=[S.RECEIVED, S.REPLIED, S.CALLBACK],
        target=None,  # RC-7: the complaint stays where it is, the office manager takes it over
        conditions=[_COMPLAINTS_ONLY, _NOT_YET_MAJOR],
        permission=allowed("servicedesk.reply"),
        custom=ui(
            _("升级"),
            title=_("升级为重大投诉（RC-7，由管理处经理处理）"),
            verb=_("升级为重大投诉"),
            button="danger",
            done=_("已升级为重大投诉，已通知管理处经理。"),
        ),
    )
    def escalate(self):
        pass

    @transition(
        field=status,
        source=[S.RECEIVED, S.DISPATCHED, S.ARRIVED],
        target=S.CANCELLED,
        permission=allowed("servicedesk.cancel"),
        custom=ui(_("取消工单"), button="plain", form="guanjia.servicedesk.forms.CancelForm", done=_("工单已取消。")),
    )
    def cancel(self):
        pass

    @transition(
        field=status,
        source=[S.COMPLETED, S.CALLBACK, S.CLOSED],
        target=None,  # the owner's rating changes no state
        conditions=[_WORK_DONE, _NOT_YET_RATED],
        permission=allowed_if(_of_the_household, _("您只能评价自己房屋的工单。")),
        custom=ui(_("评价"), action="owner_confirm", refused=_("工单完工后才能确认评价。")),
    )
    def rate(self):
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
    # RC-5: the written notice for a problem found at the callback is the quality app's; named by
    # label, so the desk reads it through the ORM without importing quality.
    rectification_notices = GenericRelation(
        "quality.RectificationNotice", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("回访")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["community", "done_at", "due_at"], name="callback_comm_due"),
            models.Index(fields=["ticket"], name="callback_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} 回访"


class CallLog(CommunityOwned):
    """来电来访记录表 (IC-3): calls and visits that are only information; outside information marked *."""

    at = models.DateTimeField(_("时间"), validators=[event_date])
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    caller = models.CharField(_("来电/来访人"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    room = models.ForeignKey("estates.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    content = models.TextField(_("内容"), max_length=TEXT_MAX, validators=[text_length])
    outside = models.BooleanField(_("外来信息(*)"), default=False)
    handling = models.CharField(_("处理情况"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("来电来访记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "-at"], name="calllog_comm_at")]


class ComplaintSummary(CommunityOwned):
    """The monthly complaint summary for owners (RC-10): approved by the office manager, published by the 5th.

    What is published never names a room or a person (LW-1)."""

    month = models.DateField(_("月份"))
    stats = models.JSONField(_("统计"), default=dict)
    explanation = models.TextField(
        _("未能解决事项说明"), blank=True, max_length=LONG_TEXT_MAX, validators=[long_text_length]
    )
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
