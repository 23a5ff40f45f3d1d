"""Excel import of returned survey sheets 答卷 (SV-2 intake, SV-3 abstentions), as a kind of core's
importer (core.importing: upload, background check, row errors, bad rows, atomic commit).

The office hands out paper forms and often types the answers into a spreadsheet. This module
writes the template (every issued sheet pre-filled with its 表号 and 房屋编号), checks *every*
row of a filled file (problems reported with the Excel row number, column and reason), and
writes the checked rows in one transaction with bulk operations. The default is all or nothing;
only the clerk's explicit choice writes the rows without problems. A batch is the uploader's own
(as when the upload lived in his session). Inside the commit the sheets are locked and read
again: a sheet returned meanwhile is counted as corrected, and one an owner answered online
meanwhile makes the file be checked again (an owner's own answers are never overwritten).
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds
from guanjia.core.importing.bulk import BulkInsert
from guanjia.core.importing.kinds import Check, Checked, Commit, ImportTemplates, StaleRows
from guanjia.core.textnorm import clean, clean_prose, clean_text, normalise_room_code, without_controls

from .choices import Answer, Channel
from .models import Survey, SurveyAnswer, SurveySheet
from .surveys import owner_answered_message

KIND = "engagement.answers"
HEADER_SEARCH_ROWS = 10
CHUNK = 2000
SHEET_NAME = "答卷"
HELP_NAME = "填写说明"
NUMBER_LABEL = "表号"
ROOM_LABEL = "房屋编号"
SUGGESTIONS_LABEL = "意见和建议"
_NUMBER_ALIASES = {"表号", "问卷编号", "编号", "序号"}
_ROOM_ALIASES = {"房屋编号", "房号", "房屋", "房间号", "房屋号"}
_SUGGESTION_ALIASES = {"意见和建议", "意见建议", "意见与建议", "建议", "意见", "其他意见和建议"}

# What a cell may say for one item. 1/2/3 follow the column order of the paper form.
_TOKENS = {
    "满意": Answer.SATISFIED,
    "1": Answer.SATISFIED,
    "基本满意": Answer.BASIC,
    "2": Answer.BASIC,
    "不满意": Answer.DISSATISFIED,
    "3": Answer.DISSATISFIED,
}
_ABSTAIN = {"未填": Answer.BLANK, "弃权": Answer.BLANK, "多选": Answer.MULTIPLE}
_SEPARATORS = re.compile(r"[、,，;；/|+＋]+")
_ITEM_HEADER = re.compile(r"^(\d+)\s*[.．、)）]?\s*(.*)$")


# --- The template ------------------------------------------------------------------------------


def item_header(item) -> str:
    return f"{item.position}. {item.text}"


def answers_template(survey: Survey) -> bytes:
    """The 答卷 sheet with every issued form's 表号 and 房屋编号 filled in, and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    items = list(survey.items.all())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append([without_controls(_("%(t)s 答卷录入表") % {"t": survey.title})])  # stored text never breaks it
    sheet["A1"].font = Font(bold=True, size=14)
    headers = [NUMBER_LABEL, ROOM_LABEL, *(without_controls(item_header(i)) for i in items), SUGGESTIONS_LABEL]
    sheet.append(headers)
    fill = PatternFill("solid", fgColor="E8F3EE")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for number, code in survey.sheets.order_by("number").values_list("number", "room__code"):
        sheet.append([number, without_controls(code)])
    sheet.freeze_panes = "C3"
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 14
    from openpyxl.utils import get_column_letter

    for n in range(len(items)):
        sheet.column_dimensions[get_column_letter(3 + n)].width = 12
    sheet.column_dimensions[get_column_letter(3 + len(items))].width = 40

    help_sheet = workbook.create_sheet(HELP_NAME)
    lines = [
        _("填写说明"),
        _("1. 每行一份答卷：表号与房屋编号已按发放名单填好，请勿修改；未回收的行留空即可，不会导入。"),
        _("2. 每个评议项目填写：满意、基本满意 或 不满意（也可填数字 1 = 满意，2 = 基本满意，3 = 不满意）。"),
        _("3. 空白 = 未填，视为弃权；一格中有两个及以上选择（如“满意、不满意”或“1,3”）= 多选，也视为弃权（SV-3）。"),
        _("4. 意见和建议：照抄答卷上的文字。"),
        _("5. 已回收的答卷再次导入时，以本次导入的内容更正。"),
        _("6. 上传后先预览，逐行列出问题；全部无误并确认后才会写入。"),
    ]
    for line in lines:
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading a file ----------------------------------------------------------------------------


@dataclass
class AnswerRow:
    row: int
    sheet_id: int
    number: int
    choices: list[str]  # one Answer per item, in item order
    suggestions: str
    again: bool  # the sheet was returned already: this row corrects it


@dataclass
class AnswersPreview:
    total_rows: int = 0
    header_row: int | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    rows: list[AnswerRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    items: list[int] = field(default_factory=list)  # the survey's item ids, in the order of `choices`

    def error(self, row, column, message) -> None:
        self.errors.append({"row": row, "column": str(column), "message": str(message)})

    def warn(self, row, column, message) -> None:
        self.warnings.append({"row": row, "column": str(column), "message": str(message)})

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        corrected = sum(1 for r in self.rows if r.again)
        abstained = sum(1 for r in self.rows for c in r.choices if c in (Answer.BLANK, Answer.MULTIPLE))
        return {
            "rows": len(self.rows),
            "new": len(self.rows) - corrected,
            "corrected": corrected,
            "abstained": abstained,
        }


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def _prose(value) -> str:
    """An owner's words (the suggestions cell), as written: "，" stays full-width."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_prose(value)


def read_choice(value) -> str:
    """One cell → an Answer; raises ValueError on anything unreadable. Two or more different
    choices in one cell are 多选, an abstention (SV-3); an empty cell is 未填, also one."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean(value)
    if not text:
        return Answer.BLANK
    if text in _ABSTAIN:
        return _ABSTAIN[text]
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) == 1 and parts[0] not in _TOKENS and parts[0].isdigit() and len(parts[0]) > 1:
        parts = list(parts[0])  # "13": two digits ticked without a separator
    chosen = set()
    for part in parts:
        if part not in _TOKENS:
            raise ValueError(value)
        chosen.add(_TOKENS[part])
    if not chosen:
        return Answer.BLANK
    return chosen.pop() if len(chosen) == 1 else Answer.MULTIPLE


def _header(values, items) -> tuple[dict | None, list[str]]:
    """{"number": i, "room": i, "suggestions": i, item.pk: i} when this row is the header."""
    by_position = {i.position: i for i in items}
    by_text = {clean(i.text): i for i in items}
    found: dict = {}
    ignored = []
    for index, cell in enumerate(values):
        key_text = clean(_text(cell))
        if not key_text:
            continue
        if key_text in _NUMBER_ALIASES and "number" not in found:
            found["number"] = index
        elif key_text in _ROOM_ALIASES and "room" not in found:
            found["room"] = index
        elif key_text in _SUGGESTION_ALIASES and "suggestions" not in found:
            found["suggestions"] = index
        else:
            item = by_text.get(key_text)
            match = _ITEM_HEADER.match(key_text)
            if item is None and match:
                candidate = by_position.get(int(match.group(1)))
                if candidate and (not match.group(2) or clean(match.group(2)) == clean(candidate.text)):
                    item = candidate
            if item is not None and item.pk not in found:
                found[item.pk] = index
            else:
                ignored.append(_text(cell))
    if "number" in found or "room" in found:
        return found, ignored
    return None, []


def parse_answers(survey: Survey, rows) -> AnswersPreview:
    """Check every row of an answers file ((row number, values), as core.importing.xlsx reads
    them) against the survey's issued sheets. Three queries (items, sheets and their rooms),
    whatever the number of rows."""
    preview = AnswersPreview()
    items = list(survey.items.order_by("position"))
    listed = survey.sheets.values_list("pk", "number", "room_id", "room__code", "returned_at", "channel")
    sheets = {number: (pk, room_id, code, returned_at) for pk, number, room_id, code, returned_at, _c in listed}
    by_owner = {number for _pk, number, _r, _code, _at, channel in listed if channel == Channel.PORTAL}
    by_room = {code: number for number, (_pk, _r, code, _at) in sheets.items()}
    rows = iter(rows)
    index = None
    for number, values in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        index, ignored = _header(values, items)
        if index is not None:
            preview.header_row, preview.ignored_columns = number, ignored
            break
    if index is None:
        preview.error(
            None,
            "",
            _("未找到表头：前%(n)s行中没有“表号”或“房屋编号”列。请使用下载的模板。") % {"n": HEADER_SEARCH_ROWS},
        )
        return preview
    missing = [item_header(i) for i in items if i.pk not in index]
    for label in missing:
        preview.error(preview.header_row, label, _("缺少评议项目列“%(label)s”。") % {"label": label})
    if missing:
        return preview
    preview.items = [i.pk for i in items]
    _read_rows(rows, preview, index, items, sheets, by_room, by_owner)
    preview.errors.sort(key=lambda e: e["row"] or 0)
    return preview


def _read_rows(rows, preview: AnswersPreview, index: dict, items, sheets: dict, by_room: dict, by_owner: set) -> None:
    seen: dict[int, int] = {}  # sheet number → first row
    item_columns = [(item, index[item.pk]) for item in items]

    def cell(values, i):
        return values[i] if i is not None and i < len(values) else None

    for row, values in rows:
        raw_number = cell(values, index.get("number"))
        raw_room = cell(values, index.get("room"))
        raw_items = [cell(values, i) for _item, i in item_columns]
        suggestions = _prose(cell(values, index.get("suggestions")))
        if not any(clean(_text(v)) for v in raw_items) and not suggestions:
            continue  # a form not returned (the template lists every issued one) or an empty row
        preview.total_rows += 1
        bad = False
        choices = []
        for (item, _i), value in zip(item_columns, raw_items, strict=True):
            try:
                choices.append(read_choice(value))
            except ValueError:
                bad = True
                preview.error(
                    row,
                    item_header(item),
                    _("“%(v)s”无法识别，应填 满意、基本满意、不满意 或 1、2、3；不选请留空。") % {"v": _text(value)},
                )
        number_text = clean(_text(raw_number))
        code = normalise_room_code(raw_room) if clean(_text(raw_room)) else None
        if clean(_text(raw_room)) and code is None:
            bad = True
            preview.error(row, ROOM_LABEL, _("“%(v)s”无法识别，应写成 3-2-1201。") % {"v": _text(raw_room)})
        number = None
        if number_text:
            if not number_text.isdigit():
                bad = True
                preview.error(row, NUMBER_LABEL, _("“%(v)s”不是表号，应为数字。") % {"v": number_text})
            elif int(number_text) not in sheets:
                bad = True
                preview.error(row, NUMBER_LABEL, _("本问卷没有第 %(n)s 号表。") % {"n": int(number_text)})
            else:
                number = int(number_text)
                if code and sheets[number][2] != code:
                    bad = True
                    preview.error(
                        row,
                        ROOM_LABEL,
                        _("表号 %(n)s 发给的是 %(expected)s，与填写的房屋 %(code)s 不一致。")
                        % {"n": number, "expected": sheets[number][2], "code": code},
                    )
        elif code:
            number = by_room.get(code)
            if number is None:
                bad = True
                preview.error(row, ROOM_LABEL, _("房屋 %(code)s 没有发放本次问卷。") % {"code": code})
        elif not clean(_text(raw_room)):
            bad = True
            preview.error(row, NUMBER_LABEL, _("请填写表号或房屋编号。"))
        if number is None or bad:
            continue
        if number in seen:
            preview.error(
                row, NUMBER_LABEL, _("第 %(n)s 号表与第 %(row)s 行重复。") % {"n": number, "row": seen[number]}
            )
            continue
        seen[number] = row
        pk, _room_id, room, returned_at = sheets[number]
        if number in by_owner:
            preview.error(row, NUMBER_LABEL, owner_answered_message(number, room))
            continue
        if returned_at is not None:
            preview.warn(
                row,
                NUMBER_LABEL,
                _("第 %(n)s 号表（%(room)s）已于 %(at)s 回收，将更正为本行内容。")
                % {"n": number, "room": room, "at": timezone.localtime(returned_at).strftime("%Y-%m-%d %H:%M")},
            )
        preview.rows.append(AnswerRow(row, pk, number, choices, suggestions, returned_at is not None))


# --- The import kind --------------------------------------------------------------------------


def _allow(survey: Survey, actor) -> None:
    """SV-2: answers come in while the survey is being collected, from the roles that enter them."""
    require(actor, "engagement.survey_enter", survey.community_id)
    if not survey.accepts_answers:
        raise ServiceError(
            "closed", _("%(t)s不在回收期内，不能导入答卷。") % {"t": survey.title}, field="file", status=409
        )


def _check(check: Check) -> Checked:
    preview = parse_answers(check.subject, check.rows())
    bad = sorted({e["row"] for e in preview.errors if e["row"] is not None and e["row"] != preview.header_row})
    records = [["I", preview.items]] if preview.rows else []
    records += [["A", r.row, r.sheet_id, r.number, r.choices, r.suggestions] for r in preview.rows if r.row not in bad]
    counts = preview.counts()
    return Checked(
        total_rows=preview.total_rows,
        header_row=preview.header_row,
        ignored_columns=preview.ignored_columns,
        errors=preview.errors,
        warnings=preview.warnings,
        excluded_rows=bad,
        counts=counts,
        records=records,
    )


def _commit(commit: Commit) -> dict:
    """Write the checked answers (SV-3 abstentions included). Per chunk of 2,000 sheets: lock
    them and read them again, one delete of their answers and two set-based updates of the sheets
    (returned_at where new; channel = import, entered_by); one bulk INSERT of all answers, one
    bulk update of the suggestions written, one log entry on the survey."""
    survey, actor = commit.subject, commit.actor
    _allow(survey, actor)
    records = iter(commit.records)
    header = next(records, None)
    if header is None:
        return {"rows": 0, "new": 0, "corrected": 0, "abstained": 0}
    items = header[1]
    if items != list(survey.items.order_by("position").values_list("pk", flat=True)):
        raise StaleRows  # the survey's items changed since the check
    answers = BulkInsert(SurveyAnswer, ["sheet_id", "item_id", "choice"], constants={"survey_id": survey.pk})
    rows = corrected = abstained = 0
    while chunk := list(itertools.islice(records, CHUNK)):
        ids = [r[2] for r in chunk]
        # Lock the sheets: a portal answer arriving meanwhile waits, then is refused as answered.
        state = {
            pk: (returned_at, channel)
            for pk, returned_at, channel in SurveySheet.objects.select_for_update()
            .filter(survey=survey, pk__in=ids)
            .values_list("pk", "returned_at", "channel")
        }
        if len(state) != len(set(ids)) or any(channel == Channel.PORTAL for _at, channel in state.values()):
            raise StaleRows  # an owner answered online meanwhile: his answers stay his
        corrected += sum(1 for _at, _c in state.values() if _at is not None)
        SurveyAnswer.objects.filter(sheet_id__in=ids).delete()
        # Set-based updates: bulk_update's CASE per row and field costs seconds for thousands.
        sheets = SurveySheet.objects.filter(survey=survey, pk__in=ids)
        sheets.filter(returned_at__isnull=True).update(returned_at=commit.now)
        sheets.update(channel=Channel.IMPORT, entered_by=actor, suggestions="")
        written = [SurveySheet(pk=r[2], suggestions=r[5]) for r in chunk if r[5]]
        SurveySheet.objects.bulk_update(written, ["suggestions"], batch_size=1000)
        for _a, _row, sheet, _number, choices, _s in chunk:
            for item, choice in zip(items, choices, strict=True):
                answers.add((sheet, item, choice))
                abstained += choice in (Answer.BLANK, Answer.MULTIPLE)
        rows += len(chunk)
    answers.flush()
    counts = {"rows": rows, "new": rows - corrected, "corrected": corrected, "abstained": abstained}
    log(
        actor,
        "engagement.sheets.imported",
        survey,
        community=survey.community,
        summary=_("导入答卷 %(name)s：%(rows)s 份（新回收 %(new)s 份，更正 %(corrected)s 份）")
        % {"name": commit.batch.filename, **counts},
        filename=commit.batch.filename,
        batch=commit.batch.pk,
        **counts,
    )
    return counts


def describe(result: dict) -> str:
    return _("答卷 %(rows)s 份（新回收 %(new)s 份，更正 %(corrected)s 份，弃权 %(abstained)s 项）") % {
        "rows": result.get("rows", 0),
        "new": result.get("new", 0),
        "corrected": result.get("corrected", 0),
        "abstained": result.get("abstained", 0),
    }


def register() -> None:
    kinds.register(
        kinds.ImportKind(
            key=KIND,
            title=gettext_lazy("答卷"),
            permission="engagement.survey_enter",
            check=_check,
            commit=_commit,
            describe=describe,
            templates=ImportTemplates(counts="engagement/import_counts.html", result="engagement/import_result.html"),
            start_url=lambda batch: reverse("engagement:answers_import", args=[batch.subject_id]),
            allow=_allow,
            private=True,
            sheet=SHEET_NAME,
        )
    )
