"""Platform endpoints of the REST API: token sign-in, the current user, communities and their policies."""

from decimal import Decimal

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import throttling
from .access import visible_communities
from .api import ScopedMixin
from .errors import ServiceError
from .models import ActivityLog, Community, Membership
from .policies import format_value, policies_for, policy_set

# --- Serializers ----------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=gettext_lazy("用户名"))
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, label=gettext_lazy("密码"))


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "code", "name", "address", "office_phone"]


class MembershipSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["role", "role_display", "community", "community_name"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = MembershipSerializer(many=True)
    communities = CommunitySerializer(many=True)


class PolicySerializer(serializers.Serializer):
    key = serializers.CharField(label=gettext_lazy("规则项"))
    rule = serializers.CharField(label=gettext_lazy("规则编号"))
    label = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.JSONField(label=gettext_lazy("取值"))
    display = serializers.CharField(label=gettext_lazy("显示值"))
    default = serializers.JSONField(label=gettext_lazy("规则默认值"))
    changed = serializers.BooleanField(label=gettext_lazy("已修改"))


class PolicySetSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=60, label=gettext_lazy("规则项"))
    value = serializers.CharField(
        max_length=200,
        label=gettext_lazy("取值"),
        help_text=gettext_lazy("与控制台相同的文字格式，例如 3、95.5、09:00、6,12、300:4, 500:5, *:7"),
    )


class ActivityLogSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ActivityLog
        fields = ["id", "at", "verb", "summary", "actor", "actor_name", "community", "data"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, entry: ActivityLog) -> str:
        return (entry.actor.get_full_name() or entry.actor.username) if entry.actor_id else ""


def _plain(value):
    """A policy value as JSON: decimals as strings, so 0.5 stays 0.5."""
    return str(value) if isinstance(value, Decimal) else value


def policy_rows(community: Community) -> list[dict]:
    return [
        {
            "key": spec.key,
            "rule": spec.rule,
            "label": str(spec.label),
            "kind": spec.kind,
            "unit": str(spec.unit),
            "value": _plain(value),
            "display": format_value(spec, value),
            "default": _plain(spec.default),
            "changed": changed,
        }
        for spec, value, changed in policies_for(community)
    ]


# --- Views ----------------------------------------------------------------------------------


class TokenView(GenericAPIView):
    """Exchange user name and password for an API token, under the same lock-out as the console login."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [throttling.AddressRateThrottle]
    serializer_class = TokenRequestSerializer

    @extend_schema(responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"].strip()
        ip = throttling.client_ip(request)
        if refusal := throttling.check(username, ip):
            return Response(
                {"code": "locked", "detail": refusal.message()},
                status=429,
                headers={"Retry-After": str(refusal.seconds)},
            )
        user = authenticate(request._request, username=username, password=serializer.validated_data["password"])
        if user is None:
            throttling.record_failure(username, ip)
            raise ServiceError("invalid_login", _("用户名或密码不正确。"), field="password")
        throttling.clear(username, ip)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(ScopedMixin, APIView):
    """The signed-in user, their roles and the communities they may see."""

    scope_action = "core.view"

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name(),
            "is_superuser": user.is_superuser,
            "roles": Membership.objects.filter(user=user).select_related("community").order_by("community_id", "role"),
            "communities": visible_communities(user),
        }
        return Response(MeSerializer(data).data)


class CommunityViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Communities the user may see (read-only), and their rule numbers (DESIGN.md §3)."""

    scope_action = "core.view"
    serializer_class = CommunitySerializer
    queryset = Community.objects.all()

    def get_queryset(self):
        return visible_communities(self.request.user).order_by("id")

    def get_serializer_class(self):
        if self.action == "policies":
            return PolicySetSerializer if self.request.method in ("POST", "PATCH") else PolicySerializer
        return super().get_serializer_class()

    @extend_schema(
        methods=["GET"],
        responses={200: PolicySerializer(many=True)},
        description=gettext_lazy("本小区全部规则参数（规则编号、取值、默认值）。"),
    )
    @extend_schema(
        methods=["POST", "PATCH"],
        request=PolicySetSerializer,
        responses={200: PolicySerializer},
        description=gettext_lazy("修改一项规则参数（管理处经理），修改会记入操作日志。"),
    )
    @action(detail=True, methods=["get", "post", "patch"], pagination_class=None)
    def policies(self, request, pk=None):
        community = self.get_object()
        if request.method == "GET":
            return Response(policy_rows(community))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = serializer.validated_data["key"]
        policy_set(community=community, key=key, raw_value=serializer.validated_data["value"], actor=request.user)
        return Response(next(row for row in policy_rows(community) if row["key"] == key))
