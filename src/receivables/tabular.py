"""What every tabular report offers: plain rows, a dataframe, and an HTML table.

A report of this library (an aging, a forecast, a worklist, a dunning run, a
roll-forward...) is a frozen value with a ``to_rows()`` method that gives plain dicts, one
per line. :class:`Tabular` builds the rest on that one method: ``to_frame(backend)``
through narwhals (amounts stay ``Decimal``: a decimal column in Polars and PyArrow, an
object column in pandas) and ``_repr_html_`` so a notebook shows the report as a table.

Examples:
    >>> from datetime import date
    >>> from receivables.aging import age
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Invoice
    >>> report = age(Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
    ...                              total="10.00 USD")]), as_of=date(2026, 1, 20))
    >>> "<table>" in report._repr_html_()
    True
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

from receivables.money import Money

__all__ = ["Tabular", "format_cell", "rows_to_columns", "rows_to_html"]

FrameBackend = Literal["pandas", "polars", "pyarrow"]


def format_cell(value: object) -> str:
    """A cell as text: amounts exact (``12.30 USD``), dates ISO, nothing as empty.

    Examples:
        >>> format_cell(Money("12.3", "USD")), format_cell(date(2026, 1, 2)), format_cell(None)
        ('12.3 USD', '2026-01-02', '')
    """
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value.amount} {value.code}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rows_to_columns(rows: Sequence[Mapping[str, object]]) -> dict[str, list[object]]:
    """Rows (dicts) as columns, in the order the keys first appear; a missing cell is None.

    Examples:
        >>> rows_to_columns([{"a": 1}, {"a": 2, "b": "x"}])
        {'a': [1, 2], 'b': [None, 'x']}
    """
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    return {name: [row.get(name) for row in rows] for name in names}


def rows_to_html(rows: Sequence[Mapping[str, object]], *, caption: str | None = None) -> str:
    """Rows as an HTML table: escaped text, numbers aligned right.

    Examples:
        >>> table = rows_to_html([{"customer": "C1", "open": Decimal("10.00")}])
        >>> '<td>C1</td><td style="text-align:right">10.00</td>' in table
        True
    """
    columns = rows_to_columns(rows)
    head = "".join(f"<th>{html.escape(name)}</th>" for name in columns)
    body = []
    for row in rows:
        cells = []
        for name in columns:
            value = row.get(name)
            numeric = isinstance(value, (int, Decimal, Money)) and not isinstance(value, bool)
            style = ' style="text-align:right"' if numeric else ""
            cells.append(f"<td{style}>{html.escape(format_cell(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Tabular:
    """Mixin for reports with ``to_rows()``: adds ``to_frame`` and ``_repr_html_``."""

    def to_rows(self) -> Sequence[Mapping[str, object]]:
        """One plain dict per line of the report."""
        raise NotImplementedError

    def to_frame(self, backend: FrameBackend = "pandas") -> object:
        """The rows of :meth:`to_rows` as a dataframe of ``backend``, through narwhals.

        Needs the ``frames`` extra (narwhals) and the backend's own library.
        """
        try:
            import narwhals as nw
        except ImportError as exc:
            raise ImportError("to_frame needs narwhals: pip install receivables[frames]") from exc
        columns = {
            name: [v.amount if isinstance(v, Money) else v for v in values]
            for name, values in rows_to_columns(self.to_rows()).items()
        }
        frame: object = nw.from_dict(columns, backend=backend).to_native()
        return frame

    def _repr_html_(self) -> str:
        return rows_to_html(self.to_rows(), caption=type(self).__name__)
