"""The service-desk API (RC-1 … RC-11, IC-3): tickets, callbacks, the call log and the deadlines that
run them. Rectification notices (RC-5), issued after an unsatisfied callback, are the quality API's.

Every queryset goes through `scoped()` (ScopedMixin), so a row of another community is a 404 — also
when it is named in a request body. Each write validates the request's shape with an input
serializer and calls one service, the same one the console calls; a refused operation
(ServiceError) becomes 400/403/409 `{code, detail, field}` in `core.api`. A ticket's `actions` are
the transitions of its state machine open to the user, as the console's buttons are; each is
`POST /api/tickets/{id}/<action>/`, and what the machine refuses the service refuses alike.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core import clock
from guanjia.core.api import ScopedMixin
from guanjia.core.models import Deadline
from guanjia.core.textinput import FormParser, JSONParser, MultiPartParser

from .. import services
from ..models import Callback, CallLog, ServiceItem, Ticket
from ..selectors import visible_call_log, visible_tickets
from ..services.rectifications import notice_model
from . import filters
from . import serializers as s


class DeskViewSet(ScopedMixin, viewsets.GenericViewSet):
    """`serializer_class` shapes output; `input_serializers` validate each write action's request."""

    scope_action = "servicedesk.view"
    input_serializers: dict = {}
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, self.serializer_class)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": clock.now()}

    def validated(self, **context) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.context.update(context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, instance, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        serializer_class = serializer_class or self.serializer_class
        return Response(serializer_class(instance, context=self.get_serializer_context()).data, status=status_code)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DeskViewSet):
    """Tickets (RC-1): intake, dispatch and work (RC-8), replies to complaints (RC-3, RC-7, RC-11)."""

    queryset = Ticket.objects.select_related("room", "technician")
    serializer_class = s.TicketSerializer
    filterset_class = filters.TicketFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    input_serializers = {
        "create": s.TicketCreateSerializer,
        "dispatch_to": s.DispatchSerializer,
        "arrive": s.EmptySerializer,
        "complete": s.CompleteSerializer,
        "check": s.CheckSerializer,
        "reply": s.ReplySerializer,
        "escalate": s.EmptySerializer,
        "cancel": s.CancelSerializer,
    }

    def get_queryset(self):
        return visible_tickets(super().get_queryset(), self.request.user)  # AR-4: a technician's own jobs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.TicketDetailSerializer
        return super().get_serializer_class()

    def load_detail(self, pk) -> Ticket:
        """The ticket with all it shows in detail, in a fixed number of queries."""
        ticket = (
            self.get_queryset()
            .select_related("reporter")
            .prefetch_related(
                "photos",
                Prefetch("callbacks", queryset=Callback.objects.select_related("ticket__room", "done_by")),
                Prefetch(
                    "callbacks__rectification_notices",
                    queryset=notice_model().objects.select_related("recipient").order_by("issued_at", "id"),
                ),
            )
            .get(pk=pk)
        )
        ticket.notices = [n for c in ticket.callbacks.all() for n in c.rectification_notices.all()]  # RC-5
        types = ContentType.objects.get_for_models(Ticket, Callback, notice_model())
        subjects = Q(subject_type=types[Ticket], subject_id=str(ticket.pk))
        subjects |= Q(subject_type=types[Callback], subject_id__in=[str(c.pk) for c in ticket.callbacks.all()])
        subjects |= Q(subject_type=types[notice_model()], subject_id__in=[str(n.pk) for n in ticket.notices])
        ticket.all_deadlines = list(
            Deadline.objects.filter(subjects, community_id=ticket.community_id)
            .with_state()
            .select_related("owner", "subject_type")
            .order_by("starts_at", "id")
        )
        return ticket

    def retrieve(self, request, pk=None):
        self.get_object()  # 404 outside the user's scope
        return self.output(self.load_detail(pk), serializer_class=s.TicketDetailSerializer)

    def act(self, service, **context) -> Response:
        """Run one service on the ticket and answer with its detail."""
        ticket = self.get_object()
        data = self.validated(ticket=ticket, **context)
        service(ticket=ticket, actor=self.request.user, **data)
        return self.output(self.load_detail(ticket.pk), serializer_class=s.TicketDetailSerializer)

    @extend_schema(responses={201: s.TicketDetailSerializer})
    def create(self, request):
        """Take a request (RC-1); photos as multipart `photos` (up to 9). Its clocks start at once, or at the
        next opening time outside reception hours (RC-2)."""
        ticket = services.ticket_create(actor=request.user, **self.validated())
        return self.output(self.load_detail(ticket.pk), status.HTTP_201_CREATED, s.TicketDetailSerializer)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to(self, request, pk=None):
        """Send a repair to a technician, or reassign it (RC-8)."""
        return self.act(services.ticket_dispatch)

    @extend_schema(request=None, responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """The technician is on site: the 2-hour response is met (RC-8)."""
        return self.act(services.ticket_arrive)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Work done, with materials and any charge (RC-8, SS-2)."""
        return self.act(services.ticket_complete)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Pass: the callback falls due (RC-4). Fail: the repair goes back to the technician."""
        return self.act(services.ticket_check)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Answer a complaint within 72 hours, judged valid or not (RC-3, RC-11), or any other request."""
        return self.act(services.ticket_reply)

    @extend_schema(request=None, responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Make a complaint major: the office manager takes it over at once (RC-7)."""
        return self.act(services.ticket_escalate)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act(services.ticket_cancel)


class CallbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DeskViewSet):
    """Callbacks (RC-4, RC-9), soonest due first."""

    queryset = Callback.objects.select_related("ticket__room", "done_by").prefetch_related("rectification_notices")
    serializer_class = s.CallbackSerializer
    filterset_class = filters.CallbackFilter
    input_serializers = {"record": s.CallbackRecordSerializer}

    def get_queryset(self):
        return visible_tickets(super().get_queryset(), self.request.user, via="ticket__")  # AR-4

    @extend_schema(responses={200: s.CallbackSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the callback; unsatisfied, a repair is owed a written rectification notice within
        24 hours (RC-5: `rectify`, served by the quality API) and a complaint is reopened."""
        callback = self.get_object()
        services.callback_record(callback=callback, actor=request.user, **self.validated())
        return self.output(self.get_queryset().get(pk=callback.pk))


class CallLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DeskViewSet):
    """来电来访记录表 (IC-3): calls and visits that are only information."""

    queryset = CallLog.objects.select_related("room", "recorded_by")
    serializer_class = s.CallLogSerializer
    filterset_class = filters.CallLogFilter
    input_serializers = {"create": s.CallLogCreateSerializer}

    def get_queryset(self):
        return visible_call_log(super().get_queryset(), self.request.user)  # AR-4

    @extend_schema(responses={201: s.CallLogSerializer})
    def create(self, request):
        entry = services.calllog_record(actor=request.user, **self.validated())
        return self.output(self.get_queryset().get(pk=entry.pk), status.HTTP_201_CREATED)


class DeadlineViewSet(mixins.ListModelMixin, DeskViewSet):
    """Pending deadlines of the user's offices, soonest due first (DESIGN.md §4): `owner=me` for one's own,
    `state=overdue` for what is late. Open or overdue is derived from the clock at read time."""

    queryset = Deadline.objects.select_related("owner", "subject_type")
    serializer_class = s.DeadlineSerializer
    filterset_class = filters.DeadlineFilter

    def get_queryset(self):
        return super().get_queryset().pending().with_state().order_by("due_at", "id")


class ServiceItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DeskViewSet):
    """The public price list of special services (SS-2); edited in the console (特约服务收费)."""

    queryset = ServiceItem.objects.all()
    serializer_class = s.ServiceItemSerializer
    filterset_fields = ["community", "category", "active"]
