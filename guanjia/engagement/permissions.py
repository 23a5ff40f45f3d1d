"""Who may do what with visits and surveys (VS-1 … VS-5, SV-1 … SV-6, QA-3), registered from
registrations.py."""

from guanjia.core.roles import ALL_STAFF
from guanjia.core.roles import Role as R

PERMISSIONS = {
    "engagement.view": ALL_STAFF,
    # AR-4: visit records name the household and carry its opinions; technicians and the cashier
    # neither visit nor follow visits up, so they do not read them.
    "engagement.view_visits": ALL_STAFF - {R.TECHNICIAN, R.CASHIER},
    "engagement.visit_record": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    "engagement.visit_summary": {R.CS_SUPERVISOR, R.OFFICE_MANAGER},  # VS-5
    # Surveys (SV-1 … SV-6): run them, enter returned sheets, analyse, publish the measures (SV-6).
    "engagement.survey_manage": {R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    "engagement.survey_enter": {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    # The fishbone and QA-3 actions are the quality app's: quality.analyse, quality.verify_action.
    # QA-4: satisfaction and visit quota on the KPI page, for those who read the service desk's there.
    "engagement.kpi": {R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY, R.COMPANY_ADMIN},
}
