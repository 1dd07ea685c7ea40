"""Properties of the frames path: it equals age() on any open items, ignores row order,
and merging is the aging of the union."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

from receivables.aging import age  # noqa: E402
from receivables.frames import age_frame, ledger_to_frame, merge_aging_frames  # noqa: E402
from receivables.ledger import Ledger  # noqa: E402
from receivables.models import CreditMemo, Invoice, Payment  # noqa: E402
from receivables.money import FxRate, FxRates, Money, minor_units  # noqa: E402

AS_OF = date(2026, 6, 30)
CURRENCIES = ("USD", "EUR", "JPY", "KWD")
RATES = FxRates(
    rates=[
        FxRate(base="USD", quote=code, on=date(2026, 6, 29), rate=Decimal(rate))
        for code, rate in (("EUR", "0.8731"), ("JPY", "147.23"), ("KWD", "0.30712"))
    ],
    pivot="USD",
)


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    n = draw(st.integers(min_value=1, max_value=25))
    docs: list[Any] = []
    for i in range(n):
        code = draw(st.sampled_from(CURRENCIES))
        cents = draw(st.integers(min_value=1, max_value=10**9))
        money = Money(Decimal(cents).scaleb(-minor_units(code)), code)
        issued = AS_OF - timedelta(days=draw(st.integers(min_value=0, max_value=400)))
        customer = f"C{draw(st.integers(min_value=1, max_value=4))}"
        kind = draw(st.sampled_from(["invoice", "invoice", "credit_memo", "payment"]))
        if kind == "invoice":
            due = issued + timedelta(days=draw(st.integers(min_value=0, max_value=90)))
            docs.append(
                Invoice(
                    id=f"D{i}", customer_id=customer, issue_date=issued, due_date=due, total=money
                )
            )
        elif kind == "credit_memo":
            docs.append(
                CreditMemo(id=f"D{i}", customer_id=customer, issue_date=issued, amount=money)
            )
        else:
            docs.append(Payment(id=f"D{i}", customer_id=customer, received_on=issued, amount=money))
    return Ledger(docs)


def cells(report: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    labels = (*report.buckets.labels, "credits", "total")
    return {
        (r["key"], r["currency"]): tuple(
            int(r[c].scaleb(minor_units(r["currency"]))) for c in labels
        )
        for r in report.to_rows("customer")
    }


def frame_cells(frame: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    labels = [
        c
        for c in frame.columns
        if c
        not in (
            "customer_id",
            "currency",
            "credits",
            "total",
            "disputed",
            "promised",
            "collectable",
            "items",
        )
    ]
    return {
        (r["customer_id"], r["currency"]): (*(r[c] for c in labels), r["credits"], r["total"])
        for r in frame.iter_rows(named=True)
    }


@settings(max_examples=40, deadline=None)
@given(
    ledgers(), st.sampled_from([None, "USD", "JPY", "KWD"]), st.sampled_from(["separate", "netted"])
)
def test_frames_equal_the_object_model_on_any_ledger(
    ledger: Ledger, currency: str | None, credits: str
) -> None:
    kwargs: dict[str, Any] = {"as_of": AS_OF, "credits": credits}
    if currency:
        kwargs.update(currency=currency, rates=RATES)
    items = ledger_to_frame(ledger, "polars", as_of=AS_OF)
    assert frame_cells(age_frame(items, **kwargs)) == cells(age(ledger, **kwargs))


@settings(max_examples=25, deadline=None)
@given(ledgers(), st.randoms(use_true_random=False))
def test_shuffling_the_rows_changes_nothing(ledger: Ledger, rnd: Any) -> None:
    items = ledger_to_frame(ledger, "polars", as_of=AS_OF)
    order = list(range(items.height))
    rnd.shuffle(order)
    shuffled = items[order]
    kwargs = {"as_of": AS_OF, "currency": "USD", "rates": RATES}
    assert age_frame(shuffled, **kwargs).equals(age_frame(items, **kwargs))


@settings(max_examples=25, deadline=None)
@given(ledgers(), st.integers(min_value=0, max_value=25))
def test_merging_a_split_equals_aging_the_whole(ledger: Ledger, cut: int) -> None:
    items = ledger_to_frame(ledger, "polars", as_of=AS_OF)
    kwargs = {"as_of": AS_OF, "currency": "EUR", "rates": RATES}
    parts = [items[:cut], items[cut:]]
    parts = [p for p in parts if p.height] or [items]
    merged = merge_aging_frames([age_frame(p, **kwargs) for p in parts])
    assert frame_cells(merged) == frame_cells(age_frame(items, **kwargs))
