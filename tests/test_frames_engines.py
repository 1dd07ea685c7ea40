"""The same calls on distributed engines: Dask and PySpark (local mode).

Slow: the PySpark tests start a local JVM session (about 20 s on two cores) and run two
queries; they are skipped when pyspark or Java is missing. Dask runs in-process.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from receivables.aging import age  # noqa: E402
from receivables.frames import (  # noqa: E402
    age_frame,
    dso_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.metrics import Period, dso  # noqa: E402
from receivables.money import minor_units  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger  # noqa: E402

Q3 = Period.quarter(2026, 3)
DASK_MOVING = "ignore:Dask support is moving out of Narwhals:FutureWarning"


def rows_of(native: Any) -> list[dict[str, Any]]:
    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return list(frame.iter_rows(named=True))


def check_aging(native_items: Any, **options: Any) -> None:
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, **options)
    labels = (*report.buckets.labels, "credits", "total", "disputed", "promised", "collectable")
    want = {
        (r["key"], r["currency"]): tuple(
            int(r[c].scaleb(minor_units(r["currency"]))) for c in labels
        )
        for r in report.to_rows("customer")
    }
    out = age_frame(native_items, as_of=SAMPLE_AS_OF, **options)
    got = {(r["customer_id"], r["currency"]): tuple(r[c] for c in labels) for r in rows_of(out)}
    assert got == want
    assert any(line[labels.index("promised")] for line in want.values())


def check_dso(docs: Any, reds: Any) -> None:
    got = {r["customer_id"]: r["dso_hundredths"] for r in rows_of(dso_frame(docs, reds, period=Q3))}
    customers = sorted({d.customer_id or "" for d in sample_ledger().documents})
    for customer in customers:
        metric = dso(sample_ledger(), period=Q3, customer_id=customer)
        want = None if metric.value is None else int(metric.value.scaleb(2))
        value = got[customer]
        assert (None if value is None or value != value else int(value)) == want, customer


# -- Dask ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings(DASK_MOVING)
def test_dask_ages_the_sample_like_the_object_model() -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    items = dd.from_pandas(
        ledger_to_frame(sample_ledger(), "pandas", as_of=SAMPLE_AS_OF), npartitions=3
    )
    check_aging(items)


@pytest.mark.filterwarnings(DASK_MOVING)
def test_dask_dso_equals_the_object_model() -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    docs = dd.from_pandas(ledger_to_frame(sample_ledger(), "pandas"), npartitions=3)
    reds = dd.from_pandas(reductions_to_frame(sample_ledger(), "pandas"), npartitions=2)
    check_dso(docs, reds)


@pytest.mark.filterwarnings(DASK_MOVING)
def test_dask_in_dask_out() -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    items = dd.from_pandas(
        ledger_to_frame(sample_ledger(), "pandas", as_of=SAMPLE_AS_OF), npartitions=2
    )
    assert type(age_frame(items, as_of=SAMPLE_AS_OF)) is type(items)


# -- PySpark (local mode) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs Java 17: apt-get install openjdk-17-jre-headless")
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        # pyspark warns that it does not yet support pandas 3; no pandas path is used here
        warnings.simplefilter("ignore", FutureWarning)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("receivables-frames-tests")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def to_spark(session: Any, frame: Any) -> Any:
    """A Spark frame from a Polars one, through Python rows (no pandas on the way)."""
    from pyspark.sql import types as T  # noqa: N812

    kinds = {pl.String: T.StringType(), pl.Date: T.DateType(), pl.Int64: T.LongType()}
    schema = T.StructType(
        [T.StructField(name, kinds[dtype], True) for name, dtype in frame.schema.items()]
    )
    return session.createDataFrame(frame.rows(), schema=schema)


def test_spark_ages_the_sample_like_the_object_model(spark: Any) -> None:
    """In document currency: the revaluation's 40-odd column steps cost Spark's planner
    about 40 s here, so it is checked on every other engine instead."""
    items = to_spark(spark, ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF))
    check_aging(items, credits="netted")


def test_spark_dso_equals_the_object_model(spark: Any) -> None:
    docs = to_spark(spark, ledger_to_frame(sample_ledger(), "polars"))
    reds = to_spark(spark, reductions_to_frame(sample_ledger(), "polars"))
    check_dso(docs, reds)


# -- The cash forecast ---------------------------------------------------------------------


def forecast_inputs(currency: str | None) -> dict[str, Any]:
    """The profiles and promises of the sample, as forecast_frame takes them."""
    from receivables.forecast import payment_profiles, promise_schedule
    from receivables.sample import sample_rates

    ledger = sample_ledger()
    rates = sample_rates()
    return {
        "as_of": SAMPLE_AS_OF,
        "horizon": 3,
        "profiles": payment_profiles(ledger, as_of=SAMPLE_AS_OF, currency="USD", rates=rates),
        "promises": promise_schedule(ledger, as_of=SAMPLE_AS_OF),
        **({"currency": currency, "rates": rates} if currency else {}),
    }


@pytest.mark.filterwarnings(DASK_MOVING)
def test_dask_forecasts_every_item_like_the_object_model() -> None:
    from receivables.forecast import forecast
    from receivables.frames import forecast_frame
    from receivables.sample import sample_rates

    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    items = dd.from_pandas(
        ledger_to_frame(sample_ledger(), "pandas", as_of=SAMPLE_AS_OF), npartitions=3
    )
    fc = forecast(
        sample_ledger(), as_of=SAMPLE_AS_OF, horizon=3, currency="USD", rates=sample_rates()
    )
    rows = rows_of(forecast_frame(items, level="document", **forecast_inputs("USD")))
    labels = [p.label for p in fc.periods]
    got = [(r["document_id"], *(r[f"expected_{label}"] for label in labels)) for r in rows]
    want = [(i.document_id, *(m.minor for m in i.expected)) for i in fc.items]
    assert got == want
    periods = rows_of(forecast_frame(items, **forecast_inputs("USD")))
    assert [(r["label"], r["low"], r["expected"], r["high"]) for r in periods] == [
        (p.label, p.low.minor, p.expected.minor, p.high.minor) for p in fc.periods
    ]


def test_spark_forecasts_like_the_other_engines(spark: Any) -> None:
    """The USD items in their own currency (no revaluation plan for Spark's planner): the
    same cells on Spark as on Polars, which the other tests hold to the object model."""
    from receivables.frames import forecast_frame

    items = ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF)
    usd = items.filter(pl.col("currency") == "USD")
    inputs = forecast_inputs(None)
    ids = set(usd.get_column("document_id").to_list())
    inputs["promises"] = [p for p in inputs["promises"] if p.document_id in ids]
    assert inputs["promises"], "the sample has promises on USD items"
    for level in ("period", "document"):
        want = rows_of(forecast_frame(usd, level=level, **inputs))
        got = rows_of(forecast_frame(to_spark(spark, usd), level=level, **inputs))
        assert got == want, level


# -- DSO in a report currency, disputed parts left out ------------------------------------


def check_dso_in_usd_undisputed(docs: Any, reds: Any, disputes: Any, method: str) -> None:
    """Every customer's USD DSO without disputed parts, and its figures, as the object model."""
    from decimal import Decimal

    from receivables.metrics import countback_dso
    from receivables.sample import sample_rates

    lines = dso_frame(
        docs,
        reds,
        method=method,  # type: ignore[arg-type]
        period=Q3,
        as_of=SAMPLE_AS_OF,
        currency="USD",
        rates=sample_rates(),
        disputes=disputes,
        exclude_disputed=True,
    )
    got = {r["customer_id"]: r for r in rows_of(lines)}
    customers = sorted({d.customer_id or "" for d in sample_ledger().documents})
    assert sorted(got) == customers
    for customer in customers:
        options: dict[str, Any] = {
            "customer_id": customer,
            "currency": "USD",
            "rates": sample_rates(),
            "exclude_disputed": True,
        }
        if method == "countback":
            metric = countback_dso(sample_ledger(), as_of=SAMPLE_AS_OF, **options)
        else:
            metric = dso(sample_ledger(), period=Q3, **options)
        row = got[customer]
        want = None if metric.value is None else int(metric.value.scaleb(2))
        value = row["dso_hundredths"]
        assert (None if value is None or value != value else int(value)) == want, customer
        for name in ("ending_ar", "disputed_ending_ar"):
            assert row[name] == int(Decimal(metric.inputs[name]).scaleb(2)), (customer, name)


@pytest.mark.filterwarnings(DASK_MOVING)
@pytest.mark.parametrize("method", ["standard", "countback"])
def test_dask_dso_in_usd_without_disputed_parts_equals_the_object_model(method: str) -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    from receivables.frames.disputes import disputes_to_frame

    ledger = sample_ledger()
    docs = dd.from_pandas(ledger_to_frame(ledger, "pandas"), npartitions=3)
    reds = dd.from_pandas(reductions_to_frame(ledger, "pandas"), npartitions=2)
    disputes = dd.from_pandas(disputes_to_frame(ledger, "pandas"), npartitions=2)
    check_dso_in_usd_undisputed(docs, reds, disputes, method)


@pytest.mark.parametrize("method", ["standard", "countback"])
def test_spark_dso_in_usd_without_disputed_parts_equals_the_object_model(
    spark: Any, method: str
) -> None:
    from receivables.frames.disputes import disputes_to_frame

    ledger = sample_ledger()
    docs = to_spark(spark, ledger_to_frame(ledger, "polars"))
    reds = to_spark(spark, reductions_to_frame(ledger, "polars"))
    disputes = to_spark(spark, disputes_to_frame(ledger, "polars"))
    check_dso_in_usd_undisputed(docs, reds, disputes, method)


# -- Payment profiles from frames ----------------------------------------------------------


@pytest.mark.filterwarnings(DASK_MOVING)
def test_dask_payment_profiles_equal_the_object_model() -> None:
    from receivables.forecast import payment_profiles
    from receivables.frames.profiles import applications_to_frame, payment_profiles_frame
    from receivables.sample import sample_rates

    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    ledger = sample_ledger()
    docs = dd.from_pandas(ledger_to_frame(ledger, "pandas"), npartitions=3)
    apps = dd.from_pandas(applications_to_frame(ledger, "pandas"), npartitions=2)
    options = {"currency": "USD", "rates": sample_rates()}
    assert payment_profiles_frame(docs, apps, as_of=SAMPLE_AS_OF, **options) == payment_profiles(
        ledger, as_of=SAMPLE_AS_OF, **options
    )
