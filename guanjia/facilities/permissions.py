"""Who may do what in the equipment ledger (FM-1) and its plans (FM-2, FM-3, FM-5), registered from
registrations.py."""

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
    # FM-2: the equipment supervisor plans maintenance, the office manager answers for it; technicians do it.
    "facilities.maintenance.manage": {R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "facilities.maintenance.perform": {R.TECHNICIAN},
    # FM-3, FM-5: patrol routes are planned by the equipment supervisor and the office manager (there is
    # no separate security-lead role); guards and technicians walk them.
    "facilities.patrol.manage": {R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "facilities.patrol.perform": {R.SECURITY, R.TECHNICIAN},
    # A checkpoint's page (its QR tag opens it) is read by whoever walks or plans the routes.
    "facilities.checkpoints.view": {
        R.SECURITY,
        R.TECHNICIAN,
        R.EQUIPMENT_SUPERVISOR,
        R.OFFICE_MANAGER,
        R.COMPANY_ADMIN,
    },
}
