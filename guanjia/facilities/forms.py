"""Forms of the ledger pages (FM-1): each hands its data to one service, which validates again."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Membership
from guanjia.estates.models import Building

from .choices import DocumentKind, Importance, Maintainer, RecordKind
from .models import Contractor, DeviceType
from .selectors import type_tree


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def type_choices() -> list[tuple]:
    """The type tree as indented choices (电梯 › 客梯)."""
    return [(node.type.pk, node.indented) for node in type_tree()]


class DeviceForm(forms.Form):
    code = forms.CharField(label=_("设备编号"), max_length=40)
    name = forms.CharField(label=_("设备名称"), max_length=100)
    type = forms.TypedChoiceField(label=_("设备类型"), coerce=int)
    brand = forms.CharField(label=_("品牌"), max_length=50, required=False)
    model = forms.CharField(label=_("型号"), max_length=60, required=False)
    serial_no = forms.CharField(label=_("出厂编号"), max_length=60, required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    floor = forms.CharField(label=_("楼层"), max_length=10, required=False)
    place = forms.CharField(label=_("房间/公共区域"), max_length=100)
    importance = forms.ChoiceField(label=_("重要程度"), choices=Importance.choices, initial=Importance.B)
    commissioned_on = forms.DateField(label=_("启用日期"), required=False, widget=DateInput)
    warranty_ends_on = forms.DateField(label=_("保修期至"), required=False, widget=DateInput)
    value = forms.DecimalField(label=_("原值(元)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=get_user_model().objects.none(), required=False)
    maintainer = forms.ChoiceField(label=_("维护方式"), choices=Maintainer.choices, initial=Maintainer.IN_HOUSE)
    contractor = forms.ModelChoiceField(label=_("维保单位"), queryset=Contractor.objects.none(), required=False)
    registration_no = forms.CharField(label=_("特种设备使用登记证号"), max_length=60, required=False)
    last_inspection_on = forms.DateField(label=_("上次法定检验"), required=False, widget=DateInput)
    next_inspection_on = forms.DateField(label=_("下次法定检验"), required=False, widget=DateInput)
    certificate_no = forms.CharField(label=_("检验合格证编号"), max_length=60, required=False)
    active = forms.BooleanField(label=_("在用"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "---------"), *type_choices()]
        self.fields["building"].queryset = Building.objects.filter(community=community).order_by("sort_key")
        self.fields["contractor"].queryset = Contractor.objects.filter(community=community).order_by("name")
        staff = Membership.objects.filter(community=community).values("user")
        self.fields["responsible"].queryset = get_user_model().objects.filter(pk__in=staff).order_by("username")
        self.fields["responsible"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean_type(self):
        pk = self.cleaned_data["type"]
        found = DeviceType.objects.filter(pk=pk).first()
        if found is None:
            raise forms.ValidationError(_("请选择设备类型。"))
        return found


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=RecordKind.choices)
    done_on = forms.DateField(label=_("日期"), widget=DateInput)
    done_by = forms.CharField(label=_("执行人/单位"), max_length=100)
    content = forms.CharField(label=_("工作内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.CharField(label=_("结果"), max_length=200, required=False)
    next_due_on = forms.DateField(
        label=_("下次检验日期"), required=False, widget=DateInput, help_text=_("法定检验必填")
    )
    certificate_no = forms.CharField(label=_("检验合格证编号"), max_length=60, required=False)
    cost = forms.DecimalField(label=_("费用(元)"), max_digits=12, decimal_places=2, min_value=0, required=False)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("资料类别"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("资料名称"), max_length=100)
    file = forms.FileField(label=_("文件"))


class TicketLinkForm(forms.Form):
    number = forms.CharField(label=_("工单号"), max_length=30, help_text=_("本小区的报修工单号"))


class ContractorForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    licence_no = forms.CharField(label=_("资质证书编号"), max_length=60, required=False)
    licence_expires_on = forms.DateField(label=_("资质有效期至"), required=False, widget=DateInput)
    contact = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
