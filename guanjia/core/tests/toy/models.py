"""A parcel held at the gatehouse (代收快递): waiting, then handed over, refused or sent back."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from guanjia.core.models import CommunityOwned
from guanjia.core.transitions import SYSTEM, allowed, requires, ui


class ParcelStatus(models.TextChoices):
    WAITING = "waiting", _("待领取")
    COLLECTED = "collected", _("已领取")
    RETURNED = "returned", _("已退回")
    ARCHIVED = "archived", _("已归档")


S = ParcelStatus
CLAIM = ui(
    _("核对领取"),
    action="claim",
    verb=_("核对领取"),
    form="guanjia.core.tests.toy.forms.ClaimForm",
    form_kwargs=("community",),
    done=_("已核对。"),
)


def _send_back_label(parcel) -> str:
    return _("退回寄件人") if parcel.sender else _("退回")


class Parcel(ConcurrentTransitionMixin, CommunityOwned):
    number = models.CharField(max_length=20)
    recipient = models.CharField(max_length=50, blank=True)
    sender = models.CharField(max_length=50, blank=True)
    held = models.BooleanField(default=False)
    status = FSMField(max_length=20, choices=ParcelStatus.choices, default=S.WAITING, protected=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("快递")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("toy-parcel", args=[self.pk])

    @transition(
        field=status,
        source=S.WAITING,
        target=S.COLLECTED,
        conditions=[requires(lambda p: bool(p.recipient), _("未登记收件人，不能交付。"))],
        permission=allowed("toy.desk"),
        custom=CLAIM,
    )
    def claim_accept(self):
        pass

    @transition(field=status, source=S.WAITING, target=None, permission=allowed("toy.desk"), custom=CLAIM)
    def claim_reject(self):
        pass

    @transition(
        field=status,
        source=S.WAITING,
        target=S.RETURNED,
        conditions=[requires(lambda p: not p.held, _("该快递被暂扣，不能退回。"), code="held", status=409)],
        permission=allowed("toy.supervise"),
        custom=ui(_send_back_label, verb=_("退回"), button="danger", done=_("已退回。")),
    )
    def send_back(self):
        pass

    @transition(field=status, source=[S.COLLECTED, S.RETURNED], target=S.ARCHIVED, permission=SYSTEM)
    def archive(self):
        pass
