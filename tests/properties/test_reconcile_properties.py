"""Invariants of the roll-forward: it balances to the aging total for every generated
ledger, at every pair of dates, in every view; shuffling the input changes nothing."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.aging import age
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    DebitMemo,
    Invoice,
    Payment,
    Refund,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money, minor_units
from receivables.reconcile import reconcile, tie_out

START = date(2026, 1, 1)
CURRENCIES = ("USD", "EUR", "JPY", "KWD")
CUSTOMERS = (
    Customer(id="C1", name="One", currency="EUR"),
    Customer(id="C2", name="Two", currency="USD", parent_id="G"),
    Customer(id="C3", name="Three", currency="JPY", parent_id="G"),
    Customer(id="G", name="Group", currency="USD"),
)
SIBLINGS = {"C1": ("C1",), "C2": ("C2", "C3"), "C3": ("C3", "C2"), "G": ("G",)}
USD_PER = {"EUR": ("0.9", "1.3"), "JPY": ("0.005", "0.009"), "KWD": ("3.0", "3.4")}


def _money(units: int, code: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_units(code)), code)


@st.composite
def fx_tables(draw: st.DrawFn) -> FxRates:
    """USD-pivot rates every 15 days over the year, each drawn in a plausible band."""
    rows = []
    for code, (low, high) in USD_PER.items():
        lo, hi = Decimal(low), Decimal(high)
        for step in range(0, 420, 15):
            frac = Decimal(draw(st.integers(0, 10_000))) / 10_000
            rate = (lo + (hi - lo) * frac).quantize(Decimal("0.000001"))
            rows.append(FxRate(base=code, quote="USD", on=START + timedelta(days=step), rate=rate))
    return FxRates(rates=rows, pivot="USD")


@st.composite
def fx_ledgers(draw: st.DrawFn) -> Ledger:
    """Invoices, memos and payments in four currencies, with partial, cross-currency and
    cross-customer applications, discounts, write-offs and refunds."""
    docs: list[Invoice | DebitMemo | CreditMemo | Payment] = []
    moves: list[Application | WriteOff | Refund] = []
    opens: dict[str, int] = {}
    day = st.integers(0, 360)
    booked = st.one_of(st.none(), st.integers(1, 5_000_000).map(lambda n: Decimal(n).scaleb(-6)))
    for i in range(draw(st.integers(0, 7))):
        code = draw(st.sampled_from(CURRENCIES))
        customer = draw(st.sampled_from([c.id for c in CUSTOMERS]))
        units = draw(st.integers(1, 10**7))
        issued = START + timedelta(days=draw(day))
        kind = DebitMemo if draw(st.integers(0, 5)) == 0 else Invoice
        rate = None if code == "USD" else draw(booked)
        inv = kind(id=f"I{i}", customer_id=customer, issue_date=issued,
                   total=_money(units, code), functional_rate=rate)  # fmt: skip
        docs.append(inv)
        opens[inv.id] = units
        if not draw(st.booleans()):
            continue
        pay_code = draw(st.sampled_from((code, *CURRENCIES)))
        payer = draw(st.sampled_from(SIBLINGS[customer]))
        received = issued + timedelta(days=draw(st.integers(0, 90)))
        pay_units = draw(st.integers(1, 10**7))
        pay = Payment(id=f"P{i}", customer_id=payer, received_on=received,
                      amount=_money(pay_units, pay_code),
                      functional_rate=None if pay_code == "USD" else draw(booked))  # fmt: skip
        docs.append(pay)
        opens[pay.id] = pay_units
        applied_units = draw(st.integers(0, units))
        discount_units = draw(st.integers(0, units - applied_units))
        wo_units = draw(st.integers(0, units - applied_units - discount_units))
        if pay_code == code:
            applied_units = min(applied_units, pay_units)
            used_units = applied_units
        else:
            used_units = draw(st.integers(0, pay_units))
        if applied_units + discount_units + wo_units == 0:
            continue
        on = max(issued, received) + timedelta(days=draw(st.integers(0, 30)))
        moves.append(
            Application(id=f"A{i}", source_id=pay.id, target_id=inv.id, applied_on=on,
                        amount=_money(applied_units, code),
                        discount=_money(discount_units, code) if discount_units else None,
                        write_off=_money(wo_units, code) if wo_units else None,
                        source_amount=None if pay_code == code
                        else _money(used_units, pay_code))
        )  # fmt: skip
        opens[inv.id] -= applied_units + discount_units + wo_units
        opens[pay.id] -= used_units
        later = on + timedelta(days=draw(st.integers(0, 60)))
        if opens[inv.id] and draw(st.booleans()):
            left = _money(opens[inv.id], code)
            moves.append(WriteOff(id=f"W{i}", document_id=inv.id, written_off_on=later,
                                  amount=left, reason_code="bad"))  # fmt: skip
        if opens[pay.id] and draw(st.booleans()):
            moves.append(Refund(id=f"R{i}", customer_id=payer, source_id=pay.id, paid_on=later,
                                amount=_money(opens[pay.id], pay_code)))  # fmt: skip
    if draw(st.booleans()):
        code = draw(st.sampled_from(CURRENCIES))
        docs.append(
            CreditMemo(id="CM", customer_id="C1", issue_date=START + timedelta(days=draw(day)),
                       amount=_money(draw(st.integers(1, 10**6)), code),
                       functional_rate=None if code == "USD" else draw(booked))
        )  # fmt: skip
    return Ledger(docs, customers=CUSTOMERS, movements=moves, functional_currency="USD")


periods = st.tuples(st.integers(-5, 420), st.integers(0, 420)).map(
    lambda p: (START + timedelta(days=min(p)), START + timedelta(days=max(p)))
)
views = st.sampled_from(["transaction", "party", "functional"])


@settings(max_examples=120, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), period=periods, view=views)
def test_the_roll_forward_balances_to_the_aging_total(
    ledger: Ledger, rates: FxRates, period: tuple[date, date], view: str
) -> None:
    start, as_of = period
    rf = reconcile(ledger, start=start, as_of=as_of, view=view, rates=rates)  # type: ignore[arg-type]
    for row in (*rf.rows, *rf.totals):
        lines = sum((f.amount for _, f in row.figures()[1:-1]), row.opening.amount)
        assert lines == row.closing.amount
        assert row.difference.amount == 0, (row.customer_id, row.currency, row.difference)


@settings(max_examples=60, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), period=periods)
def test_the_opening_balance_is_the_aging_at_start(
    ledger: Ledger, rates: FxRates, period: tuple[date, date]
) -> None:
    start, as_of = period
    rf = reconcile(ledger, start=start, as_of=as_of, view="functional", rates=rates)
    at_start = age(ledger, as_of=start, currency="USD", rates=rates, detail=False)
    expected = at_start.totals[0].total if at_start.totals else Money.zero("USD")
    opening = rf.totals[0].opening.amount if rf.totals else Money.zero("USD")
    assert opening == expected


@settings(max_examples=40, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), period=periods, seed=st.integers(0, 1000))
def test_shuffling_the_input_never_changes_the_roll_forward(
    ledger: Ledger, rates: FxRates, period: tuple[date, date], seed: int
) -> None:
    start, as_of = period
    data = ledger.to_data()
    docs, moves = list(data.documents), list(data.movements)
    random.Random(seed).shuffle(docs)
    random.Random(seed).shuffle(moves)
    shuffled = Ledger(docs, customers=data.customers, movements=moves, functional_currency="USD")
    for view in ("transaction", "functional"):
        one = reconcile(ledger, start=start, as_of=as_of, view=view, rates=rates)  # type: ignore[arg-type]
        two = reconcile(shuffled, start=start, as_of=as_of, view=view, rates=rates)  # type: ignore[arg-type]
        assert one == two


@settings(max_examples=40, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), as_of=st.integers(0, 420))
def test_a_control_balance_equal_to_the_aging_ties_out_at_zero(
    ledger: Ledger, rates: FxRates, as_of: int
) -> None:
    on = START + timedelta(days=as_of)
    report = age(ledger, as_of=on, currency="USD", rates=rates, detail=False)
    balance = report.totals[0].total if report.totals else Money.zero("USD")
    result = tie_out(ledger, as_of=on, control_balance=balance, rates=rates)
    assert result.difference.amount == 0
    assert result.tied
    assert result.items == ()
