"""An uploaded file and what its check found (DESIGN §15)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import clock
from ..models import CommunityOwned


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("检查中")
    PREVIEWED = "previewed", _("待确认")
    QUEUED = "queued", _("导入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("导入失败")

    @property
    def colour(self) -> str:
        return {"checking": "amber", "previewed": "grey", "queued": "amber", "committed": "green", "failed": "red"}[
            self.value
        ]


class ImportMode(models.TextChoices):
    ALL = "all", _("全部无误才导入")
    VALID_ONLY = "valid_only", _("只导入无问题的行")


def import_path(instance, filename: str) -> str:
    return f"imports/{instance.community_id}/{filename}"


class ImportBatch(CommunityOwned):
    """One uploaded file of one kind: checked in the background, written only when confirmed."""

    kind = models.CharField(_("导入内容"), max_length=40)
    # What the file is imported into, when the kind needs one (the survey whose answers these are).
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_id = models.CharField(max_length=40, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    file = models.FileField(_("文件"), upload_to=import_path, max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    # The checked rows, kept compactly between the preview and the commit (core.importing.store).
    checked = models.FileField(upload_to=import_path, max_length=200, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("可导入的行"), default=0)
    error_rows = models.PositiveIntegerField(_("有问题的行"), default=0)
    error_count = models.PositiveIntegerField(_("问题数"), default=0)
    # What the check found, for the preview page: counts, the first rows as they will be written,
    # the header row, ignored columns, the rows held back, whether the file itself is unusable.
    summary = models.JSONField(_("预览"), default=dict, blank=True)
    mode = models.CharField(_("导入方式"), max_length=20, choices=ImportMode.choices, blank=True)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    failure = models.TextField(_("失败原因"), blank=True)
    # The lease of the worker checking or committing it (issue 10): each start of a check or a
    # commit is a new attempt, and only the current attempt may finish; the worker beats while it
    # works, so a batch whose worker died is seen as stale (services.import_expire_stale).
    attempt = models.PositiveIntegerField(default=0, editable=False)
    heartbeat_at = models.DateTimeField(_("后台任务最近进展"), null=True, blank=True, editable=False)
    # Failed because its worker died (not because the check or the commit refused or crashed):
    # nothing was written, so it may be committed again once its check had finished.
    interrupted = models.BooleanField(_("后台任务中断"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=clock.now, editable=False)
    checked_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "kind", "-created_at"], name="import_comm_kind_created"),
            models.Index(fields=["subject_type", "subject_id"], name="import_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def status_colour(self) -> str:
        return ImportStatus(self.status).colour

    @property
    def import_kind(self):
        from .kinds import kind_of

        return kind_of(self.kind)

    @property
    def fatal(self) -> bool:
        """The file itself cannot be imported (no header, a missing column): no row can be."""
        return bool(self.summary.get("fatal"))

    @property
    def excluded_rows(self) -> list[int]:
        return list(self.summary.get("excluded_rows", []))

    @property
    def errors(self) -> list[dict]:
        """Every problem as {row, column, message}, in order (the pages paginate `row_errors` instead)."""
        return list(self.row_errors.filter(warning=False).values("row", "column", "message"))

    @property
    def warnings(self) -> list[dict]:
        return list(self.row_errors.filter(warning=True).values("row", "column", "message"))


class ImportRowError(models.Model):
    """A problem found in a row (row number as in Excel, column, reason), or a warning that does not
    hold the row back (a returned sheet that the row will correct). Row is empty for the file itself."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    column = models.CharField(_("列"), max_length=100, blank=True)
    message = models.TextField(_("问题"))
    warning = models.BooleanField(_("仅提示"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("导入问题")
        # Stored in the order they are shown (by row, then as found), so the id is the order.
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "warning", "id"], name="import_error_batch")]

    def __str__(self) -> str:
        return f"{self.row or '—'} {self.column}: {self.message}"
