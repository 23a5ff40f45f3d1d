"""Console pages of the service desk's figures: the RC-8 KPIs per technician (the KPI page itself,
built from every app's indicators, is core.views_kpi), the weekly complaint statistics (RC-6) and
the monthly complaint summary for owners (RC-10). Thin views: numbers come from `kpis` and
`reports`, writes from the summary services."""

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
from guanjia.core.access import has_perm, is_staff_member, scoped
from guanjia.core.console import CommunityFromLinkMixin, StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.periods import MONTH, WEEK, Period
from guanjia.core.policies import policy
from guanjia.core.replica import ReplicaReadsMixin
from guanjia.core.topics import Topic
from guanjia.core.views_kpi import chosen_month

from . import kpis, reports
from . import services as sd
from .models import ComplaintSummary
from .services.summaries import SUMMARY, in_approval, summary_period, summary_url

# --- repair KPIs per technician (RC-8) -----------------------------------------------------


class TechnicianKpiView(StaffMixin, ReplicaReadsMixin, TemplateView):
    """维修人员指标: the RC-8 repair timeliness and pass rate per technician, the breakdown of the two
    indicators on the KPI page (core.views_kpi)."""

    action = "servicedesk.kpi"
    template_name = "servicedesk/kpi_technicians.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = Period.of(MONTH, clock.now())
        month = chosen_month(self.request, current)
        context.update(
            {
                "month": month,
                "max_month": current.key,
                "is_current": month == current,
                "specs": [kpis.SPEC_BY_CODE[code] for code in kpis.TECHNICIAN_CODES],
                "technicians": kpis.kpis_by_technician(self.request.community, month),
            }
        )
        return context


# --- weekly complaint statistics (RC-6) ----------------------------------------------------


class WeeklyComplaintsView(StaffMixin, ReplicaReadsMixin, TemplateView):
    """投诉周报: an ISO week's complaints by topic, severity and outcome, and the list itself."""

    action = "servicedesk.kpi"
    template_name = "servicedesk/kpi_weekly.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_week = Period.of(WEEK, clock.now())
        chosen = Period.parse(self.request.GET.get("week"), WEEK)
        chosen = this_week if chosen is None or chosen > this_week else chosen
        week = reports.weekly_complaints(self.request.community, chosen)
        page = Paginator(week.tickets, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            {
                "week": week,
                "reply_hours": policy(self.request.community, "RC-3.reply_hours"),
                "page_obj": page,
                "max_week": this_week.key,
                "previous_week": chosen.previous().key,
                "next_week": chosen.next().key if chosen < this_week else None,
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

    def month(self) -> Period:
        return chosen_month(self.request, Period.of(MONTH, clock.now()).previous())

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        community, user = self.request.community, self.request.user
        month = self.month()
        duties.duties_open([community], keys=[SUMMARY])  # the calendar's occurrences, never a job's
        current = Period.of(MONTH, clock.now())
        recent = [current.shift(-n) for n in range(1, 13)]
        rows = reports.recent_summaries(community, [month, *[m for m in recent if m != month]])
        selected = rows[0]
        summary = selected["summary"]
        stats = summary.stats if summary else reports.summary_stats(community, month)
        ended = month.has_ended(clock.now())
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
                "max_month": current.key,
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

    def month(self) -> Period:
        month = Period.parse(self.kwargs["month"], MONTH)
        if month is None:
            raise Http404
        return month

    def summary(self) -> ComplaintSummary:
        return get_object_or_404(self.in_community(ComplaintSummary.objects.all()), month=self.month().start)

    def back(self):
        return redirect(summary_url(self.request.community, self.month()))


class SummaryPrepareView(SummaryActionMixin, SummaryIndexView):
    """POST the explanation → the prepare service; a refusal is shown beside the form on the summary page."""

    action = "servicedesk.summary"

    def post(self, request, *args, **kwargs):
        form = SummaryForm(request.POST)
        if form.is_valid():
            label = self.month().label
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
            messages.success(request, _("已送管理处经理批准%(m)s投诉汇总。") % {"m": self.month().label})
        return self.back()


class SummaryPublishView(SummaryActionMixin, View):
    action = "servicedesk.summary"

    def post(self, request, *args, **kwargs):
        try:
            sd.complaint_summary_publish(summary=self.summary(), actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已公布%(m)s投诉汇总。") % {"m": self.month().label})
        return self.back()


def _document_context(summary: ComplaintSummary) -> dict:
    return {
        "community": summary.community,
        "summary": summary,
        "stats": summary_context(summary.stats, summary.community),
        "month_label": summary_period(summary.month).label,
        "title": _("月度投诉汇总"),
        "generated_at": clock.now(),
        "topics": Topic,
    }


class SummaryPublicView(TemplateView):
    """The published summary as owners read it: staff of the community and its owners, tenants and residents.

    Anything else is a 404 (a summary of another community, or one not yet published)."""

    model = ComplaintSummary
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
