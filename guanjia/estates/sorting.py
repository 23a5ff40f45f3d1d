"""Natural order of buildings, entrances and rooms: 1幢, 2幢, 10幢; 1-2-602 before 10-1-101.

Codes are text, so the database would put "10-1-101" before "2-1-101". Each of Building, Unit and
Room therefore stores `sort_key`, its code with every run of digits written as (number of digits,
the digits without leading zeros, how many leading zeros), so that plain string order is natural
order on SQLite and PostgreSQL alike and an index on (community, sort_key) serves every list,
register, export and picker, paginated, without sorting in Python:

    "1-2-602"  → "0110-0120-036020"
    "10-1-101" → "02100-0110-031010"

The key is filled by `save()` and by the model's `bulk_create()`/`bulk_update()`/`update()`, so
bulk paths (the Excel import, the demo, the benchmarks) cannot forget it; migration 0004 fills the
rows that existed before.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.scoping import TenantQuerySet

SORT_KEY_LENGTH = 255
_DIGITS = re.compile(r"\d+")


def _digits(match: re.Match) -> str:
    run = match.group()
    significant = run.lstrip("0")
    zeros = min(len(run) - len(significant), 9)
    return f"{len(significant):02d}{significant}{zeros}"


def natural_key(code) -> str:
    """The stored sort key of a building, unit or room code (see the module docstring)."""
    return _DIGITS.sub(_digits, str(code or "").upper())[:SORT_KEY_LENGTH]


class SortKeyField(models.CharField):
    """A sort key compared byte by byte on every database.

    PostgreSQL clusters created with a language locale compare text by that locale, which
    ignores punctuation such as "-"; "C" is SQLite's order (codepoints), so both agree.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", SORT_KEY_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params


class SortKeyQuerySet(TenantQuerySet):
    """Fills `sort_key` wherever rows are written without `save()`."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.sort_key = natural_key(obj.code)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        fields = list(fields)
        if "code" in fields:
            objs = list(objs)
            for obj in objs:
                obj.sort_key = natural_key(obj.code)
            if "sort_key" not in fields:
                fields.append("sort_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "code" in kwargs and "sort_key" not in kwargs:
            if not isinstance(kwargs["code"], str):
                # An expression cannot be turned into a key in SQL on both databases.
                raise ValueError("update(code=<expression>) must also set sort_key")
            kwargs["sort_key"] = natural_key(kwargs["code"])
        return super().update(**kwargs)


class NaturallySorted(models.Model):
    """Abstract base of Building, Unit and Room: `sort_key` kept in step with `code`."""

    sort_key = SortKeyField(_("排序键"))

    objects = SortKeyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_key = natural_key(self.code)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "code" in update_fields and "sort_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "sort_key"]
        super().save(*args, **kwargs)
