"""Every route that takes an id, found in the URL resolver (not listed by hand), refuses another
community's record with 404, for staff and API (DESIGN.md §1), and the portal shows an owner
nothing of another household.

The data is the demo at a small scale: three communities with every kind of record the apps
create. A route whose view does not say which model its id names fails here, so a new page
cannot slip past the check.
"""

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django_fsm import FSMField

from guanjia.core import clock
from guanjia.core.models import Community, Membership, Notification

pytestmark = pytest.mark.django_db

# Whole numbers in a URL that name no record: a calendar year is the same for every community.
NOT_IDS = {"year"}
# Records that belong to no community: the national holiday calendar is shared by all (DESIGN.md §5).
SHARED = {"Holiday"}

DEMO_NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def routes(resolver=None, prefix="", namespace=""):
    """(full pattern, URL name, pattern) of every route, depth first."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, entry


def id_routes(area):
    """Routes under /console/, /api/ or /m/ whose URL carries a record id."""
    for pattern, name, entry in routes():
        if not pattern.startswith(area) or "format" in entry.pattern.regex.groupindex:
            continue
        converters = getattr(entry.pattern, "converters", {})
        ids = [
            g
            for g in entry.pattern.regex.groupindex
            if g == "pk" or (isinstance(converters.get(g), IntConverter) and g not in NOT_IDS)
        ]
        if ids:
            yield pattern, name, entry, ids


def cases(entry):
    """[(fixed kwargs, model)]: the model a route's id names, for each value of its other words (a
    view whose model depends on one, e.g. notices/issue/<source>/<pk>/, says so by models_by_route())."""
    view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
    by_route = getattr(view, "models_by_route", None)
    if by_route is not None:
        word = next(g for g in entry.pattern.regex.groupindex if g not in ("pk",))
        return [({word: key}, model) for key, model in by_route().items()]
    return [({}, model_of(entry))]


def model_of(entry):
    view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
    model = getattr(view, "model", None)
    if model is None and getattr(view, "queryset", None) is not None:
        model = view.queryset.model
    return model


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with clock.frozen(DEMO_NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
        communities = Community.objects.order_by("pk")
        _household_paper(communities[0])  # the demo keeps no scanned papers and no photos
        _ticket_photo(communities[0])
        _device_document(communities[0])
        _online_refund(communities[0])
    return communities


def _online_refund(community):
    """The demo holds no merchant keys, so no refund went back through a provider: record one on
    the community's demo order, as the approval of a 在线支付 refund would (FE-1)."""
    from guanjia.billing.models import OnlineRefund, PaymentOrder, Refund

    order = PaymentOrder.objects.filter(community=community).order_by("pk").first()
    refund = Refund.objects.filter(community=community).order_by("pk").first()
    assert order and refund, "the demo's first community has an online order and a refund"
    OnlineRefund.objects.create(
        community=community, refund=refund, order=order, out_refund_no=refund.number, amount=refund.amount
    )


def _device_document(community):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanjia.facilities.models import Device
    from guanjia.facilities.services import device_document_add

    device = Device.objects.filter(community=community).order_by("pk").first()
    paper = SimpleUploadedFile("使用登记证.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    device_document_add(device=device, actor=manager_of(community), title="使用登记证", kind="registration", file=paper)


def _ticket_photo(community):
    from django.core.files.base import ContentFile

    from guanjia.servicedesk.models import Ticket, TicketPhoto

    ticket = Ticket.objects.filter(community=community).order_by("pk").first()
    TicketPhoto.objects.create(community=community, ticket=ticket, image=ContentFile(b"\x89PNG\r\n", name="leak.png"))


def _household_paper(community):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanjia.estates.models import Room
    from guanjia.estates.services import document_upload

    room = Room.objects.filter(community=community).order_by("pk").first()
    paper = SimpleUploadedFile("入伙资料.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    document_upload(room=room, actor=manager_of(community), category="move_in", title="入伙资料", file=paper)


def foreign_record(model, community):
    """A record of `community`; a notification is its user's, so: one of that community's staff."""
    if model is Community:
        return community
    if model is Notification:
        return model.objects.filter(user__memberships__community=community).order_by("pk").first()
    return model._default_manager.filter(community=community).order_by("pk").first()


def transitions_of(model) -> list[str]:
    """Every transition the model's state machine declares (routes such as tickets/<pk>/<transition>/)."""
    field = next((f for f in model._meta.fields if isinstance(f, FSMField)), None)
    return sorted({t.name for t in field.get_all_transitions(model)}) if field else []


def urls_for(pattern, ids, record, words=None):
    """The route filled for `record` (and fixed `words`): one URL per transition where it names one."""
    path = reverse_path(pattern, {**(words or {}), **kwargs_for(ids, record)})
    if "<slug:transition>" in path:
        return ["/" + path.replace("<slug:transition>", name) for name in transitions_of(type(record))]
    assert "<" not in path and "(?P" not in path, f"unfilled route {pattern}"
    return ["/" + path]


def kwargs_for(pattern_ids, record):
    """URL kwargs naming `record`: pk is the record; `<x>_pk` is a related record of it (a survey's item)."""
    kwargs = {}
    for name in pattern_ids:
        if name == pattern_ids[0]:
            kwargs[name] = record.pk
        else:
            related = getattr(record, name[: -len("_pk")] + "s", None) or getattr(record, name[: -len("_pk")] + "_set")
            kwargs[name] = related.order_by("pk").values_list("pk", flat=True).first()
    return kwargs


def manager_of(community):
    return Membership.objects.get(community=community, role="office_manager").user


@pytest.mark.parametrize("area", ["console/", "api/"])
def test_staff_of_one_community_get_404_for_every_record_of_another(demo, client, area):
    other, home = demo[0], demo[1]  # the first demo community carries every kind of record
    client.force_login(manager_of(home))
    unknown, missing, leaks = [], [], []
    checked = 0
    for pattern, name, entry, ids in id_routes(area):
        for words, model in cases(entry):
            if model is None:
                unknown.append(name)
                continue
            if model.__name__ in SHARED:
                continue
            record = foreign_record(model, other)
            if record is None:
                missing.append(f"{name} ({model.__name__})")
                continue
            for url in urls_for(pattern, ids, record, words):
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    checked += 1
                    if response.status_code not in (404, 405):  # 405: the method is refused before any lookup
                        leaks.append(f"{method.upper()} {url} ({name}) → {response.status_code}")
    assert not leaks, "\n".join(leaks)
    assert not unknown, f"routes whose view names no model (declare `model` or `queryset`): {unknown}"
    assert not missing, f"the demo has no record of another community for: {missing}"
    assert checked >= 20


def reverse_path(pattern, kwargs):
    """Fill a route pattern ("console/desk/tickets/<int:pk>/" or a DRF regex) with kwargs."""
    import re

    path = pattern
    for key, value in kwargs.items():
        path = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), path)
        path = re.sub(rf"<(?:\w+:)?{key}>", str(value), path)
    return path.replace("^", "").replace("$", "")


def _room_path(model):
    names = {f.name for f in model._meta.get_fields()}
    return "room" if "room" in names else "ticket__room" if "ticket" in names else None


def test_an_owner_gets_404_for_every_record_of_another_household(demo, client):
    from guanjia.estates.demo import owner_logins
    from guanjia.estates.selectors import homes_of

    login = owner_logins()[0]
    owner = get_user_model().objects.get(username=login.username)
    homes = list(homes_of(owner).values_list("pk", flat=True))
    home_community = Community.objects.get(name=login.community)
    other = next(c for c in demo if c != home_community)
    client.force_login(owner)
    unknown, leaks, checked = [], [], 0
    for pattern, name, entry, ids in id_routes("m/"):
        model = model_of(entry)
        if model is None:
            unknown.append(name)
            continue
        records = [foreign_record(model, other)]
        path = _room_path(model)
        if path:  # the neighbour's record, in the owner's own community
            records.append(
                model._default_manager.filter(community=home_community)
                .exclude(**{f"{path}__in": homes})
                .order_by("pk")
                .first()
            )
        for url in [u for record in filter(None, records) for u in urls_for(pattern, ids, record)]:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                checked += 1
                if response.status_code not in (404, 405):  # 405: the method is refused before any lookup
                    leaks.append(f"{method.upper()} {url} ({name}) → {response.status_code}")
    assert not unknown, f"portal routes whose view names no model: {unknown}"
    assert not leaks, "\n".join(leaks)
    assert checked >= 10
