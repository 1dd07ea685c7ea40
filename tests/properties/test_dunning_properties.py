"""Properties of dunning: deterministic runs, no stage skipped, disputed items never dunned."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.dunning import DunningHistory, dunning_run
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    Customer,
    Dispute,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import Money

START = date(2026, 1, 1)
CUSTOMERS = ("C1", "C2", "C3")


@st.composite
def books(draw: st.DrawFn) -> dict[str, list]:  # type: ignore[type-arg]
    """Invoices with payments, disputes (whole or part) and promises, for three customers."""
    invoices: list[Invoice] = []
    payments: list[Payment] = []
    apps: list[Application] = []
    disputes: list[Dispute] = []
    promises: list[PromiseToPay] = []
    for i in range(draw(st.integers(1, 8))):
        customer = draw(st.sampled_from(CUSTOMERS))
        issue = START + timedelta(days=draw(st.integers(0, 60)))
        due = issue + timedelta(days=draw(st.sampled_from([0, 14, 30])))
        cents = draw(st.integers(100, 500_000))
        inv = Invoice(
            id=f"INV-{i}",
            customer_id=customer,
            issue_date=issue,
            due_date=due,
            total=Money.from_minor(cents, "EUR"),
        )
        invoices.append(inv)
        if draw(st.booleans()):
            paid = draw(st.integers(1, cents))
            day = due + timedelta(days=draw(st.integers(-5, 90)))
            day = max(day, issue)
            payments.append(
                Payment(
                    id=f"PAY-{i}",
                    customer_id=customer,
                    received_on=day,
                    amount=Money.from_minor(paid, "EUR"),
                )
            )
            apps.append(
                Application(
                    id=f"APP-{i}",
                    source_id=f"PAY-{i}",
                    target_id=inv.id,
                    applied_on=day,
                    amount=Money.from_minor(paid, "EUR"),
                )
            )
        if draw(st.booleans()):
            disputes.append(
                Dispute(
                    id=f"D-{i}",
                    customer_id=customer,
                    document_id=inv.id,
                    amount=Money.from_minor(draw(st.integers(1, cents)), "EUR"),
                    reason_code="PRICE",
                    opened_on=issue + timedelta(days=draw(st.integers(0, 60))),
                )
            )
        if draw(st.integers(0, 3)) == 0:
            promised = due + timedelta(days=draw(st.integers(1, 40)))
            promises.append(
                PromiseToPay(
                    id=f"PTP-{i}",
                    customer_id=customer,
                    document_ids=(inv.id,),
                    amount=Money.from_minor(draw(st.integers(1, cents)), "EUR"),
                    promised_on=promised,
                    pay_by=promised + timedelta(days=draw(st.integers(0, 20))),
                )
            )
    blocked = draw(st.sets(st.sampled_from(CUSTOMERS), max_size=1))
    customers = [
        Customer(id=c, name=c, currency="EUR", dunning_block=c in blocked) for c in CUSTOMERS
    ]
    return {
        "documents": [*invoices, *payments],
        "movements": apps,
        "disputes": disputes,
        "promises": promises,
        "customers": customers,
    }


def build(book: dict[str, list], seed: int | None = None) -> Ledger:  # type: ignore[type-arg]
    parts = {k: list(v) for k, v in book.items()}
    if seed is not None:
        rnd = random.Random(seed)
        for v in parts.values():
            rnd.shuffle(v)
    return Ledger(
        parts["documents"],
        customers=parts["customers"],
        movements=parts["movements"],
        disputes=parts["disputes"],
        promises=parts["promises"],
    )


run_days = st.lists(st.integers(1, 40), min_size=1, max_size=8).map(
    lambda gaps: [START + timedelta(days=30 + sum(gaps[: i + 1])) for i in range(len(gaps))]
)


def cycle(ledger: Ledger, days: list[date]):  # type: ignore[no-untyped-def]
    history = DunningHistory()
    for day in days:
        run = dunning_run(ledger, as_of=day, history=history)
        yield run, history
        history = run.apply().history


@settings(max_examples=60, deadline=None)
@given(books(), run_days, st.integers(0, 10**6))
def test_a_run_is_deterministic_whatever_the_input_order(
    book: dict[str, list],  # type: ignore[type-arg]
    days: list[date],
    seed: int,
) -> None:
    ordered = build(book)
    shuffled = build(book, seed)
    for (a, _), (b, _) in zip(cycle(ordered, days), cycle(shuffled, days), strict=True):
        assert a == b
        assert a.apply() == b.apply()


@settings(max_examples=60, deadline=None)
@given(books(), run_days)
def test_no_customer_skips_a_stage(book: dict[str, list], days: list[date]) -> None:  # type: ignore[type-arg]
    for run, history in cycle(build(book), days):
        for p in run.proposals:
            assert p.level <= history.customer_level(p.customer_id) + 1
            for item in p.items:
                assert item.previous_level == history.level(p.customer_id, item.document_id)
                assert item.level == item.previous_level + 1


@settings(max_examples=60, deadline=None)
@given(books(), run_days)
def test_disputed_items_are_never_dunned(book: dict[str, list], days: list[date]) -> None:  # type: ignore[type-arg]
    ledger = build(book)
    for run, _ in cycle(ledger, days):
        for p in run.proposals:
            for item in p.items:
                disputed = ledger.disputed_amount(item.document_id, as_of=run.as_of)
                open_now = ledger.open_amount(item.document_id, as_of=run.as_of)
                assert disputed < open_now
                assert item.dunned_amount == open_now - disputed
                assert not ledger.customer(p.customer_id).dunning_block
