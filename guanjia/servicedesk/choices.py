from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """RC-1: how a request reached the office."""

    WINDOW = "window", _("服务窗口")
    PHONE = "phone", _("电话")
    BOX = "box", _("意见箱")
    PORTAL = "portal", _("业主网页/App")
    WECHAT = "wechat", _("微信")
    STAFF = "staff", _("员工发现")


class Kind(models.TextChoices):
    """RC-1: what the request is."""

    CONSULTATION = "consultation", _("咨询")
    REPAIR = "repair", _("报修")
    PAYMENT = "payment", _("收费")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class RepairCategory(models.TextChoices):
    """RC-8 service levels and RC-4 callback limits hang on the category."""

    EMERGENCY = "emergency", _("紧急抢修")
    UTILITIES = "utilities", _("水电/电梯")
    SAFETY = "safety", _("安全设施")
    LEAKAGE = "leakage", _("渗漏水")
    CIVIL = "civil", _("土建")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般投诉")
    MAJOR = "major", _("重大投诉")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ARRIVED = "arrived", _("已到场")
    COMPLETED = "completed", _("已完工")
    REPLIED = "replied", _("已答复")
    CALLBACK = "callback", _("待回访")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")

    @property
    def colour(self) -> str:
        return {
            "received": "amber",
            "dispatched": "amber",
            "arrived": "amber",
            "completed": "amber",
            "replied": "amber",
            "callback": "amber",
            "closed": "green",
            "cancelled": "grey",
        }[self.value]


class CallbackMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门")
    PORTAL = "portal", _("业主网页/App")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")


class ServiceCategory(models.TextChoices):
    """SS-2: the special (entrusted) services 特约服务 offered to one household."""

    HOME_REPAIR = "home_repair", _("家居维修")
    CLEANING = "cleaning", _("家政保洁")
    PEST_CONTROL = "pest_control", _("除虫灭害")
    HOUSEKEEPING = "housekeeping", _("家政服务")
    RENTAL_AGENCY = "rental_agency", _("租赁代理")
    OTHER = "other", _("其他")
