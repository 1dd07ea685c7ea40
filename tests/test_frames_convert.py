"""ledger_to_frame, reductions_to_frame and ledger_from_frame."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

import narwhals as nw  # noqa: E402

from receivables.aging import age  # noqa: E402
from receivables.frames import (  # noqa: E402
    FramesError,
    ledger_from_frame,
    ledger_to_frame,
    reductions_to_frame,
)
from receivables.ledger import Ledger  # noqa: E402
from receivables.models import (  # noqa: E402
    Application,
    CreditMemo,
    Dispute,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import Money  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger  # noqa: E402


def small_ledger() -> Ledger:
    return Ledger(
        [
            Invoice(
                id="I1",
                customer_id="C1",
                issue_date=date(2026, 1, 5),
                terms="NET 30",
                total="100.00 USD",
            ),
            Invoice(id="I2", customer_id="C2", issue_date=date(2026, 1, 6), total="1500 JPY"),
            CreditMemo(id="CM1", customer_id="C1", issue_date=date(2026, 1, 9), amount="0.125 KWD"),
            Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 20), amount="60.00 USD"),
        ]
    ).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="I1",
                applied_on=date(2026, 1, 20),
                amount="60.00 USD",
            )
        ]
    )


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_open_items_frame_holds_signed_minor_units(backend: str) -> None:
    native = ledger_to_frame(small_ledger(), backend, as_of=date(2026, 1, 31))  # type: ignore[arg-type]
    rows = list(nw.from_native(native, eager_only=True).iter_rows(named=True))
    assert [(r["document_id"], r["currency"], r["open_amount"]) for r in rows] == [
        ("I1", "USD", 4000),
        ("CM1", "KWD", -125),
        ("I2", "JPY", 1500),
    ]


def test_the_open_items_frame_has_as_many_rows_as_the_ledger_has_open_items() -> None:
    frame = ledger_to_frame(sample_ledger(), "polars", as_of=SAMPLE_AS_OF)
    assert frame.height == len(sample_ledger().open_items(as_of=SAMPLE_AS_OF))


def test_promised_is_spread_over_what_is_collectable_oldest_due_first() -> None:
    """A live 120.00 promise on I2 and I1: I1 (due first) has 100.00 open, 30.00 of it
    disputed, so it takes 70.00 and I2 the other 50.00; a promise past its pay-by date
    and a payment count nothing. The same parts as the object model's aging."""
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5), total="100.00 USD"),
            Invoice(id="I2", customer_id="C1", issue_date=date(2026, 1, 20), total="80.00 USD"),
            Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 25), amount="5.00 USD"),
        ],
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="I1",
                amount="30.00 USD",
                reason_code="pricing",
                opened_on=date(2026, 1, 25),
            )
        ],
        promises=[
            PromiseToPay(
                id="PTP-0",
                customer_id="C1",
                document_ids=("I2",),
                amount="50.00 USD",
                promised_on=date(2026, 1, 10),
                pay_by=date(2026, 1, 20),
            ),
            PromiseToPay(
                id="PTP-1",
                customer_id="C1",
                document_ids=("I2", "I1"),
                amount="120.00 USD",
                promised_on=date(2026, 2, 1),
                pay_by=date(2026, 2, 15),
            ),
        ],
    )
    as_of = date(2026, 2, 10)
    rows = ledger_to_frame(ledger, "polars", as_of=as_of).select(
        "document_id", "disputed", "promised"
    )
    assert rows.rows() == [("I1", 3000, 7000), ("I2", 0, 5000), ("P1", 0, 0)]
    report = age(ledger, as_of=as_of)
    assert [int(r.promised.amount.scaleb(2)) for r in report.documents] == [7000, 5000, 0]


def test_reductions_record_both_sides_of_an_application() -> None:
    rows = reductions_to_frame(small_ledger()).rows()
    assert rows == [("I1", date(2026, 1, 20), "A1", 6000), ("P1", date(2026, 1, 20), "A1", 6000)]


def test_documents_round_trip_through_a_frame() -> None:
    ledger = small_ledger()
    applications = pl.DataFrame(
        {
            "id": ["A1"],
            "source_id": ["P1"],
            "target_id": ["I1"],
            "applied_on": [date(2026, 1, 20)],
            "amount": [6000],
        }
    )
    back = ledger_from_frame(ledger_to_frame(ledger, "pandas"), applications=applications)
    as_of = date(2026, 1, 31)
    assert {d.id: d.amount for d in back.documents} == {d.id: d.amount for d in ledger.documents}
    assert back.open_amount("I1", as_of=as_of) == Money("40.00", "USD")
    assert back.document("I1").due == date(2026, 2, 4)


def test_an_unknown_kind_is_refused_with_the_document_id() -> None:
    frame = ledger_to_frame(small_ledger(), "polars").with_columns(kind=pl.lit("proforma"))
    with pytest.raises(FramesError, match="document I1: kind 'proforma'"):
        ledger_from_frame(frame)


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(FramesError, match="backend"):
        ledger_to_frame(small_ledger(), "excel")  # type: ignore[arg-type]


def test_something_that_is_not_a_frame_is_refused() -> None:
    with pytest.raises(FramesError, match="not a dataframe"):
        ledger_from_frame([1, 2, 3])


def test_importing_frames_without_narwhals_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "narwhals", None)
    for name in [m for m in sys.modules if m.startswith("receivables.frames")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"receivables\[frames\]"):
        importlib.import_module("receivables.frames")


@pytest.mark.parametrize("backend", ["polars", "pandas", "pyarrow"])
def test_frames_with_no_rows_are_typed_and_the_calculators_read_them(backend: str) -> None:
    """Nothing open before the invoice, no movement at all: the columns still say Int64
    money and strings, so aging, DSO and the forecast answer with zero lines."""
    from receivables.forecast import payment_profiles
    from receivables.frames import age_frame, dso_frame, forecast_frame
    from receivables.metrics import Period

    ledger = Ledger(
        [
            Invoice(
                id="I1",
                customer_id="C1",
                issue_date=date(2026, 1, 5),
                terms="NET 30",
                total=Money("12.34", "USD"),
            )
        ]
    )
    early = date(2025, 12, 1)
    items = ledger_to_frame(ledger, backend, as_of=early)
    schema = nw.from_native(items).collect_schema()
    assert schema["open_amount"] == nw.Int64
    assert schema["promised"] == nw.Int64
    assert schema["customer_id"] == nw.String
    reductions = reductions_to_frame(ledger, backend)
    assert nw.from_native(reductions).collect_schema()["reduction"] == nw.Int64
    assert len(nw.from_native(age_frame(items, as_of=early))) == 0
    profiles = payment_profiles(ledger, as_of=early)
    periods = forecast_frame(items, as_of=early, horizon=1, profiles=profiles, currency="USD")
    assert nw.from_native(periods).rows() == [
        (0, "2025-12", date(2025, 12, 2), date(2025, 12, 31), 0, 0, 0, 0, 0, "USD")
    ]
    dso = dso_frame(ledger_to_frame(ledger, backend), reductions, period=Period.quarter(2026, 1))
    assert nw.from_native(dso).select("ending_ar", "credit_sales").rows() == [(1234, 1234)]
