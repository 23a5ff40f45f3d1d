"""The office manager's spot checks: draw N records of a kind for the period and record the finding —
RC-4's callbacks as the service desk registers them, and a toy quarterly kind (AR-3's shape) that
proves another app plugs in without touching quality."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, duties
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.periods import MONTH, QUARTER, Period
from guanjia.core.policies import policy_set
from guanjia.core.roles import Role
from guanjia.core.tests.factories import at, login
from guanjia.estates.models import Room
from guanjia.quality import registry
from guanjia.quality import services as quality
from guanjia.quality.models import SpotCheck
from guanjia.servicedesk.quality_hooks import SPOT_CHECK

from .factories import NOW, Office, done_callbacks

pytestmark = pytest.mark.django_db
NOVEMBER = Period.of(MONTH, NOW)


@pytest.fixture
def office():
    return Office()


def draw(office, period=NOVEMBER, **kw):
    return quality.spot_check_draw(
        kind=SPOT_CHECK, community=office.community, period=period, actor=office.manager, **kw
    )


def page_url(period=NOVEMBER) -> str:
    return f"{reverse('quality:spot_checks')}?kind={SPOT_CHECK}&period={period.key}"


class TestRC4:
    def test_the_manager_draws_the_policy_number_of_the_months_done_callbacks_once(self, office):
        policy_set(community=office.community, key="RC-4.spot_checks", raw_value="2", actor=office.manager)
        with clock.frozen(NOW):
            callbacks = done_callbacks(office, 4)
            checks = draw(office, seed=7)
            assert len(checks) == 2 and {c.record for c in checks} <= set(callbacks)
            assert {(c.kind, c.period) for c in checks} == {(SPOT_CHECK, "2026-11")}
            with pytest.raises(Conflict, match="已抽取"):
                draw(office)
            with pytest.raises(Forbidden):  # RC-4: the office manager's own check
                quality.spot_check_draw(
                    kind=SPOT_CHECK, community=office.community, period=NOVEMBER, actor=office.supervisor
                )
        entry = ActivityLog.objects.get(verb="quality.spot_check.drawn")
        assert entry.data == {"kind": SPOT_CHECK, "period": "2026-11"} and "随机抽取 2 条" in entry.summary

    def test_a_month_without_done_callbacks_has_nothing_to_draw_until_it_is_over(self, office):
        with clock.frozen(NOW):
            with pytest.raises(ServiceError, match="该月没有已完成的回访可供抽查。"):
                draw(office)  # November is still under way: callbacks may yet be done
            with pytest.raises(ServiceError) as error:
                draw(office, period=Period.of(QUARTER, NOW))
            assert error.value.field == "period"
            # October is over and had none: drawing records that, which meets its duty (RC-4).
            assert draw(office, period=NOVEMBER.previous()) == []
        row = Deadline.objects.get(community=office.community, duty=SPOT_CHECK, period="2026-10")
        assert row.met_at == NOW and row.met_by == office.manager

    def test_each_months_check_is_a_duty_owed_by_the_day_policy_and_met_by_the_last_finding(self, office):
        policy_set(community=office.community, key="RC-4.spot_check_day", raw_value="12", actor=office.manager)
        with clock.frozen(NOW):
            done_callbacks(office, 2)
        december = at(2026, 12, 3, 9, 0)
        with clock.frozen(december):  # RC-4: November's check is owed from 1 December, by the 12th
            duties.duties_open([office.community], keys=[SPOT_CHECK])
            row = Deadline.objects.get(community=office.community, duty=SPOT_CHECK, period="2026-11")
            assert (row.rule, row.owner_role, row.due_at) == ("RC-4", Role.OFFICE_MANAGER, at(2026, 12, 13, 0, 0))
            assert duties.link(row) == page_url()
            first, second = draw(office)
            quality.spot_check_record(check=first, actor=office.manager, passed=True)
            row.refresh_from_db()
            assert row.met_at is None  # one drawn record is still unchecked
            quality.spot_check_record(check=second, actor=office.manager, passed=False, note="业主称未接到回访")
        row.refresh_from_db()
        assert (row.met_at, row.met_by) == (december, office.manager)

    def test_recording_the_finding_needs_a_note_when_not_genuine(self, office):
        with clock.frozen(NOW):
            done_callbacks(office, 2)
            first, second = draw(office)
            with pytest.raises(ServiceError) as error:
                quality.spot_check_record(check=first, actor=office.manager, passed=False)
            assert error.value.field == "note" and "不属实" in str(error.value)
            quality.spot_check_record(check=first, actor=office.manager, passed=False, note="业主称未接到回访电话")
            quality.spot_check_record(check=second, actor=office.manager, passed=True)
            with pytest.raises(Conflict):
                quality.spot_check_record(check=second, actor=office.manager, passed=True)
        first.refresh_from_db()
        assert (first.passed, first.note, first.checked_by, first.checked_at) == (
            False,
            "业主称未接到回访电话",
            office.manager,
            NOW,
        )
        entry = ActivityLog.objects.filter(verb="quality.spot_check.recorded").first()
        assert entry.household_id == office.room.pk  # on the household's timeline (AR-1)


class TestPages:
    def test_front_desk_may_not_spot_check_nor_sees_it_in_the_menu(self, client, office):
        login(client, office.desk)
        assert client.get(reverse("quality:spot_checks")).status_code == 403
        assert client.post(reverse("quality:spot_checks")).status_code == 403
        assert reverse("quality:spot_checks") not in client.get(reverse("core:dashboard")).content.decode()

    def test_the_manager_draws_and_sees_the_owner_to_call(self, client, office, django_assert_max_num_queries):
        with clock.frozen(NOW):
            done_callbacks(office, 7)
            login(client, office.manager)
            page = client.get(page_url()).content.decode()
            assert 'id="draw-form"' in page and "回访抽查" in page and "每期随机抽取 5 条" in page
            response = client.post(reverse("quality:spot_checks"), {"kind": SPOT_CHECK, "period": "2026-11"})
            assert response.status_code == 302 and response.url == page_url()
            assert SpotCheck.objects.filter(community=office.community).count() == 5  # RC-4.spot_checks
            client.get(response.url)
            with django_assert_max_num_queries(16):  # constant in the sample size
                page = client.get(response.url).content.decode()
            again = client.post(reverse("quality:spot_checks"), {"kind": SPOT_CHECK, "period": "2026-11"})
        rows = page.split('id="spot-check-list"', 1)[1].split("</table>", 1)[0]
        assert rows.count('id="check-') == 5
        assert office.owner.name in rows and "13812345678" in rows  # the manager calls the owner back
        assert again.status_code == 400 and "回访抽查已抽取" in again.content.decode()

    def test_record_genuine_or_not_with_a_note(self, client, office):
        with clock.frozen(NOW):
            done_callbacks(office, 2)
            check = draw(office)[0]
            login(client, office.manager)
            url = reverse("quality:spot_check_record", args=[check.pk])
            response = client.post(url, {"passed": "0", "note": ""})
            assert response.status_code == 400 and "抽查结论为“不属实”时请填写抽查意见。" in response.content.decode()
            assert client.post(url, {"passed": "0", "note": "业主称未接到回访电话"}).status_code == 302
            page = client.get(page_url()).content.decode()
            assert client.get(url).status_code == 302  # GET goes back to the period's page
        assert "业主称未接到回访电话" in page and "不属实" in page

    def test_another_communitys_check_is_404(self, client, office):
        other = Office()
        with clock.frozen(NOW):
            done_callbacks(office, 1)
            check = draw(office)[0]
            login(client, other.manager)
            url = reverse("quality:spot_check_record", args=[check.pk])
            assert client.post(url, {"passed": "1"}).status_code == 404
            assert client.get(url).status_code == 404
            assert check.record.ticket.number not in client.get(page_url()).content.decode()


# --- Another kind, quarterly --------------------------------------------------------------------


@pytest.fixture
def toy_kind():
    """A kind of record no app registers yet, checked every quarter (the shape of AR-3's archives)."""
    kind = registry.spot_check_kind(
        registry.SpotCheckKind(
            key="TOY.rooms",
            rule="AR-3",
            title="档案抽查",
            model="estates.Room",
            candidates=lambda community, period: Room.objects.filter(community=community),
            size=lambda community, period: 1,
            row_template="quality/tests/toy_row.html",
            period=QUARTER,
            household=lambda room: room,
        )
    )
    yield kind
    registry.unregister(kind.key)


def test_a_quarterly_kind_of_another_app_is_drawn_and_recorded(office, toy_kind):
    quarter = Period.of(QUARTER, NOW)
    with clock.frozen(NOW):
        [check] = quality.spot_check_draw(
            kind=toy_kind.key, community=office.community, period=quarter, actor=office.manager
        )
        quality.spot_check_record(check=check, actor=office.manager, passed=False, note="缺少验房签收记录")
        with pytest.raises(ServiceError):  # the kind is checked by the quarter
            quality.spot_check_draw(
                kind=toy_kind.key, community=office.community, period=NOVEMBER, actor=office.manager
            )
    check.refresh_from_db()
    assert (check.period, check.record, check.passed) == ("2026-Q4", office.room, False)
    assert ActivityLog.objects.get(verb="quality.spot_check.recorded").household_id == office.room.pk


def test_the_kinds_list_in_registration_order(toy_kind):
    keys = [k.key for k in registry.spot_check_kinds()]
    assert keys.index(SPOT_CHECK) < keys.index("TOY.rooms")
    assert registry.kind_of(SPOT_CHECK).rule == "RC-4"
    with pytest.raises(KeyError):
        registry.kind_of("NOPE")


def test_dates_outside_the_period_are_not_candidates(office):
    with clock.frozen(NOW - dt.timedelta(days=30)):  # October
        done_callbacks(office, 1)
    with clock.frozen(NOW), pytest.raises(ServiceError):
        draw(office)
