"""Follow-up pages of the service desk: callbacks (RC-4, RC-9) and "what is due" (DESIGN.md §4).
The written notice after an unsatisfied callback (RC-5) and the office manager's spot check of
callbacks (RC-4) are pages of the quality app.

Thin views: lists declare their queryset; action pages hand a form to one service and show a
ServiceError beside the field. A row of another community is a 404 (DESIGN.md §1).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock, duties, workdays
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import DeadlineState
from guanjia.core.periods import MONTH, Period
from guanjia.core.policies import policy
from guanjia.core.roles import Role

from . import selectors
from .choices import CallbackMethod, Kind, Severity
from .models import Callback
from .services import awaiting_notice, callback_record
from .services.rectifications import ISSUE_PERMISSION, SOURCE, attach_issue_due

YES_NO = [("1", gettext_lazy("是")), ("0", gettext_lazy("否"))]


def _to_bool(value) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _query_string(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


# --- Forms -----------------------------------------------------------------------------------


class CallbackFilterForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    method = forms.ChoiceField(
        label=gettext_lazy("回访方式"), required=False, choices=[("", gettext_lazy("全部"))] + CallbackMethod.choices
    )
    satisfied = forms.ChoiceField(
        label=gettext_lazy("回访结果"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("1", gettext_lazy("满意")), ("0", gettext_lazy("不满意"))],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("工单类别"),
        required=False,
        choices=[("", gettext_lazy("全部")), (Kind.REPAIR, Kind.REPAIR.label), (Kind.COMPLAINT, Kind.COMPLAINT.label)],
    )


class CallbackRecordForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("回访方式"), choices=[("", "---------")] + CallbackMethod.choices, required=False
    )
    satisfied = forms.ChoiceField(
        label=gettext_lazy("业主是否满意"),
        choices=[("1", gettext_lazy("满意")), ("0", gettext_lazy("不满意"))],
        widget=forms.RadioSelect(attrs={"style": "width: auto"}),
        error_messages={"required": gettext_lazy("请选择业主是否满意。")},
    )
    remarks = forms.CharField(
        label=gettext_lazy("回访意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("不满意时必填：写明业主反映的问题，将作为整改通知书的“存在问题”。"),
    )


# --- Callbacks (RC-4, RC-9) ------------------------------------------------------------------

CALLBACK_TABS = [
    ("today", gettext_lazy("今日到期")),
    ("overdue", gettext_lazy("已超时")),
    ("upcoming", gettext_lazy("待回访")),
    ("done", gettext_lazy("已回访")),
]


def _callback_tab_filters(now: dt.datetime) -> dict[str, Q]:
    _start, end = selectors.day_bounds(now)
    pending = Q(done_at__isnull=True, skipped=False)
    return {
        "today": pending & Q(due_at__gte=now, due_at__lte=end),  # up to 24:00 (selectors.day_bounds)
        "overdue": pending & Q(due_at__lt=now),
        "upcoming": pending & Q(due_at__gt=end),
        "done": Q(done_at__isnull=False),
    }


class CallbackListView(StaffMixin, ListView):
    """回访: due today / overdue / upcoming / done, with the month's callback counts."""

    action = "servicedesk.view"
    template_name = "servicedesk/followup_callbacks.html"
    paginate_by = 50
    context_object_name = "callbacks"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = clock.now()
        self.filters = CallbackFilterForm(request.GET or None)
        self.filters.is_valid()
        self.tab = request.GET.get("tab") if request.GET.get("tab") in dict(CALLBACK_TABS) else "today"

    def filtered(self):
        """Callbacks of the current community after the filters, before the tab."""
        data = getattr(self.filters, "cleaned_data", {})
        # AR-4: callbacks name the caller; a technician sees only those of his own jobs.
        queryset = selectors.visible_tickets(
            self.in_community(Callback.objects.all()), self.request.user, via="ticket__"
        )
        if data.get("month"):
            month = Period.parse(data["month"], MONTH) or Period.of(MONTH, self.now)
            queryset = queryset.filter(selectors.month_due_filter(month))
        if data.get("method"):
            queryset = queryset.filter(method=data["method"])
        if data.get("satisfied") in ("0", "1"):
            queryset = queryset.filter(satisfied=_to_bool(data["satisfied"]))
        if data.get("kind"):
            queryset = queryset.filter(ticket__kind=data["kind"])
        return queryset

    def get_queryset(self):
        tab_filter = _callback_tab_filters(self.now)[self.tab]
        order = ["-done_at", "-id"] if self.tab == "done" else ["due_at", "id"]
        return self.filtered().filter(tab_filter).select_related("ticket", "ticket__room", "done_by").order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, community = self.request.user, self.request.community
        counts = self.filtered().aggregate(
            **{key: Count("id", filter=q) for key, q in _callback_tab_filters(self.now).items()}
        )
        chosen = getattr(self.filters, "cleaned_data", {}).get("month")
        month = Period.parse(chosen, MONTH) or Period.of(MONTH, self.now)
        for callback in context["callbacks"]:
            callback.state_label, callback.state_colour = _callback_state(callback, self.now)
            callback.due_label = workdays.deadline_text(callback.due_at)
            callback.role_label = Role(callback.owner_role).label if callback.owner_role in Role.values else ""
        context.update(
            filters=self.filters,
            tab=self.tab,
            tabs=[(key, label, counts[key]) for key, label in CALLBACK_TABS],
            tab_query=_query_string(self.request, "tab"),
            query_string=_query_string(self.request),
            month=month.start,
            rate=selectors.callback_rate(community, month, self.now),
            may_record=has_perm(user, "servicedesk.callback", community),
            may_record_major=has_perm(user, "servicedesk.callback_major", community),
            MAJOR=Severity.MAJOR,
        )
        return context


def _callback_state(callback: Callback, now: dt.datetime) -> tuple[str, str]:
    if callback.skipped:
        return _("未抽中"), "grey"
    if callback.done_at:
        if callback.done_at > callback.due_at:
            return _("超时回访"), "red"
        return _("已回访"), "green"
    if callback.due_at < now:
        return _("已超时"), "red"
    return _("待回访"), "amber"


class CallbackRecordView(ActionView):
    """Record one callback: method, satisfied or not, remarks → callback_record (RC-4, RC-5, RC-9)."""

    model = Callback
    action = "servicedesk.callback"
    template_name = "servicedesk/followup_callback_record.html"
    form_class = CallbackRecordForm

    def get_queryset(self):
        return Callback.objects.select_related("ticket", "ticket__room", "ticket__technician", "community")

    def get_initial(self) -> dict:
        return {"method": CallbackMethod.PHONE}

    def refusal(self) -> ServiceError | None:
        callback = self.get_object()
        # RC-9: a major complaint's callback is the office manager's own.
        if callback.ticket.severity == Severity.MAJOR and not has_perm(
            self.request.user, "servicedesk.callback_major", callback.community
        ):
            return Forbidden("forbidden", _("重大投诉由管理处经理组织回访（RC-9）。"))
        if callback.done_at or callback.skipped:
            return Conflict("callback_done", _("该回访已完成。"))
        return None

    def refused(self, error: ServiceError):
        if error.code == "callback_done":  # nothing left to record: to the done callbacks
            messages.info(self.request, str(error.message))
            return redirect(f"{reverse('servicedesk:callbacks')}?tab=done")
        return super().refused(error)

    def perform(self, form):
        data = form.cleaned_data
        return callback_record(
            callback=self.get_object(),
            actor=self.request.user,
            method=data["method"],
            satisfied=data["satisfied"] == "1",
            remarks=data["remarks"],
        )

    def succeeded(self, callback):
        if awaiting_notice(callback):  # RC-5: the written notice is owed within 24 hours
            due = workdays.deadline_text(attach_issue_due([callback])[0].issue_due)
            if has_perm(self.request.user, ISSUE_PERMISSION, callback.community):
                messages.warning(self.request, _("回访不满意：请于 %(due)s 前下达整改通知书。") % {"due": due})
                return redirect("quality:notice_issue", SOURCE, callback.pk)
            messages.warning(self.request, _("回访不满意：已通知客服主管于 %(due)s 前下达整改通知书。") % {"due": due})
            return redirect("servicedesk:callbacks")
        messages.success(self.request, _("已记录回访 %(n)s。") % {"n": callback.ticket.number})
        return redirect("servicedesk:callbacks")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        callback = self.get_object()
        callback.due_label = workdays.deadline_text(callback.due_at)
        context.update(
            callback=callback,
            ticket=callback.ticket,
            rectify_hours=policy(callback.community, "RC-5.hours"),
            fix_days=policy(callback.community, "RC-5.fix_days"),
        )
        return context


# --- What is due (DESIGN.md §4) ------------------------------------------------------------

DUE_TABS = [
    ("today", gettext_lazy("今日到期")),
    ("overdue", gettext_lazy("已超时")),
    ("met", gettext_lazy("本月已完成")),
]
DUE_SCOPES = [("mine", gettext_lazy("我的")), ("office", gettext_lazy("本管理处"))]


class DueView(StaffMixin, ListView):
    """到期事项: what is due today, overdue, and met this month — for me or for the whole office."""

    action = "servicedesk.view"
    template_name = "servicedesk/followup_due.html"
    paginate_by = 50
    context_object_name = "deadlines"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = clock.now()
        self.tab = request.GET.get("tab") if request.GET.get("tab") in dict(DUE_TABS) else "today"
        self.scope = request.GET.get("scope") if request.GET.get("scope") in dict(DUE_SCOPES) else "mine"

    def base(self):
        pick = selectors.my_deadlines if self.scope == "mine" else selectors.office_deadlines
        return pick(self.request.user, self.request.community)

    def get_queryset(self):
        duties.duties_open([self.request.community], now=self.now)  # a duty owed is listed even if no job ran
        base = self.base()
        if self.tab == "today":
            queryset = selectors.due_today(base, self.now)
        elif self.tab == "overdue":
            queryset = selectors.overdue(base, self.now)
        else:
            queryset = selectors.met_in_month(base, self.now).order_by("-met_at", "-id")
        return queryset.with_state(self.now).select_related("owner", "met_by", "community")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.attach_links(context["deadlines"])
        for d in rows:
            state = DeadlineState(d.state)
            d.state_label, d.state_colour = state.label, state.colour
            d.due_label = workdays.deadline_text(d.due_at)
            d.owner_label = (
                (d.owner.get_full_name() or d.owner.username)
                if d.owner_id
                else (Role(d.owner_role).label if d.owner_role else "")
            )
        context.update(
            rows=rows,
            tab=self.tab,
            scope=self.scope,
            counts=selectors.due_counts(self.base(), self.now),
            tabs=DUE_TABS,
            scopes=DUE_SCOPES,
            now=self.now,
            query_string=_query_string(self.request),
        )
        return context


class DuePanelView(StaffMixin, TemplateView):
    """The dashboard panel (loaded by htmx): my due-today and overdue counts, and the office's overdue."""

    action = "servicedesk.view"
    template_name = "servicedesk/followup_due_panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, community = self.request.user, self.request.community
        now = clock.now()
        duties.duties_open([community], now=now)
        mine = selectors.due_counts(selectors.my_deadlines(user, community), now)
        office_overdue = selectors.overdue(selectors.office_deadlines(user, community), now).count()
        context.update(mine=mine, office_overdue=office_overdue)
        return context
