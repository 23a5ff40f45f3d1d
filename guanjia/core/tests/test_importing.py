"""Core's one importer (DESIGN §15), through a toy kind registered in a fixture: a holiday notice.

Upload → background check with progress → row errors (row, column, reason; IDs masked) → bad rows
→ all-or-nothing or valid-only commit, atomic, logged; checked again when what it relied on changed.
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from guanjia.core import clock
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.importing import kinds, store
from guanjia.core.importing.badrows import import_bad_rows
from guanjia.core.importing.bulk import BulkInsert
from guanjia.core.importing.kinds import Checked, ImportKind, StaleRows
from guanjia.core.importing.models import ImportBatch, ImportRowError
from guanjia.core.importing.services import import_check, import_commit, import_queue, import_upload
from guanjia.core.models import ActivityLog, Holiday, Notification
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

TOY = "core.toy_holidays"
NOW = dt.datetime(2031, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ID = "110105194912310021"
seen_progress: list[int] = []


def toy_check(check) -> Checked:
    """Rows of 日期 | 节日: a date not yet in the calendar, and a name."""
    header, total, errors, days = None, 0, [], []
    for number, values in check.rows():
        if header is None:
            header = number
            continue
        total += 1
        day, name = (list(values) + [None, None])[:2]
        if not isinstance(day, dt.datetime):
            errors.append({"row": number, "column": "日期", "message": f"日期：“{day}”不是日期"})
        elif not name:
            errors.append({"row": number, "column": "节日", "message": "节日：不能为空。"})
        else:
            days.append([number, day.date().isoformat(), str(name)])
    taken = set(Holiday.objects.filter(date__in=[d for _n, d, _name in days]).values_list("date", flat=True))
    for number, day, _name in days:
        if dt.date.fromisoformat(day) in taken:
            errors.append({"row": number, "column": "日期", "message": f"日期：{day} 已登记"})
    bad = sorted({e["row"] for e in errors})
    seen_progress.append(ImportBatch.objects.get(pk=check.batch.pk).progress)
    return Checked(
        total_rows=total,
        header_row=header,
        errors=errors,
        excluded_rows=bad,
        counts={"days": total - len(bad)},
        sample=[{"row": n, "day": d} for n, d, _name in days[:3]],
        records=[d for d in days if d[0] not in bad],
    )


def toy_commit(commit) -> dict:
    days = list(commit.records)
    if Holiday.objects.filter(date__in=[d for _n, d, _name in days]).exists():
        raise StaleRows
    rows = BulkInsert(
        Holiday,
        ["date", "year", "name"],
        constants={"kind": "holiday", "created_by_id": None, "created_at": commit.now, "updated_at": commit.now},
    )
    for _n, day, name in days:
        rows.add((dt.date.fromisoformat(day), int(day[:4]), name))
    rows.flush()
    return {"days": len(days)}


def toy(**options) -> ImportKind:
    spec = {
        "key": TOY,
        "title": "节假日",
        "permission": "core.edit_calendar",
        "check": toy_check,
        "commit": toy_commit,
        "describe": lambda result: f"节假日 {result['days']}",
    }
    return ImportKind(**(spec | options))


@pytest.fixture(autouse=True)
def toy_kind():
    kinds.register(toy())
    seen_progress.clear()
    yield
    kinds.unregister(TOY)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


def xlsx(rows, name="节假日.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


GOOD = [["日期", "节日"], [dt.date(2031, 1, 1), "元旦"], [dt.date(2031, 5, 1), "劳动节"]]
MIXED = [["日期", "节日"], [dt.date(2031, 1, 1), "元旦"], ["明天", "劳动节"], [dt.date(2031, 10, 1), None], [ID, "x"]]


def upload(community, actor, rows, **kwargs):
    with clock.frozen(NOW):
        return import_upload(kind=TOY, community=community, actor=actor, file=xlsx(rows), **kwargs)


def test_upload_checks_in_the_background_and_writes_nothing(community, manager):
    batch = upload(community, manager, GOOD)
    assert batch.status == "previewed" and batch.progress == 100  # ImmediateBackend: checked already
    assert (batch.total_rows, batch.valid_rows, batch.error_rows, batch.error_count) == (2, 2, 0, 0)
    assert batch.summary["counts"] == {"days": 2} and batch.summary["header_row"] == 1
    assert batch.summary["records"] == 2 and store.exists(batch)
    assert not Holiday.objects.exists()
    entry = ActivityLog.objects.get(verb="core.import.uploaded")
    assert entry.subject == batch and entry.community == community
    note = Notification.objects.get(user=manager)
    assert "已检查" in note.title and f"/imports/{batch.pk}/" in note.url and f"community={community.pk}" in note.url


def test_every_problem_is_a_row_error_with_row_and_column_and_ids_masked(community, manager):
    batch = upload(community, manager, MIXED)
    assert [(e.row, e.column) for e in batch.row_errors.all()] == [(3, "日期"), (4, "节日"), (5, "日期")]
    assert (batch.total_rows, batch.valid_rows, batch.error_rows, batch.error_count) == (4, 1, 3, 3)
    assert ID not in batch.errors[2]["message"] and "**************0021" in batch.errors[2]["message"]  # LW-1
    assert batch.excluded_rows == [3, 4, 5] and not batch.fatal


def test_all_or_nothing_is_the_default_and_valid_only_a_separate_choice(community, manager):
    batch = upload(community, manager, MIXED)
    with pytest.raises(ServiceError, match="3 处问题"):
        import_queue(batch=batch, actor=manager)
    with pytest.raises(ServiceError) as changed:
        import_queue(batch=batch, actor=manager, valid_only=True, left_out=2)
    assert changed.value.status == 409 and not Holiday.objects.exists()
    with clock.frozen(NOW):
        batch = import_queue(batch=batch, actor=manager, valid_only=True, left_out=3)
    assert batch.status == "committed" and batch.mode == "valid_only"
    assert batch.result == {"days": 1, "left_out": 3} and batch.committed_by == manager
    assert list(Holiday.objects.values_list("name", flat=True)) == ["元旦"]
    entry = ActivityLog.objects.get(verb="core.import.committed")
    assert entry.data["left_out_rows"] == [3, 4, 5] and entry.data["mode"] == "valid_only"
    assert "只导入无问题的行，3 行有问题未导入" in entry.summary
    assert not store.exists(batch)  # the checked rows go; the upload stays, for the bad rows
    with pytest.raises(ServiceError) as again:
        import_commit(batch=batch, actor=manager, valid_only=True)
    assert again.value.status == 409


def test_valid_only_refused_for_a_file_without_header_or_with_nothing_valid(community, manager):
    nothing = upload(community, manager, [["日期", "节日"], ["明天", "x"]])
    with pytest.raises(ServiceError, match="没有可以导入的行"):
        import_queue(batch=nothing, actor=manager, valid_only=True)
    kinds.register(toy(valid_only=False))
    batch = upload(community, manager, MIXED)
    with pytest.raises(ServiceError, match="须全部无误"):
        import_queue(batch=batch, actor=manager, valid_only=True)


def test_the_commit_is_atomic_and_a_failure_is_recorded(community, manager, monkeypatch):
    batch = upload(community, manager, GOOD)

    def explode(commit):
        toy_commit(commit)  # the rows are written …
        raise RuntimeError("磁盘已满")  # … and then something fails

    kinds.register(toy(commit=explode))
    with pytest.raises(ServiceError, match="未写入任何数据：磁盘已满"):
        import_commit(batch=batch, actor=manager)
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.failure == "磁盘已满"
    assert not Holiday.objects.exists() and not ActivityLog.objects.filter(verb="core.import.committed").exists()


def test_what_changed_since_the_check_makes_it_check_again(community, manager):
    batch = upload(community, manager, GOOD)
    Holiday.objects.create(date=dt.date(2031, 5, 1), kind="holiday", name="劳动节")  # entered by hand meanwhile
    with pytest.raises(ServiceError, match="重新检查时发现 1 处问题"):
        import_commit(batch=batch, actor=manager)
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.error_rows == 1 and "已登记" in batch.errors[0]["message"]
    assert Holiday.objects.count() == 1
    # The clerk now sees one row left out and may choose to write the other.
    batch = import_queue(batch=batch, actor=manager, valid_only=True, left_out=1)
    assert batch.status == "committed" and Holiday.objects.count() == 2


def test_a_batch_checked_before_its_rows_were_kept_is_checked_again_on_commit(community, manager):
    batch = upload(community, manager, GOOD)
    store.discard(batch)
    batch.save()
    with clock.frozen(NOW):
        import_commit(batch=batch, actor=manager)
    assert Holiday.objects.count() == 2


def test_the_check_reports_its_progress(community, manager):
    rows = [["日期", "节日"]] + [[dt.date(2031, 1, 1) + dt.timedelta(days=i), "日"] for i in range(2500)]
    batch = upload(community, manager, rows)
    assert batch.total_rows == 2500
    assert seen_progress and seen_progress[-1] >= 60  # written while the rows were read, before the end


def test_a_check_that_crashes_leaves_the_batch_failed(community, manager):
    def crash(check):
        raise RuntimeError("读取失败")

    kinds.register(toy(check=crash))
    batch = upload(community, manager, GOOD)
    assert batch.status == "failed" and "读取失败" in batch.failure
    with pytest.raises(ServiceError) as refused:
        import_queue(batch=batch, actor=manager)
    assert refused.value.status == 409


def test_upload_refuses_what_is_not_an_xlsx_beside_the_form(community, manager):
    for name, content, code in [("a.xls", b"junk", "bad_file"), ("a.xlsx", b"junk", "bad_file")]:
        with pytest.raises(ServiceError) as error:
            import_upload(kind=TOY, community=community, actor=manager, file=SimpleUploadedFile(name, content))
        assert (error.value.code, error.value.field) == (code, "file")
    kinds.register(toy(max_bytes=10))
    with pytest.raises(ServiceError, match="不能超过"):
        upload(community, manager, GOOD)
    assert not ImportBatch.objects.exists()


def test_permission_and_subject_checks(community, manager):
    desk = staff("front_desk", community)
    with pytest.raises(Forbidden):
        upload(community, desk, GOOD)
    other = CommunityFactory()
    with pytest.raises(Forbidden):
        upload(other, manager, GOOD)

    def closed(subject, actor):
        raise ServiceError("closed", "已截止", field="file", status=409)

    kinds.register(toy(allow=closed, subject_community=lambda subject: subject))
    with pytest.raises(ServiceError, match="已截止"):
        upload(community, manager, GOOD, subject=community)
    with pytest.raises(ServiceError) as elsewhere:
        upload(community, manager, GOOD, subject=other)
    assert elsewhere.value.status == 404
    batch = upload(community, manager, GOOD)
    with pytest.raises(Forbidden):
        import_commit(batch=batch, actor=desk)
    assert not Holiday.objects.exists()


def test_a_private_kind_is_only_the_uploaders(community, manager):
    kinds.register(toy(private=True))
    batch = upload(community, manager, GOOD)
    colleague = staff("office_manager", community)
    with pytest.raises(ServiceError) as error:
        import_commit(batch=batch, actor=colleague)
    assert error.value.status == 404 and not Holiday.objects.exists()


def test_bad_rows_come_back_as_uploaded_with_row_and_reason(community, manager):
    batch = upload(community, manager, MIXED)
    filename, content = import_bad_rows(batch=batch, actor=manager)
    assert filename == "节假日-有问题的行.xlsx"
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("日期", "节日", "行号", "原因")
    assert [(r[0], r[2]) for r in rows[1:]] == [("明天", 3), (dt.datetime(2031, 10, 1), 4), (ID, 5)]
    assert "不是日期" in rows[1][3] and "不能为空" in rows[2][3]
    assert ActivityLog.objects.get(verb="core.import.bad_rows_exported").data == {"rows": 3, "masked": []}
    clean = upload(community, manager, GOOD)
    with pytest.raises(ServiceError) as none:
        import_bad_rows(batch=clean, actor=manager)
    assert none.value.status == 404


def test_bad_rows_mask_what_the_kind_says_the_actor_may_not_see(community, manager):
    kinds.register(
        toy(
            bad_rows=kinds.BadRows(
                columns=lambda header: {i: "day" for i, cell in enumerate(header) if cell == "日期"},
                masked=lambda actor, community: frozenset({"day"}),
                mask=lambda value: "***",
            )
        )
    )
    batch = upload(community, manager, MIXED)
    _name, content = import_bad_rows(batch=batch, actor=manager)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"***"}
    entry = ActivityLog.objects.get(verb="core.import.bad_rows_exported")
    assert entry.data["masked"] == ["日期"] and "（日期已遮蔽）" in entry.summary


def test_a_check_again_replaces_the_row_errors(community, manager):
    batch = upload(community, manager, MIXED)
    Holiday.objects.create(date=dt.date(2031, 1, 1), kind="holiday", name="元旦")
    import_check(batch=batch)
    assert ImportRowError.objects.filter(batch=batch).count() == 4
    assert batch.error_rows == 4 and batch.valid_rows == 0


def test_queries_of_check_and_commit_do_not_grow_with_rows(community, manager):
    def counted(n):
        rows = [["日期", "节日"]] + [
            [dt.date(2032, 1, 1) + dt.timedelta(days=i + 400 * (n > 5) + 10 * (n == 3)), "日"] for i in range(n)
        ]
        with CaptureQueriesContext(connection) as check:
            batch = upload(community, manager, rows)
        with CaptureQueriesContext(connection) as write:
            import_commit(batch=batch, actor=manager)
        return len(check), len(write)

    counted(2)  # the first one also caches content types
    assert counted(3) == counted(300)
