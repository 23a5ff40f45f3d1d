"""The states and kinds of the fee office (FE-1 … FE-3), with their UI colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    PERIODIC = "periodic", _("周期性收费")
    ONE_OFF = "one_off", _("一次性收费")
    METERED = "metered", _("按表计量")
    SHARED_METER = "shared_meter", _("公共表分摊")
    DEPOSIT = "deposit", _("押金")
    PREPAYMENT = "prepayment", _("预收款")


class Basis(models.TextChoices):
    """What the quantity of a bill line is (FE-1)."""

    BUILDING_AREA = "building_area", _("建筑面积")
    USABLE_AREA = "usable_area", _("使用面积")
    PER_ROOM = "per_room", _("每户（按房屋）")
    PER_HOUSEHOLD = "per_household", _("每户（按住户）")
    METER_USAGE = "meter_usage", _("表计用量")
    PARKING_SPACE = "parking_space", _("车位")

    @property
    def unit(self) -> str:
        return {
            "building_area": "㎡",
            "usable_area": "㎡",
            "per_room": _("户"),
            "per_household": _("户"),
            "meter_usage": "",
            "parking_space": _("个"),
        }[self.value]


class Rounding(models.TextChoices):
    """How a line's amount is rounded, once per line (DESIGN "Money")."""

    HALF_UP = "half_up", _("四舍五入")
    DOWN = "down", _("舍去")
    UP = "up", _("进位")


class PayerRule(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT_WHERE_LEASED = "tenant", _("租赁合同约定由租户缴纳时为租户")


class PayerKind(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    DEVELOPER = "developer", _("开发建设单位")


class PriceForm(models.TextChoices):
    GOVERNMENT_GUIDED = "government_guided", _("政府指导价")
    MARKET = "market", _("市场调节价")


class RunStatus(models.TextChoices):
    ISSUING = "issuing", _("开具中")
    ISSUED = "issued", _("已开具")

    @property
    def colour(self) -> str:
        return {"issuing": "amber", "issued": "green"}[self.value]


class BillKind(models.TextChoices):
    REGULAR = "regular", _("账单")
    CHARGE = "charge", _("临时收费")
    DEBIT_NOTE = "debit_note", _("补收单")
    LATE_CHARGE = "late_charge", _("违约金")
    # arrears carried over from the office's former system by the opening import (services.opening)
    OPENING = "opening", _("期初欠费")


class AdjustmentKind(models.TextChoices):
    CREDIT = "credit", _("冲减（贷项通知）")
    DEBIT = "debit", _("补收（借项通知）")
    WAIVER = "waiver", _("违约金减免")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")

    @property
    def colour(self) -> str:
        return {"pending": "amber", "approved": "green", "returned": "red"}[self.value]


class Method(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    POS = "pos", _("POS刷卡")
    WECHAT = "wechat", _("微信（收款账户）")
    ALIPAY = "alipay", _("支付宝（收款账户）")
    ONLINE = "online", _("在线支付")

    @property
    def needs_reference(self) -> bool:
        """Money that reached the collection account is traced by its transaction number."""
        return self.value != "cash"


# What the cashier takes at the window (online payments come only through the provider's notification).
WINDOW_METHOD_CHOICES = [(m.value, m.label) for m in Method if m != Method.ONLINE]


class PaymentStatus(models.TextChoices):
    VALID = "valid", _("有效")
    VOID_PENDING = "void_pending", _("作废审批中")
    VOIDED = "voided", _("已作废")

    @property
    def colour(self) -> str:
        return {"valid": "green", "void_pending": "amber", "voided": "grey"}[self.value]


class Purse(models.TextChoices):
    """Prepayment accounts are kept apart for property fees and utilities."""

    PROPERTY = "property", _("物业服务费等")
    UTILITIES = "utilities", _("代收水电气费")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，已退款")
    RETURNED = "returned", _("已退回")

    @property
    def colour(self) -> str:
        return {"pending": "amber", "approved": "green", "returned": "red"}[self.value]


class DepositKind(models.TextChoices):
    RENOVATION = "renovation", _("装修押金")
    KEY = "key", _("钥匙押金")
    CARD = "card", _("门禁卡押金")
    PASS = "pass", _("出入证押金")
    OTHER = "other", _("其他押金")


class DepositStatus(models.TextChoices):
    HELD = "held", _("保管中")
    SETTLED = "settled", _("已结清")

    @property
    def colour(self) -> str:
        return {"held": "amber", "settled": "green"}[self.value]


class MeterKind(models.TextChoices):
    WATER = "water", _("水表")
    ELECTRICITY = "electricity", _("电表")
    GAS = "gas", _("燃气表")
    HEAT = "heat", _("热量表")

    @property
    def unit(self) -> str:
        return {"water": _("吨"), "electricity": _("度"), "gas": _("立方米"), "heat": "GJ"}[self.value]


class ReadingSource(models.TextChoices):
    STAFF = "staff", _("工作人员抄表")
    OWNER = "owner", _("业主自报")
    IMPORT = "import", _("导入")
    SMART = "smart", _("智能表")


class ReadingStatus(models.TextChoices):
    OK = "ok", _("正常")
    CHECK = "check", _("待复核")
    CONFIRMED = "confirmed", _("已复核")

    @property
    def colour(self) -> str:
        return {"ok": "green", "check": "amber", "confirmed": "blue"}[self.value]


class DunningStep(models.TextChoices):
    """FE-3, CM-9, 民法典 944: the lawful ladder, in order. No step cuts a utility."""

    REMINDER = "reminder", _("提醒")
    DEMAND = "demand", _("书面催告")
    COMMITTEE = "committee", _("业主委员会督促")
    LEGAL = "legal", _("诉讼或仲裁")


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门")
    LETTER = "letter", _("书面函件")
    COMMITTEE = "committee", _("业主委员会")


class ContactOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("未联系上")
    PROMISED = "promised", _("承诺缴费")
    DISPUTED = "disputed", _("有异议")
    REFUSED = "refused", _("拒绝缴费")
    PAID = "paid", _("已缴费")
    DELIVERED = "delivered", _("已送达")


class OrderStatus(models.TextChoices):
    """An online payment order (FE-1); "expired" is read from the clock (`PaymentOrder.state`)."""

    CREATED = "created", _("待支付")
    PAID = "paid", _("已支付")
    EXPIRED = "expired", _("已过期")
    FAILED = "failed", _("支付失败")
    # closed at the provider (the owner left, staff closed it, or the sweep after its deadline): it can
    # no longer be paid; a payment the provider took before the close still books (money is never dropped)
    CLOSED = "closed", _("已关闭")

    @property
    def colour(self) -> str:
        return {"created": "amber", "paid": "green", "expired": "grey", "failed": "red", "closed": "grey"}[self.value]


# --- bank statements (FE-1) ----------------------------------------------------------------------


class StatementLineStatus(models.TextChoices):
    """A credit on the bank statement: matched to a room (a receipt), waiting for the cashier, or
    set aside by her with a reason (not a fee: a refund from a supplier, a deposit of the office)."""

    WAITING = "waiting", _("待处理")
    MATCHED = "matched", _("已入账")
    IGNORED = "ignored", _("已忽略")

    @property
    def colour(self) -> str:
        return {"waiting": "amber", "matched": "green", "ignored": "grey"}[self.value]


# --- disputes of bill lines (FE-1; RC-1 channels) ------------------------------------------------


class DisputeChannel(models.TextChoices):
    """How an owner's dispute of a line reached the office: his own portal or the API, or the desk
    recording what he said by phone or at the window (values as the desk's ticket channels, RC-1)."""

    PORTAL = "portal", _("业主网页/App")
    PHONE = "phone", _("电话")
    WINDOW = "window", _("窗口")


DESK_DISPUTE_CHANNELS = (DisputeChannel.PHONE, DisputeChannel.WINDOW)


class OnlineRefundStatus(models.TextChoices):
    """A refund paid back through the provider 原路退回 (FE-1): its state as the provider last told it."""

    PROCESSING = "processing", _("原路退回处理中")
    SUCCESS = "success", _("已原路退回")
    ABNORMAL = "abnormal", _("原路退回异常")
    CLOSED = "closed", _("原路退回已关闭")
    FAILED = "failed", _("原路退回申请失败")

    @property
    def colour(self) -> str:
        return {"processing": "amber", "success": "green"}.get(self.value, "red")
