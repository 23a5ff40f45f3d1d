"""Rectification notices 整改通知书 in the console (RC-5): the callbacks still owed a notice, issuing one,
the notices being fixed, overdue and done, one notice with its close form, and the printed form.

RC-5 runs two clocks (see services.rectifications): the written notice within 24 hours of the callback
that found the problem (RC-5.issue), and the fix by the notice's own due date (RC-5.fix, by default
RC-5.fix_days days, which the issuer may change on each notice).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from guanjia.core import clock, workdays
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.models import Deadline
from guanjia.core.pdf import pdf_response
from guanjia.core.policies import policy

from .choices import Kind
from .models import Callback, RectificationNotice, Ticket
from .services import rectification_close, rectification_fix_due, rectification_issue
from .services.rectifications import ISSUE_PERMISSION

# --- Forms -----------------------------------------------------------------------------------


class RectificationIssueForm(forms.Form):
    problem = forms.CharField(
        label=gettext_lazy("存在问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("已按回访时业主反映的问题填写，可补充。"),
    )
    requirement = forms.CharField(
        label=gettext_lazy("整改要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("不填则为：按业主意见整改到位，经客服中心复核并再次回访。"),
    )
    fix_due = forms.DateField(
        label=gettext_lazy("整改期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入正确的日期。")},
    )


class RectificationCloseForm(forms.Form):
    result = forms.CharField(label=gettext_lazy("整改结果"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# --- Which callbacks still owe a notice (RC-5.issue) -------------------------------------------


def owing_notice(queryset):
    """Repair callbacks found unsatisfied whose written notice is not issued yet (RC-5)."""
    return queryset.filter(done_at__isnull=False, satisfied=False, ticket__kind=Kind.REPAIR, rectification__isnull=True)


def attach_issue_due(callbacks) -> list:
    """Set `.issue_due` (the pending RC-5.issue deadline of each callback's ticket), in one query."""
    callbacks = list(callbacks)
    ids = {str(c.ticket_id) for c in callbacks}
    rows = (
        Deadline.objects.pending()
        .filter(subject_type=ContentType.objects.get_for_model(Ticket), subject_id__in=ids, rule="RC-5.issue")
        .values_list("subject_id", "due_at")
    )
    due = dict(rows)
    for c in callbacks:
        c.issue_due = due.get(str(c.ticket_id))
    return callbacks


# --- The list ------------------------------------------------------------------------------------

NOTICE_TABS = [
    ("pending", gettext_lazy("待下达")),
    ("open", gettext_lazy("整改中")),
    ("overdue", gettext_lazy("已超时")),
    ("closed", gettext_lazy("已完成")),
]


def _notice_tab_filters(now: dt.datetime) -> dict[str, Q]:
    return {
        "open": Q(closed_at__isnull=True, due_at__gte=now),
        "overdue": Q(closed_at__isnull=True, due_at__lt=now),
        "closed": Q(closed_at__isnull=False),
    }


def _notice_state(notice: RectificationNotice, now: dt.datetime) -> tuple[str, str]:
    if notice.closed_at:
        if notice.closed_at > notice.due_at:
            return _("超时完成"), "red"
        return _("按时完成"), "green"
    if notice.due_at < now:
        return _("已超时"), "red"
    return _("整改中"), "amber"


class RectificationListView(StaffMixin, ListView):
    action = "servicedesk.view"
    template_name = "servicedesk/rectification_list.html"
    paginate_by = 50
    context_object_name = "notices"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = clock.now()
        self.tab = request.GET.get("tab") if request.GET.get("tab") in dict(NOTICE_TABS) else "open"

    def pending(self):
        return owing_notice(self.in_community(Callback.objects.all()))

    def get_queryset(self):
        if self.tab == "pending":
            return (
                self.pending()
                .select_related("ticket", "ticket__room", "ticket__technician", "done_by")
                .order_by("done_at", "id")
            )
        order = ["-closed_at", "-id"] if self.tab == "closed" else ["due_at", "id"]
        return (
            self.in_community(RectificationNotice.objects.all())
            .filter(_notice_tab_filters(self.now)[self.tab])
            .select_related("ticket", "ticket__room", "technician", "issued_by")
            .order_by(*order)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.in_community(RectificationNotice.objects.all()).aggregate(
            **{key: Count("id", filter=q) for key, q in _notice_tab_filters(self.now).items()}
        )
        counts["pending"] = self.pending().count()
        if self.tab == "pending":
            context["notices"] = attach_issue_due(context["notices"])
            for callback in context["notices"]:
                callback.is_late = bool(callback.issue_due and callback.issue_due < self.now)
        else:
            for notice in context["notices"]:
                notice.state_label, notice.state_colour = _notice_state(notice, self.now)
        context.update(
            tab=self.tab,
            tabs=[(key, label, counts[key]) for key, label in NOTICE_TABS],
            may_issue=has_perm(self.request.user, ISSUE_PERMISSION, self.request.community),
        )
        return context


# --- Issuing a notice (RC-5) ---------------------------------------------------------------------


class RectificationIssueView(StaffMixin, TemplateView):
    """下达整改通知书 for a callback found unsatisfied: the problem, the requirement, and the fix's due
    date (the RC-5.fix_days default, which the issuer may change) → rectification_issue."""

    action = ISSUE_PERMISSION
    template_name = "servicedesk/rectification_issue.html"

    def get_callback(self) -> Callback:
        callbacks = self.scoped(
            Callback.objects.select_related("community", "ticket", "ticket__room", "ticket__technician", "done_by")
        )
        return get_object_or_404(callbacks, pk=self.kwargs["pk"])

    def default_due(self, callback: Callback) -> dt.date:
        due = rectification_fix_due(callback.community, clock.now())
        return workdays.local_date(due - dt.timedelta(microseconds=1))  # 24:00 of this day

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        callback = kwargs["callback"]
        issue_due = attach_issue_due([callback])[0].issue_due
        context.update(
            callback=callback,
            ticket=callback.ticket,
            issue_due=issue_due,
            issue_late=bool(issue_due and issue_due < clock.now()),
            issue_hours=policy(callback.community, "RC-5.hours"),
            fix_days=policy(callback.community, "RC-5.fix_days"),
            form=kwargs.get("form")
            or RectificationIssueForm(initial={"problem": callback.remarks, "fix_due": self.default_due(callback)}),
        )
        return context

    def already(self, callback: Callback):
        """The notice already issued for this callback, or a callback that owes none: go elsewhere."""
        notice = RectificationNotice.objects.filter(callback=callback).only("pk").first()
        if notice is not None:
            messages.info(self.request, _("该回访的整改通知书已下达。"))
            return redirect("servicedesk:rectification", pk=notice.pk)
        if not (callback.ticket.is_repair and callback.done_at and callback.satisfied is False):
            messages.info(self.request, _("只有维修回访不满意时才下达整改通知书。"))
            return redirect("servicedesk:ticket", pk=callback.ticket_id)
        return None

    def get(self, request, *args, **kwargs):
        callback = self.get_callback()
        return self.already(callback) or self.render_to_response(self.get_context_data(callback=callback))

    def post(self, request, *args, **kwargs):
        callback = self.get_callback()
        gone = self.already(callback)
        if gone:
            return gone
        form = RectificationIssueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fix_due = data["fix_due"]
            try:
                notice = rectification_issue(
                    callback=callback,
                    actor=request.user,
                    problem=data["problem"],
                    requirement=data["requirement"],
                    fix_due=None if fix_due in (None, self.default_due(callback)) else fix_due,
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("已下达整改通知书 %(n)s，限 %(due)s 前整改完毕。")
                    % {"n": notice.number, "due": workdays.deadline_text(notice.due_at)},
                )
                return redirect("servicedesk:rectification", pk=notice.pk)
        return self.render_to_response(self.get_context_data(callback=callback, form=form), status=400)


# --- One notice -----------------------------------------------------------------------------------


class NoticeMixin(StaffMixin):
    action = "servicedesk.view"

    def get_notice(self) -> RectificationNotice:
        notices = self.scoped(
            RectificationNotice.objects.select_related(
                "community",
                "ticket",
                "ticket__room",
                "callback",
                "callback__done_by",
                "technician",
                "issued_by",
                "closed_by",
            )
        )
        return get_object_or_404(notices, pk=self.kwargs["pk"])


def notice_issue_clock(notice: RectificationNotice) -> Deadline | None:
    """The RC-5.issue deadline this notice met (for notices issued since RC-5 had two clocks)."""
    return (
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket),
            subject_id=str(notice.ticket_id),
            rule="RC-5.issue",
            met_at=notice.issued_at,
        )
        .with_state()
        .first()
    )


class RectificationDetailView(NoticeMixin, TemplateView):
    """整改通知书: the notice, its two clocks, and the close form (result) → rectification_close."""

    template_name = "servicedesk/rectification_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = kwargs.get("notice") or self.get_notice()
        notice.state_label, notice.state_colour = _notice_state(notice, clock.now())
        context.update(
            notice=notice,
            ticket=notice.ticket,
            issue_clock=notice_issue_clock(notice),
            form=kwargs.get("form") or RectificationCloseForm(),
            may_close=not notice.closed_at and has_perm(self.request.user, "servicedesk.rectify", notice.community),
        )
        return context

    def post(self, request, *args, **kwargs):
        notice = self.get_notice()
        if not has_perm(request.user, "servicedesk.rectify", notice.community):
            raise PermissionDenied
        form = RectificationCloseForm(request.POST)
        if form.is_valid():
            try:
                rectification_close(notice=notice, actor=request.user, result=form.cleaned_data["result"])
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("整改通知书 %(n)s 已完成，已安排再次回访。") % {"n": notice.number})
                return redirect("servicedesk:rectification", pk=notice.pk)
        return self.render_to_response(self.get_context_data(notice=notice, form=form), status=400)


class RectificationPdfView(NoticeMixin, View):
    """The printable, numbered 整改通知书 (DESIGN.md §9, RC-5)."""

    def get(self, request, *args, **kwargs):
        notice = self.get_notice()
        context = {
            "notice": notice,
            "ticket": notice.ticket,
            "community": notice.community,
            "title": _("整改通知书"),
            "hours": policy(notice.community, "RC-5.hours"),
            "generated_at": clock.now(),
        }
        return pdf_response("pdf/rectification_notice.html", context, f"{notice.number}.pdf", request)
