"""The engagement API (VS-1 … VS-6, SV-1 … SV-4): visits, the monthly visit summaries, surveys,
their sheets and results.

Every queryset goes through `scoped()` (ScopedMixin), so a row of another community is a 404. Writes
validate the request's shape with an input serializer and call one service, the same one the
console calls; a refused operation (ServiceError) becomes `{code, detail, field}` in `core.api`.
"""

import django_filters as filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from guanjia.core import periods
from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet, parse_bool
from guanjia.core.periods import Period

from .. import selectors, services, stats, surveys
from ..choices import Channel, VisitForm
from ..models import Survey, SurveySheet, Visit, VisitSummary
from . import serializers as s


class VisitFilter(StrictFilterSet):
    month = filters.CharFilter(method="filter_month", label=_("月份（YYYY-MM）"))
    room = filters.NumberFilter(field_name="room_id", label=_("房屋"))
    form = filters.ChoiceFilter(choices=VisitForm.choices, label=_("拜访形式"))
    key_customer = filters.BooleanFilter(label=_("重点客户访谈"))  # VS-6

    class Meta:
        model = Visit
        fields = ["month", "room", "form", "key_customer"]

    def filter_month(self, queryset, name, value):
        month = Period.parse(value, periods.MONTH)
        if month is None:
            raise ValidationError({"month": [_("应为月份，如 2026-03。")]})
        start, end = month.bounds()
        return queryset.filter(visited_at__gte=start, visited_at__lt=end)


class SurveyFilter(StrictFilterSet):
    # Plain strings: the `kind`/`status` enum names belong to the service desk's schema.
    kind = filters.CharFilter(label=_("类型（evaluation / questionnaire）"))
    status = filters.CharFilter(label=_("状态（draft / issued / closed / published）"))

    class Meta:
        model = Survey
        fields = ["kind", "status", "year"]


class EngagementViewSet(ScopedMixin, viewsets.GenericViewSet):
    scope_action = "engagement.view"
    http_method_names = ["get", "post", "head", "options"]


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EngagementViewSet):
    """Visits to households (VS-1 … VS-4) and key-customer interviews (VS-6)."""

    scope_action = "engagement.view_visits"  # AR-4
    queryset = selectors.visits_with_related()
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilter

    def get_serializer_class(self):
        return s.VisitCreateSerializer if self.action == "create" else s.VisitSerializer

    @extend_schema(request=s.VisitCreateSerializer, responses={201: s.VisitSerializer})
    def create(self, request):
        """Record a visit (VS-2: a home visit needs an appointment, not after 22:00; VS-6: a key-customer
        interview needs measures). The community is the room's."""
        serializer = s.VisitCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        room = data["room"]
        visit = services.visit_record(community=room.community, actor=request.user, **data)
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(s.VisitSerializer(visit, context=self.get_serializer_context()).data, status.HTTP_201_CREATED)


class VisitSummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EngagementViewSet):
    """The monthly visit summaries for the director (VS-5), newest first."""

    queryset = VisitSummary.objects.select_related("submitted_by").order_by("-month", "id")
    serializer_class = s.VisitSummarySerializer
    filterset_fields = ["community"]


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EngagementViewSet):
    """Quarterly evaluations (SV-1) and half-yearly questionnaires (SV-2)."""

    queryset = Survey.objects.all()
    serializer_class = s.SurveySerializer
    filterset_class = SurveyFilter

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.SurveyDetailSerializer
        if self.action == "sheets":
            return s.SheetSerializer
        if self.action == "results":
            return s.SurveyResultsSerializer
        return s.SurveySerializer

    def retrieve(self, request, pk=None):
        survey = self.get_object()
        survey = Survey.objects.prefetch_related("items").get(pk=survey.pk)
        survey.issued, survey.returned = surveys.sheet_counts(survey)
        return Response(s.SurveyDetailSerializer(survey, context=self.get_serializer_context()).data)

    @extend_schema(responses={200: s.SurveyResultsSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Satisfaction per item and overall with the return-rate penalty and its arithmetic (SV-3),
        and the Pareto rows with the key items (SV-4). Rates are strings with one decimal."""
        survey = self.get_object()
        counts, result, rows = surveys.results_with_counts(survey)  # one GROUP BY, not two
        items = list(survey.items.all())

        def rate(r, item=None, abstained=0):
            return {
                "item": r.item,
                "item_id": item.pk if item else None,
                "satisfied": r.satisfied,
                "basic": r.basic,
                "dissatisfied": r.dissatisfied,
                "abstained": abstained,
                "raw_rate": None if r.raw is None else stats.fmt(r.raw),
                "adjusted_rate": None if r.adjusted is None else stats.fmt(r.adjusted),
                "explain": result.explain(r),
            }

        body = {
            "issued": result.issued,
            "returned": result.returned,
            "return_rate": None if result.return_rate is None else stats.fmt(result.return_rate),
            "threshold_pct": stats.fmt(result.threshold_pct),
            "shortfall_points": result.shortfall_points,
            "penalty": stats.fmt(result.penalty),
            "overall": rate(result.overall, abstained=sum(c.abstained for c in counts)),
            "items": [rate(r, item, c.abstained) for r, item, c in zip(result.items, items, counts, strict=True)],
            "pareto": [
                {
                    "item": row.item,
                    "dissatisfied": row.dissatisfied,
                    "share": stats.fmt(row.share),
                    "cumulative": stats.fmt(row.cumulative),
                    "key": row.key,
                }
                for row in rows
            ],
        }
        return Response(s.SurveyResultsSerializer(body).data)

    @extend_schema(responses={200: s.SheetSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def sheets(self, request, pk=None):
        """The survey's sheets 问卷表 by number, paginated; `returned=true|false` narrows them."""
        survey = self.get_object()
        queryset = SurveySheet.objects.filter(survey=survey).select_related("room").order_by("number")
        try:
            returned = parse_bool(request.query_params.get("returned"))
        except DjangoValidationError as error:
            raise ValidationError({"returned": error.messages}) from None
        if returned is not None:
            queryset = queryset.filter(returned_at__isnull=not returned)
        page = self.paginate_queryset(queryset)
        data = s.SheetSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


class SurveySheetViewSet(mixins.RetrieveModelMixin, EngagementViewSet):
    """One issued form; staff enter its answers from paper (SV-3: blank or several ticks abstain)."""

    queryset = SurveySheet.objects.select_related("room", "survey")
    serializer_class = s.SheetSerializer

    def get_serializer_class(self):
        return s.SheetAnswersSerializer if self.action == "answers" else s.SheetSerializer

    @extend_schema(request=s.SheetAnswersSerializer, responses={200: s.SheetSerializer})
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Enter (or correct) a returned paper form; missing items are blank (SV-3)."""
        sheet = self.get_object()
        serializer = s.SheetAnswersSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        surveys.sheet_record(
            sheet=sheet,
            actor=request.user,
            answers=serializer.validated_data["answers"],
            suggestions=serializer.validated_data["suggestions"],
            channel=Channel.PAPER,
        )
        sheet.refresh_from_db()
        return Response(s.SheetSerializer(sheet, context=self.get_serializer_context()).data)
