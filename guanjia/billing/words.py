"""Amounts in Chinese capitals 大写金额, as a receipt 收据 prints them (FE-1; the People's Bank rules for writing amounts on vouchers:
"零" once for a run of zeros, "整" after 元 when there are no 角 and 分, none after 分)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
GROUPS = ("", "万", "亿")  # money is at most 12 digits of yuan (MONEY: 14 digits, 2 places)
CENT = Decimal("0.01")


def _four(n: int) -> str:
    """0 < n < 10000 in capitals, a single 零 for each run of inner zeros (1005: 壹仟零伍)."""
    out, zero = "", False
    for digit, place in zip(f"{n:04d}", PLACES, strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[int(digit)] + place
    return out


def _yuan(n: int) -> str:
    if n == 0:
        return ""
    groups = []
    while n:
        n, rest = divmod(n, 10000)
        groups.append(rest)
    if len(groups) > len(GROUPS):
        raise ValueError("amount too large for a receipt")
    out, pending_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _four(group) + GROUPS[index]
        pending_zero = False
    return out


def amount_in_words(amount: Decimal) -> str:
    """Decimal("123.45") → "壹佰贰拾叁元肆角伍分"; Decimal("100") → "壹佰元整"; 0 → "零元整"."""
    if not isinstance(amount, Decimal):
        raise TypeError("amount_in_words() takes a Decimal")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    words = _yuan(yuan)
    if words:
        words += "元"
    if not jiao and not fen:
        return sign + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif words:
        words += "零"  # 壹元零伍分
    if fen:
        words += DIGITS[fen] + "分"
    return sign + words
