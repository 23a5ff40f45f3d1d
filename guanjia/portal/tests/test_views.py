"""Owner portal pages: home, reporting with photos, my tickets, ticket detail, confirm & rate, scoping."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.models import ActivityLog
from guanjia.core.policies import policy_set
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, RoomFactory
from guanjia.quality import services as quality
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.models import Ticket, TicketPhoto
from guanjia.servicedesk.services.rectifications import SOURCE
from guanjia.servicedesk.tests.factories import Office, at

from .factories import ID_B, Household, photo, portal_user, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    household = Household()
    household.community.office_phone = "0755-26881234"
    household.community.save()
    return household


@pytest.fixture
def owner(client, home):
    client.force_login(home.user)
    return client


@pytest.fixture
def neighbour(home):
    """Another household of the same community, with its own portal account."""
    room = RoomFactory(community=home.community, unit=home.room.unit, building=home.room.building)
    person = OwnershipFactory(room=room, community=home.community, person__community=home.community).person
    registered(person, id_number=ID_B, phone="13600136000")
    return room, portal_user(person)


def report(client, **data):
    payload = {"kind": "repair", "category": "leakage", "description": "主卧天花板渗水"}
    payload.update(data)
    return client.post(reverse("portal:report"), payload)


def repair(home, **kwargs):
    return sd.ticket_create(
        community=home.community,
        actor=home.user,
        kind="repair",
        channel="portal",
        category=kwargs.pop("category", "leakage"),
        room=kwargs.pop("room", home.room),
        description=kwargs.pop("description", "厨房漏水"),
        **kwargs,
    )


def finish(home, ticket, technician=None):
    office = home.office
    sd.ticket_dispatch(ticket=ticket, technician=technician or office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换水管接头")
    return ticket


class TestHome:
    def test_home_lists_my_homes_office_phone_and_open_tickets(self, owner, home):
        repair(home)
        body = owner.get(reverse("portal:home")).content.decode()
        assert home.room.code in body and home.community.name in body
        assert 'href="tel:0755-26881234"' in body
        assert "1 件处理中" in body

    def test_tenant_sees_the_rented_home(self, client):
        office = Office()
        lease = LeaseFactory(
            room=office.room,
            community=office.community,
            tenant__community=office.community,
            start=dt.date.today() - dt.timedelta(days=30),
            end=dt.date.today() + dt.timedelta(days=300),
        )
        client.force_login(portal_user(lease.tenant))
        assert office.room.code in client.get(reverse("portal:home")).content.decode()

    def test_account_without_homes_is_told_to_contact_the_office(self, client, home):
        home.office.ownership.until = dt.date(2025, 1, 1)
        home.office.ownership.save()
        client.force_login(home.user)
        assert "还没有关联房屋" in client.get(reverse("portal:home")).content.decode()
        assert "暂时不能在线报事" in client.get(reverse("portal:report")).content.decode()


class TestReport:
    def test_repair_with_photos_is_filed_through_the_portal_channel(self, owner, home):
        response = owner.post(
            reverse("portal:report"),
            {
                "kind": "repair",
                "category": "leakage",
                "description": "主卧天花板渗水",
                "photos": [photo("a.jpg"), photo("b.png")],
            },
        )
        ticket = Ticket.objects.get()
        assert response.status_code == 302 and response.url == reverse("portal:ticket", args=[ticket.pk])
        assert (ticket.channel, ticket.kind, ticket.category, ticket.room) == ("portal", "repair", "leakage", home.room)
        assert ticket.reporter == home.person and ticket.received_by == home.user
        assert ticket.reporter_phone == "13800138000"
        assert ticket.photos.count() == 2
        assert all(p.image.storage.exists(p.image.name) for p in ticket.photos.all())
        detail = owner.get(response.url).content.decode()
        assert ticket.number in detail and "预计 2 小时内响应" in detail

    def test_a_bad_photo_refuses_the_whole_report(self, owner, home):
        fake = SimpleUploadedFile("leak.jpg", b"this is not an image", content_type="image/jpeg")
        response = owner.post(
            reverse("portal:report"),
            {"kind": "repair", "category": "leakage", "description": "漏水", "photos": [photo(), fake]},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "“leak.jpg”不是有效的图片" in body
        assert 'class="field has-error"' in body
        assert not Ticket.objects.exists() and not TicketPhoto.objects.exists()
        assert "漏水</textarea>" in body  # what was typed is kept

    def test_more_than_nine_photos_refused(self, owner):
        response = owner.post(
            reverse("portal:report"),
            {
                "kind": "repair",
                "category": "other",
                "description": "x",
                "photos": [photo(f"{i}.jpg") for i in range(10)],
            },
        )
        assert "照片最多 9 张" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_repair_needs_a_category_and_complaint_a_topic(self, owner):
        body = report(owner, category="").content.decode()
        assert "请选择维修类别" in body
        body = report(owner, kind="complaint", category="", topic="").content.decode()
        assert "请选择投诉事项" in body
        assert not Ticket.objects.exists()

    def test_complaint_runs_on_the_72_hour_reply_clock(self, owner):
        response = report(owner, kind="complaint", category="", topic="cleaning", description="楼道垃圾两天未清")
        ticket = Ticket.objects.get()
        assert (ticket.kind, ticket.topic, ticket.severity) == ("complaint", "cleaning", "general")
        assert "72 小时内答复" in owner.get(response.url).content.decode()

    def test_cannot_report_for_someone_elses_room(self, owner, neighbour):
        room, _ = neighbour
        response = report(owner, room=room.pk)
        assert response.status_code == 400
        assert not Ticket.objects.exists()

    def test_choose_the_home_when_there_are_several(self, owner, home):
        second = RoomFactory(community=home.community, unit=home.room.unit, building=home.room.building)
        OwnershipFactory(room=second, community=home.community, person=home.person)
        page = owner.get(reverse("portal:report")).content.decode()
        assert f'<option value="{second.pk}"' in page
        report(owner, room=second.pk)
        assert Ticket.objects.get().room == second

    def test_outside_reception_hours_the_clock_waits_for_opening_time(self, client, home):
        with clock.frozen(at(2026, 11, 25, 23, 30)):  # RC-2, a Wednesday
            client.force_login(home.user)  # the session must not look expired at the mocked time
            owner = client
            report(owner, category="other")
            body = owner.get(reverse("portal:tickets")).content.decode()
        assert "非接待时间报修，11月26日 09:00 起计时" in body
        assert "11月26日 11:00 前" in body


class TestMyTickets:
    def test_list_shows_status_and_expected_time_and_splits_open_from_done(self, owner, home):
        open_one = repair(home, description="卫生间地漏堵塞")
        done = repair(home, description="门铃不响")
        sd.ticket_cancel(ticket=done, actor=home.office.desk, reason="业主已自行修复")
        body = owner.get(reverse("portal:tickets")).content.decode()
        assert "卫生间地漏堵塞" in body and "门铃不响" not in body
        assert "已受理" in body and "预计 2 小时内响应" in body
        done_body = owner.get(reverse("portal:tickets") + "?show=done").content.decode()
        assert "门铃不响" in done_body and "已取消" in done_body
        assert open_one.number not in done_body

    def test_query_budget_does_not_grow_with_tickets(self, owner, home, django_assert_max_num_queries):
        for i in range(12):
            ticket = repair(home, description=f"报修 {i}", photos=[photo()])
            if i % 3 == 0:
                finish(home, ticket)
                sd.ticket_check(ticket=ticket, actor=home.office.supervisor, passed=True)
        with django_assert_max_num_queries(7):
            response = owner.get(reverse("portal:tickets"))
        assert response.content.decode().count('class="card ticket"') == 12
        assert "管理处将于" in response.content.decode()

    def test_detail_query_budget(self, owner, home, django_assert_max_num_queries):
        ticket = finish(home, repair(home, photos=[photo(), photo("b.jpg")]))
        sd.ticket_check(ticket=ticket, actor=home.office.supervisor, passed=True)
        with django_assert_max_num_queries(12):
            response = owner.get(reverse("portal:ticket", args=[ticket.pk]))
        assert response.content.decode().count('<img src="/m/photos/') == 2

    def test_paginated(self, owner, home):
        for i in range(21):
            repair(home, description=f"第{i}件")
        body = owner.get(reverse("portal:tickets")).content.decode()
        assert body.count('class="card ticket"') == 20 and "1 / 2" in body


class TestScoping:
    def test_another_household_of_the_same_community_is_404(self, client, home, neighbour):
        ticket = repair(home, photos=[photo()])
        _, stranger = neighbour
        client.force_login(stranger)
        assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 404
        assert client.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": 5}).status_code == 404
        assert client.get(reverse("portal:photo", args=[ticket.photos.get().pk])).status_code == 404
        assert ticket.number not in client.get(reverse("portal:tickets")).content.decode()
        assert ticket.number not in client.get(reverse("portal:tickets") + "?show=done").content.decode()

    def test_another_community_is_404(self, client, home):
        ticket = repair(home)
        other = Household(phone="13500135000")
        client.force_login(other.user)
        assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 404

    def test_a_former_owner_no_longer_sees_the_household(self, client, home):
        ticket = repair(home)
        home.office.ownership.until = dt.date(2025, 1, 1)
        home.office.ownership.save()
        client.force_login(home.user)
        assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 404

    def test_owner_sees_household_tickets_filed_at_the_desk(self, owner, home):
        ticket = sd.ticket_create(
            community=home.community,
            actor=home.office.desk,
            kind="repair",
            channel="phone",
            category="utilities",
            room=home.room,
            description="电话报修：停电",
        )
        assert owner.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 200

    def test_own_photo_is_served(self, owner, home):
        ticket = repair(home, photos=[photo()])
        response = owner.get(reverse("portal:photo", args=[ticket.photos.get().pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG


class TestDetailAndRating:
    def test_timeline_names_the_technician_but_hides_internal_notes(self, owner, home):
        office = home.office
        office.technician.first_name, office.technician.last_name = "师傅", "李"
        office.technician.save()
        ticket = finish(home, repair(home))
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=False, note="接头没拧紧，内部批评")
        body = owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert "已派单给维修师傅" in body and "维修师傅：" in body
        assert office.technician.get_full_name() in body
        assert "验收未通过，已安排返修" in body
        assert "内部批评" not in body
        assert office.desk.username not in body and office.supervisor.username not in body

    def test_leak_callback_due_at_24_00_of_day_3_then_shown_when_done(self, owner, home):
        office = home.office
        with clock.frozen(at(2026, 12, 1, 10, 0)):
            ticket = finish(home, repair(home))
            sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)  # RC-4: leakage, 3 days
        body = owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert "管理处将于 12月4日 24:00 前回访" in body
        callback = ticket.callbacks.get()
        with clock.frozen(at(2026, 12, 3, 10, 0)):
            sd.callback_record(
                callback=callback, actor=office.supervisor, method="phone", satisfied=False, remarks="仍有渗水"
            )
            body = owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert "管理处回访（电话）：不满意" in body and "仍有渗水" in body
        # RC-5: the owner is told the written notice is owed within 24 hours of the callback.
        assert "回访发现的问题，管理处将书面通知维修师傅整改 · 12月4日 10:00 前" in body
        with clock.frozen(at(2026, 12, 3, 15, 0)):
            quality.notice_issue(source=SOURCE, subject=callback, actor=office.supervisor)
            body = owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert "已下达整改通知书 ZG-" in body and "限 12月6日 24:00 前整改完毕" in body  # RC-5.fix_days: 3

    def test_no_rating_before_completion(self, owner, home):
        ticket = repair(home)
        assert 'id="rate"' not in owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        response = owner.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": 5}, follow=True)
        assert "工单完工后才能确认评价" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.owner_rating is None

    def test_confirm_and_rate_after_completion_once(self, owner, home):
        ticket = finish(home, repair(home))
        assert 'id="rate"' in owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        response = owner.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": 4, "comment": "师傅很细心"})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert (ticket.owner_rating, ticket.owner_comment) == (4, "师傅很细心")
        assert ActivityLog.objects.filter(verb="servicedesk.ticket.rated", actor=home.user).exists()
        body = owner.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert 'id="rate"' not in body and "我的评价" in body and "您已确认并评价" in body
        again = owner.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": 1}, follow=True)
        assert "您已评价过该工单" in again.content.decode()
        ticket.refresh_from_db()
        assert ticket.owner_rating == 4

    @pytest.mark.parametrize("rating", ["", "0", "6", "x"])
    def test_rating_must_be_one_to_five(self, owner, home, rating):
        ticket = finish(home, repair(home))
        response = owner.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": rating})
        assert response.status_code == 400
        assert 'class="field has-error"' in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.owner_confirmed_at is None


# --- What the owner is told before and after reporting (RC-2, RC-3, RC-8) ---------------------------

WEDNESDAY_NIGHT = at(2026, 11, 25, 23, 30)  # RC-2: after the 21:00 closing
WEDNESDAY_MORNING = at(2026, 11, 25, 10, 0)


def clock_part(client, **params):
    return client.get(reverse("portal:report"), {"part": "clock", **params}, HTTP_HX_REQUEST="true")


class TestPromises:
    def test_report_page_out_of_hours_says_which_repairs_start_at_once(self, client, home):
        with clock.frozen(WEDNESDAY_NIGHT):
            client.force_login(home.user)
            page = client.get(reverse("portal:report")).content.decode()
        promise = page.split('id="report-clock"')[1].split("</div>")[0]
        assert "现在是非接待时间：水电、电梯故障和紧急抢修提交后立即计时" in promise
        assert "其他报修将于 明日 09:00 开始计时，计时起 2 小时内响应" in promise
        assert '接待时间：工作日 <span class="nowrap">09:00-21:00</span>，周末及节假日' in promise  # RC-2 policies
        assert '<span class="nowrap">09:00-17:00</span>' in promise
        assert "投诉 24 小时受理，提交后立即计时" in promise and "管理处 72 小时内答复，11月28日 23:30 前" in promise
        assert "2 小时内响应。" not in page  # the old fixed help text is gone
        assert 'hx-get="/m/report/?part=clock"' in page and 'hx-sync="this:replace"' in page
        assert "{#" not in page and "#}" not in page  # no template comment leaks onto the page

    def test_the_promise_follows_the_category_as_it_changes(self, client, home):
        with clock.frozen(WEDNESDAY_NIGHT):
            client.force_login(home.user)
            lift = clock_part(client, kind="repair", category="utilities").content.decode()
            other = clock_part(client, kind="repair", category="other").content.decode()
            complaint = clock_part(client, kind="complaint").content.decode()
        assert "水电、电梯故障随报随修，提交后立即计时" in lift and "2 小时内响应，明日 01:30 前" in lift  # RC-8
        assert "现在是非接待时间，管理处将于 明日 09:00 开始计时" in other and "明日 11:00 前" in other  # RC-2
        assert "随报随修" not in other and "投诉" not in lift
        assert "管理处 72 小时内答复" in complaint
        assert 'id="report-clock"' not in lift  # only the blocks: the page's refreshing wrapper stays

    def test_in_reception_hours_every_repair_starts_at_once_and_civil_works_take_3_days(self, client, home):
        with clock.frozen(WEDNESDAY_MORNING):
            client.force_login(home.user)
            page = client.get(reverse("portal:report")).content.decode()
            civil = clock_part(client, kind="repair", category="civil").content.decode()
        assert "接待时间内提交，立即计时，2 小时内响应" in page
        assert "土建维修 3 天内完成，11月28日 24:00 前" in civil  # RC-8: 3 days, ending 24:00

    def test_promised_hours_are_the_communitys_policy(self, client, home):
        policy_set(community=home.community, key="RC-3.reply_hours", raw_value="48", actor=home.office.manager)
        with clock.frozen(WEDNESDAY_MORNING):
            client.force_login(home.user)
            body = clock_part(client, kind="complaint").content.decode()
        assert "管理处 48 小时内答复，11月27日 10:00 前" in body

    def test_civil_works_promise_counts_days_not_rounded_hours(self, client, home):
        # RC-8: reported at 10:00, due 24:00 on the 3rd day: 86 hours, still "3 天内完成" (never 4).
        with clock.frozen(WEDNESDAY_MORNING):
            client.force_login(home.user)
            report(client, category="civil", description="客厅地砖空鼓")
            ticket = Ticket.objects.get()
            body = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
            listed = client.get(reverse("portal:tickets")).content.decode()
        assert "土建维修 3 天内完成 · 11月28日 24:00 前" in body
        assert "土建维修 3 天内完成 · 11月28日 24:00 前" in listed
        assert "4 天内" not in body

    def test_a_lift_fault_at_night_runs_at_once_and_the_ticket_says_so(self, client, home):
        with clock.frozen(WEDNESDAY_NIGHT):
            client.force_login(home.user)
            report(client, category="utilities", description="电梯困人后停运")
            ticket = Ticket.objects.get()
            body = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert ticket.clock_starts_at == WEDNESDAY_NIGHT  # RC-8: 随报随修
        assert "水电、电梯故障随报随修，立即计时，预计 2 小时内响应 · 11月26日 01:30 前" in body

    def test_the_list_reads_reception_hours_once_however_many_lift_faults(
        self, client, home, django_assert_max_num_queries
    ):
        with clock.frozen(WEDNESDAY_NIGHT):
            client.force_login(home.user)
            for i in range(8):
                repair(home, category="utilities", description=f"电梯故障 {i}")
            client.get(reverse("portal:tickets"))
            with django_assert_max_num_queries(9):  # the list's 7, and one reading of the hours (RC-2)
                body = client.get(reverse("portal:tickets")).content.decode()
        assert body.count("水电、电梯故障随报随修，立即计时") == 8
