"""Who may do what in quality (QA-2, QA-3, RC-4, RC-5), registered from registrations.py."""

from guanjia.core.roles import ALL_STAFF
from guanjia.core.roles import Role as R

PERMISSIONS = {
    "quality.view": ALL_STAFF,
    # SV-5, QA-3: the fishbone and the actions it leads to; the office manager or the quality
    # department verify that an action worked.
    "quality.analyse": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY},
    "quality.verify_action": {R.OFFICE_MANAGER, R.QUALITY},
    # QA-2: a rectification notice is put right and closed by whoever answers for the work (the
    # technician it is addressed to, RC-5) or supervises it.
    "quality.rectify": {R.CS_SUPERVISOR, R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.TECHNICIAN},
    # RC-4 (MI-5, RN-9, AR-3): the office manager's own spot checks.
    "quality.spot_check": {R.OFFICE_MANAGER},
}
