"""Cron entry point (FE-1 online payment): `manage.py sweep_online_orders` every 5 minutes."""

from django.core.management.base import BaseCommand

from guanjia.billing.services.online_orders import orders_sweep
from guanjia.billing.services.online_refunds import refunds_sweep
from guanjia.billing.tasks import sweep_online_orders


class Command(BaseCommand):
    help = "向支付渠道补查超过补查间隔仍待支付的在线缴费订单，并关闭已过支付时限的订单；补查仍在处理中的原路退回。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="交给后台任务队列 (db_worker) 执行，而不是立即执行。"
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = sweep_online_orders.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        counts = {**orders_sweep(), **{f"refunds_{k}": v for k, v in refunds_sweep().items()}}
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
