"""Core's own actions (the platform pages every app shares), registered from registrations.py."""

from .roles import ALL_STAFF
from .roles import Role as R

PERMISSIONS = {
    # Any staff member of the community: the dashboard, 待我审批, reading the settings pages.
    "core.view": ALL_STAFF,
    "core.edit_policy": {R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    # The national holiday calendar (DESIGN.md §5): holidays and 调休 make-up workdays.
    "core.edit_calendar": {R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    # Who holds which role (core.memberships): an office manager in his office, the company admin
    # everywhere (and alone for the company-wide roles).
    "core.manage_staff": {R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "core.view_activity": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.ARCHIVIST, R.QUALITY, R.COMPANY_ADMIN},
}
