"""Arrears and deposits through the API (FE-1, FE-3), read-only.

- `GET arrears/?community=<id>[&bucket=&step=&building=]`: households in arrears of one community (one
  grouped query a page, as the console's list), with their age buckets and the ladder's next step;
  `GET arrears/{room id}/`: one household's standing. A community or room outside the user's scope
  is a 404.
- `GET deposits/`, `GET deposits/{id}/`: deposits with their itemised deductions, scoped.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from guanjia.core import clock
from guanjia.core.access import visible_communities
from guanjia.core.api import Pagination, ScopedMixin
from guanjia.estates.models import Room

from .. import selectors_arrears as selectors
from ..models import Deposit, DepositDeduction
from ..services import dunning

MONEY = {"max_digits": 14, "decimal_places": 2}


class ArrearsRowSerializer(serializers.Serializer):
    room = serializers.IntegerField(source="room_id")
    room_code = serializers.CharField(source="room__code")
    building = serializers.CharField(source="room__building__code")
    total = serializers.DecimalField(**MONEY)
    d30 = serializers.DecimalField(**MONEY)
    d90 = serializers.DecimalField(**MONEY)
    d180 = serializers.DecimalField(**MONEY)
    d365 = serializers.DecimalField(**MONEY)
    over = serializers.DecimalField(**MONEY)
    oldest_due = serializers.DateField(source="oldest")
    days = serializers.IntegerField(source="ladder.days")
    next_step = serializers.CharField(source="ladder.next_step", allow_null=True)
    steps_done = serializers.SerializerMethodField()
    disputed = serializers.BooleanField(source="ladder.disputed")
    disputes = serializers.SerializerMethodField()

    def get_steps_done(self, row) -> list[str]:
        return sorted(row["ladder"].done)

    def get_disputes(self, row) -> list[str]:
        """The ticket numbers of the owner's open disputes of lines owed (FE-3)."""
        return [d.ticket.number for d in row["ladder"].disputes]


class ArrearsViewSet(ScopedMixin, viewsets.GenericViewSet):
    """欠费户 (FE-3): read-only."""

    scope_action = "billing.view"
    queryset = Room.objects.select_related("building")
    serializer_class = ArrearsRowSerializer
    pagination_class = Pagination

    def list(self, request):
        wanted = request.query_params.get("community", "")
        communities = visible_communities(request.user, self.scope_action)
        community = communities.filter(pk=wanted).first() if wanted.isdigit() else None
        if community is None:
            if wanted or communities.count() != 1:
                raise Http404
            community = communities.get()
        today = clock.today()
        rows = selectors.households(
            community,
            today,
            building=int(building) if (building := request.query_params.get("building", "")).isdigit() else None,
            bucket=request.query_params.get("bucket", ""),
            step=request.query_params.get("step", ""),
        )
        page = self.paginate_queryset(rows)
        page = list(page)
        ladders = selectors.ladders(community, page, today)
        for row in page:
            row["ladder"] = ladders[row["room_id"]]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        room = self.get_object()
        row, ladder = dunning.standing(room)
        if row is None:
            return Response({"room": room.pk, "room_code": room.code, "total": "0.00", "next_step": None})
        row["ladder"] = ladder
        return Response(self.get_serializer(row).data)


class DeductionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DepositDeduction
        fields = ["id", "amount", "reason", "at"]
        read_only_fields = fields


class DepositSerializer(serializers.ModelSerializer):
    receipt = serializers.CharField(source="payment.number", read_only=True)
    deductions = DeductionSerializer(many=True, read_only=True)

    class Meta:
        model = Deposit
        fields = [
            "id",
            "community",
            "number",
            "room",
            "kind",
            "payer_name",
            "amount",
            "receipt",
            "release_event",
            "release_on",
            "status",
            "settled_at",
            "deductions",
        ]
        read_only_fields = fields


class DepositViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """押金 (FE-1): custody, never income."""

    scope_action = "billing.view"
    queryset = (
        Deposit.objects.select_related("payment")
        .prefetch_related(Prefetch("deductions", queryset=DepositDeduction.objects.order_by("at", "id")))
        .order_by("-id")
    )
    serializer_class = DepositSerializer
