"""Console pages of the monthly property and lease lists, their downloads and sign-off (PR-4, AR-2)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.pdf import pdf_response

from . import registers
from .choices import RegisterKind


class SignOffForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("审核意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class ListsMixin(StaffMixin):
    """Viewing and downloading the lists of the current community (scoped by the switcher)."""

    action = "estates.export"

    def month(self):
        month = registers.parse_month(self.kwargs["month"])
        # Lists exist for ended months and, as a preview, for the month under way; never for later ones.
        if month is None or month > registers.month_start(clock.today()):
            raise Http404
        return month

    def kind(self) -> str:
        if self.kwargs["kind"] not in RegisterKind.values:
            raise Http404
        return self.kwargs["kind"]

    def load(self) -> dict:
        community, month, kind = self.request.community, self.month(), self.kind()
        changes = registers.property_changes(community, month) if kind == RegisterKind.PROPERTY else None
        if kind == RegisterKind.PROPERTY:
            rows = registers.property_list(community, month, changes=changes)
        else:
            rows = registers.lease_list(community, month)
        return {
            "community": community,
            "month": month,
            "month_key": registers.month_key(month),
            "month_label": registers.month_label(month),
            "month_end": registers.month_end(month),
            "month_ended": registers.month_has_ended(month),
            "kind": kind,
            "kind_label": RegisterKind(kind).label,
            "rows": rows,
            "changes": changes,
            "columns": registers.columns_for(kind),
            "review": registers.review_for(community, month, kind),
            "footnote": registers.footnote(month),
        }

    def filename(self, data: dict, ext: str) -> str:
        return f"{data['community'].name}-{data['kind_label']}-{data['month_key']}.{ext}"

    def log_export(self, data: dict, fmt: str) -> None:
        registers.register_export_log(
            community=data["community"],
            month=data["month"],
            kind=data["kind"],
            fmt=fmt,
            rows=len(data["rows"]),
            actor=self.request.user,
        )


class ListIndexView(ListsMixin, TemplateView):
    """Month picker: both lists of a month with their sign-off, and the last 12 months."""

    template_name = "estates/lists_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        today = clock.today()
        month = registers.parse_month(self.request.GET.get("month"))
        if month is None or month > registers.month_start(today):
            month = registers.last_month(today)
        recent = registers.recent_months(today)
        overview = registers.months_overview(community, [month, *recent])
        context.update(
            {
                "selected": overview[0],
                "recent": overview[1:],
                "max_month": registers.month_key(registers.month_start(today)),
                "can_sign": has_perm(self.request.user, "estates.review_lists", community),
                "form": SignOffForm(),
            }
        )
        return context


class ListDetailView(ListsMixin, TemplateView):
    """An HTML preview of one list, paginated, with its sign-off box."""

    template_name = "estates/lists_detail.html"
    paginate_by = 50

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.load()
        page = Paginator(data["rows"], self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(data)
        context.update(
            {
                "page_obj": page,
                "row_count": len(data["rows"]),
                "can_sign": has_perm(self.request.user, "estates.review_lists", data["community"])
                and data["month_ended"]
                and data["review"] is None,
                "form": form or SignOffForm(),
                "lease_states": registers.LeaseState,
            }
        )
        return context


class ListSignView(ListDetailView):
    """The office manager's sign-off (PR-4): POST → service; a refusal is shown beside the form."""

    action = "estates.review_lists"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = SignOffForm(request.POST)
        if form.is_valid():
            try:
                review = registers.register_review_sign(
                    community=request.community,
                    month=self.month(),
                    kind=self.kind(),
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(self.get_context_data(form=form), status=error.status)
            messages.success(
                request,
                _("已审核%(month)s的%(list)s（%(rows)d 条）。")
                % {
                    "month": registers.month_label(review.month),
                    "list": review.get_kind_display(),
                    "rows": review.rows,
                },
            )
            if request.POST.get("next") == "index":
                return redirect(f"{reverse('estates:lists')}?month={registers.month_key(review.month)}")
            return redirect("estates:list_detail", month=self.kwargs["month"], kind=self.kwargs["kind"])
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ListExcelView(ListsMixin, View):
    def get(self, request, *args, **kwargs):
        data = self.load()
        content = registers.register_workbook(
            community=data["community"],
            month=data["month"],
            kind=data["kind"],
            rows=data["rows"],
            changes=data["changes"],
            review=data["review"],
        )
        self.log_export(data, "xlsx")
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(self.filename(data, 'xlsx'))}"
        return response


class ListPdfView(ListsMixin, View):
    def get(self, request, *args, **kwargs):
        data = self.load()
        template = f"pdf/{data['kind']}_list.html"
        total = sum(width for _h, _a, width in data["columns"])
        context = {
            **data,
            "title": data["kind_label"],
            "pdf_columns": [(header, round(width * 100 / total, 2)) for header, _a, width in data["columns"]],
            "generated_at": timezone.localtime(),
            "reviewer": registers.reviewer_name(data["review"]) if data["review"] else "",
        }
        response = pdf_response(template, context, self.filename(data, "pdf"), request=request)
        self.log_export(data, "pdf")
        return response
