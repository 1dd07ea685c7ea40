"""The documents of accounts receivable, as frozen, validated values.

Every model here is a frozen pydantic model: a document is never edited once posted, a
correction is a new document (a credit or debit memo, a reversal, a new application).
Amounts are :class:`~receivables.money.Money`, quantised to their currency's ISO 4217
minor unit (half up) when a model is built; floats are refused.

Debit documents (what the customer owes): :class:`Invoice`, :class:`DebitMemo`.
Credit documents (what reduces it): :class:`CreditMemo`, :class:`Payment`.
Movements between them: :class:`Application`, :class:`WriteOff`, :class:`Refund`.
Collection records: :class:`PromiseToPay`, :class:`Dispute`.
Not receivables at all: :class:`ProformaInvoice` (never posted, never aged).

>>> from datetime import date
>>> inv = Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 15),
...               terms="NET 30", total="1000.00 USD")
>>> inv.due_date, inv.total
(datetime.date(2026, 2, 14), Money('1000.00', 'USD'))
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    field_serializer,
    model_validator,
)

from receivables.errors import InvalidDocument
from receivables.money import CurrencyCode, ExactDecimal, Money, UnitPrice
from receivables.terms import PaymentTerms

__all__ = [
    "Application",
    "Contact",
    "ContactRole",
    "CreditMemo",
    "CreditReason",
    "Customer",
    "DebitMemo",
    "DebitReason",
    "Dispute",
    "DisputeResolution",
    "Document",
    "DocumentId",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentMethod",
    "ProformaInvoice",
    "PromiseToPay",
    "Refund",
    "RemittanceLine",
    "TaxExemption",
    "TaxLine",
    "WriteOff",
]

DocumentId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
"""A document or party id: non-empty, surrounding spaces removed."""


def _check_locale(value: str) -> str:
    try:
        Locale.parse(value)
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(
            f"unknown locale {value!r}: use a CLDR id such as 'en_US' or 'de'"
        ) from exc
    return value


LocaleId = Annotated[str, AfterValidator(_check_locale)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_document(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # pydantic locates a bad field but does not say which document it belongs to; an
        # integration loading thousands of invoices needs the id in the message.
        try:
            return handler(data)
        except ValidationError as exc:
            doc_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(doc_id, str) or not doc_id.strip():
                raise
            doc_id = doc_id.strip()
            kind = data.get("kind") or cls.__name__
            parts = []
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                parts.append(message if doc_id in message else f"{loc}: {message}")
            named = all(doc_id in part for part in parts)
            prefix = "" if named else f"{kind} {doc_id}: "
            raise InvalidDocument(
                prefix + "; ".join(parts),
                document_id=doc_id,
                field=".".join(str(p) for p in exc.errors()[0]["loc"]) or None,
            ) from None


def _fail(doc: str, doc_id: str, field: str, message: str) -> InvalidDocument:
    return InvalidDocument(f"{doc} {doc_id}: {field}: {message}", document_id=doc_id, field=field)


def _same_currency(doc: str, doc_id: str, currency: str, fields: dict[str, Money | None]) -> None:
    for name, value in fields.items():
        if value is not None and value.code != currency:
            raise _fail(
                doc, doc_id, name, f"amount is in {value.code} but the document is in {currency}"
            )


# --------------------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------------------


class ContactRole(StrEnum):
    """What a contact is for: where invoices go, who pays, whom to escalate to."""

    BILLING = "billing"
    ACCOUNTS_PAYABLE = "accounts_payable"
    ESCALATION = "escalation"
    PURCHASING = "purchasing"
    LEGAL = "legal"
    OTHER = "other"


class Contact(_Frozen):
    """A person or mailbox at the customer, with the roles they play."""

    name: str
    email: str | None = None
    phone: str | None = None
    roles: frozenset[ContactRole] = frozenset({ContactRole.BILLING})
    locale: LocaleId | None = None

    @field_serializer("roles")
    def _sorted_roles(self, roles: frozenset[ContactRole]) -> list[str]:
        return sorted(r.value for r in roles)


class TaxExemption(_Frozen):
    """A sales-tax exemption certificate held for the customer."""

    certificate_id: DocumentId
    jurisdictions: frozenset[str] = Field(
        default=frozenset(), description="Jurisdiction codes it covers; empty means all."
    )
    issued_on: date | None = None
    expires_on: date | None = None

    @field_serializer("jurisdictions")
    def _sorted_jurisdictions(self, jurisdictions: frozenset[str]) -> list[str]:
        return sorted(jurisdictions)

    def valid_on(self, on: date) -> bool:
        """True when the certificate is in force on ``on``."""
        started = self.issued_on is None or self.issued_on <= on
        return started and (self.expires_on is None or on <= self.expires_on)


class Customer(_Frozen):
    """A customer account (the party that owes).

    ``parent_id`` groups accounts for consolidated exposure; ``currency`` is the party
    currency its statements are kept in; ``locale`` decides the language of its letters.
    """

    id: DocumentId
    name: str = Field(min_length=1)
    currency: CurrencyCode
    locale: LocaleId = "en_US"
    terms: PaymentTerms | None = None
    credit_limit: Money | None = None
    contacts: tuple[Contact, ...] = ()
    parent_id: DocumentId | None = None
    dunning_policy_id: str | None = None
    dunning_block: bool = False
    credit_hold: bool = False
    collector: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    tax_exemptions: tuple[TaxExemption, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.credit_limit is not None and self.credit_limit.amount < 0:
            raise _fail("customer", self.id, "credit_limit", "must not be negative")
        if self.parent_id == self.id:
            raise _fail("customer", self.id, "parent_id", "a customer cannot be its own parent")
        return self

    def contacts_for(self, role: ContactRole) -> tuple[Contact, ...]:
        """The contacts that play ``role``, in the order they were given."""
        return tuple(c for c in self.contacts if role in c.roles)


# --------------------------------------------------------------------------------------
# Invoices and memos
# --------------------------------------------------------------------------------------


class TaxLine(_Frozen):
    """Tax on one invoice line for one jurisdiction (state, county, city, VAT...).

    ``amount`` defaults to ``taxable x rate / 100``, rounded half up to the minor unit.
    """

    jurisdiction: str = Field(min_length=1)
    rate: ExactDecimal = Field(ge=0, description="Percent, e.g. 6.25")
    amount: Money | None = None
    level: Literal["country", "state", "county", "city", "district", "other"] = "other"


class InvoiceLine(_Frozen):
    """One line of an invoice: quantity x unit price, plus the taxes on it."""

    id: DocumentId
    description: str = ""
    quantity: ExactDecimal = Decimal(1)
    unit_price: UnitPrice = Field(
        description="Price per unit; may carry digits below the minor unit (0.125 USD)."
    )
    taxes: tuple[TaxLine, ...] = ()

    @property
    def net(self) -> Money:
        """Quantity x unit price, rounded half up to the currency's minor unit."""
        return (self.unit_price * self.quantity).quantize()

    def tax_amounts(self) -> tuple[Money, ...]:
        """Each tax line's amount, computed from its rate where not given."""
        net = self.net
        return tuple(
            t.amount if t.amount is not None else (net * t.rate / 100).quantize()
            for t in self.taxes
        )

    @property
    def tax(self) -> Money:
        """The sum of the line's taxes."""
        return sum(self.tax_amounts(), Money.zero(self.unit_price.code))

    @property
    def gross(self) -> Money:
        """Net plus tax."""
        return self.net + self.tax


class _DebitDocument(_Frozen):
    """Shared shape of invoices, debit memos and proforma invoices."""

    id: DocumentId
    customer_id: DocumentId
    issue_date: date
    due_date: date | None = None
    terms: PaymentTerms | None = None
    currency: CurrencyCode | None = None
    lines: tuple[InvoiceLine, ...] = ()
    total: Money | None = None
    po_number: str | None = None
    functional_rate: ExactDecimal | None = Field(
        default=None,
        gt=0,
        description="Rate from the document currency to the ledger's functional currency,"
        " booked at posting; None lets the ledger look it up on the issue date.",
    )

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("currency") is None:
            total = data.get("total")
            if isinstance(total, Money):
                data["currency"] = total.code
            elif isinstance(total, dict) and "currency" in total:
                data["currency"] = total["currency"]
            elif isinstance(total, str) and total.split():
                data["currency"] = Money.parse(total).code
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        kind = type(self).__name__
        seen: set[str] = set()
        for line in self.lines:
            if line.id in seen:
                raise _fail(kind, self.id, "lines", f"duplicate line id {line.id!r}")
            seen.add(line.id)
        if self.currency is None:
            if not self.lines:
                raise _fail(kind, self.id, "currency", "give a currency, a total or lines")
            object.__setattr__(self, "currency", self.lines[0].unit_price.code)
        currency = self.currency
        assert currency is not None
        for line in self.lines:
            amounts: dict[str, Money | None] = {f"lines[{line.id}].unit_price": line.unit_price}
            for i, t in enumerate(line.taxes):
                amounts[f"lines[{line.id}].taxes[{i}].amount"] = t.amount
            _same_currency(kind, self.id, currency, amounts)
        _same_currency(kind, self.id, currency, {"total": self.total})
        if self.lines:
            from_lines = sum((line.gross for line in self.lines), Money.zero(currency))
            if self.total is None:
                object.__setattr__(self, "total", from_lines)
            elif self.total != from_lines:
                raise _fail(
                    kind,
                    self.id,
                    "total",
                    f"{self.total} does not equal the lines' net plus tax {from_lines}",
                )
        elif self.total is None:
            raise _fail(kind, self.id, "total", "give a total or lines")
        if self.amount.amount < 0:
            raise _fail(
                kind, self.id, "total", f"{self.total} is negative; issue a credit memo instead"
            )
        if self.due_date is None:
            due = self.terms.due_date(self.issue_date) if self.terms else self.issue_date
            object.__setattr__(self, "due_date", due)
        elif self.due_date < self.issue_date:
            raise _fail(
                kind,
                self.id,
                "due_date",
                f"{self.due_date.isoformat()} is before the issue date"
                f" {self.issue_date.isoformat()}",
            )
        return self

    @property
    def amount(self) -> Money:
        """The gross amount owed (total of the document)."""
        assert self.total is not None
        return self.total

    @property
    def due(self) -> date:
        """The due date (given, or derived from the terms; the issue date without terms)."""
        assert self.due_date is not None
        return self.due_date

    @property
    def net_total(self) -> Money:
        """Sum of the lines' net amounts (the total when there are no lines)."""
        if not self.lines:
            return self.amount
        return sum((line.net for line in self.lines), Money.zero(self.amount.code))

    @property
    def tax_total(self) -> Money:
        """Sum of the lines' taxes (zero when there are no lines)."""
        return sum((line.tax for line in self.lines), Money.zero(self.amount.code))


class Invoice(_DebitDocument):
    """A posted invoice: the customer owes ``total`` by ``due_date``.

    The due date is derived from ``terms`` when absent; ``total`` from the lines when
    absent, and checked against them when both are given.
    """

    kind: Literal["invoice"] = "invoice"
    status: Literal["posted"] = "posted"


class DebitReason(StrEnum):
    """Why a debit memo was issued."""

    PRICING = "pricing"
    TAX = "tax"
    CLOSE_OPEN_CREDIT = "close_open_credit"
    FEE = "fee"
    INTEREST = "interest"
    REBILL = "rebill"
    OTHER = "other"


class DebitMemo(_DebitDocument):
    """A debit memo: more owed (a fee, interest, a re-rate) or a debit that closes a credit."""

    kind: Literal["debit_memo"] = "debit_memo"
    reason: DebitReason = DebitReason.OTHER
    linked_document_id: DocumentId | None = None


class ProformaInvoice(_DebitDocument):
    """A proforma invoice: a quote in invoice form. Never posted, never aged, never dunned.

    Use :meth:`to_invoice` when the sale happens.
    """

    kind: Literal["proforma"] = "proforma"

    def to_invoice(
        self, *, invoice_id: str, issue_date: date, due_date: date | None = None
    ) -> Invoice:
        """The real invoice for this proforma, with its own id and dates."""
        return Invoice(
            id=invoice_id,
            customer_id=self.customer_id,
            issue_date=issue_date,
            due_date=due_date,
            terms=self.terms,
            currency=self.currency,
            lines=self.lines,
            total=self.total,
            po_number=self.po_number,
        )


class CreditReason(StrEnum):
    """Why a credit memo was issued."""

    PRICING = "pricing"
    TAX = "tax"
    RETURN = "return"
    WRITE_OFF = "write_off"
    DISPUTE = "dispute"
    DISCOUNT = "discount"
    OTHER = "other"


class CreditMemo(_Frozen):
    """A credit memo: reduces what the customer owes. It can be applied like a payment.

    ``linked_document_id`` names the document it corrects. A tax-only credit memo
    (``reason=TAX``) carries its taxes as ``tax_lines``.
    """

    kind: Literal["credit_memo"] = "credit_memo"
    id: DocumentId
    customer_id: DocumentId
    issue_date: date
    amount: Money
    reason: CreditReason = CreditReason.OTHER
    linked_document_id: DocumentId | None = None
    tax_lines: tuple[TaxLine, ...] = ()
    functional_rate: ExactDecimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("credit memo", self.id, "amount", f"{self.amount} must be positive")
        _same_currency(
            "credit memo",
            self.id,
            self.amount.code,
            {f"tax_lines[{i}].amount": t.amount for i, t in enumerate(self.tax_lines)},
        )
        return self

    @property
    def currency(self) -> str:
        """The memo's currency."""
        return self.amount.code


# --------------------------------------------------------------------------------------
# Cash
# --------------------------------------------------------------------------------------


class PaymentMethod(StrEnum):
    """How the money arrived."""

    WIRE = "wire"
    ACH = "ach"
    SEPA = "sepa"
    CHECK = "check"
    CARD = "card"
    CASH = "cash"
    DIRECT_DEBIT = "direct_debit"
    OTHER = "other"


class RemittanceLine(_Frozen):
    """One line of remittance advice: the payer says which document this part pays.

    ``reference`` is what the payer wrote ("INV-000123", "123"); ``document_id`` is the
    matched document when known.
    """

    reference: str = Field(min_length=1)
    amount: Money
    document_id: DocumentId | None = None
    discount_taken: Money | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.discount_taken is not None:
            if self.discount_taken.code != self.amount.code:
                raise ValueError(
                    f"remittance {self.reference!r}: discount_taken is in"
                    f" {self.discount_taken.code}, the amount in {self.amount.code}"
                )
            if self.discount_taken.amount < 0:
                raise ValueError(
                    f"remittance {self.reference!r}: discount_taken must not be negative"
                )
        return self


class Payment(_Frozen):
    """A receipt of cash from a customer, with its remittance advice.

    ``customer_id`` may be None for cash not yet identified (unposted bank cash); a
    ledger only takes payments with a customer.
    """

    kind: Literal["payment"] = "payment"
    id: DocumentId
    customer_id: DocumentId | None
    received_on: date
    amount: Money
    value_date: date | None = None
    method: PaymentMethod = PaymentMethod.OTHER
    bank_reference: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    remittance: tuple[RemittanceLine, ...] = ()
    functional_rate: ExactDecimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("payment", self.id, "amount", f"{self.amount} must be positive")
        for i, line in enumerate(self.remittance):
            _same_currency(
                "payment", self.id, self.amount.code, {f"remittance[{i}].amount": line.amount}
            )
        return self

    @property
    def issue_date(self) -> date:
        """The date the payment counts from in the ledger (the receipt date)."""
        return self.received_on

    @property
    def currency(self) -> str:
        """The payment's currency."""
        return self.amount.code


# --------------------------------------------------------------------------------------
# Movements
# --------------------------------------------------------------------------------------


class Application(_Frozen):
    """Cash or credit applied to a debit document.

    ``source_id`` is a payment or credit memo; ``target_id`` an invoice or debit memo.
    ``amount``, ``discount`` and ``write_off`` are in the *target's* currency and together
    reduce its open amount. When the source is in another currency, ``source_amount``
    says how much of the source was used (the realised rate is their ratio).

    Applications are idempotent by ``id``: sending the same one twice changes nothing.
    """

    kind: Literal["application"] = "application"
    id: DocumentId
    source_id: DocumentId
    target_id: DocumentId
    applied_on: date
    amount: Money
    discount: Money | None = None
    write_off: Money | None = None
    source_amount: Money | None = None
    reason: str | None = Field(default=None, description="Why: rule or reason code.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        code = self.amount.code
        _same_currency(
            "application", self.id, code, {"discount": self.discount, "write_off": self.write_off}
        )
        for name, value in (
            ("amount", self.amount),
            ("discount", self.discount),
            ("write_off", self.write_off),
            ("source_amount", self.source_amount),
        ):
            if value is not None and value.amount < 0:
                raise _fail("application", self.id, name, f"{value} must not be negative")
        if self.settled.amount == 0:
            raise _fail("application", self.id, "amount", "applies nothing")
        if self.source_id == self.target_id:
            raise _fail("application", self.id, "target_id", "a document cannot pay itself")
        return self

    @property
    def settled(self) -> Money:
        """What the target loses: amount + discount + write-off, in its currency."""
        total = self.amount
        if self.discount is not None:
            total = total + self.discount
        if self.write_off is not None:
            total = total + self.write_off
        return total

    @property
    def used(self) -> Money:
        """What the source loses: ``source_amount`` when given, else ``amount``."""
        return self.source_amount if self.source_amount is not None else self.amount


class WriteOff(_Frozen):
    """An amount of a document written off (bad debt, small balance), with a reason code.

    On a debit document it reduces what is owed; on a credit (an overpayment, an unused
    credit memo) it removes the credit.
    """

    kind: Literal["write_off"] = "write_off"
    id: DocumentId
    document_id: DocumentId
    written_off_on: date
    amount: Money
    reason_code: str = Field(min_length=1)
    approved_by: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("write-off", self.id, "amount", f"{self.amount} must be positive")
        return self


class Refund(_Frozen):
    """Money paid back to the customer out of a credit (a payment or a credit memo)."""

    kind: Literal["refund"] = "refund"
    id: DocumentId
    customer_id: DocumentId
    source_id: DocumentId
    paid_on: date
    amount: Money
    reference: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("refund", self.id, "amount", f"{self.amount} must be positive")
        return self


# --------------------------------------------------------------------------------------
# Collection records
# --------------------------------------------------------------------------------------


class PromiseToPay(_Frozen):
    """The customer's promise to pay ``amount`` by ``pay_by`` for some documents."""

    kind: Literal["promise"] = "promise"
    id: DocumentId
    customer_id: DocumentId
    document_ids: tuple[DocumentId, ...] = ()
    amount: Money
    promised_on: date
    pay_by: date
    contact: str | None = None
    channel: Literal["phone", "email", "letter", "portal", "meeting", "other"] = "phone"
    collector: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("promise", self.id, "amount", f"{self.amount} must be positive")
        if self.pay_by < self.promised_on:
            raise _fail("promise", self.id, "pay_by", "is before the date of the promise")
        return self


class DisputeResolution(StrEnum):
    """How a dispute ended."""

    CREDIT_MEMO = "credit_memo"
    REBILL = "rebill"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    UPHELD_IN_PART = "upheld_in_part"


class Dispute(_Frozen):
    """A customer's dispute of (part of) a document. The disputed part is not collectable.

    Open while ``resolved_on`` is None (or after the date asked about).
    """

    kind: Literal["dispute"] = "dispute"
    id: DocumentId
    customer_id: DocumentId
    document_id: DocumentId
    amount: Money
    reason_code: str = Field(min_length=1)
    opened_on: date
    line_ids: tuple[DocumentId, ...] = ()
    owner: str | None = None
    resolved_on: date | None = None
    resolution: DisputeResolution | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("dispute", self.id, "amount", f"{self.amount} must be positive")
        if (self.resolved_on is None) != (self.resolution is None):
            raise _fail(
                "dispute", self.id, "resolution", "give both resolved_on and resolution, or none"
            )
        if self.resolved_on is not None and self.resolved_on < self.opened_on:
            raise _fail("dispute", self.id, "resolved_on", "is before the dispute was opened")
        return self

    def is_open(self, on: date) -> bool:
        """True when the dispute was opened on or before ``on`` and not resolved by then."""
        return self.opened_on <= on and (self.resolved_on is None or self.resolved_on > on)

    def resolve(self, *, on: date, resolution: DisputeResolution, note: str | None = None) -> Self:
        """A new value of this dispute, resolved on ``on``."""
        return type(self).model_validate(
            {**dict(self), "resolved_on": on, "resolution": resolution, "note": note or self.note}
        )


Document = Invoice | DebitMemo | CreditMemo | Payment
"""A posted document of the ledger: debits (invoices, debit memos), credits (the rest)."""
