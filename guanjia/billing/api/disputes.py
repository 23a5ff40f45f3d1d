"""The owner's own bill lines and their disputes through the API (FE-1), the portal's action.

`GET my/lines/` lists the lines the signed-in owner may dispute (his household's owner bills, or as
tenant the bills he pays), newest period first, each with its open dispute if any;
`GET my/lines/{id}/` one of them; `POST my/lines/{id}/dispute/ {"reason": "…"}` disputes it — the
same service as the portal form, so the same refusals with the same messages (a missing reason: 400
naming `reason`; a second while one is open: 409). Another room's line, or any line for a staff
account, is a 404.

The desk's record of a dispute said by phone or at the window: `POST lines/{id}/dispute/ {"channel":
"phone"|"window", "said_by", "said_by_phone", "reason"}` — the same service, on the lines the bill
page's form offers (an owner's or tenant's line without an open dispute), another community's line a
404. Whether it is founded is answered on its ticket (`POST tickets/{id}/reply/` with `valid`, RC-11).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from guanjia.core.api import Pagination, ScopedMixin
from guanjia.core.idempotency import IdempotentMixin

from ..models import BillLine, LineDispute
from ..selectors_disputes import disputable_lines, disputes_of_lines
from ..services.disputes import line_dispute


class LineDisputeSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, label=_("工单号"))
    ticket_status = serializers.CharField(source="ticket.status", read_only=True, label=_("工单状态"))
    # the desk's judgement once it answered (RC-11): false = not founded, explained; null = not yet answered
    ticket_valid = serializers.BooleanField(source="ticket.valid", read_only=True, allow_null=True, label=_("异议成立"))

    class Meta:
        model = LineDispute
        fields = [
            "id", "line", "ticket", "ticket_number", "ticket_status", "ticket_valid", "reason", "raised_at",
            "channel", "said_by", "said_by_phone",
        ]  # fmt: skip
        read_only_fields = fields


class OwnerLineSerializer(serializers.ModelSerializer):
    bill_number = serializers.CharField(source="bill.number", read_only=True, label=_("账单号"))
    dispute = serializers.SerializerMethodField(label=_("异议处理中"))

    class Meta:
        model = BillLine
        fields = [
            "id", "bill", "bill_number", "item_name", "period", "covers_from", "covers_to", "basis_label",
            "unit_price", "amount", "due_on", "open_amount", "dispute",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema(responses=LineDisputeSerializer(allow_null=True))
    def get_dispute(self, line) -> dict | None:
        dispute = self.context.get("disputes", {}).get(line.pk)
        return LineDisputeSerializer(dispute).data if dispute else None


class DisputeRequestSerializer(serializers.Serializer):
    # what is missing or too long is the service's to say, as for the portal form
    reason = serializers.CharField(label=_("异议理由"), required=False, allow_blank=True, trim_whitespace=False)


class OwnerBillLineViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """我的账单明细 (FE-1): the owner's own lines, and his dispute of one (a retry with the same
    Idempotency-Key answers the first dispute instead of opening a second ticket)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    queryset = BillLine.objects.all()  # narrowed to the user's own lines below
    serializer_class = OwnerLineSerializer
    idempotent_actions = ("dispute",)

    def get_queryset(self):
        return disputable_lines(self.request.user).select_related("bill").order_by("-period", "-bill_id", "id")

    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        context = {**self.get_serializer_context(), "disputes": disputes_of_lines(page)}
        return self.get_paginated_response(OwnerLineSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        line = self.get_object()
        context = {**self.get_serializer_context(), "disputes": disputes_of_lines([line])}
        return Response(OwnerLineSerializer(line, context=context).data)

    @extend_schema(request=DisputeRequestSerializer, responses={201: LineDisputeSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Dispute this line: a complaint ticket at the service desk, linked to the line (RC-3)."""
        line = self.get_object()
        serializer = DisputeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = line_dispute(line=line, actor=request.user, reason=serializer.validated_data.get("reason", ""))
        return Response(LineDisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


class DeskDisputeRequestSerializer(serializers.Serializer):
    # what is missing or malformed is the service's to say, as for the bill page's form
    channel = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        label=_("受理渠道"),
        help_text=_("phone（电话）或 window（窗口）"),
    )
    said_by = serializers.CharField(max_length=50, required=False, allow_blank=True, label=_("异议人"))
    said_by_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, label=_("异议人电话"))
    reason = serializers.CharField(label=_("异议理由"), required=False, allow_blank=True, trim_whitespace=False)


class StaffBillLineViewSet(ScopedMixin, viewsets.GenericViewSet):
    """A line of the community's bills, for the desk's record of an owner's dispute of it (FE-1)."""

    scope_action = "billing.view"
    queryset = BillLine.objects.select_related("bill", "room", "community")
    serializer_class = DeskDisputeRequestSerializer
    http_method_names = ["post", "options"]
    idempotent_actions = ("dispute",)

    @extend_schema(request=DeskDisputeRequestSerializer, responses={201: LineDisputeSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Record that an owner disputes this line, by phone or at the window: a complaint ticket (RC-3)."""
        line = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = line_dispute(line=line, actor=request.user, **serializer.validated_data)
        return Response(LineDisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)
