"""The stored answer of an API write made with an `Idempotency-Key` (core.idempotency)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock


class IdempotentRequest(models.Model):
    """One client write: who, with which key, what was asked (a hash) and what was answered.

    The row is written in the same transaction as the write it records, and (user, key) is unique:
    a retry, or a twin request racing the first, finds the row instead of writing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
