"""Telling the person responsible: the in-app inbox, e-mail, and a webhook for SMS/WeChat gateways.

Delivery beyond the inbox happens after the transaction commits, through a background task."""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

from .models import Notification

logger = logging.getLogger(__name__)


def notify(user, title: str, *, body: str = "", url: str = "", community=None) -> Notification | None:
    if user is None:
        return None
    note = Notification.objects.create(user=user, community=community, title=str(title)[:200], body=str(body), url=url)
    transaction.on_commit(lambda: deliver.enqueue(note.pk))
    return note


def notify_role(role: str, community, title: str, **kwargs) -> list[Notification]:
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(memberships__community=community, memberships__role=role, is_active=True)
        .distinct()
    )
    return [notify(u, title, community=community, **kwargs) for u in users]


@task()
def deliver(notification_id: int) -> None:
    """E-mail the notification if the user has an address; post it to the gateway webhook if set."""
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None:
        return
    if note.user.email:
        send_mail(note.title, f"{note.body}\n{note.url}".strip(), None, [note.user.email], fail_silently=True)
    hook = getattr(settings, "NOTIFY_WEBHOOK_URL", "")
    if hook:
        payload = json.dumps(
            {"user": note.user.username, "title": note.title, "body": note.body, "url": note.url}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(hook, data=payload, headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - the operator's own gateway
        except OSError:
            logger.warning("notification webhook failed for %s", notification_id)
