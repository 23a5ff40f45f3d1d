"""The owner's meters in the portal (FE-1): his rooms' meters with their last readings, and — inside
the office's window (FE-1.reading_from_day … reading_to_day) — today's reading with a photo
(services.meters.owner_reading_submit, which checks the room is his own). Only his own households."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from guanjia.billing.forms_meters import OwnerReadingForm
from guanjia.billing.selectors_meters import owner_meters
from guanjia.billing.services import meters as services
from guanjia.core import clock
from guanjia.core.errors import ServiceError

from .views import OwnerMixin


class OwnerReadingsView(OwnerMixin, TemplateView):
    template_name = "portal/fees_meters.html"
    tab = "home"

    def rows(self, form=None, form_meter=None) -> list[dict]:
        today = clock.today()
        rows, windows = [], {}
        for meter in owner_meters(self.homes):
            cid = meter.community_id
            if cid not in windows:
                windows[cid] = (services.owner_window(cid), services.in_owner_window(cid, today))
            (first, last), open_now = windows[cid]
            submitted = meter.last_on == today
            rows.append(
                {
                    "meter": meter,
                    "window": (first, last),
                    "open": open_now and not submitted,
                    "submitted": submitted,
                    "form": form if form_meter == meter.pk else OwnerReadingForm(prefix=f"m{meter.pk}"),
                }
            )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = kwargs.get("rows") or self.rows()
        return context

    def post(self, request, *args, **kwargs):
        wanted = request.POST.get("meter", "")
        meters = {m.pk: m for m in owner_meters(self.homes)}
        meter = meters.get(int(wanted)) if wanted.isdigit() else None
        if meter is None:
            messages.error(request, _("表计：没有找到该表计。"))
            return redirect("portal:fees_readings")
        form = OwnerReadingForm(request.POST, request.FILES, prefix=f"m{meter.pk}")
        if form.is_valid():
            try:
                services.owner_reading_submit(
                    meter=meter, user=request.user, value=form.cleaned_data["value"], photo=form.cleaned_data["photo"]
                )
            except ServiceError as error:
                form.add_error("photo" if error.field == "photo" else "value", str(error.message))
            else:
                messages.success(request, _("已提交 %(m)s 的读数，谢谢。") % {"m": meter})
                return redirect("portal:fees_readings")
        return self.render_to_response(self.get_context_data(rows=self.rows(form, meter.pk)), status=400)
