"""The register's printed forms (core.documents, DESIGN §14): the month's property list 产权清单 and
lease list 租赁清单 (PR-4), each with the office manager's sign-off and the archivist's receipt (AR-2).

A copy names its community and month in the key ("12-2025-03"), so a link prints the same list
for whoever follows it; every copy is also the register's AR-4 export trail, like the Excel file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from guanjia.core import documents
from guanjia.core.documents import DocumentKind
from guanjia.core.periods import Period

from . import registers
from .choices import RegisterKind

PROPERTY_LIST = "PR-4.property"  # "PR-4.<kind>": templates build the code from the list's kind
LEASE_LIST = "PR-4.lease"


@dataclass(frozen=True)
class MonthList:
    """One month's list of one community, as views_lists.list_data reads it."""

    data: dict

    @property
    def community(self):
        return self.data["community"]

    @property
    def period(self) -> Period:
        return self.data["period"]


def _subject(kind: str):
    def month_list(request, key) -> MonthList:
        from .views_lists import list_data, list_period

        community, month_key = documents.community_from_key(request, key)
        return MonthList(list_data(community, list_period(month_key), kind))

    return month_list


def _context(request, subject: MonthList) -> dict:
    data = subject.data
    total = sum(width for _h, _a, width in data["columns"])
    return {
        **data,
        "title": data["kind_label"],
        "pdf_columns": [(header, round(width * 100 / total, 2)) for header, _a, width in data["columns"]],
        "reviewer": registers.reviewer_name(data["review"]) if data["review"] else "",
    }


def _filename(subject: MonthList) -> str:
    from .views_lists import list_filename

    return list_filename(subject.data, "pdf")


def _log_export(subject: MonthList, copy, actor) -> None:
    """AR-4: who took the register out, and when; the same trail as the Excel download."""
    data = subject.data
    registers.register_export_log(
        community=data["community"],
        period=data["period"],
        kind=data["kind"],
        fmt="pdf",
        rows=len(data["rows"]),
        actor=actor,
    )


def register() -> None:
    for code, kind, title, prefix in (
        (PROPERTY_LIST, RegisterKind.PROPERTY, gettext_lazy("产权清单"), "CQ"),
        (LEASE_LIST, RegisterKind.LEASE, gettext_lazy("租赁清单"), "ZL"),
    ):
        documents.register(
            DocumentKind(
                code=code,
                title=title,
                template=f"pdf/{kind}_list.html",
                permission="estates.export",
                subject=_subject(kind),
                context=_context,
                filename=_filename,
                prefix=prefix,
                issued=_log_export,
            )
        )
