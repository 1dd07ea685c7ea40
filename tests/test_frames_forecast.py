"""forecast_frame: equal to receivables.forecast.forecast to the minor unit, on every engine."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from frame_engines import BACKENDS  # noqa: E402
from receivables.errors import CurrencyMismatch, MissingRate  # noqa: E402
from receivables.forecast import (  # noqa: E402
    PARTS,
    CashForecast,
    ForecastError,
    PaymentProfile,
    ProfilePoint,
    PromisedPart,
    forecast,
    payment_profiles,
    promise_schedule,
    spread,
)
from receivables.frames import (  # noqa: E402
    FloatMoneyColumn,
    FramesError,
    forecast_frame,
    ledger_to_frame,
)
from receivables.frames.forecast import _spread  # noqa: E402
from receivables.money import Money, largest_remainder  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402

OPTIONS: dict[str, dict[str, Any]] = {
    "usd-3-months": {"period": "month", "horizon": 3, "currency": "USD"},
    "eur-6-weeks": {"period": "week", "horizon": 6, "currency": "EUR"},
    "jpy-2-quarters": {"period": "quarter", "horizon": 2, "currency": "JPY"},
}


def rows_of(native: Any) -> list[dict[str, Any]]:
    """Rows as plain values (pandas gives its dates back as timestamps)."""
    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return [
        {k: v.date() if hasattr(v, "to_pydatetime") else v for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]


class Case:
    """The object-model forecast of the sample and the inputs the frame path takes."""

    def __init__(self, **options: Any) -> None:
        ledger, rates = sample_ledger(), sample_rates()
        self.options = {**options, "rates": rates}
        self.forecast: CashForecast = forecast(ledger, as_of=SAMPLE_AS_OF, **self.options)
        self.profiles = payment_profiles(
            ledger, as_of=SAMPLE_AS_OF, currency=options["currency"], rates=rates
        )
        self.promises = promise_schedule(ledger, as_of=SAMPLE_AS_OF)

    def run(self, items: Any, level: str) -> list[dict[str, Any]]:
        return rows_of(
            forecast_frame(
                items,
                as_of=SAMPLE_AS_OF,
                profiles=self.profiles,
                promises=self.promises,
                level=level,  # type: ignore[arg-type]
                **self.options,
            )
        )


@pytest.fixture(scope="module")
def sample_items() -> Any:
    return ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF)


@pytest.fixture(scope="module", params=sorted(OPTIONS))
def case(request: pytest.FixtureRequest) -> Case:
    return Case(**OPTIONS[request.param])


def period_cells(fc: CashForecast) -> list[tuple[Any, ...]]:
    return [
        (
            p.index,
            p.label,
            p.start,
            p.end,
            p.low.minor,
            p.expected.minor,
            p.high.minor,
            p.promised.minor,
            p.cumulative_expected.minor,
            fc.currency,
        )
        for p in fc.periods
    ]


def document_cells(fc: CashForecast) -> list[tuple[Any, ...]]:
    return [
        (
            i.document_id,
            i.customer_id,
            i.due_date,
            i.days_past_due,
            fc.currency,
            i.open.minor,
            i.held_back.minor,
            i.promised.minor,
            i.model_amount.minor,
            *(m.minor for m in i.expected),
            *(m.minor for m in i.low),
            *(m.minor for m in i.high),
            *(m.minor for m in i.promised_by_period),
            i.beyond_horizon.minor,
            i.not_expected.minor,
        )
        for i in fc.items
    ]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_periods_equal_the_object_model_on_the_sample(
    sample_items: Any, case: Case, backend: str
) -> None:
    rows = case.run(BACKENDS[backend](sample_items), "period")
    assert [tuple(r.values()) for r in rows] == period_cells(case.forecast)
    assert list(rows[0]) == [
        "index",
        "label",
        "start",
        "end",
        "low",
        "expected",
        "high",
        "promised",
        "cumulative_expected",
        "currency",
    ]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_item_equals_the_object_model_on_the_sample(
    sample_items: Any, case: Case, backend: str
) -> None:
    native = BACKENDS[backend](sample_items)
    rows = case.run(native, "document")
    assert [tuple(r.values()) for r in rows] == document_cells(case.forecast)
    schema = nw.from_native(
        forecast_frame(
            native,
            as_of=SAMPLE_AS_OF,
            profiles=case.profiles,
            promises=case.promises,
            level="document",
            **case.options,
        )
    ).collect_schema()
    money = [name for name in schema if name not in ("document_id", "customer_id", "due_date")]
    assert {name: schema[name] for name in money if schema[name] != nw.Int64} == {
        "currency": nw.String()
    }


def test_customer_lines_equal_the_object_models_receipts(sample_items: Any) -> None:
    case = Case(**OPTIONS["usd-3-months"])
    fc = case.forecast
    rows = {r["customer_id"]: r for r in case.run(sample_items, "customer")}
    assert sorted(rows) == sorted({i.customer_id for i in fc.items})
    labels = [p.label for p in fc.periods]
    for customer, row in rows.items():
        items = [i for i in fc.items if i.customer_id == customer]
        for band in ("low", "expected", "high"):
            want = [m.minor for m in fc.receipts_for([customer], band=band)]
            assert [row[f"{band}_{label}"] for label in labels] == want, (customer, band)
        assert row["items"] == len(items)
        assert row["open"] == sum(i.open.minor for i in items)
        assert row["not_expected"] == sum(i.not_expected.minor for i in items)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_the_total_line_equals_the_object_model_totals(sample_items: Any, backend: str) -> None:
    case = Case(**OPTIONS["usd-3-months"])
    fc = case.forecast
    (row,) = case.run(BACKENDS[backend](sample_items), "total")
    assert (
        row["currency"],
        row["items"],
        row["open"],
        row["held_back"],
        row["promised"],
        row["expected"],
        row["beyond_horizon"],
        row["not_expected"],
    ) == (
        "USD",
        len(fc.items),
        fc.open_total.minor,
        fc.held_back_total.minor,
        fc.promised_total.minor,
        fc.expected_total.minor,
        fc.beyond_horizon_total.minor,
        fc.not_expected_total.minor,
    )
    assert row["open"] == row["held_back"] + row["promised"] + row["model_amount"]
    assert (
        row["open"]
        == row["held_back"] + row["expected"] + row["beyond_horizon"] + row["not_expected"]
    )


def test_lazy_in_lazy_out_and_eager_in_eager_out(sample_items: Any) -> None:
    case = Case(**OPTIONS["usd-3-months"])
    options = {**case.options, "as_of": SAMPLE_AS_OF, "profiles": case.profiles}
    assert isinstance(forecast_frame(sample_items.lazy(), **options), pl.LazyFrame)
    assert isinstance(
        forecast_frame(sample_items.to_pandas(), **options), type(sample_items.to_pandas())
    )


def test_one_currency_needs_no_rates_and_no_report_currency() -> None:
    """Two EUR items, a portfolio profile paying 10 days late, all of it: I1 (due 4 Feb,
    6 days late on 10 Feb) lands on 14 Feb, I2 (due 3 Mar) on 13 Mar."""
    items = pl.DataFrame(
        {
            "document_id": ["I1", "I2", "P1"],
            "customer_id": ["C1", "C2", "C1"],
            "kind": ["invoice", "invoice", "payment"],
            "currency": ["EUR"] * 3,
            "issue_date": [date(2026, 1, 5), date(2026, 2, 1), date(2026, 2, 1)],
            "due_date": [date(2026, 2, 4), date(2026, 3, 3), date(2026, 2, 1)],
            "open_amount": [50000, 20001, -999],
        }
    )
    out = forecast_frame(items, as_of=date(2026, 2, 10), horizon=2, profiles=[portfolio()])
    assert out.select("label", "expected", "currency").rows() == [
        ("2026-02", 50000, "EUR"),
        ("2026-03", 20001, "EUR"),
    ]


def portfolio(share: str = "1", days: tuple[int, ...] = (10,)) -> PaymentProfile:
    probability = Decimal(1) / len(days)
    return PaymentProfile(
        customer_id=None,
        source="portfolio",
        documents=len(days),
        credibility=Decimal(1),
        matured_documents=len(days),
        share_credibility=Decimal(1),
        share_paid=Decimal(share),
        distribution=tuple(ProfilePoint(days=d, probability=probability) for d in days),
        mean_days=Decimal(sum(days)) / len(days),
        p25_days=days[0],
        p50_days=days[0],
        p75_days=days[-1],
    )


def small_items(**overrides: Any) -> Any:
    data: dict[str, Any] = {
        "document_id": ["I1"],
        "customer_id": ["C1"],
        "kind": ["invoice"],
        "currency": ["USD"],
        "issue_date": [date(2026, 1, 5)],
        "due_date": [date(2026, 2, 4)],
        "open_amount": [10000],
    }
    data.update(overrides)
    return pl.DataFrame(data)


def test_a_share_never_paid_and_a_dispute_are_not_forecast() -> None:
    """100.00 open, 30.00 disputed, share paid 0.5: 35.00 expected, 35.00 not expected."""
    items = small_items(disputed=[3000])
    (row,) = forecast_frame(
        items, as_of=date(2026, 1, 31), horizon=1, profiles=[portfolio("0.5")], level="total"
    ).rows(named=True)
    assert (row["held_back"], row["expected"], row["not_expected"]) == (3000, 3500, 3500)


def test_a_promise_overrides_the_model_and_is_capped_at_what_is_collectable() -> None:
    """Open 100.00, disputed 30.00: a promise of 90.00 can bring only 70.00, on its date."""
    items = small_items(disputed=[3000])
    promise = PromisedPart(
        promise_id="PTP-1", document_id="I1", on=date(2026, 3, 5), amount=Money("90.00", "USD")
    )
    (row,) = forecast_frame(
        items,
        as_of=date(2026, 1, 31),
        horizon=2,
        profiles=[portfolio()],
        promises=[promise],
        level="document",
    ).rows(named=True)
    assert (row["promised"], row["promised_2026-03"], row["expected_2026-02"]) == (7000, 7000, 0)
    assert row["model_amount"] == 0


def test_bad_inputs_are_named() -> None:
    profiles = [portfolio()]
    as_of = date(2026, 1, 31)
    with pytest.raises(FramesError, match="due_date"):
        forecast_frame(small_items().drop("due_date"), as_of=as_of, horizon=1, profiles=profiles)
    with pytest.raises(FloatMoneyColumn, match="open_amount"):
        forecast_frame(small_items(open_amount=[100.0]), as_of=as_of, horizon=1, profiles=profiles)
    with pytest.raises(ForecastError, match="horizon"):
        forecast_frame(small_items(), as_of=as_of, horizon=0, profiles=profiles)
    with pytest.raises(ForecastError, match="period"):
        forecast_frame(small_items(), as_of=as_of, horizon=1, period="year", profiles=profiles)  # type: ignore[arg-type]
    with pytest.raises(FramesError, match="level"):
        forecast_frame(small_items(), as_of=as_of, horizon=1, profiles=profiles, level="row")  # type: ignore[arg-type]
    with pytest.raises(FramesError, match="portfolio profile"):
        forecast_frame(small_items(), as_of=as_of, horizon=1, profiles=[])
    twice = portfolio().model_copy(update={"customer_id": "C1"})
    with pytest.raises(FramesError, match="two profiles for customer 'C1'"):
        forecast_frame(small_items(), as_of=as_of, horizon=1, profiles=[*profiles, twice, twice])


def test_currencies_need_a_report_currency_and_rates() -> None:
    items = small_items(
        document_id=["I1", "I2"],
        customer_id=["C1", "C1"],
        kind=["invoice"] * 2,
        currency=["USD", "EUR"],
        issue_date=[date(2026, 1, 5)] * 2,
        due_date=[date(2026, 2, 4)] * 2,
        open_amount=[100, 200],
    )
    options: dict[str, Any] = {"as_of": date(2026, 1, 31), "horizon": 1}
    with pytest.raises(CurrencyMismatch, match="EUR, USD"):
        forecast_frame(items, profiles=[portfolio()], **options)
    with pytest.raises(MissingRate):
        forecast_frame(items, profiles=[portfolio()], currency="USD", **options)
    with pytest.raises(FramesError, match="name the report currency"):
        forecast_frame(items.filter(pl.col("kind") == "payment"), profiles=[portfolio()], **options)


def test_bad_promises_are_refused() -> None:
    options: dict[str, Any] = {"as_of": date(2026, 1, 31), "horizon": 1, "profiles": [portfolio()]}
    with pytest.raises(FramesError, match="PromisedPart"):
        forecast_frame(small_items(), promises=[("PTP-1", "I1")], **options)  # type: ignore[list-item]
    euros = PromisedPart(
        promise_id="PTP-1", document_id="I1", on=date(2026, 2, 5), amount=Money("1.00", "EUR")
    )
    with pytest.raises(CurrencyMismatch, match="PTP-1 on I1 is in EUR"):
        forecast_frame(small_items(), promises=[euros], **options)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**62),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=2, max_size=60).filter(any),
)
def test_the_engine_spread_is_the_object_models_spread(amount: int, raw: list[int]) -> None:
    """Int64 arithmetic in the engine gives forecast.spread's parts, for any amount up to
    2**62 and up to 60 parts, and they add up to the amount."""
    weights = largest_remainder(PARTS, raw)
    running = list(itertools.accumulate(weights))
    frame = pl.DataFrame({"_M": [amount], **{f"_c{j}": [c] for j, c in enumerate(running)}})
    got = nw.from_native(frame).select(*_spread(len(weights))).rows()[0]
    assert list(got) == spread(amount, weights)
    assert sum(got) == amount


def test_the_docstring_names_every_read_of_a_lazy_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lazy frame is read three times, each small: its currencies, its (customer, due
    date) pairs and, with promises, the rows of the promised documents."""
    reads: list[int] = []
    collect = pl.LazyFrame.collect

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    promise = PromisedPart(
        promise_id="PTP-1", document_id="I1", on=date(2026, 2, 5), amount=Money("10.00", "USD")
    )
    options: dict[str, Any] = {"as_of": date(2026, 1, 31), "horizon": 1, "profiles": [portfolio()]}
    forecast_frame(small_items().lazy(), **options)
    assert len(reads) == 2
    forecast_frame(small_items().lazy(), promises=[promise], **options)
    assert len(reads) == 2 + 3
    assert "three small reads" in " ".join((forecast_frame.__doc__ or "").split())


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"due_date": pl.Series([None], dtype=pl.Date)}, "due_date"),
        ({"customer_id": pl.Series([None], dtype=pl.String)}, "customer_id"),
        ({"document_id": pl.Series([None], dtype=pl.String)}, "document_id"),
        ({"currency": pl.Series([None], dtype=pl.String)}, "currency"),
        ({"open_amount": pl.Series([None], dtype=pl.Int64)}, "open_amount"),
        ({"open_amount": [-500]}, "open_amount"),
        ({"disputed": [-500]}, "disputed"),
    ],
)
def test_a_missing_or_negative_value_of_a_debit_is_refused_naming_the_column(
    overrides: dict[str, Any], column: str
) -> None:
    """The object model has no debit without a due date, customer, id or currency, and no
    negative open or disputed amount: such a row is refused, not forecast as something
    else or silently left out."""
    with pytest.raises(FramesError, match=f"'{column}'") as raised:
        forecast_frame(
            small_items(**overrides),
            as_of=date(2026, 1, 31),
            horizon=1,
            currency="USD",
            profiles=[portfolio()],
        )
    assert raised.value.field == column


def test_a_missing_currency_in_a_pandas_object_column_is_named() -> None:
    """pandas holds a missing string as NaN: the row is refused for its currency, not
    read as a currency called 'nan'."""
    items = small_items(
        document_id=["I1", "I2"],
        customer_id=["C1", "C1"],
        kind=["invoice"] * 2,
        currency=["USD", None],
        issue_date=[date(2026, 1, 5)] * 2,
        due_date=[date(2026, 2, 4)] * 2,
        open_amount=[10000, 10000],
    ).to_pandas()
    assert items["currency"].isna().iloc[1]
    with pytest.raises(FramesError, match="'currency': document I2 has no currency"):
        forecast_frame(
            items, as_of=date(2026, 1, 31), horizon=1, currency="USD", profiles=[portfolio()]
        )
