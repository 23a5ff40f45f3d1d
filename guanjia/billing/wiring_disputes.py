"""What the owners' disputes of bill lines and the late-charge clause (FE-1, FE-3) add to the shared
pages: how their log entries read (the household timeline, the activity log)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from guanjia.core.activity import describe

VERBS = {
    "billing.line.disputed": pgettext_lazy("activity", "对账单明细提出异议"),
    "billing.clause.recorded": pgettext_lazy("activity", "登记违约金条款"),
    "billing.clause.superseded": pgettext_lazy("activity", "违约金条款被新条款取代"),
    "billing.clause.ended": pgettext_lazy("activity", "终止违约金条款"),
}


def register() -> None:
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
