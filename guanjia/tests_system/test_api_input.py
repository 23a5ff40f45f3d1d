"""Hostile input through the API (issue 10), over every registered route: wrong-typed filters and
paging are 400 naming the parameter in Chinese, a date with an odd offset or year never gives 500,
every creating POST honours Idempotency-Key, and the model limits (text length, date ranges, areas)
hold in the API as they do in forms and imports.

Routes are read from the URL resolver, so a resource added later is attacked without editing this file."""

import datetime as dt
from urllib.parse import quote

import django_filters
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.filters import FilterBackend, StrictFilterSet
from guanjia.core.idempotency import IdempotentMixin
from guanjia.core.tests.factories import at, staff
from guanjia.core.validators import TEXT_MAX
from guanjia.engagement.models import Visit
from guanjia.estates.models import Room
from guanjia.servicedesk.models import CallLog, Ticket
from guanjia.servicedesk.tests.factories import Office


def _viewset_routes(patterns=None, prefix=""):
    """(path, view class, {method: action}) of every DRF viewset route under /api/."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _viewset_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            actions = getattr(callback, "actions", None)
            path = (prefix + str(entry.pattern)).replace("^", "").replace("$", "")
            if actions and path.startswith("api/") and "(?P<format>" not in path:
                yield path, callback.cls, actions


ROUTES = list(_viewset_routes())
LIST_ROUTES = sorted(
    {(path, cls) for path, cls, actions in ROUTES if actions.get("get") == "list"},
    key=lambda route: route[0],
)


def _filters(kind):
    """(path, filter name, label) of every filter of `kind` on a list route."""
    backend = FilterBackend()
    found = []
    for path, cls in LIST_ROUTES:
        view = cls()
        filterset_class = backend.get_filterset_class(view, cls.queryset)
        if filterset_class is None:
            continue
        for name, filter_ in filterset_class.base_filters.items():
            if isinstance(filter_, kind):
                found.append((path, name, str(filter_.label or name)))
    return found


BOOLEAN_FILTERS = _filters(django_filters.BooleanFilter)
DATETIME_FILTERS = _filters((django_filters.DateTimeFilter, django_filters.DateFilter))
NUMBER_FILTERS = _filters(django_filters.NumberFilter)


@pytest.fixture
def office(db):
    return Office()


@pytest.fixture
def admin_api(office):
    client = APIClient()
    client.force_authenticate(staff("company_admin"))
    return client


def _url(path: str) -> str:
    return "/" + path


def _assert_400_naming(response, field: str, label: str):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field
    assert body["detail"].startswith(f"{label}："), body["detail"]


def test_the_routes_are_found():
    assert len(LIST_ROUTES) >= 15
    assert {"api/tickets/", "api/rooms/", "api/visits/", "api/rectifications/"} <= {p for p, _ in LIST_ROUTES}
    assert len(BOOLEAN_FILTERS) >= 5 and len(DATETIME_FILTERS) >= 4 and len(NUMBER_FILTERS) >= 10


def test_every_declared_filterset_is_strict():
    for _path, cls in LIST_ROUTES:
        filterset_class = getattr(cls, "filterset_class", None)
        if filterset_class is not None:
            assert issubclass(filterset_class, StrictFilterSet), cls


@pytest.mark.parametrize(("path", "cls"), LIST_ROUTES, ids=[p for p, _ in LIST_ROUTES])
@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=-1", "page=1.5", "page_size=abc", "page_size=0"])
def test_paging_of_the_wrong_type_is_400_naming_it(admin_api, path, cls, query):
    name = query.split("=")[0]
    _assert_400_naming(admin_api.get(f"{_url(path)}?{query}"), name, {"page": "页码", "page_size": "每页条数"}[name])


@pytest.mark.parametrize(("path", "name", "label"), BOOLEAN_FILTERS)
@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(admin_api, path, name, label, value):
    _assert_400_naming(admin_api.get(_url(path), {name: value}), name, label)


@pytest.mark.parametrize(("path", "name", "label"), BOOLEAN_FILTERS)
def test_a_boolean_filter_reads_true_false_1_0(admin_api, path, name, label):
    for value in ("true", "false", "1", "0", "True"):
        assert admin_api.get(_url(path), {name: value}).status_code == 200


@pytest.mark.parametrize(("path", "name", "label"), DATETIME_FILTERS)
@pytest.mark.parametrize(
    "value",
    [
        "notadate",
        "2026-12-01T10:00:00+99:00",
        "2026-12-01T10:00:00 99:00",  # the same, with "+" sent unencoded (a space)
        "9999-12-31T23:00:00-10:00",
        "0001-01-01T00:00:00+10:00",
        "1185-06-01",
        "2026-13-45",
    ],
)
def test_a_date_filter_with_an_odd_value_is_400_never_500(admin_api, path, name, label, value):
    _assert_400_naming(admin_api.get(f"{_url(path)}?{name}={quote(value)}"), name, label)


@pytest.mark.parametrize(("path", "name", "label"), DATETIME_FILTERS)
def test_a_date_filter_with_a_real_offset_works(admin_api, path, name, label):
    response = admin_api.get(f"{_url(path)}?{name}={quote('2026-12-01T10:00:00+08:00')}")
    if response.status_code == 400:  # a date-only filter reads dates
        response = admin_api.get(f"{_url(path)}?{name}=2026-12-01")
    assert response.status_code == 200


@pytest.mark.parametrize(("path", "name", "label"), NUMBER_FILTERS)
@pytest.mark.parametrize("value", ["abc", "1e999", "99999999999999999999", "NaN"])
def test_a_number_filter_refuses_what_is_not_a_whole_number(admin_api, path, name, label, value):
    _assert_400_naming(admin_api.get(_url(path), {name: value}), name, label)


def test_a_month_filter_that_is_not_a_month_is_400(admin_api):
    _assert_400_naming(admin_api.get("/api/visits/", {"month": "2026-13"}), "month", "月份（YYYY-MM）")


def test_the_returned_filter_of_survey_sheets_is_strict(admin_api):
    response = admin_api.get("/api/surveys/1/sheets/", {"returned": "maybe"})
    assert response.status_code in (400, 404)  # no survey 1 is a 404 before the filter is read


# --- Idempotency on every creating POST ---------------------------------------------------------


CREATE_ROUTES = sorted({(path, cls) for path, cls, actions in ROUTES if actions.get("post") == "create"}, key=str)


def test_every_creating_route_honours_idempotency_key():
    assert len(CREATE_ROUTES) >= 7
    for path, cls in CREATE_ROUTES:
        assert issubclass(cls, IdempotentMixin), path


def test_a_call_log_retry_with_the_same_key_records_once(office):
    client = APIClient()
    client.force_authenticate(office.desk)
    body = {"community": office.community.pk, "content": "询问停水时间"}
    with clock.frozen(at(2026, 3, 2, 10)):
        first = client.post("/api/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
        again = client.post("/api/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert CallLog.objects.count() == 1


# --- The model limits hold through the API ----------------------------------------------------


def test_a_million_character_ticket_description_is_refused(office):
    client = APIClient()
    client.force_authenticate(office.desk)
    body = {"kind": "repair", "channel": "phone", "category": "leakage", "room": office.room.pk}
    with clock.frozen(at(2026, 3, 2, 10)):
        response = client.post("/api/tickets/", {**body, "description": "漏" * 1_000_000}, format="json")
        _assert_400_naming(response, "description", "内容")
        assert str(TEXT_MAX) in response.json()["detail"]
        ok = client.post("/api/tickets/", {**body, "description": "漏" * TEXT_MAX}, format="json")
    assert ok.status_code == 201 and Ticket.objects.count() == 1


def test_a_long_call_log_is_refused(office):
    client = APIClient()
    client.force_authenticate(office.desk)
    response = client.post(
        "/api/calls/", {"community": office.community.pk, "content": "问" * (TEXT_MAX + 1)}, format="json"
    )
    _assert_400_naming(response, "content", "内容")
    assert not CallLog.objects.exists()


@pytest.mark.parametrize("visited_at", ["1185-06-01T10:00:00+08:00", "2999-01-01T10:00:00+08:00"])
def test_a_visit_in_the_year_1185_is_refused_and_opens_no_deadline(office, visited_at):
    client = APIClient()
    client.force_authenticate(office.supervisor)
    with clock.frozen(at(2026, 3, 2, 10)):
        response = client.post(
            "/api/visits/", {"room": office.room.pk, "form": "phone", "visited_at": visited_at}, format="json"
        )
    _assert_400_naming(response, "visited_at", "拜访时间")
    assert not Visit.objects.exists()


def test_a_call_in_a_sane_range_only(office):
    client = APIClient()
    client.force_authenticate(office.desk)
    response = client.post(
        "/api/calls/",
        {"community": office.community.pk, "content": "询问", "at": "1185-01-01T10:00:00+08:00"},
        format="json",
    )
    _assert_400_naming(response, "at", "时间")


def test_a_negative_area_is_refused_through_the_api(office):
    client = APIClient()
    client.force_authenticate(staff("office_manager", office.community))
    body = {"community": office.community.pk, "building_code": "9", "number": "101", "kind": "residence"}
    for field in ("building_area", "usable_area", "land_area"):
        response = client.post("/api/rooms/", {**body, field: "-12.50"}, format="json")
        assert (response.status_code, response.json()["field"]) == (400, field), response.content
        assert "㎡" in response.json()["detail"]
    room = office.room
    response = client.patch(f"/api/rooms/{room.pk}/", {"building_area": "-1"}, format="json")
    assert (response.status_code, response.json()["field"]) == (400, "building_area")
    room.refresh_from_db()
    assert room.building_area is None or room.building_area >= 0
    assert not Room.objects.filter(number="101", building__code="9").exists()


@pytest.mark.parametrize(("start", "end"), [("1185-01-01", "2027-01-01"), ("2026-01-01", "9999-01-01")])
def test_lease_dates_in_a_sane_range(office, start, end):
    client = APIClient()
    client.force_authenticate(staff("office_manager", office.community))
    response = client.post(
        "/api/leases/",
        {"room": office.room.pk, "tenant": office.owner.pk, "start": start, "end": end},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == ("start" if start.startswith("1185") else "end")


def test_sane_ranges_are_defined_once():
    from guanjia.core.validators import DATE_SPANS, event_date

    with pytest.raises(Exception, match="1185"):
        event_date(dt.date(1185, 6, 1))
    event_date(DATE_SPANS["event"].earliest)


def test_the_schema_documents_the_key_and_the_errors():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    creating = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = set(operation["responses"])
            assert {"400", "403", "404"} <= responses, (method, path)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if method == "post" and ("201" in responses or path.endswith("/rectify/")):
                creating += 1
                assert "Idempotency-Key" in headers and "422" in responses, (method, path)
            if method in ("post", "patch") and path != "/api/auth/token/":
                assert "409" in responses, (method, path)
    assert creating >= 9


def test_an_api_url_that_matches_no_route_is_a_json_404(admin_api):
    response = admin_api.get("/api/tickets/1.5/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "未找到。"}
    page = admin_api.get("/console/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
