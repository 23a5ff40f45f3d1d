"""`manage.py demo`: the demo company, its three communities and a user for every role."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanjia.estates import demo


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
                        _("已生成示范数据（%(seconds).1f 秒）：") % {"seconds": result.seconds}
                        + "、".join(f"{c.name} {c.room_set.count()} 户" for c in result.communities)
                    )
                )
            elif result.owners_opened:
                self.stdout.write(
                    _("示范数据已存在；已为 %(n)s 个小区开通演示业主账号。") % {"n": result.owners_opened}
                )
            else:
                self.stdout.write(_("示范数据已存在，未做改动。"))
        self.print_logins()

    def print_logins(self):
        rows = demo.logins()
        if not rows:
            self.stdout.write(_("尚无示范数据，请先运行 manage.py demo。"))
            return
        header = (_("用户名"), _("角色"), _("小区"), _("密码"))
        self.print_table(header, [(r.username, r.role, r.community, demo.PASSWORD) for r in rows])
        owners = demo.owner_logins()
        if owners:
            self.stdout.write("")
            self.stdout.write(_("业主端 %(url)s（手机号即用户名，账号已开通）：") % {"url": demo.PORTAL_URL})
            header = (_("手机号码"), _("业主"), _("房屋"), _("小区"), _("密码"))
            self.print_table(header, [(o.username, o.name, o.room, o.community, demo.PASSWORD) for o in owners])
        else:
            self.stdout.write(_("尚无已开通的演示业主账号：运行 manage.py demo 即可补上。"))
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
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text, width: int) -> str:
    return str(text) + " " * (width - _width(text))
