"""Reads of the owners' disputes of bill lines (FE-1, FE-3): which are open, for a page of lines, bills
or households — one query each, never one per row.

A dispute is open while its ticket is (not closed, not cancelled): ending the ticket ends the dispute.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from guanjia.servicedesk.choices import Status

from .choices import PayerKind
from .models import BillLine, LineDispute

ENDED = (Status.CLOSED, Status.CANCELLED)
OPEN = ~Q(ticket__status__in=ENDED)


def open_disputes() -> QuerySet[LineDispute]:
    return LineDispute.objects.filter(OPEN)


def disputed_lines_q() -> Q:
    """A condition on BillLine: it has an open dispute (a subquery, usable in a conditional Sum)."""
    return Q(pk__in=open_disputes().values("line_id"))


def disputes_of_lines(line_ids) -> dict[int, LineDispute]:
    """{line id: its open dispute, with the ticket} for a page of lines: one query."""
    ids = [getattr(i, "pk", i) for i in line_ids]
    if not ids:
        return {}
    rows = open_disputes().filter(line_id__in=ids).select_related("ticket").order_by("raised_at", "id")
    return {d.line_id: d for d in rows}


def disputes_of_bills(bill_ids) -> dict[int, list[str]]:
    """{bill id: the ticket numbers of its lines' open disputes}: one query."""
    ids = [i for i in bill_ids if i]
    if not ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = open_disputes().filter(line__bill_id__in=ids).order_by("raised_at", "id")
    for bill_id, number in rows.values_list("line__bill_id", "ticket__number"):
        out.setdefault(bill_id, []).append(number)
    return out


def disputes_of_rooms(community, room_ids) -> dict[int, list[LineDispute]]:
    """{room id: its open disputes of lines still owing something} (what the ladder shows): one query."""
    ids = list(room_ids)
    if not ids:
        return {}
    cid = getattr(community, "pk", community)
    rows = (
        open_disputes()
        .filter(community_id=cid, room_id__in=ids, line__open_amount__gt=0)
        .select_related("ticket", "line")
        .order_by("raised_at", "id")
    )
    out: dict[int, list[LineDispute]] = {}
    for dispute in rows:
        out.setdefault(dispute.room_id, []).append(dispute)
    return out


def mark_statement(statement) -> None:
    """Give each bill row of a statement the numbers of its open disputes (`row.disputes`): one query."""
    if statement is None:
        return
    found = disputes_of_bills({row.bill_id for row in statement.rows})
    for row in statement.rows:
        row.disputes = found.get(row.bill_id, [])


def disputable_lines(user) -> QuerySet[BillLine]:
    """The lines `user` may dispute: his own household's owner bills (he is a current owner of the
    room), or, as tenant, the bills he is the payer of. Never the developer's; another room's is a 404."""
    from guanjia.estates.models import Ownership

    if not getattr(user, "is_authenticated", False):
        return BillLine.objects.none()
    owned = Ownership.objects.filter(person__user=user, until__isnull=True).values("room_id")
    return BillLine.objects.filter(
        Q(payer_kind=PayerKind.OWNER, room_id__in=owned) | Q(payer_kind=PayerKind.TENANT, bill__payer__user=user)
    )


def desk_disputable_lines(community) -> QuerySet[BillLine]:
    """The lines of `community` the desk may record an owner's dispute of (by phone or at the window):
    a household's own, owner's or tenant's — never the developer's — with no dispute open. The bill
    page's form offers exactly these, and the service refuses any other (FE-1)."""
    cid = getattr(community, "pk", community)
    return BillLine.objects.filter(community_id=cid, payer_kind__in=(PayerKind.OWNER, PayerKind.TENANT)).exclude(
        disputed_lines_q()
    )
