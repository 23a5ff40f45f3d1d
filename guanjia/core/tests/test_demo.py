"""`manage.py demo` asks each app for its part (core.demo): the mechanism, with toy parts only."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from guanjia.core import clock, demo
from guanjia.core.demo import DemoBuild, DemoPart, LoginTable, Timeline
from guanjia.core.models import Community, Company
from guanjia.core.periods import Period
from guanjia.core.tests.factories import staff

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=SH)


@pytest.fixture
def toy_parts(monkeypatch):
    """Two toy parts in place of the apps' (restored after the test), registered out of order."""
    calls = []

    def community(context: DemoBuild) -> str:
        made = Community.objects.create(company=context.company, code="toy", name="玩具小区")
        context.communities.append(made)
        context.staff[(made.pk, "office_manager")] = staff("office_manager", made, username="toy_manager")
        calls.append(("community", context.now, context.rng("community").random()))
        return "玩具小区 1 户"

    def work(context: DemoBuild) -> None:
        calls.append(
            (
                "work",
                [c.code for c in context.communities],
                context.member(context.communities[0], "office_manager").username,
            )
        )

    def refresh(context: DemoBuild) -> str:
        calls.append(("refresh", [c.code for c in context.communities]))
        return "已补上玩具数据。" if len([c for c in calls if c[0] == "refresh"]) == 1 else ""

    def logins(company) -> LoginTable:
        return LoginTable(header=("用户名", "密码"), rows=[("toy_manager", demo.PASSWORD)])

    monkeypatch.setattr(demo, "_PARTS", {})
    demo.register(DemoPart("toy.work", 20, build=work, refresh=refresh))
    demo.register(DemoPart("toy.community", 10, build=community, logins=logins))
    return calls


def run(*args) -> str:
    out = io.StringIO()
    with clock.frozen(NOW):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_parts_run_in_their_order_and_share_what_earlier_ones_made(toy_parts):
    output = run("--seed", "7")
    assert [c[0] for c in toy_parts] == ["community", "work"]
    assert toy_parts[0][1] == NOW  # the demo's present is the (pinned) clock's
    assert toy_parts[1][1:] == (["toy"], "toy_manager")
    assert Company.objects.get().name == demo.COMPANY_NAME
    lines = output.splitlines()
    assert lines[0].startswith("已生成示范数据（") and lines[0].endswith("）：玩具小区 1 户")
    assert lines[1].split() == ["用户名", "密码"] and lines[3].split() == ["toy_manager", "guanjia-demo"]
    assert lines[-1] == "所有演示账号的密码均为：guanjia-demo"


def test_an_existing_demo_is_refreshed_not_built_again(toy_parts):
    run()
    assert run().splitlines()[0] == "示范数据已存在；已补上玩具数据。"
    assert run().splitlines()[0] == "示范数据已存在，未做改动。"
    assert [c for c in toy_parts if c[0] == "refresh"] == [("refresh", ["toy"])] * 2
    assert Community.objects.count() == 1 and [c[0] for c in toy_parts].count("community") == 1
    assert "toy_manager" in run("--logins") and "已存在" not in run("--logins")


def test_without_a_demo_the_logins_say_how_to_make_one(toy_parts):
    assert run("--logins").strip() == "尚无示范数据，请先运行 manage.py demo。"
    assert toy_parts == []


def test_the_scale_is_checked():
    with pytest.raises(CommandError, match="--scale"):
        run("--scale", "0")


def test_each_part_draws_from_its_own_generator():
    """A new part never changes what the others make from the same seed."""
    context = DemoBuild(company=Company(name="x"), seed=7)
    again = DemoBuild(company=Company(name="x"), seed=7)
    assert context.rng("a").random() == again.rng("a").random() != context.rng("b").random()
    assert DemoBuild(company=Company(name="x"), seed=8).rng("a").random() != again.rng("a").random()


def test_a_timeline_replays_only_what_has_happened_by_now():
    earlier, later = NOW - dt.timedelta(days=3), NOW + dt.timedelta(minutes=1)
    with clock.frozen(NOW), Timeline(NOW) as timeline:
        assert timeline.reached(earlier) and clock.now() == earlier  # services stamp the event's moment
        assert not timeline.reached(later) and clock.now() == earlier
        assert timeline.reached(NOW)
    assert demo.after(Period.parse("2026-10"), 2, 10) == dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)


def test_the_demos_present_is_18_00_of_another_day_and_never_later_than_the_real_one():
    with clock.frozen(NOW):
        assert demo.demo_now(NOW.date()) == NOW
        assert demo.demo_now(dt.date(2026, 11, 1)) == dt.datetime(2026, 11, 1, 18, 0, tzinfo=SH)
        assert demo.demo_now(dt.date(2026, 12, 1)) == NOW
