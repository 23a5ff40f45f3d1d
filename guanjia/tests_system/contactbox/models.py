from django.conf import settings
from django.db import models

from guanjia.core import clock
from guanjia.core.models import CommunityOwned


class BoxOpening(CommunityOwned):
    """One opening of the owners' contact box 意见箱 (CM-1): when, by whom, how many letters."""

    opened_at = models.DateTimeField(default=clock.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    letters = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["community", "opened_at"], name="contactbox_opening_day")]
