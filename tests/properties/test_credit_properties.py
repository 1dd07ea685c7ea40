"""Invariants of the credit check: monotone in the order amount, overrides bounded."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.credit import (
    CreditFile,
    CreditOverride,
    CreditPolicy,
    OpenOrder,
    check_order,
    exposure,
)
from receivables.ledger import Ledger
from receivables.models import Customer, Invoice, Payment
from receivables.money import Money

AS_OF = date(2026, 6, 30)
SEVERITY = {"approve": 0, "needs_override": 1, "hold": 2}

cents = st.integers(min_value=1, max_value=5_000_000)


def usd(minor: int) -> Money:
    return Money.from_minor(minor, "USD")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Customer, Ledger, CreditPolicy, CreditFile | None]:
    limit = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10_000_000)))
    customer = Customer(
        id="C1",
        name="Acme",
        currency="USD",
        credit_limit=None if limit is None else usd(limit),
        credit_hold=draw(st.booleans()),
    )
    invoices = [
        Invoice(
            id=f"I{i}",
            customer_id="C1",
            issue_date=AS_OF - timedelta(days=draw(st.integers(min_value=0, max_value=200))),
            terms="NET 30",
            total=usd(draw(cents)),
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    payments = [
        Payment(
            id=f"P{i}",
            customer_id="C1",
            received_on=AS_OF - timedelta(days=draw(st.integers(min_value=0, max_value=60))),
            amount=usd(draw(cents)),
        )
        for i in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    policy = CreditPolicy(
        max_days_overdue=draw(st.integers(min_value=0, max_value=120)),
        max_overdue_amount=draw(st.one_of(st.none(), cents.map(usd))),
        over_limit_action=draw(st.sampled_from(["needs_override", "hold"])),
    )
    file = draw(
        st.one_of(
            st.none(),
            st.builds(
                CreditFile,
                customer_id=st.just("C1"),
                risk_class=st.sampled_from([None, "A", "C", "D", "E"]),
                next_review_on=st.one_of(
                    st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
                ),
            ),
        )
    )
    return customer, Ledger([*invoices, *payments], customers=[customer]), policy, file


overrides = st.lists(
    st.builds(
        CreditOverride,
        id=st.sampled_from(["OV-1", "OV-2", "OV-3"]),
        customer_id=st.just("C1"),
        approved_by=st.just("CFO"),
        approved_on=st.dates(min_value=date(2026, 5, 1), max_value=date(2026, 7, 31)),
        reason=st.just("peak"),
        amount=st.integers(min_value=0, max_value=5_000_000).map(usd),
        expires_on=st.dates(min_value=date(2026, 7, 31), max_value=date(2026, 9, 30)),
    ),
    max_size=3,
    unique_by=lambda o: o.id,
)


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), small=cents, extra=cents, given_overrides=overrides)
def test_a_larger_order_is_never_judged_more_leniently(
    scenario: tuple[Customer, Ledger, CreditPolicy, CreditFile | None],
    small: int,
    extra: int,
    given_overrides: list[CreditOverride],
) -> None:
    customer, ledger, policy, file = scenario
    kwargs = {
        "ledger": ledger,
        "as_of": AS_OF,
        "policy": policy,
        "credit_file": file,
        "overrides": given_overrides,
    }
    before = check_order(customer, usd(small), **kwargs)  # type: ignore[arg-type]
    after = check_order(customer, usd(small + extra), **kwargs)  # type: ignore[arg-type]
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome]
    if before.outcome == "hold":
        assert after.outcome == "hold"


@settings(max_examples=200, deadline=None)
@given(
    scenario=scenarios(),
    order=cents,
    given_overrides=overrides,
    as_of=st.dates(min_value=date(2026, 4, 1), max_value=date(2026, 10, 31)),
)
def test_an_override_applies_only_within_its_amount_and_validity(
    scenario: tuple[Customer, Ledger, CreditPolicy, CreditFile | None],
    order: int,
    given_overrides: list[CreditOverride],
    as_of: date,
) -> None:
    customer, ledger, policy, file = scenario
    d = check_order(
        customer,
        usd(order),
        ledger=ledger,
        as_of=as_of,
        policy=policy,
        credit_file=file,
        overrides=given_overrides,
    )
    if d.override_id is None:
        return
    used = next(o for o in given_overrides if o.id == d.override_id)
    assert used.approved_on <= as_of <= used.expires_on
    assert d.excess <= used.amount
    assert all(r.action == "needs_override" for r in d.reasons)
    assert d.reasons, "an override is only recorded when a rule was breached"
    assert d.limit == customer.credit_limit


@settings(max_examples=100, deadline=None)
@given(
    scenario=scenarios(),
    amounts=st.lists(cents, min_size=1, max_size=5),
    seed=st.randoms(use_true_random=False),
)
def test_exposure_is_the_sum_of_its_components_in_any_input_order(
    scenario: tuple[Customer, Ledger, CreditPolicy, CreditFile | None],
    amounts: list[int],
    seed: object,
) -> None:
    customer, ledger, policy, _ = scenario
    orders = [
        OpenOrder(id=f"SO-{i}", customer_id="C1", amount=usd(a), ordered_on=AS_OF)
        for i, a in enumerate(amounts)
    ]
    shuffled = list(orders)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    a = exposure(customer, ledger=ledger, as_of=AS_OF, open_orders=orders, policy=policy)
    b = exposure(customer, ledger=ledger, as_of=AS_OF, open_orders=shuffled, policy=policy)
    assert a == b
    assert a.total == sum((c.converted for c in a.components), Money.zero("USD"))


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=0, max_value=2_000_000),
    open_ar=st.lists(cents, max_size=3),
    order=cents,
    approved=st.integers(min_value=0, max_value=3_000_000),
    approved_on=st.dates(min_value=date(2026, 6, 1), max_value=date(2026, 7, 15)),
    valid_days=st.integers(min_value=0, max_value=40),
    as_of=st.dates(min_value=date(2026, 6, 20), max_value=date(2026, 8, 31)),
)
def test_an_over_limit_order_is_approved_exactly_when_an_override_covers_it(
    limit: int,
    open_ar: list[int],
    order: int,
    approved: int,
    approved_on: date,
    valid_days: int,
    as_of: date,
) -> None:
    customer = Customer(id="C1", name="Acme", currency="USD", credit_limit=usd(limit))
    ledger = Ledger(
        [
            Invoice(
                id=f"I{i}",
                customer_id="C1",
                issue_date=date(2026, 6, 20),
                total=usd(a),
                terms="NET 90",
            )
            for i, a in enumerate(open_ar)
        ],
        customers=[customer],
    )
    ov = CreditOverride(
        id="OV-1",
        customer_id="C1",
        approved_by="CFO",
        approved_on=approved_on,
        reason="peak",
        amount=usd(approved),
        expires_on=approved_on + timedelta(days=valid_days),
    )
    d = check_order(customer, usd(order), ledger=ledger, as_of=as_of, overrides=[ov])
    excess = max(0, sum(open_ar) + order - limit)
    covered = ov.approved_on <= as_of <= ov.expires_on and excess <= approved
    if excess == 0:
        assert d.outcome == "approve"
        assert d.override_id is None
    else:
        assert d.excess == usd(excess)
        assert d.outcome == ("approve" if covered else "needs_override")
        assert (d.override_id == "OV-1") == covered
        assert [r.rule for r in d.reasons] == ["over_limit"]
