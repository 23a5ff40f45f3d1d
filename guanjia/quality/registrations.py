"""What the quality app adds to the shared pages (core.registry): its menu and dashboard panel, its
actions (core.roles), its printed forms (core.documents) and how its log entries read
(core.activity). The kinds of spot check and of finding it serves are registered by the apps that
own them (quality.registry; RC-4 and RC-5 by the service desk)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo, roles
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel

from .permissions import PERMISSIONS

VERBS = {
    "quality.cause.added": pgettext_lazy("activity", "因果分析"),
    "quality.cause.updated": pgettext_lazy("activity", "修改原因"),
    "quality.cause.deleted": pgettext_lazy("activity", "删除原因"),
    "quality.action.created": pgettext_lazy("activity", "制定纠正预防措施"),
    "quality.action.done": pgettext_lazy("activity", "措施已完成"),
    "quality.action.verified": pgettext_lazy("activity", "措施验证有效"),
    "quality.action.reopened": pgettext_lazy("activity", "措施验证无效，重新整改"),
    "quality.measures.published": pgettext_lazy("activity", "公布整改措施"),
    "quality.notice.issued": pgettext_lazy("activity", "下达整改通知书"),
    "quality.notice.closed": pgettext_lazy("activity", "整改完成"),
    "quality.spot_check.drawn": pgettext_lazy("activity", "抽取抽查记录"),
    "quality.spot_check.recorded": pgettext_lazy("activity", "记录抽查结果"),
}
# What these were logged as before they were the quality app's: old entries keep their verbs and
# must still read as sentences on the timelines.
EARLIER_VERBS = {
    "engagement.cause.added": VERBS["quality.cause.added"],
    "engagement.cause.updated": VERBS["quality.cause.updated"],
    "engagement.cause.deleted": VERBS["quality.cause.deleted"],
    "engagement.action.created": VERBS["quality.action.created"],
    "engagement.action.done": VERBS["quality.action.done"],
    "engagement.action.verified": VERBS["quality.action.verified"],
    "engagement.action.reopened": VERBS["quality.action.reopened"],
    "engagement.survey.measures_published": VERBS["quality.measures.published"],
    "servicedesk.rectification.issued": VERBS["quality.notice.issued"],
    "servicedesk.rectification.closed": VERBS["quality.notice.closed"],
    "servicedesk.spotcheck.drawn": pgettext_lazy("activity", "抽取回访复核"),
    "servicedesk.spotcheck.recorded": pgettext_lazy("activity", "回访抽查"),
}


def _demo_part(context) -> None:
    from . import demo as quality_demo

    quality_demo.build(context)


def register() -> None:
    from . import documents
    from .views.panel import panel_context

    roles.register(PERMISSIONS)
    documents.register()  # 整改通知书, 因果分析图, 整改措施公示
    for verb, sentence in {**VERBS, **EARLIER_VERBS}.items():
        describe(verb, sentence)
    demo.register(DemoPart("quality", 40, build=_demo_part))  # after the desk's callbacks (30)
    panel(DashboardPanel("quality", "quality/dashboard_panel.html", panel_context, "quality.view", order=40))
    menu_group(MenuGroup("quality", _("品质管理"), order=30))
    menu(
        MenuEntry(
            "quality",
            _("纠正预防措施"),
            "quality:actions",
            "quality.view",
            order=10,
            active=("quality:action*",),
        ),
        MenuEntry(
            "quality",
            _("整改通知书"),
            "quality:notices",
            "quality.view",
            order=20,
            active=("quality:notice*",),
        ),
        MenuEntry(
            "quality",
            _("管理抽查"),
            "quality:spot_checks",
            "quality.spot_check",
            order=30,
            active=("quality:spot_check*",),
        ),
    )
