"""System labels stored as text (deadline titles, log summaries, notification titles) read in the
reader's language (core.system_text); what people typed is never translated."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from guanjia.core import clock
from guanjia.core.activity import VERBS, entry_text, log
from guanjia.core.models import ActivityLog, Deadline, Notification
from guanjia.core.notify import notify
from guanjia.core.policies import policy_set
from guanjia.core.system_text import translate
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.models import Callback
from guanjia.servicedesk.tests.factories import Office, at

NOW = at(2026, 11, 18, 10, 0)
ROOT = Path(__file__).resolve().parents[2]
VERB_LITERAL = re.compile(r'"((?:core|estates|servicedesk|engagement|quality|portal)\.[a-z_]+\.[a-z_]+)"')


def english(text, **kwargs) -> str:
    with translation.override("en"):
        return translate(text, **kwargs)


class TestTranslate:
    def test_a_stored_title_reads_in_english_with_its_values_kept(self):
        assert english("回访 GD-2026-000123") == "Callback GD-2026-000123"
        assert english("派单给 王伟") == "Dispatched to 王伟"
        assert english("升级为重大投诉") == "Escalated to major complaint"

    def test_system_values_inside_are_translated_too(self):
        assert english("受理报修 GD-2026-000001") == "Repair GD-2026-000001 received"  # the kind label
        assert english("月度投诉汇总公布（2026年11月）") == "Monthly complaint summary published (11/2026)"  # a duty
        assert english("已超时：回访 GD-2026-000123") == "Overdue: Callback GD-2026-000123"  # a reminder
        assert english("用途变更：自住 → 出租") == "Use changed: Owner-occupied → Rented"
        assert english("修改房屋资料：用途、交付状态") == "Room details changed: Use, Handover status"

    def test_chinese_readers_see_it_as_stored(self):
        with translation.override("zh-hans"):
            assert translate("派单给 王伟") == "派单给 王伟"
            assert translate("受理报修 GD-2026-000001") == "受理报修 GD-2026-000001"

    def test_text_stored_by_someone_working_in_english_reads_in_chinese(self):
        with translation.override("zh-hans"):
            assert translate("Dispatched to 王伟") == "派单给 王伟"

    def test_what_people_typed_is_kept(self):
        # Inside a message, an owner's words stay as written, even when they end like a short message.
        assert english("纠正/预防措施：垃圾未及时回收") == "Corrective/preventive action: 垃圾未及时回收"
        assert english("已超时：纠正/预防措施：垃圾未及时回收") == (
            "Overdue: Corrective/preventive action: 垃圾未及时回收"
        )
        # Text made from no message at all is shown as stored.
        assert english("楼上卫生间漏水，已报两次") == "楼上卫生间漏水，已报两次"
        assert english("") == "" and english(None) == ""

    def test_strict_fields_do_not_reword_an_owners_words(self):
        # A notification's body may quote a report; "…回收" must not come out as "… collection".
        assert english("3-2-1201 楼下垃圾桶未及时回收", strict=True) == "3-2-1201 楼下垃圾桶未及时回收"
        assert english("截止时间 2026-11-21 24:00（RC-4）", strict=True) == "Due 2026-11-21 24:00 (RC-4)"


@pytest.fixture
def office():
    return Office()


def passed_repair(office):
    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind="repair",
        channel="window",
        category="leakage",
        room=office.room,
        description="卫生间天花板渗水，墙面发霉",
    )
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层")
    sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
    return ticket


@pytest.mark.django_db
class TestPagesInEnglish:
    def test_the_due_list_shows_deadline_titles_in_english(self, client, office):
        with clock.frozen(NOW):
            ticket = passed_repair(office)
        due = Callback.objects.get(ticket=ticket).due_at  # RC-4: 24:00 of the 3rd day (the next midnight)
        assert Deadline.objects.filter(rule="RC-4", title=f"回访 {ticket.number}").exists()  # stored as always
        client.force_login(office.supervisor)
        with clock.frozen(due - dt.timedelta(hours=2)):  # the day it falls due
            page = client.get(
                reverse("servicedesk:due"), {"scope": "office"}, headers={"accept-language": "en"}
            ).content.decode()
        rows = page.split('id="due-list"', 1)[1].split("</table>", 1)[0]
        assert f"Callback {ticket.number}" in rows and "回访" not in rows

    def test_ticket_page_and_household_timeline_in_english(self, client, office):
        with clock.frozen(NOW):
            ticket = passed_repair(office)
            client.force_login(office.manager)
            ticket_page = client.get(
                reverse("servicedesk:ticket", args=[ticket.pk]), headers={"accept-language": "en"}
            ).content.decode()
            household = client.get(
                reverse("estates:household", args=[office.room.pk]), headers={"accept-language": "en"}
            ).content.decode()
        name = office.technician.get_full_name() or office.technician.username
        for page in (ticket_page, household):
            assert f"Repair {ticket.number} received" in page
            assert f"Dispatched to {name}" in page
            assert "Technician arrived" in page
            assert "派单给" not in page and "受理报修" not in page
        assert f"Callback {ticket.number}" in ticket_page  # its deadlines
        assert "卫生间天花板渗水，墙面发霉" in ticket_page  # the report itself, as typed

    def test_same_pages_in_chinese_are_unchanged(self, client, office):
        with clock.frozen(NOW):
            ticket = passed_repair(office)
            client.force_login(office.manager)
            household = client.get(reverse("estates:household", args=[office.room.pk])).content.decode()
        assert f"受理报修 {ticket.number}" in household and "派单给" in household

    def test_inbox_titles_in_english(self, client, office):
        with clock.frozen(NOW):
            notify(office.technician, "新派工单 GD-2026-000042", body="3-2-1201 楼上漏水，请尽快")
            client.force_login(office.technician)
            page = client.get(reverse("core:inbox"), headers={"accept-language": "en"}).content.decode()
        assert Notification.objects.get().title == "新派工单 GD-2026-000042"
        assert "New work order dispatched GD-2026-000042" in page
        assert "新派工单" not in page
        assert "3-2-1201 楼上漏水，请尽快" in page  # the body quotes the report as typed


@pytest.mark.django_db
class TestActivitySentences:
    def test_every_verb_written_by_a_service_reads_as_a_sentence(self):
        # A new verb without a sentence would show as "servicedesk.ticket.dispatched" on the timeline.
        written = set()
        for path in ROOT.rglob("*.py"):
            if not {"tests", "migrations", "tests_browser"} & set(path.parts):
                written |= set(VERB_LITERAL.findall(path.read_text(encoding="utf-8")))
        assert "servicedesk.ticket.dispatched" in written
        assert not sorted(written - set(VERBS))

    def test_an_entry_without_summary_reads_as_its_verb(self, office):
        entry = log(office.desk, "servicedesk.ticket.dispatched", office.room)
        with translation.override("zh-hans"):
            assert entry.get_summary_display() == "已派单"
        assert entry_text(ActivityLog(verb="some.unknown.verb")) == "some.unknown.verb"

    def test_typed_summaries_are_kept_and_say_what_happened(self, office):
        entry = log(office.desk, "servicedesk.call.recorded", office.room, summary="楼下垃圾桶未及时回收")
        with translation.override("zh-hans"):
            assert entry.get_summary_display() == "来电来访登记：楼下垃圾桶未及时回收"
        with translation.override("en"):
            assert entry.get_summary_display().endswith("楼下垃圾桶未及时回收")

    def test_a_policy_change_reads_from_its_data(self, office):
        with clock.frozen(NOW):
            policy_set(community=office.community, key="RC-4.leak_days", raw_value="4", actor=office.manager)
        entry = ActivityLog.objects.get(verb="core.policy.changed")
        with translation.override("en"):
            assert entry.get_summary_display() == "Leak repair callback time limit: 3 → 4"
        with translation.override("zh-hans"):
            assert entry.get_summary_display() == "渗漏水维修回访时限: 3 → 4"
