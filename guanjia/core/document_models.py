"""The record of every printed copy of a registered form (DESIGN §14; the registry is core.documents)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import clock
from .models import CommunityOwned


class IssuedDocument(CommunityOwned):
    """One printed copy of a registered form."""

    kind = models.CharField(_("单据"), max_length=40)
    number = models.CharField(_("编号"), max_length=40)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    household_id = models.BigIntegerField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("打印人")
    )
    issued_at = models.DateTimeField(_("打印时间"), default=clock.now)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = _("单据打印记录")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["community", "kind", "-issued_at"], name="issueddoc_comm_kind"),
            models.Index(fields=["household_id", "-issued_at"], name="issueddoc_household"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"
