"""Who may do what in the equipment ledger (FM-1), registered from registrations.py."""

from guanjia.core.roles import Role as R

PERMISSIONS = {
    # The technicians who maintain the devices read the ledger (a device's QR tag opens its page);
    # the site supervisor and quality see it too.
    "facilities.view": {
        R.EQUIPMENT_SUPERVISOR,
        R.OFFICE_MANAGER,
        R.TECHNICIAN,
        R.SITE_SUPERVISOR,
        R.QUALITY,
        R.COMPANY_ADMIN,
    },
    # The equipment supervisor keeps the ledger; the office manager answers for it.
    "facilities.manage": {R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "facilities.import": {R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
}
