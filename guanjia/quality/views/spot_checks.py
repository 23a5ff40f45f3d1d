"""The office manager's spot checks in the console: one page per registered kind (RC-4's callbacks
today) and period — draw the sample, see each drawn record as its app shows it, record what the
check found. A check of another community is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.periods import Period

from .. import registry, selectors, services
from ..forms import SpotCheckRecordForm
from ..models import SpotCheck

_page = registry.spot_check_url


class SpotCheckView(StaffMixin, TemplateView):
    """管理抽查: the kinds the user may check, the period's sample of one, and recording each finding."""

    action = "quality.spot_check"
    template_name = "quality/spot_checks.html"

    def kinds(self) -> list[registry.SpotCheckKind]:
        user, community = self.request.user, self.request.community
        return [k for k in registry.spot_check_kinds() if has_perm(user, k.permission, community)]

    def get_kind(self) -> registry.SpotCheckKind:
        kinds = self.kinds()
        wanted = self.request.GET.get("kind") or self.request.POST.get("kind")
        kind = next((k for k in kinds if k.key == wanted), None) if wanted else (kinds[0] if kinds else None)
        if kind is None:
            raise Http404
        return kind

    def get_period(self, kind) -> Period:
        key = self.request.GET.get("period") or self.request.POST.get("period")
        return Period.parse(key, kind.period) or Period.of(kind.period, clock.now())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = kwargs.get("kind") or self.get_kind()
        period = kwargs.get("period") or self.get_period(kind)
        community = self.request.community
        checks = selectors.drawn(kind, community, period.key)
        forms_by_check = kwargs.get("forms", {})
        for check in checks:
            check.form = forms_by_check.get(check.pk)
        context.update(
            kind=kind,
            kinds=self.kinds(),
            period=period,
            previous=period.previous(),
            following=period.next(),
            checks=checks,
            sample_size=kind.size(community, period),
            checked=sum(1 for c in checks if c.checked_at),
            draw_error=kwargs.get("draw_error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        kind = self.get_kind()
        period = self.get_period(kind)
        try:
            checks = services.spot_check_draw(
                kind=kind.key, community=request.community, period=period, actor=request.user
            )
        except ServiceError as error:
            context = self.get_context_data(kind=kind, period=period, draw_error=str(error.message))
            return self.render_to_response(context, status=400)
        messages.success(request, _("已随机抽取 %(n)s 条。") % {"n": len(checks)})
        return redirect(_page(kind, period))


class SpotCheckRecordView(SpotCheckView):
    """What the check of one drawn record found (POST); GET goes back to its period's page."""

    model = SpotCheck

    def get_check(self) -> SpotCheck:
        return get_object_or_404(self.scoped(SpotCheck.objects.select_related("community")), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        check = self.get_check()
        return redirect(_page(registry.kind_of(check.kind), Period.parse(check.period)))

    def post(self, request, *args, **kwargs):
        check = self.get_check()
        kind = registry.kind_of(check.kind)
        period = Period.parse(check.period)
        form = SpotCheckRecordForm(request.POST)
        if form.is_valid():
            try:
                services.spot_check_record(
                    check=check, actor=request.user, passed=form.cleaned_data["passed"], note=form.cleaned_data["note"]
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已记录抽查结果。"))
                return redirect(_page(kind, period))
        context = self.get_context_data(kind=kind, period=period, forms={check.pk: form})
        return self.render_to_response(context, status=400)
