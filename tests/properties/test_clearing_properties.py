"""Properties of clearing, accrual and discounts: conservation, no negative part, additive
interest, tax splits that lose no cent."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.accrual import PartialPayment, accrue_interest
from receivables.clearing import CLEARING_ORDERS, Claim, Component, clear_payment
from receivables.discounts import discount_tax_effect, settle_instalments
from receivables.interest import contractual_rate
from receivables.models import Invoice, InvoiceLine, TaxLine
from receivables.money import Money
from receivables.terms import PaymentTerms

START = date(2026, 1, 1)
AS_OF = date(2026, 6, 30)


@st.composite
def claims(draw: st.DrawFn) -> list[Claim]:
    out: list[Claim] = []
    for i in range(draw(st.integers(1, 5))):
        arose = START + timedelta(days=draw(st.integers(0, 3)) * 30)
        due = arose + timedelta(days=draw(st.sampled_from([0, 30, 400])))
        out.append(
            Claim(
                document_id=f"D{i}",
                due_date=due,
                arose_on=arose,
                principal=Money.from_minor(draw(st.integers(0, 200_000)), "EUR"),
                interest=Money.from_minor(draw(st.integers(0, 5_000)), "EUR"),
                costs=Money.from_minor(draw(st.integers(0, 2_000)), "EUR"),
            )
        )
    return out


orders = st.sampled_from(sorted(CLEARING_ORDERS)).flatmap(
    lambda oid: st.sampled_from(
        [
            CLEARING_ORDERS[oid],
            CLEARING_ORDERS[oid].model_copy(update={"grouping": "by_component"}),
        ]
    )
)
scores = st.none() | st.dictionaries(
    st.sampled_from([f"D{i}" for i in range(5)]), st.integers(0, 3), max_size=5
)


def _known(given_scores: dict[str, int] | None, debts: list[Claim]) -> dict[str, int] | None:
    if given_scores is None:
        return None
    ids = {c.document_id for c in debts}
    return {k: v for k, v in given_scores.items() if k in ids}


@settings(max_examples=200, deadline=None)
@given(claims(), st.integers(1, 500_000), orders, scores, scores)
def test_clearing_conserves_the_payment_and_never_leaves_a_negative_part(
    debts: list[Claim], cents: int, order: object, security: object, burden: object
) -> None:
    from receivables.clearing import ClearingOrder

    assert isinstance(order, ClearingOrder)
    payment = Money.from_minor(cents, "EUR")
    result = clear_payment(
        payment,
        debts,
        order=order,
        as_of=AS_OF,
        security=_known(security, debts),  # type: ignore[arg-type]
        burden=_known(burden, debts),  # type: ignore[arg-type]
    )
    assert result.placed + result.unapplied == payment
    assert result.unapplied.amount >= 0
    before = {c.document_id: c for c in debts}
    for after in result.remaining:
        for comp in Component:
            left = after.part(comp)
            assert left.amount >= 0
            assert left + result.placed_on(after.document_id, comp) == before[
                after.document_id
            ].part(comp)
    assert all(p.amount.amount > 0 and p.amount.is_quantized for p in result.placements)
    total = sum((c.total for c in debts), Money.zero("EUR"))
    assert result.unapplied == max(payment - total, Money.zero("EUR"))


@settings(max_examples=100, deadline=None)
@given(claims(), st.integers(1, 500_000), orders, st.randoms(use_true_random=False))
def test_clearing_does_not_depend_on_the_order_of_the_claims(
    debts: list[Claim], cents: int, order: object, rnd: random.Random
) -> None:
    from receivables.clearing import ClearingOrder

    assert isinstance(order, ClearingOrder)
    shuffled = list(debts)
    rnd.shuffle(shuffled)
    payment = Money.from_minor(cents, "EUR")
    assert clear_payment(payment, debts, order=order, as_of=AS_OF) == clear_payment(
        payment, shuffled, order=order, as_of=AS_OF
    )


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 10_000_000),
    st.integers(1, 2000),
    st.integers(2, 400),
    st.data(),
)
def test_interest_accrual_is_additive_over_split_ranges(
    cents: int, rate_bp: int, length: int, data: st.DataObject
) -> None:
    """Posting the accrued interest on extra days (a dunning notice) cuts periods but never
    changes the interest: the exact total agrees to 1e-30 and the rounded total to the cent."""
    principal = Money.from_minor(cents, "EUR")
    law = contractual_rate(str(Decimal(rate_bp) / 100))
    end = START + timedelta(days=length)
    cuts = data.draw(st.lists(st.integers(1, length - 1), max_size=4, unique=True))
    pay_days = data.draw(st.lists(st.integers(1, length), max_size=3, unique=True))
    payments = [
        PartialPayment(
            id=f"P{d}",
            received_on=START + timedelta(days=d),
            amount=Money.from_minor(data.draw(st.integers(1, cents)), "EUR"),
        )
        for d in pay_days
    ]
    whole = accrue_interest(
        "D", principal=principal, start=START, as_of=end, law=law, payments=payments
    )
    split = accrue_interest(
        "D",
        principal=principal,
        start=START,
        as_of=end,
        law=law,
        payments=payments,
        postings=[START + timedelta(days=d) for d in cuts],
    )
    assert abs(whole.interest_exact - split.interest_exact) < Decimal("1e-30")
    assert abs((whole.interest_accrued - split.interest_accrued).amount) <= Decimal("0.01")
    assert sum((p.days for p in split.periods), 0) == length
    with localcontext() as ctx:
        ctx.prec = 60
        periods_sum = sum((p.interest_exact for p in split.periods), Decimal(0))
    assert abs(periods_sum - split.interest_exact) < Decimal("1e-40")
    assert split.principal.amount >= 0
    assert split.interest.amount >= 0
    assert whole.interest + whole.interest_paid + whole.interest_waived == whole.interest_accrued


@settings(max_examples=150, deadline=None)
@given(
    st.integers(100, 10_000_000),
    st.integers(1, 20_000_000),
    st.integers(0, 80),
    st.sampled_from(["pro_rata", "none"]),
)
def test_instalment_settlement_conserves_and_never_leaves_a_negative_instalment(
    total_cents: int, paid_cents: int, day: int, partial: str
) -> None:
    plan = PaymentTerms.parse("30% 30 DAYS (3/10), 30% 60 DAYS (2/40), 40% 90 DAYS (1/70)")
    parts = plan.instalments(Money.from_minor(total_cents, "EUR"), START)
    payment = Money.from_minor(paid_cents, "EUR")
    s = settle_instalments(
        "D",
        parts,
        payment,
        paid_on=START + timedelta(days=day),
        partial=partial,  # type: ignore[arg-type]
    )
    assert s.applied + s.unapplied == payment
    for row in s.rows:
        assert row.open_after.amount >= 0
        assert row.discount.amount >= 0
        assert row.paid + row.discount + row.open_after == row.open_before


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5_000_000), st.sampled_from([0, 7, 19, 20, 25])),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 10_000),
)
def test_discount_tax_effect_splits_the_discount_without_losing_a_cent(
    lines: list[tuple[int, int]], per_mille: int
) -> None:
    invoice = Invoice(
        id="I",
        customer_id="C",
        issue_date=START,
        lines=tuple(
            InvoiceLine(
                id=f"L{i}",
                unit_price=Money.from_minor(cents, "EUR"),
                taxes=(TaxLine(jurisdiction="DE", rate=rate),) if rate else (),
            )
            for i, (cents, rate) in enumerate(lines)
        ),
    )
    assert invoice.total is not None
    discount = Money(invoice.total.amount * per_mille / 10_000, "EUR").quantize("ROUND_DOWN")
    effect = discount_tax_effect(invoice, discount)
    assert effect.net_reduction + effect.tax_reduction == discount
    assert sum((t for _, _, t in effect.by_rate()), Money.zero("EUR")) == effect.tax_reduction
    for line in effect.lines:
        assert line.net_reduction.amount >= 0
        assert all(t.amount >= 0 for t in line.tax_reductions)
