"""age_frame and merge_aging_frames: equal to receivables.aging.age to the minor unit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")


from frame_engines import BACKENDS, rows_of  # noqa: E402
from receivables.aging import AgingError, Buckets, age  # noqa: E402
from receivables.errors import MissingRate  # noqa: E402
from receivables.frames import (  # noqa: E402
    FloatMoneyColumn,
    FrameSchema,
    FramesError,
    age_frame,
    ledger_to_frame,
    merge_aging_frames,
)
from receivables.ledger import Ledger  # noqa: E402
from receivables.models import Invoice, Payment  # noqa: E402
from receivables.money import minor_units  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402


def expected_lines(report: Any, level: str) -> dict[tuple[str, str], dict[str, int]]:
    columns = (*report.buckets.labels, "credits", "total", "disputed", "promised", "collectable")
    result = {}
    for row in report.to_rows(level):
        exponent = minor_units(row["currency"])
        result[(row["key"], row["currency"])] = {c: int(row[c].scaleb(exponent)) for c in columns}
    return result


OPTIONS: dict[str, dict[str, Any]] = {
    "document-currency": {},
    "usd-revalued": {"currency": "USD", "rates": sample_rates()},
    "netted": {"credits": "netted"},
    "eur-since-invoice": {"basis": "invoice_date", "currency": "EUR", "rates": sample_rates()},
    "30-60-90": {"buckets": Buckets.preset("30-60-90"), "currency": "JPY", "rates": sample_rates()},
}


@pytest.fixture(scope="module")
def sample_items() -> Any:
    return ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_customer_lines_equal_the_object_model_on_the_sample(
    sample_items: Any, backend: str, option: str
) -> None:
    """Every cell of every customer line, to the minor unit, on every backend."""
    kwargs = OPTIONS[option]
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, **kwargs)
    expected = expected_lines(report, "customer")
    native = BACKENDS[backend](sample_items)
    got = rows_of(age_frame(native, as_of=SAMPLE_AS_OF, **kwargs))
    assert len(got) == len(expected)
    for row in got:
        want = expected[(row["customer_id"], row["currency"])]
        assert {c: row[c] for c in want} == want, row["customer_id"]


@pytest.mark.parametrize("level", ["group", "total"])
def test_group_and_total_lines_equal_the_object_model(sample_items: Any, level: str) -> None:
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    expected = expected_lines(report, level)
    got = rows_of(
        age_frame(
            sample_items.lazy(),
            as_of=SAMPLE_AS_OF,
            currency="USD",
            rates=sample_rates(),
            level=level,
        )
    )
    key = "group_id" if level == "group" else None
    assert len(got) == len(expected)
    for row in got:
        want = expected[(row[key] if key else "*", row["currency"])]
        assert {c: row[c] for c in want} == want


def test_document_rows_equal_the_object_model(sample_items: Any) -> None:
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    got = rows_of(
        age_frame(
            sample_items, as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates(), level="document"
        )
    )
    want = [
        (
            r.document_id,
            r.days,
            r.bucket,
            r.is_credit,
            int(r.promised.amount.scaleb(minor_units(r.promised.currency.code))),
            int(r.reported_open.amount.scaleb(2)),
            int(r.reported_promised.amount.scaleb(2)),
        )
        for r in report.documents
    ]
    assert [
        (
            r["document_id"],
            r["days"],
            r["bucket"],
            r["is_credit"],
            r["promised"],
            r["reported_open"],
            r["reported_promised"],
        )
        for r in got
    ] == want
    assert any(r["reported_promised"] for r in got)


def test_the_sample_has_promises_in_every_currency_it_ages(sample_items: Any) -> None:
    """The equality tests above would pass on a frame of zeros without live promises."""
    promised = sample_items.filter(pl.col("promised") > 0)
    assert set(promised.get_column("currency")) == {"USD", "EUR", "GBP"}


def _items(**columns: Any) -> Any:
    base = {
        "document_id": ["I1"],
        "customer_id": ["C1"],
        "kind": ["invoice"],
        "currency": ["USD"],
        "issue_date": [date(2026, 1, 1)],
        "due_date": [date(2026, 1, 31)],
        "open_amount": [1000],
    }
    base.update(columns)
    return pl.DataFrame(base)


@pytest.mark.parametrize(
    ("as_of", "bucket"),
    [
        (date(2026, 1, 31), "current"),  # due today: 0 days past due
        (date(2026, 2, 1), "1-30"),  # 1 day
        (date(2026, 3, 2), "1-30"),  # 30 days: the edge is inclusive
        (date(2026, 3, 3), "31-60"),  # 31 days
        (date(2026, 5, 31), "91-120"),  # 120 days
        (date(2026, 6, 1), "120+"),  # 121 days
    ],
)
def test_bucket_edges_are_inclusive_upper_bounds(as_of: date, bucket: str) -> None:
    days = (as_of - date(2026, 1, 31)).days
    row = rows_of(age_frame(_items(), as_of=as_of, level="document"))[0]
    assert (row["days"], row["bucket"]) == (days, bucket)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_debit_without_due_date_ages_from_its_issue_date(backend: str) -> None:
    """I2 has no due date: 31 days from its issue on 2026-01-01 (as the object model)."""
    items = _items(
        document_id=["I1", "I2"],
        customer_id=["C1"] * 2,
        kind=["invoice"] * 2,
        currency=["USD"] * 2,
        issue_date=[date(2026, 1, 1)] * 2,
        due_date=[date(2026, 1, 31), None],
        open_amount=[1000, 200],
    )
    rows = rows_of(age_frame(BACKENDS[backend](items), as_of=date(2026, 2, 1), level="document"))
    assert [(r["document_id"], r["days"], r["bucket"]) for r in rows] == [
        ("I1", 1, "1-30"),
        ("I2", 31, "31-60"),
    ]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_date_columns_of_different_types_age_alike(backend: str) -> None:
    """A timestamp due date beside a date issue date: the same days as two dates."""
    items = _items(
        document_id=["I1", "P1"],
        kind=["invoice", "payment"],
        customer_id=["C1"] * 2,
        currency=["USD"] * 2,
        issue_date=[date(2026, 1, 1), date(2026, 1, 20)],
        due_date=[date(2026, 1, 31), date(2026, 1, 20)],
        open_amount=[1000, -300],
    )
    mixed = items.with_columns(pl.col("due_date").cast(pl.Datetime("us")))
    as_of = date(2026, 3, 15)
    want = rows_of(age_frame(items, as_of=as_of, level="document"))
    got = rows_of(age_frame(BACKENDS[backend](mixed), as_of=as_of, level="document"))
    assert [(r["days"], r["bucket"]) for r in got] == [(r["days"], r["bucket"]) for r in want]
    assert [r["days"] for r in want] == [43, 54]


def test_credits_go_to_their_column_or_into_the_bucket_of_their_date() -> None:
    """An invoice 45 days late (500.00) and a payment received 10 days ago (-50.00)."""
    items = pl.DataFrame(
        {
            "document_id": ["I1", "P1"],
            "customer_id": ["C1", "C1"],
            "kind": ["invoice", "payment"],
            "currency": ["EUR", "EUR"],
            "issue_date": [date(2026, 1, 15), date(2026, 3, 21)],
            "due_date": [date(2026, 2, 14), date(2026, 3, 21)],
            "open_amount": [50000, -5000],
        }
    )
    separate = rows_of(age_frame(items, as_of=date(2026, 3, 31)))[0]
    netted = rows_of(age_frame(items, as_of=date(2026, 3, 31), credits="netted"))[0]
    assert (separate["31-60"], separate["1-30"], separate["credits"], separate["total"]) == (
        50000,
        0,
        -5000,
        45000,
    )
    assert (netted["31-60"], netted["1-30"], netted["credits"], netted["total"]) == (
        50000,
        -5000,
        0,
        45000,
    )


def test_revaluation_rounds_each_document_half_up_away_from_zero() -> None:
    """0.05 EUR at 1.5 is 0.075 USD: 0.08, and -0.08 for a credit (ROUND_HALF_UP)."""
    items = _items(
        document_id=["I1", "C1"],
        customer_id=["C1", "C1"],
        kind=["invoice", "credit_memo"],
        currency=["EUR", "EUR"],
        issue_date=[date(2026, 1, 1)] * 2,
        due_date=[date(2026, 1, 31)] * 2,
        open_amount=[5, -5],
    )
    rows = rows_of(
        age_frame(
            items,
            as_of=date(2026, 1, 31),
            currency="USD",
            rates={"EUR": Decimal("1.5")},
            level="document",
        )
    )
    assert [r["reported_open"] for r in rows] == [-8, 8]


def test_a_float_money_column_is_refused_with_guidance() -> None:
    items = _items(open_amount=[10.0])
    with pytest.raises(FloatMoneyColumn, match="float_precision"):
        age_frame(items, as_of=date(2026, 2, 1))


def test_a_float_money_column_converts_at_the_stated_precision() -> None:
    """12.345 stated to 3 decimals is 12.35 USD and 12 JPY: half up to each minor unit."""
    items = _items(
        document_id=["I1", "I2"],
        customer_id=["C1", "C2"],
        kind=["invoice"] * 2,
        currency=["USD", "JPY"],
        issue_date=[date(2026, 1, 1)] * 2,
        due_date=[date(2026, 1, 31)] * 2,
        open_amount=[12.345, 12.345],
    )
    rows = rows_of(age_frame(items, as_of=date(2026, 1, 31), float_precision=3))
    assert [(r["currency"], r["total"]) for r in rows] == [("USD", 1235), ("JPY", 12)]


def test_promised_amounts_are_summed_and_converted_per_document() -> None:
    """Two EUR invoices at 1.5: 0.05 promised on each is 0.075, so 0.08 + 0.08 = 0.16 USD,
    not 0.15 from converting the 0.10 sum; a credit never carries a promised part."""
    items = _items(
        document_id=["I1", "I2", "C1"],
        customer_id=["C1"] * 3,
        kind=["invoice", "invoice", "credit_memo"],
        currency=["EUR"] * 3,
        issue_date=[date(2026, 1, 1)] * 3,
        due_date=[date(2026, 1, 31)] * 3,
        open_amount=[1000, 500, -300],
        promised=[5, 5, 7],
    )
    line = rows_of(
        age_frame(items, as_of=date(2026, 1, 31), currency="USD", rates={"EUR": Decimal("1.5")})
    )[0]
    assert (line["promised"], line["collectable"]) == (16, 2250)
    native = rows_of(age_frame(items, as_of=date(2026, 1, 31)))[0]
    assert native["promised"] == 10


def test_without_a_promised_column_promised_is_zero() -> None:
    line = rows_of(age_frame(_items(), as_of=date(2026, 2, 1)))[0]
    document = rows_of(age_frame(_items(), as_of=date(2026, 2, 1), level="document"))[0]
    assert (line["promised"], document["promised"], document["reported_promised"]) == (0, 0, 0)


def test_a_float_promised_column_is_refused_without_a_precision() -> None:
    with pytest.raises(FloatMoneyColumn, match="'promised'"):
        age_frame(_items(promised=[2.5]), as_of=date(2026, 2, 1))


def test_a_float_promised_column_converts_at_the_stated_precision() -> None:
    line = rows_of(age_frame(_items(promised=[2.5]), as_of=date(2026, 2, 1), float_precision=1))
    assert line[0]["promised"] == 250


def test_a_promised_column_of_strings_is_refused() -> None:
    with pytest.raises(FramesError, match="'promised' holds String"):
        age_frame(_items(promised=["2.50"]), as_of=date(2026, 2, 1))


def test_a_renamed_promised_column_is_read_through_the_schema() -> None:
    schema = FrameSchema(promised="committed")
    line = rows_of(age_frame(_items(committed=[400]), as_of=date(2026, 2, 1), schema=schema))[0]
    assert line["promised"] == 400


def test_a_decimal_money_column_is_read_exactly() -> None:
    items = _items(open_amount=pl.Series([Decimal("1234.56")], dtype=pl.Decimal(18, 2)))
    assert rows_of(age_frame(items, as_of=date(2026, 2, 1)))[0]["1-30"] == 123456


def test_a_missing_column_is_named() -> None:
    with pytest.raises(FramesError, match="'due_date' is missing"):
        age_frame(_items().drop("due_date"), as_of=date(2026, 2, 1))


def test_renamed_columns_are_read_through_the_schema() -> None:
    items = _items().rename({"customer_id": "debtor", "open_amount": "balance"})
    schema = FrameSchema(customer_id="debtor", open_amount="balance")
    rows = rows_of(age_frame(items, as_of=date(2026, 2, 1), schema=schema))
    assert (rows[0]["debtor"], rows[0]["1-30"]) == ("C1", 1000)


def test_a_currency_without_rate_raises_missing_rate() -> None:
    with pytest.raises(MissingRate):
        age_frame(_items(), as_of=date(2026, 2, 1), currency="EUR", rates={})


def test_an_unknown_basis_is_refused() -> None:
    with pytest.raises(AgingError, match="basis"):
        age_frame(_items(), as_of=date(2026, 2, 1), basis="posting")  # type: ignore[arg-type]


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(FramesError, match="level"):
        age_frame(_items(), as_of=date(2026, 2, 1), level="region")  # type: ignore[arg-type]


def test_a_bucket_label_that_clashes_with_a_column_is_refused() -> None:
    buckets = Buckets.from_edges([0, 30], labels=["current", "total", "old"])
    with pytest.raises(FramesError, match="'total'"):
        age_frame(_items(), as_of=date(2026, 2, 1), buckets=buckets)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_the_result_is_the_kind_of_frame_passed_in(backend: str) -> None:
    native = BACKENDS[backend](_items())
    assert type(age_frame(native, as_of=date(2026, 2, 1))) is type(native)


def test_merging_the_agings_of_two_entities_equals_aging_them_together(
    sample_items: Any,
) -> None:
    kwargs = {"as_of": SAMPLE_AS_OF, "currency": "USD", "rates": sample_rates()}
    first = sample_items.filter(pl.col("customer_id") < "C0030")
    second = sample_items.filter(pl.col("customer_id") >= "C0030")
    whole = age_frame(sample_items, **kwargs)
    merged = merge_aging_frames([age_frame(second, **kwargs), age_frame(first, **kwargs)])
    assert merged.equals(whole)
    merged_totals = merge_aging_frames(
        [age_frame(first, level="total", **kwargs), age_frame(second, level="total", **kwargs)]
    )
    assert merged_totals.equals(age_frame(sample_items, level="total", **kwargs))


def test_merging_renames_customers_through_the_map() -> None:
    ledger_us = Ledger(
        [Invoice(id="I1", customer_id="ACME-US", issue_date=date(2026, 1, 1), total="10.00 USD")]
    )
    ledger_ca = Ledger(
        [
            Invoice(id="I1", customer_id="ACME", issue_date=date(2026, 1, 1), total="5.00 USD"),
            Payment(id="P1", customer_id="ACME", received_on=date(2026, 1, 2), amount="1.00 USD"),
        ]
    )
    as_of = date(2026, 1, 15)
    frames = [
        age_frame(ledger_to_frame(lg, "polars", as_of=as_of), as_of=as_of)
        for lg in (ledger_us, ledger_ca)
    ]
    merged = rows_of(merge_aging_frames(frames, customer_map={"ACME-US": "ACME"}))
    assert [
        (r["customer_id"], r["1-30"], r["credits"], r["total"], r["items"]) for r in merged
    ] == [("ACME", 1500, -100, 1400, 3)]


def test_merging_frames_of_different_buckets_is_refused() -> None:
    a = age_frame(_items(), as_of=date(2026, 2, 1))
    b = age_frame(_items(), as_of=date(2026, 2, 1), buckets=Buckets.preset("30-60-90"))
    with pytest.raises(FramesError, match="same buckets"):
        merge_aging_frames([a, b])


def test_merging_nothing_is_refused() -> None:
    with pytest.raises(FramesError, match="at least one"):
        merge_aging_frames([])


def test_include_ages_only_the_kinds_named(sample_items: Any) -> None:
    kinds = ("invoice", "credit_memo")
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, include=kinds)
    expected = expected_lines(report, "customer")
    got = rows_of(age_frame(sample_items, as_of=SAMPLE_AS_OF, include=kinds))
    assert {
        (r["customer_id"], r["currency"]): {c: r[c] for c in v}
        for r in got
        for v in [expected[(r["customer_id"], r["currency"])]]
    } == expected


def test_an_unknown_kind_in_include_is_refused() -> None:
    with pytest.raises(AgingError, match="proforma"):
        age_frame(_items(), as_of=date(2026, 2, 1), include=["proforma"])  # type: ignore[list-item]
