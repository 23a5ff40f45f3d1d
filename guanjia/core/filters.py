"""Strict list filters for the API: a value of the wrong type is a 400 naming the filter (issue 10).

django-filter's defaults ignore what they cannot read (`?overdue=maybe` reads as "no filter") and
pass a date-time with a far offset or year through to the database (a 500 when it overflows). Every
filterset of the API derives from `StrictFilterSet`, also the ones DRF builds from
`filterset_fields` (`FilterBackend`), and its form fields are replaced by strict ones:

- booleans accept true/false/1/0 only;
- dates and date-times must parse and lie in core.validators.DATE_SPANS["filter"];
- numbers (ids and years) are whole numbers a 64-bit column holds.
"""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as DRFFilterSet

from .validators import DATE_SPANS

BIGINT = 2**63 - 1
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


def parse_bool(raw) -> bool | None:
    """true/false/1/0 (any case) → bool; blank → None; anything else raises ValidationError."""
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError(_("应为 true 或 false。"), code="invalid")


class StrictBooleanField(forms.Field):
    widget = forms.TextInput

    def to_python(self, value):
        return parse_bool(value)

    def validate(self, value):
        pass  # None is "not filtered"; False is a value like any other


def _in_span(value):
    span = DATE_SPANS["filter"]
    day = value.date() if isinstance(value, dt.datetime) else value
    if not span.earliest <= day <= span.latest:
        raise ValidationError(
            _("日期应在%(earliest)s至%(latest)s之间。"),
            params={"earliest": span.earliest, "latest": span.latest},
            code="date_out_of_range",
        )


class StrictDateTimeField(forms.DateTimeField):
    default_error_messages = {"invalid": _("应为日期时间，如 2026-12-01T10:00:00+08:00。")}

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except (OverflowError, ValueError):  # a far offset can overflow while it is made aware
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if result is not None:
            _in_span(result)
            try:
                result.astimezone(dt.UTC)  # what the query will do: a 500 if it overflows there
            except OverflowError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result


class StrictDateField(forms.DateField):
    default_error_messages = {"invalid": _("应为日期，如 2026-12-01。")}

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            _in_span(result)
        return result


class StrictIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": _("应为整数。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", -BIGINT)
        kwargs.setdefault("max_value", BIGINT)
        super().__init__(**kwargs)


def strict_field(filter_) -> forms.Field:
    """The strict form field for one filter (the filter's own field when it is strict already)."""
    common = {"label": filter_.label, "required": False, "help_text": filter_.extra.get("help_text", "")}
    if isinstance(filter_, django_filters.BooleanFilter):
        return StrictBooleanField(**common)
    if isinstance(filter_, django_filters.DateTimeFilter):
        return StrictDateTimeField(**common)
    if isinstance(filter_, django_filters.DateFilter):
        return StrictDateField(**common)
    if isinstance(filter_, django_filters.NumberFilter):
        return StrictIntegerField(**common)
    return filter_.field


class StrictFilterSet(DRFFilterSet):
    def get_form_class(self):
        fields = {name: strict_field(filter_) for name, filter_ in self.filters.items()}
        return type(f"{type(self).__name__}Form", (self._meta.form,), fields)


class FilterBackend(DjangoFilterBackend):
    """DRF's filter backend with StrictFilterSet as the base of the filtersets built from `filterset_fields`."""

    filterset_base = StrictFilterSet

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, StrictFilterSet):
            raise ImproperlyConfigured(
                f"{type(view).__name__}.filterset_class must derive from guanjia.core.filters.StrictFilterSet"
            )
        return filterset_class
