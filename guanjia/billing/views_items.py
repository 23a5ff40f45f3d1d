"""The fee item pages of the console (FE-1, LW-4): the items with their current and next price, one
item with its price history and where it applies, the forms that create and change items, publish
or withdraw a price and add or end an application. Each write calls one service
(services.items); another community's item is a 404 (DESIGN §1)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin, apply_service_error
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import Community
from guanjia.core.policies import policy

from . import selectors_items as selectors
from .forms_items import ApplicationEndForm, ApplicationForm, FeeItemForm, PricePublishForm, PriceWithdrawForm
from .models import FeeApplication, FeeItem, FeePrice
from .services import items as services

MANAGE = services.PERMISSION


def item_url(item) -> str:
    return reverse("billing:item", args=[getattr(item, "pk", item)])


class ItemListView(StaffMixin, ListView):
    """收费项目: every item of the community with the price in force today and the next one published."""

    action = "billing.view"
    model = FeeItem
    template_name = "billing/items_list.html"
    context_object_name = "items"
    paginate_by = 50

    def get_queryset(self):
        return selectors.with_prices(self.in_community(FeeItem.objects.all()), clock.today()).order_by("code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        for item in context["items"]:
            item.current_text = selectors.price_text(item.current_price)
            item.next_text = selectors.price_text(item.next_price)
        context.update(
            may_manage=has_perm(self.request.user, MANAGE, community),
            today=clock.today(),
            notice_days=policy(community, "FE-1.price_notice_days"),
            board_url=reverse("fees:board", args=[community.code]),
        )
        return context


class ItemFormMixin(StaffMixin):
    action = MANAGE
    template_name = "billing/items_form.html"

    def form(self, data=None, instance=None):
        return FeeItemForm(data, instance=instance, community=self.request.community, editing=instance is not None)

    def render(self, form, status=200, item=None):
        return self.render_to_response(self.get_context_data(form=form, item=item), status=status)


class ItemCreateView(ItemFormMixin, TemplateView):
    """新增收费项目 → item_create."""

    def get(self, request, *args, **kwargs):
        return self.render(self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                item = services.item_create(community=request.community, actor=request.user, **form.data_for_service())
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render(form, status=error.status)
            messages.success(request, _("已新增收费项目 %(n)s，请公示收费标准并设置适用范围。") % {"n": item.name})
            return redirect(item_url(item))
        return self.render(form, status=400)


class ItemEditView(ItemFormMixin, TemplateView):
    """修改收费项目 → item_update."""

    model = FeeItem

    def get_item(self):
        return get_object_or_404(self.scoped(FeeItem.objects.all()), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        item = self.get_item()
        return self.render(self.form(instance=item), item=item)

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        form = self.form(request.POST, instance=item)
        if form.is_valid():
            try:
                item = services.item_update(item=item, actor=request.user, **form.data_for_service())
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render(form, status=error.status, item=self.get_item())
            messages.success(request, _("已保存收费项目 %(n)s。") % {"n": item.name})
            return redirect(item_url(item))
        return self.render(form, status=400, item=self.get_item())


class ItemDetailView(StaffMixin, TemplateView):
    """收费项目: its description, price history (in force, announced, superseded), where it applies,
    and the forms to publish a price and add an application (for who may manage items)."""

    action = "billing.view"
    model = FeeItem
    template_name = "billing/items_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = get_object_or_404(
            self.scoped(FeeItem.objects.select_related("common_meter", "community")), pk=self.kwargs["pk"]
        )
        may_manage = has_perm(self.request.user, MANAGE, item.community)
        context.update(selectors.item_detail(item))
        context.update(
            item=item,
            may_manage=may_manage,
            notice_days=policy(item.community, "FE-1.price_notice_days"),
            earliest_change=services.earliest_change(item.community),
            publish_form=PricePublishForm() if may_manage else None,
            application_form=ApplicationForm(community=item.community) if may_manage else None,
        )
        return context


# --- Actions on one item, price or application (core.console.ActionView) ---------------------


class ItemActionView(ActionView):
    action = MANAGE
    template_name = "billing/items_action.html"

    def item_of(self, obj):
        return obj if isinstance(obj, FeeItem) else obj.item

    def get_success_url(self, result) -> str:
        return item_url(self.item_of(self.get_object()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["item"] = self.item_of(self.get_object())
        return context


class PricePublishView(ItemActionView):
    """公示收费标准 → price_publish (FE-1: a change is public FE-1.price_notice_days ahead)."""

    model = FeeItem
    form_class = PricePublishForm
    title = gettext_lazy("公示收费标准")
    submit_label = gettext_lazy("公示")

    def perform(self, form):
        return services.price_publish(item=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, result) -> str:
        return _("已公示收费标准，自 %(d)s 起执行。") % {"d": result.effective_from.isoformat()}


class PriceWithdrawView(ItemActionView):
    """撤回未执行的收费标准 → price_withdraw."""

    model = FeePrice
    form_class = PriceWithdrawForm
    title = gettext_lazy("撤回收费标准")
    submit_label = gettext_lazy("撤回")
    success_message = gettext_lazy("已撤回该收费标准。")

    def get_queryset(self):
        return FeePrice.objects.select_related("item")

    def refusal(self):
        if self.get_object().effective_from <= clock.today():
            return Conflict("in_force", _("该收费标准已开始执行，不能撤回；如需调整请公示新的收费标准。"))
        return None

    def perform(self, form):
        return services.price_withdraw(price=self.get_object(), actor=self.request.user, **form.cleaned_data)


class ApplicationAddView(ItemActionView):
    """增加适用范围 → application_add."""

    model = FeeItem
    form_class = ApplicationForm
    title = gettext_lazy("增加适用范围")
    submit_label = gettext_lazy("保存")
    success_message = gettext_lazy("已增加适用范围。")

    def get_form(self):
        return ApplicationForm(**self.get_form_kwargs(), community=self.get_object().community)

    def perform(self, form):
        return services.application_add(item=self.get_object(), actor=self.request.user, **form.data_for_service())


class ApplicationEndView(ItemActionView):
    """停止适用 → application_end."""

    model = FeeApplication
    form_class = ApplicationEndForm
    title = gettext_lazy("停止适用")
    submit_label = gettext_lazy("停止适用")
    success_message = gettext_lazy("已停止适用。")

    def get_queryset(self):
        return FeeApplication.objects.select_related("item", "building", "room")

    def perform(self, form):
        return services.application_end(application=self.get_object(), actor=self.request.user, **form.cleaned_data)


# --- The public board (fees/<community code>/, no sign-in) ---------------------------------


class PriceBoardView(TemplateView):
    """/fees/<community code>/: the 明码标价 board as posted in the office, readable by anyone (FE-1)."""

    template_name = "billing/items_board_public.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = get_object_or_404(Community.objects.select_related("company"), code=self.kwargs["code"])
        context["board"] = selectors.price_board(community)
        return context
