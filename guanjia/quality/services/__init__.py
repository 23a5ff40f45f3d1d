"""Writes of the quality app. Console, API, demo and other apps' hooks all call these.

* actions: the fishbone of a key item (SV-5) and corrective/preventive actions (QA-3)
* measures: the measures notice of a survey posted on time (SV-6)
* notices: written rectification notices for registered findings (RC-5 now), to closure (QA-2)
* spot_checks: the office manager's random checks of a kind of record per period (RC-4 now)
"""

from .actions import action_complete, action_create, action_verify, cause_add, cause_delete, cause_update
from .measures import survey_publish_measures
from .notices import notice_close, notice_fix_due, notice_issue, notice_of
from .spot_checks import spot_check_draw, spot_check_record

__all__ = [
    "action_complete",
    "action_create",
    "action_verify",
    "cause_add",
    "cause_delete",
    "cause_update",
    "notice_close",
    "notice_fix_due",
    "notice_issue",
    "notice_of",
    "spot_check_draw",
    "spot_check_record",
    "survey_publish_measures",
]
