"""The bundled sample ledger: a realistic, multi-currency book for docs, demos and tests.

It was generated once by the seeded script ``scripts/generate_sample.py`` (60+ customers,
18 months of invoices, payments with remittances, credit memos, disputes and promises)
and is read from the package's ``data`` folder.

>>> ledger = sample_ledger()
>>> len(ledger) > 2000
True
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib.resources import files
from typing import Final

from receivables.ledger import Ledger
from receivables.money import FxRates

__all__ = ["SAMPLE_AS_OF", "sample_ledger", "sample_rates"]

SAMPLE_AS_OF: Final = date(2026, 10, 31)
"""The date the sample ledger was drawn up to: use it as ``as_of`` for the sample."""


@cache
def sample_ledger() -> Ledger:
    """The bundled sample ledger (read once, then shared: it is immutable)."""
    return Ledger.from_json((files("receivables") / "data" / "sample_ledger.json").read_bytes())


@cache
def sample_rates() -> FxRates:
    """Exchange rates for the sample's currencies over its whole period, pivot USD."""
    return FxRates.model_validate_json(
        (files("receivables") / "data" / "sample_rates.json").read_bytes()
    )
