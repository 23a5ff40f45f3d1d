"""Bank statement lines 银行流水 through the API (FE-1), the cashier's list and actions of the console.

`GET bank-lines/` (filters `status`, `community`; paginated, a fixed number of queries a page) lists
the lines of the communities where the user takes money; `POST bank-lines/{id}/match/ {"room_code",
"purse"}` books a waiting line to a room (oldest first, what is paid beyond to a prepayment purse);
`POST bank-lines/{id}/ignore/ {"reason"}` sets one aside; `POST bank-lines/{id}/reopen/` puts an
ignored one back to waiting. The same services as the console, so the same refusals with the same
messages (400 naming the field, 409 when the line is no longer in the state the action needs).
Another community's line is a 404; a role that takes no money a 403. Each action honours an
`Idempotency-Key` (a retry answers the first result instead of booking twice).
"""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from guanjia.core.access import has_perm, scoped
from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet

from .. import selectors_bank as sel
from ..choices import Purse, StatementLineStatus
from ..models import BankStatementLine
from ..services import bank as services

COLLECT = "billing.collect"


class StatementLineSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True, label=_("状态"))
    counterparty_account = serializers.SerializerMethodField(label=_("对方账号"))
    room_code = serializers.CharField(source="room.code", read_only=True, allow_null=True, label=_("房屋编号"))
    payment_number = serializers.CharField(source="payment.number", read_only=True, allow_null=True, label=_("收据号"))
    handled_by_name = serializers.SerializerMethodField(label=_("处理人"))

    class Meta:
        model = BankStatementLine
        fields = [
            "id", "community", "transaction_id", "booked_on", "amount", "counterparty_name",
            "counterparty_account", "memo", "status", "status_display", "reason", "room", "room_code",
            "payment", "payment_number", "auto", "imported_at", "handled_by", "handled_by_name", "handled_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_counterparty_account(self, line) -> str:
        return sel.mask_account(line.counterparty_account)  # the last four digits, as the list (LW-1)

    @extend_schema_field(OpenApiTypes.STR)
    def get_handled_by_name(self, line) -> str:
        user = line.handled_by
        return (user.get_full_name() or user.username) if user else ""


class StatementLineFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    status = filters.ChoiceFilter(choices=StatementLineStatus.choices, label=_("状态"))

    class Meta:
        model = BankStatementLine
        fields = ["community", "status"]


class MatchSerializer(serializers.Serializer):
    # what is missing or unknown is the service's to say, as for the console form
    room_code = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("房屋编号"))
    purse = serializers.ChoiceField(
        choices=Purse.choices, required=False, allow_blank=True, label=_("多收部分转入预收款")
    )


class IgnoreSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("忽略原因"))


class StatementLineViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """银行流水 (FE-1): what waits for the cashier, matched and ignored lines, and her actions."""

    scope_action = "billing.view"  # found in the fee office's scope (else 404); handled under COLLECT (else 403)
    queryset = BankStatementLine.objects.all()
    serializer_class = StatementLineSerializer
    filterset_class = StatementLineFilter
    http_method_names = ["get", "post", "head", "options"]
    idempotent_actions = ("match", "ignore", "reopen")

    def get_serializer_class(self):
        return {"match": MatchSerializer, "ignore": IgnoreSerializer}.get(self.action, StatementLineSerializer)

    def get_queryset(self):
        queryset = sel.statement_lines(super().get_queryset())
        if self.action == "list":  # narrowed to where the user works the window, as every list is
            queryset = scoped(queryset, self.request.user, COLLECT)
        return queryset

    def get_object(self) -> BankStatementLine:
        line = super().get_object()
        if not has_perm(self.request.user, COLLECT, line.community_id):
            raise PermissionDenied()
        return line

    def output(self, line) -> Response:
        line = self.get_queryset().get(pk=line.pk)
        return Response(StatementLineSerializer(line, context=self.get_serializer_context()).data)

    def validated(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=MatchSerializer, responses={200: StatementLineSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Book a waiting line to a room by hand: its open lines oldest first, a receipt (FE-1)."""
        line = self.get_object()
        data = self.validated()
        services.statement_line_match(
            line=line, room_code=data.get("room_code", ""), purse=data.get("purse") or None, actor=request.user
        )
        return self.output(line)

    @extend_schema(request=IgnoreSerializer, responses={200: StatementLineSerializer})
    @action(detail=True, methods=["post"])
    def ignore(self, request, pk=None):
        """Set a waiting line aside with a reason (not a fee); no money is booked."""
        line = self.get_object()
        services.statement_line_ignore(line=line, reason=self.validated().get("reason", ""), actor=request.user)
        return self.output(line)

    @extend_schema(request=None, responses={200: StatementLineSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Put an ignored line back to waiting (it was a fee after all)."""
        line = self.get_object()
        services.statement_line_reopen_ignored(line=line, actor=request.user)
        return self.output(line)
