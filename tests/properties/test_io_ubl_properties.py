"""Round-trip properties of the edges: UBL invoice -> XML -> invoice keeps every amount;
ERP amount text -> Decimal is exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.io.erp import parse_amount
from receivables.io.ubl import Party, invoice_to_ubl, parse_ubl
from receivables.models import Invoice, InvoiceLine, TaxLine
from receivables.money import Money

SELLER = Party(name="S", country="NL")
BUYER = Party(name="B", country="DE", party_id="C1")


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    code = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    lines = []
    for i in range(draw(st.integers(1, 6))):
        rate = draw(
            st.sampled_from([Decimal(0), Decimal(7), Decimal(19), Decimal("21"), Decimal("5.5")])
        )
        lines.append(
            InvoiceLine(
                id=str(i + 1),
                quantity=Decimal(draw(st.integers(1, 50))),
                unit_price=Money.from_minor(draw(st.integers(0, 10**6)), code),
                taxes=(TaxLine(jurisdiction="VAT", rate=rate),) if rate else (),
            )
        )
    return Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=date(2026, 3, 2),
        terms="NET 30",
        lines=tuple(lines),
    )


@given(invoices())
@settings(max_examples=60, deadline=None)
def test_ubl_round_trip_keeps_totals_and_line_nets(invoice: Invoice) -> None:
    back = parse_ubl(invoice_to_ubl(invoice, seller=SELLER, buyer=BUYER)).document
    assert isinstance(back, Invoice)
    assert (back.total, back.net_total, back.tax_total, back.due_date) == (
        invoice.total,
        invoice.net_total,
        invoice.tax_total,
        invoice.due_date,
    )
    assert [line.net for line in back.lines] == [line.net for line in invoice.lines]


@given(
    value=st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
    style=st.sampled_from(["plain", "grouped", "paren", "symbol", "trailing"]),
)
@settings(max_examples=200, deadline=None)
def test_amount_text_round_trips_exactly(value: Decimal, style: str) -> None:
    magnitude = abs(value)
    text = {
        "plain": f"{value:f}",
        "grouped": f"{value:,.2f}",
        "paren": f"({magnitude:,.2f})" if value < 0 else f"{magnitude:,.2f}",
        "symbol": f"-${magnitude:,.2f}" if value < 0 else f"${magnitude:,.2f}",
        "trailing": f"{magnitude:.2f}-" if value < 0 else f"{magnitude:.2f}",
    }[style]
    assert parse_amount(text) == value
