"""Cron entry point: `manage.py send_reminders` every 15 minutes (DESIGN.md §4)."""

from django.core.management.base import BaseCommand

from guanjia.servicedesk.tasks import open_duties_and_remind, send_reminders


class Command(BaseCommand):
    help = "提醒责任人即将到期（2小时内）和已超时的时限。可重复运行，不会重复提醒。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="交给后台任务队列 (db_worker) 执行，而不是立即执行。"
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = send_reminders.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        sent = open_duties_and_remind()
        self.stdout.write(f"{sent} reminder(s) sent")
