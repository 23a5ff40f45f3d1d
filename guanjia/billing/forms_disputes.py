"""The owner's dispute of a bill line (FE-1): one field, checked by the service (services.disputes),
so the portal form and the API refuse the same input with the same message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.disputes import REASON_MAX


class LineDisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("异议理由"),
        required=False,  # the service says what is missing, for the form and the API alike
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REASON_MAX}),
        help_text=_("如：面积与房产证不符、该月已缴、单价与公示不一致"),
    )
