"""ERP exports in: open items and customers from CSV, through a documented column mapping.

An ERP's "open items" or "AR aging detail" export lists every open document with its
type, number, customer, dates and amounts; its customer export lists the accounts. A
:class:`CsvMapping` says which column holds which field and how the ERP writes dates,
amounts and document types; :data:`NETSUITE_OPEN_ITEMS` and :data:`NETSUITE_CUSTOMERS`
are presets for NetSuite's transaction and customer saved-search exports (column labels
as NetSuite shows them: ``Date``, ``Type``, ``Document Number``, ``Name``, ``Due Date``,
``Currency``, ``Amount``, ``Amount Remaining``, ``PO/Check Number``, ``Terms``).

Every row becomes a model or a :class:`RowIssue` naming its line number (the physical
line in the file, so a field with an embedded newline counts its lines) and column:
nothing is dropped silently. A value that cannot be kept on a row that otherwise reads
(unreadable terms text) is a *warning*; a row that cannot become a document is an
*error* and is left out of the ledger.

Amounts are read from text as :class:`~decimal.Decimal`, never through a float:
thousands separators, currency symbols and codes, parentheses or a trailing minus for
negatives (accounting formats) are understood.

The open amount is what the ledger receives (``amount_basis="open"``, an opening
balance load: each document enters at its ``Amount Remaining``, as a migration
does); ``"original"`` loads the full amount instead and refuses partly paid rows.

Examples:
    >>> text = (
    ...     "Date,Type,Document Number,Name,Due Date,Currency,Amount,Amount Remaining\\n"
    ...     '03/02/2026,Invoice,INV-1,C1,04/01/2026,USD,"$1,250.00","$1,000.00"\\n'
    ...     "03/09/2026,Payment,PAY-7,C1,,USD,(200.00),(200.00)\\n")
    >>> result = read_open_items(text, NETSUITE_OPEN_ITEMS)
    >>> result.to_ledger().balance("C1", as_of=date(2026, 3, 31)), result.issues
    (Money('800.00', 'USD'), ())
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from receivables.errors import ParseError, ReceivablesError
from receivables.ledger import Ledger
from receivables.models import (
    Contact,
    CreditMemo,
    Customer,
    DebitMemo,
    Document,
    Invoice,
    Payment,
)
from receivables.money import Money
from receivables.terms import PaymentTerms

__all__ = [
    "NETSUITE_CUSTOMERS",
    "NETSUITE_OPEN_ITEMS",
    "CsvMapping",
    "CustomerMapping",
    "ImportResult",
    "RowIssue",
    "parse_amount",
    "read_customers",
    "read_open_items",
]

DocumentKind = Literal["invoice", "debit_memo", "credit_memo", "payment", "skip"]

_NETSUITE_TYPES: Final[dict[str, DocumentKind]] = {
    "Invoice": "invoice",
    "Credit Memo": "credit_memo",
    "Payment": "payment",
    "Customer Payment": "payment",
    "Customer Deposit": "payment",
    "Journal": "skip",
}

_SYMBOLS: Final = "$€£¥₹₩₽₺₪₫฿₴₦₱R$"
_NUMBER_RE: Final = re.compile(r"^\d+(\.\d+)?$")
_CODE_RE: Final = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$")


def parse_amount(
    text: str, *, decimal_separator: str = ".", thousands_separator: str = ","
) -> Decimal:
    """Read an amount as an ERP writes it: ``"$1,234.50"``, ``"(200.00)"``,
    ``"1.234,50 EUR"`` (with ``decimal_separator=","``), ``"75-"``.

    Parentheses and a trailing minus are the accounting notations for a negative
    amount. Raises :class:`ValueError` for anything else.

    Examples:
        >>> parse_amount("$1,234.50"), parse_amount("(200.00)"), parse_amount("75-")
        (Decimal('1234.50'), Decimal('-200.00'), Decimal('-75'))
        >>> parse_amount("1.234,50 EUR", decimal_separator=",", thousands_separator=".")
        Decimal('1234.50')
    """
    raw = text
    s = text.strip().replace("\u00a0", "").replace("\u202f", "")
    signs = 0
    if s.startswith("(") and s.endswith(")"):
        signs, s = signs + 1, s[1:-1].strip()
    s = _CODE_RE.sub("", s).strip()
    s = s.strip(_SYMBOLS).strip()
    if s.endswith("-"):
        signs, s = signs + 1, s[:-1].strip()
    if s.startswith("-"):
        signs, s = signs + 1, s[1:].strip()
    if signs > 1:
        raise ValueError(f"{raw!r} is not an amount: more than one minus sign")
    negative = signs == 1
    s = s.strip(_SYMBOLS).strip()
    whole, point, fraction = s.partition(decimal_separator)
    separators = {" ", thousands_separator} - {""}
    if any(sep in whole for sep in separators):
        # A separator that does not group by three is a decimal comma read with the
        # wrong mapping ("12,34" is 12.34, not 1234): refuse it rather than guess.
        group = "[" + re.escape("".join(sorted(separators))) + "]"
        if not re.fullmatch(rf"\d{{1,3}}(?:{group}\d{{3}})+", whole):
            raise ValueError(f"{raw!r} is not an amount: digits are not grouped by three")
        for sep in separators:
            whole = whole.replace(sep, "")
    s = f"{whole}.{fraction}" if point else whole
    if not _NUMBER_RE.match(s):
        raise ValueError(f"{raw!r} is not an amount")
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise ValueError(f"{raw!r} is not an amount") from None
    return -value if negative else value


class CsvMapping(BaseModel):
    """Which column of an open-items export holds which field, and how values are written.

    Column names are header labels, matched exactly after trimming spaces. Optional
    columns set to None are not read. ``types`` maps the ERP's document type to ours
    (a type not in the map is an error row; map it to ``"skip"`` to leave it out, which
    is reported as a warning so it is never silent). ``date_formats`` are tried in
    order (``strptime`` codes).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str = "Document Number"
    customer_id: str = "Name"
    document_type: str | None = "Type"
    issue_date: str = "Date"
    due_date: str | None = "Due Date"
    amount: str = "Amount"
    open_amount: str | None = "Amount Remaining"
    currency: str | None = "Currency"
    po_number: str | None = "PO/Check Number"
    terms: str | None = "Terms"
    default_currency: str | None = None
    default_kind: DocumentKind = "invoice"
    types: Mapping[str, DocumentKind] = Field(default_factory=lambda: dict(_NETSUITE_TYPES))
    date_formats: tuple[str, ...] = ("%m/%d/%Y", "%Y-%m-%d")
    decimal_separator: str = Field(default=".", min_length=1, max_length=1)
    thousands_separator: str = Field(default=",", max_length=1)
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    amount_basis: Literal["open", "original"] = "open"

    @model_validator(mode="after")
    def _check(self) -> CsvMapping:
        if self.decimal_separator == self.thousands_separator:
            raise ValueError("decimal and thousands separators must differ")
        if self.currency is None and self.default_currency is None:
            raise ValueError("give a currency column or a default_currency")
        if self.amount_basis == "open" and self.open_amount is None:
            raise ValueError("amount_basis 'open' needs the open_amount column")
        return self


class CustomerMapping(BaseModel):
    """Which column of a customer export holds which field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = "ID"
    name: str = "Name"
    currency: str | None = "Currency"
    terms: str | None = "Terms"
    credit_limit: str | None = "Credit Limit"
    email: str | None = "Email"
    country: str | None = "Country"
    parent_id: str | None = None
    default_currency: str | None = None
    decimal_separator: str = Field(default=".", min_length=1, max_length=1)
    thousands_separator: str = Field(default=",", max_length=1)
    delimiter: str = Field(default=",", min_length=1, max_length=1)


NETSUITE_OPEN_ITEMS: Final = CsvMapping()
"""NetSuite transaction saved search (A/R aging detail) export, as NetSuite labels it:
``Date, Type, Document Number, Name, Due Date, Currency, Amount, Amount Remaining,
PO/Check Number, Terms``; US dates (``MM/DD/YYYY``); credits negative."""

NETSUITE_CUSTOMERS: Final = CustomerMapping()
"""NetSuite customer saved search export: ``ID, Name, Currency, Terms, Credit Limit,
Email, Country`` (``Country`` as an ISO alpha-2 code)."""


class RowIssue(BaseModel):
    """A problem on one line of the file. Errors leave the row out; warnings do not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    severity: Literal["error", "warning"]
    column: str | None
    message: str
    document_id: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.severity}: {self.message}"


class ImportResult(BaseModel):
    """What an import read: models and, line by line, what it could not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    documents: tuple[Invoice | DebitMemo | CreditMemo | Payment, ...] = ()
    customers: tuple[Customer, ...] = ()
    issues: tuple[RowIssue, ...] = ()
    rows_read: int = 0

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        """The issues that left a row out."""
        return tuple(i for i in self.issues if i.severity == "error")

    def raise_on_errors(self) -> ImportResult:
        """This result, or a :class:`~receivables.errors.ParseError` listing every error."""
        errors = self.errors
        if errors:
            listed = "; ".join(str(e) for e in errors[:20])
            more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
            raise ParseError(
                f"{len(errors)} bad rows: {listed}{more}", location=f"line {errors[0].line}"
            )
        return self

    def to_ledger(self, *, customers: tuple[Customer, ...] | None = None) -> Ledger:
        """A ledger of the documents read (and of ``customers``, or those read)."""
        docs: list[Document] = list(self.documents)
        return Ledger(docs, customers=self.customers if customers is None else customers)

    def to_rows(self) -> list[dict[str, str]]:
        """The issues as plain rows."""
        return [
            {
                "line": str(i.line),
                "severity": i.severity,
                "column": i.column or "",
                "document_id": i.document_id or "",
                "message": i.message,
            }
            for i in self.issues
        ]


class _RowFailed(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _rows(text: str, delimiter: str, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ParseError("the file is empty: expected a header row", location="line 1") from None
    except csv.Error as exc:
        raise ParseError(f"unreadable CSV: {exc}", location="line 1") from None
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise ParseError(f"missing columns {missing}; the header has {names}", location="line 1")
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ParseError(f"unreadable CSV: {exc}", location=f"line {line}") from None
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            yield start, {"\0error": f"{len(values)} fields where the header has {len(names)}"}
            continue
        yield start, {n: v.strip() for n, v in zip(names, values, strict=True)}


def _date(row: dict[str, str], column: str, formats: tuple[str, ...]) -> date:
    text = row.get(column, "")
    if not text:
        raise _RowFailed(column, "empty date")
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _RowFailed(column, f"{text!r} is not a date in {list(formats)}")


def _amount(row: dict[str, str], column: str, mapping: CsvMapping | CustomerMapping) -> Decimal:
    text = row.get(column, "")
    if not text:
        raise _RowFailed(column, "empty amount")
    try:
        return parse_amount(
            text,
            decimal_separator=mapping.decimal_separator,
            thousands_separator=mapping.thousands_separator,
        )
    except ValueError as exc:
        raise _RowFailed(column, str(exc)) from None


def _terms(
    row: dict[str, str], column: str | None, warn: list[tuple[str, str]]
) -> PaymentTerms | None:
    if column is None or not row.get(column):
        return None
    try:
        return PaymentTerms.parse(row[column])
    except ReceivablesError:
        warn.append((column, f"terms {row[column]!r} not understood; kept the due date only"))
        return None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}".lstrip(": ")


def read_open_items(text: str, mapping: CsvMapping = NETSUITE_OPEN_ITEMS) -> ImportResult:
    """Read an open-items export into documents, with an issue for every row not read.

    Signs: a debit (invoice, debit memo) must be positive and a credit (credit memo,
    payment) is read by its absolute value, as ERPs export credits negative. A document
    number seen twice is an error on the second line. A row whose open amount is zero is
    reported as a warning and left out (it is not open).

    Examples:
        >>> read_open_items("Date,Type,Document Number,Name,Due Date,Currency,Amount,"
        ...     "Amount Remaining\\n02/30/2026,Invoice,INV-1,C1,,USD,10.00,10.00\\n"
        ...     ).issues[0].message
        "'02/30/2026' is not a date in ['%m/%d/%Y', '%Y-%m-%d']"
    """
    required = [mapping.document_id, mapping.customer_id, mapping.issue_date, mapping.amount]
    required += [
        c
        for c in (
            mapping.document_type,
            mapping.open_amount if mapping.amount_basis == "open" else None,
            mapping.currency,
        )
        if c is not None
    ]
    documents: list[Invoice | DebitMemo | CreditMemo | Payment] = []
    issues: list[RowIssue] = []
    seen: dict[str, int] = {}
    count = 0
    for line, row in _rows(text, mapping.delimiter, required):
        count += 1
        if "\0error" in row:
            issues.append(
                RowIssue(line=line, severity="error", column=None, message=row["\0error"])
            )
            continue
        doc_id = row.get(mapping.document_id) or None
        warn: list[tuple[str, str]] = []
        try:
            doc = _document(row, mapping, warn)
        except _RowFailed as exc:
            issues.append(
                RowIssue(
                    line=line,
                    severity="error",
                    column=exc.column,
                    message=exc.message,
                    document_id=doc_id,
                )
            )
            continue
        for column, message in warn:
            issues.append(
                RowIssue(
                    line=line,
                    severity="warning",
                    column=column,
                    message=message,
                    document_id=doc_id,
                )
            )
        if doc is None:
            continue
        if doc.id in seen:
            issues.append(
                RowIssue(
                    line=line,
                    severity="error",
                    column=mapping.document_id,
                    message=f"document {doc.id} already read on line {seen[doc.id]}",
                    document_id=doc.id,
                )
            )
            continue
        seen[doc.id] = line
        documents.append(doc)
    documents.sort(key=lambda d: (d.issue_date, d.id))
    return ImportResult(documents=tuple(documents), issues=tuple(issues), rows_read=count)


def _document(
    row: dict[str, str], mapping: CsvMapping, warn: list[tuple[str, str]]
) -> Invoice | DebitMemo | CreditMemo | Payment | None:
    doc_id = row.get(mapping.document_id, "")
    if not doc_id:
        raise _RowFailed(mapping.document_id, "empty document number")
    customer_id = row.get(mapping.customer_id, "")
    if not customer_id:
        raise _RowFailed(mapping.customer_id, "empty customer")
    kind: DocumentKind = mapping.default_kind
    if mapping.document_type is not None:
        label = row.get(mapping.document_type, "")
        if label not in mapping.types:
            raise _RowFailed(
                mapping.document_type,
                f"unknown document type {label!r}; add it to the mapping's types",
            )
        kind = mapping.types[label]
        if kind == "skip":
            warn.append(
                (mapping.document_type, f"type {label!r} is mapped to skip: row not imported")
            )
            return None
    currency = (
        row.get(mapping.currency, "") if mapping.currency else ""
    ) or mapping.default_currency
    if not currency:
        raise _RowFailed(mapping.currency, "empty currency and no default_currency")
    original = _amount(row, mapping.amount, mapping)
    remaining = _amount(row, mapping.open_amount, mapping) if mapping.open_amount else original
    debit = kind in ("invoice", "debit_memo")
    if debit and (original < 0 or remaining < 0):
        column = mapping.amount if original < 0 else mapping.open_amount
        raise _RowFailed(column, f"a {kind} with a negative amount; is it a credit?")
    if not debit and original * remaining < 0:
        raise _RowFailed(mapping.open_amount, "amount and open amount have different signs")
    if abs(remaining) > abs(original):
        raise _RowFailed(
            mapping.open_amount, f"open amount {remaining} exceeds the amount {original}"
        )
    if mapping.amount_basis == "original" and remaining != original:
        raise _RowFailed(mapping.open_amount, "partly applied; load it with amount_basis='open'")
    if remaining == 0:
        warn.append((mapping.open_amount or mapping.amount, "nothing open: row not imported"))
        return None
    issue_date = _date(row, mapping.issue_date, mapping.date_formats)
    due = None
    if mapping.due_date is not None and row.get(mapping.due_date):
        due = _date(row, mapping.due_date, mapping.date_formats)
    try:
        money = Money(abs(remaining), currency)
        if not money.is_quantized:
            raise _RowFailed(
                mapping.open_amount or mapping.amount,
                f"amount {remaining} has more decimals than {currency} allows",
            )
        if kind == "payment":
            return Payment(id=doc_id, customer_id=customer_id, received_on=issue_date, amount=money)
        if kind == "credit_memo":
            return CreditMemo(
                id=doc_id, customer_id=customer_id, issue_date=issue_date, amount=money
            )
        fields = {
            "id": doc_id,
            "customer_id": customer_id,
            "issue_date": issue_date,
            "due_date": due,
            "terms": _terms(row, mapping.terms, warn),
            "total": money,
            "po_number": (row.get(mapping.po_number) or None) if mapping.po_number else None,
        }
        if kind == "debit_memo":
            return DebitMemo.model_validate(fields)
        return Invoice.model_validate(fields)
    except ValidationError as exc:
        raise _RowFailed(None, _first_error(exc)) from None
    except ReceivablesError as exc:
        raise _RowFailed(mapping.currency, exc.message) from None


def read_customers(text: str, mapping: CustomerMapping = NETSUITE_CUSTOMERS) -> ImportResult:
    """Read a customer export into :class:`~receivables.models.Customer` values.

    Examples:
        >>> r = read_customers("ID,Name,Currency,Terms,Credit Limit,Email,Country\\n"
        ...                    'C1,Acme Corp,USD,Net 30,"25,000.00",ap@acme.test,US\\n')
        >>> r.customers[0].credit_limit, r.customers[0].terms.net_days
        (Money('25000.00', 'USD'), 30)
    """
    required = [mapping.id, mapping.name] + ([mapping.currency] if mapping.currency else [])
    customers: list[Customer] = []
    issues: list[RowIssue] = []
    seen: dict[str, int] = {}
    count = 0
    for line, row in _rows(text, mapping.delimiter, required):
        count += 1
        if "\0error" in row:
            issues.append(
                RowIssue(line=line, severity="error", column=None, message=row["\0error"])
            )
            continue
        warn: list[tuple[str, str]] = []
        customer_id = row.get(mapping.id) or None
        try:
            customer = _customer(row, mapping, warn)
        except _RowFailed as exc:
            issues.append(
                RowIssue(
                    line=line,
                    severity="error",
                    column=exc.column,
                    message=exc.message,
                    document_id=customer_id,
                )
            )
            continue
        issues.extend(
            RowIssue(line=line, severity="warning", column=c, message=m, document_id=customer_id)
            for c, m in warn
        )
        if customer.id in seen:
            issues.append(
                RowIssue(
                    line=line,
                    severity="error",
                    column=mapping.id,
                    message=f"customer {customer.id} already read on line {seen[customer.id]}",
                    document_id=customer.id,
                )
            )
            continue
        seen[customer.id] = line
        customers.append(customer)
    customers.sort(key=lambda c: c.id)
    return ImportResult(customers=tuple(customers), issues=tuple(issues), rows_read=count)


def _customer(
    row: dict[str, str], mapping: CustomerMapping, warn: list[tuple[str, str]]
) -> Customer:
    customer_id = row.get(mapping.id, "")
    if not customer_id:
        raise _RowFailed(mapping.id, "empty customer id")
    currency = (
        row.get(mapping.currency, "") if mapping.currency else ""
    ) or mapping.default_currency
    if not currency:
        raise _RowFailed(mapping.currency, "empty currency and no default_currency")
    limit = None
    if mapping.credit_limit is not None and row.get(mapping.credit_limit):
        limit = _amount(row, mapping.credit_limit, mapping)
        try:
            exact = Money(limit, currency).is_quantized
        except ReceivablesError as exc:
            raise _RowFailed(mapping.currency, exc.message) from None
        if not exact:
            raise _RowFailed(
                mapping.credit_limit,
                f"credit limit {limit} has more decimals than {currency} allows",
            )
    email = (row.get(mapping.email) or None) if mapping.email else None
    try:
        return Customer.model_validate(
            {
                "id": customer_id,
                "name": row.get(mapping.name, ""),
                "currency": currency,
                "terms": _terms(row, mapping.terms, warn),
                "credit_limit": Money(limit, currency) if limit is not None else None,
                "contacts": (Contact(name="Billing", email=email),) if email else (),
                "country": (row.get(mapping.country) or None) if mapping.country else None,
                "parent_id": (row.get(mapping.parent_id) or None) if mapping.parent_id else None,
            }
        )
    except ValidationError as exc:
        raise _RowFailed(None, _first_error(exc)) from None
    except ReceivablesError as exc:
        raise _RowFailed(mapping.currency, exc.message) from None
