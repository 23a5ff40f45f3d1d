import datetime as dt

import factory
from django.contrib.auth import get_user_model

from guanjia.core.models import Community, Company, Membership


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = "示范物业服务有限公司"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"翠苑{n}期")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-123456")


def staff(role: str, community=None, username: str | None = None):
    """A user holding `role` in `community` (company roles: community=None)."""
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.create(user=user, community=community, role=role)
    return user


# --- Helpers every app's tests share (issue 9: one definition, not one per module) -----------

SH = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has kept +08:00 since 1991


def at(*args) -> dt.datetime:
    """A moment in Asia/Shanghai: at(2026, 11, 20, 18, 0)."""
    return dt.datetime(*args, tzinfo=SH)


def login(client, user, community=None):
    """Sign `user` in (and open `community` in the community switcher); returns the client."""
    client.force_login(user)
    if community is not None:
        session = client.session
        session["community_id"] = community.pk
        session.save()
    return client
