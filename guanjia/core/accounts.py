"""A user's own password: changed while signed in or reset from an e-mailed link.

Either way the old credentials stop working everywhere: every other session is ended (Django
checks each session against a hash of the password; the view keeps the current one with
update_session_auth_hash) and the API token is revoked, since a leaked password is the usual
reason to change it.
"""

from django.contrib.auth.password_validation import password_changed
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from rest_framework.authtoken.models import Token

from .activity import describe, log
from .errors import Forbidden

VIA_CHANGE = "change"
VIA_RESET = "reset"


def register() -> None:
    describe("core.user.password_changed", pgettext_lazy("activity", "修改登录密码"))
    describe("core.user.password_reset", pgettext_lazy("activity", "通过邮件重设登录密码"))


def user_password_set(*, user, password: str, actor, via: str = VIA_CHANGE):
    """Give `user` a new (already validated) password; `actor` is the user himself in both paths."""
    if actor is None or actor.pk != user.pk:
        # Nobody sets another person's password here: an administrator does it in /admin/.
        raise Forbidden("not_own_password", _("只能修改自己的登录密码。"))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoked = Token.objects.filter(user=user).delete()[0]
        verb = "core.user.password_reset" if via == VIA_RESET else "core.user.password_changed"
        log(actor, verb, user, tokens_revoked=revoked)
    password_changed(password, user)
    return user
