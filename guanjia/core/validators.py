"""Validators for what people type: mobile numbers, ID numbers (GB 11643), text lengths, date ranges."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

from . import clock
from .masking import mask_id
from .textnorm import clean

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise_phone(value) -> str:
    """Return a mobile (11 digits) or landline number, or raise ValidationError."""
    text = clean(value)
    if text.startswith("+86"):
        text = text[3:]
    if _MOBILE.match(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.match(text):
        return text
    raise ValidationError(
        _("电话号码“%(value)s”格式不正确，手机号应为11位数字。"), params={"value": value}, code="phone"
    )


def split_phones(value) -> list[str]:
    """ "13800001111/13900002222" or "138…; 139…" → both numbers, each validated."""
    text = clean(value)
    if not text:
        return []
    return [normalise_phone(p) for p in re.split(r"[/,，;；、]", text) if p]


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # "M" | "F"


_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
OLDEST_BIRTH_YEAR = 1880


def _birth_problem(digits: str, today: dt.date) -> str:
    """What is wrong with the YYYYMMDD birth date of an ID number ("" when it is a real, past date).

    The digits themselves are not repeated: they are personal data (LW-1)."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if not 1 <= month <= 12:
        return str(_("月份不在1至12之间"))
    try:
        birth = dt.date(year, month, day)
    except ValueError:
        return str(_("该月没有这一天"))
    if birth.year < OLDEST_BIRTH_YEAR:
        return str(_("年份早于%(year)s年") % {"year": OLDEST_BIRTH_YEAR})
    if birth > today:
        return str(_("晚于今天"))
    return ""


def parse_cn_id(value, *, today: dt.date | None = None) -> IdInfo:
    """Validate a resident ID number (GB 11643): 18 characters, a real birth date, the check character.

    What makes a number valid is its check character and a real birth date. The address code is
    not checked against the year a district was created (as `stdnum.cn.ric` does): people born
    before their district existed hold genuine numbers with its code (born 1975, registered in
    昌平区 110114, created 1999). Every message names the part that is wrong and shows the number
    masked (LW-1). Lower-case x and full-width characters are accepted.
    """
    if type(value) is str and value.isascii() and value.isalnum():
        number = value.upper()  # as nearly every number comes (an import reads 100,000): clean() changes nothing
    else:
        number = clean(value).upper()
    if len(number) != 18:
        if len(number) == 15 and number.isdigit():
            raise ValidationError(
                _("身份证号“%(value)s”无效：这是15位的一代身份证号，已停止使用，请填写18位号码。"),
                params={"value": mask_id(number)},
                code="id_length",
            )
        raise ValidationError(
            _("身份证号“%(value)s”无效：长度不对，应为18位，现为%(n)s位。"),
            params={"value": mask_id(number), "n": len(number)},
            code="id_length",
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(
            _("身份证号“%(value)s”无效：含有不允许的字符，前17位须为数字，末位为数字或X。"),
            params={"value": mask_id(number)},
            code="id_characters",
        )
    # The birth date read once; _birth_problem says what is wrong with it only when something is.
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < OLDEST_BIRTH_YEAR or birth > (today or clock.today()):
        raise ValidationError(
            _("身份证号“%(value)s”无效：出生日期（第7至14位）不是真实的日期，%(problem)s。"),
            params={"value": mask_id(number), "problem": _birth_problem(number[6:14], today or clock.today())},
            code="id_birth_date",
        )
    # GB 11643's ISO 7064 MOD 11-2 check character, as python-stdnum computes it (the only part of
    # stdnum.cn.ric used: its validate() also rejects on the district's creation year, see above).
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(
            _("身份证号“%(value)s”无效：末位校验码不正确，号码中有录入错误，请对照证件核对。"),
            params={"value": mask_id(number)},
            code="id_check_digit",
        )
    return IdInfo(number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")


# --- What an API, a form and an import accept alike (issue 10) -----------------------------------
# Each limit is defined here once and enforced by a model-field validator, so full_clean() in the
# services refuses what a form, a serializer or an import row lets through; forms and serializers
# repeat the limit (max_length) only so that the page and the API schema say it.

TEXT_MAX = 4000  # 字: a description, a reply, a note on one record
LONG_TEXT_MAX = 10000  # 字: a summary or analysis written over a month or a survey


@deconstructible
class TextLength(MaxLengthValidator):
    """A free text's maximum length, with a message that gives the limit and the length typed."""

    message = _("内容过长：最多%(limit_value)s个字，现为%(show_value)s个字。")
    code = "max_length"


text_length = TextLength(TEXT_MAX)
long_text_length = TextLength(LONG_TEXT_MAX)


@dataclass(frozen=True)
class DateSpan:
    """The dates a kind of field may hold: a visit in the year 1185 is a typing error, not history."""

    earliest: dt.date
    latest: dt.date


DATE_SPANS = {
    # When something happened or falls due in an office's work: tickets, calls, visits, notices.
    "event": DateSpan(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    # When a tenure began or ends: ownerships, leases, residence, moving in (older houses included).
    "tenure": DateSpan(dt.date(1949, 10, 1), dt.date(2100, 12, 31)),
    # What a list may be filtered by: wide, but inside what every database and time zone can convert.
    "filter": DateSpan(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
}


@deconstructible
class DateInSpan:
    """A date or date-time inside DATE_SPANS[span] (named, so the span can change without a migration)."""

    def __init__(self, span: str):
        if span not in DATE_SPANS:
            raise ValueError(f"unknown date span {span!r}")
        self.span = span

    def __call__(self, value):
        if value is None:
            return
        span = DATE_SPANS[self.span]
        day = value.date() if isinstance(value, dt.datetime) else value
        if not span.earliest <= day <= span.latest:
            raise ValidationError(
                _("日期%(value)s不在允许的范围内（%(earliest)s至%(latest)s）。"),
                params={"value": day.isoformat(), "earliest": span.earliest, "latest": span.latest},
                code="date_out_of_range",
            )

    def __eq__(self, other):
        return isinstance(other, DateInSpan) and other.span == self.span


event_date = DateInSpan("event")
tenure_date = DateInSpan("tenure")
