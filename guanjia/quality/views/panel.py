"""The 品质管理 panel of the dashboard (QA-2, QA-3, RC-4): one's own corrective actions, the
community's notices being put right or overdue and the findings still owed one, and — for the office
manager — this period's spot checks. A fixed number of queries whatever the counts."""

from __future__ import annotations

from django.db.models import Count

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.periods import Period

from .. import registry, selectors
from ..models import RectificationNotice


def panel_context(request) -> dict:
    user, community, now = request.user, request.community, clock.now()
    tabs = selectors.notice_tab_filters(now)
    notices = RectificationNotice.objects.filter(community=community).aggregate(
        open=Count("id", filter=tabs["open"]), overdue=Count("id", filter=tabs["overdue"])
    )
    kinds = [k for k in registry.spot_check_kinds() if has_perm(user, k.permission, community)]
    counts = selectors.drawn_counts(community, kinds, lambda kind: Period.of(kind.period, now))
    return {
        "mine": selectors.my_open_actions(user, community, now),
        "notices": notices,
        "owed": len(selectors.owed_notices(community)),
        "spot_checks": [(k, Period.of(k.period, now), *counts[k.key]) for k in kinds],
    }
