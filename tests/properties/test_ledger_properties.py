"""Properties of the ledger: conservation at every date, order independence, idempotence."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.ledger import Ledger, Movement
from receivables.models import Application, CreditMemo, Document, Invoice, Payment, WriteOff
from receivables.money import Money

START = date(2026, 1, 1)
CURRENCIES = ("USD", "JPY", "KWD")


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[Document], list[Movement]]:
    """A random valid ledger: documents, then movements that never over-apply."""
    code = draw(st.sampled_from(CURRENCIES))
    n_debits = draw(st.integers(1, 8))
    n_credits = draw(st.integers(0, 6))
    docs: list[Document] = []
    debits: dict[str, tuple[int, date]] = {}
    credits: dict[str, tuple[int, date]] = {}
    for i in range(n_debits):
        units = draw(st.integers(1, 10**7))
        day = START + timedelta(days=draw(st.integers(0, 90)))
        customer = draw(st.sampled_from(["C1", "C2"]))
        docs.append(
            Invoice(
                id=f"INV-{i}",
                customer_id=customer,
                issue_date=day,
                total=Money.from_minor(units, code),
            )
        )
        debits[f"INV-{i}"] = (units, day)
    for i in range(n_credits):
        units = draw(st.integers(1, 10**7))
        day = START + timedelta(days=draw(st.integers(0, 90)))
        if draw(st.booleans()):
            doc: Document = Payment(
                id=f"PAY-{i}",
                customer_id="C1",
                received_on=day,
                amount=Money.from_minor(units, code),
            )
        else:
            doc = CreditMemo(
                id=f"CM-{i}", customer_id="C1", issue_date=day, amount=Money.from_minor(units, code)
            )
        docs.append(doc)
        credits[doc.id] = (units, day)
    left = {k: v[0] for k, v in {**debits, **credits}.items()}
    moves: list[Movement] = []
    for j in range(draw(st.integers(0, 12))):
        target = draw(st.sampled_from(sorted(debits)))
        if left[target] == 0:
            continue
        when = max(debits[target][1], START) + timedelta(days=draw(st.integers(0, 60)))
        customer_credits = sorted(
            c
            for c in credits
            if left[c]
            and next(d for d in docs if d.id == c).customer_id
            == next(d for d in docs if d.id == target).customer_id
        )
        if customer_credits and draw(st.booleans()):
            source = draw(st.sampled_from(customer_credits))
            when = max(when, credits[source][1])
            cap = min(left[target], left[source])
            units = draw(st.integers(1, cap))
            moves.append(
                Application(
                    id=f"APP-{j}",
                    source_id=source,
                    target_id=target,
                    applied_on=when,
                    amount=Money.from_minor(units, code),
                )
            )
            left[source] -= units
        else:
            units = draw(st.integers(1, left[target]))
            moves.append(
                WriteOff(
                    id=f"WO-{j}",
                    document_id=target,
                    written_off_on=when,
                    amount=Money.from_minor(units, code),
                    reason_code="SMALL",
                )
            )
        left[target] -= units
    return docs, moves


def _signed(doc: Document) -> Decimal:
    return doc.amount.amount if isinstance(doc, Invoice) else -doc.amount.amount


def _doc_date(doc: Document) -> date:
    return doc.received_on if isinstance(doc, Payment) else doc.issue_date


def _independent_balance(docs: list[Document], moves: list[Movement], as_of: date) -> Decimal:
    kinds = {d.id: isinstance(d, Invoice) for d in docs}
    total = sum((_signed(d) for d in docs if _doc_date(d) <= as_of), Decimal(0))
    for m in moves:
        if isinstance(m, Application) and m.applied_on <= as_of:
            total -= m.settled.amount
            total += m.used.amount
        elif isinstance(m, WriteOff) and m.written_off_on <= as_of:
            total += -m.amount.amount if kinds[m.document_id] else m.amount.amount
    return total


@settings(max_examples=60, deadline=None)
@given(ledgers(), st.integers(-5, 200))
def test_open_balance_equals_documents_minus_movements_at_every_date(
    data: tuple[list[Document], list[Movement]], offset: int
) -> None:
    docs, moves = data
    ledger = Ledger(docs, movements=moves)
    as_of = START + timedelta(days=offset)
    total = sum((m.amount for m in ledger.balances(as_of=as_of).values()), Decimal(0))
    assert total == _independent_balance(docs, moves, as_of)
    items = ledger.open_items(as_of=as_of)
    assert sum((i.open.amount for i in items), Decimal(0)) == total
    for item in items:
        assert item.open.is_quantized
        assert (item.open.amount > 0) == (not item.is_credit)


@settings(max_examples=40, deadline=None)
@given(ledgers(), st.randoms(use_true_random=False))
def test_shuffled_inputs_give_the_same_ledger(
    data: tuple[list[Document], list[Movement]], rnd: random.Random
) -> None:
    docs, moves = data
    reference = Ledger(docs, movements=moves)
    docs2, moves2 = list(docs), list(moves)
    rnd.shuffle(docs2)
    rnd.shuffle(moves2)
    shuffled = Ledger(docs2, movements=moves2)
    assert shuffled == reference
    as_of = START + timedelta(days=75)
    assert shuffled.open_items(as_of=as_of) == reference.open_items(as_of=as_of)


@settings(max_examples=40, deadline=None)
@given(ledgers())
def test_applying_movements_in_batches_or_again_is_idempotent(
    data: tuple[list[Document], list[Movement]],
) -> None:
    docs, moves = data
    whole = Ledger(docs, movements=moves)
    half = len(moves) // 2
    stepwise = Ledger(docs).apply(moves[:half]).apply(moves[half:])
    assert stepwise == whole
    assert whole.apply(moves) == whole
