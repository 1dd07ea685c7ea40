"""Every money column a frames calculator returns is Int64 minor units, on every engine
(DuckDB sums Int64 into Int128 and pandas turns a column with a gap into floats)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from frame_engines import BACKENDS  # noqa: E402
from receivables.forecast import payment_profiles, promise_schedule  # noqa: E402
from receivables.frames import (  # noqa: E402
    age_frame,
    dso_frame,
    forecast_frame,
    ledger_to_frame,
    merge_aging_frames,
    reductions_to_frame,
)
from receivables.metrics import Period  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402

NOT_MONEY = {"customer_id", "currency", "label", "start", "end"}


def not_int64(native: Any) -> dict[str, Any]:
    """The columns of a result that are neither keys nor Int64."""
    schema = nw.from_native(native).collect_schema()
    return {
        name: dtype for name, dtype in schema.items() if name not in NOT_MONEY and dtype != nw.Int64
    }


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_aging_dso_and_forecast_lines_are_int64(backend: str) -> None:
    ledger, rates = sample_ledger(), sample_rates()
    to = BACKENDS[backend]
    items = to(ledger_to_frame(ledger, "polars", as_of=SAMPLE_AS_OF))
    lines = age_frame(items, as_of=SAMPLE_AS_OF, currency="USD", rates=rates)
    assert not_int64(lines) == {}
    assert not_int64(merge_aging_frames([lines, lines])) == {}
    documents = to(ledger_to_frame(ledger, "polars"))
    reductions = to(reductions_to_frame(ledger, "polars"))
    dso = dso_frame(documents, reductions, period=Period.quarter(2026, 3))
    assert not_int64(dso) == {}
    profiles = payment_profiles(ledger, as_of=SAMPLE_AS_OF, currency="USD", rates=rates)
    for level in ("period", "total"):
        forecast = forecast_frame(
            items,
            as_of=SAMPLE_AS_OF,
            horizon=2,
            profiles=profiles,
            promises=promise_schedule(ledger, as_of=SAMPLE_AS_OF),
            currency="USD",
            rates=rates,
            level=level,  # type: ignore[arg-type]
        )
        assert not_int64(forecast) == {}, level
