from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomKind(models.TextChoices):
    RESIDENCE = "residence", _("住宅")
    SHOP = "shop", _("商铺")
    GARAGE = "garage", _("车库")
    PARKING = "parking", _("车位")
    STORAGE = "storage", _("储藏室")


class RoomUse(models.TextChoices):
    SELF = "self", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    RENOVATING = "renovating", _("装修中")
    COMMERCIAL = "commercial", _("商用")


class Handover(models.TextChoices):
    UNDELIVERED = "undelivered", _("未交付")
    AWAITING = "awaiting", _("待入伙")
    MOVED_IN = "moved_in", _("已入伙")

    @property
    def colour(self) -> str:
        return {"undelivered": "grey", "awaiting": "amber", "moved_in": "green"}[self.value]


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAU = "hk_macau", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    OTHER = "other", _("其他证件")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Acquisition(models.TextChoices):
    PURCHASE = "purchase", _("购买")
    INHERITANCE = "inheritance", _("继承")
    GIFT = "gift", _("赠与")
    COURT = "court", _("法院判决")
    OTHER = "other", _("其他")


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    RELATIVE = "relative", _("其他亲属")
    TENANT_FAMILY = "tenant_family", _("租户家属")
    CAREGIVER = "caregiver", _("保姆/护工")
    OTHER = "other", _("其他")


class DocumentCategory(models.TextChoices):
    CONTRACT = "contract", _("合同")
    MOVE_IN = "move_in", _("入伙资料")
    APPLICATION = "application", _("申请表")
    ID_COPY = "id_copy", _("身份证复印件")
    AGREEMENT = "agreement", _("协议")
    FEE = "fee", _("收费记录")
    REPAIR = "repair", _("维修记录")
    OTHER = "other", _("其他")


class RegisterKind(models.TextChoices):
    PROPERTY = "property", _("产权清单")
    LEASE = "lease", _("租赁清单")


class ListsReview(models.TextChoices):
    """Where a month's lists stand in the office manager's review (PR-4)."""

    NOT_ENDED = "not_ended", _("本月未结束")
    NOT_SUBMITTED = "not_submitted", _("待送审")
    IN_REVIEW = "in_review", _("经理审核中")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")

    @property
    def colour(self) -> str:
        return {
            "not_ended": "grey",
            "not_submitted": "amber",
            "in_review": "amber",
            "returned": "red",
            "approved": "green",
        }[self.value]


class ImportKind(models.TextChoices):
    ROOMS = "rooms", _("房屋及业主")
    LEASES = "leases", _("租赁")
