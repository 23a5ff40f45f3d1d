"""Portal accounts: an owner or tenant opens an account by proving who they are from the register.

There is no SMS gateway, so the proof is what only the household and the office know together:
the mobile number registered for the person (Phone) and the last six characters of their ID number.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import throttling
from guanjia.core.activity import log
from guanjia.core.crypto import decrypt
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.textnorm import clean
from guanjia.core.validators import normalise_phone
from guanjia.estates.models import Person

ID_TAIL_LENGTH = 6


def activation_key(phone: str) -> str:
    """The throttling key of activation attempts for one number (shares the sign-in lock-out table)."""
    return f"activate:{phone}"


def _phone(raw: str) -> str:
    try:
        number = normalise_phone(raw)
    except ValidationError:
        number = ""
    if len(number) != 11 or not number.startswith("1"):
        raise ServiceError("invalid", _("请输入 11 位手机号码。"), field="phone")
    return number


def _id_tail(raw: str) -> str:
    tail = clean(raw).replace(" ", "").upper()
    if len(tail) != ID_TAIL_LENGTH:
        raise ServiceError("invalid", _("请输入证件号码的后 6 位。"), field="id_tail")
    return tail


def _matches(number: str, tail: str) -> list[Person]:
    """Everyone registered with this mobile number whose ID number ends with `tail`.

    The ID is stored encrypted, so the few people found by the number are decrypted and compared."""
    candidates = Person.objects.filter(phones__number=number).exclude(id_encrypted="").distinct()
    return [p for p in candidates if decrypt(p.id_encrypted).upper().endswith(tail)]


def portal_account_activate(*, phone: str, id_tail: str, password: str, ip: str | None = None):
    """Create the portal account of the person registered with `phone` whose ID ends with `id_tail`.

    The account (user name = the mobile number) is linked to every Person row of that person, in
    every community where they are registered. Failed attempts are throttled per number (from any
    address) and per address. The same message answers an unknown number and a wrong ID tail,
    so the page cannot be used to learn who is registered (LW-1).
    """
    number = _phone(phone)
    tail = _id_tail(id_tail)
    key = activation_key(number)
    # A hard bar per number, from any address (unlike sign-in): six characters of an ID number are
    # few enough to guess from many addresses, and a number held up costs the owner only a visit.
    if refusal := throttling.check(key, ip, key_limit=settings.LOGIN_MAX_FAILURES):
        raise ServiceError(
            "locked",
            _("验证失败次数过多，请 %(wait)s后（%(time)s 以后）再试，或到管理处办理。") % refusal.params(),
        )
    user_model = get_user_model()
    try:
        validate_password(password, user=user_model(username=number))
    except ValidationError as error:
        raise ServiceError("invalid", " ".join(error.messages), field="password1")

    people = _matches(number, tail)
    if not people:
        throttling.record_failure(key, ip)
        raise ServiceError("no_match", _("手机号或证件号码后 6 位与管理处登记的信息不符。"))
    if len({p.id_hash for p in people}) != 1:
        # Two different people share this number and ID tail: the office must decide who is who.
        raise ServiceError("ambiguous", _("登记信息无法唯一确认您的身份，请到管理处开通。"))
    if any(p.user_id for p in people) or user_model.objects.filter(username=number).exists():
        raise Conflict("active", _("该手机号已开通业主账号，请直接登录。"), field="phone")

    with transaction.atomic():
        user = user_model.objects.create_user(username=number, password=password, first_name=people[0].name[:150])
        Person.objects.filter(pk__in=[p.pk for p in people]).update(user=user)
        for person in people:
            log(user, "portal.account.activated", person, summary=_("开通业主账号"))
    throttling.clear(key, ip)
    return user
