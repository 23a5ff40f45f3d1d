"""State machines as the one source of state rules (core.transitions) and the one action view
(core.console.TransitionView; ActionView's perform_action), on a test-only parcel at the gatehouse
(guanjia.core.tests.toy)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from guanjia.core import activity, clock, roles, transitions
from guanjia.core.errors import ServiceError
from guanjia.core.models import DeadlineState, Notification
from guanjia.core.tests.assertions import assert_transition
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.toy import services
from guanjia.core.tests.toy.models import Parcel, ParcelStatus

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def toy_actions(monkeypatch):
    """The toy's actions and verbs, declared for the test only (the registries are global)."""
    monkeypatch.setitem(roles.PERMISSIONS, "toy.view", frozenset({"front_desk", "cs_supervisor", "technician"}))
    monkeypatch.setitem(roles.PERMISSIONS, "toy.desk", frozenset({"front_desk"}))
    monkeypatch.setitem(roles.PERMISSIONS, "toy.supervise", frozenset({"cs_supervisor"}))
    for verb in ("toy.parcel.collected", "toy.parcel.refused", "toy.parcel.returned"):
        monkeypatch.setitem(activity.VERBS, verb, activity.Verb(verb))


@pytest.fixture
def gate():
    """A community's gatehouse: its staff and one parcel waiting to be collected."""
    community = CommunityFactory()
    with clock.frozen(NOON):
        parcel = services.parcel_receive(community=community, number="P-001", recipient="张三")
    return SimpleNamespace(
        community=community,
        desk=staff("front_desk", community),
        supervisor=staff("cs_supervisor", community),
        technician=staff("technician", community),
        parcel=parcel,
    )


def actions(parcel, user, **kw):
    return [offer.action for offer in transitions.offers(parcel, user, **kw)]


# --- What a page offers ------------------------------------------------------------------------


class TestOffers:
    def test_each_user_is_offered_what_their_role_may_do_in_this_state(self, gate):
        assert actions(gate.parcel, gate.desk) == ["claim"]
        assert actions(gate.parcel, gate.supervisor) == ["send_back"]
        assert actions(gate.parcel, gate.technician) == []

    def test_two_transitions_of_one_action_are_one_offer_with_its_form(self, gate):
        (claim,) = transitions.offers(gate.parcel, gate.desk)
        assert claim.names == ("claim_accept", "claim_reject")
        assert (claim.label, claim.done, claim.permission) == ("核对领取", "已核对。", "toy.desk")
        form = claim.form(gate.parcel, {"accepted": "1"})
        assert form.is_valid() and form.community == gate.community  # form_kwargs from the object

    def test_offers_follow_the_declaration_order_not_the_alphabet(self, gate):
        both = staff("cs_supervisor", gate.community)
        both.memberships.create(community=gate.community, role="front_desk")
        assert actions(gate.parcel, both) == ["claim", "send_back"]

    def test_a_label_may_depend_on_the_object(self, gate):
        gate.parcel.sender = "京东"
        (send_back,) = transitions.offers(gate.parcel, gate.supervisor)
        assert (send_back.label, send_back.button) == ("退回寄件人", "danger")

    def test_a_condition_keeps_the_offer_away_and_says_why(self, gate):
        gate.parcel.held = True
        assert actions(gate.parcel, gate.supervisor) == []
        error = transitions.refusal(gate.parcel, "send_back", gate.supervisor)
        assert (error.code, error.status, str(error)) == ("held", 409, "该快递被暂扣，不能退回。")

    def test_an_action_stays_offered_while_one_of_its_transitions_may_run(self, gate):
        gate.parcel.recipient = ""  # cannot be handed over, can still be refused
        assert actions(gate.parcel, gate.desk) == ["claim"]
        assert transitions.refusal(gate.parcel, "claim_accept", gate.desk).code == "invalid"
        assert transitions.can(gate.parcel, "claim_reject", gate.desk)

    def test_in_a_final_state_nothing_is_offered_and_system_transitions_never_are(self, gate):
        with clock.frozen(NOON):
            services.parcel_claim(parcel=gate.parcel, actor=gate.desk, accepted=True)
        superuser = staff("front_desk", gate.community)
        superuser.is_superuser = True
        assert actions(gate.parcel, gate.desk) == [] and actions(gate.parcel, superuser) == []  # archive: SYSTEM
        assert transitions.offer(gate.parcel, "archive") is None and transitions.offer(gate.parcel, "nope") is None
        assert transitions.can(gate.parcel, "archive")  # the system may fire it

    def test_another_communitys_staff_are_offered_nothing(self, gate):
        stranger = staff("front_desk", CommunityFactory())
        assert actions(gate.parcel, stranger) == []

    def test_a_list_may_keep_only_the_actions_of_one_permission(self, gate):
        both = staff("cs_supervisor", gate.community)
        both.memberships.create(community=gate.community, role="front_desk")
        assert actions(gate.parcel, both, permission="toy.supervise") == ["send_back"]
        assert transitions.sources(Parcel, permission="toy.desk") == [ParcelStatus.WAITING]
        assert transitions.sources(Parcel) == [ParcelStatus.WAITING]  # archive is the system's


# --- What a service is refused -----------------------------------------------------------------


class TestRefusals:
    def test_permission_then_state_then_condition(self, gate):
        with pytest.raises(ServiceError) as err:
            transitions.check(gate.parcel, "send_back", gate.desk)
        assert (err.value.status, str(err.value)) == (403, "您没有权限退回。")
        with clock.frozen(NOON):
            services.parcel_claim(parcel=gate.parcel, actor=gate.desk, accepted=True)
        with pytest.raises(ServiceError) as err:
            transitions.check(gate.parcel, "claim_accept", gate.desk)
        assert (err.value.code, err.value.status) == ("bad_state", 409)
        assert str(err.value) == "快递 P-001 当前状态为“已领取”，不能核对领取。"

    def test_fire_turns_transition_not_allowed_into_a_service_error(self, gate):
        with clock.frozen(NOON):
            services.parcel_send_back(parcel=gate.parcel, actor=gate.supervisor)
        with pytest.raises(ServiceError) as err:
            transitions.fire(gate.parcel, "send_back")
        assert err.value.code == "bad_state" and "当前状态为“已退回”" in str(err.value)
        gate.parcel.refresh_from_db()
        assert gate.parcel.status == ParcelStatus.RETURNED


# --- The one action view -----------------------------------------------------------------------


def action_url(parcel, name):
    return reverse("toy-parcel-action", args=[parcel.pk, name])


@pytest.mark.urls("guanjia.core.tests.toy.urls")
class TestTransitionView:
    def test_get_shows_the_actions_form(self, client, gate):
        client.force_login(gate.desk)
        response = client.get(action_url(gate.parcel, "claim"))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="action-form"' in html and 'name="accepted"' in html and "核对领取" in html

    def test_out_of_scope_unknown_and_system_actions_are_404(self, client, gate):
        client.force_login(staff("front_desk", CommunityFactory()))
        assert client.get(action_url(gate.parcel, "claim")).status_code == 404
        assert client.post(action_url(gate.parcel, "claim"), {"accepted": "1"}).status_code == 404
        client.force_login(gate.desk)
        assert client.get(action_url(gate.parcel, "archive")).status_code == 404
        assert client.get(action_url(gate.parcel, "nope")).status_code == 404

    def test_get_refuses_what_the_machine_refuses_at_its_status(self, client, gate):
        client.force_login(gate.technician)
        response = client.get(action_url(gate.parcel, "claim"))
        assert response.status_code == 403 and "您没有权限核对领取。" in response.content.decode()
        with clock.frozen(NOON):
            services.parcel_send_back(parcel=gate.parcel, actor=gate.supervisor)
        client.force_login(gate.desk)
        response = client.get(action_url(gate.parcel, "claim"))
        assert response.status_code == 409 and 'id="action-form"' not in response.content.decode()

    def test_an_invalid_form_is_400_beside_its_field(self, client, gate):
        client.force_login(gate.desk)
        response = client.post(action_url(gate.parcel, "claim"), {})
        assert response.status_code == 400 and 'id="id_accepted_error"' in response.content.decode()

    def test_a_service_error_naming_a_field_is_shown_beside_it_nothing_saved(self, client, gate):
        client.force_login(gate.desk)
        response = client.post(action_url(gate.parcel, "claim"), {"accepted": "0", "note": " "})
        html = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_note_error"' in html and "拒绝交付时请写明原因。" in html.split('id="id_note_error"')[1][:60]
        assert not Notification.objects.exists()

    def test_a_conflict_is_409_above_the_form_and_forbidden_is_403(self, client, gate):
        gate.parcel.held = True
        gate.parcel.save(update_fields=["held"])
        both = staff("cs_supervisor", gate.community)
        client.force_login(both)
        response = client.post(action_url(gate.parcel, "send_back"))
        assert response.status_code == 409 and "该快递被暂扣，不能退回。" in response.content.decode()
        client.force_login(gate.desk)
        response = client.post(action_url(gate.parcel, "send_back"))
        assert response.status_code == 403 and "您没有权限退回。" in response.content.decode()
        gate.parcel.refresh_from_db()
        assert gate.parcel.status == ParcelStatus.WAITING

    def test_success_calls_the_service_and_goes_back_with_a_message(self, client, gate):
        client.force_login(gate.desk)
        with clock.frozen(NOON):
            response = client.post(action_url(gate.parcel, "claim"), {"accepted": "1"})
        assert response.status_code == 302 and response["Location"] == gate.parcel.get_absolute_url()
        gate.parcel.refresh_from_db()
        assert gate.parcel.status == ParcelStatus.COLLECTED
        assert [str(m) for m in response.wsgi_request._messages] == ["已核对。"]

    def test_with_next_a_refusal_goes_back_there_as_a_message(self, client, gate):
        client.force_login(gate.desk)
        back = "/console/"
        response = client.post(action_url(gate.parcel, "claim"), {"accepted": "0", "next": back})
        assert response.status_code == 302 and response["Location"] == back
        assert [str(m) for m in response.wsgi_request._messages] == ["拒绝交付时请写明原因。"]
        response = client.post(action_url(gate.parcel, "claim"), {"accepted": "1", "next": "https://evil.example/"})
        assert response["Location"] == gate.parcel.get_absolute_url()  # only pages of this site


# --- ActionView where more may read the page than take its action (perform_action) ---------------
# The shape of the VS-5 visit summary: every role reading visits opens it, the CS supervisor writes.


def note_url(parcel) -> str:
    return reverse("toy-parcel-note", args=[parcel.pk])


@pytest.mark.urls("guanjia.core.tests.toy.urls")
class TestPerformAction:
    def test_who_may_read_but_not_act_sees_the_page_and_is_refused_the_post(self, client, gate):
        client.force_login(gate.desk)
        response = client.get(note_url(gate.parcel))
        assert response.status_code == 200 and response.context["may_perform"] is False
        assert client.post(note_url(gate.parcel), {"note": "放在门卫室"}).status_code == 403  # before the service
        gate.parcel.refresh_from_db()
        assert gate.parcel.note == ""

    def test_who_may_act_posts_as_on_any_action_page(self, client, gate):
        client.force_login(gate.supervisor)
        assert client.get(note_url(gate.parcel)).context["may_perform"] is True
        assert client.post(note_url(gate.parcel), {"note": ""}).status_code == 400  # the form as usual
        response = client.post(note_url(gate.parcel), {"note": "放在门卫室"})
        assert response.status_code == 302 and response["Location"] == gate.parcel.get_absolute_url()
        gate.parcel.refresh_from_db()
        assert gate.parcel.note == "放在门卫室"

    def test_reading_still_needs_action_and_the_users_scope(self, client, gate):
        client.force_login(staff("cashier", gate.community))  # no toy.view
        assert client.get(note_url(gate.parcel)).status_code == 403
        client.force_login(staff("cs_supervisor", CommunityFactory()))
        assert client.get(note_url(gate.parcel)).status_code == 404
        assert client.post(note_url(gate.parcel), {"note": "x"}).status_code == 404

    def test_without_perform_action_reading_is_acting(self, client, gate):
        client.force_login(gate.desk)
        response = client.get(action_url(gate.parcel, "claim"))
        assert response.status_code == 200 and response.context["may_perform"] is True


# --- The transition assertion helper -------------------------------------------------------------


class TestAssertTransition:
    def test_state_log_deadline_and_notification_together(self, gate):
        with (
            clock.frozen(NOON),
            assert_transition(
                gate.parcel,
                state=ParcelStatus.WAITING,
                verb="toy.parcel.refused",
                deadline=None,
                notification={"user": gate.desk, "title": "P-001 未交付"},
                actor=gate.desk,
            ),
        ):
            services.parcel_claim(parcel=gate.parcel, actor=gate.desk, accepted=False, note="证件不符")
        with (
            clock.frozen(NOON),
            assert_transition(
                gate.parcel,
                state=ParcelStatus.COLLECTED,
                verb="toy.parcel.collected",
                deadline={"rule": "TOY-1", "state": DeadlineState.MET, "met_by": gate.desk},
                notification=None,
            ),
        ):
            services.parcel_claim(parcel=gate.parcel, actor=gate.desk, accepted=True)

    @pytest.mark.parametrize(
        "expected",
        [
            {"state": ParcelStatus.WAITING},  # the state
            {"verb": "toy.parcel.refused"},  # the log entry
            {"deadline": None},  # a deadline met but not expected
            {"deadline": {"rule": "TOY-1", "state": "open"}},  # … or in another state
            {"notification": {"user": None}},  # a notification expected but none sent
        ],
    )
    def test_it_fails_on_each_of_the_four(self, gate, expected):
        right = {
            "state": ParcelStatus.RETURNED,
            "verb": "toy.parcel.returned",
            "deadline": {"rule": "TOY-1", "state": "met"},
            "notification": None,
        }
        expected = {**right, **expected}
        if expected["notification"] == {"user": None}:
            expected["notification"] = {"user": gate.supervisor}
        with pytest.raises(AssertionError), clock.frozen(NOON), assert_transition(gate.parcel, **expected):
            services.parcel_send_back(parcel=gate.parcel, actor=gate.supervisor)
