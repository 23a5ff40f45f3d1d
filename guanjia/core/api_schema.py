"""The OpenAPI schema as the API behaves (issue 10): every operation documents its error answers.

drf-spectacular documents what a view returns when all goes well; the errors come from core.api's
exception handler in one shape, `{code, detail, field?, errors?}`, whatever the view. Declaring them
here once keeps the schema true for every app without an `extend_schema` on each action:

- 400 a value refused (validation, a service's ServiceError), 401 no or a bad token, 403 not allowed,
  404 not found or outside the user's communities (DESIGN.md §1), also a page past the last;
- 409 a state conflict, on writes;
- 422 and the `Idempotency-Key` header on creating POSTs (core.idempotency);
- 429 where a view throttles (token sign-in).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers

from .idempotency import HEADER, MAX_KEY_LENGTH, IdempotentMixin


@extend_schema_serializer(many=False)
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("稳定的错误代码，如 invalid、not_found、bad_state"))
    detail = serializers.CharField(help_text=_("给用户看的说明（中文）"))
    field = serializers.CharField(required=False, allow_null=True, help_text=_("出错的字段或参数"))
    errors = serializers.JSONField(required=False, help_text=_("逐字段的校验错误"))


ERRORS = {
    "400": _("提交的数据或查询参数有误"),
    "401": _("未登录或令牌无效"),
    "403": _("无权执行此操作"),
    "404": _("不存在，或不在您可查看的小区内"),
    "409": _("当前状态不允许此操作"),
    "422": _("Idempotency-Key 已用于内容不同的请求"),
    "429": _("请求过于频繁"),
}


class AutoSchema(SpectacularAutoSchema):
    def _is_idempotent(self) -> bool:
        action = getattr(self.view, "action", None)
        return (
            self.method == "POST"
            and isinstance(self.view, IdempotentMixin)
            and action in ("create", *self.view.idempotent_actions)
        )

    def _error_codes(self) -> list[str]:
        codes = ["400", "403", "404"]
        if self.get_auth():
            codes.append("401")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self._is_idempotent():
            codes.append("422")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return codes

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_idempotent():
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]([ -~]*[!-~])?$"},
                    OpenApiParameter.HEADER,
                    description=_("客户端生成的唯一键（如 UUID）；以同一键重试时返回第一次的结果，不会重复创建。"),
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = str(ERRORS[code])
                responses[code] = response
        return responses
