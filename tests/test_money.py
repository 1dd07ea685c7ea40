"""Money: strict construction, minor units, rounding, splitting, pydantic and FX."""

from __future__ import annotations

import json
import pickle
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import moneyed
import pytest
from pydantic import BaseModel, ValidationError

from receivables.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    InvalidAmount,
    MissingRate,
    UnknownCurrency,
)
from receivables.money import (
    ExactDecimal,
    FxRate,
    FxRates,
    Money,
    allocate_evenly,
    convert,
    largest_remainder,
    minor_units,
    quantize,
    split,
)

A = Money.parse


class Priced(BaseModel):
    price: Money
    quantity: ExactDecimal = Decimal(1)


# -- construction ----------------------------------------------------------------------


def test_money_from_str_keeps_the_exact_amount() -> None:
    assert Money("0.10", "USD").amount == Decimal("0.10")


def test_money_refuses_float_with_guidance() -> None:
    with pytest.raises(FloatNotAllowed, match="pass a Decimal, an int or a str"):
        Money(0.1, "USD")


def test_money_refuses_bool() -> None:
    with pytest.raises(InvalidAmount, match="bool"):
        Money(True, "USD")


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "sNaN"])
def test_money_refuses_non_finite_amounts(text: str) -> None:
    with pytest.raises(InvalidAmount, match="finite"):
        Money(text, "USD")


def test_money_refuses_non_numeric_text() -> None:
    with pytest.raises(InvalidAmount, match="not a number"):
        Money("twelve", "USD")


@pytest.mark.parametrize("code", ["ZZZ", "US", "usdollar", ""])
def test_unknown_currency_is_a_clear_error(code: str) -> None:
    with pytest.raises(UnknownCurrency, match="unknown currency code"):
        Money("1", code)


def test_currency_code_is_case_insensitive() -> None:
    assert Money("1", "usd").code == "USD"


@pytest.mark.parametrize("code", ["XCG", "ZWG"])
def test_current_iso_codes_missing_from_py_moneyed_are_known(code: str) -> None:
    assert minor_units(code) == 2
    assert Money("1.005", code).quantize() == Money("1.01", code)


def test_parse_reads_amount_then_code_and_code_then_amount() -> None:
    assert A("12.30 USD") == Money("12.30", "USD")
    assert A("EUR 1 000.5") == Money("1000.5", "EUR")


def test_parse_refuses_text_without_a_currency() -> None:
    with pytest.raises(InvalidAmount, match=r"expected '12\.30 USD'"):
        A("12.30")


def test_from_minor_scales_by_the_currency_exponent() -> None:
    assert Money.from_minor(1234, "KWD") == A("1.234 KWD")
    assert Money.from_minor(1234, "CLF") == A("0.1234 CLF")


def test_from_minor_refuses_non_int() -> None:
    with pytest.raises(InvalidAmount):
        Money.from_minor(Decimal("1.5"), "USD")  # type: ignore[arg-type]


def test_money_accepts_py_moneyed_currency_object() -> None:
    assert Money("1", moneyed.get_currency("JPY")).code == "JPY"


def test_money_pickles() -> None:
    assert pickle.loads(pickle.dumps(A("1.23 EUR"))) == A("1.23 EUR")


# -- minor units and rounding ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits"),
    [("JPY", 0), ("USD", 2), ("KWD", 3), ("CLF", 4), ("IQD", 3), ("IRR", 2), ("AFN", 2)],
)
def test_minor_units_follow_iso_4217_not_cldr(code: str, digits: int) -> None:
    assert minor_units(code) == digits


def test_quantize_rounds_half_up_by_default() -> None:
    assert quantize(A("637.585 USD")) == A("637.59 USD")


def test_quantize_takes_a_named_rounding_mode() -> None:
    assert quantize(A("637.585 USD"), ROUND_HALF_EVEN) == A("637.58 USD")


def test_quantize_refuses_an_unknown_rounding_mode() -> None:
    with pytest.raises(ValueError, match="unknown rounding mode"):
        quantize(A("1 USD"), "ROUND_SOMETIMES")


def test_quantize_keeps_three_decimals_for_iqd() -> None:
    assert quantize(A("1234.5675 IQD")) == A("1234.568 IQD")


def test_minor_requires_a_quantised_amount() -> None:
    with pytest.raises(InvalidAmount, match="quantize it first"):
        _ = A("1.005 USD").minor


def test_zero_has_the_minor_unit_exponent() -> None:
    assert str(Money.zero("KWD").amount) == "0.000"


# -- arithmetic ------------------------------------------------------------------------


def test_adding_two_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch, match="convert one with FxRates"):
        _ = A("1 USD") + A("1 EUR")


def test_comparing_two_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = A("1 USD") < A("1 EUR")


def test_sum_of_money_starts_from_zero() -> None:
    assert sum([A("1.10 USD"), A("2.20 USD")]) == A("3.30 USD")


def test_multiplying_by_float_is_refused() -> None:
    with pytest.raises(FloatNotAllowed):
        _ = A("1 USD") * 1.5


def test_dividing_by_float_is_refused() -> None:
    with pytest.raises(FloatNotAllowed):
        _ = A("1 USD") / 2.0


def test_multiplying_by_decimal_keeps_precision() -> None:
    assert (A("10.00 USD") * Decimal("0.333")).amount == Decimal("3.33000")


def test_ratio_of_two_amounts_is_a_decimal() -> None:
    assert A("1.00 USD") / A("4.00 USD") == Decimal("0.25")


# -- split -----------------------------------------------------------------------------


def test_split_gives_leftover_cents_to_largest_remainders() -> None:
    assert split(A("100.00 USD"), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]) == [
        A("50.00 USD"),
        A("30.00 USD"),
        A("20.00 USD"),
    ]
    assert split(A("0.10 USD"), [1, 1, 1]) == [A("0.04 USD"), A("0.03 USD"), A("0.03 USD")]


def test_split_ties_go_to_the_earlier_weight() -> None:
    assert split(A("0.01 EUR"), [1, 1]) == [A("0.01 EUR"), A("0.00 EUR")]


def test_split_with_a_zero_weight_gives_zero() -> None:
    assert split(A("1 JPY"), [0, 1]) == [A("0 JPY"), A("1 JPY")]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_split_refuses_bad_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="weight"):
        split(A("1 USD"), weights)


def test_split_refuses_float_weights() -> None:
    with pytest.raises(FloatNotAllowed):
        split(A("1 USD"), [0.5, 0.5])  # type: ignore[list-item]


def test_allocate_evenly_puts_larger_parts_first() -> None:
    assert allocate_evenly(A("100.000 KWD"), 3) == [
        A("33.334 KWD"),
        A("33.333 KWD"),
        A("33.333 KWD"),
    ]


@pytest.mark.parametrize("n", [0, -1])
def test_allocate_evenly_refuses_non_positive_counts(n: int) -> None:
    with pytest.raises(ValueError, match="positive number of parts"):
        allocate_evenly(A("1 USD"), n)


# -- pydantic --------------------------------------------------------------------------


def test_pydantic_accepts_money_dict_and_string() -> None:
    assert Priced(price=A("1.00 USD")).price == A("1.00 USD")
    assert Priced.model_validate({"price": {"amount": "1", "currency": "USD"}}).price == A(
        "1.00 USD"
    )
    assert Priced.model_validate({"price": "1 USD"}).price == A("1.00 USD")


def test_pydantic_accepts_py_moneyed_money() -> None:
    assert Priced(price=moneyed.Money("2.5", "EUR")).price == A("2.50 EUR")


def test_pydantic_quantises_to_the_minor_unit() -> None:
    assert Priced(price=A("637.585 USD")).price.amount == Decimal("637.59")


def test_pydantic_serialises_the_amount_as_a_string() -> None:
    dumped = json.loads(Priced(price=A("12.3 KWD")).model_dump_json())
    assert dumped["price"] == {"amount": "12.300", "currency": "KWD"}


def test_pydantic_round_trips_json_exactly() -> None:
    big = Priced(price=A("12345678901234567.01 USD"))
    assert Priced.model_validate_json(big.model_dump_json()) == big


def test_json_number_with_a_fraction_is_refused_with_guidance() -> None:
    with pytest.raises(ValidationError, match="send the amount as a string"):
        Priced.model_validate_json('{"price": {"amount": 12345678901234567.01, "currency": "USD"}}')


def test_json_integer_amount_is_accepted() -> None:
    assert Priced.model_validate_json('{"price": {"amount": 12, "currency": "JPY"}}').price == A(
        "12 JPY"
    )


def test_pydantic_names_the_field_of_a_float() -> None:
    with pytest.raises(ValidationError) as info:
        Priced.model_validate({"price": 1.5})
    assert info.value.errors()[0]["loc"] == ("price",)


def test_pydantic_refuses_extra_keys() -> None:
    with pytest.raises(ValidationError, match="unexpected keys"):
        Priced.model_validate({"price": {"amount": "1", "currency": "USD", "fx": "1"}})


def test_exact_decimal_refuses_json_float() -> None:
    with pytest.raises(ValidationError, match="float"):
        Priced.model_validate_json('{"price": "1 USD", "quantity": 1.5}')


def test_json_schema_describes_money_as_string_amount_and_code() -> None:
    schema = Priced.model_json_schema()
    money = schema["properties"]["price"]
    assert money["required"] == ["amount", "currency"]
    assert money["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"


# -- FX --------------------------------------------------------------------------------

RATES = FxRates(
    pivot="EUR",
    rates=(
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.10")),
        FxRate(base="EUR", quote="USD", on=date(2026, 2, 1), rate=Decimal("1.20")),
        FxRate(base="EUR", quote="GBP", on=date(2026, 1, 1), rate=Decimal("0.80")),
    ),
)


def test_rate_is_the_latest_on_or_before_the_date() -> None:
    assert RATES.rate("EUR", "USD", on=date(2026, 1, 31)) == Decimal("1.10")
    assert RATES.rate("EUR", "USD", on=date(2026, 2, 1)) == Decimal("1.20")


def test_inverse_rate_is_used_when_only_the_reverse_is_known() -> None:
    assert convert(A("120.00 USD"), "EUR", on=date(2026, 2, 2), rates=RATES) == A("100.00 EUR")


def test_triangulation_goes_through_the_pivot() -> None:
    quote = RATES.quote("GBP", "USD", on=date(2026, 2, 1))
    assert quote.path == ("GBP", "EUR", "USD")
    assert quote.rate == Decimal("1.5")
    assert RATES.convert(A("10.00 GBP"), "USD", on=date(2026, 2, 1)) == A("15.00 USD")


def test_missing_rate_names_the_pair_and_date() -> None:
    with pytest.raises(MissingRate, match=r"EUR->USD on or before 2025-12-31"):
        RATES.rate("EUR", "USD", on=date(2025, 12, 31))


def test_same_currency_converts_at_one() -> None:
    assert RATES.convert(A("1.23 JPY"), "JPY", on=date(2000, 1, 1)) == A("1 JPY")


def test_conversion_rounds_once_to_the_target_minor_unit() -> None:
    table = FxRates(rates=[FxRate(base="USD", quote="KWD", on=date(2026, 1, 1), rate="0.30712")])
    assert table.convert(A("10.00 USD"), "KWD", on=date(2026, 1, 1)) == A("3.071 KWD")


def test_conflicting_rates_for_one_day_are_refused() -> None:
    with pytest.raises(ValueError, match="two different rates"):
        FxRates(
            rates=[
                FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.1")),
                FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.2")),
            ]
        )


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal(0))


def test_rate_between_one_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="two currencies"):
        FxRate(base="EUR", quote="EUR", on=date(2026, 1, 1), rate=Decimal(1))


def test_fx_rates_round_trip_json() -> None:
    assert FxRates.model_validate_json(RATES.model_dump_json()) == RATES


def test_derived_rates_do_not_depend_on_the_callers_decimal_context() -> None:
    import decimal

    plain = RATES.rate("USD", "EUR", on=date(2026, 2, 2))
    crossed = RATES.rate("GBP", "USD", on=date(2026, 2, 2))
    with decimal.localcontext(prec=60):
        assert RATES.rate("USD", "EUR", on=date(2026, 2, 2)) == plain
        assert RATES.rate("GBP", "USD", on=date(2026, 2, 2)) == crossed
    with decimal.localcontext(prec=5):
        assert RATES.rate("USD", "EUR", on=date(2026, 2, 2)) == plain


def test_arithmetic_and_rounding_do_not_depend_on_the_callers_decimal_context() -> None:
    """A caller running at 5 significant digits still gets cents: 123,456.78 + 0.01 is
    123,456.79, three times 123,456.78 is 370,370.34, and 123,456.785 rounds to .79."""
    import decimal

    big = Money("123456.78", "USD")
    with decimal.localcontext(prec=5):
        assert (big + Money("0.01", "USD")).amount == Decimal("123456.79")
        assert (big - Money("0.01", "USD")).amount == Decimal("123456.77")
        assert (big * 3).amount == Decimal("370370.34")
        assert (big / 2).amount == Decimal("61728.39")
        assert Money("123456.785", "USD").quantize().amount == Decimal("123456.79")
        assert big.is_quantized
        assert big.minor == 12345678


def test_zero_and_from_minor_read_a_lower_case_code_as_the_constructor_does() -> None:
    assert Money.zero("usd") == Money("0.00", "USD")
    assert Money.from_minor(1230, "usd") == Money("12.30", "USD")


def test_dividing_by_zero_is_an_invalid_amount_naming_the_dividend() -> None:
    with pytest.raises(InvalidAmount, match=r"cannot divide 10\.00 USD by zero"):
        Money("10.00", "USD") / 0
    with pytest.raises(InvalidAmount, match=r"cannot divide 10\.00 USD by zero"):
        Money("10.00", "USD") / Money("0.00", "USD")


def test_largest_remainder_gives_leftover_units_to_the_largest_remainders() -> None:
    """10 units by 1:1:1 is 3.33 each: the one unit left goes to the first (ties earlier);
    7 by 1:2:4 is exact."""
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(7, [1, 2, 4]) == [1, 2, 4]
    assert largest_remainder(100, [Decimal("0.333"), Decimal("0.667")]) == [33, 67]


def test_largest_remainder_refuses_what_cannot_be_split() -> None:
    with pytest.raises(ValueError, match="whole number of units"):
        largest_remainder(-1, [1])
    with pytest.raises(ValueError, match="whole number of units"):
        largest_remainder(True, [1])
    with pytest.raises(ValueError, match="not all be zero"):
        largest_remainder(5, [0, 0])
    with pytest.raises(ValueError, match="not all be zero"):
        largest_remainder(5, [Decimal(0), 0])
    with pytest.raises(ValueError, match="negative"):
        largest_remainder(5, [2, -1])
    with pytest.raises(ValueError, match="at least one weight"):
        largest_remainder(5, [])
