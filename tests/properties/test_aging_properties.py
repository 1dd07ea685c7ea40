"""Invariants of aging: totals equal the open balance, order does not matter, merge is a
commutative monoid (associative and commutative) under one FX table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.aging import AgingReport, age, merge
from receivables.ledger import Ledger
from receivables.models import Application, CreditMemo, Invoice, Payment
from receivables.money import FxRate, FxRates, Money

START = date(2026, 1, 1)
RATES = FxRates(
    pivot="USD",
    rates=[
        FxRate(base="EUR", quote="USD", on=START, rate=Decimal("1.0837")),
        FxRate(base="USD", quote="JPY", on=START, rate=Decimal("151.37")),
    ],
)


@st.composite
def ledgers(draw: st.DrawFn, currency: str = "USD", prefix: str = "") -> Ledger:
    """A ledger of invoices, credit memos and payments, with some cash applied."""
    scale = 0 if currency == "JPY" else 2
    amounts = st.integers(min_value=1, max_value=500_000).map(
        lambda n: Money(Decimal(n).scaleb(-scale), currency)
    )
    n_inv = draw(st.integers(min_value=0, max_value=8))
    docs: list[Invoice | Payment | CreditMemo] = []
    for i in range(n_inv):
        issued = START + timedelta(days=draw(st.integers(0, 200)))
        docs.append(
            Invoice(
                id=f"{prefix}I{i}",
                customer_id=draw(st.sampled_from(["C1", "C2", "C3"])),
                issue_date=issued,
                due_date=issued + timedelta(days=draw(st.integers(0, 60))),
                total=draw(amounts),
            )
        )
    movements = []
    for i, target in enumerate(docs[:]):
        if not draw(st.booleans()):
            continue
        assert isinstance(target, Invoice)
        paid = target.amount * Decimal(draw(st.integers(1, 10))) / 10
        paid = paid.quantize()
        if not paid.amount:
            continue
        on = target.issue_date + timedelta(days=draw(st.integers(0, 120)))
        docs.append(
            Payment(id=f"{prefix}P{i}", customer_id=target.customer_id, received_on=on,
                    amount=paid + Money(Decimal(draw(st.integers(0, 3))), currency))
        )  # fmt: skip
        movements.append(
            Application(id=f"{prefix}A{i}", source_id=f"{prefix}P{i}", target_id=target.id,
                        applied_on=on, amount=paid)
        )  # fmt: skip
    if draw(st.booleans()):
        docs.append(
            CreditMemo(id=f"{prefix}CM", customer_id="C1",
                       issue_date=START + timedelta(days=draw(st.integers(0, 200))),
                       amount=draw(amounts))
        )  # fmt: skip
    return Ledger(docs, movements=movements)


as_of_dates = st.integers(min_value=-10, max_value=400).map(lambda d: START + timedelta(days=d))


@settings(max_examples=60, deadline=None)
@given(ledger=ledgers(), as_of=as_of_dates, netted=st.booleans())
def test_aging_totals_equal_the_open_balance(ledger: Ledger, as_of: date, netted: bool) -> None:
    report = age(ledger, as_of=as_of, credits="netted" if netted else "separate")
    assert {t.currency: t.total for t in report.totals} == ledger.balances(as_of=as_of)
    for line in report.totals:
        bucketed = sum((b.open for b in line.buckets), Money.zero(line.currency))
        assert bucketed + line.credits == line.total


@settings(max_examples=40, deadline=None)
@given(ledger=ledgers(currency="EUR"), as_of=as_of_dates)
def test_revalued_totals_equal_the_sum_of_revalued_open_items(ledger: Ledger, as_of: date) -> None:
    report = age(ledger, as_of=as_of, currency="USD", rates=RATES)
    expected = sum(
        (RATES.convert(i.open, "USD", on=as_of) for i in ledger.open_items(as_of=as_of)),
        Money.zero("USD"),
    )
    assert sum((t.total for t in report.totals), Money.zero("USD")) == expected


@settings(max_examples=40, deadline=None)
@given(ledger=ledgers(), as_of=as_of_dates, data=st.data())
def test_shuffling_the_input_never_changes_the_report(
    ledger: Ledger, as_of: date, data: st.DataObject
) -> None:
    items = ledger.open_items(as_of=as_of)
    shuffled = data.draw(st.permutations(items))
    assert age(shuffled, as_of=as_of) == age(items, as_of=as_of)
    rebuilt = Ledger(data.draw(st.permutations(list(ledger.documents))), movements=ledger.movements)
    assert age(rebuilt, as_of=as_of) == age(ledger, as_of=as_of)


@settings(max_examples=40, deadline=None)
@given(ledger=ledgers(currency="EUR"), as_of=as_of_dates, revalue=st.booleans())
def test_report_equals_its_json_round_trip_before_and_after_reading_the_rows(
    ledger: Ledger, as_of: date, revalue: bool
) -> None:
    kw: dict[str, object] = {"currency": "USD", "rates": RATES} if revalue else {}
    text = age(ledger, as_of=as_of, **kw).model_dump_json()  # type: ignore[arg-type]
    restored = AgingReport.model_validate_json(text)
    fresh = age(ledger, as_of=as_of, **kw)  # type: ignore[arg-type]
    assert fresh == restored
    assert fresh.documents == restored.documents
    assert age(ledger, as_of=as_of, **kw).model_dump_json() == text  # type: ignore[arg-type]


def entity_report(ledger: Ledger, entity: str, currency: str | None) -> AgingReport:
    return age(ledger, as_of=START + timedelta(days=150), entity=entity, currency=currency,
               rates=RATES)  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(
    a=ledgers(currency="USD", prefix="a"),
    b=ledgers(currency="EUR", prefix="b"),
    c=ledgers(currency="JPY", prefix="c"),
    mapped=st.booleans(),
)
def test_merge_is_associative_and_commutative(
    a: Ledger, b: Ledger, c: Ledger, mapped: bool
) -> None:
    ra = entity_report(a, "A", None)
    rb = entity_report(b, "B", "EUR")
    rc = entity_report(c, "C", None)
    kw: dict[str, object] = {"currency": "USD", "rates": RATES}
    if mapped:
        kw["customer_map"] = {"C2": "C1"}
    left = merge([merge([ra, rb], **kw), rc], **kw)  # type: ignore[arg-type]
    right = merge([ra, merge([rb, rc], **kw)], **kw)  # type: ignore[arg-type]
    flat = merge([rc, ra, rb], **kw)  # type: ignore[arg-type]
    assert left == right == flat
    assert merge([rb, ra], **kw) == merge([ra, rb], **kw)  # type: ignore[arg-type]
