"""The register's sections of the household file 一户一档 (AR-1, PR-1 … PR-3): the room and its
owners, the owners before them, tenants, residents, the archive's papers and the timeline.

The page (views.HouseholdView) is built from core.registry's household sections: these, and what
other apps add (the service desk's requests, visits, surveys), in order, each shown only to roles
with its permission. Each reads a fixed number of queries however long the household's history.
"""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.models import ActivityLog
from guanjia.core.registry import HouseholdSection, household_section

from .choices import DocumentCategory
from .forms import DocumentForm

TIMELINE_LENGTH = 50


def _particulars(request, room) -> dict:
    owners = (
        room.ownerships.filter(until__isnull=True)
        .select_related("person")
        .prefetch_related("person__phones")
        .order_by(F("since").desc(nulls_last=True), "-share", "id")
    )
    return {
        "current_owners": list(owners),
        "may_view_id": has_perm(request.user, "people.view_id", room.community),
    }


def _owner_history(request, room) -> dict:
    # PR-1: every transfer stays on file, newest first
    former = (
        room.ownerships.filter(until__isnull=False)
        .select_related("person")
        .order_by(F("since").desc(nulls_last=True), "-share", "id")
    )
    return {"former_owners": list(former)}


def _leases(request, room) -> dict:
    today = clock.today()
    leases = list(room.leases.select_related("tenant").prefetch_related("tenant__phones").order_by("-start", "-id"))
    return {
        "current_leases": [lease for lease in leases if lease.last_day >= today],
        "past_leases": [lease for lease in leases if lease.last_day < today],
    }


def _residents(request, room) -> dict:
    residents = list(room.residents.select_related("person").prefetch_related("person__phones").order_by("until", "id"))
    return {
        "residents": [r for r in residents if r.until is None],
        "former_residents": [r for r in residents if r.until is not None],
    }


def _documents(request, room) -> dict:
    documents = list(room.documents.select_related("uploaded_by"))
    groups = []
    for value, label in DocumentCategory.choices:
        docs = [d for d in documents if d.category == value]
        if docs:
            groups.append({"value": value, "label": label, "documents": docs})
    community = room.community
    return {
        "document_groups": groups,
        "document_form": DocumentForm(),
        "may_upload": has_perm(request.user, "estates.upload_document", community),
        "may_view_id": has_perm(request.user, "people.view_id", community),  # ID copies (LW-1)
        "id_copy": DocumentCategory.ID_COPY,
    }


def _timeline(request, room) -> dict:
    # Every service logs with the household it concerns; printed copies of a form too (core.documents).
    entries = ActivityLog.objects.filter(household_id=room.pk).select_related("actor")[:TIMELINE_LENGTH]
    return {"entries": list(entries), "limit": TIMELINE_LENGTH}


def register() -> None:
    for key, label, template, context, order in (
        ("estates.particulars", _("房屋资料与现业主"), "estates/household_particulars.html", _particulars, 10),
        ("estates.owner_history", _("产权历史"), "estates/household_owner_history.html", _owner_history, 20),
        ("estates.leases", _("租赁"), "estates/household_leases.html", _leases, 30),
        ("estates.residents", _("住户"), "estates/household_residents.html", _residents, 40),
        ("estates.documents", _("档案文件"), "estates/household_documents.html", _documents, 50),
        ("estates.timeline", _("操作记录"), "estates/household_timeline.html", _timeline, 1000),
    ):
        household_section(HouseholdSection(key, label, template, context, permission="estates.view", order=order))
