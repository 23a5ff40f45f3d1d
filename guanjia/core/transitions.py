"""State machines are the one source of state rules (DESIGN.md §16).

A model declares its states and what moves between them once, with django-fsm's `@transition`:

* `source` / `target`: the states an action starts from and where it leads (`target=None`: an
  action allowed only in those states that leaves the state as it is, e.g. escalating a complaint);
* `conditions=[requires(test, message)]`: the business rules, each with the message refusing it;
* `permission=allowed("servicedesk.dispatch")`: the user holds that action (core.roles) in the
  object's community; `permission=SYSTEM` for a transition the system fires as the consequence
  of another action (a replied complaint moving on to its callback), which no one is offered;
* `custom=ui(label, form=..., done=...)`: what a page shows for it.

From that one declaration:

* `offers(obj, user)`: the actions a page offers this user for this object in its state, read
  through django-fsm's own `get_available_user_<field>_transitions(user)`;
* `check(obj, name, user)`: a service refuses, before it writes anything, what the machine
  refuses (403 for the permission, 409 for the state, a condition's own code and message);
* `fire(obj, name)`: the service moves the object; a TransitionNotAllowed becomes the same
  ServiceError, never a 500;
* `console.TransitionView`: the one console view of such an action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from .access import has_perm
from .errors import Conflict, Forbidden, ServiceError

# --- Declaring ---------------------------------------------------------------------------------


def allowed(action: str) -> Callable[[Any, Any], bool]:
    """`permission=` of a transition: `user` may perform `action` in the object's community."""

    def permission(instance, user) -> bool:
        return has_perm(user, action, instance.community_id)

    permission.action = action
    return permission


def allowed_if(test: Callable[[Any, Any], bool], refusal) -> Callable[[Any, Any], bool]:
    """`permission=` decided by `test(instance, user)`; `refusal` is the 403's message."""

    def permission(instance, user) -> bool:
        return bool(test(instance, user))

    permission.refusal = refusal
    return permission


def _system(instance, user) -> bool:
    return False


# `permission=SYSTEM`: fired by a service as the consequence of another action, offered to no one.
SYSTEM = _system


@dataclass(frozen=True)
class Condition:
    """A business rule of a transition (django-fsm calls it with the object), with its refusal."""

    test: Callable[[Any], bool]
    refusal: Any
    code: str = "invalid"
    status: int = 400

    def __call__(self, instance) -> bool:
        return bool(self.test(instance))

    def error(self) -> ServiceError:
        return ServiceError(self.code, self.refusal, status=self.status)


def requires(test: Callable[[Any], bool], refusal, *, code: str = "invalid", status: int = 400) -> Condition:
    """`conditions=[requires(lambda t: t.is_repair, _("只有报修工单需要派单。"))]`."""
    return Condition(test, refusal, code, status)


def ui(
    label,
    *,
    action: str = "",
    title=None,
    verb=None,
    form: str = "",
    form_kwargs: Iterable[str] = (),
    initial: Callable[[Any], dict] | None = None,
    done=None,
    button: str = "primary",
    refused=None,
) -> dict:
    """`custom=` of a transition a person takes.

    label: the button; title: the heading above its form; verb: what the refusal says cannot be
    done ("不能派单"). Each is text or a callable of the object. action: the action's name when it
    is not the method's (two transitions of one action, 验收 passed or failed, share it); it names
    the URL, the form on the page and the service `<entity>_<action>`. form: the dotted path of
    its form class, built with the object's attributes named in `form_kwargs` and, unbound, with
    `initial(obj)` (the technician already named, when reassigning). done: the message
    after it succeeded. refused: what to say when the object is in a state the action does not start
    from (by default "<object> 当前状态为“<state>”，不能<verb>。")."""
    return {
        "action": action,
        "label": label,
        "title": title,
        "verb": verb,
        "form": form,
        "form_kwargs": tuple(form_kwargs),
        "initial": initial,
        "done": done,
        "button": button,
        "refused": refused,
    }


# --- Reading -----------------------------------------------------------------------------------


def _text(value, instance) -> str:
    return str(value(instance) if callable(value) else value)


def _action_of(transition) -> str:
    return transition.custom.get("action") or transition.name


def _verb(transition, instance) -> str:
    custom = transition.custom
    return _text(custom.get("verb") or custom.get("label") or transition.name, instance)


def _declared_order(transition) -> int:
    # django-fsm collects transitions by name (alphabetically); a page lists them as the model declares them.
    return transition.method.__code__.co_firstlineno


def _meta(instance, name: str):
    meta = getattr(getattr(type(instance), name, None), "_django_fsm", None)
    if meta is None:
        raise ValueError(f"{type(instance).__name__}.{name} is not a transition")
    return meta


def _field_name(meta) -> str:
    return meta.field if isinstance(meta.field, str) else meta.field.name


def _all(model, field: str) -> list:
    return sorted(model._meta.get_field(field).get_all_transitions(model), key=_declared_order)


def state_label(instance, field: str = "status") -> str:
    value = getattr(instance, field)
    return str(dict(instance._meta.get_field(field).flatchoices).get(value, value))


def refusal(instance, name: str, user=None) -> ServiceError | None:
    """Why transition `name` may not run on `instance` now (for `user`, when given): first the
    permission (403), then the state (409 `bad_state`), then the first unmet condition; None if it may."""
    meta = _meta(instance, name)
    field = _field_name(meta)
    state = getattr(instance, field)
    here = meta.get_transition(state) if meta.has_transition(state) else None
    declared = here or next(iter(meta.transitions.values()))
    if user is not None and not declared.has_perm(instance, user):
        message = getattr(declared.permission, "refusal", None) or _("您没有权限%(verb)s。") % {
            "verb": _verb(declared, instance)
        }
        return Forbidden("forbidden", message)
    if here is None:
        if declared.custom.get("refused"):
            return Conflict("bad_state", _text(declared.custom["refused"], instance))
        return Conflict(
            "bad_state",
            _("%(object)s 当前状态为“%(state)s”，不能%(verb)s。")
            % {
                "object": f"{instance._meta.verbose_name} {instance}",
                "state": state_label(instance, field),
                "verb": _verb(declared, instance),
            },
        )
    for condition in here.conditions:
        if not condition(instance):
            if isinstance(condition, Condition):
                return condition.error()
            return Conflict(
                "bad_state",
                _("%(object)s 不能%(verb)s。")
                % {"object": f"{instance._meta.verbose_name} {instance}", "verb": _verb(here, instance)},
            )
    return None


def check(instance, name: str, user=None) -> None:
    """Raise the refusal of transition `name` (see `refusal`): services call it before writing."""
    error = refusal(instance, name, user)
    if error is not None:
        raise error


def can(instance, name: str, user=None) -> bool:
    return refusal(instance, name, user) is None


def fire(instance, name: str, *args, **kwargs):
    """Run transition `name`; whatever the machine refuses is a ServiceError (409/400), not a 500."""
    try:
        return getattr(instance, name)(*args, **kwargs)
    except TransitionNotAllowed:
        raise refusal(instance, name) or Conflict("bad_state", _("当前状态下不能执行此操作。")) from None


class Offer:
    """One action a page offers for one object: its button, heading and form. What it shows is read
    from the transition's `custom=` only when asked (a heading may read a policy: the API, which
    lists the actions by name, never pays for it)."""

    def __init__(self, instance, transition, names: tuple[str, ...]):
        self.instance, self.transition = instance, transition
        self.action = _action_of(transition)
        self.names = names  # the transitions behind it (验收: pass_check, fail_check)
        custom = transition.custom
        self.button = custom.get("button") or "primary"
        self.form_path = custom.get("form") or ""
        self.form_kwargs = tuple(custom.get("form_kwargs") or ())
        # the core.roles action its permission names ("" for another kind of permission)
        self.permission = getattr(transition.permission, "action", "")

    def __repr__(self) -> str:
        return f"<Offer {self.action} of {self.instance!r}>"

    @cached_property
    def label(self) -> str:
        return _text(self.transition.custom.get("label") or self.transition.name, self.instance)

    @cached_property
    def title(self) -> str:
        title = self.transition.custom.get("title")
        return _text(title, self.instance) if title else self.label

    @property
    def done(self) -> str:
        return str(self.transition.custom.get("done") or "")

    @property
    def initial(self) -> dict:
        initial = self.transition.custom.get("initial")
        return initial(self.instance) if initial else {}

    @property
    def form_class(self) -> type[forms.Form]:
        return import_string(self.form_path) if self.form_path else forms.Form

    def form(self, instance=None, data=None, files=None, **kwargs) -> forms.Form:
        """The action's form for the object: bound to `data` when given, else showing its initial values."""
        instance = instance if instance is not None else self.instance
        extra = {name: getattr(instance, name) for name in self.form_kwargs}
        if data is None:
            kwargs.setdefault("initial", self.initial)
        return self.form_class(data, files, **extra, **kwargs)


def _names(model, action: str, field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.name for t in _all(model, field) if _action_of(t) == action))


def offers(instance, user, *, field: str = "status", permission: str | None = None) -> list[Offer]:
    """What `user` may do to `instance` now, one offer per action, in the order the model declares
    them: django-fsm's get_available_user_<field>_transitions (state, conditions, permission).
    `permission` keeps the actions whose permission is that core.roles action (a technician's
    list of his jobs offers his work, not the desk's)."""
    available = getattr(instance, f"get_available_user_{field}_transitions")(user)
    found: dict[str, Offer] = {}
    for transition in sorted(available, key=_declared_order):
        if permission is not None and getattr(transition.permission, "action", None) != permission:
            continue
        action = _action_of(transition)
        if action not in found:
            found[action] = Offer(instance, transition, _names(type(instance), action, field))
    return list(found.values())


def offer(instance, action: str, *, field: str = "status") -> Offer | None:
    """The offer of `action` for `instance` whatever its state; None when the model has no such
    action for people (unknown, or fired only by the system)."""
    for transition in _all(type(instance), field):
        if _action_of(transition) == action and transition.permission is not SYSTEM:
            return Offer(instance, transition, _names(type(instance), action, field))
    return None


def actions(model, *, field: str = "status") -> list[str]:
    """Every action the model's machine offers people, in declaration order (the URLs and endpoints)."""
    return list(dict.fromkeys(_action_of(t) for t in _all(model, field) if t.permission is not SYSTEM))


def action_refusal(instance, action: str, user=None, *, field: str = "status") -> ServiceError | None:
    """Why `user` may not take `action` now: None when one of its transitions may run."""
    found = offer(instance, action, field=field)
    if found is None:
        return Conflict("bad_state", _("当前状态下不能执行此操作。"))
    errors = [refusal(instance, name, user) for name in found.names]
    return None if any(error is None for error in errors) else errors[0]


def sources(model, *, field: str = "status", permission: str | None = None) -> list[str]:
    """The states some transition starts from (those needing `permission`, when given), in the
    order of the field's choices: e.g. the states of a technician's open jobs."""
    starts = {
        t.source
        for t in model._meta.get_field(field).get_all_transitions(model)
        if t.permission is not SYSTEM and (permission is None or getattr(t.permission, "action", None) == permission)
    }
    values = [value for value, _label in model._meta.get_field(field).flatchoices]
    if "*" in starts or "+" in starts:
        return values
    return [value for value in values if value in starts]
