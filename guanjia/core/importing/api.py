"""core's importer through the REST API (DESIGN §15), for every registered import kind (mounted at api/imports/).

- `POST imports/` (multipart: `kind`, `community`, `file`): upload, checked in the background;
- `GET imports/{id}/`: the batch's state, progress and counts (rows, valid, bad, problems);
- `GET imports/{id}/bad-rows/`: its problems, paginated (row, column, reason);
- `POST imports/{id}/commit/` (`mode`: `all` or `valid_only`, as the console offers): confirm it.

The same services as the console pages (import_upload, import_queue, import_expire_stale) with the
same refusals and messages; the same scoping: a batch of a community outside the user's scope, of a
kind no longer registered, or someone else's private one is a 404, one whose kind's permission the
user lacks a 403. Confirming a batch already confirmed in the same mode answers its state again
without writing a second time (and an `Idempotency-Key` replays the first answer).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ..access import has_perm
from ..api import Pagination, ScopedMixin, ScopedRelatedField
from ..errors import ServiceError
from ..models import Community
from .kinds import kind_of, known, registered
from .models import ImportBatch, ImportMode, ImportRowError, ImportStatus
from .services import import_expire_stale, import_queue, import_upload


def _kinds_help() -> str:
    return ", ".join(kind.key for kind in registered())


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        max_length=40,
        label=gettext_lazy("导入内容"),
        help_text=gettext_lazy("已登记的导入类型，如 estates.rooms、billing.bank_statement"),
    )
    community = ScopedRelatedField(
        queryset=Community.objects.all(), scope_field="pk", action="core.view", label=gettext_lazy("小区")
    )
    file = serializers.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）文件；有的导入类型也收其他格式，如银行流水的 CSV（UTF-8 或 GBK）"),
    )

    def validate_kind(self, value: str) -> str:
        if not known(value):
            raise serializers.ValidationError(_("没有这种导入类型（可选：%(kinds)s）。") % {"kinds": _kinds_help()})
        if kind_of(value).allow is not None:
            # Imported into an object (a survey's answers): uploaded from that object's page, which knows it.
            raise serializers.ValidationError(_("此类导入须在其对象的页面上传。"))
        return value


class ImportCommitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL, label=gettext_lazy("导入方式"))
    left_out = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        label=gettext_lazy("不导入的行数"),
        help_text=gettext_lazy("只导入无问题的行时：您核对过的有问题行数；批次重新检查后不符则不导入"),
    )


class ImportBatchSerializer(serializers.ModelSerializer):
    kind_title = serializers.SerializerMethodField(label=gettext_lazy("导入内容"))
    state = serializers.CharField(source="status", read_only=True, label=gettext_lazy("状态"))
    state_display = serializers.CharField(source="get_status_display", read_only=True, label=gettext_lazy("状态"))
    rows = serializers.IntegerField(source="total_rows", read_only=True, label=gettext_lazy("数据行数"))
    valid = serializers.IntegerField(source="valid_rows", read_only=True, label=gettext_lazy("可导入的行"))
    bad = serializers.IntegerField(source="error_rows", read_only=True, label=gettext_lazy("有问题的行"))
    problems = serializers.IntegerField(source="error_count", read_only=True, label=gettext_lazy("问题数"))
    fatal = serializers.BooleanField(read_only=True, label=gettext_lazy("文件本身有问题"))
    counts = serializers.SerializerMethodField(label=gettext_lazy("预览统计"))

    class Meta:
        model = ImportBatch
        fields = [
            "id", "community", "kind", "kind_title", "filename", "state", "state_display", "progress",
            "rows", "valid", "bad", "problems", "fatal", "counts", "mode", "result", "failure",
            "created_at", "checked_at", "committed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_kind_title(self, batch) -> str:
        return str(batch.import_kind.title)

    def get_counts(self, batch) -> dict:
        return dict(batch.summary.get("counts", {}))


class ImportRowErrorSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="message", read_only=True, label=gettext_lazy("问题"))

    class Meta:
        model = ImportRowError
        fields = ["row", "column", "reason"]
        read_only_fields = fields


class ImportBatchViewSet(ScopedMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """导入 (DESIGN §15): upload, state, problems, confirmation, for every registered kind."""

    scope_action = "core.view"  # a staff member of the community; the batch's kind asks for its own too
    queryset = ImportBatch.objects.select_related("community")
    serializer_class = ImportBatchSerializer
    pagination_class = Pagination
    http_method_names = ["get", "post", "head", "options"]
    idempotent_actions = ("commit",)

    def get_serializer_class(self):
        return {"create": ImportUploadSerializer, "commit": ImportCommitSerializer}.get(
            self.action, ImportBatchSerializer
        )

    def get_object(self) -> ImportBatch:
        """As the console's batch pages: in scope and of a known kind, else 404; then the kind's permission."""
        batch = super().get_object()
        if not known(batch.kind):
            raise Http404
        spec = batch.import_kind
        if spec.private and batch.created_by_id != self.request.user.pk:
            raise Http404
        if not has_perm(self.request.user, spec.permission, batch.community):
            raise PermissionDenied()
        return batch

    def output(self, batch: ImportBatch, code=status.HTTP_200_OK) -> Response:
        return Response(ImportBatchSerializer(batch, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        batch = import_upload(kind=data["kind"], community=data["community"], actor=request.user, file=data["file"])
        return self.output(batch, status.HTTP_201_CREATED)

    @extend_schema(responses={200: ImportBatchSerializer})
    def retrieve(self, request, *args, **kwargs):
        batch = self.get_object()
        import_expire_stale(batch=batch)  # a batch whose worker died says so, as on the console page
        return self.output(batch)

    @extend_schema(responses={200: ImportRowErrorSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="bad-rows")
    def bad_rows(self, request, pk=None):
        """The problems holding rows back (row as in Excel, column, reason; ID numbers masked), in order."""
        batch = self.get_object()
        page = self.paginate_queryset(batch.row_errors.filter(warning=False).order_by("id"))
        return self.get_paginated_response(ImportRowErrorSerializer(page, many=True).data)

    @extend_schema(request=ImportCommitSerializer, responses={200: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Confirm the batch: all or nothing (`all`, the default) or, by explicit choice, only the rows
        without problems (`valid_only`, with `left_out` as checked). Committing twice commits once."""
        batch = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mode = serializer.validated_data["mode"]
        if batch.status in (ImportStatus.QUEUED, ImportStatus.COMMITTED) and batch.mode == mode:
            return self.output(batch)  # confirmed already (a retry): nothing is written again
        valid_only = mode == ImportMode.VALID_ONLY
        batch = import_queue(
            batch=batch, actor=request.user, valid_only=valid_only, left_out=serializer.validated_data.get("left_out")
        )
        if batch.status == ImportStatus.PREVIEWED and batch.failure:
            # refused when written (checked again: the register changed), as the console says beside the page
            raise ServiceError("refused", batch.failure, status=409)
        return self.output(batch)


router = SimpleRouter()
router.register("", ImportBatchViewSet, basename="import-batch")
urlpatterns = router.urls
