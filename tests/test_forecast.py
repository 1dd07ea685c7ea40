"""Cash forecast: profiles, expected receipts, promises, disputes, the pattern method, backtest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from receivables.errors import CurrencyMismatch
from receivables.forecast import (
    ForecastError,
    ProfilePolicy,
    backtest,
    collection_pattern_forecast,
    forecast,
    payment_profiles,
    period_bounds,
)
from receivables.ledger import Ledger, Movement
from receivables.models import (
    Application,
    CreditMemo,
    Dispute,
    Document,
    Invoice,
    Payment,
    PromiseToPay,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money

A = Money.parse
D = date


def inv(doc_id: str, amount: str, due: date, customer: str = "C1") -> Invoice:
    return Invoice(
        id=doc_id,
        customer_id=customer,
        issue_date=due - timedelta(days=60),
        due_date=due,
        total=A(amount),
    )


def paid(
    doc: Invoice, on: date, amount: str | None = None
) -> tuple[list[Document], list[Movement]]:
    """A payment on ``on`` applied to ``doc`` (in full unless ``amount``)."""
    money = A(amount) if amount else doc.amount
    payment = Payment(
        id=f"P-{doc.id}-{on.isoformat()}", customer_id=doc.customer_id, received_on=on, amount=money
    )
    application = Application(
        id=f"A-{doc.id}-{on.isoformat()}",
        source_id=payment.id,
        target_id=doc.id,
        applied_on=on,
        amount=money,
    )
    return [payment], [application]


def build(
    docs: list[Document],
    history: list[tuple[list[Document], list[Movement]]] = (),  # type: ignore[assignment]
    **records: object,
) -> Ledger:
    all_docs = list(docs)
    movements: list[Movement] = []
    for d, m in history:
        all_docs += d
        movements += m
    return Ledger(all_docs, movements=movements, **records)  # type: ignore[arg-type]


# -- profiles ------------------------------------------------------------------------------


def test_profile_is_the_amount_weighted_distribution_of_days_late() -> None:
    """300 paid 10 days late and 100 paid 30 days late: weights 3/4 and 1/4, so the 25th,
    50th and 75th percentiles are all 10 days and the mean is 10x0.75 + 30x0.25 = 15."""
    i1 = inv("I1", "300.00 USD", D(2026, 1, 10))
    i2 = inv("I2", "100.00 USD", D(2026, 1, 10))
    ledger = build([i1, i2], [paid(i1, D(2026, 1, 20)), paid(i2, D(2026, 2, 9))])
    portfolio, _ = payment_profiles(ledger, as_of=D(2026, 3, 1))
    assert [(p.days, p.probability) for p in portfolio.distribution] == [
        (10, Decimal("0.75")),
        (30, Decimal("0.25")),
    ]
    assert (portfolio.p25_days, portfolio.p50_days, portfolio.p75_days) == (10, 10, 10)
    assert portfolio.mean_days == Decimal("15.00")


def test_credibility_weight_is_n_over_n_plus_k() -> None:
    """C1 paid 1 invoice on time, C2 paid 4 invoices 20 days late (all 100 USD).
    The portfolio puts 1/5 on day 0; with k = 5, C1's Z = 1/6 and its mass on day 0 is
    1/6 x 1 + 5/6 x 1/5 = 1/3 (Bühlmann credibility)."""
    c1 = inv("I1", "100.00 USD", D(2026, 1, 10), "C1")
    c2 = [inv(f"J{i}", "100.00 USD", D(2026, 1, 10), "C2") for i in range(4)]
    ledger = build([c1, *c2], [paid(c1, D(2026, 1, 10)), *(paid(d, D(2026, 1, 30)) for d in c2)])
    portfolio, p1, p2 = payment_profiles(ledger, as_of=D(2026, 3, 1))
    assert portfolio.distribution[0].probability == Decimal("0.2")
    assert p1.credibility == Decimal(1) / Decimal(6)
    assert abs(p1.distribution[0].probability - Decimal(1) / Decimal(3)) < Decimal("1e-20")
    assert p2.credibility == Decimal(4) / Decimal(9)
    assert p1.source == "blended"


def test_customer_without_history_uses_the_portfolio_profile_and_says_so() -> None:
    paid_doc = inv("I1", "100.00 USD", D(2026, 1, 10), "C1")
    fresh = inv("I2", "100.00 USD", D(2026, 3, 10), "C2")
    ledger = build([paid_doc, fresh], [paid(paid_doc, D(2026, 1, 15))])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=1)
    c2 = next(p for p in fc.profiles if p.customer_id == "C2")
    assert c2.source == "portfolio"
    assert "no paid documents" in c2.reasons[0]
    assert fc.items[0].profile_source == "portfolio"


def test_ledger_without_payment_history_assumes_cash_on_the_due_date() -> None:
    ledger = build([inv("I1", "100.00 USD", D(2026, 4, 15))])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=3)
    assert fc.profiles[0].source == "terms"
    assert [str(p.expected) for p in fc.periods] == ["0.00 USD", "100.00 USD", "0.00 USD"]
    assert any("due date" in n for n in fc.notes)


def test_share_paid_counts_matured_cash_only() -> None:
    """Two matured 100 USD invoices: one paid, one written off: share paid 0.5, so an open
    100 USD item is expected to bring 50.00 and 50.00 is not expected."""
    good = inv("I1", "100.00 USD", D(2025, 6, 1))
    bad = inv("I2", "100.00 USD", D(2025, 6, 1))
    write_off = WriteOff(
        id="W1",
        document_id="I2",
        written_off_on=D(2025, 9, 1),
        amount=A("100.00 USD"),
        reason_code="BAD_DEBT",
    )
    open_doc = inv("I3", "100.00 USD", D(2026, 3, 20))
    ledger = build([good, bad, open_doc], [paid(good, D(2025, 6, 1)), ([], [write_off])])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=2)
    item = fc.items[0]
    assert fc.profiles[0].share_paid == Decimal("0.5")
    assert item.expected == (A("50.00 USD"), A("0.00 USD"))
    assert item.not_expected == A("50.00 USD")


# -- the forecast --------------------------------------------------------------------------


def test_receipt_lands_in_the_period_the_profile_says() -> None:
    """History: always 10 days late. An item due 25 Feb is expected on 7 March."""
    hist = inv("H1", "100.00 USD", D(2026, 1, 10))
    item = inv("I1", "250.00 USD", D(2026, 2, 25))
    ledger = build([hist, item], [paid(hist, D(2026, 1, 20))])
    fc = forecast(ledger, as_of=D(2026, 2, 20), horizon=2, period="month")
    assert [(p.label, str(p.expected)) for p in fc.periods] == [
        ("2026-02", "0.00 USD"),
        ("2026-03", "250.00 USD"),
    ]
    assert fc.periods[0].start == D(2026, 2, 21)


def test_item_older_than_every_payment_is_not_expected() -> None:
    hist = inv("H1", "100.00 USD", D(2026, 1, 10))
    old = inv("I1", "80.00 USD", D(2025, 10, 1))
    ledger = build([hist, old], [paid(hist, D(2026, 1, 20))])
    nothing_matured = ProfilePolicy(maturity_days=400)
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=2, policy=nothing_matured)
    assert fc.profiles[0].share_paid == 1
    assert fc.items[0].not_expected == A("80.00 USD")
    assert fc.expected_total == A("0.00 USD")
    assert "later than every payment" in fc.items[0].reasons[-1]


def test_disputed_part_is_held_back() -> None:
    """A 1000.00 invoice with 300.00 under open dispute: only 700.00 is forecast."""
    item = inv("I1", "1000.00 USD", D(2026, 3, 15))
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="I1",
        amount=A("300.00 USD"),
        reason_code="PRICE",
        opened_on=D(2026, 2, 20),
    )
    ledger = build([item], disputes=[dispute])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=1)
    assert fc.held_back_total == A("300.00 USD")
    assert fc.expected_total == A("700.00 USD")
    assert "under open dispute" in fc.items[0].reasons[0]


def test_promise_overrides_the_model_in_every_band() -> None:
    """The model would say March (due date); the customer promised 400.00 by 10 April."""
    item = inv("I1", "1000.00 USD", D(2026, 3, 15))
    promise = PromiseToPay(
        id="PTP1",
        customer_id="C1",
        document_ids=("I1",),
        amount=A("400.00 USD"),
        promised_on=D(2026, 2, 25),
        pay_by=D(2026, 4, 10),
    )
    ledger = build([item], promises=[promise])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=2)
    march, april = fc.periods
    assert (str(march.expected), str(april.expected)) == ("600.00 USD", "400.00 USD")
    assert (april.low, april.high, april.promised) == (A("400.00 USD"),) * 3
    assert fc.items[0].promise_ids == ("PTP1",)


def test_promise_partly_paid_schedules_only_the_rest() -> None:
    item = inv("I1", "1000.00 USD", D(2026, 3, 15))
    promise = PromiseToPay(
        id="PTP1",
        customer_id="C1",
        document_ids=("I1",),
        amount=A("400.00 USD"),
        promised_on=D(2026, 2, 25),
        pay_by=D(2026, 4, 10),
    )
    ledger = build([item], [paid(item, D(2026, 2, 27), "150.00 USD")], promises=[promise])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=2)
    assert fc.items[0].promised == A("250.00 USD")
    assert fc.items[0].open == A("850.00 USD")


def test_expired_promise_no_longer_overrides() -> None:
    item = inv("I1", "1000.00 USD", D(2026, 3, 15))
    promise = PromiseToPay(
        id="PTP1",
        customer_id="C1",
        document_ids=("I1",),
        amount=A("400.00 USD"),
        promised_on=D(2026, 2, 1),
        pay_by=D(2026, 2, 10),
    )
    ledger = build([item], promises=[promise])
    assert forecast(ledger, as_of=D(2026, 3, 1), horizon=1).promised_total == A("0.00 USD")
    with_grace = forecast(ledger, as_of=D(2026, 2, 12), horizon=1, promise_grace_days=3)
    assert with_grace.promised_total == A("400.00 USD")


def test_bands_are_the_late_and_early_quartile_scenarios() -> None:
    """Half the history pays on time, half 40 days late. An item due 20 March pays in March
    in the early (25th percentile) scenario and in April in the late (75th) one."""
    h1 = inv("H1", "100.00 USD", D(2026, 1, 10))
    h2 = inv("H2", "100.00 USD", D(2026, 1, 10))
    item = inv("I1", "500.00 USD", D(2026, 3, 20))
    ledger = build([h1, h2, item], [paid(h1, D(2026, 1, 10)), paid(h2, D(2026, 2, 19))])
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=2)
    march, april = fc.periods
    assert (march.high, april.high) == (A("500.00 USD"), A("0.00 USD"))
    assert (march.low, april.low) == (A("0.00 USD"), A("500.00 USD"))
    assert (march.expected, april.expected) == (A("250.00 USD"), A("250.00 USD"))


def test_credits_are_not_receipts() -> None:
    item = inv("I1", "100.00 USD", D(2026, 3, 15))
    memo = CreditMemo(id="CM1", customer_id="C1", issue_date=D(2026, 2, 1), amount=A("40.00 USD"))
    fc = forecast(build([item, memo]), as_of=D(2026, 3, 1), horizon=1)
    assert [i.document_id for i in fc.items] == ["I1"]


def test_several_currencies_need_a_report_currency() -> None:
    ledger = build(
        [inv("I1", "100.00 USD", D(2026, 3, 15)), inv("I2", "100.00 EUR", D(2026, 3, 15))]
    )
    with pytest.raises(CurrencyMismatch, match="name a report currency"):
        forecast(ledger, as_of=D(2026, 3, 1), horizon=1)
    with pytest.raises(CurrencyMismatch, match="pass rates"):
        forecast(ledger, as_of=D(2026, 3, 1), horizon=1, currency="USD")


def test_foreign_items_are_converted_on_as_of() -> None:
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 1, 1), rate=Decimal("1.10"))])
    ledger = build(
        [inv("I1", "100.00 USD", D(2026, 3, 15)), inv("I2", "100.00 EUR", D(2026, 3, 15))]
    )
    fc = forecast(ledger, as_of=D(2026, 3, 1), horizon=1, currency="USD", rates=rates)
    assert fc.expected_total == A("210.00 USD")


def test_week_and_quarter_periods_have_calendar_labels() -> None:
    assert period_bounds(D(2026, 11, 4), "week") == (D(2026, 11, 2), D(2026, 11, 8), "2026-W45")
    assert period_bounds(D(2026, 2, 14), "month") == (D(2026, 2, 1), D(2026, 2, 28), "2026-02")
    ledger = build([inv("I1", "100.00 USD", D(2026, 3, 15))])
    fc = forecast(ledger, as_of=D(2026, 2, 14), horizon=2, period="quarter")
    assert [(p.label, p.start, p.end) for p in fc.periods] == [
        ("2026-Q1", D(2026, 2, 15), D(2026, 3, 31)),
        ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
    ]


def test_to_rows_gives_one_plain_row_per_period() -> None:
    fc = forecast(build([inv("I1", "100.00 USD", D(2026, 3, 15))]), as_of=D(2026, 3, 1), horizon=2)
    rows = fc.to_rows()
    assert rows[0]["expected"] == Decimal("100.00")
    assert rows[1]["period"] == "2026-04"


@pytest.mark.parametrize("horizon", [0, -1, True])
def test_horizon_must_be_a_positive_whole_number(horizon: int) -> None:
    with pytest.raises(ForecastError, match="horizon"):
        forecast(build([]), as_of=D(2026, 3, 1), horizon=horizon, currency="USD")


def test_unknown_period_name_is_refused() -> None:
    with pytest.raises(ForecastError, match="unknown period name 'fortnight'"):
        forecast(build([]), as_of=D(2026, 3, 1), horizon=1, period="fortnight", currency="USD")


def test_negative_promise_grace_is_refused() -> None:
    with pytest.raises(ForecastError, match="promise_grace_days"):
        forecast(build([]), as_of=D(2026, 3, 1), horizon=1, currency="USD", promise_grace_days=-1)


@pytest.mark.parametrize("grace", [1.5, Decimal("2"), "3", True])
def test_promise_grace_must_be_a_whole_number_of_days(grace: int) -> None:
    """The rule collections applies to the same grace days (collections.evaluate_promise):
    1.5 days would silently stretch a promise's window; a string or a bool is no count."""
    with pytest.raises(ForecastError, match=r"promise_grace_days: .* whole number of days"):
        forecast(
            build([]), as_of=D(2026, 3, 1), horizon=1, currency="USD", promise_grace_days=grace
        )


def test_profile_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="credibility_k"):
        ProfilePolicy(credibility_k=Decimal(0))


# -- the collection-pattern method --------------------------------------------------------


def test_collection_pattern_reproduces_garrison_hampton_freeze() -> None:
    """Garrison, Noreen & Brewer, *Managerial Accounting*, 16th ed. (2018), ch. 8,
    Schedule 1 (Hampton Freeze, Inc.): quarterly sales 200,000 / 600,000 / 800,000 /
    400,000; 70% collected in the quarter of sale, 30% in the next; 90,000 of opening
    receivables collected in Q1. Expected collections: 230,000 / 480,000 / 740,000 /
    520,000, total 1,970,000 (the fourth quarter's 30% falls in the next year)."""
    sales = {
        D(2017, 1, 1): A("200000 USD"),
        D(2017, 4, 1): A("600000 USD"),
        D(2017, 7, 1): A("800000 USD"),
        D(2017, 10, 1): A("400000 USD"),
    }
    fc = collection_pattern_forecast(
        sales,
        ["0.70", "0.30"],
        period="quarter",
        opening_collections={D(2017, 1, 1): A("90000 USD")},
    )
    collections = [str(r.collections.amount) for r in fc.rows]
    assert collections[:4] == ["230000.00", "480000.00", "740000.00", "520000.00"]
    assert sum((r.collections for r in fc.rows[:4]), A("0 USD")) == A("1970000 USD")
    assert fc.rows[4].collections == A("120000 USD")
    assert fc.uncollectible == A("0 USD")


def test_collection_pattern_keeps_every_cent_and_the_uncollectible_rest() -> None:
    """100.00 collected 1/3 in each of the first two months: 33.33 + 33.33, and 33.34 is
    the uncollectible remainder (largest remainder)."""
    fc = collection_pattern_forecast({D(2026, 1, 1): A("100.00 EUR")}, ["0.3333", "0.3333"])
    assert [r.collections for r in fc.rows] == [A("33.33 EUR"), A("33.33 EUR")]
    assert fc.uncollectible == A("33.34 EUR")
    assert fc.uncollectible_share == Decimal("0.3334")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [([], "at least one share"), (["0.7", "0.4"], "more than 1"), (["-0.1"], "between 0 and 1")],
)
def test_collection_pattern_refuses_bad_shares(pattern: list[str], message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        collection_pattern_forecast({D(2026, 1, 1): A("1 USD")}, pattern)


def test_collection_pattern_keys_are_first_days_and_one_currency() -> None:
    with pytest.raises(ForecastError, match="not the first day of its month"):
        collection_pattern_forecast({D(2026, 1, 15): A("1 USD")}, ["1"])
    with pytest.raises(CurrencyMismatch):
        collection_pattern_forecast({D(2026, 1, 1): A("1 USD"), D(2026, 2, 1): A("1 EUR")}, ["1"])


def test_collection_pattern_refuses_floats() -> None:
    with pytest.raises(TypeError, match="float"):
        collection_pattern_forecast({D(2026, 1, 1): A("1 USD")}, [0.5])  # type: ignore[list-item]


# -- backtest ------------------------------------------------------------------------------


def _backtest_ledger() -> Ledger:
    """I1 paid on its due date (history); I2 due 15 Feb, paid 20 Feb; I3 due 10 March,
    paid 5 April."""
    i1 = inv("I1", "100.00 USD", D(2026, 1, 10))
    i2 = Invoice(
        id="I2",
        customer_id="C1",
        issue_date=D(2026, 1, 20),
        due_date=D(2026, 2, 15),
        total=A("100.00 USD"),
    )
    i3 = Invoice(
        id="I3",
        customer_id="C1",
        issue_date=D(2026, 2, 10),
        due_date=D(2026, 3, 10),
        total=A("200.00 USD"),
    )
    return build(
        [i1, i2, i3],
        [paid(i1, D(2026, 1, 10)), paid(i2, D(2026, 2, 20)), paid(i3, D(2026, 4, 5))],
    )


def test_backtest_replays_history_and_scores_the_error() -> None:
    """Cut-off 31 Jan sees only I2 open (I3 not issued yet): forecast 100 in February,
    actual 100. Cut-off 28 Feb sees I3: forecast 200 in March, actual 0 (paid in April).
    MAE = (0 + 200)/2 = 100, bias = +100, MAPE = 0 over the one period with cash."""
    bt = backtest(_backtest_ledger(), start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert [(r.label, str(r.forecast), str(r.actual)) for r in bt.rows] == [
        ("2026-02", "100.00 USD", "100.00 USD"),
        ("2026-03", "200.00 USD", "0.00 USD"),
    ]
    assert bt.overall.mae == A("100.00 USD")
    assert bt.overall.bias == A("100.00 USD")
    assert bt.overall.mape == Decimal("0.00")
    assert bt.overall.mape_note is not None
    assert "left out of MAPE" in bt.overall.mape_note
    assert bt.rows[1].absolute_percentage_error is None
    assert bt.rows[1].note is not None


def test_backtest_reports_each_lead_separately() -> None:
    bt = backtest(_backtest_ledger(), start=D(2026, 1, 1), end=D(2026, 4, 30), horizon=2)
    assert [s.step for s in bt.by_step] == [1, 2]
    assert sum(s.rows for s in bt.by_step) == bt.overall.rows == len(bt.to_rows())


def test_backtest_needs_end_after_start() -> None:
    with pytest.raises(ForecastError, match="is not after start"):
        backtest(_backtest_ledger(), start=D(2026, 3, 1), end=D(2026, 3, 1))


def test_backtest_needs_a_cutoff_with_a_period_after_it() -> None:
    with pytest.raises(ForecastError, match="no month ends"):
        backtest(_backtest_ledger(), start=D(2026, 3, 2), end=D(2026, 3, 20))


def test_backtest_on_the_sample_ledger_is_within_band() -> None:
    """The numbers in docs/forecast.md: twelve monthly replays on the bundled sample."""
    from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

    bt = backtest(
        sample_ledger(),
        start=D(2025, 11, 1),
        end=SAMPLE_AS_OF,
        currency="USD",
        rates=sample_rates(),
    )
    assert len(bt.rows) == 11
    assert bt.overall.mape is not None
    assert bt.overall.mape < Decimal(15)


def test_backtest_mape_is_the_mean_of_exact_percentage_errors_rounded_once() -> None:
    """Three periods with actual 10,000.00 and errors 0.40, 0.40, 0.70: APEs 0.004 %,
    0.004 %, 0.007 %. MAPE = 0.015 / 3 = 0.005 %, rounded once half up to 0.01; averaging
    the rows' displayed 0.00, 0.00, 0.01 gives 0.0033 and 0.00 (rounded twice)."""
    from receivables.forecast import BacktestRow, _summary

    def row(error: str) -> BacktestRow:
        actual = Money("10000.00", "EUR")
        forecast = actual + Money(error, "EUR")
        return BacktestRow(
            cutoff=date(2026, 1, 31),
            step=1,
            label="2026-02",
            start=date(2026, 2, 1),
            end=date(2026, 2, 28),
            low=forecast,
            forecast=forecast,
            high=forecast,
            actual=actual,
            error=forecast - actual,
            absolute_percentage_error=(Decimal(error) / 100).quantize(Decimal("0.01")),
            in_band=False,
        )

    summary = _summary(None, [row("0.40"), row("0.40"), row("0.70")], "EUR")
    assert summary.mape == Decimal("0.01")


def test_backtest_percentage_error_rounds_half_up_whatever_the_decimal_context() -> None:
    """Forecast 90.00, actual 64.00: |90 - 64| / 64 x 100 = 40.625 %, half up 40.63 (the
    house rounding), not the context's half-even 40.62; MAPE of that one period likewise."""
    ledger = Ledger(
        [
            Invoice(
                id="I1",
                customer_id="C1",
                issue_date=date(2026, 1, 5),
                terms="NET 30",
                total="90.00 USD",
            ),
            Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 10), amount="64.00 USD"),
        ]
    ).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="I1",
                applied_on=date(2026, 2, 10),
                amount="64.00 USD",
            )
        ]
    )
    bt = backtest(ledger, start=date(2026, 1, 1), end=date(2026, 2, 28))
    assert [(str(r.forecast), str(r.actual)) for r in bt.rows] == [("90.00 USD", "64.00 USD")]
    assert bt.rows[0].absolute_percentage_error == Decimal("40.63")
    assert bt.overall.mape == Decimal("40.63")


def test_spread_rounds_running_sums_so_the_parts_add_up() -> None:
    """100 units by thirds: running sums 33.33, 66.67, 100 round to 33, 67, 100, so the
    parts are 33, 34, 33; a zero weight gets nothing."""
    from receivables.forecast import PARTS, spread

    assert spread(100, [333_333_334, 333_333_333, 333_333_333]) == [33, 34, 33]
    assert spread(7, [0, PARTS, 0]) == [0, 7, 0]
    assert spread(0, [PARTS]) == [0]


def test_spread_refuses_weights_that_are_not_parts_per_billion() -> None:
    from receivables.forecast import PARTS, spread

    with pytest.raises(ValueError, match="summing to"):
        spread(10, [1, 2])
    with pytest.raises(ValueError, match="summing to"):
        spread(10, [PARTS + 1, -1])
    with pytest.raises(ValueError, match="whole number"):
        spread(-1, [PARTS])
