"""Who may do what at the service desk (RC-1 … RC-11, IC-3, SS-2), registered from registrations.py."""

from guanjia.core.roles import ALL_STAFF
from guanjia.core.roles import Role as R

PERMISSIONS = {
    "servicedesk.view": ALL_STAFF,
    # AR-4: every ticket, complaint and call of the community with the caller's name and phone. A
    # technician reads only the jobs dispatched to him (servicedesk.selectors.visible_tickets); the
    # cashier's work (fees, receipts) needs no complaint at all.
    "servicedesk.view_all": ALL_STAFF - {R.TECHNICIAN, R.CASHIER},
    "servicedesk.create": ALL_STAFF - {R.QUALITY, R.CASHIER, R.ARCHIVIST},
    "servicedesk.dispatch": {R.FRONT_DESK, R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER},
    "servicedesk.work": {R.TECHNICIAN, R.EQUIPMENT_SUPERVISOR, R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    "servicedesk.check": {R.FRONT_DESK, R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER},
    "servicedesk.reply": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    "servicedesk.cancel": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    # RC-9: general complaints' callbacks by the CS supervisor (and desk), major ones by the manager.
    "servicedesk.callback": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    "servicedesk.callback_major": {R.OFFICE_MANAGER},
    # RC-5's notices are closed under quality.rectify, RC-4's spot check is quality.spot_check.
    "servicedesk.summary": {R.CS_SUPERVISOR, R.OFFICE_MANAGER},  # RC-6, RC-10
    "servicedesk.approve_summary": {R.OFFICE_MANAGER},  # RC-10
    "servicedesk.kpi": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY, R.COMPANY_ADMIN},  # QA-4
    # SS-2, RC-2: the public price list of special services.
    "servicedesk.edit_pricelist": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
}
