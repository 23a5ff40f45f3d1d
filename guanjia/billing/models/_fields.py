"""Field shapes shared by the billing models: money is Decimal with two places, prices four."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0.00")


def money(label, **extra) -> models.DecimalField:
    return models.DecimalField(label, **MONEY, **extra)


def positive_money(label, **extra) -> models.DecimalField:
    return models.DecimalField(label, **MONEY, validators=[MinValueValidator(Decimal("0.01"))], **extra)
