"""Console forms of the register. Each form's `save()` calls the services; a ServiceError is shown
beside the field it names and nothing is saved (DESIGN.md §8)."""

import copy
import re

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.console import apply_service_error
from guanjia.core.errors import ServiceError

from . import services
from .choices import Acquisition, DocumentCategory, IdType, Relationship
from .models import Person, Room

_PHONE_SPLIT = re.compile(r"[\r\n/,，;；、\s]+")


class _Abort(Exception):
    """Errors were put on the forms already; roll back."""


def split_phone_text(text: str) -> list[str]:
    """One number per line, or separated by / (the service validates each)."""
    return [p for p in _PHONE_SPLIT.split(text or "") if p]


def person_label(person: Person) -> str:
    tail = _("证件尾号%(last4)s") % {"last4": person.id_last4} if person.id_last4 else _("无证件")
    return f"{person.name}（{tail}）"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class BlankInput(forms.TextInput):
    """An input that never renders a value: ID numbers are not echoed back to the page (LW-1)."""

    def format_value(self, value):
        return None


class PersonPicker(forms.Select):
    """Pick an existing person by typing a name or pinyin (htmx fills the options).

    Only the chosen person is rendered, never the community's whole register.
    """

    def render(self, name, value, attrs=None, renderer=None):
        from django.urls import reverse
        from django.utils.html import format_html

        select = super().render(name, value, attrs, renderer)
        url = f"{reverse('estates:person_options')}?community={getattr(self, 'community_id', '')}"
        return format_html(
            '<span class="person-picker"><input type="search" name="q" placeholder="{}" aria-label="{}" '
            'autocomplete="off" hx-get="{}" hx-trigger="input changed delay:250ms, search" '
            'hx-target="next select" hx-swap="innerHTML">{}</span>',
            _("输入姓名或拼音查找"),
            _("查找已登记人员"),
            url,
            select,
        )

    def get_context(self, name, value, attrs):
        values = value if isinstance(value, list | tuple) else [value]
        ids = [str(v) for v in values if v not in (None, "") and str(v).isdigit()]
        queryset = getattr(self.choices, "queryset", None)
        original = self.choices
        chosen = list(queryset.filter(pk__in=ids)) if queryset is not None and ids else []
        self.choices = [("", _("——请先查找——"))] + [(p.pk, person_label(p)) for p in chosen]
        try:
            return super().get_context(name, value, attrs)
        finally:
            self.choices = original


class PersonField(forms.ModelChoiceField):
    widget = PersonPicker

    def label_from_instance(self, obj):
        return person_label(obj)


class PersonOrNewForm(forms.Form):
    """A person chosen from the register, or created on the spot."""

    person_label = _("已登记人员")
    person = PersonField(queryset=Person.objects.none(), required=False)
    new_name = forms.CharField(label=_("或新登记：姓名"), max_length=50, required=False)
    new_id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID, required=False
    )
    new_id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False, widget=BlankInput)
    new_phones = forms.CharField(label=_("电话"), max_length=200, required=False, help_text=_("多个号码用 / 分隔"))

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["person"].label = self.person_label
        if community is not None:
            self.fields["person"].queryset = Person.objects.filter(community=community)
            self.fields["person"].widget.community_id = community.pk

    def has_person(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("person") or (data.get("new_name") or "").strip())

    def clean(self):
        data = super().clean()
        if data.get("person") and (data.get("new_name") or "").strip():
            raise forms.ValidationError(_("请选择已登记人员或填写新人员姓名，二者只填其一。"))
        return data

    def resolve_person(self, actor) -> Person:
        """The chosen person, or a new one created through the service (errors go beside the field)."""
        data = self.cleaned_data
        if data.get("person"):
            return data["person"]
        try:
            return services.person_create(
                community=self.community,
                actor=actor,
                name=data.get("new_name", ""),
                id_type=data.get("new_id_type") or IdType.RESIDENT_ID,
                id_number=data.get("new_id_number", ""),
                phones=split_phone_text(data.get("new_phones", "")),
            )
        except ServiceError as error:
            if error.field:
                error.field = f"new_{error.field}"
            apply_service_error(self, error)
            raise _Abort from None


# --- Ownership (PR-1) -------------------------------------------------------------------


class OwnerRowForm(PersonOrNewForm):
    person_label = _("业主")
    share = forms.DecimalField(label=_("份额(%)"), max_digits=5, decimal_places=2, required=False, min_value=0)


class BaseOwnerFormSet(forms.BaseFormSet):
    def __init__(self, *args, community=None, **kwargs):
        self.community = community
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "community": self.community}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True, community=self.community
        )
        self.add_fields(form, None)
        return form

    def filled(self):
        return [f for f in self.forms if f.has_person()]

    def clean(self):
        if any(self.errors):
            return
        filled = self.filled()
        if not filled:
            raise forms.ValidationError(_("请至少填写一位业主。"))
        for form in filled:
            if form.cleaned_data.get("share") is None:
                if len(filled) == 1:
                    form.cleaned_data["share"] = 100  # a sole owner holds the whole room
                else:
                    form.add_error("share", _("共有时请填写每位业主的份额。"))


OwnerFormSet = forms.formset_factory(OwnerRowForm, formset=BaseOwnerFormSet, extra=3, max_num=10, validate_max=True)


class _OwnersForm(forms.Form):
    acquisition = forms.ChoiceField(label=_("取得方式"), choices=Acquisition.choices, initial=Acquisition.PURCHASE)
    certificate_no = forms.CharField(label=_("产权证号"), max_length=60, required=False)

    def __init__(self, data=None, *, room: Room, **kwargs):
        super().__init__(data, **kwargs)
        self.room = room
        self.owners = OwnerFormSet(data, prefix="owners", community=room.community)

    def is_valid(self):
        return all([super().is_valid(), self.owners.is_valid()])

    def save(self, *, actor) -> bool:
        try:
            with transaction.atomic():
                owners = [(f.resolve_person(actor), f.cleaned_data["share"]) for f in self.owners.filled()]
                self.perform(actor=actor, owners=owners)
        except _Abort:
            return False
        except ServiceError as error:
            apply_service_error(self, error)
            return False
        return True


class OwnershipRegisterForm(_OwnersForm):
    """First registration of a room's owners."""

    # PR-1: a register handed over by the developer often has no date; unknown stays unknown.
    since = forms.DateField(label=_("取得日期"), widget=DateInput, required=False, help_text=_("不详可不填"))
    field_order = ["since", "acquisition", "certificate_no"]

    def perform(self, *, actor, owners):
        services.ownership_register(
            room=self.room,
            actor=actor,
            owners=owners,
            since=self.cleaned_data["since"],
            acquisition=self.cleaned_data["acquisition"],
            certificate_no=self.cleaned_data["certificate_no"],
        )


class OwnershipTransferForm(_OwnersForm):
    """A transfer: the current owners' shares end on the date, the new owners' begin (PR-1)."""

    on = forms.DateField(label=_("转移日期"), widget=DateInput)
    field_order = ["on", "acquisition", "certificate_no"]

    def perform(self, *, actor, owners):
        services.ownership_transfer(
            room=self.room,
            actor=actor,
            owners=owners,
            on=self.cleaned_data["on"],
            acquisition=self.cleaned_data["acquisition"],
            certificate_no=self.cleaned_data["certificate_no"],
        )


# --- Room (PR-2) --------------------------------------------------------------------------


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = list(services.ROOM_FIELDS)
        widgets = {"moved_in_on": DateInput}

    def __init__(self, *args, instance: Room, **kwargs):
        # The form works on a copy: room_update() compares the stored values with the new ones.
        self.room = instance
        super().__init__(*args, instance=copy.copy(instance), **kwargs)

    def save(self, *, actor) -> bool:  # type: ignore[override]
        try:
            services.room_update(room=self.room, actor=actor, **self.cleaned_data)
        except ServiceError as error:
            apply_service_error(self, error)
            return False
        return True


# --- Leases and residents (PR-3) ----------------------------------------------------------


class LeaseForm(PersonOrNewForm):
    person_label = _("租户")
    start = forms.DateField(label=_("起租日期"), widget=DateInput)
    end = forms.DateField(label=_("到期日期"), widget=DateInput)
    registration_no = forms.CharField(label=_("租赁登记备案号"), max_length=60, required=False)
    decoration = forms.CharField(label=_("室内装修情况"), max_length=200, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, room: Room, **kwargs):
        super().__init__(*args, community=room.community, **kwargs)
        self.room = room

    def clean(self):
        data = super().clean()
        if not self.has_person():
            self.add_error("person", _("请选择租户或填写新租户姓名。"))
        return data

    def save(self, *, actor) -> bool:
        data = self.cleaned_data
        try:
            with transaction.atomic():
                tenant = self.resolve_person(actor)
                services.lease_create(
                    room=self.room,
                    tenant=tenant,
                    actor=actor,
                    start=data["start"],
                    end=data["end"],
                    registration_no=data["registration_no"],
                    decoration=data["decoration"],
                    note=data["note"],
                )
        except _Abort:
            return False
        except ServiceError as error:
            if error.field == "tenant":
                error.field = "person"
            apply_service_error(self, error)
            return False
        return True


class DateForm(forms.Form):
    """One date, for ending a lease or a residence."""

    on = forms.DateField(label=_("日期"), widget=DateInput)

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()
        if label:
            self.fields["on"].label = label


class ResidentForm(PersonOrNewForm):
    person_label = _("住户")
    relationship = forms.ChoiceField(label=_("与业主关系"), choices=Relationship.choices)
    since = forms.DateField(label=_("入住日期"), required=False, widget=DateInput)

    def __init__(self, *args, room: Room, **kwargs):
        super().__init__(*args, community=room.community, **kwargs)
        self.room = room

    def clean(self):
        data = super().clean()
        if not self.has_person():
            self.add_error("person", _("请选择住户或填写新住户姓名。"))
        return data

    def save(self, *, actor) -> bool:
        data = self.cleaned_data
        try:
            with transaction.atomic():
                person = self.resolve_person(actor)
                services.resident_add(
                    room=self.room, person=person, actor=actor, relationship=data["relationship"], since=data["since"]
                )
        except _Abort:
            return False
        except ServiceError as error:
            apply_service_error(self, error)
            return False
        return True


# --- Documents (AR-1) -------------------------------------------------------------------


class DocumentForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=DocumentCategory.choices)
    title = forms.CharField(label=_("标题"), max_length=100, required=False, help_text=_("留空则使用文件名"))
    file = forms.FileField(label=_("文件"), help_text=_("PDF、图片、Word、Excel，不超过 20MB"))

    def save(self, *, room: Room, actor) -> bool:
        data = self.cleaned_data
        try:
            services.document_upload(
                room=room, actor=actor, category=data["category"], title=data["title"], file=data["file"]
            )
        except ServiceError as error:
            apply_service_error(self, error)
            return False
        return True


# --- People -------------------------------------------------------------------------------


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False, widget=BlankInput)
    phones = forms.CharField(
        label=_("电话"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个号码，或用 / 分隔"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, person: Person | None = None, community=None, **kwargs):
        self.person, self.community = person, community
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": person.name,
                "id_type": person.id_type,
                "phones": "\n".join(p.number for p in person.phones.all()),
                "note": person.note,
            }
        super().__init__(*args, **kwargs)
        if person is not None:
            held = _("已登记，尾号%(last4)s") % {"last4": person.id_last4} if person.id_last4 else _("未登记")
            self.fields["id_number"].help_text = _("留空则保持不变（%(held)s）") % {"held": held}

    def save(self, *, actor) -> Person | None:
        data = self.cleaned_data
        phones = split_phone_text(data["phones"])
        try:
            if self.person is None:
                return services.person_create(
                    community=self.community,
                    actor=actor,
                    name=data["name"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    phones=phones,
                    note=data["note"],
                )
            id_number = data["id_number"] or None
            id_type = data["id_type"] if id_number else self.person.id_type
            return services.person_update(
                person=self.person,
                actor=actor,
                name=data["name"],
                id_type=id_type,
                id_number=id_number,
                phones=phones,
                note=data["note"],
            )
        except ServiceError as error:
            apply_service_error(self, error)
            return None
