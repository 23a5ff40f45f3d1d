"""Who may do what with fees (FE-1 … FE-3), registered from registrations.py.

Money moves only through the cashier's hands (she takes payments, issues the month's bills, asks for
corrections); the office manager sets prices and approves what reverses money (credit notes, voided
receipts, refunds, waivers). The front desk and the CS supervisor see accounts to answer owners'
questions and to dun; technicians and security guards see no fees (AR-4).
"""

from guanjia.core.roles import Role as R

READERS = {R.FRONT_DESK, R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.CASHIER, R.QUALITY, R.COMPANY_ADMIN}

PERMISSIONS = {
    "billing.view": READERS,
    # FE-1: the fee items and their published prices (明码标价)
    "billing.manage_items": {R.OFFICE_MANAGER, R.COMPANY_ADMIN},
    "billing.run": {R.CASHIER, R.OFFICE_MANAGER},
    "billing.collect": {R.CASHIER},
    "billing.adjust": {R.CASHIER, R.OFFICE_MANAGER},
    "billing.sign_off_day": {R.OFFICE_MANAGER},
    "billing.deposits": {R.CASHIER, R.OFFICE_MANAGER},
    "billing.read_meters": {R.CASHIER, R.EQUIPMENT_SUPERVISOR, R.TECHNICIAN, R.OFFICE_MANAGER},
    "billing.manage_meters": {R.EQUIPMENT_SUPERVISOR, R.OFFICE_MANAGER},
    # FE-3: reminders, demands, the committee, referral
    "billing.dun": {R.CASHIER, R.CS_SUPERVISOR, R.OFFICE_MANAGER},
    # FE-3: the contract's late-charge clause (none by default: no clause, no late charge)
    "billing.record_clause": {R.OFFICE_MANAGER},
    # FE-2, QA-4: the collection rates
    "billing.kpi": {R.CASHIER, R.CS_SUPERVISOR, R.OFFICE_MANAGER, R.QUALITY, R.COMPANY_ADMIN},
}
