"""The demo's people who sign in: a user per staff role in every community (and the company's
admin and quality department), and one owner per community whose portal account is already open;
the tables `manage.py demo` prints of them (core.demo login tables)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Count
from django.utils.translation import gettext as _

from guanjia.core.crypto import decrypt
from guanjia.core.demo import PASSWORD, LoginTable, demo_company
from guanjia.core.models import Community, Company, Membership
from guanjia.core.roles import Role

from .choices import RoomKind
from .models import Ownership, Person, Phone

# Short usernames: <community code>_<short role>, e.g. cuiyuan_desk.
ROLE_SHORT = {
    Role.FRONT_DESK: "desk",
    Role.CS_SUPERVISOR: "cs",
    Role.OFFICE_MANAGER: "manager",
    Role.EQUIPMENT_SUPERVISOR: "equipment",
    Role.SITE_SUPERVISOR: "site",
    Role.CASHIER: "cashier",
    Role.ARCHIVIST: "archivist",
    Role.SECURITY: "security",
    Role.TECHNICIAN: "tech",
}
COMMUNITY_ROLES = tuple(ROLE_SHORT)


STAFF_NAMES = (
    "王丽",
    "李强",
    "张敏",
    "刘洋",
    "陈静",
    "杨帆",
    "黄磊",
    "赵娜",
    "吴婷",
    "周杰",
    "徐芳",
    "孙浩",
    "马超",
    "朱琳",
    "胡斌",
    "郭燕",
    "何涛",
    "高雪",
    "林峰",
    "罗丹",
    "郑伟",
    "梁欣",
    "谢鹏",
    "宋佳",
    "唐亮",
    "许颖",
    "韩冬",
    "冯倩",
    "邓辉",
    "曹梅",
)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    community: str


def demo_users(company_communities: list[Community], staff: dict | None = None) -> dict[str, object]:
    """admin, quality, and one user per community role in every community; one password for all.
    `staff` (core.demo.DemoBuild.staff) gains each user under (community id or None, role)."""
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: hashing 29 times would take seconds
    names = iter(STAFF_NAMES * 2)
    users = {}

    def user(username: str, role: Role, community: Community | None, **extra):
        full = next(names)
        # The whole Chinese name in first_name: get_full_name() joins "first last", the Western order.
        account = User.objects.create(username=username, password=password, first_name=full, **extra)
        Membership.objects.create(user=account, community=community, role=role)
        users[username] = account
        if staff is not None:
            staff[(getattr(community, "pk", None), str(role))] = account
        return account

    user("admin", Role.COMPANY_ADMIN, None, is_staff=True, is_superuser=True)
    user("quality", Role.QUALITY, None)
    for community in company_communities:
        for role in COMMUNITY_ROLES:
            user(f"{community.code}_{ROLE_SHORT[role]}", role, community)
    return users


def logins() -> list[Login]:
    """The demo accounts as they are in the database now (for the logins table)."""
    company = demo_company()
    if company is None:
        return []
    order = [Role.COMPANY_ADMIN, Role.QUALITY, *COMMUNITY_ROLES]
    rows = Membership.objects.filter(user__username__in=_demo_usernames(company)).select_related("user", "community")
    rows = sorted(rows, key=lambda m: (m.community_id or 0, order.index(m.role), m.user.username))
    return [
        Login(m.user.username, str(Role(m.role).label), m.community.name if m.community_id else _("全公司"))
        for m in rows
    ]


# Where `make run` serves the owner portal (printed with the demo owners' logins).
PORTAL_URL = "http://127.0.0.1:8000/m/"


@dataclass(frozen=True)
class OwnerLogin:
    username: str  # the registered mobile number: the portal names accounts after it
    name: str
    room: str
    community: str


# The demo owners' registered mobiles (their portal user names), the same on every build, so the
# README can list them. 139 0000 000x is outside what the generator draws.
DEMO_OWNER_PHONES = {"cuiyuan": "13900000001", "jinxiu": "13900000002", "jiangpan": "13900000003"}


def demo_owner_accounts(communities: list[Community]) -> int:
    """One owner per community whose portal account is already open, with the demo password.

    The owner whose home has the most tickets (so "我的工单" has something to show) is registered
    with the community's DEMO_OWNER_PHONES number and opened through the portal's own activation
    (registered mobile + the last 6 characters of the ID number), so the account is exactly what a
    real owner gets. A community that has its owner already is left alone (idempotent: an older
    demo database gains them on the next `manage.py demo`)."""
    from guanjia.portal.services import portal_account_activate

    opened = 0
    for community in communities:
        if Person.objects.filter(community=community, user__isnull=False).exists():
            continue
        number = DEMO_OWNER_PHONES.get(community.code)
        person = Person.objects.filter(community=community, phones__number=number).first() if number else None
        if person is None:
            person = _busiest_owner(community)
            if person is None:
                continue
            phone = person.phones.order_by("pk").first()
            if number and not Phone.objects.filter(number=number).exists():
                phone = phone or Phone(community=community, person=person)
                phone.number = number
                phone.save()
            elif phone is None:
                continue
            number = phone.number
        portal_account_activate(phone=number, id_tail=decrypt(person.id_encrypted)[-6:], password=PASSWORD)
        opened += 1
    return opened


def _busiest_owner(community: Community) -> Person | None:
    ownership = (
        Ownership.objects.filter(community=community, until__isnull=True, room__kind=RoomKind.RESIDENCE)
        .exclude(person__id_encrypted="")
        .annotate(tickets=Count("room__tickets", distinct=True))
        .select_related("person")
        .order_by("-tickets", "room_id", "pk")
        .first()
    )
    return ownership.person if ownership else None


def owner_logins() -> list[OwnerLogin]:
    """The demo owners with an open portal account, one per community (for the logins table)."""
    company = demo_company()
    if company is None:
        return []
    rows = []
    for community in company.communities.order_by("pk"):
        ownership = (
            Ownership.objects.filter(community=community, until__isnull=True, person__user__isnull=False)
            .select_related("person__user", "room")
            .order_by("person__user_id", "pk")
            .first()
        )
        if ownership is not None:
            person = ownership.person
            rows.append(OwnerLogin(person.user.username, person.name, ownership.room.code, community.name))
    return rows


def _demo_usernames(company: Company) -> list[str]:
    codes = list(company.communities.values_list("code", flat=True))
    return ["admin", "quality", *(f"{c}_{s}" for c in codes for s in ROLE_SHORT.values())]


def staff_table(company: Company) -> LoginTable:
    rows = [(r.username, r.role, r.community, PASSWORD) for r in logins()]
    return LoginTable(header=(_("用户名"), _("角色"), _("小区"), _("密码")), rows=rows)


def owner_table(company: Company) -> LoginTable:
    rows = [(o.username, o.name, o.room, o.community, PASSWORD) for o in owner_logins()]
    return LoginTable(
        header=(_("手机号码"), _("业主"), _("房屋"), _("小区"), _("密码")),
        rows=rows,
        title=_("业主端 %(url)s（手机号即用户名，账号已开通）：") % {"url": PORTAL_URL},
        missing=_("尚无已开通的演示业主账号：运行 manage.py demo 即可补上。"),
    )
