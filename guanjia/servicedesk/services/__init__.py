"""Writes of the service desk (RC-1 … RC-11, IC-3, SS-2). Console, portal, API and commands all call these.

One module per entity; everything is re-exported here, so callers keep writing
`from guanjia.servicedesk import services as sd; sd.ticket_dispatch(...)`.

* tickets: intake and its clocks (RC-1, RC-2, RC-3, RC-8), dispatch … check, replies, cancel, rating
* callbacks: callbacks (RC-4, RC-9)
* rectifications: the desk's side of the 整改通知书 (RC-5: the ticket's clocks); the notice itself and
  the manager's spot check of callbacks (RC-4) are the quality app's (quality_hooks registers them)
* summaries: the monthly complaint summary for owners (RC-10)
* calls: the call-and-visit log (IC-3)
* pricelist: the public price list of special services (SS-2)
"""

from ._common import portal_person
from .callbacks import callback_record
from .calls import calllog_record
from .pricelist import (
    service_item_retire,
    service_item_save,
    service_item_terms,
    ticket_create_with_item,
    ticket_set_service_item,
)
from .rectifications import awaiting_notice
from .summaries import (
    complaint_summary_prepare,
    complaint_summary_publish,
    complaint_summary_submit,
)
from .tickets import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    ticket_arrive,
    ticket_cancel,
    ticket_check,
    ticket_complete,
    ticket_create,
    ticket_dispatch,
    ticket_escalate,
    ticket_owner_confirm,
    ticket_reply,
)

__all__ = [
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "awaiting_notice",
    "callback_record",
    "calllog_record",
    "complaint_summary_prepare",
    "complaint_summary_publish",
    "complaint_summary_submit",
    "portal_person",
    "service_item_retire",
    "service_item_save",
    "service_item_terms",
    "ticket_arrive",
    "ticket_cancel",
    "ticket_check",
    "ticket_complete",
    "ticket_create",
    "ticket_create_with_item",
    "ticket_dispatch",
    "ticket_escalate",
    "ticket_owner_confirm",
    "ticket_reply",
    "ticket_set_service_item",
]
