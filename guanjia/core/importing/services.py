"""The import pipeline (DESIGN §15): upload → background check → all-or-nothing or valid-only commit.

Nothing reaches the register before the clerk confirms. The upload only stores the file (after
opening it, so a file that is not .xlsx is refused beside the form) and queues its check; the
check reads the file once, in the background worker, reporting progress; it stores every
problem as a row error (row, column, reason, ID numbers masked: LW-1) and the checked records
compactly (`store`), so the commit writes them without reading the file again. The commit runs
in one transaction: everything, or, by the clerk's explicit choice, only the rows without
problems (the number left out is logged). What the check relied on is checked again inside the
commit's transaction; if it changed, the file is checked again and nothing is written.

A worker may die (killed, the machine restarted) halfway through a check or a commit. Each check
and each confirmation is a new attempt on the batch (`_claim`, `import_queue`), and only the
current attempt may finish it; the worker beats while it works (the check with its progress; the
commit when its worker starts, and its transaction then holds the batch's row lock, or SQLite's
write lock, until it ends: no one can take over a commit that is alive). A batch running with no
beat for `limits.lease_seconds` is stale: `import_expire_stale` marks it failed with why, and it
may be checked or committed again; a late worker then finds its attempt superseded and writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import os
import re
import shutil
import tempfile
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import clock, uploads
from ..access import require
from ..activity import log
from ..errors import ServiceError
from ..masking import mask_id
from ..notify import notify
from . import store
from .bulk import BulkInsert, bulk_session
from .kinds import Check, Checked, Commit, StaleRows, kind_of
from .limits import limit
from .models import ImportBatch, ImportMode, ImportRowError, ImportStatus
from .xlsx import open_workbook

PROGRESS_STEP = 2  # percent: the check writes its progress at most 50 times
RUNNING = (ImportStatus.CHECKING, ImportStatus.QUEUED)

# 15 to 18 characters of an ID number, wherever a message quotes one (an ID typed into the phone
# or area column): messages are shown on screen and stored, so they carry it masked (LW-1).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[0-9Xx](?![0-9A-Za-z])")


def mask_ids_in(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)


@contextlib.contextmanager
def _quiet_gc():
    """No cyclic garbage collection while a file is read or written: the rows make no cycles, and
    with 100,000 records alive each collection would walk them all (a third of the reading time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batch_url(batch: ImportBatch) -> str:
    return f"{reverse('core:import_batch', args=[batch.pk])}?community={batch.community_id}"


def _require(batch: ImportBatch, actor) -> None:
    require(actor, batch.import_kind.permission, batch.community)
    if batch.import_kind.private and batch.created_by_id != actor.pk:
        # Only the uploader's (as when the upload lived in his session): to anyone else it does not exist.
        raise ServiceError("not_found", _("没有找到该导入批次。"), status=404)


# --- Upload ---------------------------------------------------------------------------------------


def import_upload(*, kind: str, community, actor, file, subject=None) -> ImportBatch:
    """Store an uploaded file and queue its check; nothing is written to the register."""
    spec = kind_of(kind)
    require(actor, spec.permission, community)
    if subject is not None:
        if spec.subject_community(subject).pk != community.pk:
            raise ServiceError("not_found", _("没有找到导入的对象。"), status=404)
        if spec.allow:
            spec.allow(subject, actor)
    name = os.path.basename(getattr(file, "name", "") or "import.xlsx")
    extension = os.path.splitext(name)[1].lower()
    if extension != ".xlsx" and extension not in spec.converts:
        if spec.converts:
            others = "、".join(e.lstrip(".").upper() for e in spec.converts)
            raise ServiceError(
                "bad_file",
                _("文件：请上传 Excel（.xlsx）或 %(others)s 文件；.xls 请先另存为 .xlsx。") % {"others": others},
                field="file",
            )
        raise ServiceError("bad_file", _("文件：仅支持 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file")
    if getattr(file, "size", 0) > spec.max_bytes:
        raise ServiceError(
            "file_too_large", _("文件：不能超过 %(n)sMB。") % {"n": spec.max_bytes // (1024 * 1024)}, field="file"
        )
    if extension != ".xlsx":
        file = spec.converts[extension](file)
        name = os.path.basename(file.name)
    open_workbook(file).close()  # opens the package only (milliseconds): the rows are read by the check
    file.seek(0)
    file = uploads.accept(file, kind=uploads.SPREADSHEET, field="file", limit=spec.max_bytes)  # no macros
    file.seek(0)
    batch = ImportBatch(
        community=community,
        kind=spec.key,
        filename=name[:200],
        status=ImportStatus.CHECKING,
        created_by=actor,
        heartbeat_at=clock.now(),  # waiting for a worker counts against the lease too: a lost job shows
    )
    if subject is not None:
        batch.subject_type = ContentType.objects.get_for_model(subject)
        batch.subject_id = str(subject.pk)
    with transaction.atomic():
        batch.file.save(f"{uuid.uuid4().hex}.xlsx", file, save=False)
        batch.save()
        log(
            actor,
            "core.import.uploaded",
            batch,
            summary=_("上传%(kind)s导入文件 %(name)s") % {"kind": spec.title, "name": batch.filename},
            kind=spec.key,
        )
    from .tasks import check_batch

    # With the database backend the worker picks this up once the upload is committed; in
    # development and tests (ImmediateBackend) the check runs here and now.
    check_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


# --- Check ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _local_copy(field):
    """The stored file as a seekable local file (object storage gives streams)."""
    with field.open("rb") as handle:
        if handle.seekable():
            yield handle
            return
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(handle, copy)
            copy.seek(0)
            yield copy


# --- Leases ---------------------------------------------------------------------------------------


def _claim(batch: ImportBatch, *, status: str, allowed, **fields) -> bool:
    """Start a new attempt at the batch if it is in one of the `allowed` statuses: True if ours.

    A compare-and-set on the attempt number, so of two workers starting at once exactly one wins."""
    current = ImportBatch.objects.filter(pk=batch.pk).values_list("attempt", flat=True).first()
    if current is None:
        return False
    now = clock.now()
    claimed = ImportBatch.objects.filter(pk=batch.pk, attempt=current, status__in=allowed).update(
        status=status, attempt=current + 1, heartbeat_at=now, **fields
    )
    if claimed:
        batch.status, batch.attempt, batch.heartbeat_at = status, current + 1, now
        for name, value in fields.items():
            setattr(batch, name, value)
    return bool(claimed)


def _superseded() -> ServiceError:
    return ServiceError("bad_status", _("该批次已在导入或已处理，不能重复提交。"), status=409)


def import_expire_stale(*, batch: ImportBatch) -> bool:
    """Mark the batch failed if its worker has not reported for the lease (issue 10); True if it was.

    Nothing was written by the dead attempt (a commit is one transaction), so the batch may then be
    checked again (`import_recheck`) or, when its check had finished, committed again."""
    if batch.status not in RUNNING or batch.heartbeat_at is None:
        return False
    lease = limit("lease_seconds")
    cutoff = clock.now() - dt.timedelta(seconds=lease)
    if batch.heartbeat_at >= cutoff:
        return False
    minutes = max(1, math.ceil(lease / 60))
    if batch.status == ImportStatus.CHECKING:
        reason = _("检查中断：后台任务超过 %(n)s 分钟没有进展（可能已停止），未写入任何数据；请重新检查。")
    else:
        reason = _("导入中断：后台任务超过 %(n)s 分钟没有进展（可能已停止），未写入任何数据；可以重新确认导入。")
    reason %= {"n": minutes}
    stale = ImportBatch.objects.filter(pk=batch.pk, status=batch.status, attempt=batch.attempt, heartbeat_at__lt=cutoff)
    try:
        with transaction.atomic():
            # A commit that is alive holds the batch's row (PostgreSQL: skipped here, so not stale)
            # or SQLite's write lock (this waits, then gives up below): it is never taken over.
            if not stale.select_for_update(skip_locked=True).values_list("pk", flat=True):
                return False
            stale.update(status=ImportStatus.FAILED, failure=reason, heartbeat_at=None, interrupted=True)
    except OperationalError:  # SQLite: "database is locked", someone is writing, perhaps that commit
        return False
    log(
        None,
        "core.import.stale",
        batch,
        summary=_("导入文件 %(name)s：%(reason)s") % {"name": batch.filename, "reason": reason},
        phase=batch.status,
        attempt=batch.attempt,
    )
    batch.status, batch.failure, batch.heartbeat_at, batch.interrupted = ImportStatus.FAILED, reason, None, True
    return True


def import_recheck(*, batch: ImportBatch, actor) -> ImportBatch:
    """Check a failed batch's file again (its worker died, or the check crashed): in the background."""
    _require(batch, actor)
    import_expire_stale(batch=batch)
    if batch.status != ImportStatus.FAILED:
        raise ServiceError(
            "bad_status",
            _("该批次状态为“%(status)s”，不能重新检查。") % {"status": batch.get_status_display()},
            status=409,
        )
    if not _claim(
        batch, status=ImportStatus.CHECKING, allowed=[ImportStatus.FAILED], progress=0, failure="", interrupted=False
    ):
        raise _superseded()
    # The claim is the queue's, not a worker's: the worker starts its own attempt.
    log(actor, "core.import.rechecked", batch, summary=_("重新检查导入文件 %(name)s") % {"name": batch.filename})
    from .tasks import check_batch

    check_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


class _Progress:
    """The check's progress, written now and then; each write is also the worker's heartbeat."""

    def __init__(self, batch: ImportBatch):
        self.batch, self.shown = batch, 0
        self.beat_every = dt.timedelta(seconds=max(limit("lease_seconds") / 5, 1))
        self.beaten = clock.now()

    def __call__(self, fraction: float) -> None:
        percent = min(int(fraction * 100), 99)
        now = clock.now()
        if percent >= self.shown + PROGRESS_STEP or now - self.beaten >= self.beat_every:
            self.shown, self.beaten = max(percent, self.shown), now
            ImportBatch.objects.filter(pk=self.batch.pk, attempt=self.batch.attempt).update(
                progress=self.shown, heartbeat_at=now
            )


def import_check(*, batch: ImportBatch) -> ImportBatch:
    """Read and check the batch's file: the background task's work, on behalf of the uploader whose
    permission import_upload checked (and a re-check, when the commit finds the register changed)."""
    spec = batch.import_kind
    allowed = [ImportStatus.CHECKING, ImportStatus.PREVIEWED, ImportStatus.QUEUED, ImportStatus.FAILED]
    fields = {"progress": 0, "checked_at": None, "failure": "", "interrupted": False}
    if not _claim(batch, status=ImportStatus.CHECKING, allowed=allowed, **fields):
        raise _superseded()
    with _quiet_gc():
        try:
            with _local_copy(batch.file) as handle, open_workbook(handle) as workbook:
                checked = spec.check(Check(batch, batch.community, batch.subject, workbook, _Progress(batch)))
                kept = store.save(batch, checked.records)
        except ServiceError as error:  # the file could not be read after all (a broken sheet)
            checked, kept = Checked(errors=[{"row": None, "column": "", "message": str(error.message)}]), 0
            store.discard(batch)
        errors = sorted(checked.errors, key=lambda e: e["row"] or 0)
        with transaction.atomic():
            mine = ImportBatch.objects.select_for_update().filter(
                pk=batch.pk, attempt=batch.attempt, status=ImportStatus.CHECKING
            )
            superseded = not mine.values_list("pk", flat=True)  # taken as stale and started again
            if not superseded:
                _save_check(batch, checked, errors, kept)
        if superseded:
            store.discard(batch)  # this attempt's rows; the current attempt keeps its own
            raise _superseded()
    notify(
        batch.created_by,
        _("导入文件已检查：%(name)s") % {"name": batch.filename},
        body=_("%(rows)s 行，%(errors)s 处问题") % {"rows": batch.total_rows, "errors": batch.error_count},
        url=batch_url(batch),
        community=batch.community,
    )
    return batch


def _save_check(batch: ImportBatch, checked: Checked, errors: list[dict], kept: int) -> None:
    """The check's findings, written in the caller's transaction."""
    ImportRowError.objects.filter(batch=batch).delete()
    rows = BulkInsert(ImportRowError, ["batch_id", "row", "column", "message", "warning"])
    for problems, warning in ((errors, False), (sorted(checked.warnings, key=lambda e: e["row"] or 0), True)):
        for e in problems:
            rows.add((batch.pk, e["row"], str(e["column"] or "")[:100], mask_ids_in(str(e["message"])), warning))
    rows.flush()
    batch.status, batch.progress, batch.checked_at = ImportStatus.PREVIEWED, 100, clock.now()
    batch.total_rows, batch.valid_rows = checked.total_rows, checked.valid_rows
    batch.error_rows, batch.error_count = len(checked.excluded_rows), len(errors)
    batch.summary = {
        "counts": checked.counts,
        "sample": checked.sample,
        "header_row": checked.header_row,
        "ignored_columns": checked.ignored_columns,
        "excluded_rows": checked.excluded_rows,
        "fatal": checked.fatal,
        "records": kept,
    }
    batch.save()


def import_check_failed(*, batch: ImportBatch, reason: str) -> None:
    """A check that crashed: the batch says so rather than stay "checking" for ever (this attempt's only)."""
    ImportBatch.objects.filter(pk=batch.pk, attempt=batch.attempt, status=ImportStatus.CHECKING).update(
        status=ImportStatus.FAILED, failure=reason[:500], heartbeat_at=None
    )


# --- Commit ---------------------------------------------------------------------------------------


def _resumable(batch: ImportBatch) -> bool:
    """Failed because the commit's worker died after the check had finished: nothing was written,
    so confirming again is safe. (A commit that crashed stays failed: the file is uploaded again.)"""
    return batch.status == ImportStatus.FAILED and batch.interrupted and bool(batch.checked_at)


def _committable_statuses(batch: ImportBatch) -> list[str]:
    return [ImportStatus.PREVIEWED, ImportStatus.QUEUED] + ([ImportStatus.FAILED] if _resumable(batch) else [])


def _check_committable(batch: ImportBatch, *, valid_only: bool) -> None:
    if batch.status not in _committable_statuses(batch):
        raise ServiceError(
            "bad_status", _("该批次状态为“%(status)s”，不能导入。") % {"status": batch.get_status_display()}, status=409
        )
    if not batch.error_count:
        if not batch.valid_rows:
            raise ServiceError("empty", _("文件中没有可导入的数据行。"), field="file")
        return
    if not valid_only:
        raise ServiceError(
            "has_errors", _("文件中还有 %(n)s 处问题，未导入任何数据，请修改后重新上传。") % {"n": batch.error_count}
        )
    if not batch.import_kind.valid_only:
        raise ServiceError("has_errors", _("此类导入须全部无误才能导入，请修改后重新上传。"))
    if batch.fatal:
        raise ServiceError("has_errors", _("文件本身有问题（表头或必填列），不能只导入部分行，请修改后重新上传。"))
    if not batch.valid_rows:
        raise ServiceError("nothing_valid", _("没有可以导入的行，请修改后重新上传。"))


def import_queue(*, batch: ImportBatch, actor, valid_only: bool = False, left_out: int | None = None) -> ImportBatch:
    """Confirm a checked batch: hand its commit to the background worker.

    The default is all or nothing: a batch with problems is refused. `valid_only=True` is the
    clerk's explicit choice to write only the rows without problems; `left_out` is the number of
    rows the clerk was shown as left out, so a batch checked again meanwhile is not written."""
    _require(batch, actor)
    import_expire_stale(batch=batch)
    _check_committable(batch, valid_only=valid_only)
    if valid_only and left_out is not None and left_out != batch.error_rows:
        raise ServiceError("changed", _("预览已更新，请核对不导入的行数后重新确认。"), status=409)
    mode = ImportMode.VALID_ONLY if valid_only else ImportMode.ALL
    retry = [ImportStatus.FAILED] if _resumable(batch) else []
    # A new attempt: a worker of an earlier one (taken as stale, but only sleeping) then writes nothing.
    queued = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportStatus.PREVIEWED, *retry], attempt=batch.attempt
    ).update(
        status=ImportStatus.QUEUED,
        mode=mode,
        failure="",
        interrupted=False,
        attempt=batch.attempt + 1,
        heartbeat_at=clock.now(),
    )
    if not queued:
        raise _superseded()
    from .tasks import commit_batch

    commit_batch.enqueue(batch.pk, actor.pk, batch.attempt + 1)
    batch.refresh_from_db()
    return batch


def import_commit(*, batch: ImportBatch, actor, valid_only: bool | None = None) -> ImportBatch:
    """Write a checked batch in one transaction: all of it, or (valid-only) its rows without problems."""
    _require(batch, actor)
    spec = batch.import_kind
    if valid_only is None:
        valid_only = batch.mode == ImportMode.VALID_ONLY
    _check_committable(batch, valid_only=valid_only)
    if not store.exists(batch):
        # Checked before the checked rows were kept (or they were lost): check the file again.
        left_out = batch.error_rows
        import_check(batch=batch)
        if batch.error_count and (not valid_only or batch.error_rows != left_out):
            raise ServiceError(
                "has_errors", _("重新检查时发现 %(n)s 处问题，未导入任何数据。") % {"n": batch.error_count}
            )
    left_out_rows = batch.excluded_rows if valid_only else []
    mine = {"pk": batch.pk, "attempt": batch.attempt}
    now = clock.now()
    try:
        with _quiet_gc(), bulk_session(), transaction.atomic():
            # The row stays locked until the end: a stale sweep cannot take over a commit that is alive.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status not in _committable_statuses(locked) or locked.attempt != batch.attempt:
                raise _superseded()  # done, or taken as stale and started again: only the current attempt writes
            records = store.load(batch)
            result = spec.commit(Commit(batch, batch.community, batch.subject, actor, records, valid_only, now))
            if valid_only:
                result["left_out"] = len(left_out_rows)
            batch.status, batch.result, batch.failure = ImportStatus.COMMITTED, result, ""
            batch.mode = ImportMode.VALID_ONLY if valid_only else ImportMode.ALL
            batch.committed_by, batch.committed_at = actor, now
            batch.save(update_fields=["status", "result", "failure", "mode", "committed_by", "committed_at"])
            summary = _("导入%(kind)s %(name)s：%(result)s") % {
                "kind": spec.title,
                "name": batch.filename,
                "result": spec.describe(result),
            }
            if valid_only:
                summary = _("%(summary)s；只导入无问题的行，%(n)s 行有问题未导入") % {
                    "summary": summary,
                    "n": len(left_out_rows),
                }
            log(
                actor,
                "core.import.committed",
                batch,
                summary=summary,
                kind=spec.key,
                mode=batch.mode,
                left_out_rows=left_out_rows[:1000],
                **result,
            )
    except ServiceError as error:
        # Refused now (a survey closed meanwhile): back to the preview, saying why.
        ImportBatch.objects.filter(**mine, status=ImportStatus.QUEUED).update(
            status=ImportStatus.PREVIEWED, failure=str(error.message)[:500], heartbeat_at=None
        )
        raise
    except StaleRows:
        import_check(batch=batch)
        if batch.error_count:
            refusal = _("重新检查时发现 %(n)s 处问题，未导入任何数据。") % {"n": batch.error_count}
        else:
            refusal = _("登记情况在预览后有变化，已重新检查，未导入任何数据；请核对后再次确认。")
        ImportBatch.objects.filter(pk=batch.pk).update(failure=refusal)
        batch.failure = refusal
        raise ServiceError("has_errors", refusal) from None
    except Exception as error:
        reason = (str(error) or error.__class__.__name__)[:500]
        ImportBatch.objects.filter(**mine).update(status=ImportStatus.FAILED, failure=reason, heartbeat_at=None)
        batch.status, batch.failure = ImportStatus.FAILED, reason
        raise ServiceError(
            "import_failed", _("导入失败，未写入任何数据：%(reason)s") % {"reason": reason[:200]}
        ) from error
    store.discard(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(checked="")
    return batch


def import_commit_started(*, batch: ImportBatch) -> bool:
    """The worker's first beat on a queued batch; False if its attempt is no longer the current one."""
    return bool(
        ImportBatch.objects.filter(pk=batch.pk, attempt=batch.attempt, status=ImportStatus.QUEUED).update(
            heartbeat_at=clock.now()
        )
    )


def import_commit_finished(*, batch: ImportBatch, actor) -> None:
    """Tell the person who confirmed (he may have left the page) how the background commit ended."""
    if batch.status == ImportStatus.COMMITTED:
        title = _("导入完成：%(name)s") % {"name": batch.filename}
    elif batch.status == ImportStatus.FAILED:
        title = _("导入失败，未写入任何数据：%(name)s") % {"name": batch.filename}
    else:
        title = _("导入未进行，文件须重新检查：%(name)s") % {"name": batch.filename}
    notify(actor, title, url=batch_url(batch), community=batch.community)
