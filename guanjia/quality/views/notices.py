"""Written rectification notices 整改通知书 in the console (QA-2): the findings still owed a notice,
issuing one, the notices being put right, overdue and done, one notice with its close step, and the
printed form (core's one PDF view). A finding or a notice of another community is a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, TransitionView, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy

from .. import registry, selectors, services
from ..documents import notice_context
from ..forms import NoticeIssueForm
from ..models import RectificationNotice

NOTICE_TABS = [
    ("pending", gettext_lazy("待下达")),
    ("open", gettext_lazy("整改中")),
    ("overdue", gettext_lazy("已超时")),
    ("closed", gettext_lazy("已完成")),
]


class NoticeListView(StaffMixin, ListView):
    """整改通知书 of the community: findings still owed one, in progress, overdue and done."""

    action = "quality.view"
    model = RectificationNotice
    template_name = "quality/notice_list.html"
    paginate_by = 50
    context_object_name = "notices"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = clock.now()
        self.tab = request.GET.get("tab") if request.GET.get("tab") in dict(NOTICE_TABS) else "open"

    def get_queryset(self):
        if self.tab == "pending":
            return RectificationNotice.objects.none()
        order = ["-closed_at", "-id"] if self.tab == "closed" else ["due_at", "id"]
        notices = self.in_community(RectificationNotice.objects.all())
        return selectors.with_subjects(notices.filter(selectors.notice_tab_filters(self.now)[self.tab])).order_by(
            *order
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.in_community(RectificationNotice.objects.all()).aggregate(
            **{key: Count("id", filter=q) for key, q in selectors.notice_tab_filters(self.now).items()}
        )
        owed = selectors.owed_notices(self.request.community)
        counts["pending"] = len(owed)
        for notice in context["notices"]:
            notice.state_label, notice.state_colour = selectors.notice_state(notice, self.now)
            notice.subject_label, notice.subject_url = selectors.subject_link(notice)
            notice.source_label = getattr(registry.notice_source_or_none(notice.source), "label", notice.source)
        user, community = self.request.user, self.request.community
        issuable = {s.key for s in registry.notice_sources() if has_perm(user, s.issue_permission, community)}
        context.update(
            tab=self.tab,
            tabs=[(key, label, counts[key]) for key, label in NOTICE_TABS],
            owed=[
                (row, bool(row.issue_due and row.issue_due < self.now), row.source in issuable)
                for row in (owed if self.tab == "pending" else [])
            ],
        )
        return context


class NoticeIssueView(StaffMixin, TemplateView):
    """下达整改通知书 for one finding of a registered kind: the problem, the requirement and the fix's
    due date (the source's default period, which the issuer may change) → notice_issue."""

    action = "quality.view"
    template_name = "quality/notice_issue.html"

    @classmethod
    def models_by_route(cls) -> dict:
        """The model the URL's pk names, for each `source` (tests_system.test_routes walks every one)."""
        return {source.key: source.model_class() for source in registry.notice_sources()}

    def dispatch(self, request, *args, **kwargs):
        source = registry.notice_source_or_none(kwargs["source"])
        if source is None:
            raise Http404
        self.source = source
        return super().dispatch(request, *args, **kwargs)

    def get_subject(self):
        model = self.source.model_class()
        return get_object_or_404(self.source.loaded(self.scoped(model._default_manager.all())), pk=self.kwargs["pk"])

    def default_due(self, subject) -> dt.date:
        due = services.notice_fix_due(self.source, subject.community, clock.now())
        return workdays.local_date(due - dt.timedelta(microseconds=1))  # 24:00 of this day

    def form(self, subject, data=None):
        return NoticeIssueForm(
            data,
            initial=None if data else {"problem": self.source.problem(subject), "fix_due": self.default_due(subject)},
            default_requirement=self.source.default_requirement,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = kwargs["subject"]
        label, url = self.source.subject_link(subject)
        clock_due = self.source.issue_due(subject) if self.source.issue_due else None
        recipient = self.source.recipient(subject)
        context.update(
            source=self.source,
            subject=subject,
            subject_label=label,
            subject_url=url,
            facts=self.source.facts(subject),
            problem=self.source.problem(subject),
            recipient=(recipient.get_full_name() or recipient.username) if recipient else "",
            issue_due=clock_due,
            issue_late=bool(clock_due and clock_due < clock.now()),
            fix_days=policy(subject.community, self.source.fix_days_policy),
            form=kwargs.get("form") or self.form(subject),
        )
        return context

    def issued_already(self, subject):
        """A finding whose notice is out, or one that owes none, goes elsewhere instead."""
        notice = services.notice_of(self.source, subject)
        if notice is not None:
            messages.info(self.request, _("该问题的整改通知书已下达。"))
            return redirect("quality:notice", pk=notice.pk)
        try:
            self.source.check(subject, self.request.user)
        except ServiceError as error:
            if error.status == 403:
                raise
            messages.info(self.request, str(error.message))
            return redirect(self.source.subject_link(subject)[1])
        return None

    def get(self, request, *args, **kwargs):
        subject = self.get_subject()
        self.require_issue(subject)
        return self.issued_already(subject) or self.render_to_response(self.get_context_data(subject=subject))

    def require_issue(self, subject):
        if not has_perm(self.request.user, self.source.issue_permission, subject.community):
            raise PermissionDenied

    def post(self, request, *args, **kwargs):
        subject = self.get_subject()
        self.require_issue(subject)
        gone = self.issued_already(subject)
        if gone:
            return gone
        form = self.form(subject, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fix_due = data["fix_due"]
            try:
                notice = services.notice_issue(
                    source=self.source.key,
                    subject=subject,
                    actor=request.user,
                    problem=data["problem"],
                    requirement=data["requirement"],
                    fix_due=None if fix_due in (None, self.default_due(subject)) else fix_due,
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("已下达整改通知书 %(n)s，限 %(due)s 前整改完毕。")
                    % {"n": notice.number, "due": workdays.deadline_text(notice.due_at)},
                )
                return redirect("quality:notice", pk=notice.pk)
        return self.render_to_response(self.get_context_data(subject=subject, form=form), status=400)


def notice_page_context(request, notice, bound: dict | None = None, refusal: ServiceError | None = None) -> dict:
    context = notice_context(notice)
    notice.state_label, notice.state_colour = selectors.notice_state(notice, clock.now())
    bound = bound or {}
    context.update(
        issue_clock=selectors.notice_issue_clock(notice),
        offers=[(o, bound.get(o.action) or o.form(notice)) for o in transitions.offers(notice, request.user)],
        refusal=refusal,
    )
    return context


class NoticeMixin(StaffMixin):
    action = "quality.view"
    model = RectificationNotice

    def get_queryset(self):
        return selectors.with_subjects(RectificationNotice.objects.all())


class NoticeDetailView(NoticeMixin, TemplateView):
    """整改通知书: the notice, its clocks, and the close step (result) → notice_close."""

    template_name = "quality/notice_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = get_object_or_404(self.scoped(self.get_queryset()), pk=self.kwargs["pk"])
        context.update(notice_page_context(self.request, notice))
        return context


class NoticeTransitionView(NoticeMixin, TransitionView):
    """整改完成: the URL names the transition's action, the service is `notice_<action>`."""

    services = services
    entity = "notice"
    template_name = "quality/notice_detail.html"

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        bound = {self.get_offer().action: form} if form.is_bound else {}
        context = notice_page_context(self.request, self.get_object(), bound=bound, refusal=refusal)
        return self.render_to_response(context, status=status)
