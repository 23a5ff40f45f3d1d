"""Staff roles (DESIGN.md §2) and what each may do.

Permissions are data: an action name maps to the roles that may perform it.
Services call `require()`; views and API declare the action they need.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("接待员")
    CS_SUPERVISOR = "cs_supervisor", _("客服主管")
    OFFICE_MANAGER = "office_manager", _("管理处经理")
    EQUIPMENT_SUPERVISOR = "equipment_supervisor", _("设备主管")
    SITE_SUPERVISOR = "site_supervisor", _("现场管理员")
    CASHIER = "cashier", _("出纳")
    ARCHIVIST = "archivist", _("文档管理员")
    SECURITY = "security", _("保安")
    TECHNICIAN = "technician", _("维修工")
    QUALITY = "quality", _("品质管理部")
    COMPANY_ADMIN = "company_admin", _("公司管理员")


# Company-level roles see every community.
COMPANY_ROLES = frozenset({Role.QUALITY, Role.COMPANY_ADMIN})
ALL_STAFF = frozenset(Role)
R = Role

PERMISSIONS: dict[str, frozenset[Role]] = {
    # Register (PR-1 … PR-4, AR-1)
    "estates.view": ALL_STAFF,
    "estates.edit": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    "estates.transfer": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    "estates.import": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    "estates.export": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.QUALITY, R.COMPANY_ADMIN}),
    "estates.upload_document": frozenset(
        {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.COMPANY_ADMIN}
    ),
    "estates.review_lists": frozenset({R.OFFICE_MANAGER, R.COMPANY_ADMIN}),  # PR-4
    # Personal data (AR-4, LW-1): who sees phone numbers and full ID numbers.
    "people.view_phone": frozenset(
        {
            R.FRONT_DESK,
            R.CS_SUPERVISOR,
            R.OFFICE_MANAGER,
            R.TECHNICIAN,
            R.SITE_SUPERVISOR,
            R.COMPANY_ADMIN,
        }
    ),
    "people.view_id": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    # Platform
    "core.edit_policy": frozenset({R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    # The national holiday calendar (DESIGN.md §5): holidays and 调休 make-up workdays.
    "core.edit_calendar": frozenset({R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    "core.view_activity": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.QUALITY, R.COMPANY_ADMIN}),
    # Service desk (RC-1 … RC-11, IC-3)
    "servicedesk.view": ALL_STAFF,
    "servicedesk.create": ALL_STAFF - {R.QUALITY, R.CASHIER, R.ARCHIVIST},
    "servicedesk.dispatch": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER}),
    "servicedesk.work": frozenset(
        {R.TECHNICIAN, R.EQUIPMENT_SUPERVISOR, R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}
    ),
    "servicedesk.check": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER}),
    "servicedesk.reply": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    "servicedesk.cancel": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    # RC-9: general complaints' callbacks by the CS supervisor (and desk), major ones by the manager.
    "servicedesk.callback": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    "servicedesk.callback_major": frozenset({R.OFFICE_MANAGER}),
    "servicedesk.rectify": frozenset({R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.TECHNICIAN}),
    "servicedesk.spot_check": frozenset({R.OFFICE_MANAGER}),  # RC-4
    "servicedesk.summary": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER}),  # RC-6, RC-10
    "servicedesk.approve_summary": frozenset({R.OFFICE_MANAGER}),  # RC-10
    "servicedesk.kpi": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY, R.COMPANY_ADMIN}),  # QA-4
    # SS-2, RC-2: the public price list of special services.
    "servicedesk.edit_pricelist": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN}),
    # Visits to households (VS-1 … VS-5)
    "engagement.view": ALL_STAFF,
    "engagement.visit_record": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    "engagement.visit_summary": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER}),  # VS-5
    # Surveys (SV-1 … SV-6): run them, enter returned sheets, analyse, act (QA-3).
    "engagement.survey_manage": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    "engagement.survey_enter": frozenset({R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER}),
    "engagement.analyse": frozenset({R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY}),
    "engagement.verify_action": frozenset({R.OFFICE_MANAGER, R.QUALITY}),  # QA-3
}
