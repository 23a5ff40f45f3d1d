"""Who may do what in the register (PR-1 … PR-4, AR-1 … AR-4, LW-1), registered from registrations.py."""

from guanjia.core.roles import ALL_STAFF
from guanjia.core.roles import Role as R

PERMISSIONS = {
    # AR-4: a technician works from the tickets dispatched to him, which carry the room and the
    # contact he needs; the register and the household file are not his work.
    "estates.view": ALL_STAFF - {R.TECHNICIAN},
    "estates.edit": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "estates.transfer": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "estates.import": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "estates.export": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.QUALITY, R.COMPANY_ADMIN},
    "estates.upload_document": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.COMPANY_ADMIN},
    # PR-4: the CS supervisor sends an ended month's lists into the review chain (the chain's roles
    # decide it, core.approvals); AR-2: the archivist signs for the month's documents and lists.
    "estates.submit_lists": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "estates.receive_lists": {R.ARCHIVIST},
    # Personal data (AR-4, LW-1): who sees phone numbers and full ID numbers.
    "people.view_phone": {
        R.FRONT_DESK,
        R.CS_SUPERVISOR,
        R.OFFICE_MANAGER,
        R.TECHNICIAN,
        R.SITE_SUPERVISOR,
        R.COMPANY_ADMIN,
    },
    "people.view_id": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    # LW-1: the birth date with the masked ID's last four narrows the number to a few hundred
    # (core/masking.py), so only the roles that keep the register and may see the full ID anyway
    # see it; the desk, security, the cashier, the archivist, technicians and quality do not need it.
    "people.view_birth_date": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.COMPANY_ADMIN},
}
# The archivist's signature is his own (AR-2): no company-wide role signs it for him.
IN_PERSON = {"estates.receive_lists"}
