"""`manage.py demo`: the demo company, made by every app's registered part (core.demo), and its logins."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanjia.core import demo


class Command(BaseCommand):
    help = _("生成示范数据：示范物业服务有限公司、三个小区的房屋/业主/租户/住户，以及每个岗位的演示账号。")

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help=_("只打印演示账号"))
        parser.add_argument(
            "--scale", type=float, default=1.0, help=_("户数比例（1 = 300/650/1200 户；测试可用 0.05）")
        )
        parser.add_argument("--seed", type=int, default=20260101, help=_("随机种子（同一种子生成相同数据）"))

    def handle(self, *args, logins=False, scale=1.0, seed=20260101, **options):
        if not 0 < scale <= 10:
            raise CommandError(_("--scale 应在 0 到 10 之间。"))
        if not logins:
            result = demo.build_demo(scale=scale, seed=seed)
            if result.created:
                self.stdout.write(
                    self.style.SUCCESS(
                        _("已生成示范数据（%(seconds).1f 秒）：") % {"seconds": result.seconds} + "；".join(result.made)
                    )
                )
            elif result.changes:
                self.stdout.write(_("示范数据已存在；%(changes)s") % {"changes": "；".join(result.changes)})
            else:
                self.stdout.write(_("示范数据已存在，未做改动。"))
        self.print_logins()

    def print_logins(self):
        tables = demo.login_tables()
        if not tables or not tables[0].rows:
            self.stdout.write(_("尚无示范数据，请先运行 manage.py demo。"))
            return
        for table in tables:
            if not table.rows:
                if table.missing:
                    self.stdout.write(table.missing)
                continue
            if table.title:
                self.stdout.write("")
                self.stdout.write(table.title)
            self.print_table(table.header, table.rows)
        self.stdout.write(_("所有演示账号的密码均为：%(password)s") % {"password": demo.PASSWORD})

    def print_table(self, header, rows):
        table = [header, *rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
        for index, row in enumerate(table):
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text, width: int) -> str:
    return str(text) + " " * (width - _width(text))
