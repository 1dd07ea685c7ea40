"""Early-payment discounts per instalment, across currencies, and the tax they reduce.

**Per instalment.** An instalment plan (``PaymentTerms.instalments``) can carry a discount on
each part (``50% 30 DAYS (2/10)``). :func:`settle_instalments` applies a payment to the open
instalments in number order; an instalment paid by its deadline (plus grace days) earns its
discount: paying ``open - open x p / 100`` settles ``open``. A payment that cannot settle an
instalment in full earns the discount on the part it settles (``partial="pro_rata"``): it
settles the gross $g = \\text{paid} / (1 - p / 100)$ (rounded half up), discount $g -
\\text{paid}$; with ``partial="none"`` a partial payment earns no discount.

**Across currencies.** A payment in another currency is converted into the document's
currency **at the payment's rate** (the rate on the day it is received, from
:class:`~receivables.money.FxRates`), and the discount is also stated in the payment's
currency at that rate; the rate and its date are part of the result.

**Tax effect.** An early-payment discount reduces the taxable amount (Council Directive
2006/112/EC, art. 79(a): the taxable amount shall not include "price reductions by way of
discount for early payment"; art. 90(1): where the price is reduced after the supply, the
taxable amount is reduced accordingly; Germany: UStG § 17(1), Abschn. 10.3 UStAE). The
discount is a gross amount: :func:`discount_tax_effect` splits it over the invoice lines in
proportion to their gross amounts, then each line's share into net and each tax in
proportion to the line's net and taxes, so the tax it reduces per line rate is

$$ \\Delta T_{l,j} = d_l \\cdot \\frac{T_{l,j}}{G_l},
\\qquad d_l = d \\cdot \\frac{G_l}{\\sum_k G_k} $$

with every split done by largest remainder, so net + taxes = the discount to the cent.

Examples:
    >>> from datetime import date
    >>> from receivables.models import Invoice, InvoiceLine, TaxLine
    >>> inv = Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5), lines=[
    ...     InvoiceLine(id="L1", unit_price="2000.00 EUR",
    ...                 taxes=[TaxLine(jurisdiction="DE", rate=19)])])
    >>> effect = discount_tax_effect(inv, Money("71.40", "EUR"))
    >>> effect.net_reduction, effect.tax_reduction
    (Money('60.00', 'EUR'), Money('11.40', 'EUR'))
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from receivables.errors import CurrencyMismatch, ReceivablesError
from receivables.models import Application, DebitMemo, Invoice
from receivables.money import ExactDecimal, FxRates, Money, split
from receivables.terms import Instalment

__all__ = [
    "DiscountTaxEffect",
    "InstalmentSettlement",
    "InvalidDiscountInput",
    "LineTaxReduction",
    "PaymentSettlement",
    "discount_tax_effect",
    "settle_instalments",
]

TAX_CITATION: Final = (
    "Council Directive 2006/112/EC arts. 79(a), 90(1); UStG § 17(1), Abschn. 10.3 UStAE"
)


class InvalidDiscountInput(ReceivablesError, ValueError):
    """Discount inputs that do not fit their document (currency, amounts, lines)."""


class InstalmentSettlement(BaseModel):
    """What one payment did to one instalment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    due_date: date
    open_before: Money
    paid: Money = Field(description="Cash applied, in the document's currency.")
    discount: Money
    discount_in_payment_currency: Money
    open_after: Money
    rule: str


class PaymentSettlement(BaseModel):
    """A payment applied to an instalment plan, with the discounts it earned.

    ``rate`` turns one unit of the document's currency into the payment's (1 when they are
    the same); ``unapplied`` is in the payment's currency.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    paid_on: date
    payment: Money
    rate: ExactDecimal
    rate_date: date | None
    payment_in_document_currency: Money
    rows: tuple[InstalmentSettlement, ...]
    unapplied: Money
    reasons: tuple[str, ...] = ()

    @property
    def discount(self) -> Money:
        """All discounts earned, in the document's currency."""
        return sum(
            (r.discount for r in self.rows), Money.zero(self.payment_in_document_currency.code)
        )

    @property
    def applied(self) -> Money:
        """Cash applied, in the document's currency."""
        return sum((r.paid for r in self.rows), Money.zero(self.payment_in_document_currency.code))

    def to_application(self, application_id: str, *, source_id: str) -> Application:
        """The ledger application of this settlement: cash and discount in the document's
        currency, and the part of the payment used in its own currency.

        Examples:
            >>> part = Instalment(number=1, due_date=date(2026, 2, 4),
            ...     amount=Money("500.00", "EUR"), discount_percent=Decimal("2"),
            ...     discount_deadline=date(2026, 1, 15))
            >>> s = settle_instalments("INV-1", [part], Money("490.00", "EUR"),
            ...                        paid_on=date(2026, 1, 15))
            >>> app = s.to_application("A1", source_id="PAY-1")
            >>> app.amount, app.discount
            (Money('490.00', 'EUR'), Money('10.00', 'EUR'))
        """
        used = self.payment - self.unapplied
        return Application(
            id=application_id,
            source_id=source_id,
            target_id=self.document_id,
            applied_on=self.paid_on,
            amount=self.applied,
            discount=self.discount if self.discount.amount > 0 else None,
            source_amount=used if used.code != self.applied.code else None,
            reason="; ".join(r.rule for r in self.rows),
        )

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per instalment touched."""
        return [
            {
                "document_id": self.document_id,
                "number": r.number,
                "due_date": r.due_date,
                "open_before": r.open_before.amount,
                "paid": r.paid.amount,
                "discount": r.discount.amount,
                "currency": r.paid.code,
                "discount_in_payment_currency": r.discount_in_payment_currency.amount,
                "payment_currency": r.discount_in_payment_currency.code,
                "open_after": r.open_after.amount,
                "rule": r.rule,
            }
            for r in self.rows
        ]


def _gross_for(paid: Money, percent: Decimal) -> Money:
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return Money(paid.amount * 100 / (100 - percent), paid.code).quantize()


def settle_instalments(
    document_id: str,
    instalments: Sequence[Instalment],
    payment: Money,
    *,
    paid_on: date,
    settled: Mapping[int, Money] | None = None,
    rates: FxRates | None = None,
    grace_days: int = 0,
    partial: Literal["pro_rata", "none"] = "pro_rata",
) -> PaymentSettlement:
    """Apply ``payment`` received on ``paid_on`` to the open instalments, in number order.

    ``settled`` gives what earlier payments already settled per instalment number (gross,
    discounts included). A payment in another currency is converted at ``rates`` on
    ``paid_on``. Instalments whose deadline (plus ``grace_days``) has passed earn nothing.

    Examples:
        >>> from receivables.terms import PaymentTerms
        >>> plan = PaymentTerms.parse("50% 30 DAYS (2/10), 50% 60 DAYS (1/40)")
        >>> parts = plan.instalments(Money("1000.00", "EUR"), date(2026, 1, 5))
        >>> s = settle_instalments("INV-1", parts, Money("985.00", "EUR"),
        ...                        paid_on=date(2026, 1, 14))
        >>> [(r.number, str(r.paid), str(r.discount)) for r in s.rows]
        [(1, '490.00 EUR', '10.00 EUR'), (2, '495.00 EUR', '5.00 EUR')]
    """
    if not instalments:
        raise InvalidDiscountInput(
            f"{document_id} on {paid_on.isoformat()}: instalments: none given",
            document_id=document_id,
            field="instalments",
        )
    code = instalments[0].amount.code
    for part in instalments:
        if part.amount.code != code:
            raise CurrencyMismatch(
                f"{document_id} on {paid_on.isoformat()}: instalments: instalment"
                f" {part.number} is in {part.amount.code}, instalment 1 in {code}",
                document_id=document_id,
                field="instalments",
            )
    if payment.amount <= 0:
        raise InvalidDiscountInput(
            f"{document_id} on {paid_on.isoformat()}: payment: {payment} must be positive",
            document_id=document_id,
            field="payment",
        )
    reasons: list[str] = []
    rate_date: date | None = None
    if payment.code == code:
        rate = Decimal(1)
        paid_doc = payment.quantize()
    else:
        if rates is None:
            raise CurrencyMismatch(
                f"{document_id} on {paid_on.isoformat()}: rates: the payment is in"
                f" {payment.code}, the document in {code}; pass rates to convert at the"
                " payment's rate",
                document_id=document_id,
                field="rates",
            )
        quote = rates.quote(code, payment.code, on=paid_on)
        rate, rate_date = quote.rate, quote.rate_date
        paid_doc = rates.convert(payment, code, on=paid_on)
        reasons.append(
            f"{payment} converted at the payment's rate {code}->{payment.code} {rate}"
            f" of {rate_date.isoformat() if rate_date else paid_on.isoformat()}: {paid_doc}"
        )

    def in_payment_currency(m: Money) -> Money:
        if payment.code == code:
            return m
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            return Money(m.amount * rate, payment.code).quantize()

    done = settled or {}
    remaining = paid_doc
    rows: list[InstalmentSettlement] = []
    for part in sorted(instalments, key=lambda p: p.number):
        before = part.amount - done.get(part.number, Money.zero(code))
        if before.amount < 0:
            raise InvalidDiscountInput(
                f"{document_id} on {paid_on.isoformat()}: settled: instalment {part.number}"
                f" is settled beyond its amount {part.amount}",
                document_id=document_id,
                field="settled",
            )
        if before.amount == 0 or remaining.amount == 0:
            continue
        full_discount = part.discount_for(paid_on, amount=before, grace_days=grace_days)
        in_time = part.discount_percent is not None and full_discount.amount > 0
        if remaining >= before - full_discount:
            paid = before - full_discount
            discount = full_discount
            rule = (
                f"instalment {part.number} settled with {part.discount_percent}% discount by"
                f" {part.discount_deadline}"
                if in_time
                else f"instalment {part.number} settled, no discount open on {paid_on}"
            )
        else:
            paid = remaining
            if in_time and partial == "pro_rata" and part.discount_percent is not None:
                gross = min(_gross_for(paid, part.discount_percent), before)
                discount = gross - paid
                rule = f"instalment {part.number} in part, discount pro rata on {gross}"
            else:
                discount = Money.zero(code)
                rule = f"instalment {part.number} in part, no discount"
        remaining = remaining - paid
        rows.append(
            InstalmentSettlement(
                number=part.number,
                due_date=part.due_date,
                open_before=before,
                paid=paid,
                discount=discount,
                discount_in_payment_currency=in_payment_currency(discount),
                open_after=before - paid - discount,
                rule=rule,
            )
        )
    applied = sum((r.paid for r in rows), Money.zero(code))
    if remaining.amount == 0:
        unapplied = Money.zero(payment.code)
    else:
        unapplied = max(payment - in_payment_currency(applied), Money.zero(payment.code))
        reasons.append(f"{unapplied} exceeds the open instalments and stays unapplied")
    return PaymentSettlement(
        document_id=document_id,
        paid_on=paid_on,
        payment=payment,
        rate=rate,
        rate_date=rate_date,
        payment_in_document_currency=paid_doc,
        rows=tuple(rows),
        unapplied=unapplied,
        reasons=tuple(reasons),
    )


class LineTaxReduction(BaseModel):
    """The discount's share on one invoice line: its net part and the tax per tax line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str
    share: Money
    net_reduction: Money
    jurisdictions: tuple[str, ...]
    rates: tuple[ExactDecimal, ...]
    tax_reductions: tuple[Money, ...]


class DiscountTaxEffect(BaseModel):
    """The taxable amount and the tax an early-payment discount reduces, for the host to post."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    discount: Money
    net_reduction: Money
    tax_reduction: Money
    lines: tuple[LineTaxReduction, ...]
    citation: str = TAX_CITATION

    def by_rate(self) -> list[tuple[str, Decimal, Money]]:
        """Tax reduced per (jurisdiction, rate), sorted: what a tax return needs."""
        totals: dict[tuple[str, Decimal], Money] = {}
        for line in self.lines:
            for j, r, t in zip(line.jurisdictions, line.rates, line.tax_reductions, strict=True):
                key = (j, r)
                totals[key] = totals[key] + t if key in totals else t
        return [(j, r, totals[(j, r)]) for j, r in sorted(totals)]

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per line and tax (a line without tax gives one row with rate 0)."""
        rows: list[dict[str, object]] = []
        for line in self.lines:
            taxes = list(zip(line.jurisdictions, line.rates, line.tax_reductions, strict=True))
            for j, r, t in taxes or [("", Decimal(0), Money.zero(line.share.code))]:
                rows.append(
                    {
                        "document_id": self.document_id,
                        "line_id": line.line_id,
                        "share": line.share.amount,
                        "net_reduction": line.net_reduction.amount,
                        "jurisdiction": j,
                        "rate": r,
                        "tax_reduction": t.amount,
                        "currency": line.share.code,
                    }
                )
        return rows


def discount_tax_effect(document: Invoice | DebitMemo, discount: Money) -> DiscountTaxEffect:
    """Split a (gross) discount on ``document`` into the net it takes off each line and the
    tax it reduces per line tax, by the lines' gross amounts and each line's tax rates.

    Examples:
        >>> from receivables.models import InvoiceLine, TaxLine
        >>> inv = Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 5), lines=[
        ...     InvoiceLine(id="A", unit_price="100.00 EUR",
        ...                 taxes=[TaxLine(jurisdiction="DE", rate=19)]),
        ...     InvoiceLine(id="B", unit_price="100.00 EUR",
        ...                 taxes=[TaxLine(jurisdiction="DE", rate=7)])])
        >>> [(j, str(r), str(t)) for j, r, t in
        ...  discount_tax_effect(inv, Money("4.52", "EUR")).by_rate()]
        [('DE', '7', '0.14 EUR'), ('DE', '19', '0.38 EUR')]
    """
    code = document.amount.code
    if discount.code != code:
        raise CurrencyMismatch(
            f"{document.id}: discount: is in {discount.code}, the document in {code}; convert"
            " it at the payment's rate first",
            document_id=document.id,
            field="discount",
        )
    if discount.amount < 0 or discount > document.amount:
        raise InvalidDiscountInput(
            f"{document.id} on {document.issue_date.isoformat()}: discount: {discount} must be"
            f" between 0 and the document's total {document.amount}",
            document_id=document.id,
            field="discount",
        )
    if not document.lines:
        raise InvalidDiscountInput(
            f"{document.id} on {document.issue_date.isoformat()}: lines: the document has no"
            " lines, so there is no tax rate to reduce; give it lines with their taxes",
            document_id=document.id,
            field="lines",
        )
    lines = sorted(document.lines, key=lambda line: line.id)
    weights = [line.gross.minor for line in lines]
    if discount.amount == 0 or sum(weights) == 0:
        shares = [Money.zero(code) for _ in lines]
    else:
        shares = split(discount, weights)
    out: list[LineTaxReduction] = []
    for line, share in zip(lines, shares, strict=True):
        taxes = line.tax_amounts()
        parts_w = [line.net.minor, *(t.minor for t in taxes)]
        if share.amount == 0 or sum(parts_w) == 0:
            parts = [Money.zero(code) for _ in parts_w]
        else:
            parts = split(share, parts_w)
        out.append(
            LineTaxReduction(
                line_id=line.id,
                share=share,
                net_reduction=parts[0],
                jurisdictions=tuple(t.jurisdiction for t in line.taxes),
                rates=tuple(t.rate for t in line.taxes),
                tax_reductions=tuple(parts[1:]),
            )
        )
    net = sum((line.net_reduction for line in out), Money.zero(code))
    return DiscountTaxEffect(
        document_id=document.id,
        discount=discount,
        net_reduction=net,
        tax_reduction=discount - net,
        lines=tuple(out),
    )
