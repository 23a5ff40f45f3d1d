"""Console pages of the monthly property and lease lists: the month, each list, its downloads, the
office manager's review (PR-4, an approval) and the archivist's receipt (AR-2)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.encoding import escape_uri_path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core import clock, duties
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.periods import MONTH, Period

from . import monthly_lists, registers
from .choices import ListsReview, RegisterKind


class ReceiptForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("签收备注"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


def list_period(key: str) -> Period:
    """The month `key` names, if it has lists: ended months and, as a preview, the month under way
    (never a later one); else 404."""
    period = Period.parse(key, MONTH)
    if period is None or period > Period.of(MONTH, clock.now()):
        raise Http404
    return period


def list_data(community, period: Period, kind: str) -> dict:
    """One month's list with its review and receipt: what the preview, the Excel and the PDF show."""
    changes = registers.property_changes(community, period) if kind == RegisterKind.PROPERTY else None
    if kind == RegisterKind.PROPERTY:
        rows = registers.property_list(community, period, changes=changes)
    else:
        rows = registers.lease_list(community, period)
    month = monthly_lists.month_lists(community, period)
    return {
        "community": community,
        "period": period,
        "month": month,
        "month_key": period.key,
        "month_label": period.label,
        "month_end": period.last_day,
        "month_ended": month.ended,
        "kind": kind,
        "kind_label": RegisterKind(kind).label,
        "rows": rows,
        "changes": changes,
        "columns": registers.columns_for(kind),
        "review": month.property_review if kind == RegisterKind.PROPERTY else month.lease_review,
        "receipt": month.handover,
        "footnote": registers.footnote(period),
    }


def list_filename(data: dict, ext: str) -> str:
    return f"{data['community'].name}-{data['kind_label']}-{data['month_key']}.{ext}"


class ListsMixin(StaffMixin):
    """Viewing and downloading the lists of the current community (scoped by the switcher); the PDF
    is the registered form (estates.documents)."""

    action = "estates.export"

    def period(self) -> Period:
        return list_period(self.kwargs["month"])

    def kind(self) -> str:
        if self.kwargs["kind"] not in RegisterKind.values:
            raise Http404
        return self.kwargs["kind"]

    def month_actions(self, month: monthly_lists.MonthLists) -> dict:
        """What the signed-in person may do with the month: send it for review, sign for it."""
        user, community = self.request.user, self.request.community
        return {
            "can_submit": month.review in (ListsReview.NOT_SUBMITTED, ListsReview.RETURNED)
            and has_perm(user, "estates.submit_lists", community),
            "can_receive": month.ended and not month.received and has_perm(user, "estates.receive_lists", community),
        }

    def load(self) -> dict:
        return list_data(self.request.community, self.period(), self.kind())

    def filename(self, data: dict, ext: str) -> str:
        return list_filename(data, ext)

    def log_export(self, data: dict, fmt: str) -> None:
        registers.register_export_log(
            community=data["community"],
            period=data["period"],
            kind=data["kind"],
            fmt=fmt,
            rows=len(data["rows"]),
            actor=self.request.user,
        )


class ListIndexView(ListsMixin, TemplateView):
    """The chosen month's two lists, their review and hand-over, and the months before it."""

    template_name = "estates/lists_index.html"
    recent_count = 12

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community, now = self.request.community, clock.now()
        current = Period.of(MONTH, now)
        selected = Period.parse(self.request.GET.get("month"), MONTH)
        if selected is None or selected > current:
            selected = current.previous()
        # The duties are owed whether or not anyone opened the month (core.duties: opened on read).
        duties.duties_open([community], now=now, keys=monthly_lists.DUTIES)
        recent = [current.shift(-n) for n in range(1, self.recent_count + 1)]
        overview = monthly_lists.months_overview(community, [selected, *recent], now=now)
        context.update(
            {
                "selected": overview[0],
                "recent": overview[1:],
                "max_month": current.key,
                "receipt_form": ReceiptForm(),
                **self.month_actions(overview[0]),
            }
        )
        return context


class ListDetailView(ListsMixin, TemplateView):
    """An HTML preview of one list, paginated, with the month's review."""

    template_name = "estates/lists_detail.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.load()
        page = Paginator(data["rows"], self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(data)
        context.update(
            {
                "page_obj": page,
                "row_count": len(data["rows"]),
                "lease_states": registers.LeaseState,
                **self.month_actions(data["month"]),
            }
        )
        return context


class MonthActionView(ListsMixin, View):
    """POST one of the month's actions to its service; a refusal is shown on the page it came from."""

    http_method_names = ["post"]

    def act(self, request, period: Period) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        period = self.period()
        try:
            messages.success(request, self.act(request, period))
        except Forbidden:
            raise
        except ServiceError as error:
            messages.error(request, str(error.message))
        target = request.POST.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
        return redirect(monthly_lists.lists_url(period))


class ListSubmitView(MonthActionView):
    """提交经理审核: the CS supervisor sends the month into the PR-4 chain."""

    action = "estates.submit_lists"

    def act(self, request, period: Period) -> str:
        monthly_lists.lists_submit(community=request.community, period=period, actor=request.user)
        return _("已提交%(month)s的产权清单和租赁清单，待管理处经理审核。") % {"month": period.label}


class ListReceiveView(MonthActionView):
    """文档管理员签收 (AR-2): the archivist signs for last month's documents and lists."""

    action = "estates.receive_lists"

    def act(self, request, period: Period) -> str:
        form = ReceiptForm(request.POST)
        if not form.is_valid():
            raise ServiceError("invalid", _("签收备注最多 300 字。"), field="note")
        row = monthly_lists.lists_receive(
            community=request.community, period=period, actor=request.user, note=form.cleaned_data["note"]
        )
        if row.met_at > row.due_at:
            return _("已签收%(month)s的资料（已超过移交期限）。") % {"month": period.label}
        return _("已签收%(month)s的资料。") % {"month": period.label}


class ListExcelView(ListsMixin, View):
    def get(self, request, *args, **kwargs):
        data = self.load()
        content = registers.register_workbook(
            community=data["community"],
            period=data["period"],
            kind=data["kind"],
            rows=data["rows"],
            changes=data["changes"],
            review=data["review"],
            receipt=data["receipt"],
        )
        self.log_export(data, "xlsx")
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(self.filename(data, 'xlsx'))}"
        return response
