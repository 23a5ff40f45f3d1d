"""Console pages of the service-desk KPIs (RC-3, RC-4, RC-8, RC-9), the weekly complaint statistics
(RC-6) and the monthly complaint summary for owners (RC-10). Thin views: numbers come from
`kpis` and `reports`, writes from the summary services."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core import approvals, clock, duties
from guanjia.core.access import has_perm, is_staff_member, scoped, visible_communities
from guanjia.core.console import CommunityFromLinkMixin, StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.pdf import pdf_response
from guanjia.core.policies import policy
from guanjia.core.topics import Topic
from guanjia.engagement import indicators as engagement_indicators

from . import kpis, reports
from . import services as sd
from .models import ComplaintSummary
from .services.summaries import SUMMARY, in_approval, summary_period, summary_url

# --- the KPI page ------------------------------------------------------------------------

CHART_W, CHART_H = 300, 150
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT = 14, 118, 30, 292


def bar_chart(code: str, trend: list) -> dict:
    """Geometry of a small server-side SVG bar chart of one KPI over the trend's months (no JS)."""
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(trend), 1)
    height = PLOT_BOTTOM - PLOT_TOP
    bars = []
    target = None
    for index, (month, values) in enumerate(trend):
        kpi = values[code]
        target = kpi.target
        value = float(kpi.rate) if kpi.rate is not None else None
        bar_h = round(height * (value or 0) / 100, 1)
        x = PLOT_LEFT + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.18, 1),
                "w": round(slot * 0.64, 1),
                "y": round(PLOT_BOTTOM - bar_h, 1),
                "h": bar_h,
                "cx": round(x + slot / 2, 1),
                "label": f"{month.month}月",
                "value": "—" if value is None else f"{kpi.rate}",
                "value_y": round(PLOT_BOTTOM - bar_h - 3, 1),
                "colour": "none" if kpi.met is None else ("green" if kpi.met else "red"),
                "title": f"{month:%Y-%m} {kpi.arithmetic}",
            }
        )
    target_y = round(PLOT_BOTTOM - height * float(target or 0) / 100, 1)
    return {
        "code": code,
        "label": kpis.SPEC_BY_CODE[code].label,
        "bars": bars,
        "target_y": target_y,
        "target": target,
        "width": CHART_W,
        "height": CHART_H,
        "left": PLOT_LEFT,
        "right": PLOT_RIGHT,
        "top": PLOT_TOP,
        "bottom": PLOT_BOTTOM,
        "mid_y": round((PLOT_TOP + PLOT_BOTTOM) / 2, 1),
        "axis_label_y": PLOT_BOTTOM + 14,
    }


def chosen_month(request, default: dt.date) -> dt.date:
    """?month=YYYY-MM, never later than the month under way."""
    current = kpis.month_start(clock.today())
    month = reports.parse_month(request.GET.get("month"))
    if month is None or month > current:
        return default
    return month


class KpiView(StaffMixin, TemplateView):
    """服务指标: the month's KPIs with their arithmetic, six-month charts, technicians, communities."""

    action = "servicedesk.kpi"
    template_name = "servicedesk/kpi_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        current = kpis.month_start(clock.today())
        month = chosen_month(self.request, current)
        trend = kpis.kpi_trend(community, month)
        values = trend[-1][1]  # the chosen month: the trend's last
        communities = list(visible_communities(self.request.user, self.action).order_by("name"))
        if len(communities) > 1:
            engagement_indicators.attach(communities, month)  # QA-4: satisfaction, visit quota
        context.update(
            {
                "month": month,
                "month_key": reports.month_key(month),
                "month_label": reports.month_label(month),
                "max_month": reports.month_key(current),
                "is_current": month == current,
                "kpis": list(values.values()),
                "charts": [bar_chart(spec.code, trend) for spec in kpis.SPECS],
                "technicians": kpis.kpis_by_technician(community, month),
                "technician_codes": kpis.TECHNICIAN_CODES,
                "communities": kpis.kpis_by_community(communities, month) if len(communities) > 1 else None,
                "specs": kpis.SPECS,
                "engagement": engagement_indicators.indicators(community, month),  # QA-4
            }
        )
        return context


# --- weekly complaint statistics (RC-6) ----------------------------------------------------


class WeeklyComplaintsView(StaffMixin, TemplateView):
    """投诉周报: an ISO week's complaints by topic, severity and outcome, and the list itself."""

    action = "servicedesk.kpi"
    template_name = "servicedesk/kpi_weekly.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_week = reports.week_start(clock.today())
        monday = reports.parse_week(self.request.GET.get("week"))
        if monday is None or monday > this_week:
            monday = this_week
        week = reports.weekly_complaints(self.request.community, monday)
        page = Paginator(week.tickets, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            {
                "week": week,
                "reply_hours": policy(self.request.community, "RC-3.reply_hours"),
                "page_obj": page,
                "max_week": reports.week_key(this_week),
                "previous_week": reports.week_key(monday - dt.timedelta(days=7)),
                "next_week": reports.week_key(monday + dt.timedelta(days=7)) if monday < this_week else None,
            }
        )
        return context


# --- the monthly complaint summary (RC-10) --------------------------------------------------


class SummaryForm(forms.Form):
    explanation = forms.CharField(
        label=gettext_lazy("未能解决事项说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=gettext_lazy("将向业户公布：只写事项和原因，不写房号、姓名（RC-10）。"),
    )


def summary_context(stats: dict, community) -> dict:
    """The summary's frozen numbers with topic labels, and the sentences built from them (RC-10), for the
    console, the PDF and the owners' page alike."""
    as_of = stats.get("as_of", "")
    return {
        **stats,
        "reply_hours": stats.get("reply_hours") or policy(community, "RC-3.reply_hours"),
        "by_topic": reports.with_labels(stats.get("by_topic", [])),
        "as_of_label": as_of.replace("T", " ")[:16],
        "statements": reports.summary_statements(stats, community),
    }


class SummaryIndexView(CommunityFromLinkMixin, StaffMixin, TemplateView):
    """投诉月度汇总: a month's summary (preview, prepare, send for approval, the manager's approval,
    publish, PDF) and the last 12 months. Reading it opens the month's RC-10 duty (idempotent)."""

    action = "servicedesk.kpi"
    template_name = "servicedesk/summary_index.html"

    def month(self) -> dt.date:
        last = kpis.add_months(kpis.month_start(clock.today()), -1)
        return chosen_month(self.request, last)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        community, user = self.request.community, self.request.user
        month = self.month()
        duties.duties_open([community], keys=[SUMMARY])  # the calendar's occurrences, never a job's
        recent = [kpis.add_months(kpis.month_start(clock.today()), -n) for n in range(1, 13)]
        rows = reports.recent_summaries(community, [month, *[m for m in recent if m != month]])
        selected = rows[0]
        summary = selected["summary"]
        stats = summary.stats if summary else reports.summary_stats(community, month)
        ended = reports.month_has_ended(month)
        waiting = in_approval(summary)
        if summary is not None and not summary.approved_at and not waiting:
            returned = approvals.current_approval(summary, SUMMARY) is not None
            selected["stage"] = _("已退回，待重新编制") if returned else _("已编制，待送审")
        may_write = has_perm(user, "servicedesk.summary", community)
        context.update(
            {
                "selected": selected,
                "summary": summary,
                "stats": summary_context(stats, community),
                "preview": summary is None,
                "ended": ended,
                "recent": rows[1:],
                "max_month": reports.month_key(kpis.month_start(clock.today())),
                "summary_day": policy(community, "RC-10.summary_day"),
                "form": form or SummaryForm(initial={"explanation": summary.explanation if summary else ""}),
                "in_approval": waiting,
                "can_prepare": ended and may_write and not (summary and summary.approved_at) and not waiting,
                "can_submit": bool(summary and not summary.approved_at) and may_write and not waiting,
                "can_publish": bool(summary and summary.approved_at and not summary.published_at) and may_write,
                "community_query": f"?community={community.pk}",
            }
        )
        return context


class SummaryActionMixin(CommunityFromLinkMixin, StaffMixin):
    http_method_names = ["post"]

    def month(self) -> dt.date:
        month = reports.parse_month(self.kwargs["month"])
        if month is None:
            raise Http404
        return month

    def summary(self) -> ComplaintSummary:
        return get_object_or_404(self.in_community(ComplaintSummary.objects.all()), month=self.month())

    def back(self):
        return redirect(summary_url(self.request.community, summary_period(self.month())))


class SummaryPrepareView(SummaryActionMixin, SummaryIndexView):
    """POST the explanation → the prepare service; a refusal is shown beside the form on the summary page."""

    action = "servicedesk.summary"

    def post(self, request, *args, **kwargs):
        form = SummaryForm(request.POST)
        if form.is_valid():
            label = reports.month_label(self.month())
            try:
                summary = sd.complaint_summary_prepare(
                    community=request.community,
                    month=self.month(),
                    actor=request.user,
                    explanation=form.cleaned_data["explanation"],
                )
                if request.POST.get("action") == "submit":
                    sd.complaint_summary_submit(summary=summary, actor=request.user)
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(self.get_context_data(form=form), status=error.status)
            if request.POST.get("action") == "submit":
                messages.success(request, _("已编制%(m)s投诉汇总并送管理处经理批准。") % {"m": label})
            else:
                messages.success(request, _("已编制%(m)s投诉汇总，送审后由管理处经理批准。") % {"m": label})
            return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SummarySubmitView(SummaryActionMixin, View):
    """POST → send the prepared summary into the "RC-10.summary" approval chain."""

    action = "servicedesk.summary"

    def post(self, request, *args, **kwargs):
        try:
            sd.complaint_summary_submit(summary=self.summary(), actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已送管理处经理批准%(m)s投诉汇总。") % {"m": reports.month_label(self.month())})
        return self.back()


class SummaryPublishView(SummaryActionMixin, View):
    action = "servicedesk.summary"

    def post(self, request, *args, **kwargs):
        try:
            sd.complaint_summary_publish(summary=self.summary(), actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已公布%(m)s投诉汇总。") % {"m": reports.month_label(self.month())})
        return self.back()


def _document_context(summary: ComplaintSummary) -> dict:
    return {
        "community": summary.community,
        "summary": summary,
        "stats": summary_context(summary.stats, summary.community),
        "month_label": reports.month_label(summary.month),
        "title": _("月度投诉汇总"),
        "generated_at": clock.now(),
        "topics": Topic,
    }


class SummaryPdfView(SummaryActionMixin, View):
    """The printable summary for the notice board (RC-10): counts only, never a room or a name."""

    action = "servicedesk.kpi"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        summary = self.summary()
        context = _document_context(summary)
        filename = f"{summary.community.name}-{_('投诉汇总')}-{self.kwargs['month']}.pdf"
        return pdf_response("pdf/complaint_summary.html", context, filename, request=request)


class SummaryPublicView(TemplateView):
    """The published summary as owners read it: staff of the community and its owners, tenants and residents.

    Anything else is a 404 (a summary of another community, or one not yet published)."""

    template_name = "servicedesk/summary_public.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        return super().get(request, *args, **kwargs)

    def get_summary(self) -> ComplaintSummary:
        user = self.request.user
        published = ComplaintSummary.objects.filter(published_at__isnull=False).select_related("community")
        if is_staff_member(user):
            published = scoped(published, user, "servicedesk.view")
        else:
            from guanjia.estates.selectors import homes_of

            published = published.filter(community__in=homes_of(user).values("community"))
        return get_object_or_404(published, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_document_context(self.get_summary()))
        return context
