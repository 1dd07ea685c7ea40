"""dso_frame: equal to receivables.metrics.dso and countback_dso to the hundredth of a day."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from receivables.frames import (  # noqa: E402
    FramesError,
    dso_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.metrics import MetricError, Period, countback_dso, dso  # noqa: E402
from receivables.money import minor_units  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger  # noqa: E402


def _duckdb(frame: Any) -> Any:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed")
    return duckdb.from_arrow(frame.to_arrow())


BACKENDS: dict[str, Callable[[Any], Any]] = {
    "polars": lambda f: f,
    "polars-lazy": lambda f: f.lazy(),
    "pandas": lambda f: f.to_pandas(),
    "pyarrow": lambda f: f.to_arrow(),
    "duckdb": _duckdb,
}
Q3 = Period.quarter(2026, 3)


def rows_of(native: Any) -> list[dict[str, Any]]:
    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return list(frame.iter_rows(named=True))


def hundredths(value: Any) -> int | None:
    """None for a DSO without meaning (null, or NaN in numpy-backed pandas)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


@pytest.fixture(scope="module")
def sample_frames() -> tuple[Any, Any]:
    ledger = sample_ledger()
    return ledger_to_frame(ledger, "polars"), reductions_to_frame(ledger, "polars")


def single_currency_customers() -> list[str]:
    currencies: dict[str, set[str]] = {}
    for doc in sample_ledger().documents:
        currencies.setdefault(doc.customer_id or "", set()).add(doc.amount.code)
    return sorted(c for c, codes in currencies.items() if len(codes) == 1)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("method", ["standard", "average", "countback"])
def test_dso_per_customer_equals_the_object_model_on_the_sample(
    sample_frames: tuple[Any, Any], backend: str, method: str
) -> None:
    """DSO, ending AR and the lower-bound flag of every single-currency customer."""
    docs, reds = (BACKENDS[backend](f) for f in sample_frames)
    got = {
        r["customer_id"]: r
        for r in rows_of(dso_frame(docs, reds, method=method, period=Q3, as_of=SAMPLE_AS_OF))  # type: ignore[arg-type]
    }
    customers = single_currency_customers()
    assert customers
    for customer in customers:
        if method == "countback":
            metric = countback_dso(sample_ledger(), as_of=SAMPLE_AS_OF, customer_id=customer)
        else:
            metric = dso(sample_ledger(), period=Q3, method=method, customer_id=customer)  # type: ignore[arg-type]
        row = got[customer]
        want = None if metric.value is None else int(metric.value.scaleb(2))
        assert hundredths(row["dso_hundredths"]) == want, customer
        ending_ar = Decimal(metric.inputs["ending_ar"]).scaleb(minor_units(row["currency"]))
        assert row["ending_ar"] == int(ending_ar), customer
        if method == "countback":
            assert row["lower_bound"] == (metric.reason is not None), customer


def test_standard_dso_worked_example() -> None:
    """CRF: AR 1,500.00 on sales of 6,000.00 over Q3 (92 days) is 23.00 days."""
    docs = pl.DataFrame(
        {
            "document_id": ["I1", "I2"],
            "customer_id": ["C1", "C1"],
            "kind": ["invoice", "invoice"],
            "currency": ["USD", "USD"],
            "issue_date": [date(2026, 7, 10), date(2026, 9, 1)],
            "amount": [450000, 150000],
        }
    )
    paid = pl.DataFrame(
        {"document_id": ["I1"], "reduced_on": [date(2026, 8, 9)], "reduction": [450000]}
    )
    row = rows_of(dso_frame(docs, paid, period=Q3))[0]
    assert (row["ending_ar"], row["credit_sales"], row["days"], row["dso_hundredths"]) == (
        150000,
        600000,
        92,
        2300,
    )


def test_countback_worked_example() -> None:
    """AR 2,120.00 as of 31 Mar: March (31 d, sales 1,000.00), February (28 d, 800.00), then
    320.00 of January's 700.00: 31 + 28 + 320/700 x 31 = 73.17 days."""
    docs = pl.DataFrame(
        {
            "document_id": ["J", "F", "M"],
            "customer_id": ["C1"] * 3,
            "kind": ["invoice"] * 3,
            "currency": ["USD"] * 3,
            "issue_date": [date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)],
            "amount": [70000, 80000, 100000],
        }
    )
    paid = pl.DataFrame(
        {"document_id": ["J"], "reduced_on": [date(2026, 3, 1)], "reduction": [38000]}
    )
    row = rows_of(dso_frame(docs, paid, method="countback", as_of=date(2026, 3, 31), months=3))[0]
    assert (row["ending_ar"], row["dso_hundredths"], row["lower_bound"]) == (212000, 7317, False)


def test_total_level_has_one_line_per_currency(sample_frames: tuple[Any, Any]) -> None:
    rows = rows_of(dso_frame(*sample_frames, period=Q3, level="total"))
    assert [r["currency"] for r in rows] == sorted({r["currency"] for r in rows})


def test_dso_without_a_period_is_refused(sample_frames: tuple[Any, Any]) -> None:
    with pytest.raises(MetricError, match="period"):
        dso_frame(*sample_frames)


def test_countback_without_as_of_is_refused(sample_frames: tuple[Any, Any]) -> None:
    with pytest.raises(MetricError, match="as_of"):
        dso_frame(*sample_frames, method="countback")


def test_an_unknown_method_is_refused(sample_frames: tuple[Any, Any]) -> None:
    with pytest.raises(MetricError, match="method"):
        dso_frame(*sample_frames, method="median", period=Q3)  # type: ignore[arg-type]


def test_frames_of_two_engines_are_refused(sample_frames: tuple[Any, Any]) -> None:
    docs, reds = sample_frames
    with pytest.raises(FramesError, match="one engine"):
        dso_frame(docs, reds.to_pandas(), period=Q3)
