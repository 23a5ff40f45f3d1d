"""The Pareto of a period's complaints (SV-4) on the SV-7 topic axis shared with the surveys.

Which complaints count: service-desk tickets of kind complaint, of the community, received in the
period, except cancelled ones (a cancelled ticket was withdrawn or entered by mistake).

The period is given as two dates, both inclusive as a person reads them ("1 October to 31
December"): received_at ≥ start 00:00 and < (end + 1 day) 00:00, local time (Asia/Shanghai).

A complaint with no topic is counted in its own row 未分类 (after the SV-7 topics), not merged into
其他: 其他 is a topic someone chose, 未分类 tells the office its reception data is incomplete. The
row appears only when it has complaints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from guanjia.core import periods
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy
from guanjia.core.topics import Topic

from . import stats

UNCLASSIFIED = ""


@dataclass(frozen=True)
class Period:
    """Any span of whole days a person picks (not only a calendar period): both ends inclusive."""

    start: dt.date  # inclusive
    end: dt.date  # inclusive

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, end + 1 day 00:00) in local time."""
        return (
            periods.Period.of(periods.DAY, self.start).bounds()[0],
            periods.Period.of(periods.DAY, self.end).bounds()[1],
        )


def last_full_quarter(today: dt.date) -> Period:
    """The last quarter that has ended before `today`."""
    quarter = periods.Period.of(periods.QUARTER, today).previous()
    return Period(quarter.start, quarter.last_day)


def _date(value: str, field: str, label: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ServiceError(
            "invalid", _("%(f)s格式不正确，请按 年-月-日 填写，例如 2026-10-01。") % {"f": label}, field=field
        ) from None
    if not 2000 <= day.year <= 2100:
        raise ServiceError("invalid", _("%(f)s超出范围。") % {"f": label}, field=field)
    return day


def parse_period(start: str | None, end: str | None, today: dt.date) -> Period:
    """?start=&end= → a Period; both empty → the last full quarter. Bad input is a ServiceError
    naming the field."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return last_full_quarter(today)
    if not start:
        raise ServiceError("invalid", _("请填写开始日期。"), field="start")
    if not end:
        raise ServiceError("invalid", _("请填写结束日期。"), field="end")
    period = Period(_date(start, "start", _("开始日期")), _date(end, "end", _("结束日期")))
    if period.end < period.start:
        raise ServiceError("invalid", _("结束日期不能早于开始日期。"), field="end")
    return period


def complaints_in(queryset, community, period: Period):
    """The complaints that count (see the module docstring); `queryset` is already scoped."""
    from guanjia.servicedesk.choices import Kind, Status

    start, end = period.window
    return queryset.filter(
        community=community, kind=Kind.COMPLAINT, received_at__gte=start, received_at__lt=end
    ).exclude(status=Status.CANCELLED)


def topic_label(topic: str) -> str:
    return str(Topic(topic).label) if topic in Topic.values else _("未分类")


def complaint_counts(complaints) -> list[tuple[str, stats.ItemCounts]]:
    """[(topic, ItemCounts(dissatisfied=n))] in SV-7 topic order, one GROUP BY; every topic is
    listed (zero included), 未分类 last and only when non-zero."""
    tally = dict(complaints.values_list("topic").annotate(n=Count("id")).order_by())
    rows = [(t.value, stats.ItemCounts(item=str(t.label), dissatisfied=tally.get(t.value, 0))) for t in Topic]
    unclassified = sum(n for topic, n in tally.items() if topic not in Topic.values)
    if unclassified:
        rows.append((UNCLASSIFIED, stats.ItemCounts(item=_("未分类"), dissatisfied=unclassified)))
    return rows


def complaints_pareto(complaints, community) -> tuple[list[stats.ParetoRow], dict[str, str], int]:
    """(Pareto rows with key items by the SV-4 policy, {label: topic}, total complaints)."""
    rows = complaint_counts(complaints)
    key_pct = Decimal(str(policy(community, "SV-4.key_cumulative_pct")))
    pareto = stats.pareto([c for _t, c in rows], key_pct=key_pct)
    return pareto, {c.item: t for t, c in rows}, sum(c.dissatisfied for _t, c in rows)
