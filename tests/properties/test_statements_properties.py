"""Invariants of statements of account: in the party and functional views the statement
total is the customer's line of the aging revalued into the same currency on the same
date; in the transaction view it is the ledger's balance per currency; every line is its
document's open amount at the line's rate, rounded once; the period's closing balance is
the statement total."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

# pytest's default (prepend) import mode puts this folder on sys.path: the ledger and
# rate strategies are shared with the roll-forward properties rather than copied.
from test_reconcile_properties import CUSTOMERS, START, fx_ledgers, fx_tables

from receivables.aging import age
from receivables.fx import carrying_amount
from receivables.ledger import Ledger
from receivables.models import Dispute, Invoice
from receivables.money import FxRates, Money
from receivables.reconcile import reconcile
from receivables.statements import statement_of_account

customers = st.sampled_from([c.id for c in CUSTOMERS])
dates = st.integers(0, 420).map(lambda n: START + timedelta(days=n))
views = st.sampled_from(["party", "functional"])


@st.composite
def disputed_ledgers(draw: st.DrawFn) -> Ledger:
    """A generated ledger with part of some invoices under dispute for a while."""
    ledger = draw(fx_ledgers())
    disputes = []
    for doc in ledger.documents:
        if isinstance(doc, Invoice) and draw(st.booleans()):
            share = Decimal(draw(st.integers(1, 100))) / 100
            opened = doc.issue_date + timedelta(days=draw(st.integers(0, 60)))
            resolved = draw(st.one_of(st.none(), st.integers(0, 120)))
            disputes.append(
                Dispute(id=f"D-{doc.id}", customer_id=doc.customer_id, document_id=doc.id,
                        amount=max(Money(doc.total.amount * share, doc.total.code).quantize(),
                                   Money.from_minor(1, doc.total.code)),
                        reason_code="price", opened_on=opened,
                        resolved_on=None if resolved is None else opened + timedelta(resolved),
                        resolution=None if resolved is None else "withdrawn")
            )  # fmt: skip
    return ledger.with_records(disputes=disputes)


def _view_currency(ledger: Ledger, customer_id: str, view: str) -> str:
    if view == "functional":
        assert ledger.functional_currency is not None
        return ledger.functional_currency
    return ledger.customer(customer_id).currency


@settings(max_examples=150, deadline=None)
@given(ledger=disputed_ledgers(), rates=fx_tables(), customer_id=customers, on=dates, view=views)
def test_a_converted_statement_totals_to_the_customers_revalued_aging_line(
    ledger: Ledger, rates: FxRates, customer_id: str, on: date, view: str
) -> None:
    code = _view_currency(ledger, customer_id, view)
    statement = statement_of_account(ledger, customer_id, as_of=on, view=view, rates=rates)  # type: ignore[arg-type]
    lines = age(ledger, as_of=on, currency=code, rates=rates, detail=False).customer(customer_id)
    aged = lines[0].total if lines else Money.zero(code)
    disputed = lines[0].disputed if lines else Money.zero(code)
    assert statement.total() == aged
    assert statement.disputed == (disputed,)
    assert statement.total().is_quantized


@settings(max_examples=100, deadline=None)
@given(ledger=fx_ledgers(), customer_id=customers, on=dates)
def test_a_transaction_statement_totals_to_the_ledger_balances(
    ledger: Ledger, customer_id: str, on: date
) -> None:
    statement = statement_of_account(ledger, customer_id, as_of=on)
    assert statement.totals == tuple(ledger.balances(as_of=on, customer_id=customer_id).values())
    assert all(line.rate == 1 and line.open == line.transaction_open for line in statement.lines)


@settings(max_examples=100, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), customer_id=customers, on=dates, view=views)
def test_every_line_is_its_open_amount_at_the_closing_rate_rounded_once(
    ledger: Ledger, rates: FxRates, customer_id: str, on: date, view: str
) -> None:
    code = _view_currency(ledger, customer_id, view)
    statement = statement_of_account(ledger, customer_id, as_of=on, view=view, rates=rates)  # type: ignore[arg-type]
    for line in statement.lines:
        expected_rate = rates.rate(line.transaction_currency, code, on=on)
        assert line.rate == expected_rate
        assert line.open == carrying_amount(line.transaction_open, expected_rate, code)
        assert line.transaction_open == ledger.open_amount(line.document_id, as_of=on)
        assert line.open == rates.convert(line.transaction_open, code, on=on)
        if line.carrying is not None:
            assert line.unrealised == line.open - line.carrying
    assert statement.total() == sum((line.open for line in statement.lines), Money.zero(code))


@settings(max_examples=80, deadline=None)
@given(
    ledger=fx_ledgers(),
    rates=fx_tables(),
    customer_id=customers,
    period=st.tuples(dates, dates).map(sorted),
    view=st.sampled_from(["transaction", "party", "functional"]),
)
def test_the_period_closes_on_the_statement_total(
    ledger: Ledger, rates: FxRates, customer_id: str, period: list[date], view: str
) -> None:
    start, as_of = period
    statement = statement_of_account(
        ledger,
        customer_id,
        as_of=as_of,
        view=view,  # type: ignore[arg-type]
        rates=rates,
        start=start,
    )
    for row in statement.period:
        assert row.closing.amount == statement.total(row.currency)
    closing_currencies = {row.currency for row in statement.period if row.closing.amount.amount}
    assert {t.code for t in statement.totals if t.amount} <= closing_currencies


@settings(max_examples=60, deadline=None)
@given(
    ledger=fx_ledgers(),
    rates=fx_tables(),
    customer_id=customers,
    period=st.tuples(dates, dates).map(sorted),
    view=st.sampled_from(["transaction", "party", "functional"]),
)
def test_the_period_is_the_customers_rows_of_the_ledgers_roll_forward(
    ledger: Ledger, rates: FxRates, customer_id: str, period: list[date], view: str
) -> None:
    """The statement values only what the customer's rows need; the rows are the same."""
    start, as_of = period
    statement = statement_of_account(
        ledger,
        customer_id,
        as_of=as_of,
        view=view,  # type: ignore[arg-type]
        rates=rates,
        start=start,
    )
    whole = reconcile(ledger, start=start, as_of=as_of, view=view, rates=rates)  # type: ignore[arg-type]
    assert statement.period == whole.customer(customer_id)
