"""Properties of money: splitting conserves, quantising lands on the minor unit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from receivables.money import Money, allocate_evenly, largest_remainder, minor_units, split

CODES = st.sampled_from(["JPY", "USD", "EUR", "KWD", "IQD", "CLF", "BHD"])
AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=6
)
WEIGHTS = st.lists(
    st.decimals(min_value=0, max_value=1000, allow_nan=False, places=3), min_size=1, max_size=20
).filter(lambda ws: sum(ws) > 0)


@given(AMOUNTS, CODES)
def test_quantize_lands_on_the_minor_unit_within_half_a_unit(amount: Decimal, code: str) -> None:
    q = Money(amount, code).quantize()
    assert q.amount == q.amount.quantize(Decimal(1).scaleb(-minor_units(code)))
    assert abs(q.amount - amount) <= Decimal(1).scaleb(-minor_units(code)) / 2
    assert q.quantize() == q


@given(AMOUNTS, CODES, WEIGHTS)
def test_split_conserves_the_quantised_whole(amount: Decimal, code: str, ws: list[Decimal]) -> None:
    whole = Money(amount, code).quantize()
    parts = split(whole, ws)
    assert len(parts) == len(ws)
    assert sum(parts, Money.zero(code)) == whole
    assert all(p.is_quantized for p in parts)
    assert all(p.amount == 0 for p, w in zip(parts, ws, strict=True) if w == 0)


@given(AMOUNTS, CODES, WEIGHTS)
def test_split_parts_are_within_one_unit_of_the_exact_share(
    amount: Decimal, code: str, ws: list[Decimal]
) -> None:
    whole = Money(amount, code).quantize()
    unit = Decimal(1).scaleb(-minor_units(code))
    total = sum(ws)
    for part, w in zip(split(whole, ws), ws, strict=True):
        assert abs(part.amount - whole.amount * w / total) < unit


@given(AMOUNTS, CODES, st.integers(min_value=1, max_value=50))
def test_allocate_evenly_conserves_and_differs_by_at_most_one_unit(
    amount: Decimal, code: str, n: int
) -> None:
    whole = Money(amount, code).quantize()
    parts = allocate_evenly(whole, n)
    assert sum(parts, Money.zero(code)) == whole
    minors = [p.minor for p in parts]
    assert max(minors) - min(minors) <= 1
    assert minors == sorted(minors, key=abs, reverse=True)


@given(
    st.integers(min_value=0, max_value=10**20),
    st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12).filter(any),
)
def test_whole_weights_split_like_decimal_weights(units: int, weights: list[int]) -> None:
    """The exact integer path and the decimal path of largest_remainder agree, and conserve."""
    whole = largest_remainder(units, weights)
    assert whole == largest_remainder(units, [Decimal(w) for w in weights])
    assert sum(whole) == units
    assert all(part == 0 for part, w in zip(whole, weights, strict=True) if w == 0)
