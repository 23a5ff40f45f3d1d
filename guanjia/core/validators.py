"""Validators for what people type: mobile numbers, ID numbers (GB 11643)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

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


def parse_cn_id(value) -> IdInfo:
    """Validate a resident ID number (GB 11643, 18 digits, checksum; lower-case x accepted)."""
    number = clean(value).upper()
    try:
        number = ric.validate(number)
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(
            _("身份证号“%(value)s”无效（应为18位，末位校验码需正确）。"), params={"value": value}, code="id_number"
        ) from None
    if len(number) != 18:
        raise ValidationError(_("身份证号“%(value)s”应为18位。"), params={"value": value}, code="id_number")
    return IdInfo(number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")
