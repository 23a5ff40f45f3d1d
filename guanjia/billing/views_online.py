"""The payment provider's notification endpoint (FE-1): a plain view, no session, no CSRF token (the
provider signs the request instead), POST only. One community's merchant per URL, so the adapter
knows which keys verify it: /fees/pay/<provider>/<community code>/notify/."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanjia.core.models import Community

from .services.online import notification_receive
from .services.online_refunds import refund_notification_receive


@csrf_exempt
@require_POST
def notify(request, provider: str, code: str):
    community = get_object_or_404(Community, code=code)
    outcome = notification_receive(
        community=community, provider_key=provider, headers=request.headers, body=request.body
    )
    if outcome.status == 404:
        raise Http404
    return JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def refund_notify(request, provider: str, code: str):
    """The refund notification (REFUND.SUCCESS / ABNORMAL / CLOSED), beside the payment's."""
    community = get_object_or_404(Community, code=code)
    outcome = refund_notification_receive(
        community=community, provider_key=provider, headers=request.headers, body=request.body
    )
    if outcome.status == 404:
        raise Http404
    return JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})
