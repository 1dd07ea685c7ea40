"""Payment terms, as specifications: each test is one behaviour with a worked example."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from receivables.errors import InvalidTerms, ReceivablesError
from receivables.money import Money
from receivables.terms import (
    BusinessCalendar,
    EarlyPaymentDiscount,
    Instalment,
    InstalmentRule,
    PaymentTerms,
)

JAN_15 = date(2026, 1, 15)


A = Money.parse  # A("1000.00 USD"): money as the ledger spells it
T = PaymentTerms.parse


# -- reading the forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["NET 30", "net 30", "N30", "NET30", "Net 30 days", "n/30", "  NET   30 "]
)
def test_net_30_spellings_read_the_same(text: str) -> None:
    assert T(text) == PaymentTerms(kind="net", net_days=30)


def test_net_30_is_due_thirty_days_after_the_invoice() -> None:
    assert T("NET 30").due_date(JAN_15) == date(2026, 2, 14)


def test_net_30_eom_counts_thirty_days_from_the_end_of_the_invoice_month() -> None:
    assert T("NET 30 EOM").due_date(JAN_15) == date(2026, 3, 2)  # Jan 31 + 30 days


def test_net_30_then_eom_is_the_end_of_the_month_thirty_days_on() -> None:
    terms = T("NET 30 THEN EOM")
    assert terms.eom_rule == "month_end_after_days"
    assert terms.due_date(JAN_15) == date(2026, 2, 28)  # Feb 14, then its month end


def test_eom_is_due_at_the_end_of_the_invoice_month() -> None:
    assert T("EOM").due_date(JAN_15) == date(2026, 1, 31)


def test_eom_on_the_last_day_of_the_month_is_due_that_day() -> None:
    assert T("EOM").due_date(date(2026, 1, 31)) == date(2026, 1, 31)


def test_eom_in_a_leap_february_ends_on_the_29th() -> None:
    assert T("EOM").due_date(date(2028, 2, 3)) == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["10 PROX", "10th prox", "PROX 10", "10 proximo", "10 MFI"])
def test_prox_spellings_are_due_the_10th_of_the_next_month(text: str) -> None:
    assert T(text).due_date(JAN_15) == date(2026, 2, 10)


def test_31_prox_is_clamped_to_the_last_day_of_february() -> None:
    assert T("31 PROX").due_date(date(2026, 1, 31)) == date(2026, 2, 28)


def test_prox_with_a_months_offset_skips_months() -> None:
    assert T("10 PROX +2").due_date(JAN_15) == date(2026, 3, 10)


def test_prox_invoiced_in_december_is_due_in_january() -> None:
    assert T("10 PROX").due_date(date(2026, 12, 20)) == date(2027, 1, 10)


@pytest.mark.parametrize("text", ["DUE ON RECEIPT", "due upon receipt", "COD", "C.O.D."])
def test_due_on_receipt_is_due_on_the_invoice_date(text: str) -> None:
    terms = T(text)
    assert terms.kind == "due_on_receipt"
    assert terms.due_date(JAN_15) == JAN_15
    assert not terms.payment_before_shipment


@pytest.mark.parametrize("text", ["CIA", "Cash in advance", "CWO"])
def test_cash_in_advance_is_due_on_the_invoice_date_before_shipment(text: str) -> None:
    terms = T(text)
    assert terms.due_date(JAN_15) == JAN_15
    assert terms.payment_before_shipment


def test_2_10_net_30_reads_one_discount_tier() -> None:
    assert T("2/10 NET 30") == PaymentTerms(
        net_days=30, discounts=(EarlyPaymentDiscount(percent=Decimal(2), days=10),)
    )


def test_fractional_discount_percent_is_exact() -> None:
    assert T("1.5/10 NET 30").discounts[0].percent == Decimal("1.5")


def test_1_10_eom_net_30_counts_both_from_month_end() -> None:
    terms = T("1/10 EOM NET 30")
    assert terms.kind == "eom"
    assert terms.discount_deadline(JAN_15) == date(2026, 2, 10)
    assert terms.due_date(JAN_15) == date(2026, 3, 2)


def test_three_tiers_read_best_first() -> None:
    terms = T("3/10, 2/20, NET 45")
    assert [(t.percent, t.days) for t in terms.discounts] == [(3, 10), (2, 20)]
    assert terms.net_days == 45


def test_percent_instalments_read_as_a_schedule() -> None:
    terms = T("50% 30 DAYS, 50% 60 DAYS")
    assert terms.kind == "instalments"
    assert [(r.share, r.days) for r in terms.schedule] == [(50, 30), (50, 60)]


def test_instalment_on_receipt_is_day_zero_and_may_carry_a_discount() -> None:
    terms = T("40% on receipt, 60% 30 days (2/10)")
    assert terms.schedule[0].days == 0
    assert terms.schedule[1].discount == EarlyPaymentDiscount(percent=Decimal(2), days=10)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("net 30", "NET 30"),
        ("n/30 eom", "NET 30 EOM"),
        ("eom", "EOM"),
        ("10th prox", "10 PROX"),
        ("2/10, n/30", "2/10 NET 30"),
        ("3/10 2/20 n45", "3/10, 2/20 NET 45"),
        ("1/10 eom net 30", "1/10 EOM NET 30"),
        ("2/10 net 30 eom", "2/10 NET 30 EOM"),
        ("cod", "DUE ON RECEIPT"),
        ("cash in advance", "CIA"),
        ("50% 30 days, 50% 60 days", "50% 30 DAYS, 50% 60 DAYS"),
    ],
)
def test_str_is_the_canonical_label_and_parses_back(text: str, label: str) -> None:
    assert str(T(text)) == label
    assert T(label) == T(text)


# -- refusing what makes no sense ----------------------------------------------------------


@pytest.mark.parametrize("text", ["net 45 ish", "hello", "", "NET -30", "PROX"])
def test_unknown_text_raises_invalid_terms_naming_it(text: str) -> None:
    with pytest.raises(InvalidTerms, match=repr(text)):
        T(text)


def test_invalid_terms_belongs_to_the_library_error_family() -> None:
    with pytest.raises(ReceivablesError):
        T("whenever")


def test_discount_without_net_term_is_refused() -> None:
    with pytest.raises(InvalidTerms, match="no net term"):
        T("2/10 EOM")


def test_discount_days_beyond_net_days_are_refused() -> None:
    with pytest.raises(InvalidTerms, match=r"discount days \(40\) must be fewer than net days"):
        T("2/40 NET 30")


def test_discount_days_equal_to_net_days_are_refused() -> None:
    with pytest.raises(InvalidTerms, match="fewer than net days"):
        T("2/30 NET 30")


@pytest.mark.parametrize("text", ["0/10 NET 30", "100/10 NET 30", "150/10 NET 30"])
def test_discount_percent_must_be_above_0_and_below_100(text: str) -> None:
    with pytest.raises(InvalidTerms, match="percent"):
        T(text)


def test_instalment_shares_must_sum_to_100() -> None:
    with pytest.raises(InvalidTerms, match="sum to 100%, not 110%"):
        T("60% 30 DAYS, 50% 60 DAYS")


def test_instalment_days_must_increase() -> None:
    with pytest.raises(InvalidTerms, match="increase strictly"):
        T("50% 60 DAYS, 50% 30 DAYS")


def test_discount_tiers_must_improve_the_earlier_they_end() -> None:
    with pytest.raises(InvalidTerms, match="best to the last"):
        T("2/10, 3/20 NET 30")


def test_negative_days_are_refused_in_the_structured_form() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        PaymentTerms(net_days=-30)


def test_negative_discount_days_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        EarlyPaymentDiscount(percent=Decimal(2), days=-1)


def test_float_percent_is_refused() -> None:
    with pytest.raises(ValidationError, match="float"):
        EarlyPaymentDiscount.model_validate({"percent": 2.0, "days": 10})


def test_cash_in_advance_takes_no_discount() -> None:
    with pytest.raises(ValidationError, match="no early-payment discount"):
        PaymentTerms(kind="cash_in_advance", discounts=(EarlyPaymentDiscount(percent=2, days=0),))


def test_prox_needs_a_day_of_month() -> None:
    with pytest.raises(ValidationError, match="day_of_month"):
        PaymentTerms(kind="prox")


def test_month_end_discount_on_net_terms_is_refused() -> None:
    tier = EarlyPaymentDiscount(percent=Decimal(1), days=10, from_month_end=True)
    with pytest.raises(ValidationError, match="needs EOM terms"):
        PaymentTerms(kind="net", net_days=30, discounts=(tier,))


def test_instalment_discount_must_end_before_the_instalment() -> None:
    with pytest.raises(ValidationError, match="fewer than the instalment's days"):
        InstalmentRule(
            share=Decimal(50), days=10, discount=EarlyPaymentDiscount(percent=2, days=10)
        )


def test_non_string_text_is_refused() -> None:
    with pytest.raises(InvalidTerms, match="must be text"):
        PaymentTerms.parse(30)  # type: ignore[arg-type]


# -- discounts -----------------------------------------------------------------------------


def test_2_10_net_30_paid_on_day_10_earns_2_percent() -> None:
    terms = T("2/10 NET 30")
    assert terms.discount_for(A("1000.00 USD"), JAN_15, date(2026, 1, 25)) == A("20.00 USD")


def test_2_10_net_30_paid_on_day_11_earns_nothing() -> None:
    terms = T("2/10 NET 30")
    assert terms.discount_for(A("1000.00 USD"), JAN_15, date(2026, 1, 26)) == A("0.00 USD")


def test_grace_days_keep_the_discount_open_after_the_deadline() -> None:
    terms = T("2/10 NET 30")
    paid = date(2026, 1, 26)
    assert terms.discount_for(A("1000.00 USD"), JAN_15, paid, grace_days=2) == A("20.00 USD")


def test_negative_grace_days_are_refused() -> None:
    with pytest.raises(ValueError, match="grace_days"):
        T("2/10 NET 30").discount_for(A("1.00 USD"), JAN_15, JAN_15, grace_days=-1)


def test_discount_is_rounded_half_up_to_the_minor_unit() -> None:
    terms = T("2/10 NET 30")
    assert terms.discount_for(A("0.25 USD"), JAN_15, JAN_15) == A("0.01 USD")  # 0.005
    assert terms.discount_for(A("125 JPY"), JAN_15, JAN_15) == A("3 JPY")  # 2.5
    assert terms.discount_for(A("1.025 KWD"), JAN_15, JAN_15) == A("0.021 KWD")  # 0.0205


def test_the_best_open_tier_applies() -> None:
    terms = T("3/10, 2/20, NET 45")
    amount = A("1000.00 USD")
    assert terms.discount_for(amount, JAN_15, date(2026, 1, 25)) == A("30.00 USD")
    assert terms.discount_for(amount, JAN_15, date(2026, 2, 4)) == A("20.00 USD")
    assert terms.discount_for(amount, JAN_15, date(2026, 2, 5)) == A("0.00 USD")


def test_terms_without_discount_earn_zero_and_have_no_deadline() -> None:
    terms = T("NET 30")
    assert terms.discount_for(A("1000 JPY"), JAN_15, JAN_15) == A("0 JPY")
    assert terms.discount_deadline(JAN_15) is None


def test_discount_deadline_is_the_best_tier_deadline() -> None:
    assert T("3/10, 2/20, NET 45").discount_deadline(JAN_15) == date(2026, 1, 25)


# -- business days -------------------------------------------------------------------------


def test_saturday_due_date_rolls_to_monday() -> None:
    assert T("NET 30").due_date(JAN_15, calendar=BusinessCalendar()) == date(2026, 2, 16)


def test_holiday_due_date_rolls_to_the_next_business_day() -> None:
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 2, 16)}))
    assert T("NET 30").due_date(JAN_15, calendar=calendar) == date(2026, 2, 17)


def test_without_a_calendar_a_saturday_stays_a_saturday() -> None:
    assert T("NET 30").due_date(JAN_15) == date(2026, 2, 14)


def test_preceding_roll_moves_to_friday() -> None:
    calendar = BusinessCalendar(roll="preceding")
    assert T("NET 30").due_date(JAN_15, calendar=calendar) == date(2026, 2, 13)


def test_modified_following_stays_in_the_month() -> None:
    calendar = BusinessCalendar(roll="modified_following")
    assert T("EOM").due_date(JAN_15, calendar=calendar) == date(2026, 1, 30)  # Jan 31 is Sat


def test_rolling_back_never_goes_before_the_invoice_date() -> None:
    calendar = BusinessCalendar(roll="preceding")
    saturday = date(2026, 2, 14)
    assert T("DUE ON RECEIPT").due_date(saturday, calendar=calendar) == date(2026, 2, 16)


def test_discount_deadline_rolls_too() -> None:
    # Invoice Jan 14 + 10 days = Saturday Jan 24, so the discount holds through Monday.
    terms = T("2/10 NET 30")
    calendar = BusinessCalendar()
    assert terms.discount_deadline(date(2026, 1, 14), calendar=calendar) == date(2026, 1, 26)
    paid = date(2026, 1, 26)
    earned = terms.discount_for(A("500.00 EUR"), date(2026, 1, 14), paid, calendar=calendar)
    assert earned == A("10.00 EUR")


def test_a_custom_weekend_is_respected() -> None:
    calendar = BusinessCalendar(weekend=frozenset({4, 5}))  # Friday and Saturday
    assert calendar.adjust(date(2026, 2, 13)) == date(2026, 2, 15)


def test_a_weekend_of_seven_days_is_refused() -> None:
    with pytest.raises(ValidationError, match="no business day"):
        BusinessCalendar(weekend=frozenset(range(7)))


def test_weekend_days_must_be_weekday_numbers() -> None:
    with pytest.raises(ValidationError, match="0 \\(Monday\\) to 6"):
        BusinessCalendar(weekend=frozenset({7}))


def test_calendar_from_holidays_knows_us_independence_day_observed() -> None:
    calendar = BusinessCalendar.from_holidays("US", [2026])
    assert date(2026, 1, 1) in calendar.holidays
    assert calendar.adjust(date(2026, 7, 3)) == date(2026, 7, 6)


def test_calendar_from_holidays_reads_a_subdivision() -> None:
    calendar = BusinessCalendar.from_holidays("DE", [2026], subdiv="BY")
    assert date(2026, 1, 6) in calendar.holidays  # Epiphany, a Bavarian holiday


def test_calendar_from_holidays_refuses_an_unknown_country() -> None:
    with pytest.raises(ValueError, match="'ZZ'"):
        BusinessCalendar.from_holidays("ZZ", [2026])


def test_calendar_from_holidays_without_the_package_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(ImportError, match=r"pip install receivables\[holidays\]"):
        BusinessCalendar.from_holidays("US", [2026])


def test_calendar_round_trips_through_json_sorted() -> None:
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 12, 25), date(2026, 1, 1)}))
    text = calendar.model_dump_json()
    assert text.index("2026-01-01") < text.index("2026-12-25")
    assert BusinessCalendar.model_validate_json(text) == calendar


# -- instalments ---------------------------------------------------------------------------


def test_instalments_split_by_share_with_the_remainder_first() -> None:
    parts = T("50% 30 DAYS, 50% 60 DAYS").instalments(A("100.01 USD"), JAN_15)
    assert [(p.number, p.due_date, p.amount) for p in parts] == [
        (1, date(2026, 2, 14), A("50.01 USD")),
        (2, date(2026, 3, 16), A("50.00 USD")),
    ]


def test_three_thirds_of_100_jpy_sum_exactly() -> None:
    terms = T("33.34% 30 DAYS, 33.33% 60 DAYS, 33.33% 90 DAYS")
    parts = terms.instalments(A("100 JPY"), JAN_15)
    assert [p.amount for p in parts] == [A("34 JPY"), A("33 JPY"), A("33 JPY")]


def test_structured_instalment_rules_build_the_same_terms() -> None:
    rules = (InstalmentRule(share=Decimal(50), days=30), InstalmentRule(share=Decimal(50), days=60))
    assert PaymentTerms(kind="instalments", schedule=rules) == T("50% 30 DAYS, 50% 60 DAYS")


def test_instalment_terms_are_due_with_the_last_instalment() -> None:
    assert T("50% 30 DAYS, 50% 60 DAYS").due_date(JAN_15) == date(2026, 3, 16)


def test_instalment_dates_roll_with_a_calendar() -> None:
    parts = T("50% 30 DAYS, 50% 60 DAYS").instalments(
        A("100.00 USD"), JAN_15, calendar=BusinessCalendar()
    )
    assert parts[0].due_date == date(2026, 2, 16)


def test_instalment_discount_is_earned_per_part() -> None:
    parts = T("40% on receipt, 60% 30 days (2/10)").instalments(A("1000.00 USD"), JAN_15)
    second = parts[1]
    assert (second.discount_percent, second.discount_deadline) == (2, date(2026, 1, 25))
    assert second.discount_for(date(2026, 1, 25)) == A("12.00 USD")
    assert second.discount_for(date(2026, 1, 26)) == A("0.00 USD")
    assert parts[0].discount_for(JAN_15) == A("0.00 USD")


def test_instalment_discount_on_a_partial_payment() -> None:
    part = Instalment(
        number=1,
        due_date=date(2026, 2, 14),
        amount=A("600.00 USD"),
        discount_percent=Decimal(2),
        discount_deadline=date(2026, 1, 25),
    )
    assert part.discount_for(date(2026, 1, 20), amount=A("100.00 USD")) == A("2.00 USD")


def test_instalment_needs_both_discount_fields_or_neither() -> None:
    with pytest.raises(ValidationError, match="go together"):
        Instalment(number=1, due_date=JAN_15, amount=A("1.00 USD"), discount_percent=Decimal(2))


def test_ordinary_terms_give_one_instalment_with_the_best_discount() -> None:
    parts = T("2/10 NET 30").instalments(A("1000.005 USD"), JAN_15)
    assert parts == [
        Instalment(
            number=1,
            due_date=date(2026, 2, 14),
            amount=A("1000.01 USD"),
            discount_percent=Decimal(2),
            discount_deadline=date(2026, 1, 25),
        )
    ]


def test_instalment_terms_have_no_invoice_level_discount() -> None:
    terms = T("40% on receipt, 60% 30 days (2/10)")
    assert terms.discount_deadline(JAN_15) is None
    assert terms.cost_of_forgoing_discount() is None


# -- cost of forgoing the discount ---------------------------------------------------------


def test_nominal_cost_of_2_10_net_30_is_37_24_percent() -> None:
    cost = T("2/10 NET 30").cost_of_forgoing_discount()
    assert cost is not None
    assert round(cost, 4) == Decimal("0.3724")


def test_effective_cost_of_2_10_net_30_is_44_59_percent() -> None:
    cost = T("2/10 NET 30").cost_of_forgoing_discount(method="effective")
    assert cost is not None
    assert round(cost, 4) == Decimal("0.4459")


def test_cost_with_a_360_day_year() -> None:
    cost = T("2/10 NET 30").cost_of_forgoing_discount(days_in_year=360)
    assert cost is not None
    assert round(cost, 4) == Decimal("0.3673")  # 2/98 x 360/20


def test_cost_is_none_without_a_discount() -> None:
    assert T("NET 30").cost_of_forgoing_discount() is None


def test_cost_of_eom_terms_with_month_end_discount_uses_the_day_counts() -> None:
    cost = T("1/10 EOM NET 30").cost_of_forgoing_discount()
    assert cost is not None
    assert round(cost, 4) == Decimal("0.1843")  # 1/99 x 365/20


def test_cost_that_depends_on_the_invoice_date_needs_it() -> None:
    terms = T("2/10 NET 30 EOM")
    with pytest.raises(InvalidTerms, match="pass invoice_date"):
        terms.cost_of_forgoing_discount()
    cost = terms.cost_of_forgoing_discount(invoice_date=JAN_15)  # Jan 25 to Mar 2: 36 days
    assert cost is not None
    assert round(cost, 4) == Decimal("0.2069")


def test_cost_refuses_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="nominal"):
        T("2/10 NET 30").cost_of_forgoing_discount(method="simple")  # type: ignore[arg-type]


# -- as a pydantic field and in JSON -------------------------------------------------------


class _Doc(BaseModel):
    terms: PaymentTerms


def test_terms_field_accepts_text() -> None:
    assert _Doc(terms="2/10 NET 30").terms == T("2/10 NET 30")  # type: ignore[arg-type]


def test_terms_field_refuses_unknown_text_naming_it() -> None:
    with pytest.raises(ValidationError, match="'whenever'"):
        _Doc(terms="whenever")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["2/10 NET 30", "NET 30 THEN EOM", "10 PROX +2", "CIA", "40% on receipt, 60% 30 days (2/10)"],
)
def test_terms_round_trip_through_json(text: str) -> None:
    terms = T(text)
    assert PaymentTerms.model_validate_json(terms.model_dump_json()) == terms


def test_terms_json_keeps_percents_as_strings() -> None:
    assert '"percent":"1.5"' in T("1.5/10 NET 30").model_dump_json()


def test_document_with_terms_round_trips_through_json() -> None:
    doc = _Doc(terms=T("3/10, 2/20, NET 45"))
    assert _Doc.model_validate_json(doc.model_dump_json()) == doc


def test_terms_are_frozen_and_hashable() -> None:
    terms = T("NET 30")
    with pytest.raises(ValidationError):
        terms.net_days = 45  # type: ignore[misc]
    assert hash(terms) == hash(T("n30"))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        PaymentTerms.model_validate({"kind": "net", "net_days": 30, "late_fee": "1.5"})
