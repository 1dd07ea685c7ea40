"""Properties of payment terms that must hold for every terms, date, amount and calendar."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from receivables.money import Money
from receivables.terms import (
    BusinessCalendar,
    EarlyPaymentDiscount,
    InstalmentRule,
    PaymentTerms,
)

CURRENCIES = st.sampled_from(["JPY", "USD", "KWD", "CLF", "EUR", "BHD"])


@st.composite
def money(draw: st.DrawFn) -> Money:
    units = draw(st.integers(min_value=-(10**12), max_value=10**12))
    return Money.from_minor(units, draw(CURRENCIES))


@st.composite
def shares(draw: st.DrawFn) -> list[Decimal]:
    """Percent shares summing to exactly 100, at 0, 2 or 4 decimal places."""
    scale = draw(st.sampled_from([1, 100, 10_000]))
    whole = 100 * scale
    cuts = draw(st.sets(st.integers(min_value=1, max_value=whole - 1), max_size=7))
    points = [0, *sorted(cuts), whole]
    return [Decimal(b - a) / scale for a, b in pairwise(points)]


@st.composite
def tiers(
    draw: st.DrawFn, below: int, *, from_month_end: bool = False
) -> tuple[EarlyPaymentDiscount, ...]:
    """Up to three discount tiers, best first, every tier ending before day ``below``."""
    if below <= 0:
        return ()
    count = draw(st.integers(min_value=0, max_value=min(3, below)))
    days = sorted(draw(st.sets(st.integers(0, below - 1), min_size=count, max_size=count)))
    basis_points = draw(st.sets(st.integers(1, 9_999), min_size=count, max_size=count))
    percents = sorted((Decimal(b) / 100 for b in basis_points), reverse=True)
    return tuple(
        EarlyPaymentDiscount(percent=p, days=d, from_month_end=from_month_end)
        for p, d in zip(percents, days, strict=True)
    )


@st.composite
def net_terms(draw: st.DrawFn) -> PaymentTerms:
    net = draw(st.integers(0, 400))
    return PaymentTerms(kind="net", net_days=net, discounts=draw(tiers(net)))


@st.composite
def eom_terms(draw: st.DrawFn) -> PaymentTerms:
    net = draw(st.integers(0, 400))
    rule = draw(st.sampled_from(["days_after_month_end", "month_end_after_days"]))
    month_end = rule == "days_after_month_end" and draw(st.booleans())
    return PaymentTerms(
        kind="eom",
        net_days=net,
        eom_rule=rule,
        discounts=draw(tiers(net, from_month_end=month_end)),
    )


@st.composite
def prox_terms(draw: st.DrawFn) -> PaymentTerms:
    day = draw(st.integers(1, 31))
    offset = draw(st.integers(1, 3))
    limit = 29 if offset > 1 else min(29, day)
    return PaymentTerms(
        kind="prox",
        day_of_month=day,
        months_offset=offset,
        discounts=draw(tiers(limit, from_month_end=draw(st.booleans()))),
    )


@st.composite
def instalment_terms(draw: st.DrawFn) -> PaymentTerms:
    parts = draw(shares())
    days = sorted(draw(st.sets(st.integers(0, 720), min_size=len(parts), max_size=len(parts))))
    rules = []
    for share, d in zip(parts, days, strict=True):
        discount = None
        if d > 0 and draw(st.booleans()):
            discount = EarlyPaymentDiscount(percent=Decimal(2), days=draw(st.integers(0, d - 1)))
        rules.append(InstalmentRule(share=share, days=d, discount=discount))
    return PaymentTerms(kind="instalments", schedule=tuple(rules))


TERMS = st.one_of(
    net_terms(),
    eom_terms(),
    prox_terms(),
    instalment_terms(),
    st.sampled_from([PaymentTerms(kind="due_on_receipt"), PaymentTerms(kind="cash_in_advance")]),
)
INVOICE_DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def calendars(draw: st.DrawFn, near: date) -> BusinessCalendar | None:
    """No calendar, or a calendar whose holidays fall in the months after ``near``."""
    if draw(st.booleans()):
        return None
    weekend = draw(st.sets(st.integers(0, 6), max_size=4))
    offsets = draw(st.sets(st.integers(-5, 500), max_size=25))
    return BusinessCalendar(
        weekend=frozenset(weekend),
        holidays=frozenset(near + timedelta(days=o) for o in offsets),
        roll=draw(st.sampled_from(["following", "modified_following", "preceding"])),
    )


@given(terms=instalment_terms(), total=money(), invoice_date=INVOICE_DATES)
def test_instalments_sum_exactly_to_the_total(
    terms: PaymentTerms, total: Money, invoice_date: date
) -> None:
    parts = terms.instalments(total, invoice_date)
    assert sum((p.amount for p in parts), Money.zero(total.code)) == total
    assert all(p.amount.is_quantized and p.amount.code == total.code for p in parts)
    assert [p.number for p in parts] == list(range(1, len(terms.schedule) + 1))


@given(terms=TERMS, total=money(), invoice_date=INVOICE_DATES)
def test_any_terms_schedule_sums_to_the_quantised_total(
    terms: PaymentTerms, total: Money, invoice_date: date
) -> None:
    parts = terms.instalments(total, invoice_date)
    assert sum((p.amount for p in parts), Money.zero(total.code)) == total.quantize()
    assert parts[-1].due_date == terms.due_date(invoice_date)


@given(data=st.data(), terms=TERMS, amount=money(), invoice_date=INVOICE_DATES)
def test_discount_is_quantised_and_never_exceeds_the_amount(
    data: st.DataObject, terms: PaymentTerms, amount: Money, invoice_date: date
) -> None:
    paid_on = invoice_date + timedelta(days=data.draw(st.integers(-10, 500)))
    grace = data.draw(st.integers(0, 10))
    discount = terms.discount_for(amount, invoice_date, paid_on, grace_days=grace)
    assert discount.code == amount.code
    assert discount.is_quantized
    assert abs(discount.amount) <= abs(amount.amount)
    assert discount.amount * amount.amount >= 0


@given(data=st.data(), terms=TERMS, invoice_date=INVOICE_DATES)
def test_paying_later_never_earns_more(
    data: st.DataObject, terms: PaymentTerms, invoice_date: date
) -> None:
    amount = Money("1000.00", "USD")
    first = invoice_date + timedelta(days=data.draw(st.integers(0, 400)))
    later = first + timedelta(days=data.draw(st.integers(0, 400)))
    assert terms.discount_for(amount, invoice_date, later) <= terms.discount_for(
        amount, invoice_date, first
    )


@given(data=st.data(), terms=TERMS, invoice_date=INVOICE_DATES)
def test_due_date_is_never_before_the_invoice_date(
    data: st.DataObject, terms: PaymentTerms, invoice_date: date
) -> None:
    calendar = data.draw(calendars(invoice_date))
    due = terms.due_date(invoice_date, calendar=calendar)
    assert due >= invoice_date
    if calendar is not None:
        assert calendar.is_business_day(due)


@given(data=st.data(), terms=TERMS, invoice_date=INVOICE_DATES)
def test_discount_deadline_is_never_after_the_due_date(
    data: st.DataObject, terms: PaymentTerms, invoice_date: date
) -> None:
    calendar = data.draw(calendars(invoice_date))
    deadline = terms.discount_deadline(invoice_date, calendar=calendar)
    if deadline is not None:
        assert invoice_date <= deadline <= terms.due_date(invoice_date, calendar=calendar)
    for part in terms.instalments(Money("100", "JPY"), invoice_date, calendar=calendar):
        if part.discount_deadline is not None:
            assert part.discount_deadline <= part.due_date


@given(terms=TERMS)
def test_label_parses_back_to_the_same_terms(terms: PaymentTerms) -> None:
    assert PaymentTerms.parse(str(terms)) == terms


@given(terms=TERMS)
def test_terms_round_trip_through_json(terms: PaymentTerms) -> None:
    assert PaymentTerms.model_validate_json(terms.model_dump_json()) == terms


@given(terms=TERMS)
def test_cost_of_forgoing_a_discount_is_positive_when_defined(terms: PaymentTerms) -> None:
    for method in ("nominal", "effective"):
        cost = terms.cost_of_forgoing_discount(method=method, invoice_date=date(2026, 1, 15))
        assert cost is None or cost > 0
