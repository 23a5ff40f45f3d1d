"""The register API (PR-1 … PR-4, AR-1).

Every queryset goes through `scoped()` (ScopedMixin), so a row of another community is a 404.
Writes validate the request's shape with an input serializer and call one service; a refused
operation (ServiceError) becomes 400/403/409 `{code, detail, field}` in `core.api`.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core.access import require
from guanjia.core.api import ScopedMixin
from guanjia.core.api_views import ActivityLogSerializer
from guanjia.core.models import ActivityLog

from .. import services
from ..models import Building, HouseholdDocument, Lease, Ownership, Person, Resident, Room, Unit
from . import filters
from . import serializers as s


class RegisterViewSet(ScopedMixin, viewsets.GenericViewSet):
    """`serializer_class` shapes output; `input_serializers` validate each write action's request."""

    scope_action = "estates.view"
    input_serializers: dict = {}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, self.serializer_class)

    def validated(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, instance, status_code=status.HTTP_200_OK, many=False) -> Response:
        data = self.serializer_class(instance, many=many, context=self.get_serializer_context()).data
        return Response(data, status=status_code)


class ReadOnlyRegisterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegisterViewSet):
    pass


class BuildingViewSet(ReadOnlyRegisterViewSet):
    queryset = Building.objects.all()
    serializer_class = s.BuildingSerializer
    filterset_class = filters.BuildingFilter


class UnitViewSet(ReadOnlyRegisterViewSet):
    queryset = Unit.objects.select_related("building")
    serializer_class = s.UnitSerializer
    filterset_class = filters.UnitFilter


class RoomViewSet(ReadOnlyRegisterViewSet):
    """Rooms (PR-2); the household's owners, transfers (PR-1) and timeline (AR-1)."""

    queryset = Room.objects.select_related("building", "unit")
    serializer_class = s.RoomSerializer
    filterset_class = filters.RoomFilter
    idempotent_actions = ("owners", "transfer")  # each creates ownerships: a retry must not register twice
    input_serializers = {
        "create": s.RoomCreateSerializer,
        "partial_update": s.RoomUpdateSerializer,
        "owners": s.OwnershipRegisterSerializer,
        "transfer": s.TransferSerializer,
    }

    @extend_schema(responses={201: s.RoomSerializer})
    def create(self, request):
        data = self.validated()
        room = services.room_create(actor=request.user, **data)
        return self.output(room, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.RoomSerializer})
    def partial_update(self, request, pk=None):
        room = self.get_object()
        services.room_update(room=room, actor=request.user, **self.validated())
        return self.output(room)

    @extend_schema(responses={201: s.OwnershipSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def owners(self, request, pk=None):
        """First registration of the room's owners (shares add up to 100%)."""
        room = self.get_object()
        data = self.validated()
        created = services.ownership_register(
            room=room,
            actor=request.user,
            owners=[(o["person"], o["share"]) for o in data.pop("owners")],
            **data,
        )
        return Response(s.OwnershipSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={201: s.OwnershipSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Transfer of ownership (PR-1): current ownerships end on `on`, the new ones start that day."""
        room = self.get_object()
        data = self.validated()
        created = services.ownership_transfer(
            room=room,
            actor=request.user,
            owners=[(o["person"], o["share"]) for o in data.pop("owners")],
            **data,
        )
        return Response(s.OwnershipSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ActivityLogSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def timeline(self, request, pk=None):
        """The household's timeline 一户一档 (AR-1), newest first."""
        room = self.get_object()
        require(request.user, "core.view_activity", room.community)
        entries = ActivityLog.objects.filter(household_id=room.pk, community_id=room.community_id).select_related(
            "actor"
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(ActivityLogSerializer(page, many=True).data)


class PersonViewSet(ReadOnlyRegisterViewSet):
    """Owners, tenants and residents; ID numbers masked, the full number only through a logged view (LW-1)."""

    queryset = Person.objects.prefetch_related("phones")
    serializer_class = s.PersonSerializer
    filterset_class = filters.PersonFilter
    input_serializers = {"create": s.PersonCreateSerializer, "partial_update": s.PersonUpdateSerializer}

    @extend_schema(responses={201: s.PersonSerializer})
    def create(self, request):
        person = services.person_create(actor=request.user, **self.validated())
        return self.output(person, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.PersonSerializer})
    def partial_update(self, request, pk=None):
        person = self.get_object()
        data = self.validated()
        services.person_update(
            person=person,
            actor=request.user,
            name=data.get("name", person.name),
            id_type=data.get("id_type", person.id_type),
            id_number=data.get("id_number"),
            phones=data["phones"] if "phones" in data else [p.number for p in person.phones.all()],
            note=data.get("note", person.note),
        )
        return self.output(self.get_queryset().get(pk=person.pk))

    @extend_schema(responses={200: s.IdNumberSerializer}, filters=False)
    @action(detail=True, methods=["get"], url_path="id-number", filterset_class=None)
    def id_number(self, request, pk=None):
        """The full ID number, for roles that need it; every view is logged (LW-1)."""
        person = self.get_object()
        return Response({"id_number": services.person_reveal_id(person=person, actor=request.user)})


class OwnershipViewSet(ReadOnlyRegisterViewSet):
    """Ownership history (PR-1): ended ownerships stay with their end date."""

    queryset = Ownership.objects.select_related("room", "person")
    serializer_class = s.OwnershipSerializer
    filterset_class = filters.OwnershipFilter


class LeaseViewSet(ReadOnlyRegisterViewSet):
    """Tenancies (PR-3)."""

    queryset = Lease.objects.select_related("room", "tenant")
    serializer_class = s.LeaseSerializer
    filterset_class = filters.LeaseFilter
    input_serializers = {"create": s.LeaseCreateSerializer, "end": s.LeaseEndSerializer}

    @extend_schema(responses={201: s.LeaseSerializer})
    def create(self, request):
        lease = services.lease_create(actor=request.user, **self.validated())
        return self.output(lease, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.LeaseSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        lease = self.get_object()
        services.lease_end(lease=lease, actor=request.user, **self.validated())
        return self.output(lease)


class ResidentViewSet(ReadOnlyRegisterViewSet):
    queryset = Resident.objects.select_related("room", "person")
    serializer_class = s.ResidentSerializer
    filterset_class = filters.ResidentFilter
    input_serializers = {"create": s.ResidentCreateSerializer, "end": s.ResidentEndSerializer}

    @extend_schema(responses={201: s.ResidentSerializer})
    def create(self, request):
        resident = services.resident_add(actor=request.user, **self.validated())
        return self.output(resident, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ResidentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """The resident moves out."""
        resident = self.get_object()
        services.resident_remove(resident=resident, actor=request.user, **self.validated())
        return self.output(resident)


class DocumentViewSet(ReadOnlyRegisterViewSet):
    """Household documents (AR-1): metadata, and the file through a scoped download."""

    queryset = HouseholdDocument.objects.select_related("room", "uploaded_by")
    serializer_class = s.DocumentSerializer
    filterset_class = filters.DocumentFilter

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def download(self, request, pk=None):
        document = self.get_object()
        filename = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            services.document_open(document=document, actor=request.user), as_attachment=True, filename=filename
        )
