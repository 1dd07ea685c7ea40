"""Properties of collections: collectable bounds, score arithmetic, order independence,
promise verdicts consistent with the cash."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.collections import (
    PromiseStatus,
    TriageWeights,
    collectable_items,
    evaluate_promises,
    worklist,
)
from receivables.ledger import Ledger, Movement
from receivables.models import (
    Application,
    Customer,
    Dispute,
    Document,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import Money

START = date(2026, 1, 1)
AS_OF = date(2026, 5, 31)
CUSTOMERS = ("C1", "C2", "C3", "C4")

Book = tuple[list[Customer], list[Document], list[Movement], list[PromiseToPay], list[Dispute]]


@st.composite
def books(draw: st.DrawFn) -> Book:
    customers = [
        Customer(
            id=c,
            name=c,
            currency="USD",
            collector=draw(st.sampled_from(["ann", "bob", None])),
            dunning_block=draw(st.booleans()) and draw(st.booleans()),
        )
        for c in CUSTOMERS
    ]
    docs: list[Document] = []
    moves: list[Movement] = []
    promises: list[PromiseToPay] = []
    disputes: list[Dispute] = []
    for i in range(draw(st.integers(1, 12))):
        customer = draw(st.sampled_from(CUSTOMERS))
        issued = START + timedelta(days=draw(st.integers(0, 140)))
        units = draw(st.integers(1, 10**6))
        docs.append(
            Invoice(
                id=f"I{i}",
                customer_id=customer,
                issue_date=issued,
                due_date=issued + timedelta(days=draw(st.integers(0, 45))),
                total=Money.from_minor(units, "USD"),
            )
        )
        paid = draw(st.integers(0, units))
        if paid:
            on = issued + timedelta(days=draw(st.integers(0, 120)))
            amount = Money.from_minor(paid, "USD")
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
                    amount=Money.from_minor(draw(st.integers(1, units)), "USD"),
                    reason_code=draw(st.sampled_from(["PRICE", "QTY"])),
                    opened_on=issued + timedelta(days=draw(st.integers(0, 60))),
                )
            )
        if draw(st.booleans()):
            made = issued + timedelta(days=draw(st.integers(0, 60)))
            promises.append(
                PromiseToPay(
                    id=f"PTP{i}",
                    customer_id=customer,
                    document_ids=(f"I{i}",),
                    amount=Money.from_minor(draw(st.integers(1, units)), "USD"),
                    promised_on=made,
                    pay_by=made + timedelta(days=draw(st.integers(0, 40))),
                )
            )
    return customers, docs, moves, promises, disputes


def _ledger(book: Book) -> Ledger:
    customers, docs, moves, promises, disputes = book
    return Ledger(docs, customers=customers, movements=moves, promises=promises, disputes=disputes)


@settings(max_examples=80, deadline=None)
@given(books())
def test_collectable_never_exceeds_open_minus_disputed(book: Book) -> None:
    ledger = _ledger(book)
    for item in collectable_items(ledger, as_of=AS_OF):
        assert Money.zero("USD") <= item.collectable <= item.open - item.disputed
        assert item.overdue_collectable <= item.collectable
        assert item.disputed == ledger.disputed_amount(item.document_id, as_of=AS_OF)


@settings(max_examples=80, deadline=None)
@given(books())
def test_score_is_the_sum_of_its_contributions_and_bounded_by_the_weights(book: Book) -> None:
    weights = TriageWeights()
    wl = worklist(_ledger(book), as_of=AS_OF, weights=weights)
    ceiling = sum(
        (
            weights.amount_overdue,
            weights.days_overdue,
            weights.risk,
            weights.broken_promises,
            weights.disputes,
            weights.days_since_contact,
            weights.dunning_stage,
        ),
        Decimal(0),
    )
    scores = [r.score for r in wl.rows]
    assert scores == sorted(scores, reverse=True)
    assert [r.rank for r in wl.rows] == list(range(1, len(wl.rows) + 1))
    for row in wl.rows:
        assert row.score == sum((f.contribution for f in row.factors), Decimal(0))
        assert Decimal(0) <= row.score <= ceiling
        assert row.amount_overdue.amount > 0
        assert all(Decimal(0) <= f.scaled <= 1 for f in row.factors)


@settings(max_examples=60, deadline=None)
@given(books(), st.randoms(use_true_random=False))
def test_worklist_and_promise_report_do_not_depend_on_input_order(
    book: Book, rnd: random.Random
) -> None:
    first = _ledger(book)
    parts = [list(x) for x in book]
    for xs in parts:
        rnd.shuffle(xs)
    again = _ledger((parts[0], parts[1], parts[2], parts[3], parts[4]))  # type: ignore[arg-type]
    assert worklist(first, as_of=AS_OF) == worklist(again, as_of=AS_OF)
    assert evaluate_promises(first, as_of=AS_OF) == evaluate_promises(again, as_of=AS_OF)


@settings(max_examples=80, deadline=None)
@given(books(), st.integers(0, 10))
def test_promise_verdict_agrees_with_the_cash(book: Book, grace: int) -> None:
    report = evaluate_promises(_ledger(book), as_of=AS_OF, grace_days=grace)
    for e in report.evaluations:
        assert (e.status is PromiseStatus.KEPT) == (e.paid >= e.promised)
        if e.status is PromiseStatus.PENDING:
            assert e.deadline >= AS_OF
        if e.status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT):
            assert e.deadline < AS_OF
        assert (e.status is PromiseStatus.BROKEN) <= (e.paid.amount == 0)
        assert e.shortfall + min(e.paid, e.promised) == e.promised
