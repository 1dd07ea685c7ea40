"""Collections KPIs, checked against published worked examples and small ledgers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.errors import CurrencyMismatch, MissingRate
from receivables.ledger import Ledger
from receivables.metrics import (
    MetricError,
    Period,
    ar_turnover,
    average_days_delinquent,
    average_days_to_pay,
    best_possible_dso,
    collection_effectiveness_index,
    countback_dso,
    dso,
    percent_current,
    weighted_average_days_late,
)
from receivables.models import (
    Application,
    CreditMemo,
    Dispute,
    DisputeResolution,
    Invoice,
    Payment,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money

A = Money.parse
D = date
SEPT = Period.month(2026, 9)


def thirty_day_months() -> list[Period]:
    return [
        Period.custom(D(2026, 1, 1), D(2026, 1, 30)),
        Period.custom(D(2026, 1, 31), D(2026, 3, 1)),
        Period.custom(D(2026, 3, 2), D(2026, 3, 31)),
    ]


# -- periods ---------------------------------------------------------------------------


def test_periods_count_both_ends() -> None:
    assert Period.month(2028, 2).days == 29
    assert Period.quarter(2026, 4) == Period(start=D(2026, 10, 1), end=D(2026, 12, 31))
    assert Period.custom(D(2026, 1, 10), D(2026, 1, 10)).days == 1


def test_custom_period_that_is_not_whole_months_has_no_month_count() -> None:
    assert Period.custom(D(2026, 1, 10), D(2026, 2, 9)).months is None
    assert Period.custom(D(2026, 1, 1), D(2026, 6, 30)).months == 6


def test_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="period ends 2026-01-01, before it starts"):
        Period.custom(D(2026, 2, 1), D(2026, 1, 1))


def test_quarter_out_of_range_is_refused() -> None:
    with pytest.raises(MetricError, match="quarter must be 1 to 4, not 5"):
        Period.quarter(2026, 5)


# -- published worked examples ----------------------------------------------------------


def test_standard_dso_published_example() -> None:
    """Mesha, "The 2 DSO calculation formulas: simple vs countback method explained":
    receivables $150,000, annual credit sales $1,800,000, 365 days -> DSO 30.4 days."""
    metric = dso(ending_ar=150_000, credit_sales=1_800_000, days=365)
    assert metric.value == Decimal("30.42")
    assert metric.inputs == {"ending_ar": "150000", "credit_sales": "1800000", "days": "365"}
    assert metric.unit == "days"


def test_standard_dso_second_published_example() -> None:
    """Equisettle, "The complete guide to DSO calculation": receivables $200,000, year-end
    sales $2,000,000 -> 200,000 / 2,000,000 x 365 = 36.5 days."""
    assert dso(ending_ar=200_000, credit_sales=2_000_000, days=365).value == Decimal("36.50")


def test_countback_dso_published_example() -> None:
    """Benji Pays, "Mastering DSO calculation: the count-back method explained" (also
    Mesha): receivables $212,000; monthly credit sales $70,000, $80,000, $100,000 (30-day
    months, latest last). The last two months are covered in full (60 days), the rest
    32,000 / 70,000 x 30 = 13.7 days: DSO 73.7 days."""
    m = thirty_day_months()
    metric = countback_dso(
        ending_ar=212_000, sales=[(m[0], 70_000), (m[1], 80_000), (m[2], 100_000)]
    )
    assert metric.value == Decimal("73.71")
    assert [s.days for s in metric.steps[:2]] == [Decimal(30), Decimal(30)]
    assert metric.steps[2].covered == Decimal(32_000)
    assert metric.reason is None


def test_cei_published_example_with_monthly_average_sales() -> None:
    """CreditGuru, "Ratio - Collection Effectiveness Index (CEI)": January to March,
    N = 3, credit sales 10,890, beginning receivables 6,200, ending total 6,340, ending
    current 3,590 -> CEI 55.9%."""
    metric = collection_effectiveness_index(
        beginning_ar=6_200,
        credit_sales=10_890,
        ending_total_ar=6_340,
        ending_current_ar=3_590,
        months=3,
    )
    assert metric.value == Decimal("55.93")
    assert metric.unit == "percent"


def test_cei_published_example_over_one_period() -> None:
    """The same aged trial balance computed with N = 1 (wizedu.com worked answer):
    (6,200 + 10,890 - 6,340) / (6,200 + 10,890 - 3,590) = 10,750 / 13,500 = 79.63%."""
    metric = collection_effectiveness_index(
        beginning_ar=6_200, credit_sales=10_890, ending_total_ar=6_340, ending_current_ar=3_590
    )
    assert metric.value == Decimal("79.63")


def test_cei_published_yearly_example() -> None:
    """Gaviti, "What is Collection Effectiveness Index": beginning receivables $100,000,
    credit sales $1,000,000 over the year, ending total $120,000, ending current
    $100,000 -> 980,000 / 1,000,000 = 98%."""
    metric = collection_effectiveness_index(
        beginning_ar=100_000,
        credit_sales=1_000_000,
        ending_total_ar=120_000,
        ending_current_ar=100_000,
    )
    assert metric.value == Decimal("98.00")


def test_ar_turnover_published_example() -> None:
    """Gaodun CPA question: net credit sales 94% of $1,700,000 = $1,598,000, receivables
    $168,000 at the start and $147,000 at the end (average $157,500) -> 10.15 times."""
    metric = ar_turnover(credit_sales=1_598_000, beginning_ar=168_000, ending_ar=147_000)
    assert metric.value == Decimal("10.15")
    assert metric.inputs["average_ar"] == "157500"


def test_ar_turnover_second_published_example() -> None:
    """Gaodun: net credit sales $3,600,000, average receivables $360,000 -> 10 times."""
    assert ar_turnover(credit_sales=3_600_000, beginning_ar=360_000, ending_ar=360_000).value == (
        Decimal("10.00")
    )


def test_average_days_to_pay_published_example() -> None:
    """ "How to calculate weighted average days to pay": invoices of 1,000, 3,000 and
    2,000 paid in 15, 30 and 45 days -> 195,000 / 6,000 = 32.5 days."""
    metric = average_days_to_pay(invoices=[(1_000, 15), (3_000, 30), (2_000, 45)])
    assert metric.value == Decimal("32.50")
    assert metric.inputs == {"invoices": "3", "weight": "6000", "weighted_days": "195000"}


def test_average_days_to_pay_weighted_and_plain_published_example() -> None:
    """Softrak forum ("days-to-pay"): $100 paid in 10 days and $1,000 in 20 days ->
    21,000 / 1,100 = 19.1 days weighted, 15 days unweighted."""
    pairs = [(100, 10), (1_000, 20)]
    assert average_days_to_pay(invoices=pairs).value == Decimal("19.09")
    assert average_days_to_pay(invoices=pairs, weighted=False).value == Decimal("15.00")


def test_average_days_to_pay_second_weighted_published_example() -> None:
    """Microsoft Dynamics ideas portal: $10 paid in 5 days and $100 in 10 days -> 9.55
    days weighted, 7.5 days unweighted."""
    pairs = [(10, 5), (100, 10)]
    assert average_days_to_pay(invoices=pairs).value == Decimal("9.55")
    assert average_days_to_pay(invoices=pairs, weighted=False).value == Decimal("7.50")


def test_average_days_delinquent_is_dso_less_best_possible_dso() -> None:
    """WayCalculator, "Average Days Delinquent calculator": DSO 7, BPDSO 3 -> ADD 4. With
    ending AR 7, current AR 3, credit sales 30 over 30 days the three metrics give it."""
    figures = {"credit_sales": 30, "days": 30}
    assert dso(ending_ar=7, **figures).value == Decimal("7.00")
    assert best_possible_dso(current_ar=3, **figures).value == Decimal("3.00")
    assert average_days_delinquent(ending_ar=7, current_ar=3, **figures).value == Decimal("4.00")


def test_percent_current_published_aged_trial_balance() -> None:
    """CreditGuru's sample aged trial balance, March: current 3,590 of 6,340 -> 56.62%."""
    assert percent_current(current_ar=3_590, total_ar=6_340).value == Decimal("56.62")


# -- by hand: variants and edge cases ----------------------------------------------------


def test_average_ar_dso_uses_the_mean_of_beginning_and_ending_ar() -> None:
    metric = dso(method="average", beginning_ar=100, ending_ar=200, credit_sales=450, days=90)
    assert metric.value == Decimal("30.00")
    assert metric.inputs["average_ar"] == "150"
    assert metric.name == "dso_average"


def test_best_possible_dso_from_figures() -> None:
    metric = best_possible_dso(current_ar=120_000, credit_sales=1_800_000, days=365)
    assert metric.value == Decimal("24.33")


def test_add_rounds_once_from_the_exact_difference() -> None:
    # DSO 30.4166.. and BPDSO 24.3333..: rounded separately 30.42 - 24.33 = 6.09
    metric = average_days_delinquent(
        ending_ar=150_000, current_ar=120_000, credit_sales=1_800_000, days=365
    )
    assert metric.value == Decimal("6.08")


def test_dso_rounds_an_exact_half_day_fraction_up_once() -> None:
    """3 / 2,920 x 365 = 0.375 exactly: half up gives 0.38. Dividing first (3 / 2,920 =
    0.00102739...) and multiplying the 28-digit quotient by 365 gives 0.37499..., which
    a second rounding turns into 0.37."""
    assert dso(ending_ar=3, credit_sales=2_920, days=365).value == Decimal("0.38")
    assert best_possible_dso(current_ar=3, credit_sales=2_920, days=365).value == Decimal("0.38")
    add = average_days_delinquent(ending_ar=8, current_ar=5, credit_sales=2_920, days=365)
    assert add.value == Decimal("0.38")


def test_cei_rounds_an_exact_half_up_once() -> None:
    """B 0, S 64 over N 3 months, ending total 18, ending current 0:
    (64/3 - 18) / (64/3) x 100 = (10/3) / (64/3) x 100 = 15.625 exactly -> 15.63."""
    metric = collection_effectiveness_index(
        beginning_ar=0, credit_sales=64, ending_total_ar=18, ending_current_ar=0, months=3
    )
    assert metric.value == Decimal("15.63")


def test_countback_rounds_the_pro_rata_period_once() -> None:
    """AR 157 against 1,120 of sales over 28 days: 157 / 1,120 x 28 = 3.925 -> 3.93."""
    february = Period.month(2026, 2)
    assert countback_dso(ending_ar=157, sales=[(february, 1_120)]).value == Decimal("3.93")


def test_weighted_average_days_late_counts_on_time_invoices_as_zero() -> None:
    metric = weighted_average_days_late(invoices=[(100, 10), (1_000, 20), (500, -3)])
    # (100 x 10 + 1000 x 20 + 500 x 0) / 1600 = 13.125
    assert metric.value == Decimal("13.13")


def test_zero_sales_with_receivables_gives_none_with_a_reason() -> None:
    metric = dso(ending_ar=100, credit_sales=0, days=30)
    assert metric.value is None
    assert metric.reason == "credit sales are 0: receivables cannot be expressed in days of sales"


def test_zero_sales_and_zero_receivables_gives_zero() -> None:
    metric = dso(ending_ar=0, credit_sales=0, days=30)
    assert metric.value == Decimal("0.00")
    assert metric.reason == "no receivables and no credit sales: 0 by convention"


def test_countback_stops_at_a_period_without_sales() -> None:
    m = thirty_day_months()
    metric = countback_dso(ending_ar=150, sales=[(m[2], 100), (m[1], 0), (m[0], 500)])
    assert metric.value == Decimal("30.00")
    assert metric.reason is not None
    assert "whose sales are 0; 50 of receivables were not counted" in metric.reason


def test_countback_beyond_all_periods_is_a_lower_bound() -> None:
    m = thirty_day_months()
    metric = countback_dso(ending_ar=1_000, sales=[(m[2], 100), (m[1], 100)])
    assert metric.value == Decimal("60.00")
    assert (
        metric.reason
        == "the receivables exceed all 2 periods of sales by 800; the value is a lower bound"
    )


def test_countback_refuses_overlapping_periods() -> None:
    with pytest.raises(MetricError, match="countback periods overlap"):
        countback_dso(
            ending_ar=10,
            sales=[(Period.month(2026, 3), 5), (SEPT, 5), (Period.quarter(2026, 3), 5)],
        )


def test_countback_needs_sales() -> None:
    with pytest.raises(MetricError, match="needs the sales of one period"):
        countback_dso(ending_ar=10, sales=[])


def test_cei_with_nothing_due_is_none_with_a_reason() -> None:
    metric = collection_effectiveness_index(
        beginning_ar=0, credit_sales=0, ending_total_ar=0, ending_current_ar=0
    )
    assert metric.value is None
    assert metric.reason is not None
    assert "nothing was due for collection" in metric.reason


def test_turnover_with_no_receivables_is_none_with_a_reason() -> None:
    metric = ar_turnover(credit_sales=100, beginning_ar=0, ending_ar=0)
    assert (metric.value, metric.reason) == (
        None,
        "average receivables are 0: turnover is undefined",
    )


def test_days_to_pay_with_no_invoices_is_none_with_a_reason() -> None:
    metric = average_days_to_pay(invoices=[])
    assert metric.value is None
    assert metric.reason == "no invoice was paid in the period: the average is undefined"


def test_missing_figure_is_named() -> None:
    with pytest.raises(MetricError, match="credit_sales is required when no ledger is given"):
        dso(ending_ar=100, days=30)


def test_days_or_period_is_required() -> None:
    with pytest.raises(MetricError, match="give a period or the number of days"):
        dso(ending_ar=100, credit_sales=10)


def test_non_positive_days_are_refused() -> None:
    with pytest.raises(MetricError, match="days must be a positive whole number, not 0"):
        dso(ending_ar=100, credit_sales=10, days=0)


def test_float_figure_is_refused() -> None:
    with pytest.raises(ValueError, match="is a float"):
        dso(ending_ar=100.5, credit_sales=10, days=30)  # type: ignore[arg-type]


def test_figures_in_two_currencies_are_refused() -> None:
    with pytest.raises(
        CurrencyMismatch, match="credit_sales is in EUR but other figures are in USD"
    ):
        dso(ending_ar=A("10.00 USD"), credit_sales=A("10.00 EUR"), days=30)


def test_money_figures_report_their_currency() -> None:
    metric = dso(ending_ar=A("10.00 USD"), credit_sales=A("30.00 USD"), days=30)
    assert (metric.value, metric.currency) == (Decimal("10.00"), "USD")


def test_unknown_dso_method_is_refused() -> None:
    with pytest.raises(MetricError, match="unknown DSO method 'median'"):
        dso(ending_ar=1, credit_sales=1, days=1, method="median")  # type: ignore[arg-type]


def test_ledger_and_figures_together_are_refused() -> None:
    with pytest.raises(MetricError, match=r"give either a ledger or the figures \['ending_ar'\]"):
        dso(Ledger(), period=SEPT, ending_ar=5)


def test_ledger_metrics_need_a_period() -> None:
    with pytest.raises(MetricError, match="DSO from a ledger needs a period"):
        dso(Ledger())


def test_behaviour_days_must_be_whole_numbers() -> None:
    with pytest.raises(MetricError, match=r"invoices\[0\]: days must be a whole number"):
        average_days_to_pay(invoices=[(10, "5")])  # type: ignore[list-item]


# -- from a ledger -------------------------------------------------------------------------


def september_ledger() -> Ledger:
    """C1: 600 EUR owed since August (due 31 Aug), 900 invoiced in September, of which
    the August invoice was paid 20 days late on 20 September; C2: 300 invoiced in
    September, not yet due; a 100 credit memo for C2 in September."""
    return Ledger(
        [
            Invoice(id="I-AUG", customer_id="C1", issue_date=D(2026, 8, 1),
                    due_date=D(2026, 8, 31), total=A("600.00 EUR")),
            Invoice(id="I-SEP", customer_id="C1", issue_date=D(2026, 9, 1),
                    due_date=D(2026, 9, 15), total=A("900.00 EUR")),
            Invoice(id="I-C2", customer_id="C2", issue_date=D(2026, 9, 20),
                    due_date=D(2026, 10, 20), total=A("300.00 EUR")),
            CreditMemo(id="CM-C2", customer_id="C2", issue_date=D(2026, 9, 25),
                       amount=A("100.00 EUR")),
            Payment(id="P1", customer_id="C1", received_on=D(2026, 9, 20),
                    amount=A("600.00 EUR")),
        ],
        movements=[
            Application(id="A1", source_id="P1", target_id="I-AUG", applied_on=D(2026, 9, 20),
                        amount=A("600.00 EUR")),
        ],
    )  # fmt: skip


def test_dso_from_a_ledger_reads_balance_and_net_credit_sales() -> None:
    metric = dso(september_ledger(), period=SEPT)
    # ending AR: 900 (I-SEP) + 300 (I-C2) - 100 (CM) = 1100; net sales 900 + 300 - 100
    assert metric.inputs == {"ending_ar": "1100.00", "credit_sales": "1100.00", "days": "30"}
    assert metric.value == Decimal("30.00")
    assert metric.currency == "EUR"
    assert metric.period == SEPT


def test_average_dso_from_a_ledger_uses_the_balance_before_the_period() -> None:
    metric = dso(september_ledger(), period=SEPT, method="average")
    assert metric.inputs["beginning_ar"] == "600.00"
    # (600 + 1100) / 2 = 850 -> 850 / 1100 x 30 = 23.18
    assert metric.value == Decimal("23.18")


def test_best_possible_dso_from_a_ledger_counts_only_debits_not_yet_due() -> None:
    metric = best_possible_dso(september_ledger(), period=SEPT)
    assert metric.inputs["current_ar"] == "300.00"
    assert metric.value == Decimal("8.18")


def test_add_from_a_ledger() -> None:
    metric = average_days_delinquent(september_ledger(), period=SEPT)
    # (1100 - 300) / 1100 x 30 = 21.818
    assert metric.value == Decimal("21.82")


def test_cei_from_a_ledger_uses_the_months_of_the_period() -> None:
    metric = collection_effectiveness_index(september_ledger(), period=SEPT)
    # (600 + 1100 - 1100) / (600 + 1100 - 300) = 600 / 1400
    assert metric.inputs["months"] == "1"
    assert metric.value == Decimal("42.86")


def test_cei_from_a_ledger_over_a_broken_period_needs_months() -> None:
    with pytest.raises(MetricError, match="not whole calendar months: pass months"):
        collection_effectiveness_index(
            september_ledger(), period=Period.custom(D(2026, 9, 5), D(2026, 9, 30))
        )


def test_turnover_from_a_ledger() -> None:
    metric = ar_turnover(september_ledger(), period=SEPT)
    # 1100 / ((600 + 1100) / 2) = 1.294
    assert metric.value == Decimal("1.29")


def test_days_to_pay_and_days_late_from_a_ledger() -> None:
    ledger = september_ledger()
    assert average_days_to_pay(ledger, period=SEPT).value == Decimal("50.00")
    assert weighted_average_days_late(ledger, period=SEPT).value == Decimal("20.00")
    assert average_days_to_pay(ledger, period=Period.month(2026, 8)).value is None


def test_invoice_closed_by_a_write_off_is_left_out_of_days_to_pay() -> None:
    ledger = september_ledger().apply(
        [WriteOff(id="W1", document_id="I-SEP", written_off_on=D(2026, 9, 2),
                  amount=A("1.00 EUR"), reason_code="SMALL")]
    )  # fmt: skip
    ledger = ledger.add(
        [Payment(id="P2", customer_id="C1", received_on=D(2026, 9, 28), amount=A("899.00 EUR"))]
    ).apply(
        [Application(id="A2", source_id="P2", target_id="I-SEP", applied_on=D(2026, 9, 28),
                     amount=A("899.00 EUR"))]
    )  # fmt: skip
    metric = average_days_to_pay(ledger, period=SEPT)
    assert metric.inputs["invoices"] == "1"
    assert metric.inputs["left_out_written_off"] == "1"


def test_percent_current_from_a_ledger() -> None:
    metric = percent_current(september_ledger(), as_of=D(2026, 9, 30))
    # current 300 of open debits 1200
    assert metric.value == Decimal("25.00")


def test_countback_from_a_ledger_walks_back_calendar_months() -> None:
    metric = countback_dso(september_ledger(), as_of=D(2026, 9, 30), months=3)
    # AR 1100 against September's net sales 1100: exactly the 30 days of September
    assert metric.value == Decimal("30.00")
    assert list(metric.inputs)[2:] == [
        "sales 2026-09-01..2026-09-30",
        "sales 2026-08-01..2026-08-31",
        "sales 2026-07-01..2026-07-31",
    ]


def test_countback_from_a_ledger_needs_as_of() -> None:
    with pytest.raises(MetricError, match="needs as_of"):
        countback_dso(Ledger())


def test_metrics_per_customer() -> None:
    ledger = september_ledger()
    c2 = dso(ledger, period=SEPT, customer_id="C2")
    # C2: AR 300 - 100 = 200 against net sales 200
    assert c2.inputs["ending_ar"] == "200.00"
    assert c2.customer_id == "C2"
    assert percent_current(ledger, as_of=D(2026, 9, 30), customer_id="C1").value == Decimal("0.00")


def test_empty_ledger_gives_zeros_for_the_dso_family() -> None:
    for metric in (
        dso(Ledger(), period=SEPT),
        best_possible_dso(Ledger(), period=SEPT),
        average_days_delinquent(Ledger(), period=SEPT),
        countback_dso(Ledger(), as_of=D(2026, 9, 30)),
        percent_current(Ledger(), as_of=D(2026, 9, 30)),
    ):
        assert metric.value == Decimal("0.00"), metric.name


def test_empty_ledger_gives_none_with_reasons_for_ratios_over_nothing() -> None:
    for metric in (
        collection_effectiveness_index(Ledger(), period=SEPT),
        ar_turnover(Ledger(), period=SEPT),
        average_days_to_pay(Ledger(), period=SEPT),
        weighted_average_days_late(Ledger(), period=SEPT),
    ):
        assert metric.value is None
        assert metric.reason


def test_period_before_any_document_is_fine() -> None:
    assert dso(september_ledger(), period=Period.month(2020, 1)).value == Decimal("0.00")


def test_ledger_in_two_currencies_needs_a_currency() -> None:
    ledger = september_ledger().add(
        [Invoice(id="I-USD", customer_id="C3", issue_date=D(2026, 9, 2), total=A("50.00 USD"))]
    )
    with pytest.raises(CurrencyMismatch, match=r"amounts in \['EUR', 'USD'\]: name a currency"):
        dso(ledger, period=SEPT)


def test_reporting_currency_without_a_rate_names_the_currency_and_date() -> None:
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 9, 30), rate=Decimal("1.1"))])
    with pytest.raises(MissingRate, match="EUR->USD on or before 2026-09-01"):
        dso(september_ledger(), period=SEPT, currency="USD", rates=rates)


def test_ledger_metrics_convert_sales_at_their_dates_and_balances_at_the_end() -> None:
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 8, 1), rate=Decimal("1.1"))])
    metric = dso(september_ledger(), period=SEPT, currency="USD", rates=rates)
    assert metric.inputs["ending_ar"] == "1210.00"
    assert metric.inputs["credit_sales"] == "1210.00"
    assert metric.currency == "USD"


def test_metric_round_trips_through_json_with_exact_values() -> None:
    metric = countback_dso(ending_ar=212_000, sales=[(p, 70_000) for p in thirty_day_months()])
    text = metric.model_dump_json()
    assert '"value":"90.00"' in text
    assert type(metric).model_validate_json(text) == metric


# -- excluding disputed amounts (issue 12, part 4) -------------------------------------------


def disputed_ledger() -> Ledger:
    """C1 in USD. INV-1: 1,000.00 issued 1 Aug, due 31 Aug, 300.00 disputed since 20 Aug,
    400.00 paid on 25 Sep. INV-2: 2,000.00 issued 10 Sep, due 10 Oct, 500.00 disputed
    since 20 Sep. INV-3: 1,000.00 issued 15 Sep, due 15 Oct, not disputed.

    On 30 Sep: open 600 + 2,000 + 1,000 = 3,600 (current 3,000), disputed 300 + 500 = 800
    (current 500). On 31 Aug: open 1,000, disputed 300. September credit sales 3,000."""
    return Ledger(
        [
            Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 8, 1),
                    due_date=D(2026, 8, 31), total=A("1000.00 USD")),
            Invoice(id="INV-2", customer_id="C1", issue_date=D(2026, 9, 10),
                    due_date=D(2026, 10, 10), total=A("2000.00 USD")),
            Invoice(id="INV-3", customer_id="C1", issue_date=D(2026, 9, 15),
                    due_date=D(2026, 10, 15), total=A("1000.00 USD")),
            Payment(id="P1", customer_id="C1", received_on=D(2026, 9, 25),
                    amount=A("400.00 USD")),
        ],
        movements=[
            Application(id="A1", source_id="P1", target_id="INV-1", applied_on=D(2026, 9, 25),
                        amount=A("400.00 USD")),
        ],
        disputes=[
            Dispute(id="D1", customer_id="C1", document_id="INV-1", amount=A("300.00 USD"),
                    reason_code="PRICE", opened_on=D(2026, 8, 20)),
            Dispute(id="D2", customer_id="C1", document_id="INV-2", amount=A("500.00 USD"),
                    reason_code="DAMAGED", opened_on=D(2026, 9, 20)),
        ],
    )  # fmt: skip


def test_dso_excluding_disputes_takes_the_disputed_part_out_of_ending_ar() -> None:
    ledger = disputed_ledger()
    # 3,600 / 3,000 x 30 = 36.00; (3,600 - 800) / 3,000 x 30 = 28.00
    assert dso(ledger, period=SEPT).value == Decimal("36.00")
    metric = dso(ledger, period=SEPT, exclude_disputed=True)
    assert metric.value == Decimal("28.00")
    assert metric.inputs == {
        "ending_ar": "2800.00",
        "credit_sales": "3000.00",
        "days": "30",
        "exclude_disputed": "true",
        "disputed_ending_ar": "800.00",
    }
    assert metric.reason == (
        "disputed amounts excluded (as asked): ending_ar 2800.00 = 3600.00 less 800.00"
        " under open dispute on 2026-09-30; credit sales as invoiced"
    )


def test_average_dso_excluding_disputes_uses_the_disputes_open_on_each_date() -> None:
    ledger = disputed_ledger()
    # (1,000 + 3,600) / 2 / 3,000 x 30 = 23.00; ((1,000 - 300) + 2,800) / 2 = 1,750 -> 17.50
    assert dso(ledger, period=SEPT, method="average").value == Decimal("23.00")
    metric = dso(ledger, period=SEPT, method="average", exclude_disputed=True)
    assert metric.value == Decimal("17.50")
    assert metric.inputs["beginning_ar"] == "700.00"
    assert metric.inputs["disputed_beginning_ar"] == "300.00"
    assert metric.inputs["average_ar"] == "1750.00"
    assert metric.reason is not None
    assert "beginning_ar 700.00 = 1000.00 less 300.00 under open dispute on 2026-08-31" in (
        metric.reason
    )


def test_best_possible_dso_excluding_disputes_takes_only_the_current_disputed_part() -> None:
    ledger = disputed_ledger()
    # current 3,000 / 3,000 x 30 = 30.00; (3,000 - 500) / 3,000 x 30 = 25.00
    assert best_possible_dso(ledger, period=SEPT).value == Decimal("30.00")
    metric = best_possible_dso(ledger, period=SEPT, exclude_disputed=True)
    assert metric.value == Decimal("25.00")
    assert metric.inputs["current_ar"] == "2500.00"
    assert metric.inputs["disputed_current_ar"] == "500.00"


def test_add_excluding_disputes_counts_only_undisputed_past_due() -> None:
    ledger = disputed_ledger()
    # (3,600 - 3,000) / 3,000 x 30 = 6.00; (2,800 - 2,500) / 3,000 x 30 = 3.00
    assert average_days_delinquent(ledger, period=SEPT).value == Decimal("6.00")
    metric = average_days_delinquent(ledger, period=SEPT, exclude_disputed=True)
    assert metric.value == Decimal("3.00")
    assert metric.inputs["disputed_ending_ar"] == "800.00"
    assert metric.inputs["disputed_current_ar"] == "500.00"


def test_cei_excluding_disputes_removes_them_from_what_was_collectable() -> None:
    ledger = disputed_ledger()
    # (1,000 + 3,000 - 3,600) / (1,000 + 3,000 - 3,000) = 400 / 1,000 = 40.00
    # (700 + 3,000 - 2,800) / (700 + 3,000 - 2,500) = 900 / 1,200 = 75.00
    assert collection_effectiveness_index(ledger, period=SEPT).value == Decimal("40.00")
    metric = collection_effectiveness_index(ledger, period=SEPT, exclude_disputed=True)
    assert metric.value == Decimal("75.00")
    assert metric.inputs["beginning_ar"] == "700.00"
    assert metric.inputs["ending_total_ar"] == "2800.00"
    assert metric.inputs["ending_current_ar"] == "2500.00"


def test_countback_excluding_disputes_counts_back_the_undisputed_ar() -> None:
    ledger = disputed_ledger()
    # 3,600: September's 3,000 covers 30 days, 600 of August's 1,000 covers 18.6 of 31
    assert countback_dso(ledger, as_of=D(2026, 9, 30), months=2).value == Decimal("48.60")
    # 2,800 of September's 3,000: 2,800 / 3,000 x 30 = 28.00
    metric = countback_dso(ledger, as_of=D(2026, 9, 30), months=2, exclude_disputed=True)
    assert metric.value == Decimal("28.00")
    assert metric.inputs["ending_ar"] == "2800.00"
    assert metric.inputs["disputed_ending_ar"] == "800.00"


def test_turnover_excluding_disputes() -> None:
    ledger = disputed_ledger()
    # 3,000 / ((1,000 + 3,600) / 2) = 1.304; 3,000 / ((700 + 2,800) / 2) = 1.714
    assert ar_turnover(ledger, period=SEPT).value == Decimal("1.30")
    assert ar_turnover(ledger, period=SEPT, exclude_disputed=True).value == Decimal("1.71")


def test_percent_current_excluding_disputes_is_the_share_of_collectable_ar() -> None:
    ledger = disputed_ledger()
    as_of = D(2026, 9, 30)
    # 3,000 / 3,600 = 83.33 %; (3,000 - 500) / (3,600 - 800) = 2,500 / 2,800 = 89.29 %
    assert percent_current(ledger, as_of=as_of).value == Decimal("83.33")
    metric = percent_current(ledger, as_of=as_of, exclude_disputed=True)
    assert metric.value == Decimal("89.29")
    assert metric.inputs == {
        "current_ar": "2500.00",
        "total_ar": "2800.00",
        "exclude_disputed": "true",
        "disputed_current_ar": "500.00",
        "disputed_total_ar": "800.00",
    }
    assert metric.reason is not None
    assert "credit sales" not in metric.reason


def test_excluding_disputes_without_any_dispute_says_so_and_changes_nothing() -> None:
    metric = dso(september_ledger(), period=SEPT, exclude_disputed=True)
    assert metric.value == Decimal("30.00")
    assert metric.inputs["disputed_ending_ar"] == "0"
    assert metric.reason is not None
    assert metric.reason.startswith("disputed amounts excluded (as asked)")


def test_a_dispute_resolved_before_the_end_is_not_excluded() -> None:
    ledger = disputed_ledger()
    resolved = ledger.disputes[1].resolve(on=D(2026, 9, 28), resolution=DisputeResolution.WITHDRAWN)
    ledger = ledger.with_records(disputes=[resolved])
    metric = dso(ledger, period=SEPT, exclude_disputed=True)
    # only D1's 300.00 is open on 30 Sep: (3,600 - 300) / 3,000 x 30 = 33.00
    assert metric.inputs["disputed_ending_ar"] == "300.00"
    assert metric.value == Decimal("33.00")


def test_a_dispute_is_capped_at_what_is_open() -> None:
    ledger = disputed_ledger().add(
        [Payment(id="P2", customer_id="C1", received_on=D(2026, 9, 28), amount=A("500.00 USD"))]
    )
    ledger = ledger.apply(
        [Application(id="A2", source_id="P2", target_id="INV-1", applied_on=D(2026, 9, 28),
                     amount=A("500.00 USD"))]
    )  # fmt: skip
    # INV-1 has 100.00 open, so only 100.00 of D1's 300.00 is disputed; with D2: 600.00
    metric = dso(ledger, period=SEPT, exclude_disputed=True)
    assert metric.inputs["disputed_ending_ar"] == "600.00"
    assert metric.inputs["ending_ar"] == "2500.00"


def test_excluding_disputes_for_one_customer_leaves_others_disputes_out() -> None:
    ledger = disputed_ledger().add(
        [Invoice(id="INV-9", customer_id="C2", issue_date=D(2026, 9, 1), total=A("50.00 USD"))]
    ).with_records(
        disputes=[Dispute(id="D9", customer_id="C2", document_id="INV-9", amount=A("50.00 USD"),
                          reason_code="PRICE", opened_on=D(2026, 9, 2))]
    )  # fmt: skip
    metric = dso(ledger, period=SEPT, customer_id="C1", exclude_disputed=True)
    assert metric.inputs["disputed_ending_ar"] == "800.00"
    assert metric.value == Decimal("28.00")


def test_excluded_disputes_are_converted_at_the_balance_date() -> None:
    ledger = disputed_ledger().add(
        [Invoice(id="INV-E", customer_id="C1", issue_date=D(2026, 9, 1), due_date=D(2026, 9, 15),
                 total=A("100.00 EUR"))]
    ).with_records(
        disputes=[Dispute(id="DE", customer_id="C1", document_id="INV-E", amount=A("40.00 EUR"),
                          reason_code="PRICE", opened_on=D(2026, 9, 5))]
    )  # fmt: skip
    rates = FxRates(
        rates=[
            FxRate(base="EUR", quote="USD", on=D(2026, 9, 1), rate=Decimal("1.10")),
            FxRate(base="EUR", quote="USD", on=D(2026, 9, 30), rate=Decimal("1.20")),
        ]
    )
    metric = dso(ledger, period=SEPT, currency="USD", rates=rates, exclude_disputed=True)
    # 800.00 USD + 40 EUR x 1.20 = 848.00; ending AR 3,600 + 120 - 848 = 2,872
    assert metric.inputs["disputed_ending_ar"] == "848.00"
    assert metric.inputs["ending_ar"] == "2872.00"


def test_excluding_disputes_from_hand_given_figures_is_refused() -> None:
    with pytest.raises(MetricError, match="exclude_disputed needs a ledger") as caught:
        dso(ending_ar=100, credit_sales=100, days=30, exclude_disputed=True)
    assert caught.value.field == "exclude_disputed"
    for call in (
        lambda: best_possible_dso(current_ar=1, credit_sales=1, days=1, exclude_disputed=True),
        lambda: percent_current(current_ar=1, total_ar=2, exclude_disputed=True),
        lambda: countback_dso(
            ending_ar=1, sales=[(thirty_day_months()[0], 1)], exclude_disputed=True
        ),
    ):
        with pytest.raises(MetricError, match="exclude_disputed needs a ledger"):
            call()


def test_ledger_metrics_do_not_depend_on_the_callers_decimal_context() -> None:
    """Ending AR 123,456.79 over credit sales 123,456.79 in September: 30 days whatever
    precision the caller runs at (at 5 digits the sums became 1.2346E+5)."""
    import decimal

    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C1", issue_date=D(2026, 9, 5), total="123456.78 USD"),
            Invoice(id="I2", customer_id="C1", issue_date=D(2026, 9, 6), total="0.01 USD"),
        ]
    )

    def run() -> tuple[object, ...]:
        return (
            dso(ledger, period=SEPT),
            collection_effectiveness_index(ledger, period=SEPT),
            countback_dso(ledger, as_of=SEPT.end, months=2),
            percent_current(ledger, as_of=SEPT.end),
        )

    expected = run()
    assert expected[0].inputs["ending_ar"] == "123456.79"
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_DOWN):
        assert run() == expected
