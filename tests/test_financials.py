"""Ratios and Altman Z-scores, checked against published worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.financials import (
    AltmanModel,
    FinancialStatements,
    MissingStatementLine,
    altman_z,
    altman_z_from_ratios,
    cash_ratio,
    current_ratio,
    days_inventory_outstanding,
    days_payables_outstanding,
    days_sales_outstanding,
    debt_ratio,
    debt_to_equity,
    gross_margin,
    interest_coverage,
    net_margin,
    quick_ratio,
    ratio_table,
    return_on_assets,
    tangible_net_worth,
    working_capital,
)
from receivables.money import Money

D = Decimal


def fs(**lines: str) -> FinancialStatements:
    return FinancialStatements.model_validate({"currency": "USD", "id": "T", **lines})


# A published set of statement figures: Bartleby, "Financial Ratios: Current Ratio"
# (https://www.bartleby.com/essay/Financial-Ratios-Current-Ratio-P3NQMBW3FVDX):
# current assets 18,720; current liabilities 17,089; inventories 3,581; revenue 65,492;
# gross profit 34,201 (so COGS 31,291); net income 6,214; total liabilities 52,344;
# total assets 74,638.
BARTLEBY = fs(
    current_assets="18720",
    current_liabilities="17089",
    inventory="3581",
    revenue="65492",
    cost_of_goods_sold="31291",
    net_income="6214",
    total_liabilities="52344",
    total_assets="74638",
    total_equity="22294",
)


def test_current_ratio_matches_published_example() -> None:
    """Bartleby example: 18,720 / 17,089 = 1.0954."""
    assert current_ratio(BARTLEBY).value == D("1.0954")


def test_quick_ratio_matches_published_example() -> None:
    """Bartleby example: (18,720 - 3,581) / 17,089 = 0.8859."""
    assert quick_ratio(BARTLEBY).value == D("0.8859")


def test_gross_margin_matches_published_example() -> None:
    """Bartleby example: gross profit 34,201 / sales 65,492 = 0.5222."""
    assert gross_margin(BARTLEBY).value == D("0.5222")


def test_net_margin_matches_published_example() -> None:
    """Bartleby example: 6,214 / 65,492 = 0.0949."""
    assert net_margin(BARTLEBY).value == D("0.0949")


def test_debt_ratio_matches_published_example() -> None:
    """Bartleby example: 52,344 / 74,638 = 0.7013."""
    assert debt_ratio(BARTLEBY).value == D("0.7013")


def test_debt_to_equity_uses_book_equity() -> None:
    """Bartleby figures, equity = 74,638 - 52,344 = 22,294: 52,344 / 22,294 = 2.3479."""
    assert debt_to_equity(BARTLEBY).value == D("2.3479")


def test_current_ratio_and_interest_coverage_of_second_published_example() -> None:
    """Scribd 'Ratio' worksheet (document 425681664): current assets 850,000 / current
    liabilities 300,000 = 2.83; quick assets 600,000 / 300,000 = 2; EBIT 300,000 /
    interest 20,000 = 15 times; liabilities 700,000 / assets 1,400,000 = 50%."""
    s = fs(
        current_assets="850000",
        current_liabilities="300000",
        inventory="250000",
        ebit="300000",
        interest_expense="20000",
        total_liabilities="700000",
        total_assets="1400000",
    )
    assert current_ratio(s).value == D("2.8333")
    assert quick_ratio(s).value == D("2.0000")
    assert interest_coverage(s).value == D("15.0000")
    assert debt_ratio(s).value == D("0.5000")


def test_cash_ratio_counts_marketable_securities() -> None:
    """(120 + 30) / 300 = 0.5."""
    s = fs(cash="120", marketable_securities="30", current_liabilities="300")
    assert cash_ratio(s).value == D("0.5000")


def test_return_on_assets_is_net_income_over_assets() -> None:
    """6,214 / 74,638 = 0.08326... -> 0.0833."""
    assert return_on_assets(BARTLEBY).value == D("0.0833")


def test_working_capital_and_tangible_net_worth_are_money() -> None:
    """18,720 - 17,089 = 1,631; equity 22,294 - intangibles 4,000 = 18,294."""
    assert working_capital(BARTLEBY) == Money("1631.00", "USD")
    s = fs(total_equity="22294", intangible_assets="4000")
    assert tangible_net_worth(s) == Money("18294.00", "USD")


def test_dso_matches_published_example() -> None:
    """Captain Calculator, 'Days Sales Outstanding': AR 3,000, annual sales 16,000;
    3,000 / (16,000 / 365) = 68.4375 days (the page shows 68.45 after rounding daily
    sales to 43.836 first; we round once, at the end)."""
    assert days_sales_outstanding(fs(accounts_receivable="3000", revenue="16000")).value == D(
        "68.44"
    )


def test_dso_of_round_number_company() -> None:
    """Income-Outcome glossary, 'Days Sales in Receivables': sales 200, receivables 40:
    40 / (200 / 365) = 73 days."""
    assert days_sales_outstanding(fs(accounts_receivable="40", revenue="200")).value == D("73.00")


def test_dio_dso_dpo_with_average_balances_match_published_example() -> None:
    """Farlex Financial Dictionary, "Days' sales outstanding" (cash conversion cycle
    example): revenue 12,000, COGS 4,000; inventory 1,600 and 2,500 (average 2,050),
    receivables 680 and 640 (average 660), payables 1,100 and 1,300 (average 1,200);
    DIO 187.1, DSO 20.1, DPO 109.5 days."""
    this_year = fs(
        revenue="12000",
        cost_of_goods_sold="4000",
        inventory="1600",
        accounts_receivable="680",
        accounts_payable="1100",
    )
    last_year = fs(inventory="2500", accounts_receivable="640", accounts_payable="1300")
    assert days_inventory_outstanding(this_year, prior=last_year).value == D("187.06")
    assert days_sales_outstanding(this_year, prior=last_year).value == D("20.08")
    assert days_payables_outstanding(this_year, prior=last_year).value == D("109.50")


def test_day_counts_use_the_statement_period() -> None:
    """A half-year statement: 50 / 180 x 182 days = 50.56 days."""
    s = FinancialStatements(
        currency="USD", period_days=182, accounts_receivable="50", revenue="180"
    )
    assert days_sales_outstanding(s).value == D("50.56")
    assert "x 182" in days_sales_outstanding(s).formula


def test_zero_denominator_gives_none_with_reason() -> None:
    ratio = interest_coverage(fs(ebit="100", interest_expense="0"))
    assert ratio.value is None
    assert ratio.reason == "interest_expense is zero: the ratio is undefined"


def test_missing_line_names_the_line() -> None:
    with pytest.raises(MissingStatementLine, match="inventory: needed for quick_ratio") as info:
        quick_ratio(fs(current_assets="1", current_liabilities="1"))
    assert info.value.field == "inventory"
    assert info.value.document_id == "T"


def test_ratio_table_lists_what_was_skipped() -> None:
    ratios, skipped = ratio_table(BARTLEBY)
    names = [r.name for r in ratios]
    assert "current_ratio" in names
    assert "interest_coverage" not in names
    assert (
        "interest_coverage: statements T: ebit: needed for interest_coverage but not given"
        in skipped
    )


def test_statements_refuse_another_currency_and_negative_assets() -> None:
    with pytest.raises(ValidationError, match="cash: is in EUR"):
        FinancialStatements(currency="USD", cash=Money("1", "EUR"))
    with pytest.raises(ValidationError, match="total_assets"):
        FinancialStatements(currency="USD", total_assets="-1")


def test_statements_refuse_floats() -> None:
    with pytest.raises(ValidationError, match="float"):
        FinancialStatements.model_validate({"currency": "USD", "cash": 1.5})


def test_losses_may_be_negative() -> None:
    s = fs(net_income="-50", revenue="1000")
    assert net_margin(s).value == D("-0.0500")


def test_prior_statements_in_another_currency_are_refused() -> None:
    prior = FinancialStatements(currency="EUR", accounts_receivable="1")
    with pytest.raises(ValueError, match="prior statements are in EUR"):
        days_sales_outstanding(fs(accounts_receivable="1", revenue="1"), prior=prior)


def test_refusals_are_receivables_errors_naming_the_statements_and_the_line() -> None:
    """Zero total assets, a prior set in another currency and an X5 for Z'' are refused
    with a ReceivablesError (still a ValueError) whose document_id is the statements' id
    and whose field is the line at fault."""
    from receivables.errors import ReceivablesError

    s = FinancialStatements(
        id="ACME-2025",
        currency="USD",
        current_assets="0",
        current_liabilities="0",
        total_assets="0",
        retained_earnings="0",
        ebit="0",
        total_liabilities="5",
        total_equity="5",
        accounts_receivable="1",
        revenue="1",
    )
    with pytest.raises(ReceivablesError) as zero:
        altman_z(s, AltmanModel.Z_DOUBLE_PRIME)
    assert (zero.value.document_id, zero.value.field) == ("ACME-2025", "total_assets")
    prior = FinancialStatements(id="ACME-2024", currency="EUR", accounts_receivable="1")
    with pytest.raises(ReceivablesError) as mixed:
        days_sales_outstanding(s, prior=prior)
    assert (mixed.value.document_id, mixed.value.field) == ("ACME-2024", "currency")
    with pytest.raises(ReceivablesError) as x5:
        altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME, x1=0, x2=0, x3=0, x4=0, x5=1)
    assert x5.value.field == "x5"
    assert all(isinstance(e.value, ValueError) for e in (zero, mixed, x5))


# --- Altman --------------------------------------------------------------------------


def test_altman_z_textbook_example_in_distress() -> None:
    """Saunders & Cornett, Financial Institutions Management (ch. 'Credit Risk: Individual
    Loan Risk'): X1 = .2, X2 = 0, X3 = -.20, X4 = .10, X5 = 2.0 gives
    Z = .24 + 0 - .66 + .06 + 2.0 = 1.64, below 1.81: distress."""
    r = altman_z_from_ratios(AltmanModel.Z, x1="0.2", x2="0", x3="-0.20", x4="0.10", x5="2.0")
    assert r.score == D("1.6400")
    assert r.zone == "distress"
    assert [c.contribution for c in r.components] == [
        D("0.24"),
        D("0.0"),
        D("-0.660"),
        D("0.060"),
        D("2.00"),
    ]


def test_altman_z_published_example_in_grey_zone() -> None:
    """AssignmentExpert question 122120: X1 .2, X2 0, X3 .2, X4 .1, X5 2.0 -> Z = 2.96."""
    r = altman_z_from_ratios(AltmanModel.Z, x1="0.2", x2="0", x3="0.2", x4="0.1", x5="2.0")
    assert r.score == D("2.9600")
    assert r.zone == "grey"


def test_altman_z_second_published_example() -> None:
    """Quesba: X1 .20, X2 .30, X3 .23, X4 .50, X5 .8 -> Z = 2.519 (grey)."""
    r = altman_z_from_ratios(AltmanModel.Z, x1="0.20", x2="0.30", x3="0.23", x4="0.50", x5="0.8")
    assert r.score == D("2.5190")
    assert r.zone == "grey"


def test_altman_z_from_statements_published_example() -> None:
    """Numerade: WC 5,100, RE 16,900, EBIT 8,800, TA 72,000, equity 27,000, TL 66,000,
    sales/TA 1.0 -> Z = 0.085 + 0.329 + 0.403 + 0.245 + 1.0 = 2.062."""
    s = fs(
        current_assets="15100",
        current_liabilities="10000",
        retained_earnings="16900",
        ebit="8800",
        total_assets="72000",
        market_value_of_equity="27000",
        total_liabilities="66000",
        revenue="72000",
    )
    r = altman_z(s, AltmanModel.Z)
    assert r.score.quantize(D("0.001")) == D("2.062")
    assert r.zone == "grey"


def test_altman_zone_boundaries_are_inclusive_grey() -> None:
    """Z = 1.81 exactly and 2.99 exactly are grey; the zone uses the exact score."""
    low = altman_z_from_ratios(AltmanModel.Z, x1="0", x2="0", x3="0", x4="0", x5="1.81")
    high = altman_z_from_ratios(AltmanModel.Z, x1="0", x2="0", x3="0", x4="0", x5="2.99")
    just_above = altman_z_from_ratios(AltmanModel.Z, x1="0", x2="0", x3="0", x4="0", x5="2.99001")
    assert (low.zone, high.zone, just_above.zone) == ("grey", "grey", "safe")


def test_altman_z_prime_uses_book_equity_and_its_coefficients() -> None:
    """No published Z' example with its result was found; by hand from Altman (2000):
    X = (.1, .1, .1, 1, 1.5): .0717 + .0847 + .3107 + .42 + 1.497 = 2.3841 (grey,
    1.23-2.90)."""
    s = fs(
        current_assets="200",
        current_liabilities="100",
        total_assets="1000",
        retained_earnings="100",
        ebit="100",
        total_liabilities="500",
        total_equity="500",
        revenue="1500",
    )
    r = altman_z(s, AltmanModel.Z_PRIME)
    assert r.score == D("2.3841")
    assert r.zone == "grey"
    assert (r.distress_below, r.safe_above) == (D("1.23"), D("2.90"))


def test_altman_z_double_prime_has_four_terms() -> None:
    """By hand from Altman (2000): X = (.1, .2, .1, 1.5): .656 + .652 + .672 + 1.575 =
    3.555 (safe, above 2.60); the EM variant adds 3.25: 6.805 (safe, above 5.85)."""
    args = {"x1": "0.1", "x2": "0.2", "x3": "0.1", "x4": "1.5"}
    r = altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME, **args)
    em = altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME_EM, **args)
    assert (r.score, r.zone, len(r.components)) == (D("3.5550"), "safe", 4)
    assert (em.score, em.zone, em.constant) == (D("6.8050"), "safe", D("3.25"))


def test_altman_z_double_prime_distress() -> None:
    """X = (-.1, -.2, -.05, .3): -.656 - .652 - .336 + .315 = -1.329: distress."""
    r = altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME, x1="-0.1", x2="-0.2", x3="-0.05", x4="0.3")
    assert (r.score, r.zone) == (D("-1.3290"), "distress")


def test_altman_z_needs_market_value_of_equity() -> None:
    s = fs(
        current_assets="2",
        current_liabilities="1",
        total_assets="10",
        retained_earnings="1",
        ebit="1",
        total_liabilities="5",
        total_equity="5",
        revenue="10",
    )
    with pytest.raises(MissingStatementLine, match="market_value_of_equity"):
        altman_z(s, AltmanModel.Z)


def test_altman_zero_total_assets_is_refused() -> None:
    s = fs(
        current_assets="0",
        current_liabilities="0",
        total_assets="0",
        retained_earnings="0",
        ebit="0",
        total_liabilities="5",
        total_equity="5",
    )
    with pytest.raises(ValueError, match="total_assets: is zero"):
        altman_z(s, AltmanModel.Z_DOUBLE_PRIME)


def test_altman_x5_is_refused_for_four_variable_models_and_required_otherwise() -> None:
    with pytest.raises(ValueError, match="no X5"):
        altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME, x1=0, x2=0, x3=0, x4=0, x5=1)
    with pytest.raises(MissingStatementLine):
        altman_z_from_ratios(AltmanModel.Z, x1=0, x2=0, x3=0, x4=0)


def test_altman_refuses_float_ratios() -> None:
    with pytest.raises(TypeError, match="float"):
        altman_z_from_ratios(AltmanModel.Z, x1=0.2, x2=0, x3=0, x4=0, x5=1)  # type: ignore[arg-type]


def test_altman_rows_show_the_arithmetic() -> None:
    r = altman_z_from_ratios(AltmanModel.Z_DOUBLE_PRIME_EM, x1=0, x2=0, x3=0, x4=0)
    rows = r.to_rows()
    assert rows[-2] == {
        "term": "constant",
        "formula": "",
        "ratio": "",
        "coefficient": "",
        "contribution": "3.25",
    }
    assert rows[-1]["contribution"] == "3.2500"
    assert r.zone == "distress"
