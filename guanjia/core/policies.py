"""Per-community rule numbers (DESIGN.md §3): the mechanism and the registry.

Each app declares the numbers of its rules in its own `policies.py` (key, label, kind, default,
unit and bounds; the key names the rule: "RC-4.leak_days" is RC-4) and registers them from its
`AppConfig.ready()`:

    policies.register(
        Policy("RN-3.review_days", _("装修审批时限"), "int", 2, policies.DAYS, 1),
    )

`policy(community, key)` returns the community's value or the registered default; an office
manager changes it with `policy_set`, which validates and logs. Nothing is copied into the database
until a manager changes a value, so a default registered later applies to every community at once.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .access import require
from .activity import log
from .errors import ServiceError
from .models import Community, PolicySetting

KINDS = ("int", "decimal", "time", "months", "tiers", "bool")
KEY = re.compile(r"(?P<area>[A-Z]{2})-(?P<number>\d+)\.[a-z_]+")


@dataclass(frozen=True)
class Policy:
    key: str
    label: Any
    kind: str  # one of KINDS
    default: Any
    unit: Any = ""
    minimum: float | None = 0
    maximum: float | None = None

    @property
    def rule(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def sort_key(self) -> tuple:
        """Rulebook order: RC-2 before RC-10, areas alphabetically."""
        match = KEY.fullmatch(self.key)
        return (match["area"], int(match["number"])) if match else (self.key, 0)


# Units shown beside a value, shared by every app's declarations.
HOURS, DAYS, WORKDAYS, PCT, DAY_OF_MONTH, TIMES = _("小时"), _("天"), _("工作日"), "%", _("日"), _("次")
MINUTES, MONTHS, POINTS = _("分钟"), _("月"), _("分")

# The registry: key → declaration, filled by each app's `AppConfig.ready()` (never edit it here).
DEFAULTS: dict[str, Policy] = {}
# Keys declared by core for areas no app implements yet (policies_unclaimed): the app that takes the
# area over registers the same key and its declaration replaces core's, without editing core.
_UNCLAIMED: set[str] = set()


def register(*specs: Policy, unclaimed: bool = False) -> None:
    """Declare rule numbers. A key is one app's: declaring it again differently is a programming error
    (two apps would disagree about one rule), except over a declaration core holds unclaimed."""
    for spec in specs:
        if not KEY.fullmatch(spec.key):
            raise ValueError(f"policy key {spec.key!r} must read like 'RC-4.leak_days' (rule ID, dot, name)")
        if spec.kind not in KINDS:
            raise ValueError(f"policy {spec.key}: unknown kind {spec.kind!r}")
        known = DEFAULTS.get(spec.key)
        if unclaimed:
            if known is None:
                DEFAULTS[spec.key] = spec
                _UNCLAIMED.add(spec.key)
            continue  # else an app has claimed the key already: its declaration stands
        if known is not None and known != spec and spec.key not in _UNCLAIMED:
            raise ValueError(f"policy {spec.key} is declared twice, differently")
        DEFAULTS[spec.key] = spec
        _UNCLAIMED.discard(spec.key)


def unregister(*keys: str) -> None:
    """Drop declarations (tests registering toy rule numbers, in a fixture)."""
    for key in keys:
        DEFAULTS.pop(key, None)
        _UNCLAIMED.discard(key)


def spec_of(key: str) -> Policy:
    try:
        return DEFAULTS[key]
    except KeyError:
        raise KeyError(f"unknown policy {key!r}; declare it in the app's policies.py (AppConfig.ready())") from None


def registered() -> list[Policy]:
    """Every declared rule number in rulebook order (the console page, the API)."""
    return sorted(DEFAULTS.values(), key=lambda spec: spec.sort_key)


YES = ("是", "1", "true", "yes", "y", "on", "计入", "开")
NO = ("否", "0", "false", "no", "n", "off", "不计入", "关")


def _decode(spec: Policy, value: Any) -> Any:
    if spec.kind == "decimal":
        return Decimal(str(value))
    if spec.kind == "bool":
        return bool(value)
    return value


def policy(community: Community | int, key: str) -> Any:
    """The community's value of rule number `key` (e.g. "RC-4.leak_days")."""
    spec = spec_of(key)
    cid = getattr(community, "pk", community)
    stored = PolicySetting.objects.filter(community_id=cid, key=key).values_list("value", flat=True).first()
    return _decode(spec, spec.default if stored is None else stored)


def policy_of_many(community_ids, key: str) -> dict[int, Any]:
    """One rule number for many communities in one query (comparison pages): {community id: value}."""
    spec = spec_of(key)
    stored = dict(
        PolicySetting.objects.filter(community_id__in=community_ids, key=key).values_list("community_id", "value")
    )
    return {cid: _decode(spec, stored.get(cid, spec.default)) for cid in community_ids}


def policies_for(community: Community) -> list[tuple[Policy, Any, bool]]:
    """Every policy with the community's value and whether it differs from the default."""
    stored = dict(PolicySetting.objects.filter(community=community).values_list("key", "value"))
    return [(spec, _decode(spec, stored.get(spec.key, spec.default)), spec.key in stored) for spec in registered()]


def parse_value(spec: Policy, raw: Any) -> Any:
    """Turn user input into the stored JSON value, or raise ServiceError naming the field."""
    text = str(raw).strip()
    err = ServiceError(
        "invalid_policy", _("“%(label)s”的取值无效：%(value)s") % {"label": spec.label, "value": text}, field=spec.key
    )
    try:
        if spec.kind == "int":
            value = int(text)
            number = value
        elif spec.kind == "decimal":
            number = Decimal(text)
            if not number.is_finite():
                raise err
            value = str(number.normalize()) if number == number.to_integral() else str(number)
        elif spec.kind == "time":
            dt.datetime.strptime(text, "%H:%M")
            return text
        elif spec.kind == "months":
            months = sorted({int(m) for m in text.replace("，", ",").split(",") if m.strip()})
            if not months or any(m < 1 or m > 12 for m in months):
                raise err
            return months
        elif spec.kind == "tiers":
            return _parse_tiers(text, err)
        elif spec.kind == "bool":
            if text.lower() in YES:
                return True
            if text.lower() in NO:
                return False
            raise err
        else:  # pragma: no cover - register() admits only KINDS
            raise err
    except (ValueError, InvalidOperation):
        raise err from None
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        raise ServiceError(
            "policy_out_of_range",
            _("“%(label)s”应在 %(min)s 到 %(max)s 之间。")
            % {"label": spec.label, "min": spec.minimum, "max": spec.maximum if spec.maximum is not None else "∞"},
            field=spec.key,
        )
    return value


def _parse_tiers(text: str, err: ServiceError) -> list:
    """ "300:4, 500:5, 800:6, *:7" → [[300, 4], [500, 5], [800, 6], [None, 7]] (VS-1)."""
    tiers = []
    for part in text.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        upto, _sep, pct = part.partition(":")
        upto = upto.strip()
        tiers.append([None if upto in {"*", ""} else int(upto), float(pct) if "." in pct else int(pct)])
    bounds = [t[0] for t in tiers[:-1]]
    if not tiers or tiers[-1][0] is not None or None in bounds or bounds != sorted(bounds):
        raise err
    return tiers


def format_value(spec: Policy, value: Any) -> str:
    if spec.kind == "months":
        return ",".join(str(m) for m in value)
    if spec.kind == "tiers":
        return ", ".join(f"{'*' if upto is None else upto}:{pct}" for upto, pct in value)
    if spec.kind == "bool":
        return str(_("是")) if value else str(_("否"))
    return str(value)


def policy_set(*, community: Community, key: str, raw_value: Any, actor) -> Any:
    """Change one rule number for a community (office manager); the change is logged."""
    require(actor, "core.edit_policy", community)
    spec = DEFAULTS.get(key)
    if spec is None:
        raise ServiceError("unknown_policy", _("未知的规则项：%(key)s") % {"key": key}, field="key")
    value = parse_value(spec, raw_value)
    old = policy(community, key)
    with transaction.atomic():
        setting, _created = PolicySetting.objects.update_or_create(
            community=community, key=key, defaults={"value": value, "updated_by": actor}
        )
        log(
            actor,
            "core.policy.changed",
            setting,
            community=community,
            summary=f"{spec.label}: {format_value(spec, old)} → {format_value(spec, value)}",
            key=key,
            old=format_value(spec, old),
            new=format_value(spec, value),
        )
    return _decode(spec, value)
