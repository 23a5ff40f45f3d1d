"""服务指标 (QA-4): the page built from the indicator registry, whichever apps registered them.

Each indicator the user's role may see, for the chosen month: its arithmetic and target, six months
of it as a server-side SVG chart, and, for anyone who sees several communities, the comparison of
communities. Every indicator is computed once for all communities and months shown (core.indicators).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView

from . import clock, indicators, registry
from .access import has_perm, visible_communities
from .console import StaffMixin
from .periods import MONTH, Period
from .replica import ReplicaReadsMixin

TREND_MONTHS = 6
CHART_W, CHART_H = 300, 150
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT = 14, 118, 30, 292


def bar_chart(indicator, trend: list[tuple[Period, indicators.Reading]]) -> dict:
    """Geometry of a small bar chart of one indicator over the trend's months (no JS, no library)."""
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(trend), 1)
    height = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for index, (month, reading) in enumerate(trend):
        value = min(float(reading.rate), 100.0) if reading.rate is not None else None
        bar_h = round(height * max(value or 0, 0) / 100, 1)
        x = PLOT_LEFT + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.18, 1),
                "w": round(slot * 0.64, 1),
                "y": round(PLOT_BOTTOM - bar_h, 1),
                "h": bar_h,
                "cx": round(x + slot / 2, 1),
                "label": f"{month.start.month}",
                "value": "—" if reading.rate is None else f"{reading.rate}",
                "value_y": round(PLOT_BOTTOM - bar_h - 3, 1),
                "colour": "none" if reading.met is None else reading.colour,
                "title": f"{month.key} {reading.arithmetic}",
            }
        )
    target = trend[-1][1].target if trend else None
    return {
        "indicator": indicator,
        "bars": bars,
        "target": None if target is None else f"{target.normalize():f}",
        "target_y": None if target is None else round(PLOT_BOTTOM - height * float(min(target, 100)) / 100, 1),
        "width": CHART_W,
        "height": CHART_H,
        "left": PLOT_LEFT,
        "right": PLOT_RIGHT,
        "top": PLOT_TOP,
        "bottom": PLOT_BOTTOM,
        "mid_y": round((PLOT_TOP + PLOT_BOTTOM) / 2, 1),
        "axis_label_y": PLOT_BOTTOM + 14,
    }


def chosen_month(request, default: Period) -> Period:
    """?month=YYYY-MM, never later than the month under way; `default` when there is none or it is to come."""
    month = Period.parse(request.GET.get("month"), MONTH)
    return default if month is None or month > Period.of(MONTH, clock.now()) else month


class KpiView(StaffMixin, ReplicaReadsMixin, TemplateView):
    """服务指标: what the role may see of every registered indicator; a role that may see none is refused."""

    action = "core.view"
    template_name = "core/kpis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, community = self.request.user, self.request.community
        shown = registry.indicators_for(user, community)
        if not shown:
            raise PermissionDenied
        current = Period.of(MONTH, clock.now())
        month = chosen_month(self.request, current)
        months = month.shift(1 - TREND_MONTHS).until(month)
        others = [
            c
            for c in visible_communities(user).order_by("name")
            if c.pk != community.pk and any(has_perm(user, i.permission, c) for i in shown)
        ]
        compared = [community, *others] if others else []
        readings = indicators.read(shown, [c.pk for c in compared or [community]], months)
        here = readings[(community.pk, month)]
        context.update(
            {
                "month": month,
                "max_month": current.key,
                "is_current": month == current,
                "rows": [here[i.key] for i in shown],
                "charts": [bar_chart(i, [(m, readings[(community.pk, m)][i.key]) for m in months]) for i in shown],
                "indicators": shown,
                "communities": [
                    (c, [readings[(c.pk, month)][i.key] if has_perm(user, i.permission, c) else None for i in shown])
                    for c in sorted(compared, key=lambda c: c.name)
                ],
            }
        )
        return context
