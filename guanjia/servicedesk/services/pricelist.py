"""The public price list of special services 特约服务 (SS-2, RC-2) and tickets filed under one of its lines."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.textnorm import clean_prose, clean_text

from ..models import Ticket
from .tickets import ticket_create


def service_item_save(
    *,
    community,
    actor,
    name: str,
    category: str,
    free: bool = False,
    price: Decimal | None = None,
    unit: str = "",
    note: str = "",
    ordering: int = 0,
    active: bool = True,
    item=None,
):
    """Add a line to the community's public price list, or change one (`item`) (SS-2, RC-2)."""
    from django.core.exceptions import ValidationError

    from ..choices import ServiceCategory
    from ..models import ServiceItem

    require(actor, "servicedesk.edit_pricelist", community)
    if item is not None and item.community_id != community.pk:
        raise ServiceError("invalid", _("该服务项目不属于本小区。"))
    name = clean_text(name)
    if not name:
        raise ServiceError("invalid", _("请填写服务项目名称。"), field="name")
    if category not in ServiceCategory.values:
        raise ServiceError("invalid", _("请选择服务类别。"), field="category")
    if not free and price is None:  # SS-2: each is free or paid, with its price public
        raise ServiceError("invalid", _("有偿服务项目须填写收费标准。"), field="price")
    if not free and price < 0:
        raise ServiceError("invalid", _("收费标准不能为负数。"), field="price")
    duplicate = ServiceItem.objects.filter(community=community, name=name)
    if item is not None:
        duplicate = duplicate.exclude(pk=item.pk)
    if duplicate.exists():
        raise ServiceError("duplicate", _("本小区已有同名服务项目“%(name)s”。") % {"name": name}, field="name")
    created = item is None
    item = item or ServiceItem(community=community)
    item.name, item.category, item.free = name, category, bool(free)
    item.price = None if free else price
    item.unit, item.note = clean_text(unit), clean_prose(note)
    item.ordering, item.active = ordering or 0, bool(active)
    with transaction.atomic():
        try:
            item.full_clean(exclude=["community"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ServiceError("invalid", messages[0], field=field) from None
        item.save()
        log(
            actor,
            "servicedesk.service_item.created" if created else "servicedesk.service_item.changed",
            item,
            community=community,
            summary=(_("新增特约服务项目 %(name)s") if created else _("修改特约服务项目 %(name)s")) % {"name": name},
            free=item.free,
            price=str(item.price) if item.price is not None else None,
        )
    return item


def service_item_retire(*, item, actor):
    """Take an item off the public price list; tickets that used it keep it (SS-2)."""
    require(actor, "servicedesk.edit_pricelist", item.community)
    if not item.active:
        raise Conflict("retired", _("该服务项目已停止公示。"))
    with transaction.atomic():
        item.active = False
        item.save(update_fields=["active"])
        log(
            actor,
            "servicedesk.service_item.retired",
            item,
            community=item.community,
            summary=_("停止公示特约服务项目 %(name)s") % {"name": item.name},
        )
    return item


def service_item_terms(item) -> dict:
    """What a chosen price-list item means for a ticket: a special service, paid or free, at the public price (SS-2).

    The desk passes these to ticket_create, then records the item with ticket_set_service_item."""
    return {"special_service": True, "paid": not item.free, "price": None if item.free else item.price}


def ticket_set_service_item(*, ticket: Ticket, item, actor) -> Ticket:
    """Record the price-list item a special-service ticket was filed under, with its public price (SS-2)."""
    require(actor, "servicedesk.create", ticket.community)
    if item.community_id != ticket.community_id:
        raise ServiceError("invalid", _("该服务项目不属于本小区。"), field="service_item")
    if not item.active:
        raise ServiceError("invalid", _("该服务项目已停止公示。"), field="service_item")
    with transaction.atomic():
        ticket.service_item = item
        ticket.special_service, ticket.paid, ticket.price = True, not item.free, None if item.free else item.price
        ticket.save(update_fields=["service_item", "special_service", "paid", "price"])
        log(
            actor,
            "servicedesk.ticket.service_item",
            ticket,
            household=ticket.room,
            summary=_("特约服务项目 %(name)s") % {"name": item.name},
            price=str(item.price) if item.price is not None else None,
        )
    return ticket


def ticket_create_with_item(*, service_item=None, **kwargs) -> Ticket:
    """ticket_create, with the special service chosen from the public price list (SS-2): the ticket is
    a special service, paid or free, at the item's price, and records the item — all or nothing."""
    if service_item is None:
        return ticket_create(**kwargs)
    kwargs.update(service_item_terms(service_item))
    with transaction.atomic():
        ticket = ticket_create(**kwargs)
        return ticket_set_service_item(ticket=ticket, item=service_item, actor=kwargs["actor"])
