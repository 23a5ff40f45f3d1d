"""Bank statement lines 银行流水 matched to bills (FE-1).

A credit on the office's bank account becomes a payment when its memo 摘要/附言/用途 names what the
household can quote from its bill or statement — the bill number (ZD-2026-000123; banks often drop
the hyphens) or the room's code (3-2-1201, or 3栋2单元1201) — and its amount is exactly what is open:
the named bills' open lines, or everything the room owes (then oldest first, as at the window).
The payment goes through the window's own `payment_take` (method transfer, the bank's transaction
number as its reference and `source_key`), so the receipt takes the community's next number and the
ledger stays the one place money lands. Anything else waits, saying why, in the cashier's list:
she matches it to a room by hand (oldest first; what is paid beyond goes to a prepayment purse) or
ignores it with a reason.

- `statement_lines_record`: the credits of an import (or of the demo) written once each, then
  matched automatically; the transaction numbers already known are skipped (re-imports).
- `statement_line_auto_match`, `statement_line_match`, `statement_line_ignore`;
- `statement_line_reopen_ignored`: an ignored line set aside by mistake waits again;
- `statement_lines_reopen`: when the receipt a line became is voided, the line waits again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.textnorm import clean, clean_text, normalise_room_code
from guanjia.estates.models import Room

from ..choices import Method, PaymentStatus, Purse, StatementLineStatus
from ..models import BankStatementLine, Bill, Payment
from . import payments

ZERO = Decimal("0.00")
SOURCE_PREFIX = "bank:"
# A bill number as the numbering service writes it (ZD-2026-000123), hyphens optional in a memo.
_BILL_NUMBER = re.compile(r"(?<![A-Z0-9])([A-Z]{1,4})[-_]?(\d{4})[-_]?(\d{6})(?!\d)")
# Tokens that may be a room's code: 3-2-1201, A-1-0101, or 3栋2单元1201(室).
_DASHED = re.compile(r"(?<![0-9A-Z-])[0-9A-Z]+(?:-[0-9A-Z]+){1,2}(?![0-9A-Z-])")
_CHINESE = re.compile(r"[0-9A-Z]+(?:栋|幢|座|号楼)(?:[0-9A-Z]+单元)?[0-9A-Z]+(?:室|号|房)?")


def source_key(line: BankStatementLine) -> str:
    """The key of the payment the line becomes: its transaction's, and after each voided receipt of it
    another (a line matched again once a wrong match was voided is a new payment, not the old one)."""
    base = f"{SOURCE_PREFIX}{line.transaction_id}"[:90]
    voided = Payment.objects.filter(
        Q(source_key=base) | Q(source_key__startswith=f"{base}#"),
        community_id=line.community_id,
        status=PaymentStatus.VOIDED,
    ).count()
    return f"{base}#{voided}" if voided else base


def _memo_text(memo: str) -> str:
    return clean_text(memo).upper().replace("—", "-").replace("－", "-")


def bill_numbers_in(memo: str) -> list[str]:
    """Bill numbers quoted in a memo, in the numbering service's form."""
    return list(dict.fromkeys(f"{p}-{y}-{n}" for p, y, n in _BILL_NUMBER.findall(_memo_text(memo))))


def room_codes_in(memo: str) -> list[str]:
    """Tokens of a memo that may be room codes, canonical (3-2-1201)."""
    text = _memo_text(memo)
    found = [normalise_room_code(t) for t in (*_DASHED.findall(text), *_CHINESE.findall(text))]
    return list(dict.fromkeys(code for code in found if code))


@dataclass
class Match:
    """What a line's memo and amount point to: a room and the lines to settle (None: oldest first),
    or why it waits."""

    room: Room | None = None
    lines: list | None = None
    reason: str = ""


def find_match(line: BankStatementLine) -> Match:
    """The room and lines a credit settles, read from its memo and amount (FE-1); nothing is written."""
    community_id = line.community_id
    numbers = bill_numbers_in(line.memo)
    bills = list(Bill.objects.filter(community_id=community_id, number__in=numbers)) if numbers else []
    codes = room_codes_in(line.memo)
    rooms = list(Room.objects.filter(community_id=community_id, code__in=codes)) if codes else []
    room_ids = {bill.room_id for bill in bills} | {room.pk for room in rooms}
    if not room_ids:
        return Match(reason=_("附言中没有本小区的账单号或房屋编号。"))
    if len(room_ids) > 1:
        return Match(reason=_("附言中有多个房屋的账单号或房屋编号，请人工核对。"))
    room = next((r for r in rooms), None) or Room.objects.get(pk=room_ids.pop())
    open_lines = list(payments.oldest_first(room))
    owed = sum((bl.open_amount for bl in open_lines), ZERO)
    if not open_lines:
        return Match(room=room, reason=_("房屋 %(room)s 没有未缴账单。") % {"room": room.code})
    if bills:
        bill_ids = {bill.pk for bill in bills}
        named = [bl for bl in open_lines if bl.bill_id in bill_ids]
        named_owed = sum((bl.open_amount for bl in named), ZERO)
        if named and line.amount == named_owed:
            return Match(room=room, lines=[(bl, bl.open_amount) for bl in named])
    if line.amount == owed:
        return Match(room=room, lines=None)
    if bills:
        reason = _("金额 %(a)s 元与账单 %(bills)s 未缴 %(b)s 元、房屋 %(room)s 未缴合计 %(o)s 元均不符。") % {
            "a": line.amount,
            "bills": "、".join(bill.number for bill in bills),
            "b": named_owed,
            "room": room.code,
            "o": owed,
        }
    else:
        reason = _("金额 %(a)s 元与房屋 %(room)s 未缴合计 %(o)s 元不符。") % {
            "a": line.amount,
            "room": room.code,
            "o": owed,
        }
    return Match(room=room, reason=reason)


def _take(line: BankStatementLine, *, room, actor, lines=None, purse: str | None = None):
    """The payment a line becomes: the window's payment_take, as a transfer of this transaction."""
    note = _("银行流水 %(d)s 到账") % {"d": f"{line.booked_on:%Y-%m-%d}"}
    return payments.payment_take(
        room=room,
        amount=line.amount,
        method=Method.TRANSFER,
        actor=actor,
        reference=line.transaction_id,
        payer_name=line.counterparty_name or None,
        lines=lines,
        to_prepayment_purse=purse,
        note=note,
        source_key=source_key(line),
    )


def _matched(line: BankStatementLine, payment, *, actor, auto: bool) -> BankStatementLine:
    line.status, line.payment, line.room_id, line.auto = StatementLineStatus.MATCHED, payment, payment.room_id, auto
    line.reason = ""  # why it waited: answered by the receipt
    line.handled_by, line.handled_at = actor, clock.now()
    line.save(update_fields=["status", "payment", "room", "auto", "reason", "handled_by", "handled_at"])
    log(
        actor,
        "billing.statement_line.matched",
        line,
        household=payment.room_id,
        summary=_("银行流水 %(t)s（%(a)s 元）%(how)s入账，收据 %(n)s")
        % {"t": line.transaction_id, "a": line.amount, "how": _("自动") if auto else _("人工"), "n": payment.number},
        payment=payment.number,
        auto=auto,
    )
    return line


def statement_line_auto_match(*, line: BankStatementLine, actor) -> BankStatementLine:
    """Match a waiting line by its memo and amount; if they do not point to one room's open amount
    (or the payment is refused), it waits with the reason."""
    require(actor, "billing.collect", line.community)
    match = find_match(line)
    if match.room is not None and not match.reason:
        try:
            with transaction.atomic():
                payment = _take(line, room=match.room, actor=actor, lines=match.lines)
                return _matched(line, payment, actor=actor, auto=True)
        except ServiceError as refusal:
            if refusal.status == 403:
                raise
            match.reason = str(refusal.message)
    line.room = match.room
    line.reason = match.reason[:200]
    line.save(update_fields=["room", "reason"])
    return line


def statement_lines_record(*, community, rows: list[dict], actor, batch=None) -> dict:
    """Write the credits of a statement (dicts of the model's fields; amounts Decimal, dates date) and
    match each: {"lines", "matched", "waiting", "duplicates"}. A transaction number already known in
    the community is skipped, so a statement imported twice changes nothing the second time."""
    require(actor, "billing.collect", community)
    ids = [row["transaction_id"] for row in rows]
    with transaction.atomic():
        known = set(
            BankStatementLine.objects.filter(community=community, transaction_id__in=ids).values_list(
                "transaction_id", flat=True
            )
        )
        now = clock.now()
        new = [
            BankStatementLine(community=community, batch=batch, imported_at=now, **row)
            for row in rows
            if row["transaction_id"] not in known
        ]
        for line in new:
            line.full_clean(exclude=["batch", "community"], validate_unique=False, validate_constraints=False)
        created = BankStatementLine.objects.bulk_create(new, batch_size=500)
        matched = 0
        for line in created:
            line.community = community
            matched += statement_line_auto_match(line=line, actor=actor).status == StatementLineStatus.MATCHED
    return {"lines": len(created), "matched": matched, "waiting": len(created) - matched, "duplicates": len(known)}


def _waiting(line: BankStatementLine) -> BankStatementLine:
    """The line locked, refused unless it still waits (another cashier may have handled it)."""
    line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
    if line.status != StatementLineStatus.WAITING:
        raise Conflict(
            "not_waiting",
            _("银行流水 %(t)s 当前状态为“%(s)s”，不能再处理。")
            % {"t": line.transaction_id, "s": line.get_status_display()},
        )
    return line


def statement_line_match(*, line: BankStatementLine, room_code: str, actor, purse: str | None = None):
    """The cashier matches a waiting line to a room by hand (FE-1): its open lines oldest first; what
    is paid beyond goes to `purse` (refused without one, as at the window)."""
    community = line.community
    require(actor, "billing.collect", community)
    code = normalise_room_code(room_code) or clean(room_code)
    room = Room.objects.filter(community=community, code=code).first() if code else None
    if room is None:
        raise ServiceError(
            "invalid", _("房屋编号：本小区没有房屋 %(r)s。") % {"r": clean(room_code) or "—"}, field="room_code"
        )
    if purse and purse not in Purse.values:
        raise ServiceError("invalid", _("请选择转入的预收款账户。"), field="purse")
    with transaction.atomic():
        line = _waiting(line)
        line.community = community
        try:
            payment = _take(line, room=room, actor=actor, purse=purse or None)
        except ServiceError as refusal:
            if refusal.field == "to_prepayment_purse":  # the overpayment: this form's purse
                refusal.field = "purse"
            raise
        return _matched(line, payment, actor=actor, auto=False)


def statement_line_ignore(*, line: BankStatementLine, reason: str, actor) -> BankStatementLine:
    """Set a waiting line aside with a reason (not a fee: a supplier's refund, the office's own
    transfer); no money is booked, the line stays in the list of ignored ones."""
    require(actor, "billing.collect", line.community)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("invalid", _("忽略原因：请填写。"), field="reason")
    with transaction.atomic():
        line = _waiting(line)
        line.status, line.reason = StatementLineStatus.IGNORED, reason[:200]
        line.handled_by, line.handled_at = actor, clock.now()
        line.save(update_fields=["status", "reason", "handled_by", "handled_at"])
        log(
            actor,
            "billing.statement_line.ignored",
            line,
            summary=_("忽略银行流水 %(t)s（%(a)s 元）：%(r)s")
            % {"t": line.transaction_id, "a": line.amount, "r": line.reason[:100]},
        )
    return line


def statement_line_reopen_ignored(*, line: BankStatementLine, actor) -> BankStatementLine:
    """An ignored line goes back to the cashier's waiting list (set aside by mistake: it was a fee
    after all); only an ignored line, under the permission that ignores one. The reason it was
    ignored stays in the log and in the line's note, so the list says why it waits again (FE-1)."""
    require(actor, "billing.collect", line.community)
    with transaction.atomic():
        line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if line.status != StatementLineStatus.IGNORED:
            raise Conflict(
                "not_ignored",
                _("状态：银行流水 %(t)s 当前为“%(s)s”，只有已忽略的流水才能恢复待处理。")
                % {"t": line.transaction_id, "s": line.get_status_display()},
            )
        ignored_for = line.reason
        line.status, line.auto = StatementLineStatus.WAITING, False
        line.reason = (_("已恢复待处理（原忽略原因：%(r)s）") % {"r": ignored_for})[:200]
        line.handled_by, line.handled_at = actor, clock.now()
        line.save(update_fields=["status", "auto", "reason", "handled_by", "handled_at"])
        log(
            actor,
            "billing.statement_line.reopened",
            line,
            household=line.room_id,
            summary=_("银行流水 %(t)s（%(a)s 元）恢复待处理，原忽略原因：%(r)s")
            % {"t": line.transaction_id, "a": line.amount, "r": ignored_for[:100]},
            ignored_reason=ignored_for,
        )
    return line


def statement_lines_reopen(payment: Payment, actor) -> None:
    """The receipt a line became was voided (FE-1, with the office manager's approval): the line waits
    again for the cashier, saying why. Called inside the void's transaction."""
    for line in BankStatementLine.objects.select_for_update().filter(payment=payment):
        line.status, line.payment, line.auto = StatementLineStatus.WAITING, None, False
        line.reason = (_("收据 %(n)s 已作废，请重新核对入账") % {"n": payment.number})[:200]
        line.handled_by, line.handled_at = actor, clock.now()
        line.save(update_fields=["status", "payment", "auto", "reason", "handled_by", "handled_at"])
        log(
            actor,
            "billing.statement_line.reopened",
            line,
            household=payment.room_id,
            summary=_("收据 %(n)s 作废，银行流水 %(t)s 重新待处理") % {"n": payment.number, "t": line.transaction_id},
        )
