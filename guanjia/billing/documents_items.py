"""The printed 明码标价 poster of a community (FE-1), through core's one PDF view (DESIGN §14).

The key names the community and the day the board is printed as of ("12-2026-11-20"), so a link
prints the same poster for whoever follows it; each copy is numbered GS-YYYY-NNNNNN (公示)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import documents
from guanjia.core.documents import DocumentKind

from .selectors_items import price_board

PRICE_BOARD = "FE-1.price_board"


@dataclass(frozen=True)
class Board:
    community: object
    day: dt.date


def _subject(request, key) -> Board:
    community, rest = documents.community_from_key(request, key)
    try:
        day = dt.date.fromisoformat(rest)
    except ValueError:
        raise Http404 from None
    return Board(community, day)


def board_key(community, day: dt.date) -> str:
    """The document key of `community`'s poster as of `day`: document_url(PRICE_BOARD, board_key(…))."""
    return f"{community.pk}{documents.KEY_SEPARATOR}{day.isoformat()}"


def register() -> None:
    documents.register(
        DocumentKind(
            code=PRICE_BOARD,
            title=gettext_lazy("物业服务收费明码标价公示"),
            template="billing/items_board_pdf.html",
            permission="billing.view",
            subject=_subject,
            context=lambda request, board: {"board": price_board(board.community, board.day)},
            filename=lambda board: f"{board.community.name}-{_('收费标准公示')}-{board.day.isoformat()}.pdf",
            prefix="GS",
        )
    )
