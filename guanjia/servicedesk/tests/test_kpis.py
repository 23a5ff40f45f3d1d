"""Service-desk KPIs on worked examples with known numbers (RC-3, RC-4, RC-8, RC-9).

Every example is in October 2026 (Asia/Shanghai) and is evaluated at a fixed `now`, so late,
overdue, not-yet-due and cancelled cases and the month boundaries are all exercised.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.periods import Period
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory
from guanjia.servicedesk import kpis as K
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.models import Callback, Ticket

from .factories import Office, at, staff

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
LATE_NOV = at(2026, 11, 20, 12, 0)  # everything of October is decided by then


@pytest.fixture
def office():
    return Office()


def repair(office, when, category="other", **kw):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="window",
        category=category,
        room=office.room,
        reporter=office.owner,
        description="维修",
        received_at=when,
        **kw,
    )


def complaint(office, when, topic="cleaning"):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic=topic,
        room=office.room,
        description="投诉",
        received_at=when,
    )


def arrive(office, ticket, after_hours, technician=None):
    sd.ticket_dispatch(ticket=ticket, technician=technician or office.technician, actor=office.desk)
    sd.ticket_arrive(
        ticket=ticket, actor=office.technician, at=ticket.clock_starts_at + dt.timedelta(hours=after_hours)
    )


def finish(office, ticket, done, *, passed=True, technician=None):
    """Dispatch, arrive within the hour, complete and check at `done`."""
    arrive(office, ticket, 1, technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="修好", at=done)
    sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=passed, at=done)
    return ticket


def pending_callback(ticket):
    return Callback.objects.get(ticket=ticket, done_at__isnull=True)


def figures(kpi):
    return kpi.numerator, kpi.denominator, kpi.rate


# --- arithmetic --------------------------------------------------------------------------


def test_a_kpi_compares_its_shown_rate_with_the_target():
    kpi = K.make_kpi(K.REPAIR_TIMELINESS, 47, 49, Decimal(95))
    assert kpi.arithmetic == "47 / 49 = 95.9%" and kpi.met is True and kpi.target_label == "≥95%"
    assert K.make_kpi(K.REPAIR_PASS, 47, 49, Decimal(98)).met is False
    assert K.make_kpi(K.REPAIR_PASS, 0, 0, Decimal(98)).met is None


# --- RC-8 repair timeliness ----------------------------------------------------------------


def build_timeliness(office):
    second = staff("technician", office.community)
    t = {}
    t["r1"] = repair(office, at(2026, 10, 8, 10, 0))
    arrive(office, t["r1"], 1)  # response on time → timely
    t["r2"] = repair(office, at(2026, 10, 12, 10, 0), "civil")
    arrive(office, t["r2"], 1)
    sd.ticket_complete(
        ticket=t["r2"], actor=office.technician, work_done="补墙", at=at(2026, 10, 14, 12, 0)
    )  # civil on time
    t["r3"] = repair(office, at(2026, 10, 12, 10, 0), "civil")
    arrive(office, t["r3"], 1, second)
    sd.ticket_complete(
        ticket=t["r3"], actor=office.technician, work_done="补墙", at=at(2026, 10, 17, 12, 0)
    )  # civil late
    t["r4"] = repair(office, at(2026, 10, 20, 10, 0))
    arrive(office, t["r4"], 3, second)  # response late
    t["r5"] = repair(office, at(2026, 10, 21, 10, 0))  # never dispatched: overdue
    t["r6"] = repair(office, at(2026, 10, 22, 10, 0))
    sd.ticket_cancel(ticket=t["r6"], actor=office.desk, reason="业主自行处理")  # cancelled: not counted
    # Saturday 31 October 23:30: outside hours, its clock starts on 1 November 09:00, but it is October's.
    t["r7"] = repair(office, at(2026, 10, 31, 23, 30))
    t["r8"] = repair(office, at(2026, 11, 1, 0, 10))  # November's
    # Civil repair with a late response: untimely at once, even while its 3-day clock still runs.
    t["r9"] = repair(office, at(2026, 10, 30, 10, 0), "civil")
    arrive(office, t["r9"], 3)
    return t


def test_rc8_timeliness_worked_example(office):
    build_timeliness(office)
    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.REPAIR_TIMELINESS]
    # Counted: r1 ✓, r2 ✓, r3 ✗ (civil late), r4 ✗ (response late), r5 ✗ (overdue), r7 ✗ (overdue), r9 ✗.
    assert figures(kpi) == (2, 7, Decimal("28.6"))
    assert kpi.target == Decimal(95) and kpi.met is False
    assert kpi.arithmetic == "2 / 7 = 28.6%"


def test_rc8_timeliness_leaves_out_clocks_not_yet_due(office):
    build_timeliness(office)
    # On 1 November at 08:00, r7's response (due 11:00) is not yet due; r9's civil clock runs but its response was late.
    kpi = K.desk_kpis(office.community, OCT, now=at(2026, 11, 1, 8, 0))[K.REPAIR_TIMELINESS]
    assert figures(kpi) == (2, 6, Decimal("33.3"))


def test_rc8_timeliness_counts_a_return_visit_response(office):
    ticket = repair(office, at(2026, 10, 8, 10, 0))
    finish(office, ticket, at(2026, 10, 8, 12, 0), passed=False)
    # The return visit's response clock (2 hours from the failed check) is missed.
    sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 10, 8, 15, 0))
    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.REPAIR_TIMELINESS]
    assert figures(kpi) == (0, 1, Decimal("0.0"))


def test_rc8_timeliness_target_follows_the_policy(office):
    build_timeliness(office)
    policy_set(community=office.community, key="RC-8.timeliness_pct", raw_value="25", actor=office.manager)
    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.REPAIR_TIMELINESS]
    assert kpi.target == Decimal(25) and kpi.met is True


def test_rc8_timeliness_per_technician(office):
    build_timeliness(office)
    rows = K.kpis_by_technician(office.community, OCT, now=LATE_NOV)
    by_tech = {(user.pk if user else None): kpis for user, kpis in rows}
    assert figures(by_tech[office.technician.pk][K.REPAIR_TIMELINESS]) == (2, 3, Decimal("66.7"))  # r1, r2, r9
    second = [u for u, _k in rows if u and u.pk != office.technician.pk][0]
    assert figures(by_tech[second.pk][K.REPAIR_TIMELINESS]) == (0, 2, Decimal("0.0"))  # r3, r4
    assert figures(by_tech[None][K.REPAIR_TIMELINESS]) == (0, 2, Decimal("0.0"))  # r5, r7 never dispatched
    assert rows[-1][0] is None  # unassigned last


# --- RC-8 pass rate ------------------------------------------------------------------------


def test_rc8_pass_rate_counts_the_first_check_in_its_month(office):
    p1 = finish(office, repair(office, at(2026, 10, 8, 10, 0)), at(2026, 10, 8, 12, 0))  # passed in October
    p2 = finish(office, repair(office, at(2026, 10, 13, 10, 0)), at(2026, 10, 14, 15, 0), passed=False)
    # p2 failed first on 14 October, passes on 2 November: it stays a failure of October.
    sd.ticket_arrive(ticket=p2, actor=office.technician, at=at(2026, 10, 14, 16, 0))
    sd.ticket_complete(ticket=p2, actor=office.technician, work_done="返修", at=at(2026, 11, 2, 10, 0))
    sd.ticket_check(ticket=p2, actor=office.supervisor, passed=True, at=at(2026, 11, 2, 10, 0))
    finish(office, repair(office, at(2026, 10, 16, 10, 0)), at(2026, 10, 17, 10, 0))  # passed
    # Failed on 30 September, passed on 2 October: September's.
    p4 = finish(office, repair(office, at(2026, 9, 29, 10, 0)), at(2026, 9, 30, 10, 0), passed=False)
    sd.ticket_arrive(ticket=p4, actor=office.technician, at=at(2026, 9, 30, 11, 0))
    sd.ticket_complete(ticket=p4, actor=office.technician, work_done="返修", at=at(2026, 10, 2, 10, 0))
    sd.ticket_check(ticket=p4, actor=office.supervisor, passed=True, at=at(2026, 10, 2, 10, 0))
    finish(office, repair(office, at(2026, 10, 31, 10, 0)), at(2026, 11, 1, 0, 30))  # checked in November
    repair(office, at(2026, 10, 20, 10, 0))  # not checked yet: not counted

    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.REPAIR_PASS]
    assert figures(kpi) == (2, 3, Decimal("66.7"))
    assert kpi.target == Decimal(98) and kpi.met is False
    assert Ticket.objects.get(pk=p1.pk).check_passed is True
    sept = K.desk_kpis(office.community, dt.date(2026, 9, 1), now=LATE_NOV)[K.REPAIR_PASS]
    assert figures(sept) == (0, 1, Decimal("0.0"))
    nov = K.desk_kpis(office.community, dt.date(2026, 11, 1), now=LATE_NOV)[K.REPAIR_PASS]
    assert figures(nov) == (1, 1, Decimal("100.0"))


# --- RC-3 complaint reply on time ----------------------------------------------------------


def test_rc3_reply_on_time_counts_the_first_clock(office):
    c1 = complaint(office, at(2026, 10, 10, 10, 0))
    sd.ticket_reply(ticket=c1, actor=office.supervisor, reply="已安排", valid=True, at=at(2026, 10, 12, 10, 0))
    c2 = complaint(office, at(2026, 10, 10, 10, 0))
    sd.ticket_reply(ticket=c2, actor=office.supervisor, reply="已安排", valid=True, at=at(2026, 10, 14, 10, 0))  # late
    complaint(office, at(2026, 10, 29, 10, 0))  # c3: no reply; due 1 Nov 10:00
    c4 = complaint(office, at(2026, 10, 5, 10, 0))
    sd.ticket_cancel(ticket=c4, actor=office.desk, reason="重复登记")
    c5 = complaint(office, at(2026, 10, 20, 10, 0))
    sd.ticket_reply(ticket=c5, actor=office.supervisor, reply="已处理", valid=True, at=at(2026, 10, 21, 10, 0))
    # Unsatisfied callback reopens c5 with a second reply clock, never met: only the first counts here.
    sd.callback_record(
        callback=pending_callback(c5),
        actor=office.supervisor,
        method="phone",
        satisfied=False,
        remarks="仍有垃圾",
        at=at(2026, 10, 22, 10, 0),
    )
    complaint(office, at(2026, 11, 1, 0, 5))  # November's

    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.COMPLAINT_REPLY]
    assert figures(kpi) == (2, 4, Decimal("50.0"))  # c1 ✓, c5 ✓, c2 ✗, c3 ✗
    assert kpi.target == Decimal(100) and kpi.met is False
    early = K.desk_kpis(office.community, OCT, now=at(2026, 11, 1, 8, 0))[K.COMPLAINT_REPLY]
    assert figures(early) == (2, 3, Decimal("66.7"))  # c3 not yet due


# --- RC-9 complaint callbacks --------------------------------------------------------------


def replied(office, received, replied_at):
    ticket = complaint(office, received)
    sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已处理", valid=True, at=replied_at)
    return ticket


def test_rc9_complaint_callback_rate_carries_pending_ones_over(office):
    c0 = replied(office, at(2026, 9, 20, 10, 0), at(2026, 9, 21, 10, 0))  # due 28 Sep 24:00, never done
    c1 = replied(office, at(2026, 10, 10, 10, 0), at(2026, 10, 12, 10, 0))  # due 19 Oct 24:00
    sd.callback_record(
        callback=pending_callback(c1),
        actor=office.supervisor,
        method="phone",
        satisfied=True,
        at=at(2026, 10, 15, 10, 0),
    )
    replied(office, at(2026, 10, 13, 10, 0), at(2026, 10, 14, 10, 0))  # due 21 Oct 24:00, never done
    c3 = replied(office, at(2026, 10, 23, 10, 0), at(2026, 10, 24, 10, 0))  # due 31 Oct 24:00: October's
    sd.callback_record(
        callback=pending_callback(c3),
        actor=office.supervisor,
        method="visit",
        satisfied=False,
        remarks="不满意",
        at=at(2026, 10, 31, 20, 0),
    )
    replied(office, at(2026, 10, 28, 10, 0), at(2026, 10, 28, 11, 0))  # due 4 Nov 24:00: November's
    assert pending_callback(c0).due_at == at(2026, 9, 29, 0, 0)

    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.COMPLAINT_CALLBACK]
    # Due in October: c1 done, c2 pending, c3 done (unsatisfied still counts as called back); carried: c0.
    assert figures(kpi) == (2, 4, Decimal("50.0"))
    assert kpi.target == Decimal(100) and kpi.met is False
    sept = K.desk_kpis(office.community, dt.date(2026, 9, 1), now=LATE_NOV)[K.COMPLAINT_CALLBACK]
    assert figures(sept) == (0, 1, Decimal("0.0"))


def test_rc9_complaint_callback_not_yet_due_is_left_out(office):
    replied(office, at(2026, 11, 10, 10, 0), at(2026, 11, 10, 11, 0))  # due 17 Nov 24:00
    kpi = K.desk_kpis(office.community, dt.date(2026, 11, 1), now=at(2026, 11, 12, 9, 0))[K.COMPLAINT_CALLBACK]
    assert figures(kpi) == (0, 0, None) and kpi.met is None


# --- RC-4 repair callbacks on time ---------------------------------------------------------


def test_rc4_repair_callbacks_on_time(office):
    r1 = finish(office, repair(office, at(2026, 10, 8, 10, 0)), at(2026, 10, 8, 12, 0))  # due 15 Oct 24:00
    sd.callback_record(
        callback=pending_callback(r1),
        actor=office.supervisor,
        method="phone",
        satisfied=True,
        at=at(2026, 10, 10, 10, 0),
    )
    r2 = finish(office, repair(office, at(2026, 10, 16, 10, 0)), at(2026, 10, 17, 12, 0))  # due 24 Oct 24:00
    sd.callback_record(
        callback=pending_callback(r2),
        actor=office.supervisor,
        method="phone",
        satisfied=True,
        at=at(2026, 10, 26, 10, 0),
    )
    finish(
        office, repair(office, at(2026, 10, 26, 10, 0), "leakage"), at(2026, 10, 27, 12, 0)
    )  # due 30 Oct 24:00, never
    # Leak checked 28 October: due 31 October 24:00, i.e. stored as 1 November 00:00 — still October's.
    r4 = finish(office, repair(office, at(2026, 10, 28, 10, 0), "leakage"), at(2026, 10, 28, 12, 0))
    assert pending_callback(r4).due_at == at(2026, 11, 1, 0, 0)
    sd.callback_record(
        callback=pending_callback(r4),
        actor=office.supervisor,
        method="visit",
        satisfied=True,
        at=at(2026, 10, 31, 20, 0),
    )
    finish(
        office, repair(office, at(2026, 10, 29, 10, 0), "safety"), at(2026, 10, 30, 12, 0)
    )  # due 1 Nov 24:00: November's
    with mock.patch(
        "guanjia.servicedesk.services.callbacks.random.random", return_value=0.99
    ):  # special service not sampled
        finish(office, repair(office, at(2026, 10, 2, 10, 0), special_service=True), at(2026, 10, 2, 12, 0))

    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.REPAIR_CALLBACK]
    assert figures(kpi) == (2, 4, Decimal("50.0"))  # r1 ✓, r2 late, r3 overdue, r4 ✓
    assert kpi.target == Decimal(100)
    # On 30 October at 12:00, r3 (due 30 Oct 24:00) is not yet due and is left out.
    early = K.desk_kpis(office.community, OCT, now=at(2026, 10, 30, 12, 0))[K.REPAIR_CALLBACK]
    assert figures(early) == (2, 3, Decimal("66.7"))


# --- RC-9 special-service callbacks --------------------------------------------------------


def test_rc9_special_service_callback_rate(office):
    with mock.patch("guanjia.servicedesk.services.callbacks.random.random", return_value=0.0):  # sampled
        s1 = finish(office, repair(office, at(2026, 10, 8, 10, 0), special_service=True), at(2026, 10, 8, 12, 0))
    sd.callback_record(
        callback=pending_callback(s1),
        actor=office.supervisor,
        method="phone",
        satisfied=True,
        at=at(2026, 10, 9, 10, 0),
    )
    with mock.patch(
        "guanjia.servicedesk.services.callbacks.random.random", return_value=0.99
    ):  # not sampled: closed at once
        s2 = finish(
            office, repair(office, at(2026, 10, 9, 10, 0), paid=True, price=Decimal("50")), at(2026, 10, 9, 12, 0)
        )
        s3 = finish(office, repair(office, at(2026, 10, 30, 10, 0), special_service=True), at(2026, 10, 30, 12, 0))
    plain = finish(office, repair(office, at(2026, 10, 10, 10, 0)), at(2026, 10, 10, 12, 0))
    sd.callback_record(
        callback=pending_callback(plain),
        actor=office.supervisor,
        method="phone",
        satisfied=True,
        at=at(2026, 10, 11, 10, 0),
    )
    # The services close with the wall clock; place the closings in the months of the example.
    Ticket.objects.filter(pk__in=[s1.pk, s2.pk, plain.pk]).update(closed_at=at(2026, 10, 15, 10, 0))
    Ticket.objects.filter(pk=s3.pk).update(closed_at=at(2026, 11, 1, 0, 1))
    assert Ticket.objects.get(pk=s2.pk).special_service is True  # paid implies a special service (SS-2)

    kpi = K.desk_kpis(office.community, OCT, now=LATE_NOV)[K.SPECIAL_CALLBACK]
    assert figures(kpi) == (1, 2, Decimal("50.0"))
    assert kpi.target == Decimal(90) and kpi.met is False


# --- trend, communities, scale ---------------------------------------------------------------


def test_the_registered_figures_give_every_month_asked(office):
    """The KPI page's six-month trend (core.registry): one figure per month, the same counts as desk_kpis."""
    finish(office, repair(office, at(2026, 6, 10, 10, 0)), at(2026, 6, 10, 12, 0))
    finish(office, repair(office, at(2026, 10, 10, 10, 0)), at(2026, 10, 10, 12, 0), passed=False)
    months = Period.parse("2026-05").until(Period.parse("2026-10"))
    passes = K.figures(K.REPAIR_PASS)([office.community.pk], months, LATE_NOV)
    assert sorted(m.key for _c, m in passes) == [m.key for m in months]
    by_month = {m.start.month: f for (_c, m), f in passes.items()}
    assert (by_month[6].arithmetic, by_month[6].rate) == ("1 / 1 = 100.0%", Decimal("100.0"))
    assert (by_month[10].arithmetic, by_month[10].rate) == ("0 / 1 = 0.0%", Decimal("0.0"))
    assert (by_month[5].arithmetic, by_month[5].rate) == ("0 / 0", None)


def test_communities_are_counted_apart(office):
    other = Office()
    build_timeliness(office)
    repair(other, at(2026, 10, 9, 10, 0))  # overdue
    oct_ = Period.parse("2026-10")
    rows = K.figures(K.REPAIR_TIMELINESS)([office.community.pk, other.community.pk], [oct_], LATE_NOV)
    assert rows[(office.community.pk, oct_)].arithmetic == "2 / 7 = 28.6%"
    assert rows[(other.community.pk, oct_)].arithmetic == "0 / 1 = 0.0%"
    assert figures(K.desk_kpis(other.community, OCT, now=LATE_NOV)[K.REPAIR_TIMELINESS]) == (0, 1, Decimal("0.0"))
    assert figures(K.desk_kpis(CommunityFactory(), OCT, now=LATE_NOV)[K.REPAIR_TIMELINESS]) == (0, 0, None)


def test_queries_do_not_grow_with_volume(office, django_assert_max_num_queries):
    build_timeliness(office)
    for day in range(1, 20):
        finish(office, repair(office, at(2026, 10, day, 10, 0)), at(2026, 10, day, 12, 0))
        replied(office, at(2026, 10, day, 10, 0), at(2026, 10, day, 11, 0))
    with django_assert_max_num_queries(7):
        K.desk_kpis(office.community, OCT, now=LATE_NOV)
    months = Period.parse("2026-05").until(Period.parse("2026-10"))
    both = [office.community.pk, CommunityFactory().pk]
    with django_assert_max_num_queries(len(K.SPECS)):  # one query per KPI, for six months of two communities
        for spec in K.SPECS:
            K.figures(spec.code)(both, months, LATE_NOV)
    with django_assert_max_num_queries(4):
        K.kpis_by_technician(office.community, OCT, now=LATE_NOV)


# --- the console pages ----------------------------------------------------------------------


def _table(page: str, table_id: str) -> str:
    return page.split(f'id="{table_id}"')[1].split("</table>")[0]


def test_kpi_page_shows_the_arithmetic_and_targets(client, office, django_assert_max_num_queries):
    """The KPI page is core's, built from the registry: the service desk's six lead it (QA-4)."""
    build_timeliness(office)
    client.force_login(office.manager)
    with clock.frozen(LATE_NOV), django_assert_max_num_queries(30):
        response = client.get(reverse("core:kpis"), {"month": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    row = _table(page, "kpi-table").split('id="kpi-servicedesk.repair_timeliness"')[1].split("</tr>")[0]
    assert "零修及时率" in row and "2 / 7 = 28.6%" in row and "≥95%" in row and "未达标" in row
    assert reverse("servicedesk:kpi_technicians") + "?month=2026-10" in row  # the breakdown per technician
    reply = _table(page, "kpi-table").split('id="kpi-servicedesk.complaint_reply"')[1].split("</tr>")[0]
    assert "≥100%" in reply  # RC-3: every complaint, no policy to lower it
    for spec in K.SPECS:
        assert f'id="chart-servicedesk.{spec.code}"' in page
    assert 'id="kpi-communities"' not in page
    assert "本月受理的报修" in page  # the definition, for checking by hand


def test_kpi_page_month_boundary_and_default(client, office):
    repair(office, at(2026, 10, 31, 23, 30))
    client.force_login(office.manager)
    with clock.frozen(LATE_NOV):
        page = client.get(reverse("core:kpis"), {"month": "2026-10"}).content.decode()
    assert "0 / 1 = 0.0%" in _table(page, "kpi-table")
    with clock.frozen(LATE_NOV):
        response = client.get(reverse("core:kpis"), {"month": "bad"})
    assert response.status_code == 200 and response.context["month"].key == "2026-11"  # the month under way


def test_kpi_page_needs_a_role_that_may_see_an_indicator(client, office):
    client.force_login(office.desk)  # the front desk has neither servicedesk.kpi nor engagement.kpi
    assert client.get(reverse("core:kpis")).status_code == 403
    client.force_login(office.technician)
    assert client.get(reverse("core:kpis")).status_code == 403
    assert client.get(reverse("servicedesk:kpi_technicians")).status_code == 403


def test_quality_department_compares_communities(client, office):
    other = Office()
    repair(other, at(2026, 10, 9, 10, 0))
    build_timeliness(office)
    quality = staff("quality", None)
    client.force_login(quality)
    with clock.frozen(LATE_NOV):
        page = client.get(reverse("core:kpis"), {"month": "2026-10"}).content.decode()
    table = _table(page, "kpi-communities")
    assert office.community.name in table and other.community.name in table
    assert "28.6%" in table and "0.0%" in table


def test_office_manager_sees_only_own_community(client, office):
    other = Office()
    client.force_login(office.manager)
    with clock.frozen(LATE_NOV):
        page = client.get(reverse("core:kpis"), {"month": "2026-10"}).content.decode()
    assert other.community.name not in page


def test_technician_page_breaks_the_rc8_rates_down(client, office, django_assert_max_num_queries):
    build_timeliness(office)
    client.force_login(office.manager)
    with clock.frozen(LATE_NOV), django_assert_max_num_queries(15):
        response = client.get(reverse("servicedesk:kpi_technicians"), {"month": "2026-10"})
    assert response.status_code == 200
    rows = _table(response.content.decode(), "kpi-technicians")
    assert office.technician.username in rows or office.technician.get_full_name() in rows
    assert "2 / 3 = 66.7%" in rows  # r1, r2, r9 (as test_rc8_timeliness_per_technician)
    assert "未派单" in rows
