"""Invariants of the KPIs: identities between them, bounds, and order independence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from receivables.disputes import collectable_split
from receivables.ledger import Ledger
from receivables.metrics import (
    Period,
    average_days_delinquent,
    average_days_to_pay,
    best_possible_dso,
    collection_effectiveness_index,
    countback_dso,
    dso,
    percent_current,
    weighted_average_days_late,
)
from receivables.models import Application, Dispute, DisputeResolution, Invoice, Payment
from receivables.money import Money

money = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))
positive = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))
days = st.integers(min_value=1, max_value=366)
CENT = Decimal("0.01")


@given(current=money, past_due=money, sales=positive, n=days)
def test_add_is_dso_less_bpdso_within_one_rounding(
    current: Decimal, past_due: Decimal, sales: Decimal, n: int
) -> None:
    ending = current + past_due
    d = dso(ending_ar=ending, credit_sales=sales, days=n).value
    b = best_possible_dso(current_ar=current, credit_sales=sales, days=n).value
    add = average_days_delinquent(ending_ar=ending, current_ar=current, credit_sales=sales, days=n)
    assert d is not None
    assert b is not None
    assert add.value is not None
    assert abs(add.value - (d - b)) <= CENT
    assert add.value >= 0


@given(ar=money, sales=positive, k=st.integers(min_value=1, max_value=6))
def test_countback_with_flat_sales_equals_standard_dso(ar: Decimal, sales: Decimal, k: int) -> None:
    start = date(2026, 1, 1)
    periods = [
        Period.custom(start + timedelta(days=30 * i), start + timedelta(days=30 * i + 29))
        for i in range(k)
    ]
    metric = countback_dso(ending_ar=ar, sales=[(p, sales) for p in periods])
    assert metric.value is not None
    if ar <= sales * k:
        standard = dso(ending_ar=ar, credit_sales=sales * k, days=30 * k).value
        assert metric.value == standard
        assert metric.reason is None
    else:
        assert metric.value == Decimal(30 * k)
        assert metric.reason is not None


@given(
    ar=money,
    sales=st.lists(positive, min_size=1, max_size=6),
    extra=money,
)
def test_countback_grows_with_the_receivables(
    ar: Decimal, sales: list[Decimal], extra: Decimal
) -> None:
    start = date(2026, 1, 1)
    pairs = [
        (Period.custom(start + timedelta(days=31 * i), start + timedelta(days=31 * i + 30)), s)
        for i, s in enumerate(sales)
    ]
    low = countback_dso(ending_ar=ar, sales=pairs).value
    high = countback_dso(ending_ar=ar + extra, sales=pairs).value
    assert low is not None
    assert high is not None
    assert Decimal(0) <= low <= high <= Decimal(31 * len(sales))


@given(begin=money, sales=money, current=money, past_due=money, months=st.integers(1, 12))
def test_cei_is_at_most_100_when_current_is_part_of_total(
    begin: Decimal, sales: Decimal, current: Decimal, past_due: Decimal, months: int
) -> None:
    metric = collection_effectiveness_index(
        beginning_ar=begin,
        credit_sales=sales,
        ending_total_ar=current + past_due,
        ending_current_ar=current,
        months=months,
    )
    if metric.value is None:
        assert metric.reason
    else:
        assert metric.value <= 100


pairs = st.lists(st.tuples(positive, st.integers(min_value=-30, max_value=400)), max_size=12)


@given(invoices=pairs, data=st.data())
def test_days_to_pay_lies_between_the_extremes_and_ignores_order(
    invoices: list[tuple[Decimal, int]], data: st.DataObject
) -> None:
    metric = average_days_to_pay(invoices=invoices)
    shuffled = data.draw(st.permutations(invoices))
    assert average_days_to_pay(invoices=shuffled) == metric
    if not invoices:
        assert metric.value is None
        return
    assert metric.value is not None
    assert min(d for _, d in invoices) <= metric.value <= max(d for _, d in invoices)


@given(invoices=pairs)
def test_days_late_is_never_negative_and_at_most_the_latest(
    invoices: list[tuple[Decimal, int]],
) -> None:
    metric = weighted_average_days_late(invoices=invoices)
    if invoices:
        assert metric.value is not None
        assert 0 <= metric.value <= max(0, *(d for _, d in invoices))


# -- excluding disputed amounts --------------------------------------------------------------

SEPT = Period.month(2026, 9)


@st.composite
def disputed_ledgers(draw: st.DrawFn) -> Ledger:
    """One customer's USD invoices from July to September, some partly paid, some partly
    disputed (opened and maybe resolved at random dates)."""
    docs: list[Invoice | Payment] = []
    movements: list[Application] = []
    disputes: list[Dispute] = []
    start = date(2026, 7, 1)
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        issued = start + timedelta(days=draw(st.integers(min_value=0, max_value=91)))
        total = Decimal(draw(st.integers(min_value=100, max_value=500_000))).scaleb(-2)
        due = issued + timedelta(days=draw(st.sampled_from([0, 15, 30, 60])))
        docs.append(Invoice(id=f"I{i}", customer_id="C1", issue_date=issued, due_date=due,
                            total=Money(total, "USD")))  # fmt: skip
        paid = Decimal(draw(st.integers(min_value=0, max_value=int(total * 100)))).scaleb(-2)
        if paid:
            on = issued + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
            docs.append(Payment(id=f"P{i}", customer_id="C1", received_on=on,
                                amount=Money(paid, "USD")))  # fmt: skip
            movements.append(Application(id=f"A{i}", source_id=f"P{i}", target_id=f"I{i}",
                                         applied_on=on, amount=Money(paid, "USD")))  # fmt: skip
        if draw(st.booleans()):
            part = Decimal(draw(st.integers(min_value=1, max_value=int(total * 100)))).scaleb(-2)
            opened = issued + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
            resolved = (
                opened + timedelta(days=draw(st.integers(min_value=1, max_value=60)))
                if draw(st.booleans())
                else None
            )
            disputes.append(
                Dispute(id=f"D{i}", customer_id="C1", document_id=f"I{i}",
                        amount=Money(part, "USD"), reason_code="PRICE", opened_on=opened,
                        resolved_on=resolved,
                        resolution=DisputeResolution.WITHDRAWN if resolved else None)
            )  # fmt: skip
    return Ledger(docs, movements=movements, disputes=disputes)


@given(ledger=disputed_ledgers())
def test_excluded_figures_add_back_to_the_gross_figures(ledger: Ledger) -> None:
    for gross, net, names in (
        (dso(ledger, period=SEPT, method="average"),
         dso(ledger, period=SEPT, method="average", exclude_disputed=True),
         ("ending_ar", "beginning_ar")),
        (collection_effectiveness_index(ledger, period=SEPT),
         collection_effectiveness_index(ledger, period=SEPT, exclude_disputed=True),
         ("beginning_ar", "ending_total_ar", "ending_current_ar")),
        (percent_current(ledger, as_of=SEPT.end),
         percent_current(ledger, as_of=SEPT.end, exclude_disputed=True),
         ("current_ar", "total_ar")),
    ):  # fmt: skip
        assert net.inputs["exclude_disputed"] == "true"
        assert net.reason is not None
        assert net.reason.startswith("disputed amounts excluded (as asked)")
        for name in names:
            part = Decimal(net.inputs[f"disputed_{name}"])
            assert part >= 0
            assert Decimal(net.inputs[name]) + part == Decimal(gross.inputs[name])


@given(ledger=disputed_ledgers())
def test_excluding_disputes_never_raises_dso_or_add(ledger: Ledger) -> None:
    for kpi in (dso, average_days_delinquent):
        gross = kpi(ledger, period=SEPT).value
        net = kpi(ledger, period=SEPT, exclude_disputed=True).value
        if gross is not None and net is not None:
            assert net <= gross
    gross_cb = countback_dso(ledger, as_of=SEPT.end, months=3).value
    net_cb = countback_dso(ledger, as_of=SEPT.end, months=3, exclude_disputed=True).value
    assert gross_cb is not None
    assert net_cb is not None
    assert net_cb <= gross_cb


@given(ledger=disputed_ledgers())
def test_disputed_total_is_the_collectable_splits_disputed_total(ledger: Ledger) -> None:
    metric = percent_current(ledger, as_of=SEPT.end, exclude_disputed=True)
    split = collectable_split(ledger, as_of=SEPT.end)
    expected = sum((m.amount for m in split.disputed), Decimal(0))
    assert Decimal(metric.inputs["disputed_total_ar"]) == expected
    if metric.value is not None:
        assert 0 <= metric.value <= 100


def _half_up_hundredths(numerator: int, denominator: int) -> Decimal:
    whole, rest = divmod(numerator * 100, denominator)
    return Decimal(whole + (2 * rest >= denominator)).scaleb(-2)


@given(ar=money, sales=positive, n=days)
def test_dso_is_the_exact_ratio_rounded_half_up_once(ar: Decimal, sales: Decimal, n: int) -> None:
    """In cents both figures are whole numbers: DSO = ar_cents x n / sales_cents, rounded
    half up once with integer arithmetic (as the frames path computes it)."""
    ar_cents, sales_cents = int(ar * 100), int(sales * 100)
    expected = _half_up_hundredths(ar_cents * n, sales_cents)
    assert dso(ending_ar=ar, credit_sales=sales, days=n).value == expected
