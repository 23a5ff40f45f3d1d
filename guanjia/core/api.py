"""API plumbing every app uses: pagination and errors as {code, detail} (DESIGN.md §8)."""

import posixpath
import re
import sys

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from django.views.defaults import server_error as server_error_page
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .access import is_staff_member, scoped
from .errors import ServiceError
from .idempotency import IdempotentMixin

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class Pagination(PageNumberPagination):
    """Pages of 50 (`page_size` up to 200); a page or size that is not a positive whole number is a 400
    naming the parameter, not a silent default (issue 10)."""

    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = gettext_lazy("页码超出范围。")
    labels = {"page": gettext_lazy("页码"), "page_size": gettext_lazy("每页条数")}

    def _whole(self, request, name) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
            raise exceptions.ValidationError({name: [_("应为正整数。")]})
        return int(raw)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return "last"
        return self._whole(request, self.page_query_param) or 1

    def get_page_size(self, request):
        size = self._whole(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)


class IsStaff(permissions.BasePermission):
    """Signed-in staff member of at least one community (scoping does the rest)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a row the user may see; a row of another community is a 404, as in a URL (DESIGN.md §1).

    `action` is the permission the reference needs (a room to report a repair on needs only to be
    visible; a technician to dispatch to is named under the dispatcher's permission)."""

    def __init__(self, *, scope_field: str = "community", action: str = "estates.view", **kwargs):
        self.scope_field, self.action = scope_field, action
        super().__init__(**kwargs)

    def get_queryset(self):
        return scoped(super().get_queryset(), self.context["request"].user, self.action, field=self.scope_field)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if "does_not_exist" in error.get_codes():
                raise exceptions.NotFound(_("%(label)s不存在。") % {"label": self.label or self.field_name}) from None
            raise


class ScopedMixin(IdempotentMixin):
    """Base of every staff API view: staff only, every queryset through scoped() (DESIGN.md §1).

    A row of a community outside the user's scope is then a 404, never a 403. Its `create` and the
    actions named in `idempotent_actions` honour an `Idempotency-Key` header (core.idempotency).
    """

    # Token first so that an anonymous request gets 401 with a WWW-Authenticate header.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsStaff]
    scope_action: str = ""  # every view names the permission its rows need; there is no default

    def initial(self, request, *args, **kwargs):
        if not self.scope_action:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare scope_action")
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, self.scope_action)


def _first_error(errors, path=()):
    """The first (field path, message) of DRF's nested validation errors."""
    if isinstance(errors, dict) and errors:
        key, value = next(iter(errors.items()))
        return _first_error(value, path if key in ("non_field_errors", "__all__") else (*path, str(key)))
    if isinstance(errors, list) and errors:
        for index, value in enumerate(errors):
            if value:
                return _first_error(value, path + ((str(index),) if isinstance(value, dict) else ()))
    message = "" if isinstance(errors, (dict, list)) else str(errors)
    return ".".join(path) or None, message


def _filter_label(view, name: str) -> str:
    """The label of a list filter or paging parameter that was refused (`?overdue=maybe`)."""
    if name in Pagination.labels:
        return str(Pagination.labels[name])
    queryset = getattr(view, "queryset", None)
    for backend in getattr(view, "filter_backends", ()):
        get_class = getattr(backend(), "get_filterset_class", None)
        filterset_class = get_class(view, queryset) if get_class else None
        filter_ = filterset_class.base_filters.get(name) if filterset_class else None
        if filter_ is not None and filter_.label:
            return str(filter_.label)
    return ""


def _field_label(context, field: str | None) -> str:
    view = context.get("view")
    request = context.get("request")
    top = field.split(".", 1)[0] if field else None
    if not top or view is None:
        return ""
    try:
        if request is not None and request.method in ("GET", "HEAD") and top in request.query_params:
            return _filter_label(view, top)
        if not hasattr(view, "get_serializer"):
            return ""
        serializer_field = view.get_serializer().fields.get(top)
    except Exception:  # the label is a nicety; the error itself must still go out
        return ""
    return str(serializer_field.label) if serializer_field is not None and serializer_field.label else ""


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        body = {"code": exc.code, "detail": str(exc.message)}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        # The detail names the first field at fault, in the user's language.
        field, message = _first_error(response.data)
        label = _field_label(context, field) or field
        detail = f"{label}：{message}" if label and message else message or _("提交的数据有误。")
        response.data = {"code": "invalid", "detail": detail, "field": field, "errors": response.data}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail) if not isinstance(exc.detail, (dict, list)) else exc.detail,
        }
    return response


def _is_api(request) -> bool:
    api_root = posixpath.dirname(reverse("api-me").rstrip("/")) + "/"  # where urls.py mounts the API
    return request.path.startswith(api_root)


def not_found(request, exception=None):
    """urls.handler404: a URL under /api/ that matches no route (`/api/tickets/1.5/`) answers in the
    API's JSON shape, as the schema says; elsewhere Django's own page."""
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": _("未找到。")}, status=404)
    return page_not_found(request, exception)


DB_RETRY_SECONDS = 5


def server_error(request):
    """urls.handler500 (called while the exception is being handled): the database unreachable for
    a moment (a PostgreSQL restart, a failover, SQLite busy) is 503 with Retry-After, so a client
    retries — with its Idempotency-Key, never filing twice — instead of reading a fault of ours.
    Anything else is Django's own 500."""
    if isinstance(sys.exc_info()[1], OperationalError):
        message = _("系统暂时无法连接数据库，请 %(n)s 秒后重试。") % {"n": DB_RETRY_SECONDS}
        if _is_api(request):
            response = JsonResponse({"code": "unavailable", "detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(DB_RETRY_SECONDS)
        return response
    return server_error_page(request)
