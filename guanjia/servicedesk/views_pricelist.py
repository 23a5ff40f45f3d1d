"""The public price list of special services 特约服务 (SS-2; RC-2 "fee items and fee standards are public"):
the console page where editors keep it, and the owners' pages in the portal (the price list and the
published monthly complaint summaries, RC-10).

Thin views: writes call services.service_item_save / service_item_retire; a ServiceError is shown beside
its field. An item of another community is a 404 (DESIGN.md §1).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from guanjia.core.access import has_perm
from guanjia.core.console import CommunityListView, StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.portal.views import OwnerMixin

from . import services
from .choices import ServiceCategory
from .models import ComplaintSummary, ServiceItem

PORTAL_PAGE_SIZE = 20


class ServiceItemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("服务项目"), max_length=100)
    category = forms.ChoiceField(label=gettext_lazy("服务类别"), choices=ServiceCategory.choices)
    free = forms.BooleanField(label=gettext_lazy("免费"), required=False)
    # No min_value here: the service refuses a negative price with its own message naming the field.
    price = forms.DecimalField(label=gettext_lazy("收费标准(元)"), required=False, max_digits=10, decimal_places=2)
    unit = forms.CharField(
        label=gettext_lazy("计价单位"), required=False, max_length=20, help_text=gettext_lazy("如：次、小时、㎡")
    )
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=300)
    ordering = forms.IntegerField(label=gettext_lazy("排序"), required=False, min_value=0, max_value=32767)

    @classmethod
    def of(cls, item: ServiceItem, data=None):
        initial = {f: getattr(item, f) for f in ("name", "category", "free", "price", "unit", "note", "ordering")}
        return cls(data, initial=initial)


class PricelistView(CommunityListView):
    """特约服务收费: the community's price list; editors add, change and retire lines. Printable."""

    model = ServiceItem
    action = "servicedesk.view"
    template_name = "servicedesk/pricelist_list.html"
    context_object_name = "items"
    paginate_by = 100

    def base_queryset(self):
        queryset = ServiceItem.objects.order_by("-active", "ordering", "category", "name", "id")
        if self.request.GET.get("show") != "all":
            queryset = queryset.filter(active=True)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        may_edit = has_perm(self.request.user, "servicedesk.edit_pricelist", self.request.community)
        context.update(
            may_edit=may_edit,
            form=kwargs.get("form") or (ServiceItemForm() if may_edit else None),
            show_all=self.request.GET.get("show") == "all",
        )
        return context

    def post(self, request, *args, **kwargs):
        """Add a line to the list (editors only: the page itself is open to all staff)."""
        if not has_perm(request.user, "servicedesk.edit_pricelist", request.community):
            raise PermissionDenied
        form = ServiceItemForm(request.POST)
        if form.is_valid():
            try:
                item = services.service_item_save(community=request.community, actor=request.user, **_fields(form))
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已新增服务项目“%(name)s”。") % {"name": item.name})
                return redirect("servicedesk:pricelist")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _fields(form) -> dict:
    d = form.cleaned_data
    return {
        "name": d["name"],
        "category": d["category"],
        "free": d["free"],
        "price": d["price"],
        "unit": d["unit"],
        "note": d["note"],
        "ordering": d["ordering"] or 0,
    }


class ServiceItemMixin(StaffMixin):
    action = "servicedesk.edit_pricelist"

    def get_item(self) -> ServiceItem:
        return get_object_or_404(self.in_community(ServiceItem.objects.all(), "servicedesk.view"), pk=self.kwargs["pk"])


class ServiceItemEditView(ServiceItemMixin, TemplateView):
    model = ServiceItem
    template_name = "servicedesk/pricelist_form.html"

    def get(self, request, *args, **kwargs):
        item = self.get_item()
        return self.render_to_response(self.get_context_data(item=item, form=ServiceItemForm.of(item)))

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        form = ServiceItemForm.of(item, request.POST)
        if form.is_valid():
            try:
                services.service_item_save(
                    community=request.community, actor=request.user, item=item, active=item.active, **_fields(form)
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已保存服务项目“%(name)s”。") % {"name": item.name})
                return redirect("servicedesk:pricelist")
        return self.render_to_response(self.get_context_data(item=item, form=form), status=400)


class ServiceItemRetireView(ServiceItemMixin, TemplateView):
    model = ServiceItem
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        try:
            services.service_item_retire(item=item, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("“%(name)s”已停止公示。") % {"name": item.name})
        return redirect("servicedesk:pricelist")


# --- The owner portal (/m/) --------------------------------------------------------------------


class PortalPricelistView(OwnerMixin, TemplateView):
    """收费标准: the active price lists of the communities the owner or tenant lives in (SS-2, RC-2)."""

    template_name = "portal/pricelist.html"
    tab = "me"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community_ids = sorted({room.community_id for room in self.homes})
        items = (
            ServiceItem.objects.filter(community_id__in=community_ids, active=True)
            .select_related("community")
            .order_by("community_id", "ordering", "category", "name", "id")
        )
        groups: dict[int, dict] = {}
        for item in items:
            group = groups.setdefault(item.community_id, {"community": item.community, "items": []})
            group["items"].append(item)
        context["groups"] = list(groups.values())
        context["many"] = len(community_ids) > 1
        return context


class PortalComplaintNoticesView(OwnerMixin, TemplateView):
    """投诉公示: the published monthly complaint summaries of the owner's communities (RC-10)."""

    template_name = "portal/complaint_notices.html"
    tab = "me"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community_ids = sorted({room.community_id for room in self.homes})
        summaries = (
            ComplaintSummary.objects.filter(community_id__in=community_ids, published_at__isnull=False)
            .select_related("community")
            .order_by("-month", "community_id")
        )
        context["page"] = Paginator(summaries, PORTAL_PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["many"] = len(community_ids) > 1
        return context
