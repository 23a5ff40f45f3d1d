"""Excel import of returned survey sheets (SV-2 intake, SV-3 abstentions) on core's importer:
template, row-numbered preview, corrections, atomic bulk commit, permission and community scoping,
the batch is the uploader's own."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.importing.services import import_commit, import_queue, import_upload
from guanjia.core.importing.xlsx import open_workbook
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import staff
from guanjia.engagement import answers_import as ai
from guanjia.engagement import surveys
from guanjia.engagement.choices import Answer, Channel
from guanjia.engagement.models import SurveyAnswer, SurveySheet
from guanjia.engagement.tests.factories import issued_survey, survey_office
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.servicedesk.tests.factories import Office

pytestmark = pytest.mark.django_db

ITEMS = [("治安", "security"), ("清洁", "cleaning"), ("绿化", "greening")]
HEAD = ["表号", "房屋编号", "1. 治安", "2. 清洁", "3. 绿化", "意见和建议"]


@pytest.fixture
def office():
    return survey_office(households=6)


def issue(office, items=ITEMS):
    return issued_survey(office, items=items)


@pytest.fixture
def survey(office):
    return issue(office)


def sheets(survey):
    return list(survey.sheets.select_related("room").order_by("number"))


def xlsx(rows, title="2026年下半年问卷 答卷录入", head=HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "答卷"
    ws.append([title])  # a title row above the header, as offices do
    ws.append(head)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="答卷.xlsx"):
    return SimpleUploadedFile(name, content)


def parse(survey, content: bytes):
    """The check of a file's rows, as the import's background task runs it."""
    with open_workbook(io.BytesIO(content)) as workbook:
        return ai.parse_answers(survey, workbook.sheet(ai.SHEET_NAME).rows())


def preview(survey, actor, content: bytes, name="答卷.xlsx"):
    """Upload the file: the batch, checked at once (ImmediateBackend)."""
    return import_upload(
        kind=ai.KIND, community=survey.community, actor=actor, file=upload(content, name), subject=survey
    )


def commit(survey, actor, content: bytes, name="答卷.xlsx") -> dict:
    """Upload, check and confirm; what was written (or the refusal, raised)."""
    batch = preview(survey, actor, content, name)
    import_commit(batch=batch, actor=actor)
    batch.refresh_from_db()
    return batch.result


# --- Reading cells (SV-3) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("满意", Answer.SATISFIED),
        ("基本满意", Answer.BASIC),
        ("不满意", Answer.DISSATISFIED),
        (1, Answer.SATISFIED),
        (2.0, Answer.BASIC),
        ("３", Answer.DISSATISFIED),  # full-width digit
        (None, Answer.BLANK),
        ("  ", Answer.BLANK),
        ("满意、不满意", Answer.MULTIPLE),
        ("1,3", Answer.MULTIPLE),
        ("1，2", Answer.MULTIPLE),
        ("满意、满意", Answer.SATISFIED),
    ],
)
def test_sv3_cell_values_blank_and_multiple_are_abstentions(cell, expected):
    assert ai.read_choice(cell) == expected


@pytest.mark.parametrize("cell", ["很好", "4", "满意?"])
def test_unreadable_cell_is_refused(cell):
    with pytest.raises(ValueError):
        ai.read_choice(cell)


# --- Template ------------------------------------------------------------------------------


def test_template_lists_every_issued_sheet_and_items(survey):
    wb = load_workbook(io.BytesIO(ai.answers_template(survey)))
    assert wb.sheetnames == ["答卷", "填写说明"]
    rows = list(wb["答卷"].iter_rows(values_only=True))
    assert list(rows[1]) == HEAD
    assert [(r[0], r[1]) for r in rows[2:]] == [(s.number, s.room.code) for s in sheets(survey)]
    assert any("多选" in (r[0] or "") for r in wb["填写说明"].iter_rows(values_only=True))
    # The empty template imports nothing: unreturned rows are skipped.
    assert parse(survey, ai.answers_template(survey)).total_rows == 0


# --- Preview ---------------------------------------------------------------------------------


def test_preview_reports_every_bad_row_with_its_number(office, survey):
    s = sheets(survey)
    other = RoomFactory(community=office.community, handover="awaiting")
    content = xlsx(
        [
            [s[0].number, s[0].room.code, "满意", "不满意", "", "电梯太慢"],  # row 3: fine
            [99, "", "满意", "满意", "满意", ""],  # row 4: unknown 表号
            [s[1].number, s[2].room.code, "满意", "满意", "满意", ""],  # row 5: 表号 and room disagree
            ["", other.code, "满意", "满意", "满意", ""],  # row 6: room without a form
            [s[3].number, "", "很好", "满意", "满意", ""],  # row 7: unreadable value
            [s[0].number, "", "满意", "满意", "满意", ""],  # row 8: same sheet as row 3
            ["", "", "满意", "", "", ""],  # row 9: neither 表号 nor room
        ]
    )
    preview = parse(survey, content)
    got = [(e["row"], e["column"]) for e in preview.errors]
    assert got == [(4, "表号"), (5, "房屋编号"), (6, "房屋编号"), (7, "1. 治安"), (8, "表号"), (9, "表号")]
    messages = [e["message"] for e in preview.errors]
    assert "本问卷没有第 99 号表" in messages[0]
    assert "不一致" in messages[1]
    assert "没有发放本次问卷" in messages[2]
    assert "“很好”无法识别" in messages[3]
    assert "与第 3 行重复" in messages[4]
    assert preview.header_row == 2 and preview.total_rows == 7


def test_missing_item_column_is_reported_at_the_header(survey):
    preview = parse(survey, xlsx([], head=["表号", "房屋编号", "1. 治安", "意见和建议"]))
    assert [(e["row"], e["column"]) for e in preview.errors] == [(2, "2. 清洁"), (2, "3. 绿化")]


def test_full_width_numbers_and_room_written_in_chinese(survey):
    s = sheets(survey)[0]
    b, u, r = s.room.code.split("-") if s.room.code.count("-") == 2 else (*s.room.code.split("-"), None)[:3]
    chinese = f"{b}栋{u}单元{r}室" if r else s.room.code
    number = str(s.number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    preview = parse(survey, xlsx([[number, chinese, "１", "２", "３", ""]]))
    assert preview.errors == []
    assert preview.rows[0].choices == [Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED]


def test_preview_writes_nothing_and_warns_about_corrections(office, survey):
    s = sheets(survey)
    surveys.sheet_record(sheet=s[0], actor=office.desk, answers={})
    batch = preview(survey, office.desk, xlsx([[s[0].number, "", "满意", "满意", "满意", ""]]))
    assert batch.errors == [] and batch.filename == "答卷.xlsx" and batch.subject == survey
    assert [w["row"] for w in batch.warnings] == [3] and "将更正" in batch.warnings[0]["message"]
    assert batch.summary["counts"] == {"rows": 1, "new": 0, "corrected": 1, "abstained": 0}
    assert SurveyAnswer.objects.filter(choice=Answer.SATISFIED).count() == 0


# --- Commit ---------------------------------------------------------------------------------


def test_commit_writes_answers_abstentions_and_counts_through_results(office, survey):
    s = sheets(survey)
    content = xlsx(
        [
            [s[0].number, s[0].room.code, "满意", "不满意", "满意、不满意", "电梯太慢"],
            [s[1].number, "", "2", "", "3", ""],
            [s[2].number, "", "不满意", "1,3", "满意", ""],
            [s[3].number, "", "", "", "", "只写了建议"],
        ]
    )
    counts = commit(survey, office.desk, content, name="a.xlsx")
    assert counts == {"rows": 4, "new": 4, "corrected": 0, "abstained": 6}
    first = SurveySheet.objects.get(pk=s[0].pk)
    assert first.channel == Channel.IMPORT and first.entered_by == office.desk and first.returned_at
    assert first.suggestions == "电梯太慢"
    assert SurveyAnswer.objects.filter(survey=survey).count() == 4 * 3
    result, _rows = surveys.results(survey)
    assert (result.issued, result.returned) == (6, 4)
    security, cleaning, greening = result.items
    # 治安: satisfied, basic, dissatisfied (one blank) → 2/3
    assert security.raw == Decimal(2) * 100 / 3
    # 清洁: dissatisfied, blank, multiple, blank → 0 of 1
    assert cleaning.raw == Decimal(0)
    # 绿化: multiple, dissatisfied, satisfied, blank → 1 of 2
    assert greening.raw == Decimal(50)
    log = ActivityLog.objects.filter(verb="engagement.sheets.imported")
    assert log.count() == 1 and log.get().data["rows"] == 4 and log.get().data["filename"] == "a.xlsx"
    assert ActivityLog.objects.get(verb="core.import.committed").data["mode"] == "all"


def test_reimport_corrects_returned_sheets(office, survey):
    s = sheets(survey)
    surveys.sheet_record(sheet=s[0], actor=office.desk, answers={i.pk: "dissatisfied" for i in survey.items.all()})
    before = SurveySheet.objects.get(pk=s[0].pk).returned_at
    counts = commit(survey, office.supervisor, xlsx([[s[0].number, "", "满意", "满意", "满意", "已改"]]))
    assert counts["corrected"] == 1 and counts["new"] == 0
    sheet = SurveySheet.objects.get(pk=s[0].pk)
    assert sheet.returned_at == before and sheet.suggestions == "已改" and sheet.channel == Channel.IMPORT
    assert sorted(sheet.answers.values_list("choice", flat=True)) == ["satisfied"] * 3


def test_one_bad_row_saves_nothing(office, survey):
    s = sheets(survey)
    content = xlsx([[s[0].number, "", "满意", "满意", "满意", ""], [s[1].number, "", "4", "满意", "满意", ""]])
    with pytest.raises(ServiceError) as error:
        commit(survey, office.desk, content)
    assert "1 处问题" in str(error.value.message)
    assert SurveyAnswer.objects.filter(survey=survey).count() == 0
    assert not survey.sheets.filter(returned_at__isnull=False).exists()


def test_commit_writes_in_bulk_without_per_row_queries(office, survey, django_assert_max_num_queries):
    c = office.community
    unit = UnitFactory(community=c, building__community=c)
    for _ in range(40):
        RoomFactory(community=c, unit=unit, building=unit.building, handover="moved_in")
    big = surveys.survey_create(community=c, actor=office.supervisor, kind="questionnaire", year=2027, period=1)
    surveys.survey_draw(survey=big, actor=office.supervisor)
    surveys.survey_issue(survey=big, actor=office.supervisor, issued_on=dt.date(2027, 6, 1))
    head = ["表号", "房屋编号", *(f"{i.position}. {i.text}" for i in big.items.all()), "意见和建议"]
    rows = [[n, "", *["满意"] * big.items.count(), ""] for n in big.sheets.values_list("number", flat=True)]
    batch = preview(big, office.desk, xlsx(rows, head=head))
    with django_assert_max_num_queries(20):
        import_commit(batch=batch, actor=office.desk)
    batch.refresh_from_db()
    assert batch.result["rows"] == 46  # 6 + 40 moved-in households


def test_closed_survey_and_permission(office, survey):
    content = xlsx([[sheets(survey)[0].number, "", "满意", "满意", "满意", ""]])
    with pytest.raises(Forbidden):
        preview(survey, office.technician, content)
    batch = preview(survey, office.desk, content)
    surveys.survey_close(survey=survey, actor=office.supervisor)
    with pytest.raises(ServiceError) as error:
        preview(survey, office.desk, content)
    assert error.value.code == "closed"
    # Closed between the check and the confirmation: refused then too, nothing written.
    batch = import_queue(batch=batch, actor=office.desk)
    assert batch.status == "previewed" and "不在回收期内" in batch.failure
    assert not SurveyAnswer.objects.filter(survey=survey).exists()


def test_not_an_excel_file(office, survey):
    with pytest.raises(ServiceError) as error:
        preview(survey, office.desk, b"a,b", name="a.csv")
    assert error.value.field == "file"
    with pytest.raises(ServiceError) as error:
        preview(survey, office.desk, b"not a zip")
    assert error.value.code == "bad_file"


# --- Console pages ---------------------------------------------------------------------------


def test_console_upload_preview_confirm(client, office, survey):
    client.force_login(office.desk)
    s = sheets(survey)
    start = reverse("engagement:answers_import", args=[survey.pk])
    page = client.get(reverse("engagement:answers_import_index"))
    assert survey.title in page.content.decode()
    assert client.get(reverse("engagement:answers_import_template", args=[survey.pk])).status_code == 200
    bad = client.post(start, {"file": upload(xlsx([[s[0].number, "", "好", "满意", "满意", ""]]))})
    preview_url = bad.url
    page = client.get(preview_url).content.decode()
    assert "“好”无法识别" in page and 'id="commit-form"' not in page
    response = client.post(start, {"file": upload(xlsx([[s[0].number, "", "满意", "", "1,2", "好"]]))})
    page = client.get(response.url).content.decode()
    assert 'id="commit-form"' in page and 'id="import-counts"' in page
    done = client.post(response.url + "commit/", follow=True)
    assert "已导入 1 份答卷" in done.content.decode()
    assert SurveySheet.objects.get(pk=s[0].pk).channel == Channel.IMPORT
    # Confirming twice is refused and writes nothing again.
    again = client.post(response.url + "commit/", follow=True).content.decode()
    assert "不能导入" in again
    assert ActivityLog.objects.filter(verb="engagement.sheets.imported").count() == 1


def test_console_permission_and_other_community_is_404(client, office, survey):
    client.force_login(office.technician)
    assert client.get(reverse("engagement:answers_import", args=[survey.pk])).status_code == 403
    stranger = Office()
    client.force_login(stranger.desk)
    assert client.get(reverse("engagement:answers_import", args=[survey.pk])).status_code == 404
    assert client.get(reverse("engagement:answers_import_template", args=[survey.pk])).status_code == 404


def test_someone_elses_upload_cannot_be_confirmed(client, office, survey):
    batch = preview(survey, office.desk, xlsx([[sheets(survey)[0].number, "", "满意", "", "", ""]]))
    other = staff("front_desk", office.community)
    client.force_login(other)
    assert client.post(reverse("core:import_commit", args=[batch.pk])).status_code == 404
    assert client.get(reverse("core:import_batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("core:import_status", args=[batch.pk])).status_code == 404
    with pytest.raises(ServiceError) as error:
        import_commit(batch=batch, actor=other)
    assert error.value.status == 404
    assert not SurveyAnswer.objects.filter(survey=survey).exists()


def test_import_index_query_budget(client, office, survey, django_assert_max_num_queries):
    client.force_login(office.desk)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("engagement:answers_import_index")).status_code == 200


def test_owner_answers_cannot_be_overwritten_by_staff(office, survey):
    """An owner's own online answers stay theirs: neither an import row nor paper entry changes them."""
    from guanjia.core.tests.factories import UserFactory

    office.owner.user = UserFactory()
    office.owner.save()
    mine = surveys.sheets_for_owner(office.owner.user).get()
    surveys.sheet_answer_by_owner(sheet=mine, user=office.owner.user, answers={})
    batch = preview(survey, office.desk, xlsx([[mine.number, "", "不满意", "不满意", "不满意", ""]]))
    assert [e["row"] for e in batch.errors] == [3] and "业主本人在线填写" in batch.errors[0]["message"]
    with pytest.raises(ServiceError) as e:
        surveys.sheet_record(sheet=mine, actor=office.desk, answers={})
    assert e.value.status == 409
    assert not SurveyAnswer.objects.filter(sheet=mine, choice=Answer.DISSATISFIED).exists()


def test_an_owner_answering_online_after_the_check_makes_it_check_again(office, survey):
    """SV-3: between the preview and the confirmation the owner answers in the portal: the file is
    checked again, his row is now a problem, and nothing is written over his answers."""
    from guanjia.core.tests.factories import UserFactory

    office.owner.user = UserFactory()
    office.owner.save()
    mine = surveys.sheets_for_owner(office.owner.user).get()
    others = [s for s in sheets(survey) if s.pk != mine.pk]
    batch = preview(
        survey,
        office.desk,
        xlsx([[mine.number, "", "不满意", "不满意", "不满意", ""], [others[0].number, "", "满意", "满意", "满意", ""]]),
    )
    assert batch.errors == []
    surveys.sheet_answer_by_owner(sheet=mine, user=office.owner.user, answers={})
    with pytest.raises(ServiceError, match="重新检查时发现 1 处问题"):
        import_commit(batch=batch, actor=office.desk)
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.excluded_rows == [3]
    assert not SurveyAnswer.objects.filter(sheet=mine, choice=Answer.DISSATISFIED).exists()
    assert not SurveySheet.objects.filter(pk=others[0].pk, returned_at__isnull=False).exists()
    batch = import_queue(batch=batch, actor=office.desk, valid_only=True, left_out=1)
    assert batch.status == "committed" and batch.result["rows"] == 1
    assert SurveySheet.objects.get(pk=others[0].pk).channel == Channel.IMPORT


def test_the_bad_rows_of_an_answers_file_come_back_to_fix(office, survey):
    from openpyxl import load_workbook as load

    from guanjia.core.importing.badrows import import_bad_rows

    s = sheets(survey)
    batch = preview(
        survey, office.desk, xlsx([[s[0].number, "", "满意", "满意", "满意", ""], [99, "", "满意", "", "", ""]])
    )
    name, content = import_bad_rows(batch=batch, actor=office.desk)
    rows = list(load(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert name == "答卷-有问题的行.xlsx" and rows[0] == (*HEAD, "行号", "原因")
    assert rows[1][0] == 99 and rows[1][-2] == 4 and "没有第 99 号表" in rows[1][-1]
