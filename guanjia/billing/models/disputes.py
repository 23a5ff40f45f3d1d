"""An owner's dispute of one bill line 账单异议 (FE-1, FE-3, RC-3).

The owner disputes a line from the portal or the API; the dispute opens a complaint ticket at the
service desk, which then runs on the desk's own clocks (the 72-hour reply RC-3, the callback RC-9)
and is counted with the other complaints (RC-6). The dispute is open as long as its ticket is: it
ends when the desk closes (or cancels) the ticket, read from the ticket's status, so nothing has to
be kept in step. While it is open the line shows "异议处理中" with the ticket's number, the
household's ladder shows the dispute, and the collection indicators show its amount apart.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length

from ..choices import DisputeChannel

USER = settings.AUTH_USER_MODEL


class LineDispute(CommunityOwned):
    line = models.ForeignKey("billing.BillLine", on_delete=models.PROTECT, related_name="disputes")
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    ticket = models.OneToOneField(
        "servicedesk.Ticket", on_delete=models.PROTECT, related_name="bill_dispute", verbose_name=_("工单")
    )
    reason = models.TextField(_("异议理由"), max_length=TEXT_MAX, validators=[text_length])
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人"))
    raised_at = models.DateTimeField(_("提出时间"), default=clock.now)
    # The portal's own (the owner signed in), or recorded at the desk: who said it, by phone or at the window.
    channel = models.CharField(
        _("提出渠道"), max_length=10, choices=DisputeChannel.choices, default=DisputeChannel.PORTAL
    )
    said_by = models.CharField(_("异议人"), max_length=50, blank=True)
    said_by_phone = models.CharField(_("异议人电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("账单异议")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["community", "room"], name="linedispute_room")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.ticket_id}"
