"""Properties of adjustments: refunds conserve and never exceed the credit; a re-rate to
the invoice's own rates changes nothing; posting a credit never over-applies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.adjustments import (
    TaxRate,
    build_refund_packet,
    credit_adjustment,
    post_adjustment,
    rerate_tax,
)
from receivables.ledger import Ledger
from receivables.models import CreditMemo, Document, Invoice, InvoiceLine, Payment, TaxLine
from receivables.money import Money

START = date(2026, 1, 1)


@given(
    credits=st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 60)), min_size=1, max_size=6),
    share=st.integers(1, 100),
    seed=st.randoms(use_true_random=False),
)
@settings(max_examples=60, deadline=None)
def test_refund_sources_add_up_and_stay_within_each_credit(
    credits: list[tuple[int, int]], share: int, seed: object
) -> None:
    docs: list[Document] = []
    for i, (units, day) in enumerate(credits):
        amount = Money.from_minor(units, "USD")
        when = START + timedelta(days=day)
        if i % 2:
            docs.append(CreditMemo(id=f"CM-{i}", customer_id="C1", issue_date=when, amount=amount))
        else:
            docs.append(Payment(id=f"P-{i}", customer_id="C1", received_on=when, amount=amount))
    seed.shuffle(docs)  # type: ignore[attr-defined]
    ledger = Ledger(docs)
    as_of = START + timedelta(days=61)
    total = sum(units for units, _ in credits)
    wanted = Money.from_minor(max(1, total * share // 100), "USD")
    packet = build_refund_packet(
        ledger, "C1", packet_id="RF", as_of=as_of, amount=wanted, payee_name="Acme"
    )
    assert packet.amount == wanted
    assert sum((s.refunded for s in packet.sources), Money.zero("USD")) == wanted
    for s in packet.sources:
        assert Money.zero("USD") < s.refunded <= s.open_credit
    assert packet == build_refund_packet(
        Ledger(list(reversed(docs))),
        "C1",
        packet_id="RF",
        as_of=as_of,
        amount=wanted,
        payee_name="Acme",
    )


@given(
    prices=st.lists(st.integers(1, 10**6), min_size=1, max_size=5),
    rate=st.decimals(min_value=0, max_value=25, places=3),
)
@settings(max_examples=60, deadline=None)
def test_rerate_to_the_same_rate_issues_nothing(prices: list[int], rate: Decimal) -> None:
    taxes = (TaxLine(jurisdiction="ST", rate=rate, level="state"),)
    invoice = Invoice(
        id="INV",
        customer_id="C1",
        issue_date=START,
        lines=tuple(
            InvoiceLine(id=str(i), unit_price=Money.from_minor(p, "USD"), taxes=taxes)
            for i, p in enumerate(prices)
        ),
    )
    adj, changes = rerate_tax(
        Ledger([invoice]),
        "INV",
        rates=[TaxRate(jurisdiction="ST", rate=rate, level="state")],
        on=START,
        credit_memo_id="C",
        debit_memo_id="D",
    )
    assert adj.documents == ()
    assert changes[0].old_amount == changes[0].new_amount


@given(
    invoice_units=st.integers(1, 10**7),
    credit_units=st.integers(1, 10**7),
)
@settings(max_examples=60, deadline=None)
def test_credit_memo_conserves_the_customer_balance(invoice_units: int, credit_units: int) -> None:
    ledger = Ledger(
        [
            Invoice(
                id="I",
                customer_id="C1",
                issue_date=START,
                total=Money.from_minor(invoice_units, "EUR"),
            )
        ]
    )
    amount = Money.from_minor(credit_units, "EUR")
    after = post_adjustment(
        ledger, credit_adjustment(ledger, "I", memo_id="CM", on=START, amount=amount)
    )
    assert after.balance("C1", as_of=START) == Money.from_minor(invoice_units - credit_units, "EUR")
    assert after.open_amount("I", as_of=START).amount >= 0
