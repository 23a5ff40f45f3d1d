"""Disputes of a bill line (FE-1): the owner's (one field) and the desk's record of one said by phone or
at the window; both checked by the service (services.disputes), so the forms and the API refuse the
same input with the same message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DESK_DISPUTE_CHANNELS
from .models import BillLine
from .selectors_disputes import desk_disputable_lines
from .services.disputes import REASON_MAX, SAID_BY_MAX


class LineDisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("异议理由"),
        required=False,  # the service says what is missing, for the form and the API alike
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REASON_MAX}),
        help_text=_("如：面积与房产证不符、该月已缴、单价与公示不一致"),
    )


class DeskDisputeForm(forms.Form):
    """The desk records an owner's dispute of a line of this bill, said by phone or at the window
    (FE-1, RC-1). It offers exactly the lines the service accepts (selectors_disputes.
    desk_disputable_lines); what is missing or malformed is the service's to say, as for the API."""

    line = forms.ModelChoiceField(
        label=_("账单明细"),
        queryset=BillLine.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("账单明细：请选择有异议的明细。"),
            "invalid_choice": _("账单明细：该明细不能登记异议（开发建设单位的账单，或已有异议在处理中）。"),
        },
    )
    channel = forms.ChoiceField(label=_("受理渠道"), choices=[(c.value, c.label) for c in DESK_DISPUTE_CHANNELS])
    said_by = forms.CharField(label=_("异议人"), required=False, max_length=SAID_BY_MAX)
    said_by_phone = forms.CharField(label=_("异议人电话"), required=False, max_length=20)
    reason = forms.CharField(
        label=_("异议理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}),
        help_text=_("记录业户所说，如：面积与房产证不符、该月已缴"),
    )

    def __init__(self, *args, bill, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = desk_disputable_lines(bill.community_id).filter(bill=bill).order_by("id")
        self.fields["line"].label_from_instance = lambda line: f"{line.item_name} · {line.amount} 元"
        self.fields["channel"].error_messages["required"] = _("受理渠道：请选择电话或窗口。")
        self.fields["channel"].error_messages["invalid_choice"] = _("受理渠道：请选择电话或窗口。")
