"""Properties of the cash forecast: conservation, the open-amount cap, promises, determinism."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.forecast import collection_pattern_forecast, forecast
from receivables.ledger import Ledger, Movement
from receivables.models import Application, Dispute, Document, Invoice, Payment, PromiseToPay
from receivables.money import Money

START = date(2026, 1, 1)
AS_OF = date(2026, 6, 30)


@st.composite
def books(
    draw: st.DrawFn,
) -> tuple[list[Document], list[Movement], list[PromiseToPay], list[Dispute]]:
    """Invoices, some paid (fully or partly) before AS_OF, some disputed or promised."""
    code = draw(st.sampled_from(["USD", "JPY", "KWD"]))
    docs: list[Document] = []
    moves: list[Movement] = []
    promises: list[PromiseToPay] = []
    disputes: list[Dispute] = []
    for i in range(draw(st.integers(1, 10))):
        customer = draw(st.sampled_from(["C1", "C2", "C3"]))
        issued = START + timedelta(days=draw(st.integers(0, 170)))
        due = issued + timedelta(days=draw(st.integers(0, 60)))
        units = draw(st.integers(1, 10**6))
        invoice = Invoice(
            id=f"I{i}",
            customer_id=customer,
            issue_date=issued,
            due_date=due,
            total=Money.from_minor(units, code),
        )
        docs.append(invoice)
        paid_units = draw(st.integers(0, units))
        if paid_units:
            on = due + timedelta(days=draw(st.integers(-20, 60)))
            on = max(on, issued)
            amount = Money.from_minor(paid_units, code)
            docs.append(Payment(id=f"P{i}", customer_id=customer, received_on=on, amount=amount))
            moves.append(
                Application(
                    id=f"A{i}", source_id=f"P{i}", target_id=f"I{i}", applied_on=on, amount=amount
                )
            )
        if draw(st.booleans()):
            disputes.append(
                Dispute(
                    id=f"D{i}",
                    customer_id=customer,
                    document_id=f"I{i}",
                    amount=Money.from_minor(draw(st.integers(1, units)), code),
                    reason_code="PRICE",
                    opened_on=issued,
                )
            )
        if draw(st.booleans()):
            promised_on = issued + timedelta(days=draw(st.integers(0, 30)))
            promises.append(
                PromiseToPay(
                    id=f"PTP{i}",
                    customer_id=customer,
                    document_ids=(f"I{i}",) if draw(st.booleans()) else (),
                    amount=Money.from_minor(draw(st.integers(1, units)), code),
                    promised_on=promised_on,
                    pay_by=promised_on + timedelta(days=draw(st.integers(0, 90))),
                )
            )
    return docs, moves, promises, disputes


def _ledger(
    book: tuple[list[Document], list[Movement], list[PromiseToPay], list[Dispute]],
) -> Ledger:
    docs, moves, promises, disputes = book
    return Ledger(docs, movements=moves, promises=promises, disputes=disputes)


@settings(max_examples=60, deadline=None)
@given(books(), st.sampled_from(["week", "month", "quarter"]), st.integers(1, 6))
def test_expected_receipts_never_exceed_the_open_amount(
    book: tuple[list[Document], list[Movement], list[PromiseToPay], list[Dispute]],
    period: str,
    horizon: int,
) -> None:
    ledger = _ledger(book)
    fc = forecast(ledger, as_of=AS_OF, horizon=horizon, period=period)
    for item in fc.items:
        expected = sum(item.expected, Money.zero(fc.currency))
        assert expected <= item.open - item.held_back
        assert expected + item.beyond_horizon + item.not_expected + item.held_back == item.open
        assert all(part.amount >= 0 and part.is_quantized for part in item.expected)
        assert item.held_back == ledger.disputed_amount(item.document_id, as_of=AS_OF)
    assert fc.expected_total <= fc.open_total
    assert fc.periods[-1].cumulative_expected == fc.expected_total


@settings(max_examples=60, deadline=None)
@given(books(), st.integers(1, 4))
def test_cumulative_low_never_exceeds_cumulative_high(
    book: tuple[list[Document], list[Movement], list[PromiseToPay], list[Dispute]], horizon: int
) -> None:
    fc = forecast(_ledger(book), as_of=AS_OF, horizon=horizon, period="month")
    low = high = Money.zero(fc.currency)
    for p in fc.periods:
        low += p.low
        high += p.high
        assert low <= high


@settings(max_examples=60, deadline=None)
@given(books(), st.randoms(use_true_random=False))
def test_forecast_is_deterministic_whatever_the_input_order(
    book: tuple[list[Document], list[Movement], list[PromiseToPay], list[Dispute]],
    rnd: random.Random,
) -> None:
    docs, moves, promises, disputes = (list(x) for x in book)
    first = forecast(_ledger(book), as_of=AS_OF, horizon=3, period="month")
    for xs in (docs, moves, promises, disputes):
        rnd.shuffle(xs)  # type: ignore[arg-type]
    again = forecast(_ledger((docs, moves, promises, disputes)), as_of=AS_OF, horizon=3)
    assert first == again


@st.composite
def promised_items(draw: st.DrawFn) -> tuple[Ledger, Money, date]:
    """One open invoice under a promise falling due inside a six-month horizon."""
    units = draw(st.integers(100, 10**6))
    due = AS_OF + timedelta(days=draw(st.integers(-60, 60)))
    invoice = Invoice(
        id="I1",
        customer_id="C1",
        issue_date=due - timedelta(days=90),
        due_date=due,
        total=Money.from_minor(units, "USD"),
    )
    promised = Money.from_minor(draw(st.integers(1, units)), "USD")
    pay_by = AS_OF + timedelta(days=draw(st.integers(1, 150)))
    promise = PromiseToPay(
        id="PTP1",
        customer_id="C1",
        document_ids=("I1",),
        amount=promised,
        promised_on=AS_OF - timedelta(days=5),
        pay_by=pay_by,
    )
    history = Invoice(
        id="H1",
        customer_id="C1",
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 1, 2) + timedelta(days=draw(st.integers(0, 30))),
        total=Money("100.00", "USD"),
    )
    pay_on = max(history.issue_date, history.due + timedelta(days=draw(st.integers(-10, 40))))
    ledger = Ledger(
        [
            invoice,
            history,
            Payment(id="P1", customer_id="C1", received_on=pay_on, amount=history.amount),
        ],
        movements=[
            Application(
                id="A1", source_id="P1", target_id="H1", applied_on=pay_on, amount=history.amount
            )
        ],
        promises=[promise],
    )
    return ledger, promised, pay_by


@settings(max_examples=80, deadline=None)
@given(promised_items())
def test_a_promise_overrides_the_model_for_its_amount(case: tuple[Ledger, Money, date]) -> None:
    ledger, promised, pay_by = case
    fc = forecast(ledger, as_of=AS_OF, horizon=6, period="month")
    landing = next(p for p in fc.periods if p.start <= pay_by <= p.end)
    assert landing.promised == promised
    assert landing.low >= promised
    assert landing.high >= promised
    assert landing.expected >= promised
    assert fc.items[0].promised == promised


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 10**8), min_size=1, max_size=12),
    st.lists(st.integers(0, 100), min_size=1, max_size=4),
)
def test_collection_pattern_conserves_sales(sales: list[int], percents: list[int]) -> None:
    total = sum(percents)
    shares = [Decimal(p) / Decimal(max(total, 100)) for p in percents]
    by_month = {
        date(2026 + i // 12, i % 12 + 1, 1): Money.from_minor(units, "USD")
        for i, units in enumerate(sales)
    }
    fc = collection_pattern_forecast(by_month, shares)
    assert fc.total_collections + fc.uncollectible == fc.total_sales
