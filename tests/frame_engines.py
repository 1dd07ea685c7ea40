"""The in-process engines the frames tests run every calculator on, from a Polars frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

nw = pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")


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
"""Each engine's frame made from a Polars frame: eager Polars, lazy Polars, pandas,
PyArrow and a DuckDB relation."""


def rows_of(native: Any) -> list[dict[str, Any]]:
    """The rows of any native frame, a lazy one collected, as dicts."""
    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return list(frame.iter_rows(named=True))
