"""The working-day calendar in the console: the year's holidays, and entering the State Council's notice (DESIGN.md §5)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core import clock

from . import workdays
from .access import has_perm
from .console import StaffMixin, apply_service_error
from .errors import ServiceError
from .models import Holiday

MIN_YEAR, MAX_YEAR = 2000, 2100

STATUS_LABELS = {
    workdays.OFFICIAL: (gettext_lazy("国务院通知（系统内置）"), "green"),
    workdays.LOADED: (gettext_lazy("国务院通知（已录入）"), "green"),
    workdays.FALLBACK: (gettext_lazy("未录入，按法定节假日推算"), "amber"),
}

BULK_EXAMPLE = "2027-01-01 元旦 放假\n2027-10-01 至 2027-10-07 国庆节 放假\n2027-09-26 国庆节 上班"


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Holiday.Kind.choices)
    name = forms.CharField(label=gettext_lazy("节日"), max_length=30, required=False)


class NoticeForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("放假安排"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "wide", "placeholder": BULK_EXAMPLE}),
    )


class CalendarView(StaffMixin, View):
    action = "core.view"

    def get(self, request):
        return redirect("core:calendar_year", year=clock.today().year)


class CalendarYearView(StaffMixin, TemplateView):
    """Any staff member sees the year; an office manager or company admin edits it."""

    action = "core.view"
    template_name = "core/holidays.html"

    def dispatch(self, request, *args, **kwargs):
        if not MIN_YEAR <= kwargs["year"] <= MAX_YEAR:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        return has_perm(self.request.user, "core.edit_calendar", self.request.community)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.kwargs["year"]
        cal = workdays.calendar()
        status = cal.status(year)
        context.update(
            year=year,
            prev_year=year - 1 if year > MIN_YEAR else None,
            next_year=year + 1 if year < MAX_YEAR else None,
            status=status,
            status_label=STATUS_LABELS[status][0],
            status_colour=STATUS_LABELS[status][1],
            blocks=cal.holiday_blocks(year),
            makeups=cal.makeup_workdays(year),
            gaps=cal.unloaded_statutory_days(year),
            rows=Holiday.objects.filter(year=year).select_related("created_by"),
            can_edit=self.can_edit(),
            form=kwargs.get("form") or HolidayForm(initial={"kind": Holiday.Kind.HOLIDAY}),
        )
        return context

    def post(self, request, year):
        if not self.can_edit():
            raise PermissionDenied
        form = HolidayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = workdays.holiday_add(
                    day=data["date"], kind=data["kind"], name=data["name"], actor=request.user
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已录入：%(h)s") % {"h": holiday})
                return redirect("core:calendar_year", year=holiday.year)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CalendarNoticeView(StaffMixin, TemplateView):
    """Bulk entry of a year's notice: preview every line, then save all or nothing."""

    action = "core.edit_calendar"
    template_name = "core/holidays_bulk.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NoticeForm())
        return context

    def post(self, request):
        form = NoticeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        text = form.cleaned_data["text"]
        if "save" not in request.POST:
            check = workdays.notice_check(text)
            return self.render_to_response(self.get_context_data(form=form, check=check))
        try:
            created = workdays.holidays_import(text=text, actor=request.user)
        except workdays.NoticeInvalid as error:
            form.add_error(None, str(error.message))
            return self.render_to_response(self.get_context_data(form=form, check=error.check), status=400)
        except ServiceError as error:
            apply_service_error(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("已录入%(n)d天节假日安排。") % {"n": len(created)})
        return redirect("core:calendar_year", year=min(h.year for h in created))


class HolidayDeleteView(StaffMixin, View):
    model = Holiday
    action = "core.edit_calendar"

    def post(self, request, pk):
        holiday = get_object_or_404(Holiday, pk=pk)
        try:
            workdays.holiday_delete(holiday=holiday, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已删除：%(h)s") % {"h": holiday})
        return redirect("core:calendar_year", year=holiday.year)
