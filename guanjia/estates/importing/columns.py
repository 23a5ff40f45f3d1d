"""Import columns: what each template column is called, its aliases and allowed values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import get_language, gettext_lazy

from guanjia.core.textnorm import clean

from ..choices import Acquisition, Handover, IdType, ImportKind, RoomKind, RoomUse

HEADER_SEARCH_ROWS = 10
SAMPLE_ROWS = 20
# A row whose 备注 starts with this is the template's example row and is skipped.
EXAMPLE_MARK = "示例行"


# --- Columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazily translated header, as written in the template and the export
    aliases: tuple[str, ...]  # headers offices use for the same column (the Chinese label included)
    help: object = ""
    required: bool = False
    choices: type | None = None
    example: object = ""
    max_length: int | None = None
    width: int = 14


def _col(key, label, aliases: str, help="", **options) -> Column:
    return Column(key, label, tuple(aliases.split("|")), help, **options)


_L = gettext_lazy
_D = dt.date
_PHONE_ALIASES = "手机号码|手机|手机号|电话|联系电话|电话号码|联系方式"
_ID_ALIASES = "证件号码|证件号|身份证号|身份证号码|身份证|证件编号"

# fmt: off
# Where the room is: one 房屋编号 column, or separate 楼栋 / 单元 / 房号 columns (offices have both).
# "房号" alone (no 楼栋 column) holds the whole code, as in many offices' lists.
PLACE_COLUMNS = (
    _col("building", _L("楼栋"), "楼栋|楼号|幢|栋|栋号|楼栋号|幢号|楼栋编号|楼宇|楼座|座号",
         _L("如 3、3栋、3幢、3号楼、A座。"), required=True, example="3栋", max_length=20, width=8),
    _col("unit", _L("单元"), "单元|单元号|单元编号|门洞|单元门|门洞号",
         _L("如 2 或 2单元；楼栋没有单元的填“无”。"), example="2单元", max_length=20, width=8),
    _col("number", _L("房号"), "房号|房间号|室号|房间|户号|房室号",
         _L("如 1201 或 1201室。"), required=True, example="1201", max_length=20, width=10),
)
_CODE_HELP = _L(
    "楼栋-单元-房号，如 3-2-1201；也可写 3栋2单元1201室；没有单元的写 3-101。"
    "也可以不用本列，改用“楼栋”“单元”“房号”三列（见分列模板）。同一房屋有多位业主时可占多行。"
)

ROOM_COLUMNS = (
    _col("code", _L("房屋编号"), "房屋编号|房屋|房屋号|房屋代码|房号编码|房屋编码|房产编号", _CODE_HELP,
         required=True, example="3-2-1201", max_length=64),
    _col("kind", _L("类型"), "类型|房屋类型|物业类型", _L("不填为“住宅”。"), choices=RoomKind, example="住宅"),
    _col("floor", _L("楼层"), "楼层|所在楼层|层", _L("整数；不填时按房号推算（1201 → 12层）。"), example=12, width=8),
    _col("building_area", _L("建筑面积"), "建筑面积|建面|面积|产权面积",
         _L("平方米，可写 89.5、89.5㎡、89.5 m2 或 89.5平方米。住宅和商铺必填（物业费按建筑面积计收）。"),
         example="89.5㎡"),
    _col("usable_area", _L("使用面积"), "使用面积|套内面积|套内建筑面积|实用面积", _L("平方米，不能大于建筑面积。"),
         example="72.3平方米"),
    _col("land_area", _L("分摊土地面积"), "分摊土地面积|土地面积|分摊面积|分摊土地使用面积", _L("平方米。"), example=12.1),
    _col("use", _L("用途"), "用途|房屋用途|使用状态|使用情况", _L("不填为“空置”。"), choices=RoomUse, example="自住"),
    _col("handover", _L("交付状态"), "交付状态|入伙状态|交房状态", _L("不填为“未交付”。"), choices=Handover,
         example="已入伙"),
    _col("moved_in_on", _L("入伙日期"), "入伙日期|入住日期|交房日期|入伙时间",
         _L("日期，如 2020-05-01、2020/5/1 或 2020年5月1日。"), example=_D(2020, 5, 1)),
    _col("facilities", _L("附属设施"), "附属设施|附属物|配套设施", example="储藏室1间", max_length=200),
    _col("garage", _L("车库"), "车库|车位|车库/车位|车库使用|车库/车位使用|车库车位", _L("车库或车位的使用情况。"),
         example="B1-023", max_length=100),
    _col("note", _L("备注"), "备注|其他|说明", _L("备注以“示例行”开头的行不导入。"), max_length=200, width=20),
    _col("owner", _L("业主姓名"), "业主姓名|业主|姓名|产权人|业主名称|产权人姓名",
         _L("一行一位业主；多位业主可写在多行（房屋编号相同），或用“、”隔开写在一行。不填则只登记房屋。"),
         example="张三", max_length=50),
    _col("id_type", _L("证件类型"), "证件类型|证件种类", _L("不填为“居民身份证”。"), choices=IdType, example="居民身份证"),
    _col("id_number", _L("证件号码"), _ID_ALIASES,
         _L("居民身份证须为18位且校验位正确（末位 x 大小写均可）。请将该列设为文本格式。"),
         example="11010519491231002X", width=22),
    _col("phones", _L("手机号码"), _PHONE_ALIASES, _L("11位手机号或座机；多个号码用“/”隔开。"), example="13800138000",
         width=16),
    _col("share", _L("产权份额"), "产权份额|份额|产权比例|持有份额|占有份额",
         _L("百分比，同一房屋各业主之和为100；只有一位业主可不填。"), example=100, width=10),
    _col("since", _L("取得日期"), "取得日期|购房日期|产权取得日期|登记日期|取得时间",
         _L("不知道的可不填（如开发商移交的清册），系统记为“取得日期不详”。"), example=_D(2020, 5, 1)),
    _col("acquisition", _L("取得方式"), "取得方式|产权来源|取得途径", _L("不填为“购买”。"), choices=Acquisition,
         example="购买"),
    _col("certificate_no", _L("产权证号"), "产权证号|房产证号|不动产权证号|产权证编号|房产证编号",
         example="京(2020)朝阳区不动产权第0012345号", max_length=60, width=24),
)

LEASE_COLUMNS = (
    _col("code", _L("房屋编号"), "房屋编号|房屋|房屋号|租赁房屋|房屋编码",
         _L("须为已登记的房屋，如 3-2-1201 或 3栋2单元1201室；也可以改用“楼栋”“单元”“房号”三列。"), required=True,
         example="3-2-1201", max_length=64),
    _col("tenant", _L("租户姓名"), "租户姓名|租户|承租人|承租人姓名|姓名", required=True, example="李四", max_length=50),
    _col("id_type", _L("证件类型"), "证件类型|证件种类", _L("不填为“居民身份证”。"), choices=IdType, example="居民身份证"),
    _col("id_number", _L("证件号码"), _ID_ALIASES, _L("居民身份证须为18位且校验位正确。请将该列设为文本格式。"),
         example="110105198001010016", width=22),
    _col("phones", _L("手机号码"), _PHONE_ALIASES, _L("多个号码用“/”隔开。"), example="13900139000", width=16),
    _col("start", _L("起租日期"), "起租日期|起租日|开始日期|租赁开始日期|租期开始", required=True, example=_D(2026, 1, 1)),
    _col("end", _L("到期日期"), "到期日期|到期日|结束日期|租赁结束日期|租期结束|终止日期", required=True,
         example=_D(2026, 12, 31)),
    _col("ended_on", _L("退租日期"), "退租日期|实际退租日期", _L("已退租的填写；在租的不填。")),
    _col("registration_no", _L("租赁登记备案号"), "租赁登记备案号|备案号|租赁备案号|登记备案号|租赁登记号",
         _L("按当地租赁登记规定办理的备案号（PR-3）。"), example="ZL-2026-0001", max_length=60, width=18),
    _col("decoration", _L("室内装修情况"), "室内装修情况|装修情况|室内装修", example="精装修", max_length=200, width=16),
    _col("note", _L("备注"), "备注|其他|说明", _L("备注以“示例行”开头的行不导入。"), max_length=200, width=20),
)

# Other spellings of choice labels that offices use.
CHOICE_ALIASES = {
    IdType: {"身份证": IdType.RESIDENT_ID, "居民身份证号": IdType.RESIDENT_ID, "二代身份证": IdType.RESIDENT_ID,
             "港澳通行证": IdType.HK_MACAU, "回乡证": IdType.HK_MACAU, "台胞证": IdType.TAIWAN, "其他": IdType.OTHER},
    RoomKind: {"住房": RoomKind.RESIDENCE, "商业": RoomKind.SHOP, "门面": RoomKind.SHOP, "储物间": RoomKind.STORAGE},
    RoomUse: {"自用": RoomUse.SELF, "自住房": RoomUse.SELF, "出租房": RoomUse.RENTED, "租赁": RoomUse.RENTED,
              "闲置": RoomUse.VACANT, "装修": RoomUse.RENOVATING, "经营": RoomUse.COMMERCIAL},
    Handover: {"已交付": Handover.MOVED_IN, "已入住": Handover.MOVED_IN, "未入伙": Handover.AWAITING,
               "待交付": Handover.UNDELIVERED},
    Acquisition: {"买卖": Acquisition.PURCHASE, "购房": Acquisition.PURCHASE, "判决": Acquisition.COURT},
}
# fmt: on

SHARE_LABEL = next(c.label for c in ROOM_COLUMNS if c.key == "share")
# The template and export layout (one 房屋编号 column) ...
COLUMNS = {ImportKind.ROOMS: ROOM_COLUMNS, ImportKind.LEASES: LEASE_COLUMNS}
# ... and every column the reader recognises.
READ_COLUMNS = {kind: (*columns, *PLACE_COLUMNS) for kind, columns in COLUMNS.items()}


class Layout:
    CODE = "code"  # one 房屋编号 column
    SPLIT = "split"  # 楼栋 / 单元 / 房号
    CHOICES = (CODE, SPLIT)


def layout_columns(kind: str, layout: str = Layout.CODE) -> tuple[Column, ...]:
    """The template's columns: the 房屋编号 column, or 楼栋/单元/房号 in its place."""
    columns = COLUMNS[kind]
    if layout != Layout.SPLIT:
        return columns
    return tuple(part for c in columns for part in (PLACE_COLUMNS if c.key == "code" else (c,)))


def _header_key(text) -> str:
    """ "建筑面积(㎡)", "*房屋编号", "联系电话：" → a comparable header."""
    value = clean(text)
    value = re.sub(r"[(\[【].*?[)\]】]", "", value)
    return value.strip("*:：#")


@lru_cache(maxsize=8)
def _header_map(kind: str, language: str) -> dict[str, str]:
    mapping = {}
    for column in READ_COLUMNS[kind]:
        for name in (*column.aliases, str(column.label)):
            mapping.setdefault(_header_key(name), column.key)
    return mapping


def header_map(kind: str) -> dict[str, str]:
    return _header_map(kind, get_language() or "")


@lru_cache(maxsize=32)
def choice_map(enum, language: str) -> dict[str, str]:
    """Every way a choice is written → its value, in `language` (the labels are translated)."""
    mapping = {clean(str(label)): value for value, label in enum.choices}
    mapping.update({clean(value): value for value in enum.values})
    mapping.update({clean(k): v for k, v in CHOICE_ALIASES.get(enum, {}).items()})
    return mapping
