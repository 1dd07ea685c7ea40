"""dso_frame: equal to receivables.metrics.dso and countback_dso to the hundredth of a day."""

from __future__ import annotations

import functools
import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from frame_engines import BACKENDS, rows_of  # noqa: E402
from receivables.errors import MissingRate, UnknownCurrency  # noqa: E402
from receivables.frames import (  # noqa: E402
    FramesError,
    dso_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.frames._engine import mul_div_half_up  # noqa: E402
from receivables.frames.disputes import disputes_to_frame  # noqa: E402
from receivables.metrics import Metric, MetricError, Period, countback_dso, dso  # noqa: E402
from receivables.money import FxRate, FxRates, minor_units  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402

Q3 = Period.quarter(2026, 3)


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


# -- report currency and disputes ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample_with_disputes() -> tuple[Any, Any, Any]:
    ledger = sample_ledger()
    return (
        ledger_to_frame(ledger, "polars"),
        reductions_to_frame(ledger, "polars"),
        disputes_to_frame(ledger, "polars"),
    )


@functools.cache
def object_model(method: str, customer: str | None, currency: str | None, excluded: bool) -> Metric:
    rates = sample_rates() if currency else None
    if method == "countback":
        return countback_dso(
            sample_ledger(),
            as_of=SAMPLE_AS_OF,
            customer_id=customer,
            currency=currency,
            rates=rates,
            exclude_disputed=excluded,
        )
    return dso(
        sample_ledger(),
        period=Q3,
        method=method,  # type: ignore[arg-type]
        customer_id=customer,
        currency=currency,
        rates=rates,
        exclude_disputed=excluded,
    )


def assert_line_equals(row: dict[str, Any], metric: Metric, method: str, excluded: bool) -> None:
    """Every figure of a dso_frame line against the object model's inputs and value."""
    exponent = minor_units(row["currency"])

    def minor(name: str) -> int:
        return int(Decimal(metric.inputs[name]).scaleb(exponent))

    want = None if metric.value is None else int(metric.value.scaleb(2))
    assert hundredths(row["dso_hundredths"]) == want
    assert row["ending_ar"] == minor("ending_ar")
    if method != "countback":
        assert row["credit_sales"] == minor("credit_sales")
    if method == "average":
        assert row["beginning_ar"] == minor("beginning_ar")
    if excluded:
        assert row["disputed_ending_ar"] == minor("disputed_ending_ar")
    if method == "countback":
        assert row["lower_bound"] == (metric.reason is not None and "lower bound" in metric.reason)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("method", ["standard", "average", "countback"])
@pytest.mark.parametrize("excluded", [False, True], ids=["all", "undisputed"])
def test_dso_in_usd_equals_the_object_model_for_every_customer_and_the_total(
    sample_with_disputes: tuple[Any, Any, Any], backend: str, method: str, excluded: bool
) -> None:
    """Sales at their dates' rates, balances at the balance date's, per document rounding:
    every customer of the sample (eight currencies) and the ledger total, in USD."""
    docs, reds, disputes = (BACKENDS[backend](f) for f in sample_with_disputes)
    options: dict[str, Any] = {
        "method": method,
        "period": Q3,
        "as_of": SAMPLE_AS_OF,
        "currency": "USD",
        "rates": sample_rates(),
    }
    if excluded:
        options |= {"disputes": disputes, "exclude_disputed": True}
    lines = rows_of(dso_frame(docs, reds, **options))
    customers = sorted({d.customer_id or "" for d in sample_ledger().documents})
    assert [r["customer_id"] for r in lines] == customers
    for row in lines:
        assert row["currency"] == "USD"
        metric = object_model(method, row["customer_id"], "USD", excluded)
        assert_line_equals(row, metric, method, excluded)
    (total,) = rows_of(dso_frame(docs, reds, level="total", **options))
    assert_line_equals(total, object_model(method, None, "USD", excluded), method, excluded)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("method", ["standard", "average", "countback"])
def test_dso_without_disputed_parts_in_document_currency_equals_the_object_model(
    sample_with_disputes: tuple[Any, Any, Any], backend: str, method: str
) -> None:
    docs, reds, disputes = (BACKENDS[backend](f) for f in sample_with_disputes)
    lines = {
        r["customer_id"]: r
        for r in rows_of(
            dso_frame(
                docs,
                reds,
                method=method,  # type: ignore[arg-type]
                period=Q3,
                as_of=SAMPLE_AS_OF,
                disputes=disputes,
                exclude_disputed=True,
            )
        )
    }
    for customer in single_currency_customers():
        metric = object_model(method, customer, None, True)
        assert_line_equals(lines[customer], metric, method, True)


def _two_invoices() -> tuple[Any, Any]:
    docs = pl.DataFrame(
        {
            "document_id": ["I1", "I2", "M1"],
            "customer_id": ["C1", "C1", "C1"],
            "kind": ["invoice", "invoice", "credit_memo"],
            "currency": ["USD", "USD", "USD"],
            "issue_date": [date(2026, 7, 10), date(2026, 9, 1), date(2026, 9, 20)],
            "amount": [450000, 150000, 10000],
        }
    )
    paid = pl.DataFrame(
        {
            "document_id": ["I1", "I2"],
            "reduced_on": [date(2026, 8, 9), date(2026, 9, 25)],
            "reduction": [450000, 100000],
        }
    )
    return docs, paid


def _disputes(rows: list[tuple[str, date, date | None, int]]) -> Any:
    return pl.DataFrame(
        {
            "document_id": [r[0] for r in rows],
            "opened_on": [r[1] for r in rows],
            "resolved_on": pl.Series([r[2] for r in rows], dtype=pl.Date),
            "amount": [r[3] for r in rows],
        }
    )


def test_a_dispute_is_capped_at_what_is_open_and_counts_only_while_open() -> None:
    """I2 has 500.00 open on 30 Sep (1,500.00 less 1,000.00 paid), M1 is a 100.00 credit:
    AR 400.00. Disputes of I2: 800.00 open (capped at 500.00), 50.00 resolved on 30 Sep (no
    longer open that day), 70.00 opened on 1 Oct (not yet); one on the credit memo counts
    for nothing. AR left 400.00 - 500.00 = -100.00; sales 5,900.00 stay as invoiced."""
    docs, paid = _two_invoices()
    disputes = _disputes(
        [
            ("I2", date(2026, 9, 2), None, 80000),
            ("I2", date(2026, 9, 3), date(2026, 9, 30), 5000),
            ("I2", date(2026, 10, 1), None, 7000),
            ("M1", date(2026, 9, 21), None, 10000),
        ]
    )
    row = rows_of(dso_frame(docs, paid, period=Q3, disputes=disputes, exclude_disputed=True))[0]
    assert (row["ending_ar"], row["disputed_ending_ar"], row["credit_sales"]) == (
        -10000,
        50000,
        590000,
    )
    assert row["dso_hundredths"] == -156  # -100 / 5,900 x 92 = -1.559...


def test_a_mapping_gives_one_rate_for_every_date() -> None:
    """In EUR at 0.9 for every date: AR 400.00 USD is 360.00 EUR, sales 5,900.00 USD are
    4,500.00 x 0.9 + 1,500.00 x 0.9 - 100.00 x 0.9 = 5,310.00 EUR; 360 / 5,310 x 92 = 6.24."""
    docs, paid = _two_invoices()
    row = rows_of(dso_frame(docs, paid, period=Q3, currency="eur", rates={"USD": Decimal("0.9")}))
    assert [
        (r["currency"], r["ending_ar"], r["credit_sales"], r["dso_hundredths"]) for r in row
    ] == [("EUR", 36000, 531000, 624)]


def test_each_sale_is_converted_at_the_rate_of_its_own_date() -> None:
    """EUR->USD is 1.10 until 31 Aug and 1.20 from 1 Sep: 4,500.00 EUR of July are 4,950.00
    USD, 1,500.00 EUR of September 1,800.00 USD, 100.00 EUR of credit 120.00 USD; the 400.00
    EUR open on 30 Sep are 480.00 USD. 480 / 6,630 x 92 = 6.66 days."""
    docs, paid = _two_invoices()
    docs = docs.with_columns(currency=pl.lit("EUR"))
    rates = FxRates(
        rates=[
            FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.10")),
            FxRate(base="EUR", quote="USD", on=date(2026, 9, 1), rate=Decimal("1.20")),
        ]
    )
    row = rows_of(dso_frame(docs, paid, period=Q3, currency="USD", rates=rates))[0]
    assert (row["ending_ar"], row["credit_sales"], row["dso_hundredths"]) == (48000, 663000, 666)


def test_amounts_already_in_the_report_currency_need_no_rate() -> None:
    docs, paid = _two_invoices()
    converted = rows_of(dso_frame(docs, paid, period=Q3, currency="USD"))
    plain = rows_of(dso_frame(docs, paid, period=Q3))
    assert converted == plain


def test_an_unknown_report_currency_is_refused(sample_frames: tuple[Any, Any]) -> None:
    with pytest.raises(UnknownCurrency, match="ZZZ"):
        dso_frame(*sample_frames, period=Q3, currency="ZZZ", rates=sample_rates())


def test_a_currency_without_a_rate_on_a_sale_date_raises_missing_rate() -> None:
    """Rates start on 1 Sep: the July invoice in EUR has no rate on its date, as the object
    model says."""
    docs, paid = _two_invoices()
    docs = docs.with_columns(currency=pl.lit("EUR"))
    rates = FxRates(
        rates=[FxRate(base="EUR", quote="USD", on=date(2026, 9, 1), rate=Decimal("1.20"))]
    )
    with pytest.raises(MissingRate, match="EUR->USD on or before 2026-07-10"):
        dso_frame(docs, paid, period=Q3, currency="USD", rates=rates)


def test_no_rates_at_all_raise_missing_rate_for_a_foreign_amount() -> None:
    docs, paid = _two_invoices()
    with pytest.raises(MissingRate, match="USD->EUR"):
        dso_frame(docs.lazy(), paid.lazy(), period=Q3, currency="EUR")


def test_a_mapping_without_a_currency_of_the_frame_raises_missing_rate(
    sample_frames: tuple[Any, Any],
) -> None:
    """The first currency without a rate (CAD), named with the balance date."""
    with pytest.raises(MissingRate, match="CAD->USD on or before 2026-09-30"):
        dso_frame(*sample_frames, period=Q3, currency="USD", rates={"EUR": Decimal("1.1")})


def test_a_float_rate_in_a_mapping_is_refused() -> None:
    docs, paid = _two_invoices()
    with pytest.raises(FramesError, match="give a Decimal"):
        dso_frame(docs, paid, period=Q3, currency="EUR", rates={"USD": 0.9})  # type: ignore[dict-item]


def test_rates_without_a_report_currency_are_refused(sample_frames: tuple[Any, Any]) -> None:
    with pytest.raises(FramesError, match="currency="):
        dso_frame(*sample_frames, period=Q3, rates=sample_rates())


def test_exclude_disputed_without_the_disputes_frame_is_refused(
    sample_frames: tuple[Any, Any],
) -> None:
    with pytest.raises(FramesError, match="disputes frame"):
        dso_frame(*sample_frames, period=Q3, exclude_disputed=True)


def test_a_disputes_frame_without_exclude_disputed_is_refused(
    sample_with_disputes: tuple[Any, Any, Any],
) -> None:
    with pytest.raises(FramesError, match="exclude_disputed=True"):
        dso_frame(*sample_with_disputes[:2], period=Q3, disputes=sample_with_disputes[2])


@pytest.mark.parametrize("column", ["document_id", "opened_on", "resolved_on", "amount"])
def test_a_disputes_frame_missing_a_column_is_refused(
    sample_with_disputes: tuple[Any, Any, Any], column: str
) -> None:
    docs, reds, disputes = sample_with_disputes
    with pytest.raises(FramesError, match=f"column '{column}' is missing"):
        dso_frame(docs, reds, period=Q3, disputes=disputes.drop(column), exclude_disputed=True)


def test_a_disputes_frame_of_another_engine_is_refused(
    sample_with_disputes: tuple[Any, Any, Any],
) -> None:
    docs, reds, disputes = sample_with_disputes
    with pytest.raises(FramesError, match="one engine"):
        dso_frame(docs, reds, period=Q3, disputes=disputes.to_pandas(), exclude_disputed=True)


def test_disputes_to_frame_writes_one_row_per_dispute_in_minor_units() -> None:
    ledger = sample_ledger()
    frame = disputes_to_frame(ledger, "polars")
    assert frame.height == len(ledger.disputes)
    kwd = next(d for d in ledger.disputes if d.amount.code == "KWD")
    row = frame.filter(pl.col("dispute_id") == kwd.id).row(0, named=True)
    assert row["amount"] == int(kwd.amount.amount.scaleb(3))
    assert row["resolved_on"] is None


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_dso_of_a_large_book_does_not_overflow(backend: str) -> None:
    """Two invoices of IDR 2,000,000,000,000.00 (2 * 10**14 minor units each; some
    USD 125 million), issued 1 March and 1 December 2025, open at the year end: DSO over
    the year is 4e14 / 4e14 x 365 = 365.00 days, the average 182.50, and the countback
    counts December's 31 days and stops at November, which had no sales. The product
    4e14 x 36,500 does not fit 64 bits; the engine's answer must still be exact."""
    from receivables.ledger import Ledger
    from receivables.models import Invoice
    from receivables.money import Money

    units = 2 * 10**14
    issued = [date(2025, 3, 1), date(2025, 12, 1)]
    ledger = Ledger(
        [
            Invoice(
                id=f"I{i}",
                customer_id="C1",
                issue_date=on,
                due_date=on,
                total=Money.from_minor(units, "IDR"),
            )
            for i, on in enumerate(issued)
        ]
    )
    year = Period.custom(date(2025, 1, 1), date(2025, 12, 31))
    docs = pl.DataFrame(
        {
            "document_id": ["I0", "I1"],
            "customer_id": ["C1", "C1"],
            "kind": ["invoice"] * 2,
            "currency": ["IDR"] * 2,
            "issue_date": issued,
            "amount": [units, units],
        }
    )
    reds = pl.DataFrame(
        {"document_id": ["I0"], "reduced_on": [date(2026, 1, 5)], "reduction": [100]}
    )
    docs, reds = BACKENDS[backend](docs), BACKENDS[backend](reds)
    for method in ("standard", "average"):
        (row,) = rows_of(dso_frame(docs, reds, period=year, method=method))  # type: ignore[arg-type]
        metric = dso(ledger, period=year, method=method)  # type: ignore[arg-type]
        assert metric.value is not None
        assert hundredths(row["dso_hundredths"]) == int(metric.value.scaleb(2)), method
    assert [
        hundredths(r["dso_hundredths"])
        for r in rows_of(dso_frame(docs, reds, period=year, method="average"))
    ] == [18250]
    end = date(2025, 12, 31)
    (row,) = rows_of(dso_frame(docs, reds, method="countback", as_of=end))
    metric = countback_dso(ledger, as_of=end)
    assert (hundredths(row["dso_hundredths"]), row["lower_bound"]) == (3100, True)
    assert metric.value == Decimal("31.00")


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_large_partial_countback_period_does_not_overflow(backend: str) -> None:
    """AR of 1.5e15 IDR minor units against 2e15 of October sales (31 days) as of
    31 October: 3/4 x 31 = 23.25 days, where 1.5e15 x 3,100 x 2 would leave 64 bits."""
    docs = pl.DataFrame(
        {
            "document_id": ["I1"],
            "customer_id": ["C1"],
            "kind": ["invoice"],
            "currency": ["IDR"],
            "issue_date": [date(2025, 10, 1)],
            "amount": [2 * 10**15],
        }
    )
    reds = pl.DataFrame(
        {"document_id": ["I1"], "reduced_on": [date(2025, 10, 20)], "reduction": [5 * 10**14]}
    )
    (row,) = rows_of(
        dso_frame(
            BACKENDS[backend](docs),
            BACKENDS[backend](reds),
            method="countback",
            as_of=date(2025, 10, 31),
        )
    )
    assert (hundredths(row["dso_hundredths"]), row["lower_bound"]) == (2325, False)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-(2**61), max_value=2**61),
    st.integers(min_value=1, max_value=2**61),
    st.integers(min_value=0, max_value=2**22),
)
def test_the_engine_product_and_quotient_is_exact(value: int, divisor: int, factor: int) -> None:
    """value x factor / divisor, rounded half away from zero, as exact integer arithmetic
    gives it, whenever the result fits 62 bits (a literal factor and a factor column)."""
    magnitude, rest = divmod(abs(value) * factor, divisor)
    want = (magnitude + (2 * rest >= divisor)) * (-1 if value < 0 else 1)
    assume(abs(want) < 2**62)
    frame = nw.from_native(pl.LazyFrame({"v": [value], "d": [divisor], "k": [factor]}))
    literal = mul_div_half_up(frame, value="v", factor=factor, divisor="d", out="x")
    column = mul_div_half_up(
        frame, value="v", factor="k", divisor="d", out="x", factor_bits=factor.bit_length()
    )
    assert literal.collect()["x"].to_list() == [want]
    assert column.collect()["x"].to_list() == [want]
