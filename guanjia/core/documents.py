"""Printed forms (DESIGN §14): a registry of document kinds, one PDF view, every issued copy recorded.

An app declares each paper form once, in its own `documents.py` (called from its registrations):

    documents.register(DocumentKind(
        code="RC-8.work_order", title=_("派工单"), template="servicedesk/ticket_workorder.html",
        permission="servicedesk.view",
        subject=documents.by_pk(Ticket.objects.all()),   # the ticket whose id is the URL key, in scope
        context=lambda request, ticket: {...},           # besides title, community, generated_at
        filename=lambda ticket: f"{ticket.number}.pdf",
        number=lambda ticket: ticket.number,             # or omit: the copy is numbered with `prefix`
        household=lambda ticket: ticket.room,
    ))

`/console/documents/<code>/<key>.pdf` renders any of them (`document_url(code, *parts)` builds it,
`{% document_url code part … %}` in templates). Access is decided in two steps, the same for every
form: the subject is looked up among the communities the user works in (else 404, DESIGN §1), then
the form's permission is checked in the subject's own community (else 403). Each copy printed is an
`IssuedDocument` (number, subject, household, issued by, when, SHA-256 of the PDF) and an
ActivityLog entry, so a copy about one household shows on its timeline (AR-1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import clock
from .access import require, scoped, visible_communities
from .activity import log
from .document_models import IssuedDocument
from .numbering import next_number
from .pdf import render_pdf

# The communities a member of staff works in, whatever his role: a subject outside them is "not
# found"; inside them, lacking the form's own permission is "forbidden". Core's own action: the
# register's (estates.view) is not every role's (a technician prints his work orders, AR-4).
VISIBLE = "core.view"
KEY_SEPARATOR = "-"


@dataclass(frozen=True)
class DocumentKind:
    """A paper form.

    `subject(request, key)` returns what the copy prints, raising Http404 outside the user's
    communities (`subject_in_scope`, `community_from_key` do that). It is usually a model instance;
    a subject that is not one (a month's list) has a `community` and may name the row it prints as
    `record`, which the copy then points to (otherwise the copy keeps the URL key).
    """

    code: str
    title: Any
    template: str
    permission: str
    subject: Callable  # (request, key) -> the subject, raising Http404 when out of the user's scope
    context: Callable  # (request, subject) -> the template's context
    filename: Callable[[Any], str]
    number: Callable[[Any], str] | None = None  # the subject's own number (a ticket's, a notice's)
    prefix: str = ""  # else each printed copy is numbered PREFIX-YYYY-NNNNNN
    household: Callable[[Any], Any] | None = None  # the estates Room the document concerns
    community: Callable[[Any], Any] | None = None  # default: subject.community
    # (subject, copy, actor), inside the copy's transaction: what the owning app records besides the
    # copy itself (the register's AR-4 export trail)
    issued: Callable[[Any, IssuedDocument, Any], None] | None = None


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    if not kind.number and not kind.prefix:
        raise ValueError(f"document {kind.code} needs its subject's number or a numbering prefix")
    if "/" in kind.code:
        raise ValueError(f"document code {kind.code!r} is part of a URL path: no '/'")
    _KINDS[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _KINDS.pop(code, None)


def kind_of(code: str) -> DocumentKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise KeyError(f"unknown document {code!r}; register it in the app's AppConfig.ready()") from None


def registered() -> list[DocumentKind]:
    return sorted(_KINDS.values(), key=lambda k: k.code)


def document_url(code: str, *parts) -> str:
    """The PDF of form `code` for the subject the key parts name (a pk; a community and a month)."""
    return reverse("core:document_pdf", args=[code, KEY_SEPARATOR.join(str(p) for p in parts)])


def subject_in_scope(queryset, request, **lookup):
    """The row of `queryset` matching `lookup` in a community the user works in, else 404."""
    if any(str(value) == "" for value in lookup.values()):
        raise Http404
    try:
        found = scoped(queryset, request.user, VISIBLE).filter(**lookup).first()
    except (ValueError, TypeError):  # a key that is no id at all
        raise Http404 from None
    if found is None:
        raise Http404
    return found


def by_pk(queryset) -> Callable:
    """The `subject` of a form whose URL key is a row's id: that row of `queryset`, in a community
    the user works in (`subject_in_scope`), else 404."""

    def subject(request, key):
        return subject_in_scope(queryset, request, pk=key)

    return subject


def community_from_key(request, key: str):
    """A key "<community id>-<rest>" (a month's list: "12-2026-10") → (community, rest), or 404
    unless the user works in that community. The community is in the key, not taken from the
    switcher, so that a link prints the same document for whoever follows it."""
    head, _sep, rest = key.partition(KEY_SEPARATOR)
    if not head.isdigit() or not rest:
        raise Http404
    community = visible_communities(request.user, VISIBLE).filter(pk=int(head)).first()
    if community is None:
        raise Http404
    return community, rest


def community_of(kind: DocumentKind, subject):
    return kind.community(subject) if kind.community else subject.community


def base_context(kind: DocumentKind, subject, number: str) -> dict:
    """What every copy's template (pdf/base.html) is given before the form's own context, which may
    override any of it: the form's title, the copy's number, the community and the time it is printed."""
    return {
        "document_title": kind.title,
        "document_number": number,
        "title": kind.title,
        "community": community_of(kind, subject),
        "generated_at": timezone.localtime(clock.now()),
    }


def document_issue(*, kind: DocumentKind, subject, actor, request=None, key: str = "") -> tuple[IssuedDocument, bytes]:
    """Render the form for `subject` and record the copy (DESIGN §14).

    The copy's number is taken before rendering so that it is printed on the copy: a copy on paper
    can be traced to its record. Rendering runs outside the recording transaction (WeasyPrint takes
    up to seconds, and SQLite's IMMEDIATE transactions would hold every writer back meanwhile); a
    rendering that fails therefore leaves its number unused, which a print serial may do."""
    community = community_of(kind, subject)
    require(actor, kind.permission, community)
    household = kind.household(subject) if kind.household else None
    number = kind.number(subject) if kind.number else next_number(kind.prefix)
    context = {**base_context(kind, subject, number), **kind.context(request, subject)}
    pdf = render_pdf(kind.template, context, request)
    record = subject if isinstance(subject, models.Model) else getattr(subject, "record", None)
    with transaction.atomic():
        copy = IssuedDocument.objects.create(
            community=community,
            kind=kind.code,
            number=number,
            subject_type=ContentType.objects.get_for_model(record) if record is not None else None,
            subject_id=str(record.pk) if record is not None else key[:40],
            household_id=getattr(household, "pk", household),
            issued_by=actor,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        log(
            actor,
            "core.document.issued",
            record,
            community=community,
            household=household,
            summary=_("开具%(title)s %(number)s") % {"title": kind.title, "number": copy.number},
            kind=kind.code,
            number=copy.number,
            sha256=copy.sha256,
        )
        if kind.issued:
            kind.issued(subject, copy, actor)
    return copy, pdf
