"""Forms of the survey console (SV-1, SV-2, SV-3 entry). They parse what a clerk types; the
rules themselves live in `surveys` (the service)."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.textnorm import normalise_room_code
from guanjia.core.topics import Topic

from .choices import Answer, SurveyKind
from .models import SurveySheet

# The keys of the answer string (one character per item, in item order). SV-3: blank and
# multiple are abstentions; they are recorded as such and left out of the rate.
ANSWER_KEYS = {
    "1": Answer.SATISFIED,
    "2": Answer.BASIC,
    "3": Answer.DISSATISFIED,
    "0": Answer.BLANK,
    " ": Answer.BLANK,
    "-": Answer.BLANK,
    "9": Answer.MULTIPLE,
    "*": Answer.MULTIPLE,
}
ANSWER_LEGEND = [
    ("1", Answer.SATISFIED.label),
    ("2", Answer.BASIC.label),
    ("3", Answer.DISSATISFIED.label),
    ("0", gettext_lazy("未填（或空格、-），弃权")),
    ("9", gettext_lazy("多选（或 *），弃权")),
]


def parse_answer_string(text: str, n_items: int) -> list[str]:
    """'1230 9' → one Answer per item. Full-width digits (as a Chinese IME types them) are
    accepted. The error names the position and the character, so the clerk finds it on the form."""
    text = unicodedata.normalize("NFKC", (text or "").rstrip("\r\n"))
    if len(text) != n_items:
        raise ValidationError(
            _("答案串有 %(got)s 位，本问卷有 %(n)s 项：请每项输入一位。") % {"got": len(text), "n": n_items},
            code="length",
        )
    marks = []
    for position, char in enumerate(text, start=1):
        if char not in ANSWER_KEYS:
            raise ValidationError(
                _("第 %(n)s 项的“%(c)s”无效，应为 1、2、3、0 或 9。") % {"n": position, "c": char}, code="char"
            )
        marks.append(ANSWER_KEYS[char])
    return marks


def _topic_of(name: str) -> str | None:
    """'cleaning' or '清洁' → 'cleaning'; None when unknown."""
    name = name.strip()
    for topic in Topic:
        if name in (topic.value, str(topic.label)):
            return topic.value
    return None


def items_as_text(items) -> str:
    """An item named after its topic (the SV-7 defaults) needs no `|对应事项`."""
    return "\n".join(
        f"{i.text}|{i.get_topic_display()}" if i.topic and i.text != i.get_topic_display() else i.text for i in items
    )


class SurveyCreateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=SurveyKind.choices)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    period = forms.IntegerField(
        label=gettext_lazy("期次"),
        min_value=1,
        max_value=4,
        help_text=gettext_lazy("季度评议为 1–4 季度；半年度问卷 1 为上半年，2 为下半年"),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"), max_length=100, required=False, help_text=gettext_lazy("不填则按期次自动生成")
    )


class SurveyItemsForm(forms.Form):
    """One item per line, optionally `项目|对应事项` (SV-7 topic by name)."""

    items = forms.CharField(
        label=gettext_lazy("评议项目"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy("每行一项；可用“项目|对应事项”注明对应事项，如“电梯运行|其他”。"),
    )

    def clean_items(self):
        parsed = []
        for line_no, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            text, _sep, topic_name = line.partition("|")
            topic = "" if _sep else (_topic_of(text) or "")  # "治安" alone is the 治安 topic
            if topic_name.strip():
                topic = _topic_of(topic_name)
                if topic is None:
                    raise ValidationError(
                        _("第 %(n)s 行：对应事项“%(t)s”不在规定范围内（%(all)s）。")
                        % {"n": line_no, "t": topic_name.strip(), "all": "、".join(str(t.label) for t in Topic)}
                    )
            parsed.append((text.strip(), topic))
        return parsed


class SurveyIssueForm(forms.Form):
    issued_on = forms.DateField(
        label=gettext_lazy("发放日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # SV-1: offered once the page has warned that the evaluation would go out before mid-month.
    early_ok = forms.BooleanField(label=gettext_lazy("确认提前发放"), required=False)


class SurveyPublishForm(forms.Form):
    """The analysis printed with the results statistics table (SV-6; the SV-1 summary)."""

    conclusion = forms.CharField(
        label=gettext_lazy("分析结论"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80})
    )


class SheetEntryForm(forms.Form):
    """Keyboard-only paper entry: 表号 or room code, the answer string, suggestions (SV-3)."""

    sheet = forms.CharField(
        label=gettext_lazy("表号或房号"),
        max_length=64,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
    )
    answers = forms.CharField(
        label=gettext_lazy("答案串"),
        strip=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono", "spellcheck": "false"}),
    )
    suggestions = forms.CharField(
        label=gettext_lazy("意见和建议"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    correct = forms.BooleanField(label=gettext_lazy("更正已录入的答卷"), required=False)

    def __init__(self, *args, survey, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey, self.items = survey, items
        self.fields["answers"].help_text = _("共 %(n)s 项，每项一位") % {"n": len(items)}
        self.fields["answers"].widget.attrs["placeholder"] = "1" * len(items)

    def clean_sheet(self):
        raw = unicodedata.normalize("NFKC", self.cleaned_data["sheet"]).strip()
        sheets = SurveySheet.objects.filter(survey=self.survey).select_related("room")
        if raw.isdigit():
            sheet = sheets.filter(number=int(raw)).first()
            if sheet is None:
                raise ValidationError(_("本问卷没有第 %(n)s 号表。") % {"n": raw})
        else:
            code = normalise_room_code(raw) or raw
            sheet = sheets.filter(room__code=code).first()
            if sheet is None:
                raise ValidationError(_("房屋 %(c)s 不在本问卷的发放对象中。") % {"c": code})
        return sheet

    def clean_answers(self):
        return parse_answer_string(self.cleaned_data["answers"], len(self.items))

    def clean(self):
        cleaned = super().clean()
        sheet = cleaned.get("sheet")
        if sheet is not None and sheet.returned_at and not cleaned.get("correct"):
            returned = timezone.localtime(sheet.returned_at)
            self.add_error(
                "correct",
                _("第 %(n)s 号表（%(room)s）已于 %(at)s 录入；如确需更正，请勾选“更正已录入的答卷”后再提交。")
                % {"n": sheet.number, "room": sheet.room.code, "at": f"{returned:%Y-%m-%d %H:%M}"},
            )
        return cleaned

    def answers_by_item(self) -> dict:
        return {item.pk: mark for item, mark in zip(self.items, self.cleaned_data["answers"], strict=True)}
