"""What the service desk registers with the quality app (its registries, quality.registry):

* RC-4 — the office manager spot-checks callbacks every month: the month's done callbacks are the
  records drawn, RC-4.spot_checks of them, and the check asks the owner whether the callback happened.
* RC-5 — a problem found at a repair's callback owes the repair staff a written rectification
  notice: the unsatisfied callback is the finding, addressed to the ticket's technician, fixed by
  default within RC-5.fix_days; the ticket's clocks are kept by services.rectifications.

Quality is imported only inside `register()`, called from this app's AppConfig.ready(): the desk's
modules never import quality at module level (quality imports the desk).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.policies import policy
from guanjia.core.roles import Role

from .models import Callback
from .services import rectifications

SPOT_CHECK = "RC-4.callbacks"


# --- RC-4: the manager's spot check of callbacks ------------------------------------------------


def done_callbacks(community, period):
    """The callbacks done in the period: what the manager may draw (RC-4)."""
    start, end = period.bounds()
    return Callback.objects.filter(community=community, done_at__gte=start, done_at__lt=end)


def spot_check_rows(queryset):
    return queryset.select_related("ticket", "ticket__room", "done_by", "community")


def spot_check_size(community, period) -> int:
    return policy(community, "RC-4.spot_checks")


# --- RC-5: the notice after an unsatisfied callback ---------------------------------------------


def _ticket_url(ticket_id) -> str:
    return reverse("servicedesk:ticket", args=[ticket_id])


def notice_subjects(queryset):
    return queryset.select_related("ticket", "ticket__room", "ticket__technician", "done_by")


def notice_facts(callback: Callback) -> list[tuple[str, str]]:
    """What the notice says about the repair and the callback, on the page and on the printed form."""
    ticket = callback.ticket
    kind = ticket.get_category_display() or ticket.get_kind_display()
    done_by = callback.done_by.get_full_name() or callback.done_by.username if callback.done_by else ""
    return [
        (_("工单号"), ticket.number),
        (_("维修类别"), kind),
        (_("房屋/区域"), ticket.room.code if ticket.room else (ticket.area or "—")),
        (_("完工时间"), f"{ticket.completed_at:%Y-%m-%d %H:%M}" if ticket.completed_at else "—"),
        (_("原维修情况"), ticket.work_done or "—"),
        (
            _("回访"),
            " ".join(p for p in (f"{callback.done_at:%Y-%m-%d %H:%M}", callback.get_method_display(), done_by) if p),
        ),
    ]


def owed_notices(community) -> list:
    """The repair callbacks of the community still owed their written notice, with the RC-5.issue due."""
    from guanjia.quality.registry import OwedNotice

    callbacks = list(
        notice_subjects(rectifications.owing_notice(Callback.objects.filter(community=community))).order_by(
            "done_at", "id"
        )
    )
    rectifications.attach_issue_due(callbacks)
    return [
        OwedNotice(
            source=rectifications.SOURCE,
            subject_id=cb.pk,
            label=cb.ticket.number,
            url=_ticket_url(cb.ticket_id),
            place=cb.ticket.room.code if cb.ticket.room else cb.ticket.area,
            recipient=(cb.ticket.technician.get_full_name() or cb.ticket.technician.username)
            if cb.ticket.technician
            else "",
            problem=cb.remarks,
            found_at=cb.done_at,
            issue_due=cb.issue_due,
        )
        for cb in callbacks
    ]


def register() -> None:
    from guanjia.quality import registry

    registry.spot_check_kind(
        registry.SpotCheckKind(
            key=SPOT_CHECK,
            rule="RC-4",
            title=gettext_lazy("回访抽查"),
            model="servicedesk.Callback",
            candidates=done_callbacks,
            size=spot_check_size,
            load=spot_check_rows,
            row_template="servicedesk/spot_check_callback.html",
            columns=(
                gettext_lazy("工单"),
                gettext_lazy("房屋/区域"),
                gettext_lazy("业主联系方式"),
                gettext_lazy("回访"),
                gettext_lazy("回访结果"),
            ),
            household=lambda callback: callback.ticket.room_id,
            description=gettext_lazy("管理处经理每月随机抽查已完成的回访，向业主核实回访是否属实（RC-4）。"),
            question=gettext_lazy("回访属实"),
            passed_label=gettext_lazy("属实"),
            failed_label=gettext_lazy("不属实"),
            empty=gettext_lazy("该月没有已完成的回访可供抽查。"),
            due_day_policy="RC-4.spot_check_day",
            order=10,
        )
    )
    registry.notice_source(
        registry.NoticeSource(
            key=rectifications.SOURCE,
            rule="RC-5",
            label=gettext_lazy("维修回访不满意"),
            model="servicedesk.Callback",
            issue_permission=rectifications.ISSUE_PERMISSION,
            check=rectifications.notice_check,
            recipient=lambda callback: callback.ticket.technician,
            problem=lambda callback: callback.remarks,
            household=lambda callback: callback.ticket.room_id,
            fix_days_policy="RC-5.fix_days",
            fix_rule=rectifications.FIX_RULE,
            subject_link=lambda callback: (callback.ticket.number, _ticket_url(callback.ticket_id)),
            facts=notice_facts,
            load=notice_subjects,
            owing=owed_notices,
            on_issued=rectifications.notice_issued,
            on_closed=rectifications.notice_closed,
            issue_clock=rectifications.issue_clock,
            issue_due=lambda callback: rectifications.attach_issue_due([callback])[0].issue_due,
            owner_role=Role.CS_SUPERVISOR,
            default_requirement=gettext_lazy("按业主意见整改到位，经客服中心复核并再次回访。"),
            note=gettext_lazy(
                "注：回访中发现的问题，须在规定时限内书面通知维修人员整改（RC-5）；整改完成后由验证人复核签字，"
                "客服中心再次回访业主（RC-4）。"
            ),
            order=10,
        )
    )
