"""payment_profiles_frame: the payment profiles of payment_profiles, from frames, on every
engine; applications_to_frame; and each bad input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pl = pytest.importorskip("polars", reason="polars is not installed")

from frame_engines import BACKENDS  # noqa: E402
from receivables.errors import CurrencyMismatch, MissingRate  # noqa: E402
from receivables.forecast import (  # noqa: E402
    PaymentProfile,
    ProfilePolicy,
    forecast,
    payment_profiles,
    promise_schedule,
)
from receivables.frames import (  # noqa: E402
    FloatMoneyColumn,
    FrameSchema,
    FramesError,
    forecast_frame,
    ledger_from_frame,
    ledger_to_frame,
)
from receivables.frames.profiles import (  # noqa: E402
    APPLICATION_COLUMNS,
    applications_to_frame,
    payment_profiles_frame,
)
from receivables.ledger import Ledger  # noqa: E402
from receivables.models import Application, CreditMemo, Invoice, Payment  # noqa: E402
from receivables.money import FxRate, FxRates  # noqa: E402
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates  # noqa: E402

STRICT = ProfilePolicy(credibility_k=Decimal(2), lookback_days=365, maturity_days=60)
OPTIONS: dict[str, dict[str, Any]] = {
    "usd": {"currency": "USD"},
    "eur-strict-policy": {"currency": "EUR", "policy": STRICT},
}


@pytest.fixture(scope="module")
def sample_frames() -> tuple[Any, Any]:
    ledger = sample_ledger()
    return ledger_to_frame(ledger, "polars"), applications_to_frame(ledger, "polars")


@pytest.fixture(scope="module", params=sorted(OPTIONS))
def expected(request: pytest.FixtureRequest) -> tuple[dict[str, Any], tuple[PaymentProfile, ...]]:
    options = {**OPTIONS[request.param], "rates": sample_rates()}
    return options, payment_profiles(sample_ledger(), as_of=SAMPLE_AS_OF, **options)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_the_sample_profiles_equal_the_object_models(
    sample_frames: tuple[Any, Any],
    expected: tuple[dict[str, Any], tuple[PaymentProfile, ...]],
    backend: str,
) -> None:
    options, want = expected
    docs, apps = (BACKENDS[backend](f) for f in sample_frames)
    got = payment_profiles_frame(docs, apps, as_of=SAMPLE_AS_OF, **options)
    assert [p.customer_id for p in got] == [p.customer_id for p in want]
    assert got == want
    assert {p.source for p in got} == {"portfolio", "blended"}


def test_the_sample_is_a_real_test_of_the_rules() -> None:
    """The sample has what the rules tell apart: cash from credit memos (not observations),
    foreign currencies, cash before the strict policy's look-back window, and several
    payments of one document."""
    ledger = sample_ledger()
    kinds = {type(ledger.document(a.source_id)).__name__ for a in ledger.applications}
    assert kinds == {"Payment", "CreditMemo"}
    assert {d.amount.code for d in ledger.documents} > {"USD", "EUR", "JPY"}
    since = SAMPLE_AS_OF - timedelta(days=STRICT.lookback_days)
    assert any(a.applied_on < since for a in ledger.applications)
    targets = [a.target_id for a in ledger.applications if a.applied_on <= SAMPLE_AS_OF]
    assert len(targets) > len(set(targets))


def test_a_forecast_from_frame_profiles_equals_the_object_model(
    sample_frames: tuple[Any, Any],
) -> None:
    ledger, rates = sample_ledger(), sample_rates()
    docs, apps = sample_frames
    profiles = payment_profiles_frame(docs, apps, as_of=SAMPLE_AS_OF, currency="USD", rates=rates)
    rows = forecast_frame(
        ledger_to_frame(ledger, "polars", as_of=SAMPLE_AS_OF),
        as_of=SAMPLE_AS_OF,
        horizon=3,
        profiles=profiles,
        promises=promise_schedule(ledger, as_of=SAMPLE_AS_OF),
        currency="USD",
        rates=rates,
    ).rows(named=True)
    fc = forecast(ledger, as_of=SAMPLE_AS_OF, horizon=3, currency="USD", rates=rates)
    assert [(r["label"], r["low"], r["expected"], r["high"], r["promised"]) for r in rows] == [
        (p.label, p.low.minor, p.expected.minor, p.high.minor, p.promised.minor) for p in fc.periods
    ]


# -- A worked example --------------------------------------------------------------------


def small_ledger() -> Ledger:
    """C1: I1 (100.00 USD, due 31 Jan) paid 60.00 ten days late and 40.00 twenty days late,
    by two payments; a credit memo settles I2 (50.00 USD, due 10 Feb), which is no cash.
    C2: I3 (200.00 EUR, due 15 Feb) paid in full on its due date, at 1.10 USD a euro.
    C3: I4 (70.00 USD, due 31 March), not paid."""
    invoices = [
        Invoice(
            id="I1",
            customer_id="C1",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total="100.00 USD",
        ),
        Invoice(
            id="I2",
            customer_id="C1",
            issue_date=date(2026, 1, 11),
            due_date=date(2026, 2, 10),
            total="50.00 USD",
        ),
        Invoice(
            id="I3",
            customer_id="C2",
            issue_date=date(2026, 1, 16),
            due_date=date(2026, 2, 15),
            total="200.00 EUR",
        ),
        Invoice(
            id="I4",
            customer_id="C3",
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
            total="70.00 USD",
        ),
    ]
    credits = [
        Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 10), amount="60.00 USD"),
        Payment(id="P2", customer_id="C1", received_on=date(2026, 2, 20), amount="40.00 USD"),
        Payment(id="P3", customer_id="C2", received_on=date(2026, 2, 15), amount="200.00 EUR"),
        CreditMemo(id="CM1", customer_id="C1", issue_date=date(2026, 2, 1), amount="50.00 USD"),
    ]
    return Ledger([*invoices, *credits]).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="I1",
                applied_on=date(2026, 2, 10),
                amount="60.00 USD",
            ),
            Application(
                id="A2",
                source_id="P2",
                target_id="I1",
                applied_on=date(2026, 2, 20),
                amount="40.00 USD",
            ),
            Application(
                id="A3",
                source_id="P3",
                target_id="I3",
                applied_on=date(2026, 2, 15),
                amount="200.00 EUR",
            ),
            Application(
                id="A4",
                source_id="CM1",
                target_id="I2",
                applied_on=date(2026, 2, 1),
                amount="50.00 USD",
            ),
        ]
    )


RATES = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.10"))])
AS_OF = date(2026, 3, 31)


def small_frames(ledger: Ledger | None = None) -> tuple[Any, Any]:
    ledger = ledger or small_ledger()
    return ledger_to_frame(ledger, "polars"), applications_to_frame(ledger, "polars")


def test_a_worked_example_in_usd() -> None:
    """Cash observed: 60.00 at +10 and 40.00 at +20 days (C1), 220.00 USD at 0 days (C2).
    The portfolio: 220/320 on time, 60/320 ten days late, 40/320 twenty days late; two
    paid documents; I2 counts as paid by nobody (a credit memo is no cash), and C3, who
    paid nothing, takes the portfolio's profile."""
    docs, apps = small_frames()
    portfolio, c1, c2, c3 = payment_profiles_frame(
        docs, apps, as_of=AS_OF, currency="USD", rates=RATES
    )
    assert [(p.days, p.probability) for p in portfolio.distribution] == [
        (0, Decimal("0.6875")),
        (10, Decimal("0.1875")),
        (20, Decimal("0.125")),
    ]
    assert (portfolio.documents, c1.documents, c2.documents, c3.documents) == (2, 1, 1, 0)
    assert (c1.source, c2.source, c3.source) == ("blended", "blended", "portfolio")
    assert c3.distribution == portfolio.distribution
    assert (portfolio, c1, c2, c3) == payment_profiles(
        small_ledger(), as_of=AS_OF, currency="USD", rates=RATES
    )


def test_matured_documents_give_the_share_paid() -> None:
    """With a maturity of 30 days on 31 March, the documents due by 1 March have matured:
    all three, 150.00 + 220.00 USD owed, 100.00 + 220.00 paid in cash: 320/370."""
    docs, apps = small_frames()
    policy = ProfilePolicy(maturity_days=30)
    portfolio, c1, *_ = payment_profiles_frame(
        docs, apps, as_of=AS_OF, currency="USD", rates=RATES, policy=policy
    )
    assert portfolio.matured_documents == 3
    assert portfolio.share_paid == Decimal(320) / Decimal(370)
    assert c1.matured_documents == 2
    assert (portfolio, c1) == payment_profiles(
        small_ledger(), as_of=AS_OF, currency="USD", rates=RATES, policy=policy
    )[:2]


def test_history_after_as_of_and_before_the_window_is_left_out() -> None:
    """On 15 February only A1 (10 days late) and A3 (on time) have happened; on 1 April
    with a look-back of 45 days (from 15 February) A1 is too old and A2 counts."""
    docs, apps = small_frames()
    early = payment_profiles_frame(docs, apps, as_of=date(2026, 2, 15), currency="EUR", rates=RATES)
    assert [p.days for p in early[0].distribution] == [0, 10]
    late = payment_profiles_frame(
        docs,
        apps,
        as_of=date(2026, 4, 1),
        currency="EUR",
        rates=RATES,
        policy=ProfilePolicy(lookback_days=45),
    )
    assert [p.days for p in late[0].distribution] == [0, 20]
    for as_of, policy, got in (
        (date(2026, 2, 15), None, early),
        (date(2026, 4, 1), ProfilePolicy(lookback_days=45), late),
    ):
        assert got == payment_profiles(
            small_ledger(), as_of=as_of, currency="EUR", rates=RATES, policy=policy
        )


def test_no_cash_at_all_falls_back_to_the_terms() -> None:
    ledger = Ledger(
        [
            Invoice(
                id="I1",
                customer_id="C1",
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
                total="100.00 USD",
            )
        ]
    )
    docs, apps = small_frames(ledger)
    assert apps.columns == list(APPLICATION_COLUMNS)
    assert apps.height == 0
    got = payment_profiles_frame(docs, apps, as_of=AS_OF)
    assert [p.source for p in got] == ["terms", "terms"]
    assert got == payment_profiles(ledger, as_of=AS_OF)


def test_a_missing_due_date_is_the_issue_date() -> None:
    docs, apps = small_frames()
    docs = docs.with_columns(
        due_date=pl.when(pl.col("document_id") == "I1").then(None).otherwise(pl.col("due_date"))
    )
    (portfolio, *_) = payment_profiles_frame(docs, apps, as_of=AS_OF, currency="USD", rates=RATES)
    # I1 issued 1 January: paid 40 and 50 days after it
    assert [p.days for p in portfolio.distribution] == [0, 40, 50]


def test_a_schema_names_the_documents_columns() -> None:
    docs, apps = small_frames()
    renamed = docs.rename({"customer_id": "debtor", "amount": "total"})
    schema = FrameSchema(customer_id="debtor", amount="total")
    assert payment_profiles_frame(
        renamed, apps, as_of=AS_OF, currency="USD", rates=RATES, schema=schema
    ) == payment_profiles(small_ledger(), as_of=AS_OF, currency="USD", rates=RATES)


def test_a_mapping_of_rates_is_one_rate_for_every_date() -> None:
    docs, apps = small_frames()
    got = payment_profiles_frame(
        docs, apps, as_of=AS_OF, currency="USD", rates={"EUR": Decimal("1.10")}
    )
    assert got == payment_profiles(small_ledger(), as_of=AS_OF, currency="USD", rates=RATES)


def test_decimal_money_and_floats_with_a_stated_precision_are_read() -> None:
    docs, apps = small_frames()
    want = payment_profiles(small_ledger(), as_of=AS_OF, currency="USD", rates=RATES)
    majors = [Decimal(units).scaleb(-2) for units in apps.get_column("amount")]
    as_decimals = apps.with_columns(pl.Series("amount", majors, dtype=pl.Decimal(20, 2)))
    assert (
        payment_profiles_frame(docs, as_decimals, as_of=AS_OF, currency="USD", rates=RATES) == want
    )
    as_floats = docs.with_columns(pl.col("amount") / 100), apps.with_columns(pl.col("amount") / 100)
    assert (
        payment_profiles_frame(
            *as_floats, as_of=AS_OF, currency="USD", rates=RATES, float_precision=2
        )
        == want
    )


# -- applications_to_frame -------------------------------------------------------------


@pytest.mark.parametrize("backend", ["polars", "pandas", "pyarrow"])
def test_applications_frame_holds_every_application(backend: str) -> None:
    ledger = small_ledger()
    frame = applications_to_frame(ledger, backend)  # type: ignore[arg-type]
    rows = pl.from_pandas(frame) if backend == "pandas" else pl.DataFrame(frame)
    assert rows.columns == list(APPLICATION_COLUMNS)
    assert rows.select("id", "source_id", "target_id", "amount").rows() == [
        ("A4", "CM1", "I2", 5000),
        ("A1", "P1", "I1", 6000),
        ("A3", "P3", "I3", 20000),
        ("A2", "P2", "I1", 4000),
    ]


def test_applications_frame_reads_back_into_the_ledger() -> None:
    ledger = small_ledger()
    docs, apps = small_frames(ledger)
    back = ledger_from_frame(docs, applications=apps)
    assert back.applications == ledger.applications


def test_applications_frame_refuses_an_unknown_backend() -> None:
    with pytest.raises(FramesError, match="unknown backend"):
        applications_to_frame(small_ledger(), "excel")  # type: ignore[arg-type]


# -- Bad inputs ----------------------------------------------------------------------------


def test_a_missing_column_is_named() -> None:
    docs, apps = small_frames()
    with pytest.raises(FramesError, match="'due_date' is missing"):
        payment_profiles_frame(docs.drop("due_date"), apps, as_of=AS_OF, currency="USD")
    with pytest.raises(FramesError, match="applications: column 'applied_on' is missing"):
        payment_profiles_frame(docs, apps.drop("applied_on"), as_of=AS_OF, currency="USD")


def test_float_money_is_refused_without_a_precision() -> None:
    docs, apps = small_frames()
    with pytest.raises(FloatMoneyColumn, match="applications: column 'amount'"):
        payment_profiles_frame(
            docs, apps.with_columns(pl.col("amount") / 100), as_of=AS_OF, currency="USD"
        )
    with pytest.raises(FloatMoneyColumn, match="'amount'"):
        payment_profiles_frame(
            docs.with_columns(pl.col("amount") / 100), apps, as_of=AS_OF, currency="USD"
        )


def test_a_missing_rate_is_named_with_its_date() -> None:
    """The EUR cash of 15 February needs a rate into USD; the table starts in March."""
    docs, apps = small_frames()
    march = FxRates(
        rates=[FxRate(base="EUR", quote="USD", on=date(2026, 3, 1), rate=Decimal("1.10"))]
    )
    with pytest.raises(MissingRate, match="EUR->USD on or before 2026-02-15"):
        payment_profiles_frame(docs, apps, as_of=AS_OF, currency="USD", rates=march)
    with pytest.raises(MissingRate, match="EUR->USD"):
        payment_profiles_frame(docs, apps, as_of=AS_OF, currency="USD", rates={"GBP": Decimal(1)})
    with pytest.raises(FramesError, match="give a Decimal"):
        payment_profiles_frame(docs, apps, as_of=AS_OF, currency="USD", rates={"EUR": 1.1})  # type: ignore[dict-item]


def test_foreign_amounts_need_rates() -> None:
    docs, apps = small_frames()
    with pytest.raises(CurrencyMismatch, match="amounts in EUR on 2026-02-15"):
        payment_profiles_frame(docs, apps, as_of=AS_OF, currency="USD")


def test_several_currencies_need_a_report_currency() -> None:
    docs, apps = small_frames()
    with pytest.raises(CurrencyMismatch, match="documents are in EUR, USD"):
        payment_profiles_frame(docs, apps, as_of=AS_OF, rates=RATES)
    with pytest.raises(FramesError, match="name the report currency"):
        payment_profiles_frame(docs.clear(), apps, as_of=AS_OF)


def test_frames_of_two_engines_are_refused() -> None:
    docs, apps = small_frames()
    with pytest.raises(FramesError, match="one engine"):
        payment_profiles_frame(docs, apps.to_pandas(), as_of=AS_OF, currency="USD")
    with pytest.raises(FramesError, match="not a dataframe"):
        payment_profiles_frame(docs, [1, 2], as_of=AS_OF, currency="USD")
