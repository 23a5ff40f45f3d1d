"""Background jobs of the fee office.

`sweep_online_orders` (FE-1 online payment): query the provider about orders still unpaid
FE-1.online_sweep_minutes after they were made (a lost notification), close those past their deadline;
and about refunds paid back through it 原路退回 still processing as long after they were asked.
Enqueued every 5 minutes by guanjia-online-sweep.timer (`manage.py sweep_online_orders --enqueue`) and
run by the db_worker. Nothing is wrong if it is late: an order past its deadline reads as expired from
the clock, and a notification still books whenever it comes.
"""

from django_tasks import task

from .services.online_orders import orders_sweep
from .services.online_refunds import refunds_sweep


@task()
def sweep_online_orders() -> dict[str, int]:
    """The periodic job (db_worker): see billing.services.online_orders.orders_sweep."""
    return {**orders_sweep(), **{f"refunds_{k}": v for k, v in refunds_sweep().items()}}
