"""Exact money: a strict :class:`Money` on py-moneyed, minor units, splitting and FX.

Money in this library is a :class:`decimal.Decimal` amount with an ISO 4217 currency.
Floats are refused everywhere, because ``0.1 + 0.2 != 0.3`` in binary floating point and
an accounts receivable ledger must balance to the cent.

Minor units come from the ISO 4217 table (the exponent py-moneyed carries as
``Currency.sub_unit``), not from CLDR's display digits: CLDR shows IQD with 0 decimals,
ISO 4217 gives it 3, and a ledger keeps the 3.

>>> from receivables.money import Money, split
>>> price = Money("637.585", "USD")
>>> price.quantize()
Money('637.59', 'USD')
>>> split(Money("100.00", "EUR"), [1, 1, 1])
[Money('33.34', 'EUR'), Money('33.33', 'EUR'), Money('33.33', 'EUR')]
>>> Money(0.1, "USD")
Traceback (most recent call last):
...
receivables.errors.FloatNotAllowed: amount 0.1 is a float; pass a Decimal, an int or a str ...
"""

from __future__ import annotations

import bisect
import decimal
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Final, ParamSpec, TypeVar, overload

import moneyed
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from receivables.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    InvalidAmount,
    MissingRate,
    UnknownCurrency,
)

__all__ = [
    "DEFAULT_ROUNDING",
    "FIXED_CONTEXT",
    "ExactDecimal",
    "FxQuote",
    "FxRate",
    "FxRates",
    "Money",
    "UnitPrice",
    "allocate_evenly",
    "convert",
    "currency_of",
    "in_fixed_context",
    "largest_remainder",
    "minor_units",
    "quantize",
    "split",
    "to_decimal",
]

DEFAULT_ROUNDING: Final = ROUND_HALF_UP
"""Rounding used when none is named: half up, as invoices and statutes expect."""

_ROUNDINGS: Final = frozenset(
    {
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_DOWN,
        decimal.ROUND_CEILING,
        decimal.ROUND_FLOOR,
        decimal.ROUND_05UP,
    }
)

# Current ISO 4217 codes that py-moneyed 3.0 does not carry yet:
# XCG (Caribbean guilder, from 2025-03-31) and ZWG (Zimbabwe Gold, from 2024-06-25).
_SUPPLEMENT: Final[dict[str, moneyed.Currency]] = {
    "XCG": moneyed.Currency(code="XCG", numeric="532", sub_unit=100, name="Caribbean guilder"),
    "ZWG": moneyed.Currency(code="ZWG", numeric="924", sub_unit=100, name="Zimbabwe Gold"),
}

_CODE_RE: Final = re.compile(r"^[A-Z]{3}$")

# Calculators read, sum and revalue amounts in this one fixed context, never the caller's:
# at a caller's prec=5, 135,469.13 would become 1.3547E+5 or fail to quantise.
FIXED_CONTEXT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""The decimal context (60 digits, traps on) the calculators compute in."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


# Shares are computed well beyond any amount's digits, with one fixed rounding, so a
# split never depends on the caller's decimal context.
_SPLIT_CONTEXT: Final = decimal.Context(
    prec=120, rounding=decimal.ROUND_FLOOR, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
)


def in_fixed_context(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in :data:`FIXED_CONTEXT`, whatever context its caller set, so a result
    never depends on the caller's decimal precision or rounding.

    Examples:
        >>> @in_fixed_context
        ... def third() -> Decimal:
        ...     return Decimal(1) / 3
        >>> with decimal.localcontext(prec=3):
        ...     len(str(third()))
        62
    """

    @functools.wraps(func)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(FIXED_CONTEXT):
            return func(*args, **kwargs)

    return run


# Derived rates (inverses, triangulations) are computed at a fixed precision, so a table
# gives the same rate whatever decimal context the caller happens to run in.
_RATE_CONTEXT: Final = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)

# Money arithmetic runs in this fixed context (Python's default precision, stated), not in
# whatever context the caller set: a caller at prec=5 must still get 123456.78 + 0.01 exact.
_MONEY_CONTEXT: Final = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


@lru_cache(maxsize=512)
def currency_of(code: str) -> moneyed.Currency:
    """Return the ISO 4217 currency for ``code``; raise :class:`UnknownCurrency` if none.

    >>> currency_of("KWD").sub_unit
    1000
    """
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise UnknownCurrency(str(code))
    if code in _SUPPLEMENT:
        return _SUPPLEMENT[code]
    try:
        return moneyed.get_currency(code)
    except moneyed.CurrencyDoesNotExist:
        raise UnknownCurrency(code) from None


@lru_cache(maxsize=512)
def minor_units(currency: str | moneyed.Currency) -> int:
    """The ISO 4217 exponent: digits after the decimal point (JPY 0, USD 2, KWD 3, CLF 4).

    Codes with no minor unit in ISO 4217 (precious metals, XXX) count as 0.

    >>> tuple(minor_units(c) for c in ("JPY", "USD", "KWD", "CLF", "IQD"))
    (0, 2, 3, 4, 3)
    """
    cur = currency if isinstance(currency, moneyed.Currency) else currency_of(currency)
    digits = len(str(cur.sub_unit)) - 1
    if cur.sub_unit != 10**digits:
        raise UnknownCurrency(cur.code)
    return digits


@lru_cache(maxsize=512)
def _exponent(code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(code), _MONEY_CONTEXT)


def _check_rounding(rounding: str) -> str:
    if rounding not in _ROUNDINGS:
        raise ValueError(f"unknown rounding mode {rounding!r}: use one of decimal's ROUND_*")
    return rounding


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Turn ``value`` into an exact, finite :class:`~decimal.Decimal`.

    Accepts ``Decimal``, ``int`` and numeric ``str``; refuses ``float`` (inexact),
    ``bool`` (a flag, not a number), NaN and infinities.

    >>> to_decimal("12.30")
    Decimal('12.30')
    >>> to_decimal(True)
    Traceback (most recent call last):
    ...
    receivables.errors.InvalidAmount: amount True is a bool, not a number
    """
    if isinstance(value, bool):
        raise InvalidAmount(f"{what} {value!r} is a bool, not a number")
    if isinstance(value, float):
        raise FloatNotAllowed(
            f"{what} {value!r} is a float; pass a Decimal, an int or a str such as '12.30'"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except decimal.InvalidOperation:
            raise InvalidAmount(f"{what} {value!r} is not a number") from None
    else:
        raise InvalidAmount(
            f"{what} {value!r} of type {type(value).__name__} is not a Decimal, int or str"
        )
    if not result.is_finite():
        raise InvalidAmount(f"{what} {value!r} is not a finite number")
    return result


class Money(moneyed.Money):
    """An amount of one currency, exact: py-moneyed's ``Money`` with strict input.

    The constructor refuses floats, bools, NaN, infinities and codes outside ISO 4217.
    Arithmetic keeps full precision; :meth:`quantize` rounds to the currency's minor unit
    with a named rounding mode. Adding two currencies raises :class:`CurrencyMismatch`.

    As a pydantic field type it accepts a ``Money`` (ours or py-moneyed's), a mapping
    ``{"amount": "12.30", "currency": "USD"}`` or a string ``"12.30 USD"``; it quantises to
    the minor unit (half up) and serialises the amount as a string. A JSON number with a
    fraction is refused, because pydantic would read it through a float.

    >>> Money("10.00", "USD") + Money("2.5", "USD")
    Money('12.50', 'USD')
    >>> Money.parse("1 234.5 JPY")
    Money('1234.5', 'JPY')
    >>> Money("1", "USD") + Money("1", "EUR")
    Traceback (most recent call last):
    ...
    receivables.errors.CurrencyMismatch: cannot add USD and EUR amounts; convert one ...
    """

    def __init__(self, amount: object, currency: str | moneyed.Currency) -> None:
        if isinstance(currency, moneyed.Currency):
            cur = currency_of(currency.code)
        elif isinstance(currency, str):
            cur = currency_of(currency.strip().upper())
        else:
            raise UnknownCurrency(repr(currency))
        super().__init__(to_decimal(amount), cur)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Money:
        """Read ``"12.30 USD"`` or ``"USD 12.30"`` (spaces or ``_`` as thousands marks).

        >>> Money.parse("USD -5")
        Money('-5', 'USD')
        """
        parts = text.split()
        if len(parts) < 2:
            raise InvalidAmount(f"cannot read money from {text!r}: expected '12.30 USD'")
        if _CODE_RE.match(parts[-1].upper()) and not _CODE_RE.match(parts[0].upper()):
            return cls("".join(parts[:-1]), parts[-1])
        if _CODE_RE.match(parts[0].upper()):
            return cls("".join(parts[1:]), parts[0])
        raise InvalidAmount(f"cannot read money from {text!r}: expected '12.30 USD'")

    @classmethod
    def zero(cls, currency: str | moneyed.Currency) -> Money:
        """Zero in ``currency``, at its minor unit."""
        code = currency.strip().upper() if isinstance(currency, str) else currency.code
        return cls(Decimal(0).quantize(_exponent(code)), code)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Build from an integer count of minor units: ``from_minor(1230, "USD")`` is 12.30.

        >>> Money.from_minor(1230, "USD"), Money.from_minor(5, "JPY")
        (Money('12.30', 'USD'), Money('5', 'JPY'))
        """
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidAmount(f"minor units {units!r} must be an int")
        code = currency.strip().upper() if isinstance(currency, str) else currency
        return cls(Decimal(units).scaleb(-minor_units(code), _MONEY_CONTEXT), code)

    # -- minor units --------------------------------------------------------------------
    @property
    def code(self) -> str:
        """The ISO 4217 code, e.g. ``"USD"``."""
        return str(self.currency.code)

    def quantize(self, rounding: str = DEFAULT_ROUNDING) -> Money:
        """Round to the currency's minor unit with ``rounding`` (default half up)."""
        exp = _exponent(self.code)
        rounded = self.amount.quantize(
            exp, rounding=_check_rounding(rounding), context=_MONEY_CONTEXT
        )
        return Money(rounded, self.currency)

    @property
    def is_quantized(self) -> bool:
        """True when the amount has no digits below the currency's minor unit."""
        exp = _exponent(self.code)
        return self.amount == self.amount.quantize(
            exp, rounding=ROUND_HALF_UP, context=_MONEY_CONTEXT
        )

    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units; the amount must be quantised."""
        if not self.is_quantized:
            raise InvalidAmount(
                f"{self.amount} {self.code} has digits below the minor unit; quantize it first"
            )
        return int(self.amount.scaleb(minor_units(self.code), _MONEY_CONTEXT))

    # -- arithmetic ---------------------------------------------------------------------
    def __add__(self, other: object) -> Money:
        if isinstance(other, moneyed.Money):
            if other.currency != self.currency:
                raise CurrencyMismatch(
                    f"cannot add {self.code} and {other.currency.code} amounts;"
                    " convert one with FxRates first"
                )
            return Money(_MONEY_CONTEXT.add(self.amount, other.amount), self.currency)
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Money:
        if isinstance(other, moneyed.Money):
            return self.__add__(-other)
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __rsub__(self, other: object) -> Money:
        return (-self).__add__(other)

    def __neg__(self) -> Money:
        return Money(_MONEY_CONTEXT.minus(self.amount), self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(_MONEY_CONTEXT.abs(self.amount), self.currency)

    def __mul__(self, other: object) -> Money:
        if isinstance(other, moneyed.Money):
            raise TypeError("cannot multiply two amounts of money")
        if isinstance(other, (Decimal, int)) and not isinstance(other, bool):
            return Money(_MONEY_CONTEXT.multiply(self.amount, other), self.currency)
        if isinstance(other, float):
            to_decimal(other, what="factor")
        return NotImplemented

    __rmul__ = __mul__

    @overload
    def __truediv__(self, other: moneyed.Money) -> Decimal: ...
    @overload
    def __truediv__(self, other: Decimal | int) -> Money: ...
    @overload
    def __truediv__(self, other: object) -> Money | Decimal: ...
    def __truediv__(self, other: object) -> Money | Decimal:
        if isinstance(other, moneyed.Money):
            if other.currency != self.currency:
                raise CurrencyMismatch(
                    f"cannot divide {self.code} by {other.currency.code}; convert first"
                )
            self._check_divisor(other.amount)
            return _MONEY_CONTEXT.divide(self.amount, other.amount)
        if isinstance(other, (Decimal, int)) and not isinstance(other, bool):
            self._check_divisor(other)
            return Money(_MONEY_CONTEXT.divide(self.amount, other), self.currency)
        if isinstance(other, float):
            to_decimal(other, what="divisor")
        return NotImplemented

    def _check_divisor(self, divisor: Decimal | int) -> None:
        if divisor == 0:
            raise InvalidAmount(f"cannot divide {self} by zero")

    def _cmp_amount(self, other: object) -> Decimal:
        if not isinstance(other, moneyed.Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot compare {self.code} with {other.currency.code}")
        return other.amount

    def __lt__(self, other: object) -> bool:
        return self.amount < self._cmp_amount(other)

    def __le__(self, other: object) -> bool:
        return self.amount <= self._cmp_amount(other)

    def __gt__(self, other: object) -> bool:
        return self.amount > self._cmp_amount(other)

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._cmp_amount(other)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, moneyed.Money):
            return bool(self.currency == other.currency and self.amount == other.amount)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.amount, self.currency.code))

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.code}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.code}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (self.amount, self.code))

    # -- pydantic -----------------------------------------------------------------------
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_money,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize_money, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return dict(_MONEY_JSON_SCHEMA)


_MONEY_JSON_SCHEMA: Final[dict[str, Any]] = {
    "title": "Money",
    "description": "An exact amount: the amount as a decimal string and an ISO 4217 code.",
    "type": "object",
    "properties": {
        "amount": {
            "anyOf": [
                {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
                {"type": "integer"},
            ],
            "description": "Decimal amount; send fractions as a string, never a JSON number.",
            "examples": ["12.30"],
        },
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["USD"]},
    },
    "required": ["amount", "currency"],
    "additionalProperties": False,
}


def _validate_money(value: Any) -> Money:
    return _read_money(value).quantize()


def _validate_unit_price(value: Any) -> Money:
    return _read_money(value)


def _read_money(value: Any) -> Money:
    if isinstance(value, moneyed.Money):
        money = value if isinstance(value, Money) else Money(value.amount, value.currency)
    elif isinstance(value, dict):
        extra = set(value) - {"amount", "currency"}
        if extra or "amount" not in value or "currency" not in value:
            raise InvalidAmount(
                "money must be {'amount': '12.30', 'currency': 'USD'}"
                + (f"; unexpected keys {sorted(extra)}" if extra else "")
            )
        amount = value["amount"]
        if isinstance(amount, float):
            raise FloatNotAllowed(
                f"amount {amount!r} is a float; send the amount as a string such as"
                " '12.30' (or a Decimal): floats and JSON numbers with a fraction are inexact"
            )
        money = Money(amount, value["currency"])
    elif isinstance(value, str):
        money = Money.parse(value)
    elif isinstance(value, float):
        raise FloatNotAllowed(f"money {value!r} is a float; pass Money, Decimal or str")
    else:
        raise InvalidAmount(
            f"cannot read money from {type(value).__name__}: pass Money, "
            "{'amount': '12.30', 'currency': 'USD'} or '12.30 USD'"
        )
    return money


def _serialize_money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.code}


def _validate_exact_decimal(value: Any) -> Decimal:
    return to_decimal(value, what="number")


UnitPrice = Annotated[
    Money,
    PlainValidator(_validate_unit_price),
    PlainSerializer(_serialize_money, when_used="always"),
    WithJsonSchema(_MONEY_JSON_SCHEMA),
]
"""A price per unit: exact money that keeps digits below the minor unit (0.125 USD a
piece), as prices often do; what it multiplies into is rounded, the price itself is not.

Examples:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(UnitPrice).validate_python("0.125 USD")
    Money('0.125', 'USD')
"""

ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(_validate_exact_decimal),
    PlainSerializer(lambda d: str(d), return_type=str, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
]
"""A ``Decimal`` pydantic field that refuses floats (and so JSON numbers with a fraction)."""


def quantize(money: Money, rounding: str = DEFAULT_ROUNDING) -> Money:
    """Round ``money`` to its currency's ISO 4217 minor unit.

    >>> quantize(Money("1234.5675", "KWD")), quantize(Money("2.5", "JPY"), "ROUND_HALF_EVEN")
    (Money('1234.568', 'KWD'), Money('2', 'JPY'))
    """
    return money.quantize(rounding)


def largest_remainder(units: int, weights: Sequence[Decimal | int | str]) -> list[int]:
    """Split a whole number of ``units`` in proportion to ``weights``: the parts add up to
    ``units`` exactly.

    Each part gets the floor of its exact share and the leftover units go one by one to
    the largest remainders, ties to the earlier weight (the largest-remainder method of
    Hamilton; Balinski & Young, *Fair Representation*, 2nd ed., 2001, ch. 2). A part with
    a zero weight is always zero. This is the rule behind :func:`split`; it is public so
    that integer weights (parts per billion, say) can be made the same way.

    >>> largest_remainder(10, [1, 1, 1])
    [4, 3, 3]
    >>> largest_remainder(1_000_000_000, [Decimal("0.5"), Decimal("0.25"), 0, Decimal("0.25")])
    [500000000, 250000000, 0, 250000000]
    """
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise ValueError(f"largest_remainder splits a whole number of units >= 0, not {units!r}")
    if all(type(w) is int for w in weights):
        return _largest_remainder_of_integers(units, [int(w) for w in weights])
    ws = [to_decimal(w, what="weight") for w in weights]
    if not ws:
        raise ValueError("split needs at least one weight")
    if any(w < 0 for w in ws):
        raise ValueError(f"weights must not be negative: {[str(w) for w in ws]}")
    with decimal.localcontext(_SPLIT_CONTEXT):
        total_weight = sum(ws, Decimal(0))
        if total_weight == 0:
            raise ValueError("weights must not all be zero")
        parts: list[int] = []
        remainders: list[tuple[Decimal, int]] = []
        for i, w in enumerate(ws):
            exact = Decimal(units) * w / total_weight
            floor = int(exact)
            parts.append(floor)
            remainders.append((exact - floor, i))
    leftover = units - sum(parts)
    for _, i in sorted(remainders, key=lambda r: (-r[0], r[1]))[:leftover]:
        parts[i] += 1
    return parts


def _largest_remainder_of_integers(units: int, weights: list[int]) -> list[int]:
    """:func:`largest_remainder` with whole weights: exact integer arithmetic throughout."""
    if not weights:
        raise ValueError("split needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must not be negative: {weights}")
    total = sum(weights)
    if total == 0:
        raise ValueError("weights must not all be zero")
    shares = [divmod(units * w, total) for w in weights]
    parts = [floor for floor, _ in shares]
    leftover = units - sum(parts)
    ranked = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in ranked[:leftover]:
        parts[i] += 1
    return parts


def split(money: Money, weights: Sequence[Decimal | int | str]) -> list[Money]:
    """Split ``money`` in proportion to ``weights`` without losing a minor unit.

    The amount is first quantised (half up); each part gets the floor of its exact share
    and the leftover minor units go one by one to the largest remainders, ties to the
    earlier weight (:func:`largest_remainder`). The parts always add up to the quantised
    whole, and a part with a zero weight is always zero. A negative amount splits like its
    absolute value.

    >>> split(Money("0.05", "USD"), [1, 1])
    [Money('0.03', 'USD'), Money('0.02', 'USD')]
    >>> split(Money("-10", "JPY"), [2, 1])
    [Money('-7', 'JPY'), Money('-3', 'JPY')]
    """
    whole = money.quantize()
    sign = -1 if whole.amount < 0 else 1
    parts = largest_remainder(abs(whole.minor), weights)
    return [Money.from_minor(sign * p, whole.code) for p in parts]


def allocate_evenly(money: Money, n: int) -> list[Money]:
    """Split ``money`` into ``n`` parts as equal as minor units allow, larger parts first.

    >>> allocate_evenly(Money("100", "JPY"), 3)
    [Money('34', 'JPY'), Money('33', 'JPY'), Money('33', 'JPY')]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"allocate_evenly needs a positive number of parts, not {n!r}")
    return split(money, [1] * n)


# --------------------------------------------------------------------------------------
# Exchange rates
# --------------------------------------------------------------------------------------


def _currency_code(value: Any) -> str:
    if not isinstance(value, str):
        raise UnknownCurrency(repr(value))
    code = value.strip().upper()
    currency_of(code)
    return code


CurrencyCode = Annotated[str, BeforeValidator(_currency_code)]
"""A validated ISO 4217 alphabetic code."""


class FxRate(BaseModel):
    """One dated rate: on ``on``, 1 unit of ``base`` buys ``rate`` units of ``quote``.

    >>> FxRate(base="EUR", quote="USD", on=date(2026, 1, 2), rate=Decimal("1.0350"))
    FxRate(base='EUR', quote='USD', on=datetime.date(2026, 1, 2), rate=Decimal('1.0350'))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: CurrencyCode
    quote: CurrencyCode
    on: date
    rate: ExactDecimal = Field(gt=0)

    @model_validator(mode="after")
    def _distinct(self) -> FxRate:
        if self.base == self.quote:
            raise ValueError(f"a rate needs two currencies, got {self.base}/{self.quote}")
        return self


class FxQuote(BaseModel):
    """The rate used for a conversion, and where it came from (for the audit trail)."""

    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    rate: ExactDecimal
    requested_on: date
    rate_date: date | None = Field(
        description="Date of the oldest table entry used; None when no conversion was needed."
    )
    path: tuple[str, ...] = Field(description="Currencies passed through, e.g. GBP, EUR, USD.")


class FxRates(BaseModel):
    """A table of dated exchange rates, looked up as of a date.

    The rate for a pair on a date is the latest entry on or before that date: the pair
    itself, else the inverse of its reverse, else through ``pivot`` (triangulation:
    ``A->pivot x pivot->B``). Nothing is fetched; a missing rate raises
    :class:`~receivables.errors.MissingRate` naming the pair and the date.

    >>> rates = FxRates(pivot="EUR", rates=[
    ...     FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=Decimal("1.10")),
    ...     FxRate(base="EUR", quote="GBP", on=date(2026, 1, 1), rate=Decimal("0.88")),
    ... ])
    >>> rates.convert(Money("100.00", "GBP"), "USD", on=date(2026, 3, 1))
    Money('125.00', 'USD')
    >>> rates.rate("USD", "EUR", on=date(2026, 3, 1))
    Decimal('0.9090909090909090909090909091')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rates: tuple[FxRate, ...] = ()
    pivot: CurrencyCode | None = Field(
        default=None, description="Currency to triangulate through when no direct rate exists."
    )

    _index: dict[tuple[str, str], tuple[list[date], list[Decimal]]] = PrivateAttr(
        default_factory=dict
    )

    def model_post_init(self, context: Any, /) -> None:
        grouped: dict[tuple[str, str], dict[date, Decimal]] = {}
        for r in self.rates:
            seen = grouped.setdefault((r.base, r.quote), {})
            if r.on in seen and seen[r.on] != r.rate:
                raise ValueError(
                    f"two different rates {r.base}->{r.quote} on {r.on.isoformat()}:"
                    f" {seen[r.on]} and {r.rate}"
                )
            seen[r.on] = r.rate
        for pair, by_day in grouped.items():
            days = sorted(by_day)
            self._index[pair] = (days, [by_day[d] for d in days])

    _MISSING: ClassVar[tuple[None, None]] = (None, None)

    def _direct(self, source: str, target: str, on: date) -> tuple[Decimal | None, date | None]:
        best: tuple[Decimal | None, date | None] = self._MISSING
        entry = self._index.get((source, target))
        if entry is not None:
            i = bisect.bisect_right(entry[0], on)
            if i:
                best = (entry[1][i - 1], entry[0][i - 1])
        inverse = self._index.get((target, source))
        if inverse is not None:
            i = bisect.bisect_right(inverse[0], on)
            if i and (best[1] is None or inverse[0][i - 1] > best[1]):
                with decimal.localcontext(_RATE_CONTEXT):
                    best = (Decimal(1) / inverse[1][i - 1], inverse[0][i - 1])
        return best

    def quote(self, source: str, target: str, *, on: date) -> FxQuote:
        """The rate ``source -> target`` on ``on`` with the date and path it came from."""
        source, target = _currency_code(source), _currency_code(target)
        if source == target:
            return FxQuote(
                source=source,
                target=target,
                rate=Decimal(1),
                requested_on=on,
                rate_date=None,
                path=(source,),
            )
        rate, when = self._direct(source, target, on)
        if rate is not None and when is not None:
            return FxQuote(
                source=source,
                target=target,
                rate=rate,
                requested_on=on,
                rate_date=when,
                path=(source, target),
            )
        pivot = self.pivot
        if pivot is not None and pivot not in (source, target):
            first, d1 = self._direct(source, pivot, on)
            second, d2 = self._direct(pivot, target, on)
            if first is not None and second is not None and d1 is not None and d2 is not None:
                with decimal.localcontext(_RATE_CONTEXT):
                    through = first * second
                return FxQuote(
                    source=source,
                    target=target,
                    rate=through,
                    requested_on=on,
                    rate_date=min(d1, d2),
                    path=(source, pivot, target),
                )
        raise MissingRate(source, target, on)

    def rate(self, source: str, target: str, *, on: date) -> Decimal:
        """The multiplier that turns ``source`` amounts into ``target`` amounts on ``on``."""
        return self.quote(source, target, on=on).rate

    def convert(
        self, money: Money, to: str, *, on: date, rounding: str = DEFAULT_ROUNDING
    ) -> Money:
        """``money`` in currency ``to`` at the rate on ``on``, rounded to ``to``'s minor unit."""
        return convert(money, to, on=on, rates=self, rounding=rounding)

    def with_rates(self, rates: Iterable[FxRate]) -> FxRates:
        """A new table with ``rates`` added."""
        return FxRates(rates=(*self.rates, *rates), pivot=self.pivot)


def convert(
    money: Money,
    to: str,
    *,
    on: date,
    rates: FxRates,
    rounding: str = DEFAULT_ROUNDING,
) -> Money:
    """Convert ``money`` into ``to`` with the rate on ``on``, rounded once at the end.

    >>> table = FxRates(rates=[FxRate(base="USD", quote="JPY", on=date(2026, 1, 5),
    ...                               rate=Decimal("151.237"))])
    >>> convert(Money("10.00", "USD"), "JPY", on=date(2026, 2, 1), rates=table)
    Money('1512', 'JPY')
    """
    rate = rates.rate(money.code, to, on=on)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return Money(money.amount * rate, to).quantize(rounding)
