"""Every tabular report gives the same rows as plain dicts, as a dataframe and as HTML."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from receivables.aging import age
from receivables.allocation import unapplied_cash
from receivables.collections import evaluate_promises, worklist
from receivables.dunning import dunning_run
from receivables.forecast import forecast
from receivables.reconcile import reconcile
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates
from receivables.statements import statement_of_account
from receivables.tabular import Tabular, rows_to_columns

Build = Callable[[], Tabular]

REPORTS: dict[str, Build] = {
    "aging": lambda: age(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates()),
    "forecast": lambda: forecast(
        sample_ledger(), as_of=SAMPLE_AS_OF, horizon=3, currency="USD", rates=sample_rates()
    ),
    "worklist": lambda: worklist(
        sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates()
    ),
    "dunning": lambda: dunning_run(sample_ledger(), as_of=SAMPLE_AS_OF),
    "promises": lambda: evaluate_promises(sample_ledger(), as_of=SAMPLE_AS_OF),
    "unapplied": lambda: unapplied_cash(sample_ledger(), as_of=SAMPLE_AS_OF),
    "roll-forward": lambda: reconcile(sample_ledger(), as_of=SAMPLE_AS_OF),
    "statement": lambda: statement_of_account(sample_ledger(), "C0002", as_of=SAMPLE_AS_OF),
}


@pytest.fixture(scope="module", params=sorted(REPORTS))
def report(request: pytest.FixtureRequest) -> Tabular:
    return REPORTS[request.param]()


def test_report_shows_as_an_html_table(report: Tabular) -> None:
    page = report._repr_html_()
    assert page.startswith("<table>")
    rows = len(report.to_rows())
    if type(report)._repr_html_ is Tabular._repr_html_:
        assert page.count("<tr>") == rows + 1
    else:
        assert page.count("<tr>") >= rows


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_report_as_a_frame_has_its_rows_and_exact_amounts(report: Tabular, backend: str) -> None:
    pytest.importorskip("narwhals", reason="the frames extra is not installed")
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    import narwhals as nw

    rows = report.to_rows()
    frame = nw.from_native(report.to_frame(backend), eager_only=True)  # type: ignore[arg-type]
    assert frame.shape == (len(rows), len(rows_to_columns(rows)))
    for name, values in rows_to_columns(rows).items():
        decimals = [v for v in values if isinstance(v, Decimal)]
        if decimals and len(decimals) == len(values):
            assert [Decimal(str(v)) for v in frame[name].to_list()] == values


def test_rows_to_columns_keeps_first_seen_order_and_fills_gaps() -> None:
    assert rows_to_columns([{"b": 1}, {"a": 2}]) == {"b": [1, None], "a": [None, 2]}
