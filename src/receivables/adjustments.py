"""Adjustments: credit and debit memos, tax re-rates, refunds, proformas and contacts.

A posted document is never edited. Whatever the customer, the tax team or accounts
payable asks to change is a *new* document linked to the one it corrects, and the
applications that settle one against the other:

- :func:`credit_adjustment` credits (part of) an invoice for pricing or a return;
- :func:`tax_credit` credits only tax (a tax-only credit memo, ``reason=TAX``);
- :func:`close_open_credit` issues a debit memo that uses up an open credit (old
  unapplied cash, an unused credit memo) so it stops showing on the customer's account;
- :func:`rerate_tax` corrects an invoice's sales tax per jurisdiction: a credit memo for
  the old tax, a debit memo for the new one, rates passed in as data and exemption
  certificates honoured when valid on the invoice date;
- :func:`build_refund_packet` prepares the refund of a credit balance for accounts payable,
  and :func:`record_refund` posts the :class:`~receivables.models.Refund` once it is paid;
- :class:`ProformaBook` issues proformas and remembers which invoice each became;
- :func:`add_contact`, :func:`replace_contact` and :func:`remove_contact` return new
  :class:`~receivables.models.Customer` values.

Every builder returns an :class:`Adjustment` (the new documents, the applications, the
reasons); :func:`post_adjustment` adds it to a ledger through
:meth:`~receivables.ledger.Ledger.apply`, all or nothing.

Sources: the corrective-document practice follows the UN/CEFACT and EN 16931 model of
a credit note referencing the invoice it corrects (EN 16931-1:2017, BG-3 "Preceding
invoice reference"); US sales-tax layering by state, county, city and special district
follows the Streamlined Sales and Use Tax Agreement (SSUTA, 2023), Section 305 and
Appendix C ("jurisdiction"), and exemption certificates its Section 317.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import CreditReason, Invoice
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 3, 2),
    ...                          terms="NET 30", total="1000.00 USD")])
    >>> adj = credit_adjustment(ledger, "INV-1", memo_id="CM-1", on=date(2026, 3, 9),
    ...                         amount=Money("150.00", "USD"), reason=CreditReason.PRICING)
    >>> post_adjustment(ledger, adj).open_amount("INV-1", as_of=date(2026, 3, 9))
    Money('850.00', 'USD')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from receivables.errors import InvalidDocument, ReceivablesError, UnknownDocument
from receivables.ledger import Ledger, OpenItem, is_debit
from receivables.models import (
    Application,
    Contact,
    CreditMemo,
    CreditReason,
    Customer,
    DebitMemo,
    DebitReason,
    DocumentId,
    Invoice,
    InvoiceLine,
    ProformaInvoice,
    Refund,
    TaxExemption,
    TaxLine,
)
from receivables.money import ExactDecimal, Money

__all__ = [
    "Adjustment",
    "AdjustmentError",
    "BankDetails",
    "ProformaBook",
    "ProformaConversion",
    "RefundPacket",
    "RefundSource",
    "TaxRate",
    "TaxRerate",
    "add_contact",
    "build_refund_packet",
    "close_open_credit",
    "credit_adjustment",
    "normalise_iban",
    "post_adjustment",
    "record_refund",
    "remove_contact",
    "replace_contact",
    "rerate_tax",
    "tax_credit",
]

TaxLevel = Literal["country", "state", "county", "city", "district", "other"]


class AdjustmentError(ReceivablesError, ValueError):
    """An adjustment that cannot be built: nothing open to correct, a bad amount, a
    refund without approval, a proforma converted twice."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _fail(doc_id: str, field: str, message: str) -> AdjustmentError:
    return AdjustmentError(f"{doc_id}: {field}: {message}", document_id=doc_id, field=field)


# --------------------------------------------------------------------------------------
# Memos and their applications
# --------------------------------------------------------------------------------------


class Adjustment(_Frozen):
    """New documents and the applications that link them, with the reasons for each.

    ``documents`` are posted first, then ``applications`` are applied, by
    :func:`post_adjustment`.
    """

    documents: tuple[CreditMemo | DebitMemo, ...]
    applications: tuple[Application, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_rows(self) -> list[dict[str, str]]:
        """One plain row per new document and per application.

        Examples:
            >>> memo = CreditMemo(id="CM-1", customer_id="C1", issue_date=date(2026, 1, 2),
            ...                   amount="5.00 USD")
            >>> Adjustment(documents=(memo,)).to_rows()[0]["amount"]
            '5.00'
        """
        rows: list[dict[str, str]] = []
        for doc in self.documents:
            rows.append(
                {
                    "kind": doc.kind,
                    "id": doc.id,
                    "amount": str(doc.amount.amount),
                    "currency": doc.amount.code,
                    "links": doc.linked_document_id or "",
                }
            )
        for a in self.applications:
            rows.append(
                {
                    "kind": a.kind,
                    "id": a.id,
                    "amount": str(a.amount.amount),
                    "currency": a.amount.code,
                    "links": f"{a.source_id}->{a.target_id}",
                }
            )
        return rows


def post_adjustment(ledger: Ledger, adjustment: Adjustment) -> Ledger:
    """A new ledger with the adjustment's documents posted and its applications applied.

    Both steps are checked before anything is returned: on any error the original
    ledger is untouched (it is immutable) and nothing is half-posted.

    Examples:
        >>> from receivables.models import Payment
        >>> ledger = Ledger([Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 5),
        ...                          amount="40.00 EUR")])
        >>> adj = close_open_credit(ledger, "P1", memo_id="DM-1", on=date(2026, 6, 30))
        >>> post_adjustment(ledger, adj).balance("C1", as_of=date(2026, 6, 30))
        Money('0.00', 'EUR')
    """
    return ledger.add(adjustment.documents).apply(adjustment.applications)


def _debit(ledger: Ledger, doc_id: str) -> Invoice | DebitMemo:
    doc = ledger.document(doc_id)
    if not isinstance(doc, (Invoice, DebitMemo)):
        raise _fail(doc_id, "document_id", f"{doc.kind} is not an invoice or debit memo")
    return doc


def _positive(doc_id: str, field: str, amount: Money, currency: str) -> None:
    if amount.code != currency:
        raise _fail(doc_id, field, f"{amount} is not in the document's currency {currency}")
    if amount.amount <= 0:
        raise _fail(doc_id, field, f"{amount} must be positive")


def _apply_credit(
    ledger: Ledger,
    memo: CreditMemo,
    targets: Sequence[Invoice | DebitMemo],
    *,
    on: date,
    application_id: str,
    reasons: list[str],
    reason: str,
    extra_open: dict[str, Money] | None = None,
) -> list[Application]:
    """Apply ``memo`` to ``targets`` in order, each up to its open amount on ``on``."""
    left = memo.amount
    apps: list[Application] = []
    for n, target in enumerate(targets, start=1):
        if left.amount == 0:
            break
        if target.id in ledger:
            open_now = ledger.open_amount(target.id, as_of=on)
        else:
            open_now = (extra_open or {}).get(target.id, Money.zero(memo.currency))
        if open_now.amount <= 0:
            reasons.append(f"{target.id} has nothing open on {on.isoformat()}: not applied")
            continue
        amount = min(left, open_now)
        app_id = application_id if len(targets) == 1 else f"{application_id}-{n}"
        apps.append(
            Application(
                id=app_id,
                source_id=memo.id,
                target_id=target.id,
                applied_on=on,
                amount=amount,
                reason=reason,
            )
        )
        reasons.append(f"{memo.id} applied {amount} to {target.id} (open {open_now})")
        left = left - amount
    if left.amount > 0:
        reasons.append(f"{left} of {memo.id} stays open as a credit on the account")
    return apps


def credit_adjustment(
    ledger: Ledger,
    document_id: str,
    *,
    memo_id: str,
    on: date,
    amount: Money,
    reason: CreditReason = CreditReason.PRICING,
    application_id: str | None = None,
) -> Adjustment:
    """A credit memo for a pricing adjustment or a return, applied to the invoice.

    The memo is linked to ``document_id`` and applied to it up to the invoice's open
    amount on ``on``; any excess (the invoice was already paid) stays as an open credit,
    to be refunded or applied elsewhere.

    Examples:
        >>> ledger = Ledger([Invoice(id="INV-9", customer_id="C1",
        ...                          issue_date=date(2026, 2, 1), total="80.00 USD")])
        >>> adj = credit_adjustment(ledger, "INV-9", memo_id="CM-9", on=date(2026, 2, 3),
        ...                         amount=Money("20.00", "USD"), reason=CreditReason.RETURN)
        >>> [(a.source_id, a.target_id, a.amount) for a in adj.applications]
        [('CM-9', 'INV-9', Money('20.00', 'USD'))]
    """
    target = _debit(ledger, document_id)
    _positive(memo_id, "amount", amount, target.amount.code)
    if on < target.issue_date:
        raise _fail(memo_id, "issue_date", f"{on.isoformat()} is before {document_id}")
    memo = CreditMemo(
        id=memo_id,
        customer_id=target.customer_id,
        issue_date=on,
        amount=amount,
        reason=reason,
        linked_document_id=target.id,
    )
    reasons = [f"{reason.value} credit of {amount} against {target.id}"]
    apps = _apply_credit(
        ledger,
        memo,
        [target],
        on=on,
        application_id=application_id or f"{memo_id}-APP",
        reasons=reasons,
        reason=f"credit memo {reason.value}",
    )
    return Adjustment(documents=(memo,), applications=tuple(apps), reasons=tuple(reasons))


def tax_credit(
    ledger: Ledger,
    document_id: str,
    *,
    memo_id: str,
    on: date,
    tax_lines: Sequence[TaxLine],
    application_id: str | None = None,
) -> Adjustment:
    """A tax-only credit memo: credits the tax of ``tax_lines`` (each with an amount).

    Used when the tax team finds tax charged that should not have been (an exempt
    customer, a wrong jurisdiction); the net amount of the sale is untouched.

    Examples:
        >>> from receivables.models import InvoiceLine
        >>> line = InvoiceLine(id="1", unit_price="100.00 USD",
        ...                    taxes=(TaxLine(jurisdiction="TX", rate="6.25", level="state"),))
        >>> ledger = Ledger([Invoice(id="INV-5", customer_id="C1",
        ...                          issue_date=date(2026, 2, 1), lines=(line,))])
        >>> adj = tax_credit(ledger, "INV-5", memo_id="CM-T", on=date(2026, 2, 9),
        ...     tax_lines=[TaxLine(jurisdiction="TX", rate="6.25", level="state",
        ...                        amount=Money("6.25", "USD"))])
        >>> adj.documents[0].amount, adj.documents[0].reason.value
        (Money('6.25', 'USD'), 'tax')
    """
    target = _debit(ledger, document_id)
    if on < target.issue_date:
        raise _fail(memo_id, "issue_date", f"{on.isoformat()} is before {document_id}")
    if not tax_lines:
        raise _fail(memo_id, "tax_lines", "a tax credit needs at least one tax line")
    currency = target.amount.code
    total = Money.zero(currency)
    for i, t in enumerate(tax_lines):
        if t.amount is None:
            raise _fail(memo_id, f"tax_lines[{i}].amount", "give the tax amount to credit")
        _positive(memo_id, f"tax_lines[{i}].amount", t.amount, currency)
        total = total + t.amount
    memo = CreditMemo(
        id=memo_id,
        customer_id=target.customer_id,
        issue_date=on,
        amount=total,
        reason=CreditReason.TAX,
        linked_document_id=target.id,
        tax_lines=tuple(tax_lines),
    )
    reasons = [
        f"tax-only credit of {total} against {target.id}: "
        + ", ".join(f"{t.jurisdiction} {t.amount}" for t in tax_lines)
    ]
    apps = _apply_credit(
        ledger,
        memo,
        [target],
        on=on,
        application_id=application_id or f"{memo_id}-APP",
        reasons=reasons,
        reason="tax credit",
    )
    return Adjustment(documents=(memo,), applications=tuple(apps), reasons=tuple(reasons))


def close_open_credit(
    ledger: Ledger,
    credit_id: str,
    *,
    memo_id: str,
    on: date,
    application_id: str | None = None,
    reason: DebitReason = DebitReason.CLOSE_OPEN_CREDIT,
) -> Adjustment:
    """A debit memo for the whole open credit of ``credit_id`` on ``on``, applied to it.

    Closes unapplied cash or an unused credit memo (to reclassify it, e.g. as unclaimed
    property or other income, in the general ledger) without editing the credit.

    Examples:
        >>> ledger = Ledger([CreditMemo(id="CM-3", customer_id="C1",
        ...                             issue_date=date(2026, 1, 2), amount="12.50 USD")])
        >>> adj = close_open_credit(ledger, "CM-3", memo_id="DM-3", on=date(2026, 4, 1))
        >>> adj.documents[0].amount, adj.documents[0].linked_document_id
        (Money('12.50', 'USD'), 'CM-3')
    """
    credit = ledger.document(credit_id)
    if is_debit(credit):
        raise _fail(credit_id, "credit_id", f"{credit.kind} is not a payment or credit memo")
    open_credit = -ledger.open_amount(credit_id, as_of=on)
    if open_credit.amount <= 0:
        raise _fail(credit_id, "open_amount", f"nothing open on {on.isoformat()}")
    assert credit.customer_id is not None
    memo = DebitMemo(
        id=memo_id,
        customer_id=credit.customer_id,
        issue_date=on,
        total=open_credit,
        reason=reason,
        linked_document_id=credit_id,
    )
    app = Application(
        id=application_id or f"{memo_id}-APP",
        source_id=credit_id,
        target_id=memo_id,
        applied_on=on,
        amount=open_credit,
        reason=f"debit memo {reason.value}",
    )
    reasons = (f"open credit {open_credit} of {credit_id} closed by debit memo {memo_id}",)
    return Adjustment(documents=(memo,), applications=(app,), reasons=reasons)


# --------------------------------------------------------------------------------------
# Sales-tax re-rate
# --------------------------------------------------------------------------------------


class TaxRate(_Frozen):
    """A tax rate for one jurisdiction, as supplied by the tax team or a tax engine.

    No rate database ships with the library: rates are data passed in.
    """

    jurisdiction: str = Field(min_length=1)
    rate: ExactDecimal = Field(ge=0, description="Percent, e.g. 6.25")
    level: TaxLevel = "other"


class TaxRerate(_Frozen):
    """What a re-rate changes for one jurisdiction (amounts are totals over the lines)."""

    jurisdiction: str
    level: TaxLevel
    old_rate: ExactDecimal | None
    new_rate: ExactDecimal
    old_amount: Money
    new_amount: Money
    reason: str


def _exempting(exemptions: Iterable[TaxExemption], jurisdiction: str, on: date) -> str | None:
    for cert in sorted(exemptions, key=lambda c: c.certificate_id):
        covers = not cert.jurisdictions or jurisdiction in cert.jurisdictions
        if covers and cert.valid_on(on):
            return cert.certificate_id
    return None


def rerate_tax(
    ledger: Ledger,
    invoice_id: str,
    *,
    rates: Sequence[TaxRate],
    on: date,
    credit_memo_id: str,
    debit_memo_id: str,
    customer: Customer | None = None,
    application_id: str | None = None,
) -> tuple[Adjustment, tuple[TaxRerate, ...]]:
    """Re-rate an invoice's sales tax: credit the old tax, debit the new, per jurisdiction.

    For every jurisdiction in ``rates`` the tax is recomputed line by line,
    ``tax = round_half_up(net x rate / 100)`` at the minor unit, as on the invoice (SSUTA
    Section 324 allows rounding per line or per invoice; the invoice's own line-level
    rounding is kept so the old and new figures compare like for like). A jurisdiction
    not on the invoice applies to each taxed line (every line when none is taxed). A
    customer's exemption certificate (``customer.tax_exemptions``, or the ledger's
    customer) that covers a jurisdiction and is valid on the *invoice date* makes its new
    rate zero (SSUTA Section 317). Jurisdictions whose tax does not change are left alone.

    The result is a tax-only credit memo for the old tax of the changed jurisdictions
    and a tax debit memo (a zero-price line carrying the new tax lines) for the new tax,
    both linked to the invoice; the credit is applied to the invoice's open amount and
    then to the new debit memo. Returns the adjustment and one :class:`TaxRerate` per
    jurisdiction considered.

    Examples:
        >>> line = InvoiceLine(id="1", unit_price="1000.00 USD", taxes=(
        ...     TaxLine(jurisdiction="TX", rate="6.25", level="state"),
        ...     TaxLine(jurisdiction="TX-AUSTIN", rate="1.00", level="city")))
        >>> ledger = Ledger([Invoice(id="INV-7", customer_id="C1",
        ...                          issue_date=date(2026, 5, 4), lines=(line,))])
        >>> adj, changes = rerate_tax(ledger, "INV-7",
        ...     rates=[TaxRate(jurisdiction="TX-AUSTIN", rate="2.00", level="city")],
        ...     on=date(2026, 5, 20), credit_memo_id="CM-R", debit_memo_id="DM-R")
        >>> [(d.kind, d.amount) for d in adj.documents]
        [('credit_memo', Money('10.00', 'USD')), ('debit_memo', Money('20.00', 'USD'))]
    """
    invoice = _debit(ledger, invoice_id)
    if on < invoice.issue_date:
        # A correction dated before the invoice would find nothing open on it and land
        # on the new debit memo instead.
        raise _fail(credit_memo_id, "issue_date", f"{on.isoformat()} is before {invoice_id}")
    if not invoice.lines:
        raise _fail(invoice_id, "lines", "an invoice without lines has no tax to re-rate")
    seen: set[str] = set()
    for r in rates:
        if r.jurisdiction in seen:
            raise _fail(invoice_id, "rates", f"two rates for jurisdiction {r.jurisdiction!r}")
        seen.add(r.jurisdiction)
    if customer is None and invoice.customer_id in ledger.customers:
        customer = ledger.customer(invoice.customer_id)
    exemptions = customer.tax_exemptions if customer is not None else ()
    currency = invoice.amount.code
    zero = Money.zero(currency)

    old_amount: dict[str, Money] = defaultdict(lambda: zero)
    old_rate: dict[str, Decimal] = {}
    levels: dict[str, TaxLevel] = {}
    for line in invoice.lines:
        for t, amount in zip(line.taxes, line.tax_amounts(), strict=True):
            old_amount[t.jurisdiction] = old_amount[t.jurisdiction] + amount
            old_rate.setdefault(t.jurisdiction, t.rate)
            levels.setdefault(t.jurisdiction, t.level)
    taxed = [line for line in invoice.lines if line.taxes] or list(invoice.lines)

    changes: list[TaxRerate] = []
    credit_lines: list[TaxLine] = []
    debit_lines: list[TaxLine] = []
    for r in sorted(rates, key=lambda r: r.jurisdiction):
        certificate = _exempting(exemptions, r.jurisdiction, invoice.issue_date)
        new_rate = Decimal(0) if certificate is not None else r.rate
        on_invoice = r.jurisdiction in old_amount
        lines = (
            [
                line
                for line in invoice.lines
                if any(t.jurisdiction == r.jurisdiction for t in line.taxes)
            ]
            if on_invoice
            else taxed
        )
        new_amount = sum(((line.net * new_rate / 100).quantize() for line in lines), zero)
        old = old_amount.get(r.jurisdiction, zero)
        level = levels.get(r.jurisdiction, r.level)
        if certificate is not None:
            why = f"exempt: certificate {certificate} valid on {invoice.issue_date.isoformat()}"
        elif new_amount == old:
            why = "unchanged"
        else:
            why = f"re-rated from {old_rate.get(r.jurisdiction, 'none')}% to {new_rate}%"
        changes.append(
            TaxRerate(
                jurisdiction=r.jurisdiction,
                level=level,
                old_rate=old_rate.get(r.jurisdiction),
                new_rate=new_rate,
                old_amount=old,
                new_amount=new_amount,
                reason=why,
            )
        )
        if new_amount == old:
            continue
        if old.amount > 0:
            credit_lines.append(
                TaxLine(
                    jurisdiction=r.jurisdiction,
                    rate=old_rate[r.jurisdiction],
                    amount=old,
                    level=level,
                )
            )
        if new_amount.amount > 0:
            debit_lines.append(
                TaxLine(jurisdiction=r.jurisdiction, rate=new_rate, amount=new_amount, level=level)
            )

    reasons = [f"{c.jurisdiction}: {c.old_amount} -> {c.new_amount} ({c.reason})" for c in changes]
    documents: list[CreditMemo | DebitMemo] = []
    debit: DebitMemo | None = None
    if debit_lines:
        debit = DebitMemo(
            id=debit_memo_id,
            customer_id=invoice.customer_id,
            issue_date=on,
            currency=currency,
            lines=(
                InvoiceLine(
                    id="TAX",
                    description=f"sales tax re-rate of {invoice_id}",
                    unit_price=zero,
                    taxes=tuple(debit_lines),
                ),
            ),
            terms=invoice.terms,
            po_number=invoice.po_number,
            reason=DebitReason.TAX,
            linked_document_id=invoice_id,
        )
    apps: list[Application] = []
    if credit_lines:
        memo = CreditMemo(
            id=credit_memo_id,
            customer_id=invoice.customer_id,
            issue_date=on,
            amount=sum((t.amount for t in credit_lines if t.amount is not None), zero),
            reason=CreditReason.TAX,
            linked_document_id=invoice_id,
            tax_lines=tuple(credit_lines),
        )
        documents.append(memo)
        targets: list[Invoice | DebitMemo] = [invoice] + ([debit] if debit else [])
        apps = _apply_credit(
            ledger,
            memo,
            targets,
            on=on,
            application_id=application_id or f"{credit_memo_id}-APP",
            reasons=reasons,
            reason="tax re-rate",
            extra_open={debit.id: debit.amount} if debit else None,
        )
    if debit is not None:
        documents.append(debit)
    if not documents:
        reasons.append("no jurisdiction changed: nothing to issue")
    return (
        Adjustment(documents=tuple(documents), applications=tuple(apps), reasons=tuple(reasons)),
        tuple(changes),
    )


# --------------------------------------------------------------------------------------
# Refunds
# --------------------------------------------------------------------------------------


def normalise_iban(iban: str) -> str:
    """Validate an IBAN (ISO 13616: country, check digits mod 97, national format) with
    the ``schwifty`` library and return it in its compact form.

    Needs the ``iban`` extra (``pip install receivables[iban]``).

    Examples:
        >>> normalise_iban("DE89 3704 0044 0532 0130 00")
        'DE89370400440532013000'
        >>> normalise_iban("DE00 3704 0044 0532 0130 00")
        Traceback (most recent call last):
        ...
        receivables.adjustments.AdjustmentError: iban: DE00...: invalid IBAN: ...
    """
    try:
        from schwifty import IBAN
        from schwifty.exceptions import SchwiftyException
    except ImportError as exc:
        raise ImportError(
            "validating an IBAN needs the 'schwifty' package: pip install receivables[iban]"
        ) from exc
    compact = "".join(iban.split()).upper()
    try:
        return str(IBAN(compact).compact)
    except SchwiftyException as exc:
        raise AdjustmentError(
            f"iban: {compact[:4]}...: invalid IBAN: {exc}", field="iban"
        ) from None


class BankDetails(_Frozen):
    """Where accounts payable sends the refund. An IBAN is validated (and compacted)."""

    account_holder: str = Field(min_length=1)
    iban: str | None = None
    bic: str | None = Field(default=None, pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
    account_number: str | None = None
    routing_number: str | None = Field(default=None, pattern=r"^\d{9}$")
    bank_name: str | None = None

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str | None) -> str | None:
        return None if value is None else normalise_iban(value)

    @model_validator(mode="after")
    def _some_account(self) -> Self:
        if self.iban is None and self.account_number is None:
            raise ValueError("bank details need an iban or an account_number")
        return self


class RefundSource(_Frozen):
    """One credit that makes up (part of) a refund."""

    document_id: DocumentId
    kind: str
    issue_date: date
    open_credit: Money = Field(description="Credit open on the packet's date (positive).")
    refunded: Money = Field(description="How much of it this refund pays back.")


class RefundPacket(_Frozen):
    """A refund request for accounts payable: payee, amount, bank details, the credits
    behind it, and who asked for and approved it.

    A packet is a value: :meth:`approve` returns an approved copy;
    :func:`record_refund` posts it once paid.
    """

    id: DocumentId
    customer_id: DocumentId
    payee_name: str = Field(min_length=1)
    amount: Money
    prepared_on: date
    sources: tuple[RefundSource, ...]
    bank: BankDetails | None = None
    reason: str = "customer credit balance"
    requested_by: str | None = None
    approved_by: str | None = None
    approved_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        # A packet goes to accounts payable, who pay it before the ledger sees it: its
        # bounds are checked here, not left to record_refund.
        if not self.sources:
            raise _fail(self.id, "sources", "a refund needs at least one source credit")
        if self.amount.amount <= 0:
            raise _fail(self.id, "amount", f"{self.amount} must be positive")
        ids = [s.document_id for s in self.sources]
        if len(ids) != len(set(ids)):
            raise _fail(self.id, "sources", "a source credit is listed twice")
        for s in self.sources:
            if s.refunded.code != self.amount.code or s.open_credit.code != self.amount.code:
                raise _fail(self.id, "sources", f"{s.document_id} is not in {self.amount.code}")
            if s.refunded.amount <= 0:
                raise _fail(
                    self.id, "sources", f"{s.document_id} refunds {s.refunded}: must be positive"
                )
            if s.refunded > s.open_credit:
                raise _fail(
                    self.id,
                    "sources",
                    f"{s.document_id} refunds {s.refunded}, more than its open credit"
                    f" {s.open_credit}",
                )
        total = sum((s.refunded for s in self.sources), Money.zero(self.amount.code))
        if total != self.amount:
            raise _fail(self.id, "sources", f"sources refund {total}, the packet {self.amount}")
        if (self.approved_by is None) != (self.approved_on is None):
            raise _fail(self.id, "approved_on", "give both approved_by and approved_on")
        if self.approved_on is not None and self.approved_on < self.prepared_on:
            raise _fail(self.id, "approved_on", "is before the packet was prepared")
        if self.approved_by is not None and self.approved_by == self.requested_by:
            raise _fail(self.id, "approved_by", "the requester cannot approve their own refund")
        return self

    @property
    def approved(self) -> bool:
        """True once someone other than the requester approved it."""
        return self.approved_by is not None

    def approve(self, *, by: str, on: date) -> RefundPacket:
        """An approved copy of the packet (four-eyes: not by the requester).

        Examples:
            >>> p = RefundPacket(id="RF-1", customer_id="C1", payee_name="Acme",
            ...     amount="5.00 USD", prepared_on=date(2026, 1, 2), requested_by="ann",
            ...     sources=(RefundSource(document_id="P1", kind="payment",
            ...              issue_date=date(2026, 1, 1), open_credit="5.00 USD",
            ...              refunded="5.00 USD"),))
            >>> p.approve(by="bob", on=date(2026, 1, 3)).approved
            True
        """
        return RefundPacket.model_validate({**dict(self), "approved_by": by, "approved_on": on})

    def refunds(self, *, paid_on: date, reference: str | None = None) -> tuple[Refund, ...]:
        """The ledger movements for this packet, one per source, ids ``<packet>-<n>``."""
        if not self.approved:
            raise _fail(self.id, "approved_by", "an unapproved refund cannot be paid")
        assert self.approved_on is not None
        if paid_on < self.approved_on:
            raise _fail(self.id, "paid_on", "is before the refund was approved")
        return tuple(
            Refund(
                id=f"{self.id}-{n}",
                customer_id=self.customer_id,
                source_id=s.document_id,
                paid_on=paid_on,
                amount=s.refunded,
                reference=reference,
            )
            for n, s in enumerate(self.sources, start=1)
        )

    def to_rows(self) -> list[dict[str, str]]:
        """One row per source credit, with the packet's payee and approval."""
        return [
            {
                "packet": self.id,
                "customer_id": self.customer_id,
                "payee": self.payee_name,
                "document_id": s.document_id,
                "kind": s.kind,
                "refunded": str(s.refunded.amount),
                "currency": s.refunded.code,
                "approved_by": self.approved_by or "",
            }
            for s in self.sources
        ]


def build_refund_packet(
    ledger: Ledger,
    customer_id: str,
    *,
    packet_id: str,
    as_of: date,
    amount: Money | None = None,
    currency: str | None = None,
    source_ids: Sequence[str] | None = None,
    payee_name: str | None = None,
    bank: BankDetails | None = None,
    requested_by: str | None = None,
    reason: str = "customer credit balance",
) -> RefundPacket:
    """Prepare the refund of a customer's open credits (unapplied cash, unused memos).

    The credits are taken oldest first (date, then id), or only ``source_ids``, until
    ``amount`` is reached (all of them when ``amount`` is None). A refund never exceeds
    the customer's net credit balance in that currency: a customer who owes more than
    its credits gets no refund; apply the credit instead.

    Examples:
        >>> from receivables.models import Payment
        >>> ledger = Ledger([Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 5),
        ...                          amount="40.00 EUR")])
        >>> p = build_refund_packet(ledger, "C1", packet_id="RF-1", as_of=date(2026, 2, 1),
        ...                         payee_name="Acme GmbH", requested_by="ann")
        >>> p.amount, [s.document_id for s in p.sources]
        (Money('40.00', 'EUR'), ['P1'])
    """
    credits = [i for i in ledger.open_items(as_of=as_of, customer_id=customer_id) if i.is_credit]
    codes = sorted({i.open.code for i in credits})
    if amount is not None:
        currency = amount.code
    if currency is None:
        if len(codes) != 1:
            raise _fail(
                packet_id,
                "currency",
                f"customer {customer_id} has open credits in {codes or 'no currency'};"
                " name the currency",
            )
        currency = codes[0]
    credits = [i for i in credits if i.open.code == currency]
    if source_ids is not None:
        wanted = set(source_ids)
        missing = wanted - {i.id for i in credits}
        if missing:
            raise _fail(packet_id, "source_ids", f"no open {currency} credit: {sorted(missing)}")
        credits = [i for i in credits if i.id in wanted]
    if not credits:
        raise _fail(packet_id, "sources", f"customer {customer_id} has no open {currency} credit")
    available = sum((-i.open for i in credits), Money.zero(currency))
    net_credit = -ledger.balances(as_of=as_of, customer_id=customer_id).get(
        currency, Money.zero(currency)
    )
    ceiling = min(available, net_credit)
    if ceiling.amount <= 0:
        raise _fail(
            packet_id,
            "amount",
            f"customer {customer_id} owes {-net_credit} on {as_of.isoformat()}:"
            " apply the credit instead of refunding it",
        )
    wanted_amount = ceiling if amount is None else amount
    if wanted_amount.amount <= 0:
        raise _fail(packet_id, "amount", f"{wanted_amount} must be positive")
    if wanted_amount > ceiling:
        raise _fail(
            packet_id,
            "amount",
            f"{wanted_amount} is more than the refundable credit {ceiling}",
        )
    sources: list[RefundSource] = []
    left = wanted_amount
    for item in sorted(credits, key=lambda i: (i.issue_date, i.id)):
        if left.amount == 0:
            break
        part = min(left, -item.open)
        sources.append(_source(item, part))
        left = left - part
    if payee_name is None:
        payee_name = ledger.customer(customer_id).name if customer_id in ledger.customers else None
    if payee_name is None:
        raise _fail(packet_id, "payee_name", "give the payee (the customer is not in the ledger)")
    return RefundPacket(
        id=packet_id,
        customer_id=customer_id,
        payee_name=payee_name,
        amount=wanted_amount,
        prepared_on=as_of,
        sources=tuple(sources),
        bank=bank,
        reason=reason,
        requested_by=requested_by,
    )


def _source(item: OpenItem, part: Money) -> RefundSource:
    return RefundSource(
        document_id=item.id,
        kind=item.document.kind,
        issue_date=item.issue_date,
        open_credit=-item.open,
        refunded=part,
    )


def record_refund(
    ledger: Ledger, packet: RefundPacket, *, paid_on: date, reference: str | None = None
) -> Ledger:
    """A new ledger with the packet's refunds recorded as paid on ``paid_on``.

    Examples:
        >>> from receivables.models import Payment
        >>> ledger = Ledger([Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 5),
        ...                          amount="40.00 EUR")])
        >>> p = build_refund_packet(ledger, "C1", packet_id="RF-1", as_of=date(2026, 2, 1),
        ...                         payee_name="Acme GmbH", requested_by="ann")
        >>> paid = record_refund(ledger, p.approve(by="bob", on=date(2026, 2, 2)),
        ...                      paid_on=date(2026, 2, 5), reference="AP-991")
        >>> paid.balance("C1", as_of=date(2026, 2, 5))
        Money('0.00', 'EUR')
    """
    return ledger.apply(packet.refunds(paid_on=paid_on, reference=reference))


# --------------------------------------------------------------------------------------
# Proforma invoices
# --------------------------------------------------------------------------------------


class ProformaConversion(_Frozen):
    """Which invoice a proforma became, and when."""

    proforma_id: DocumentId
    invoice_id: DocumentId
    converted_on: date


class ProformaBook(_Frozen):
    """The proformas issued and the invoices they became. Proformas are never posted to
    a ledger, never aged and never dunned: this book is where they live.

    Examples:
        >>> pf = ProformaInvoice(id="PF-1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                      terms="NET 30", total="900.00 USD")
        >>> book = ProformaBook().issue(pf)
        >>> book, invoice = book.convert("PF-1", invoice_id="INV-77",
        ...                              issue_date=date(2026, 2, 1))
        >>> invoice.due_date, book.invoice_for("PF-1"), book.outstanding()
        (datetime.date(2026, 3, 3), 'INV-77', ())
    """

    proformas: tuple[ProformaInvoice, ...] = ()
    conversions: tuple[ProformaConversion, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        ids = [p.id for p in self.proformas]
        if len(ids) != len(set(ids)):
            raise InvalidDocument("proforma book: two proformas share an id", field="proformas")
        known = set(ids)
        converted: set[str] = set()
        for c in self.conversions:
            if c.proforma_id not in known:
                raise UnknownDocument(
                    f"proforma {c.proforma_id}: conversion names an unknown proforma",
                    document_id=c.proforma_id,
                )
            if c.proforma_id in converted:
                raise _fail(c.proforma_id, "conversions", "converted twice")
            converted.add(c.proforma_id)
        return self

    def issue(self, proforma: ProformaInvoice) -> ProformaBook:
        """A new book with ``proforma`` issued."""
        if any(p.id == proforma.id for p in self.proformas):
            raise _fail(proforma.id, "id", "a proforma with this id was already issued")
        return ProformaBook(
            proformas=tuple(sorted((*self.proformas, proforma), key=lambda p: p.id)),
            conversions=self.conversions,
        )

    def proforma(self, proforma_id: str) -> ProformaInvoice:
        """The proforma with id ``proforma_id``."""
        for p in self.proformas:
            if p.id == proforma_id:
                return p
        raise UnknownDocument(f"unknown proforma {proforma_id!r}", document_id=proforma_id)

    def convert(
        self,
        proforma_id: str,
        *,
        invoice_id: str,
        issue_date: date,
        due_date: date | None = None,
    ) -> tuple[ProformaBook, Invoice]:
        """Turn a proforma into a real invoice (to post to the ledger); remember the link.

        A proforma converts once; the invoice may not predate the proforma.
        """
        proforma = self.proforma(proforma_id)
        if self.invoice_for(proforma_id) is not None:
            raise _fail(
                proforma_id,
                "conversions",
                f"already converted to {self.invoice_for(proforma_id)}",
            )
        if issue_date < proforma.issue_date:
            raise _fail(proforma_id, "issue_date", "the invoice would predate its proforma")
        invoice = proforma.to_invoice(
            invoice_id=invoice_id, issue_date=issue_date, due_date=due_date
        )
        conversion = ProformaConversion(
            proforma_id=proforma_id, invoice_id=invoice_id, converted_on=issue_date
        )
        book = ProformaBook(
            proformas=self.proformas,
            conversions=tuple(sorted((*self.conversions, conversion), key=lambda c: c.proforma_id)),
        )
        return book, invoice

    def invoice_for(self, proforma_id: str) -> str | None:
        """The id of the invoice the proforma became, or None."""
        return next((c.invoice_id for c in self.conversions if c.proforma_id == proforma_id), None)

    def proforma_for(self, invoice_id: str) -> str | None:
        """The id of the proforma an invoice came from, or None."""
        return next((c.proforma_id for c in self.conversions if c.invoice_id == invoice_id), None)

    def outstanding(self, *, as_of: date | None = None) -> tuple[ProformaInvoice, ...]:
        """Proformas issued (by ``as_of``) and not converted (by then), by date and id."""
        done = {c.proforma_id for c in self.conversions if as_of is None or c.converted_on <= as_of}
        return tuple(
            sorted(
                (
                    p
                    for p in self.proformas
                    if p.id not in done and (as_of is None or p.issue_date <= as_of)
                ),
                key=lambda p: (p.issue_date, p.id),
            )
        )


# --------------------------------------------------------------------------------------
# Contacts
# --------------------------------------------------------------------------------------


def add_contact(customer: Customer, contact: Contact) -> Customer:
    """A new customer value with ``contact`` added (names are unique per customer).

    Examples:
        >>> from receivables.models import ContactRole
        >>> c = Customer(id="C1", name="Acme", currency="USD")
        >>> c2 = add_contact(c, Contact(name="Ann", email="ap@acme.test",
        ...                             roles=frozenset({ContactRole.ACCOUNTS_PAYABLE})))
        >>> [x.name for x in c2.contacts_for(ContactRole.ACCOUNTS_PAYABLE)], c.contacts
        (['Ann'], ())
    """
    if any(c.name == contact.name for c in customer.contacts):
        raise _fail(customer.id, "contacts", f"a contact named {contact.name!r} exists")
    return customer.model_copy(update={"contacts": (*customer.contacts, contact)})


def replace_contact(customer: Customer, name: str, contact: Contact) -> Customer:
    """A new customer value with the contact named ``name`` replaced by ``contact``.

    Examples:
        >>> from receivables.models import ContactRole
        >>> c = Customer(id="C1", name="Acme", currency="USD", contacts=(Contact(name="Ann"),))
        >>> replace_contact(c, "Ann", Contact(name="Ann", roles=frozenset(
        ...     {ContactRole.ESCALATION}))).contacts_for(ContactRole.ESCALATION)[0].name
        'Ann'
    """
    if not any(c.name == name for c in customer.contacts):
        raise _fail(customer.id, "contacts", f"no contact named {name!r}")
    if contact.name != name and any(c.name == contact.name for c in customer.contacts):
        raise _fail(customer.id, "contacts", f"a contact named {contact.name!r} exists")
    return customer.model_copy(
        update={"contacts": tuple(contact if c.name == name else c for c in customer.contacts)}
    )


def remove_contact(customer: Customer, name: str) -> Customer:
    """A new customer value without the contact named ``name``.

    Examples:
        >>> c = Customer(id="C1", name="Acme", currency="USD", contacts=(Contact(name="Ann"),))
        >>> remove_contact(c, "Ann").contacts
        ()
    """
    if not any(c.name == name for c in customer.contacts):
        raise _fail(customer.id, "contacts", f"no contact named {name!r}")
    return customer.model_copy(
        update={"contacts": tuple(c for c in customer.contacts if c.name != name)}
    )
