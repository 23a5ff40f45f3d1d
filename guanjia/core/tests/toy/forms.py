from django import forms


class ClaimForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label="核对结果", choices=[("1", "本人领取"), ("0", "不符，拒绝")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community


class NoteForm(forms.Form):
    note = forms.CharField(label="备注", max_length=200)
