"""The quality API: rectification notices (QA-2), issued for a registered kind of finding (RC-5's
unsatisfied repair callback today) and closed with their result.

Every queryset goes through `scoped()` (ScopedMixin): a notice, or a finding named in a request, of
another community is a 404. Each write validates the request's shape and calls one service, the
same the console calls; a refusal is 400/403/409 `{code, detail, field}` (core.api)."""

import django_filters as filters
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core import clock
from guanjia.core.access import scoped
from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet
from guanjia.servicedesk.models import Callback
from guanjia.servicedesk.services.rectifications import SOURCE as CALLBACK_SOURCE

from .. import registry, selectors, services
from ..choices import NoticeStatus
from ..models import RectificationNotice
from . import serializers as s


class NoticeFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    source = filters.CharFilter(field_name="source", label=_("来源"))
    status = filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("状态"))
    recipient = filters.NumberFilter(field_name="recipient", label=_("整改人"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("已超时"))

    class Meta:
        model = RectificationNotice
        fields = ["community", "source", "status", "recipient", "overdue"]

    def filter_overdue(self, queryset, name, value):
        late = Q(status=NoticeStatus.ISSUED, due_at__lt=clock.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class QualityViewSet(ScopedMixin, viewsets.GenericViewSet):
    """`serializer_class` shapes output; `input_serializers` validate each write action's request."""

    input_serializers: dict = {}
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, self.serializer_class)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": clock.now()}

    def validated(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def notice_output(self, notice, status_code=status.HTTP_200_OK) -> Response:
        notice = selectors.with_subjects(RectificationNotice.objects.all()).get(pk=notice.pk)
        return Response(s.NoticeSerializer(notice, context=self.get_serializer_context()).data, status=status_code)


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, QualityViewSet):
    """整改通知书 (QA-2): issued for a finding by its own due date, tracked to closure."""

    scope_action = "quality.view"
    queryset = RectificationNotice.objects.select_related("subject_type", "recipient", "issued_by")
    serializer_class = s.NoticeSerializer
    filterset_class = NoticeFilter
    input_serializers = {"create": s.NoticeIssueSerializer, "close": s.NoticeCloseSerializer}

    def get_queryset(self):
        return selectors.with_subjects(super().get_queryset()).order_by("-issued_at", "-id")

    @extend_schema(responses={201: s.NoticeSerializer})
    def create(self, request):
        """Issue the notice for a finding (`source`, `subject`); `fix_due` (a date) overrides the source's
        default period."""
        data = self.validated()
        source = registry.source_of(data.pop("source"))
        model = source.model_class()
        subject = scoped(model._default_manager.all(), request.user, self.scope_action).filter(pk=data.pop("subject"))
        subject = subject.first()
        if subject is None:
            raise Http404
        notice = services.notice_issue(source=source.key, subject=subject, actor=request.user, **data)
        return self.notice_output(notice, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.NoticeSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Put right: the clock stops and the finding's app follows up (RC-4: called back again)."""
        notice = self.get_object()
        services.notice_close(notice=notice, actor=request.user, **self.validated())
        return self.notice_output(notice)


class CallbackNoticeViewSet(QualityViewSet):
    """The notice after an unsatisfied repair callback (RC-5), named from the callback."""

    scope_action = "servicedesk.view"
    queryset = Callback.objects.all()
    input_serializers = {"rectify": s.NoticeTermsSerializer}
    idempotent_actions = ("rectify",)  # creates a notice: a retry must not issue a second one

    @extend_schema(responses={201: s.NoticeSerializer})
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        """Issue the 整改通知书 for an unsatisfied repair callback (RC-5); `fix_due` (a date) overrides
        the house period RC-5.fix_days."""
        callback = self.get_object()
        notice = services.notice_issue(source=CALLBACK_SOURCE, subject=callback, actor=request.user, **self.validated())
        return self.notice_output(notice, status.HTTP_201_CREATED)
