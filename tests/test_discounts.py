"""Early-payment discounts per instalment, across currencies, and their tax effect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.discounts import (
    InvalidDiscountInput,
    discount_tax_effect,
    settle_instalments,
)
from receivables.errors import CurrencyMismatch, MissingRate
from receivables.ledger import Ledger
from receivables.models import Invoice, InvoiceLine, Payment, TaxLine
from receivables.money import FxRate, FxRates, Money
from receivables.terms import PaymentTerms


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


ISSUED = date(2026, 1, 5)
PLAN = PaymentTerms.parse("50% 30 DAYS (2/10), 50% 60 DAYS (1/40)")
PARTS = PLAN.instalments(
    M("1000.00 EUR"), ISSUED
)  # 500 by 02-04 (2 % to 01-15), 500 by 03-06 (1 % to 02-14)
RATES = FxRates(
    rates=[
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 2), rate=Decimal("1.0800")),
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 14), rate=Decimal("1.1000")),
    ]
)


def vat_invoice(net: str, rate: int, *, doc: str = "INV-1") -> Invoice:
    return Invoice(
        id=doc,
        customer_id="C1",
        issue_date=ISSUED,
        lines=(
            InvoiceLine(id="L1", unit_price=M(net), taxes=(TaxLine(jurisdiction="DE", rate=rate),)),
        ),
    )


def test_each_instalment_earns_its_own_discount_by_its_own_deadline() -> None:
    """Paid on 14 Jan: instalment 1 (2/10) 500 - 10 = 490; instalment 2 (1/40) 500 - 5 = 495."""
    s = settle_instalments("INV-1", PARTS, M("985.00 EUR"), paid_on=date(2026, 1, 14))
    assert [(r.number, str(r.paid), str(r.discount), str(r.open_after)) for r in s.rows] == [
        (1, "490.00 EUR", "10.00 EUR", "0.00 EUR"),
        (2, "495.00 EUR", "5.00 EUR", "0.00 EUR"),
    ]
    assert s.discount == M("15.00 EUR")
    assert s.unapplied == M("0.00 EUR")


def test_instalment_past_its_deadline_earns_nothing_while_the_next_still_does() -> None:
    """Paid on 1 Feb: the 2/10 of instalment 1 ended on 15 Jan, the 1/40 runs to 14 Feb."""
    s = settle_instalments("INV-1", PARTS, M("995.00 EUR"), paid_on=date(2026, 2, 1))
    assert [(r.number, str(r.paid), str(r.discount)) for r in s.rows] == [
        (1, "500.00 EUR", "0.00 EUR"),
        (2, "495.00 EUR", "5.00 EUR"),
    ]


def test_partial_payment_earns_the_discount_on_the_part_it_settles() -> None:
    """245.00 paid in time on a 2 % instalment settles 245 / 0.98 = 250.00: discount 5.00."""
    s = settle_instalments("INV-1", PARTS, M("245.00 EUR"), paid_on=date(2026, 1, 14))
    row = s.rows[0]
    assert (row.paid, row.discount, row.open_after) == (
        M("245.00 EUR"),
        M("5.00 EUR"),
        M("250.00 EUR"),
    )
    none = settle_instalments(
        "INV-1", PARTS, M("245.00 EUR"), paid_on=date(2026, 1, 14), partial="none"
    )
    assert none.rows[0].discount == M("0.00 EUR")


def test_earlier_settlements_are_taken_into_account() -> None:
    s = settle_instalments(
        "INV-1", PARTS, M("245.00 EUR"), paid_on=date(2026, 1, 15), settled={1: M("250.00 EUR")}
    )
    assert (s.rows[0].open_before, s.rows[0].discount, s.rows[0].open_after) == (
        M("250.00 EUR"),
        M("5.00 EUR"),
        M("0.00 EUR"),
    )


def test_payment_in_another_currency_is_converted_at_the_payments_rate() -> None:
    """Invoice in EUR, USD payment on 14 Jan at EUR/USD 1.10 (not the 1.08 of the invoice
    date): 1,083.50 USD = 985.00 EUR settles both instalments with 15.00 EUR discount,
    which is 16.50 USD at the payment's rate."""
    s = settle_instalments("INV-1", PARTS, M("1083.50 USD"), paid_on=date(2026, 1, 14), rates=RATES)
    assert s.payment_in_document_currency == M("985.00 EUR")
    assert s.rate == Decimal("1.1000")
    assert s.rate_date == date(2026, 1, 14)
    assert s.discount == M("15.00 EUR")
    assert [str(r.discount_in_payment_currency) for r in s.rows] == ["11.00 USD", "5.50 USD"]
    app = s.to_application("A1", source_id="PAY-1")
    assert (app.amount, app.discount, app.source_amount) == (
        M("985.00 EUR"),
        M("15.00 EUR"),
        M("1083.50 USD"),
    )


def test_settlement_posts_to_the_ledger_as_one_application() -> None:
    invoice = Invoice(
        id="INV-1", customer_id="C1", issue_date=ISSUED, terms=PLAN, total=M("1000.00 EUR")
    )
    payment = Payment(
        id="PAY-1", customer_id="C1", received_on=date(2026, 1, 14), amount=M("1083.50 USD")
    )
    s = settle_instalments("INV-1", PARTS, payment.amount, paid_on=payment.received_on, rates=RATES)
    books = Ledger([invoice, payment]).apply([s.to_application("A1", source_id="PAY-1")])
    assert books.open_amount("INV-1", as_of=date(2026, 1, 14)) == M("0.00 EUR")
    assert books.open_amount("PAY-1", as_of=date(2026, 1, 14)) == M("0.00 USD")


def test_overpayment_in_another_currency_is_unapplied_in_that_currency() -> None:
    s = settle_instalments("INV-1", PARTS, M("1100.00 USD"), paid_on=date(2026, 1, 14), rates=RATES)
    assert s.unapplied == M("16.50 USD")
    assert any("unapplied" in r for r in s.reasons)


def test_tax_effect_of_a_discount_on_one_rate() -> None:
    """Haufe Finance Office, "Forderungen: wie Skonti ... berücksichtigt werden": invoice
    2,380 EUR incl. 380 EUR VAT at 19 %, 3 % Skonto = 71.40 EUR, of which 11.40 EUR VAT
    (booked as "Gewährte Skonti 19 %"); UStG § 17(1)."""
    effect = discount_tax_effect(vat_invoice("2000.00 EUR", 19), M("71.40 EUR"))
    assert (effect.net_reduction, effect.tax_reduction) == (M("60.00 EUR"), M("11.40 EUR"))
    assert effect.by_rate() == [("DE", Decimal(19), M("11.40 EUR"))]


def test_tax_effect_matches_the_published_net_discount() -> None:
    """IONOS Startup Guide, "Skonto buchen": 3 % of 2,000 EUR gross = 60 EUR; 60 / 1.19 =
    50.42 EUR net, so the discount holds 9.58 EUR VAT (net 1,680.67 + VAT 319.33)."""
    effect = discount_tax_effect(vat_invoice("1680.67 EUR", 19), M("60.00 EUR"))
    assert (effect.net_reduction, effect.tax_reduction) == (M("50.42 EUR"), M("9.58 EUR"))


def test_tax_effect_at_twenty_percent() -> None:
    """waldlandwelt.de, "Skonto Bruttoverfahren": 1,000 + 20 % = 1,200; 2 % = 24, of which 4 tax."""
    effect = discount_tax_effect(vat_invoice("1000.00 EUR", 20), M("24.00 EUR"))
    assert (effect.net_reduction, effect.tax_reduction) == (M("20.00 EUR"), M("4.00 EUR"))


def test_tax_effect_is_split_per_line_rate() -> None:
    """A 19 % line of 119.00 and a 7 % line of 107.00, discount 2 % of 226.00 = 4.52:
    2.38 on the first (0.38 tax), 2.14 on the second (0.14 tax)."""
    invoice = Invoice(
        id="INV-2",
        customer_id="C1",
        issue_date=ISSUED,
        lines=(
            InvoiceLine(
                id="A", unit_price=M("100.00 EUR"), taxes=(TaxLine(jurisdiction="DE", rate=19),)
            ),
            InvoiceLine(
                id="B", unit_price=M("100.00 EUR"), taxes=(TaxLine(jurisdiction="DE", rate=7),)
            ),
        ),
    )
    effect = discount_tax_effect(invoice, M("4.52 EUR"))
    assert [
        (line.line_id, str(line.share), [str(t) for t in line.tax_reductions])
        for line in effect.lines
    ] == [
        ("A", "2.38 EUR", ["0.38 EUR"]),
        ("B", "2.14 EUR", ["0.14 EUR"]),
    ]
    assert effect.net_reduction + effect.tax_reduction == M("4.52 EUR")
    assert len(effect.to_rows()) == 2


def test_untaxed_line_takes_its_share_as_net_only() -> None:
    invoice = Invoice(
        id="INV-3",
        customer_id="C1",
        issue_date=ISSUED,
        lines=(InvoiceLine(id="A", unit_price=M("100.00 EUR")),),
    )
    effect = discount_tax_effect(invoice, M("2.00 EUR"))
    assert (effect.net_reduction, effect.tax_reduction) == (M("2.00 EUR"), M("0.00 EUR"))
    assert effect.to_rows()[0]["rate"] == 0


# -- bad input ------------------------------------------------------------------------------


def test_payment_in_another_currency_without_rates_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="INV-1 on 2026-01-14: rates: the payment is in USD"):
        settle_instalments("INV-1", PARTS, M("10.00 USD"), paid_on=date(2026, 1, 14))


def test_missing_rate_on_the_payment_day_names_pair_and_date() -> None:
    with pytest.raises(MissingRate, match="EUR->GBP on or before 2026-01-14"):
        settle_instalments("INV-1", PARTS, M("10.00 GBP"), paid_on=date(2026, 1, 14), rates=RATES)


def test_settled_beyond_the_instalment_is_refused() -> None:
    with pytest.raises(InvalidDiscountInput, match="settled: instalment 1 is settled beyond"):
        settle_instalments(
            "INV-1", PARTS, M("1.00 EUR"), paid_on=date(2026, 1, 14), settled={1: M("600.00 EUR")}
        )


def test_no_instalments_are_refused() -> None:
    with pytest.raises(InvalidDiscountInput, match="instalments: none given"):
        settle_instalments("INV-1", [], M("1.00 EUR"), paid_on=date(2026, 1, 14))


def test_discount_above_the_invoice_is_refused() -> None:
    with pytest.raises(InvalidDiscountInput, match="INV-1 on 2026-01-05: discount:"):
        discount_tax_effect(vat_invoice("10.00 EUR", 19), M("20.00 EUR"))


def test_discount_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="INV-1: discount: is in USD"):
        discount_tax_effect(vat_invoice("10.00 EUR", 19), M("1.00 USD"))


def test_tax_effect_needs_lines() -> None:
    invoice = Invoice(id="INV-9", customer_id="C1", issue_date=ISSUED, total=M("10.00 EUR"))
    with pytest.raises(
        InvalidDiscountInput, match="INV-9 on 2026-01-05: lines: the document has no lines"
    ):
        discount_tax_effect(invoice, M("1.00 EUR"))
