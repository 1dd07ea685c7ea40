"""Late-payment interest: statutes as data, dated reference rates, day ranges, one rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.errors import CurrencyMismatch
from receivables.interest import (
    DE_BGB_288_B2B,
    DE_BGB_288_B2C,
    EU_DIRECTIVE_2011_7,
    UK_LATE_PAYMENT_ACT,
    BalanceChange,
    CompensationTier,
    DayCount,
    InvalidInterestInput,
    LatePaymentLaw,
    MissingReferenceRate,
    ReferenceRate,
    ReferenceRates,
    balance_schedule,
    contractual_rate,
    earns_interest,
    fixed_compensation,
    interest_on_balances,
    late_payment_interest,
    year_fraction,
)
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    DebitMemo,
    DebitReason,
    Dispute,
    Invoice,
    Payment,
)
from receivables.money import FxRate, FxRates, Money


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


def rate(source: str, valid_from: date, value: str, valid_to: date | None = None) -> ReferenceRate:
    return ReferenceRate(
        source=source, valid_from=valid_from, rate=Decimal(value), valid_to=valid_to
    )


# Bundesbank Basiszinssatz (BGB § 247), as announced in the Bundesanzeiger.
BASISZINS = ReferenceRates(
    rates=[
        rate("DE_BASISZINSSATZ", date(2012, 1, 1), "0.12", date(2012, 12, 31)),
        rate("DE_BASISZINSSATZ", date(2021, 1, 1), "-0.88", date(2022, 12, 31)),
        rate("DE_BASISZINSSATZ", date(2024, 1, 1), "3.62", date(2024, 6, 30)),
        rate("DE_BASISZINSSATZ", date(2024, 7, 1), "3.37", date(2024, 12, 31)),
    ]
)
# ECB main refinancing operations rate, by the date each change took effect.
ECB = ReferenceRates(
    rates=[
        rate("ECB_MRO", date(2023, 9, 20), "4.50"),
        rate("ECB_MRO", date(2024, 6, 12), "4.25"),
        rate("ECB_MRO", date(2024, 9, 18), "3.65"),
        rate("ECB_MRO", date(2024, 10, 23), "3.40"),
    ]
)


def one_invoice(
    total: str, due: date, *movements: Application, docs: tuple[Payment | CreditMemo, ...] = ()
) -> Ledger:
    inv = Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=date(due.year - 1, 12, 1),
        due_date=due,
        total=total,
    )
    return Ledger([inv, *docs], movements=movements)


def test_uk_worked_example_1000_pounds_30_days_at_12_percent_is_9_86() -> None:
    """Daniels Silverman, "Statutory Interest calculator" (danielssilverman.co.uk/interest.php):
    base rate 4 % + 8 % = 12 %; debt GBP 1,000; 30 days late: 1000 x 12 % / 365 x 30 = 9.86.
    Late Payment of Commercial Debts (Interest) Act 1998 s. 4; Order 2002 art. 4."""
    boe = ReferenceRates(rates=[rate("BOE_BANK_RATE", date(2007, 7, 5), "4")])
    ledger = one_invoice("1000.00 GBP", date(2008, 1, 31))
    result = late_payment_interest(
        ledger, "INV-1", as_of=date(2008, 3, 1), law=UK_LATE_PAYMENT_ACT, rates=boe
    )
    assert result.days == 30
    assert result.periods[0].annual_rate == Decimal(12)
    assert result.interest == M("9.86 GBP")
    assert result.compensation == M("70.00 GBP")


def test_german_worked_example_consumer_1000_euro_25_days_at_5_12_percent_is_3_51() -> None:
    """anleiter.de, "Wie berechnet man Verzugszinsen?": EUR 1,000 from a consumer business,
    25 days late, Verzugszinssatz 5.12 % (Basiszinssatz 0.12 % + 5 points, BGB § 288(1)):
    EUR 3.51."""
    ledger = one_invoice("1000.00 EUR", date(2012, 3, 1))
    result = late_payment_interest(
        ledger, "INV-1", as_of=date(2012, 3, 26), law=DE_BGB_288_B2C, rates=BASISZINS
    )
    assert result.interest == M("3.51 EUR")
    assert result.compensation is None  # § 288(5): no Pauschale against a consumer


def test_german_b2b_adds_nine_points_and_the_40_euro_pauschale() -> None:
    """BGB § 288(2) and (5): 1000 x 9.12 % x 25/365 = 6.2465... -> EUR 6.25, plus EUR 40."""
    ledger = one_invoice("1000.00 EUR", date(2012, 3, 1))
    result = late_payment_interest(
        ledger, "INV-1", as_of=date(2012, 3, 26), law=DE_BGB_288_B2B, rates=BASISZINS
    )
    assert result.interest == M("6.25 EUR")
    assert result.compensation == M("40.00 EUR")


def test_payment_day_counts_as_a_late_day() -> None:
    """wirtschaftswissen.de, "Verzugszinsen berechnen": due 01.07.2021, paid 05.07.2021 ->
    late days 02.07. to 05.07., four days; interest stays owed after the payment."""
    pay = Payment(id="P1", customer_id="C1", received_on=date(2021, 7, 5), amount="1000.00 EUR")
    app = Application(
        id="A1",
        source_id="P1",
        target_id="INV-1",
        applied_on=date(2021, 7, 5),
        amount="1000.00 EUR",
    )
    ledger = one_invoice("1000.00 EUR", date(2021, 7, 1), app, docs=(pay,))
    result = late_payment_interest(
        ledger, "INV-1", as_of=date(2021, 12, 31), law=DE_BGB_288_B2B, rates=BASISZINS
    )
    assert result.days == 4
    # 1000 x (-0.88 + 9) % x 4 / 365 = 0.8898... -> 0.89
    assert result.interest == M("0.89 EUR")


def test_partial_payment_starts_a_new_range_on_the_rest() -> None:
    """verzugszins.ch, "Berechnung Verzugszinstage": interest from 1 January, part payment
    on 20 January, final payment on 30 January: 19 days on the whole claim, then 10 days
    on the rest."""
    changes = [
        BalanceChange(on=date(2024, 1, 1), principal=M("10000.00 EUR")),
        BalanceChange(on=date(2024, 1, 20), principal=M("4000.00 EUR")),
        BalanceChange(on=date(2024, 1, 30), principal=M("0.00 EUR")),
    ]
    result = interest_on_balances(
        changes, start=date(2024, 1, 1), end=date(2024, 3, 1), law=DE_BGB_288_B2B, rates=BASISZINS
    )
    assert [(p.days, p.principal) for p in result.periods] == [
        (19, M("10000.00 EUR")),
        (10, M("4000.00 EUR")),
    ]
    # 12.62 % x (10000 x 19 + 4000 x 10) / 365 = 79.5227... -> 79.52
    assert result.interest == M("79.52 EUR")


def test_basiszinssatz_change_on_1_july_splits_the_range() -> None:
    """BGB § 247(1): the Basiszinssatz changes on 1 January and 1 July (3.62 % -> 3.37 % in
    2024); 10 days at 12.62 % and 10 days at 12.37 % on EUR 5,000."""
    changes = [BalanceChange(on=date(2024, 6, 20), principal=M("5000.00 EUR"))]
    result = interest_on_balances(
        changes, start=date(2024, 6, 20), end=date(2024, 7, 10), law=DE_BGB_288_B2B, rates=BASISZINS
    )
    assert [(p.first_day, p.days, p.annual_rate) for p in result.periods] == [
        (date(2024, 6, 21), 10, Decimal("12.62")),
        (date(2024, 7, 1), 10, Decimal("12.37")),
    ]
    # 5000 x (12.62 x 10 + 12.37 x 10) / 100 / 365 = 34.232... -> 34.23
    assert result.interest == M("34.23 EUR")


def test_directive_fixes_the_ecb_rate_of_1_july_for_the_whole_half_year() -> None:
    """Directive 2011/7/EU art. 2(7): the ECB cut of 18 September 2024 does not change the
    rate for July-December; the rate in force on 1 July (4.25 %) applies, + 8 points."""
    changes = [BalanceChange(on=date(2024, 6, 20), principal=M("1000.00 EUR"))]
    result = interest_on_balances(
        changes, start=date(2024, 6, 20), end=date(2024, 10, 1), law=EU_DIRECTIVE_2011_7, rates=ECB
    )
    assert [(p.first_day, p.last_day, p.annual_rate, p.reference_date) for p in result.periods] == [
        (date(2024, 6, 21), date(2024, 6, 30), Decimal("12.50"), date(2024, 1, 1)),
        (date(2024, 7, 1), date(2024, 10, 1), Decimal("12.25"), date(2024, 7, 1)),
    ]


def test_uk_rate_is_fixed_for_the_debt_from_the_reference_day_before_it_starts() -> None:
    """Order 2002 art. 4: Bank Rate in force on the 30 June before interest starts to run
    (5.25 %) applies to the debt even after the cut of 1 August 2024 to 5.00 %."""
    boe = ReferenceRates(
        rates=[
            rate("BOE_BANK_RATE", date(2023, 8, 3), "5.25"),
            rate("BOE_BANK_RATE", date(2024, 8, 1), "5.00"),
        ]
    )
    changes = [BalanceChange(on=date(2024, 7, 15), principal=M("2000.00 GBP"))]
    result = interest_on_balances(
        changes, start=date(2024, 7, 15), end=date(2024, 9, 13), law=UK_LATE_PAYMENT_ACT, rates=boe
    )
    assert len(result.periods) == 1
    assert result.periods[0].reference_date == date(2024, 6, 30)
    # 2000 x 13.25 % x 60 / 365 = 43.5616... -> 43.56
    assert result.interest == M("43.56 GBP")


def test_uk_fixed_sums_by_debt_size() -> None:
    """Act 1998 s. 5A(2): GBP 40 below 1,000; GBP 70 below 10,000; GBP 100 from 10,000."""
    sums = [
        fixed_compensation(UK_LATE_PAYMENT_ACT, M(f"{debt} GBP"))
        for debt in ("0.01", "999.99", "1000.00", "9999.99", "10000.00", "250000.00")
    ]
    assert sums == [M("40 GBP"), M("40 GBP"), M("70 GBP"), M("70 GBP"), M("100 GBP"), M("100 GBP")]


def test_eu_fixed_sum_is_40_euro_per_invoice_whatever_its_size() -> None:
    """Directive 2011/7/EU art. 6(1): a fixed sum of EUR 40."""
    assert fixed_compensation(EU_DIRECTIVE_2011_7, M("12.00 EUR")) == M("40.00 EUR")
    assert fixed_compensation(EU_DIRECTIVE_2011_7, M("1000000.00 EUR")) == M("40.00 EUR")


def test_uk_tier_of_a_foreign_currency_debt_needs_rates() -> None:
    with pytest.raises(CurrencyMismatch, match="pass rates"):
        fixed_compensation(UK_LATE_PAYMENT_ACT, M("2000.00 EUR"))
    fx = FxRates(rates=[FxRate(base="EUR", quote="GBP", on=date(2024, 1, 1), rate=Decimal("0.45"))])
    assert fixed_compensation(
        UK_LATE_PAYMENT_ACT, M("2000.00 EUR"), rates=fx, on=date(2024, 2, 1)
    ) == M("40.00 GBP")


def test_day_counts_differ_by_basis() -> None:
    law360 = contractual_rate("10", day_count=DayCount.ACT_360)
    law365 = contractual_rate("10", day_count=DayCount.ACT_365)
    changes = [BalanceChange(on=date(2025, 1, 1), principal=M("36500.00 USD"))]
    r360 = interest_on_balances(changes, start=date(2025, 1, 1), end=date(2025, 1, 31), law=law360)
    r365 = interest_on_balances(changes, start=date(2025, 1, 1), end=date(2025, 1, 31), law=law365)
    assert r365.interest == M("300.00 USD")  # 36500 x 10 % x 30/365
    assert r360.interest == M("304.17 USD")  # 36500 x 10 % x 30/360 = 304.1666...


def test_actual_actual_splits_at_the_year_end_of_a_leap_year() -> None:
    """ISDA 2006 § 4.16(b): days in 2024 over 366, days in 2025 over 365."""
    assert year_fraction(date(2024, 12, 31), date(2025, 1, 1), DayCount.ACT_ACT) == (
        Decimal(1) / 366 + Decimal(1) / 365
    )
    law = contractual_rate("10", day_count=DayCount.ACT_ACT)
    changes = [BalanceChange(on=date(2024, 12, 1), principal=M("1000.00 EUR"))]
    result = interest_on_balances(changes, start=date(2024, 12, 1), end=date(2025, 1, 31), law=law)
    assert [(p.days, round(p.year_fraction, 20)) for p in result.periods] == [
        (30, round(Decimal(30) / 366, 20)),
        (31, round(Decimal(31) / 365, 20)),
    ]


def test_interest_is_rounded_once_not_per_range() -> None:
    """Three ranges of 0.004 each: rounded per range 0.00, rounded once 0.01."""
    law = contractual_rate("3.65")
    changes = [
        BalanceChange(on=date(2025, 1, 1), principal=M("40.00 EUR")),
        BalanceChange(on=date(2025, 1, 2), principal=M("40.01 EUR")),
        BalanceChange(on=date(2025, 1, 3), principal=M("40.02 EUR")),
    ]
    result = interest_on_balances(changes, start=date(2025, 1, 1), end=date(2025, 1, 4), law=law)
    assert all(p.interest < Decimal("0.005") for p in result.periods)
    assert result.interest == M("0.01 EUR")


def test_disputed_part_earns_no_interest() -> None:
    """A dispute of EUR 400 of 1,000 from the due date: interest runs on 600 only."""
    ledger = one_invoice("1000.00 EUR", date(2024, 1, 31)).with_records(
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="INV-1",
                amount="400.00 EUR",
                reason_code="QUALITY",
                opened_on=date(2024, 1, 10),
            )
        ]
    )
    law = contractual_rate("10")
    result = late_payment_interest(ledger, "INV-1", as_of=date(2024, 3, 1), law=law)
    assert {p.principal for p in result.periods} == {M("600.00 EUR")}
    full = late_payment_interest(
        ledger, "INV-1", as_of=date(2024, 3, 1), law=law, exclude_disputed=False
    )
    assert {p.principal for p in full.periods} == {M("1000.00 EUR")}


def test_no_interest_before_the_due_date() -> None:
    ledger = one_invoice("1000.00 EUR", date(2024, 1, 31))
    result = late_payment_interest(
        ledger, "INV-1", as_of=date(2024, 1, 31), law=contractual_rate("8")
    )
    assert result.interest == M("0.00 EUR")
    assert result.compensation is None
    assert result.periods == ()


def test_missing_reference_rate_names_the_date() -> None:
    changes = [BalanceChange(on=date(2024, 12, 20), principal=M("100.00 EUR"))]
    with pytest.raises(MissingReferenceRate, match="2025-01-01") as err:
        interest_on_balances(
            changes,
            start=date(2024, 12, 20),
            end=date(2025, 1, 10),
            law=DE_BGB_288_B2B,
            rates=BASISZINS,
            document_id="INV-9",
        )
    assert err.value.document_id == "INV-9"
    assert err.value.on == date(2025, 1, 1)


def test_missing_rate_before_the_first_entry_names_the_date() -> None:
    with pytest.raises(MissingReferenceRate, match="2020-01-01"):
        ECB.rate_on("ECB_MRO", date(2020, 1, 1))


def test_law_needing_a_reference_rate_without_a_table_is_refused() -> None:
    changes = [BalanceChange(on=date(2024, 1, 1), principal=M("100.00 EUR"))]
    with pytest.raises(MissingReferenceRate, match="ECB_MRO"):
        interest_on_balances(
            changes, start=date(2024, 1, 1), end=date(2024, 2, 1), law=EU_DIRECTIVE_2011_7
        )


def test_law_with_both_a_reference_and_a_fixed_rate_is_refused() -> None:
    with pytest.raises(ValidationError, match="either rate_source"):
        LatePaymentLaw(
            id="x", title="x", citation="x", rate_source="ECB_MRO", fixed_rate=Decimal(5)
        )


def test_compensation_tiers_in_two_currencies_are_refused() -> None:
    with pytest.raises(ValidationError, match="mix"):
        LatePaymentLaw(
            id="x",
            title="x",
            citation="x",
            fixed_rate=Decimal(5),
            compensation=(
                CompensationTier(below=M("10 EUR"), amount=M("1 EUR")),
                CompensationTier(amount=M("2 GBP")),
            ),
        )


def test_compensation_tiers_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError, match="increase"):
        LatePaymentLaw(
            id="x",
            title="x",
            citation="x",
            fixed_rate=Decimal(5),
            compensation=(
                CompensationTier(below=M("100 EUR"), amount=M("1 EUR")),
                CompensationTier(below=M("10 EUR"), amount=M("2 EUR")),
                CompensationTier(amount=M("3 EUR")),
            ),
        )


def test_two_values_for_one_rate_date_are_refused() -> None:
    with pytest.raises(ValidationError, match="two different"):
        ReferenceRates(
            rates=[
                rate("ECB_MRO", date(2024, 1, 1), "4.5"),
                rate("ECB_MRO", date(2024, 1, 1), "4.0"),
            ]
        )


def test_schedule_starting_after_the_start_is_refused() -> None:
    with pytest.raises(InvalidInterestInput, match="after the start"):
        interest_on_balances(
            [BalanceChange(on=date(2024, 2, 1), principal=M("1 EUR"))],
            start=date(2024, 1, 1),
            end=date(2024, 3, 1),
            law=contractual_rate("5"),
        )


def test_schedule_mixing_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="2024-01-05"):
        interest_on_balances(
            [
                BalanceChange(on=date(2024, 1, 1), principal=M("1 EUR")),
                BalanceChange(on=date(2024, 1, 5), principal=M("1 USD")),
            ],
            start=date(2024, 1, 1),
            end=date(2024, 3, 1),
            law=contractual_rate("5"),
        )


def test_negative_principal_is_refused() -> None:
    with pytest.raises(InvalidInterestInput, match="negative"):
        interest_on_balances(
            [BalanceChange(on=date(2024, 1, 1), principal=M("-1 EUR"))],
            start=date(2024, 1, 1),
            end=date(2024, 3, 1),
            law=contractual_rate("5"),
        )


def test_interest_on_a_payment_is_refused() -> None:
    pay = Payment(id="P1", customer_id="C1", received_on=date(2024, 1, 5), amount="10.00 EUR")
    ledger = one_invoice("1000.00 EUR", date(2024, 1, 31), docs=(pay,))
    with pytest.raises(InvalidInterestInput, match=r"P1: document_id: .* not a payment"):
        late_payment_interest(ledger, "P1", as_of=date(2024, 3, 1), law=contractual_rate("5"))
    with pytest.raises(InvalidInterestInput, match=r"P1: document_id: .* not a payment"):
        balance_schedule(ledger, "P1", start=date(2024, 1, 5), end=date(2024, 3, 1))


def test_result_rows_carry_each_range() -> None:
    changes = [BalanceChange(on=date(2025, 1, 1), principal=M("100.00 EUR"))]
    result = interest_on_balances(
        changes, start=date(2025, 1, 1), end=date(2025, 1, 11), law=contractual_rate("5")
    )
    (row,) = result.to_rows()
    assert row["days"] == 10
    assert row["principal"] == Decimal("100.00")


def test_an_interest_memo_earns_no_interest_itself() -> None:
    """BGB § 289 sentence 1: no default interest on interest."""
    memo = DebitMemo(
        id="DM-1",
        customer_id="C1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total="7.53 EUR",
        reason=DebitReason.INTEREST,
    )
    assert not earns_interest(memo)
    with pytest.raises(InvalidInterestInput, match=r"DM-1: document_id: .* BGB § 289"):
        late_payment_interest(
            Ledger([memo]), "DM-1", as_of=date(2026, 3, 1), law=DE_BGB_288_B2B, rates=BASISZINS
        )
