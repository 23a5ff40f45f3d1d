"""What the importer adds to the shared mechanisms: the sentences of its log entries."""

from django.utils.translation import pgettext_lazy as _p

from ..activity import describe


def register() -> None:
    describe("core.import.uploaded", _p("activity", "上传导入文件"))
    describe("core.import.committed", _p("activity", "导入数据"))
    describe("core.import.bad_rows_exported", _p("activity", "下载问题行"))
    describe("core.import.stale", _p("activity", "后台任务中断，导入批次标为失败"))
    describe("core.import.rechecked", _p("activity", "重新检查导入文件"))
