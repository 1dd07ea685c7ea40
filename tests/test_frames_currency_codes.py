"""Currency codes in a frame are read as Money reads them: " usd" is USD; "ZZZ" is refused
with the column named."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

from frame_engines import BACKENDS, rows_of  # noqa: E402
from receivables.errors import UnknownCurrency  # noqa: E402
from receivables.forecast import payment_profiles, promise_schedule  # noqa: E402
from receivables.frames import (  # noqa: E402
    age_frame,
    dso_frame,
    forecast_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.metrics import Period  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402


def lower(frame: Any) -> Any:
    """The frame with its currency codes in lower case and padded, as some exports write."""
    return frame.with_columns((" " + pl.col("currency").str.to_lowercase()).alias("currency"))


@pytest.mark.parametrize("backend", ["polars", "pandas", "duckdb"])
def test_lowercase_codes_give_the_results_of_iso_codes(backend: str) -> None:
    ledger, rates = sample_ledger(), sample_rates()
    to = BACKENDS[backend]
    items = ledger_to_frame(ledger, "polars", as_of=SAMPLE_AS_OF)
    options: dict[str, Any] = {"as_of": SAMPLE_AS_OF, "currency": "USD", "rates": rates}
    assert rows_of(age_frame(to(lower(items)), **options)) == rows_of(
        age_frame(to(items), **options)
    )
    profiles = payment_profiles(ledger, as_of=SAMPLE_AS_OF, currency="USD", rates=rates)
    promises = promise_schedule(ledger, as_of=SAMPLE_AS_OF)
    forecast = {"horizon": 2, "profiles": profiles, "promises": promises, **options}
    assert rows_of(forecast_frame(to(lower(items)), **forecast)) == rows_of(
        forecast_frame(to(items), **forecast)
    )
    documents = ledger_to_frame(ledger, "polars")
    reductions = to(reductions_to_frame(ledger, "polars"))
    dso = {"period": Period.quarter(2026, 3), "currency": "USD", "rates": rates}
    assert rows_of(dso_frame(to(lower(documents)), reductions, **dso)) == rows_of(
        dso_frame(to(documents), reductions, **dso)
    )


def test_an_unknown_code_is_refused_naming_the_column() -> None:
    items = ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF).with_columns(
        pl.lit("ZZZ").alias("currency")
    )
    with pytest.raises(UnknownCurrency, match="ZZZ") as raised:
        age_frame(items, as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    assert raised.value.field == "currency"
