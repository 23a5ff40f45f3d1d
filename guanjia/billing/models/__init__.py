"""The fee office (FE-1 … FE-3): fee items and their published prices, billing runs, bills that never
change, corrections, payments and gap-free receipts, prepayment and deposit accounts, meters and
readings, and the dunning log. One module per part; everything is importable from here."""

from .accounts import Deposit, DepositDeduction, PrepaymentAccount, PrepaymentMovement, Refund
from .bank import BankStatementLine
from .bills import Adjustment, Bill, BillingRun, BillLine
from .disputes import LineDispute
from .dunning import DemandLetter, DunningContact, LateChargeClause
from .items import FeeApplication, FeeItem, FeePrice, TenantPays
from .meters import Meter, MeterReading
from .online import OnlineRefund, PaymentOrder, PaymentOrderLine  # noqa: F401  (online payment, provider adapters)
from .payments import Allocation, CashierDay, Payment

__all__ = [
    "Adjustment",
    "Allocation",
    "BankStatementLine",
    "Bill",
    "BillLine",
    "BillingRun",
    "CashierDay",
    "DemandLetter",
    "Deposit",
    "DepositDeduction",
    "DunningContact",
    "FeeApplication",
    "FeeItem",
    "FeePrice",
    "LateChargeClause",
    "LineDispute",
    "Meter",
    "MeterReading",
    "Payment",
    "PrepaymentAccount",
    "PrepaymentMovement",
    "Refund",
    "TenantPays",
]
