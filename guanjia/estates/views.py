"""Console pages of the register and the household file 一户一档 (PR-1 … PR-3, AR-1).

Thin views: lists declare queryset and filter; action pages hand a form to a service and show a
ServiceError beside the field. A row outside the user's communities is a 404 (DESIGN.md §1).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core import registry
from guanjia.core.access import has_perm, visible_communities
from guanjia.core.console import ActionView, CommunityListView, StaffMixin, flash_service_error
from guanjia.core.errors import Forbidden, ServiceError

from . import services
from .filters import BuildingFilter, LeaseFilter, PersonFilter, RoomFilter
from .forms import (
    DateForm,
    DocumentForm,
    LeaseForm,
    OwnershipRegisterForm,
    OwnershipTransferForm,
    PersonForm,
    ResidentForm,
    RoomForm,
    person_label,
)
from .models import Building, HouseholdDocument, Lease, Ownership, Person, Resident, Room

PICKER_LIMIT = 20


def current_owners_prefetch(to_attr: str = "current_owners") -> Prefetch:
    return Prefetch(
        "ownerships",
        queryset=Ownership.objects.filter(until__isnull=True).select_related("person").order_by("-share", "id"),
        to_attr=to_attr,
    )


# --- Lists --------------------------------------------------------------------------------


class RoomListView(CommunityListView):
    action = "estates.view"
    model = Room
    template_name = "estates/room_list.html"
    filterset_class = RoomFilter

    def base_queryset(self):
        return Room.objects.select_related("building", "unit").prefetch_related(current_owners_prefetch())


class BuildingListView(CommunityListView):
    action = "estates.view"
    model = Building
    template_name = "estates/building_list.html"
    filterset_class = BuildingFilter

    def base_queryset(self):
        return Building.objects.annotate(
            room_count=Count("rooms", distinct=True), unit_count=Count("units", distinct=True)
        ).order_by("sort_key")  # natural order: 1幢, 2幢, 10幢


class PersonListView(CommunityListView):
    action = "estates.view"
    model = Person
    template_name = "estates/person_list.html"
    filterset_class = PersonFilter

    def base_queryset(self):
        return Person.objects.prefetch_related("phones")


class LeaseListView(CommunityListView):
    action = "estates.view"
    model = Lease
    template_name = "estates/lease_list.html"
    filterset_class = LeaseFilter

    def base_queryset(self):
        return Lease.objects.select_related("room", "tenant").order_by("-start", "-id")


# --- The household file (AR-1) -------------------------------------------------------------


class RoomObjectMixin(StaffMixin):
    """A room in the user's communities (any of them: links from other pages keep working). Reading
    the household file is every member of staff's (AR-1); each section and action checks its own."""

    action = "estates.view"
    model = Room  # the record the URL's id names (tests_system.test_routes walks every such route)

    def get_room(self) -> Room:
        if not hasattr(self, "_room"):
            rooms = self.scoped(Room.objects.select_related("building", "unit", "community"))
            self._room = get_object_or_404(rooms, pk=self.kwargs["pk"])
        return self._room


class HouseholdView(RoomObjectMixin, TemplateView):
    """一户一档 (AR-1): the room, and the sections the apps register for it (core.registry: owners,
    tenants, residents, papers, requests, visits, surveys, the timeline), those the role may read."""

    template_name = "estates/household.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = self.get_room()
        user, community = self.request.user, room.community
        context.update(
            room=room,
            sections=registry.household_file_for(self.request, room),
            has_owners=room.ownerships.filter(until__isnull=True).exists(),
            may_edit=has_perm(user, "estates.edit", community),
            may_transfer=has_perm(user, "estates.transfer", community),
        )
        return context


class HouseholdActionView(ActionView):
    """An action on one household (core.console.ActionView): `permission` is checked in the room's
    community, the form's data goes to the service, a ServiceError is shown beside its field and
    success goes back to the household file."""

    model = Room
    action = "estates.view"  # reading the household is every member of staff's; acting is `permission`
    permission = "estates.edit"
    template_name = "estates/action_form.html"
    submit_label = gettext_lazy("保存")

    def get_queryset(self):
        return Room.objects.select_related("building", "unit", "community")

    def get_room(self) -> Room:
        return self.get_object()

    def refusal(self) -> ServiceError | None:
        if not has_perm(self.request.user, self.permission, self.get_room().community):
            return Forbidden("forbidden", _("您没有权限执行此操作。"))
        return None

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial")  # each form here sets its own
        return kwargs

    def saved(self, form):
        """Forms that register people on the spot save through several services in one transaction
        and put each refusal on the row it concerns; nothing is saved when one fails."""
        if not form.save(actor=self.request.user):
            raise ServiceError("invalid", _("请更正以下错误后再提交。"))
        return form

    def get_success_url(self, result) -> str:
        return reverse("estates:household", args=[self.get_room().pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["room"] = self.get_room()
        return context


class RoomEditView(HouseholdActionView):
    title = gettext_lazy("修改房屋资料")
    form_class = RoomForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "instance": self.get_room()}

    def perform(self, form):
        return services.room_update(room=self.get_room(), actor=self.request.user, **form.cleaned_data)


class OwnershipRegisterView(HouseholdActionView):
    title = gettext_lazy("登记业主")
    template_name = "estates/owners_form.html"
    form_class = OwnershipRegisterForm
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("已登记业主。")

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "room": self.get_room()}

    def perform(self, form):
        return self.saved(form)


class OwnershipTransferView(OwnershipRegisterView):
    """Transfer of ownership (PR-1): 购买/继承/赠与/法院判决/其他, with its date."""

    title = gettext_lazy("产权转移")
    form_class = OwnershipTransferForm
    permission = "estates.transfer"
    submit_label = gettext_lazy("确认转移")
    success_message = gettext_lazy("已办理产权转移，原业主记录保留在历史中。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current_owners"] = self.get_room().ownerships.filter(until__isnull=True).select_related("person")
        return context


class LeaseCreateView(HouseholdActionView):
    title = gettext_lazy("登记租赁")
    form_class = LeaseForm
    success_message = gettext_lazy("已登记租赁。")

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "room": self.get_room()}

    def perform(self, form):
        return self.saved(form)


class ResidentAddView(LeaseCreateView):
    title = gettext_lazy("登记住户")
    form_class = ResidentForm
    success_message = gettext_lazy("已登记住户。")


class DocumentUploadView(HouseholdActionView):
    title = gettext_lazy("上传档案文件")
    form_class = DocumentForm
    permission = "estates.upload_document"
    submit_label = gettext_lazy("上传")
    success_message = gettext_lazy("已上传。")

    def perform(self, form):
        data = form.cleaned_data
        return services.document_upload(
            room=self.get_room(),
            actor=self.request.user,
            category=data["category"],
            title=data["title"],
            file=data["file"],
        )


class LeaseEndView(HouseholdActionView):
    """退租: the lease stays in the register with its end date (PR-3)."""

    model = Lease
    pk_url_kwarg = "lease"
    title = gettext_lazy("退租")
    form_class = DateForm
    submit_label = gettext_lazy("确认退租")
    success_message = gettext_lazy("已办理退租。")

    def get_queryset(self):
        return Lease.objects.select_related("room", "room__building", "room__unit", "room__community", "tenant")

    def get_room(self) -> Room:
        return self.get_object().room

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "label": _("退租日期")}

    def perform(self, form):
        return services.lease_end(lease=self.get_object(), actor=self.request.user, on=form.cleaned_data["on"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lease = self.get_object()
        context["subject"] = _("%(tenant)s，%(start)s 至 %(end)s") % {
            "tenant": lease.tenant.name,
            "start": lease.start,
            "end": lease.end,
        }
        return context


class ResidentRemoveView(HouseholdActionView):
    model = Resident
    pk_url_kwarg = "resident"
    title = gettext_lazy("住户迁出")
    form_class = DateForm
    submit_label = gettext_lazy("确认迁出")
    success_message = gettext_lazy("已登记迁出。")

    def get_queryset(self):
        return Resident.objects.select_related("room", "room__building", "room__unit", "room__community", "person")

    def get_room(self) -> Room:
        return self.get_object().room

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "label": _("迁出日期")}

    def perform(self, form):
        return services.resident_remove(
            resident=self.get_object(), actor=self.request.user, until=form.cleaned_data["on"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subject"] = self.get_object().person.name
        return context


class DocumentDownloadView(StaffMixin, View):
    """A household paper, opened through a scope check; ID copies only for roles that may see IDs,
    and every such view is logged (LW-1)."""

    action = "estates.view"
    model = HouseholdDocument

    def get(self, request, pk):
        document = get_object_or_404(self.scoped(HouseholdDocument.objects.select_related("room")), pk=pk)
        try:
            handle = services.document_open(document=document, actor=request.user)
        except FileNotFoundError:
            raise Http404 from None
        name = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(handle, filename=name, as_attachment=False)


# --- People -------------------------------------------------------------------------------


class PersonObjectMixin(StaffMixin):
    action = "estates.view"
    model = Person

    def get_person(self) -> Person:
        if not hasattr(self, "_person"):
            people = self.scoped(Person.objects.select_related("community").prefetch_related("phones"))
            self._person = get_object_or_404(people, pk=self.kwargs["pk"])
        return self._person


class PersonDetailView(PersonObjectMixin, TemplateView):
    template_name = "estates/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.get_person()
        context.update(
            person=person,
            ownerships=person.ownerships.select_related("room").order_by(F("since").desc(nulls_last=True), "id"),
            leases=person.leases.select_related("room").order_by("-start"),
            residences=person.residences.select_related("room").order_by("-id"),
            may_edit=has_perm(self.request.user, "estates.edit", person.community),
            may_view_id=has_perm(self.request.user, "people.view_id", person.community),
        )
        return context


class PersonFormView(StaffMixin, TemplateView):
    action = "estates.view"  # and estates.edit in the person's community, checked by check()
    template_name = "estates/person_form.html"

    def get_person(self) -> Person | None:
        return None

    def community(self):
        return self.request.community

    def check(self):
        if not has_perm(self.request.user, "estates.edit", self.community()):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check()
        return self.render_to_response(
            self.get_context_data(form=PersonForm(person=self.get_person(), community=self.community()))
        )

    def post(self, request, *args, **kwargs):
        self.check()
        form = PersonForm(request.POST, person=self.get_person(), community=self.community())
        if form.is_valid():
            person = form.save(actor=request.user)
            if person is not None:
                messages.success(request, _("已保存人员 %(name)s。") % {"name": person.name})
                return redirect("estates:person", pk=person.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["person"] = self.get_person()
        return context


class PersonCreateView(PersonFormView):
    pass


class PersonUpdateView(PersonObjectMixin, PersonFormView):
    def get_person(self) -> Person:
        return PersonObjectMixin.get_person(self)

    def community(self):
        return self.get_person().community


class PersonRevealIdView(PersonObjectMixin, View):
    """Show one full ID number on request; person_reveal_id() logs the view (LW-1)."""

    def post(self, request, pk):
        person = self.get_person()
        try:
            number = services.person_reveal_id(person=person, actor=request.user)
        except ServiceError as error:
            if request.htmx:
                return HttpResponse(
                    format_html('<span class="field-error">{}</span>', error.message), status=error.status
                )
            flash_service_error(request, error)
            return redirect("estates:person", pk=person.pk)
        html = format_html('<code class="revealed-id">{}</code>', number)
        if request.htmx:
            return HttpResponse(html)
        return HttpResponse(
            format_html(
                '<!doctype html><meta charset="utf-8"><title>{}</title><p>{}：{}</p>',
                _("证件号码"),
                person.name,
                html,
            )
        )


class PersonOptionsView(StaffMixin, View):
    """Options for the person picker: people of one community whose name or pinyin starts with q."""

    action = "estates.view"

    def get(self, request):
        community = get_object_or_404(visible_communities(request.user), pk=request.GET.get("community") or 0)
        people = Person.objects.filter(community=community)
        query = (request.GET.get("q") or "").strip()
        found = PersonFilter({"name": query}, queryset=people).qs[:PICKER_LIMIT] if query else []
        found = list(found)
        if not found:
            first = _("未找到，可在下方新登记") if query else _("——请先查找——")
            return HttpResponse(format_html('<option value="">{}</option>', first))
        options = format_html_join("", '<option value="{}">{}</option>', ((p.pk, person_label(p)) for p in found))
        return HttpResponse(format_html('<option value="">{}</option>{}', _("——请选择——"), options))
