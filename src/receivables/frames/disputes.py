"""The disputes frame: what :func:`~receivables.frames.dso_frame` reads to leave disputed
amounts out of the receivables (``exclude_disputed=True``).

One row per dispute: ``dispute_id, document_id, opened_on, resolved_on`` (null while it is
open) and ``amount`` (Int64 minor units of the document's currency). A dispute is open on
a date from ``opened_on`` until the day before ``resolved_on``; the part of a debit under
dispute on a date is the sum of its open disputes, capped at what is open of it then
(:meth:`receivables.ledger.Ledger.disputed_amount`). Disputes of credits count for nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import narwhals as nw

from receivables.frames.convert import Backend, _build
from receivables.ledger import Ledger
from receivables.money import minor_units

__all__ = ["DISPUTE_COLUMNS", "disputes_to_frame"]

DISPUTE_COLUMNS: Final = ("dispute_id", "document_id", "opened_on", "resolved_on", "amount")
"""The columns :func:`disputes_to_frame` writes (``dispute_id`` is not read back)."""


def disputes_to_frame(ledger: Ledger, backend: Backend = "polars") -> Any:
    """Every dispute of the ledger as a frame, sorted by document, opening date and id.

    Examples:
        >>> from datetime import date
        >>> from receivables.models import Dispute, Invoice
        >>> ledger = Ledger(
        ...     [Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...              total="120.00 EUR")],
        ...     disputes=[Dispute(id="D1", customer_id="C1", document_id="I1",
        ...                       amount="20.00 EUR", reason_code="PRICE",
        ...                       opened_on=date(2026, 1, 20))])
        >>> disputes_to_frame(ledger).select("document_id", "resolved_on", "amount").rows()
        [('I1', None, 2000)]
    """
    rows = sorted(
        (d.document_id, d.opened_on, d.id, d.resolved_on, d.amount) for d in ledger.disputes
    )
    data: dict[str, list[Any]] = {
        "dispute_id": [r[2] for r in rows],
        "document_id": [r[0] for r in rows],
        "opened_on": [r[1] for r in rows],
        "resolved_on": [r[3] for r in rows],
        "amount": [_minor(r[4].amount, r[4].code) for r in rows],
    }
    built = nw.from_native(_build(data, ("opened_on", "resolved_on"), backend), eager_only=True)
    # an empty column has no type of its own: ids are strings and amounts Int64 all the same
    return built.with_columns(
        nw.col("dispute_id", "document_id").cast(nw.String), nw.col("amount").cast(nw.Int64)
    ).to_native()


def _minor(amount: Decimal, code: str) -> int:
    return int(amount.scaleb(minor_units(code)))
