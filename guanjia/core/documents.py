"""Printed forms (DESIGN §14): a registry of document kinds, one PDF view, every issued copy recorded.

An app declares each paper form once, in its `AppConfig.ready()`:

    documents.register(DocumentKind(
        code="RC-5.notice", title=_("整改通知书"), template="pdf/rectification_notice.html",
        permission="servicedesk.view",
        subject=lambda request, key: scoped_notice(request, key),   # 404 when not the user's
        context=lambda request, notice: {...},
        filename=lambda notice: f"{notice.number}.pdf",
        number=lambda notice: notice.number,       # or omit: the copy is numbered with `prefix`
        household=lambda notice: notice.ticket.room,
    ))

`/console/documents/<code>/<key>.pdf` renders any of them. Each copy printed is an
`IssuedDocument` (number, subject, household, issued by, when, SHA-256 of the PDF) and an
ActivityLog entry, so it shows on the household timeline (AR-1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from .activity import log
from .document_models import IssuedDocument
from .numbering import next_number
from .pdf import render_pdf


@dataclass(frozen=True)
class DocumentKind:
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


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    if not kind.number and not kind.prefix:
        raise ValueError(f"document {kind.code} needs its subject's number or a numbering prefix")
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


def document_issue(*, kind: DocumentKind, subject, actor, request=None) -> tuple[IssuedDocument, bytes]:
    """Render the form for `subject` and record the copy; the caller has checked the actor's scope."""
    context = {"document_title": kind.title, **kind.context(request, subject)}
    pdf = render_pdf(kind.template, context, request)
    community = kind.community(subject) if kind.community else subject.community
    household = kind.household(subject) if kind.household else None
    is_model = isinstance(subject, models.Model)
    with transaction.atomic():
        copy = IssuedDocument.objects.create(
            community=community,
            kind=kind.code,
            number=kind.number(subject) if kind.number else next_number(kind.prefix),
            subject_type=ContentType.objects.get_for_model(subject) if is_model else None,
            subject_id=str(subject.pk) if is_model else "",
            household_id=getattr(household, "pk", None),
            issued_by=actor,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        log(
            actor,
            "core.document.issued",
            subject if is_model else None,
            community=community,
            household=household,
            summary=_("开具%(title)s %(number)s") % {"title": kind.title, "number": copy.number},
            kind=kind.code,
            number=copy.number,
            sha256=copy.sha256,
        )
    return copy, pdf
