"""The calculators over dataframes, through narwhals (optional extra ``frames``).

Aging, DSO, the cash forecast and the converters run on any frame narwhals knows: pandas,
Polars (eager and lazy), PyArrow, DuckDB, Dask and PySpark. The work is done by the frame's
own engine with narwhals expressions on Int64 minor units, and the result is the same kind
of frame as the input (lazy in, lazy out). Results equal the object-model calculators
(:func:`receivables.aging.age`, :func:`receivables.metrics.dso`,
:func:`receivables.metrics.countback_dso`, :func:`receivables.forecast.forecast`) on the
same ledger, to the minor unit.

Examples:
    >>> from receivables.frames import FrameSchema
    >>> FrameSchema().customer_id
    'customer_id'
"""

from __future__ import annotations

try:
    import narwhals  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        "receivables.frames needs narwhals: install the extra with"
        " `pip install 'receivables[frames]'`"
    ) from exc

from receivables.frames.aging import AgingLevel, age_frame, merge_aging_frames
from receivables.frames.convert import (
    Backend,
    ledger_from_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.frames.disputes import disputes_to_frame
from receivables.frames.forecast import ForecastLevel, forecast_frame
from receivables.frames.metrics import DsoMethod, dso_frame
from receivables.frames.profiles import applications_to_frame, payment_profiles_frame
from receivables.frames.schema import FloatMoneyColumn, FrameSchema, FramesError

__all__ = [
    "AgingLevel",
    "Backend",
    "DsoMethod",
    "FloatMoneyColumn",
    "ForecastLevel",
    "FrameSchema",
    "FramesError",
    "age_frame",
    "applications_to_frame",
    "disputes_to_frame",
    "dso_frame",
    "forecast_frame",
    "ledger_from_frame",
    "ledger_to_frame",
    "merge_aging_frames",
    "payment_profiles_frame",
    "reductions_to_frame",
]
