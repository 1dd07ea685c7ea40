"""Invariants of unposted-cash matching: order independence, no over-application,
conservation per receipt, and idempotence of applying a statement's proposals."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.io.statement import BankStatement
from receivables.ledger import Ledger
from receivables.models import Customer, Invoice, Payment, RemittanceLine
from receivables.money import Money
from receivables.unposted import (
    UNSTRUCTURED_NOTE,
    identify_customer,
    match_statement,
    name_similarity,
    normalise_name,
)

AS_OF = date(2026, 3, 31)
CUSTOMERS = (
    Customer(id="C1", name="Hanse Baustoffe GmbH", currency="EUR"),
    Customer(id="C2", name="Brackley Energy Ltd", currency="EUR"),
    Customer(id="C3", name="Falcon Logistics Corp.", currency="EUR"),
    Customer(id="C4", name="Quintessa Trading SARL", currency="EUR"),
)
NAMES = st.sampled_from(
    ["HANSE BAUSTOFFE", "Brackley Energy", "Falcon Logistics", "Unknown Payer Ltd", ""]
)

invoices = st.lists(
    st.tuples(st.sampled_from(["C1", "C2", "C3", "C4"]), st.integers(1, 50_000)),
    min_size=1,
    max_size=8,
)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Ledger, list[Payment]]:
    docs = [
        Invoice(
            id=f"INV-{i:05d}",
            customer_id=c,
            issue_date=date(2026, 3, 1),
            terms="NET 30",
            total=Money.from_minor(cents, "EUR"),
        )
        for i, (c, cents) in enumerate(draw(invoices), start=1)
    ]
    ledger = Ledger(docs, customers=CUSTOMERS)
    receipts = []
    for k in range(draw(st.integers(1, 6))):
        doc = draw(st.sampled_from(docs))
        amount = draw(
            st.sampled_from([doc.amount, Money.from_minor(draw(st.integers(1, 60_000)), "EUR")])
        )
        text = draw(st.sampled_from([None, doc.id, f"inv {doc.id[4:]}", "thanks"]))
        receipts.append(
            Payment(
                id=f"B{k}",
                customer_id=None,
                received_on=date(2026, 3, 20),
                amount=amount,
                payer_name=draw(NAMES) or None,
                remittance=(
                    (RemittanceLine(reference=text, amount=amount, note=UNSTRUCTURED_NOTE),)
                    if text
                    else ()
                ),
            )
        )
    return ledger, receipts


def statement(receipts: list[Payment]) -> BankStatement:
    return BankStatement(
        format="camt.053", statement_id="S", account="DE1", receipts=tuple(receipts)
    )


@given(scenario(), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_shuffling_receipts_changes_nothing(
    case: tuple[Ledger, list[Payment]], rnd: random.Random
) -> None:
    ledger, receipts = case
    shuffled = list(receipts)
    rnd.shuffle(shuffled)
    a = match_statement(statement(receipts), ledger, as_of=AS_OF)
    b = match_statement(statement(shuffled), ledger, as_of=AS_OF)
    assert a == b


@given(scenario())
@settings(max_examples=60, deadline=None)
def test_no_over_application_and_conservation(case: tuple[Ledger, list[Payment]]) -> None:
    ledger, receipts = case
    match = match_statement(statement(receipts), ledger, as_of=AS_OF)
    for r in match.proposed:
        assert r.allocation is not None
        assert r.allocation.applied + r.allocation.unapplied == r.payment.amount
    after = match.apply_to(ledger)
    for doc in ledger.documents:
        assert after.open_amount(doc.id, as_of=AS_OF).amount >= 0
    posted = {r.payment.id for r in match.proposed}
    assert {d.id for d in after.documents} - {d.id for d in ledger.documents} == posted


@given(scenario())
@settings(max_examples=40, deadline=None)
def test_applying_is_idempotent(case: tuple[Ledger, list[Payment]]) -> None:
    ledger, receipts = case
    match = match_statement(statement(receipts), ledger, as_of=AS_OF)
    once = match.apply_to(ledger)
    assert match.apply_to(once) == once
    rerun = match_statement(statement(receipts), once, as_of=AS_OF)
    assert rerun.apply_to(once) == once
    assert {r.status for r in rerun.receipts} <= {"already_posted", "unidentified"}


@given(st.permutations(CUSTOMERS), NAMES)
@settings(max_examples=60, deadline=None)
def test_identification_does_not_depend_on_customer_order(
    customers: list[Customer], name: str
) -> None:
    pay = Payment(
        id="P", customer_id=None, received_on=AS_OF, amount="1.00 EUR", payer_name=name or None
    )
    assert identify_customer(pay, customers) == identify_customer(pay, CUSTOMERS)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_similarity_is_a_score_between_zero_and_one(a: str, b: str) -> None:
    score = name_similarity(a, b)
    assert Decimal(0) <= score <= Decimal(1)


@given(st.from_regex(r"[A-Za-z][A-Za-z ]{2,30}", fullmatch=True))
@settings(max_examples=100, deadline=None)
def test_a_name_is_fully_similar_to_itself(name: str) -> None:
    expected = Decimal(1) if normalise_name(name) else Decimal(0)
    assert name_similarity(name, name) == expected
