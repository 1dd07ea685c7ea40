"""Properties of cash application: conservation, no over-application, order independence,
idempotence, and a result the ledger always accepts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables.allocation import (
    AllocationPolicy,
    AllocationResult,
    CombinationLimits,
    Step,
    Tolerance,
    WriteOffRule,
    allocate,
    suggest_matches,
)
from receivables.fx import realised_fx
from receivables.ledger import Ledger, OpenItem
from receivables.models import Application, CreditMemo, Invoice, Payment, RemittanceLine
from receivables.money import FxRate, FxRates, Money

START = date(2026, 1, 1)
STEPS: tuple[Step, ...] = (
    "remittance",
    "exact",
    "combination",
    "due_date",
    "oldest_first",
    "pro_rata",
)
TERMS = (None, "NET 30", "2/10 NET 30", "1/15 NET 45", "50% 30 DAYS (2/10), 50% 60 DAYS")
RATES = FxRates(
    pivot="USD",
    rates=[
        FxRate(base="USD", quote="EUR", on=START, rate=Decimal("0.91")),
        FxRate(base="USD", quote="EUR", on=START + timedelta(days=40), rate=Decimal("0.9375")),
        FxRate(base="USD", quote="JPY", on=START, rate=Decimal("151.37")),
        FxRate(base="USD", quote="JPY", on=START + timedelta(days=30), rate=Decimal("148.9")),
    ],
)


@st.composite
def policies(draw: st.DrawFn) -> AllocationPolicy:
    steps = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=6, unique=True))
    rules: tuple[WriteOffRule, ...] = ()
    if draw(st.booleans()):
        rules = (
            WriteOffRule(
                reason_code="SMALL",
                amounts=(Money("5.00", "USD"), Money("5.00", "EUR"), Money("500", "JPY")),
                percent=Decimal(draw(st.sampled_from(["0", "1", "2.5"]))),
            ),
        )
    return AllocationPolicy(
        steps=tuple(steps),
        stop_after_remittance=draw(st.booleans()),
        tolerance=Tolerance(percent=Decimal(draw(st.sampled_from(["0", "0.5", "2"])))),
        write_off_rules=rules,
        honour_late_discount=draw(st.booleans()),
        discount_grace_days=draw(st.integers(0, 7)),
        combination=CombinationLimits(max_nodes=draw(st.sampled_from([50, 5_000])), max_set_size=4),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Ledger, Payment | CreditMemo, date]:
    """A ledger with invoices (some partly paid) and one source to allocate.

    The source's amount is random, or the open amount of a random set of the customer's
    invoices (less a few minor units at times), so exact and combination matches, ties and
    short payments all occur; a few amounts and dates repeat to make ties likely.
    """
    pay_code = draw(st.sampled_from(["USD", "EUR", "JPY"]))
    codes = [pay_code] if draw(st.booleans()) else ["USD", "EUR", "JPY"]
    repeat = draw(st.booleans())
    invoices: list[Invoice] = []
    partial: dict[str, bool] = {}
    for i in range(draw(st.integers(0, 9))):
        code = draw(st.sampled_from(codes))
        units = (
            draw(st.sampled_from([10_000, 20_000, 30_000]))
            if repeat
            else draw(st.integers(1, 200_000))
        )
        doc = Invoice(
            id=f"INV-{i:05d}",
            customer_id=draw(st.sampled_from(["C1", "C1", "C1", "C2"])),
            issue_date=START + timedelta(days=draw(st.integers(0, 3 if repeat else 40))),
            terms=draw(st.sampled_from(TERMS)),
            total=Money.from_minor(units, code),
            po_number=draw(st.sampled_from([None, "PO-1", f"PO-{i + 10}"])),
        )
        invoices.append(doc)
        partial[doc.id] = draw(st.integers(0, 3)) == 0
    day = START + timedelta(days=draw(st.integers(0, 60)))
    mine = [d for d in invoices if d.customer_id == "C1" and d.amount.code == pay_code]
    if mine and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(mine), min_size=1, max_size=4, unique=True))
        units = sum(d.amount.minor - (d.amount.minor // 3 if partial[d.id] else 0) for d in chosen)
        units = max(1, units - draw(st.sampled_from([0, 0, 1, 7, 300])))
    else:
        units = draw(st.integers(1, 400_000))
    if draw(st.integers(0, 4)) == 0:
        source: Payment | CreditMemo = CreditMemo(
            id="CM-1",
            customer_id="C1",
            issue_date=day,
            amount=Money.from_minor(units, pay_code),
            linked_document_id=draw(st.sampled_from([None, "INV-00001", "INV-00042"])),
        )
    else:
        lines = []
        for _ in range(draw(st.integers(0, 3))):
            ref = draw(
                st.sampled_from(["INV-00001", "inv 2", "3", "00004", "PO-1", "nope", "INV 7"])
            )
            lines.append(
                RemittanceLine(
                    reference=ref,
                    amount=Money.from_minor(draw(st.integers(1, 200_000)), pay_code),
                    discount_taken=(
                        Money.from_minor(draw(st.integers(0, 5_000)), pay_code)
                        if draw(st.booleans())
                        else None
                    ),
                )
            )
        source = Payment(
            id="PAY-1",
            customer_id="C1",
            received_on=day,
            amount=Money.from_minor(units, pay_code),
            remittance=tuple(lines),
        )
    ledger = Ledger([*invoices, source])
    # Part-pay some invoices with an earlier credit, so open amounts differ from totals.
    earlier: list[Application] = []
    for doc in invoices:
        if partial[doc.id]:
            cid = f"CR-{doc.id}"
            ledger = ledger.add(
                [
                    CreditMemo(
                        id=cid,
                        customer_id=doc.customer_id,
                        issue_date=doc.issue_date,
                        amount=Money.from_minor(10**9, doc.amount.code),
                    )
                ]
            )
            earlier.append(
                Application(
                    id=f"EARLY-{doc.id}",
                    source_id=cid,
                    target_id=doc.id,
                    applied_on=doc.issue_date,
                    amount=Money.from_minor(max(1, doc.amount.minor // 3), doc.amount.code),
                )
            )
    ledger = ledger.apply(earlier)
    as_of = max(day, START + timedelta(days=41))
    return ledger, source, as_of


def _items(ledger: Ledger, as_of: date) -> list[OpenItem]:
    # Every open item, other customers' and credits included: the engine must skip them.
    return ledger.open_items(as_of=as_of)


def _check_invariants(result: AllocationResult, items: list[OpenItem]) -> None:
    cash = sum((a.used for a in result.applications), Money.zero(result.amount.code))
    assert cash + result.unapplied == result.amount
    assert result.unapplied.amount >= 0
    open_by_id = {i.id: i.open for i in items}
    for app in result.applications:
        assert app.settled <= open_by_id[app.target_id]
        assert app.used.code == result.amount.code
        for part in (app.amount, app.discount, app.write_off, app.source_amount):
            assert part is None or (part.amount >= 0 and part.is_quantized)
    assert len({a.target_id for a in result.applications}) == len(result.applications)
    if result.outcome == "fully_applied":
        assert result.unapplied.amount == 0
    if result.outcome in ("no_unique_match", "unapplied"):
        assert result.applications == ()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), policy=policies(), seed=st.integers(0, 2**32 - 1))
def test_allocation_conserves_never_over_applies_and_ignores_input_order(
    case: tuple[Ledger, Payment | CreditMemo, date], policy: AllocationPolicy, seed: int
) -> None:
    ledger, source, as_of = case
    items = _items(ledger, as_of)
    result = allocate(source, items, as_of=as_of, policy=policy, rates=RATES)
    _check_invariants(result, items)
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    assert allocate(source, shuffled, as_of=as_of, policy=policy, rates=RATES) == result


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), policy=policies())
def test_rerunning_gives_the_same_result_and_the_ledger_accepts_it_once(
    case: tuple[Ledger, Payment | CreditMemo, date], policy: AllocationPolicy
) -> None:
    ledger, source, as_of = case
    items = _items(ledger, as_of)
    first = allocate(source, items, as_of=as_of, policy=policy, rates=RATES)
    again = allocate(source, items, as_of=as_of, policy=policy, rates=RATES)
    assert again == first
    assert [a.id for a in again.applications] == [a.id for a in first.applications]
    posted = first.apply_to(ledger)
    assert again.apply_to(posted) == posted
    for app in first.applications:
        before = ledger.open_amount(app.target_id, as_of=as_of)
        assert posted.open_amount(app.target_id, as_of=as_of) == before - app.settled
    assert -posted.open_amount(source.id, as_of=as_of) == first.unapplied


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), policy=policies())
def test_suggestions_for_unapplied_cash_post_together(
    case: tuple[Ledger, Payment | CreditMemo, date], policy: AllocationPolicy
) -> None:
    ledger, _, as_of = case
    results = suggest_matches(ledger, as_of=as_of, policy=policy, rates=RATES)
    for r in results:
        ledger = r.apply_to(ledger)
        assert r.outcome in ("fully_applied", "partly_applied", "no_unique_match")


@settings(max_examples=150, deadline=None)
@given(
    total=st.integers(min_value=1, max_value=10_000_000),
    paid=st.integers(min_value=1, max_value=12_000_000),
    issue_rate=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=4),
    pay_rate=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=4),
    second=st.booleans(),
)
def test_allocation_fx_agrees_with_the_ledgers_realised_fx(
    total: int, paid: int, issue_rate: Decimal, pay_rate: Decimal, second: bool
) -> None:
    """A EUR invoice paid in USD (the functional currency), in one or two part payments:
    the difference allocation reports equals fx.realised_fx on the posted ledger."""
    day = START + timedelta(days=20)
    rates = FxRates(
        rates=[
            FxRate(base="EUR", quote="USD", on=START, rate=issue_rate),
            FxRate(base="EUR", quote="USD", on=day, rate=pay_rate),
        ]
    )
    doc = Invoice(
        id="INV-EU", customer_id="C1", issue_date=START, total=Money.from_minor(total, "EUR")
    )
    payments = [
        Payment(
            id=f"PAY-{n}",
            customer_id="C1",
            received_on=day + timedelta(days=n),
            amount=Money.from_minor(paid, "USD"),
        )
        for n in range(2 if second else 1)
    ]
    ledger = Ledger([doc, *payments], functional_currency="USD")
    policy = AllocationPolicy(steps=("oldest_first",))
    expected: dict[str, Money | None] = {}
    for p in payments:
        items = ledger.open_items(as_of=p.received_on, customer_id="C1", include_credits=False)
        if not items:
            break
        result = allocate(p, items, as_of=p.received_on, rates=rates, policy=policy)
        for app, fx in zip(result.applications, result.realised_fx, strict=True):
            expected[app.id] = fx.difference
        ledger = result.apply_to(ledger)
    booked = realised_fx(ledger, rates=rates, as_of=day + timedelta(days=5))
    assert {r.movement_id: r.gain for r in booked} == expected
