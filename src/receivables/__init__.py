"""receivables: the domain logic of accounts receivable, exact with money.

Typed, immutable documents (invoices, memos, payments, applications), a ledger that
answers "what was open on this date?", and pure calculators over it. Money is
:class:`Decimal` with an ISO 4217 currency, never a float.

>>> from datetime import date
>>> from receivables import Invoice, Ledger, Money
>>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
...                          terms="2/10 NET 30", total=Money("1000.00", "USD"))])
>>> ledger.balance("C1", as_of=date(2026, 2, 1))
Money('1000.00', 'USD')
"""

from receivables.errors import (
    ConflictingApplication,
    CurrencyMismatch,
    DuplicateDocument,
    FloatNotAllowed,
    InvalidAmount,
    InvalidApplication,
    InvalidDocument,
    InvalidTerms,
    MissingRate,
    OverApplication,
    ParseError,
    ReceivablesError,
    UnknownCurrency,
    UnknownDocument,
)
from receivables.ledger import Ledger, LedgerData, Movement, OpenItem
from receivables.models import (
    Application,
    Contact,
    ContactRole,
    CreditMemo,
    CreditReason,
    Customer,
    DebitMemo,
    DebitReason,
    Dispute,
    DisputeResolution,
    Document,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    ProformaInvoice,
    PromiseToPay,
    Refund,
    RemittanceLine,
    TaxExemption,
    TaxLine,
    WriteOff,
)
from receivables.money import (
    ExactDecimal,
    FxQuote,
    FxRate,
    FxRates,
    Money,
    allocate_evenly,
    convert,
    minor_units,
    quantize,
    split,
)
from receivables.terms import (
    BusinessCalendar,
    EarlyPaymentDiscount,
    Instalment,
    InstalmentRule,
    PaymentTerms,
)

__version__ = "0.1.0"

__all__ = [
    "Application",
    "BusinessCalendar",
    "ConflictingApplication",
    "Contact",
    "ContactRole",
    "CreditMemo",
    "CreditReason",
    "CurrencyMismatch",
    "Customer",
    "DebitMemo",
    "DebitReason",
    "Dispute",
    "DisputeResolution",
    "Document",
    "DuplicateDocument",
    "EarlyPaymentDiscount",
    "ExactDecimal",
    "FloatNotAllowed",
    "FxQuote",
    "FxRate",
    "FxRates",
    "Instalment",
    "InstalmentRule",
    "InvalidAmount",
    "InvalidApplication",
    "InvalidDocument",
    "InvalidTerms",
    "Invoice",
    "InvoiceLine",
    "Ledger",
    "LedgerData",
    "MissingRate",
    "Money",
    "Movement",
    "OpenItem",
    "OverApplication",
    "ParseError",
    "Payment",
    "PaymentMethod",
    "PaymentTerms",
    "ProformaInvoice",
    "PromiseToPay",
    "ReceivablesError",
    "Refund",
    "RemittanceLine",
    "TaxExemption",
    "TaxLine",
    "UnknownCurrency",
    "UnknownDocument",
    "WriteOff",
    "__version__",
    "allocate_evenly",
    "convert",
    "minor_units",
    "quantize",
    "split",
]
