"""Statements of account in the transaction, party and functional view.

The worked example: a German customer keeps its account in EUR with a US seller whose
books are in USD. It owes a USD 1,000.00 invoice (INV-1) and a EUR 500.00 invoice
(INV-2, booked by the seller at 1.10 USD per EUR). On 31 Oct 2026 the latest EUR/USD
rate is 1.08, published on 30 Oct.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.aging import age
from receivables.fx import FxError, MissingViewRate
from receivables.ledger import Ledger
from receivables.models import Application, Customer, Dispute, Invoice, Payment
from receivables.money import FxRate, FxRates, Money
from receivables.reconcile import ReconcileError
from receivables.statements import StatementError, statement_of_account

AS_OF = date(2026, 10, 31)


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


def rate(base: str, quote: str, on: date, value: str) -> FxRate:
    return FxRate(base=base, quote=quote, on=on, rate=Decimal(value))


RATES = FxRates(
    rates=[
        rate("EUR", "USD", date(2026, 9, 1), "1.12"),
        rate("EUR", "USD", date(2026, 9, 15), "1.10"),
        rate("EUR", "USD", date(2026, 10, 30), "1.08"),
    ]
)


def kunde() -> Ledger:
    return Ledger(
        [
            Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 9, 1),
                    due_date=date(2026, 10, 1), total="1000.00 USD"),
            Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 9, 15),
                    due_date=date(2026, 10, 15), total="500.00 EUR",
                    functional_rate=Decimal("1.10")),
        ],
        customers=[Customer(id="C1", name="Kunde GmbH", currency="EUR", locale="de_DE")],
        functional_currency="USD",
    )  # fmt: skip


def test_party_view_converts_a_usd_invoice_into_eur_at_the_rate_of_as_of() -> None:
    """1,000.00 USD / 1.08 = 925.925... EUR, rounded half up to 925.93 (IAS 21.23(a))."""
    st = statement_of_account(kunde(), "C1", as_of=AS_OF, view="party", rates=RATES)
    inv1, inv2 = st.lines
    assert (inv1.document_id, inv1.open, inv1.original) == (
        "INV-1",
        M("925.93 EUR"),
        M("925.93 EUR"),
    )
    assert inv1.transaction_open == M("1000.00 USD")
    assert inv1.rate == Decimal(1) / Decimal("1.08")
    assert (inv1.rate_date, inv1.rate_source) == (date(2026, 10, 30), "table")
    assert (inv2.open, inv2.rate, inv2.rate_date, inv2.rate_source) == (
        M("500.00 EUR"), Decimal(1), None, "identity"
    )  # fmt: skip
    assert st.currency == "EUR"
    assert st.totals == (M("1425.93 EUR"),)
    assert [(r.source, r.target, r.rate_date) for r in st.rates] == [
        ("USD", "EUR", date(2026, 10, 30))
    ]


def test_days_overdue_count_from_the_due_date_and_not_yet_due_is_zero() -> None:
    st = statement_of_account(kunde(), "C1", as_of=AS_OF, view="party", rates=RATES)
    assert [line.days_overdue for line in st.lines] == [30, 16]
    early = statement_of_account(kunde(), "C1", as_of=date(2026, 9, 20))
    assert [line.days_overdue for line in early.lines] == [0, 0]


def test_functional_view_shows_the_closing_rate_amount_and_the_booked_carrying_amount() -> None:
    """EUR 500 booked at 1.10 is carried at USD 550.00; at 1.08 it is USD 540.00: the
    unrealised loss of USD 10.00 is on the line (IAS 21.23(a), 21.28)."""
    st = statement_of_account(kunde(), "C1", as_of=AS_OF, view="functional", rates=RATES)
    inv1, inv2 = st.lines
    assert (inv1.open, inv1.carrying, inv1.unrealised) == (M("1000.00 USD"), None, None)
    assert (inv2.open, inv2.carrying, inv2.unrealised) == (
        M("540.00 USD"), M("550.00 USD"), M("-10.00 USD")
    )  # fmt: skip
    assert (inv2.rate, inv2.booked_rate) == (Decimal("1.08"), Decimal("1.10"))
    assert st.totals == (M("1540.00 USD"),)


def test_functional_view_without_a_booked_rate_has_no_carrying_column() -> None:
    ledger = Ledger(
        [Invoice(id="INV-3", customer_id="C1", issue_date=date(2026, 9, 15), total="10.00 EUR")],
        functional_currency="USD",
    )
    (line,) = statement_of_account(ledger, "C1", as_of=AS_OF, view="functional", rates=RATES).lines
    assert (line.open, line.carrying, line.booked_rate) == (M("10.80 USD"), None, None)


def test_transaction_view_keeps_each_currency_and_totals_per_currency() -> None:
    ledger = kunde()
    st = statement_of_account(ledger, "C1", as_of=AS_OF)
    assert st.currency is None
    assert [line.open for line in st.lines] == [M("1000.00 USD"), M("500.00 EUR")]
    assert st.totals == (M("500.00 EUR"), M("1000.00 USD"))
    assert st.totals == tuple(ledger.balances(as_of=AS_OF, customer_id="C1").values())
    assert st.rates == ()
    with pytest.raises(StatementError, match=r"totals in \['EUR', 'USD'\]: name a currency"):
        st.total()
    assert st.total("USD") == M("1000.00 USD")


def test_partial_payment_credit_and_dispute_are_shown_in_the_view_currency() -> None:
    """INV-2 paid 200 of 500 EUR, 50 EUR disputed; PAY-2 of 100 EUR is unapplied cash."""
    ledger = (
        kunde()
        .add(
            [
                Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 10, 5),
                        amount="200.00 EUR"),
                Payment(id="PAY-2", customer_id="C1", received_on=date(2026, 10, 20),
                        amount="100.00 EUR"),
            ]
        )
        .apply([Application(id="A1", source_id="PAY-1", target_id="INV-2",
                            applied_on=date(2026, 10, 5), amount="200.00 EUR")])
        .with_records(disputes=[Dispute(id="D1", customer_id="C1", document_id="INV-2",
                                        amount="50.00 EUR", reason_code="price",
                                        opened_on=date(2026, 10, 10))])
    )  # fmt: skip
    st = statement_of_account(ledger, "C1", as_of=AS_OF, view="functional", rates=RATES)
    inv2 = st.lines[1]
    assert (inv2.original, inv2.open, inv2.disputed) == (
        M("540.00 USD"), M("324.00 USD"), M("54.00 USD")
    )  # fmt: skip
    assert inv2.collectable == M("270.00 USD")
    assert (inv2.carrying, inv2.unrealised) == (M("330.00 USD"), M("-6.00 USD"))
    pay2 = st.lines[2]
    assert (pay2.document_id, pay2.is_credit, pay2.open, pay2.days_overdue) == (
        "PAY-2", True, M("-108.00 USD"), 0
    )  # fmt: skip
    assert st.totals == (M("1216.00 USD"),)
    assert st.disputed == (M("54.00 USD"),)


def test_each_item_is_rounded_once_and_the_total_is_the_sum_of_the_rounded_items() -> None:
    """Three USD 1.00 invoices at 1/1.08 are EUR 0.93 each: 2.79, not round(3.00/1.08) = 2.78;
    the aging revalues the same way, so the two agree."""
    ledger = Ledger(
        [Invoice(id=f"I{i}", customer_id="C1", issue_date=date(2026, 10, 1), total="1.00 USD")
         for i in range(3)],
        customers=[Customer(id="C1", name="Kunde GmbH", currency="EUR")],
    )  # fmt: skip
    st = statement_of_account(ledger, "C1", as_of=AS_OF, view="party", rates=RATES)
    assert st.total() == M("2.79 EUR")
    aged = age(ledger, as_of=AS_OF, currency="EUR", rates=RATES)
    assert aged.customer("C1")[0].total == st.total()


def test_jpy_party_currency_has_no_decimals() -> None:
    """USD 10.05 x 151.237 = 1,519.93 JPY, shown as 1,520 (JPY has no minor unit)."""
    ledger = Ledger(
        [Invoice(id="INV-J", customer_id="JP", issue_date=date(2026, 10, 1), total="10.05 USD")],
        customers=[Customer(id="JP", name="Nihon KK", currency="JPY", locale="en_US")],
    )
    rates = FxRates(rates=[rate("USD", "JPY", date(2026, 10, 31), "151.237")])
    st = statement_of_account(ledger, "JP", as_of=AS_OF, view="party", rates=rates)
    assert st.lines[0].open == M("1520 JPY")
    assert str(st.total()) == "1520 JPY"


def test_kwd_party_currency_has_three_decimals_rounded_half_up() -> None:
    """EUR 100.00 x 0.123445 = 12.3445 KWD: half up gives 12.345 (half even would give 12.344)."""
    ledger = Ledger(
        [Invoice(id="INV-K", customer_id="KW", issue_date=date(2026, 10, 1), total="100.00 EUR")],
        customers=[Customer(id="KW", name="Kuwait Co", currency="KWD")],
    )
    rates = FxRates(rates=[rate("EUR", "KWD", date(2026, 10, 31), "0.123445")])
    st = statement_of_account(ledger, "KW", as_of=AS_OF, view="party", rates=rates)
    assert str(st.total()) == "12.345 KWD"


def test_a_period_start_gives_the_opening_balance_and_the_roll_forward() -> None:
    """At 30 Sep the latest rate is 1.10: INV-1 is EUR 909.09 and INV-2 EUR 500.00, so the
    opening is EUR 1,409.09; the revaluation to 1.08 adds EUR 16.84 to the closing 1,425.93."""
    st = statement_of_account(
        kunde(), "C1", as_of=AS_OF, view="party", rates=RATES, start=date(2026, 9, 30)
    )
    assert st.opening() == M("1409.09 EUR")
    (row,) = st.period
    assert row.unrealised_fx.amount == M("16.84 EUR")
    assert row.closing.amount == st.total() == M("1425.93 EUR")
    assert statement_of_account(kunde(), "C1", as_of=AS_OF).opening("EUR") is None


def test_to_rows_gives_one_plain_dict_per_line() -> None:
    rows = statement_of_account(
        kunde(), "C1", as_of=AS_OF, view="functional", rates=RATES
    ).to_rows()
    assert [r["document_id"] for r in rows] == ["INV-1", "INV-2"]
    assert rows[1]["open"] == Decimal("540.00")
    assert rows[1]["carrying"] == Decimal("550.00")
    assert rows[1]["unrealised"] == Decimal("-10.00")
    assert rows[1]["rate_date"] == date(2026, 10, 30)
    assert rows[0]["carrying"] is None


def test_no_open_items_gives_a_zero_total_in_the_view_currency() -> None:
    st = statement_of_account(kunde(), "C1", as_of=date(2026, 8, 1), view="party", rates=RATES)
    assert (st.lines, st.totals) == ((), (M("0.00 EUR"),))
    assert statement_of_account(kunde(), "C1", as_of=date(2026, 8, 1)).totals == ()


# -- bad input ---------------------------------------------------------------------------


def test_unknown_view_is_refused() -> None:
    with pytest.raises(FxError, match="unknown view 'book'"):
        statement_of_account(kunde(), "C1", as_of=AS_OF, view="book")  # type: ignore[arg-type]


def test_party_view_without_a_customer_record_is_refused() -> None:
    with pytest.raises(FxError, match="party view: customer_id: no customer record for 'C9'"):
        statement_of_account(kunde(), "C9", as_of=AS_OF, view="party", rates=RATES)


def test_functional_view_without_a_functional_currency_is_refused() -> None:
    ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=AS_OF, total="1.00 EUR")])
    with pytest.raises(FxError, match="no functional currency") as err:
        statement_of_account(ledger, "C1", as_of=AS_OF, view="functional", rates=RATES)
    assert err.value.field == "functional_currency"


def test_a_missing_rate_names_the_document_the_field_and_the_date() -> None:
    later = FxRates(rates=[rate("EUR", "USD", date(2026, 11, 2), "1.09")])
    with pytest.raises(
        MissingViewRate,
        match=r"invoice INV-1: as_of: no exchange rate USD->EUR on or before 2026-10-31",
    ) as err:
        statement_of_account(kunde(), "C1", as_of=AS_OF, view="party", rates=later)
    assert (err.value.document_id, err.value.field) == ("invoice INV-1", "as_of")


def test_a_start_after_as_of_is_refused() -> None:
    with pytest.raises(ReconcileError, match="start: 2026-11-30 is after as_of 2026-10-31"):
        statement_of_account(kunde(), "C1", as_of=AS_OF, start=date(2026, 11, 30))


def test_the_docs_example_prints_what_the_page_shows() -> None:
    """docs/three-currencies.md, "Statements in three currencies": the cell runs as written."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "three-currencies.md").read_text(
        encoding="utf-8"
    )
    section = page.split("## Statements in three currencies", 1)[1].split("\n## ", 1)[0]
    cell = re.search(r"```python\n(.*?)```\s*\n```text\n(.*?)```", section, re.DOTALL)
    assert cell is not None
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(cell.group(1), "three-currencies.md", "exec"), {})
    assert buffer.getvalue() == cell.group(2)


def test_statement_does_not_depend_on_the_callers_decimal_context() -> None:
    """123,456.78 EUR shown in USD at 1.0973 is 135,469.12 USD at any caller precision."""
    import decimal

    ledger = Ledger(
        [Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
                 total="123456.78 EUR", functional_rate=Decimal("1.1037"))],
        functional_currency="USD",
    )  # fmt: skip
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 31),
                                  rate=Decimal("1.0973"))])  # fmt: skip

    def run() -> object:
        return statement_of_account(ledger, "C1", as_of=date(2026, 2, 28), view="functional",
                                    rates=rates, start=date(2026, 1, 31))  # fmt: skip

    expected = run()
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_DOWN):
        assert run() == expected


def test_statement_period_needs_no_rates_for_other_customers_documents() -> None:
    """C1's statement with an opening balance reads only C1's roll-forward: C2's GBP
    invoice, for which the table has no rate, must not stop it."""
    ledger = Ledger(
        [Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5), total="100.00 USD"),
         Invoice(id="I2", customer_id="C2", issue_date=date(2026, 1, 5), total="100.00 GBP")],
        customers=[Customer(id="C1", name="Ann", currency="USD"),
                   Customer(id="C2", name="Bob", currency="USD")],
    )  # fmt: skip
    st = statement_of_account(ledger, "C1", as_of=date(2026, 1, 31), view="party",
                              start=date(2026, 1, 10))  # fmt: skip
    assert st.opening() == Money("100.00", "USD")
    assert st.total() == Money("100.00", "USD")
    assert [row.customer_id for row in st.period] == ["C1"]
