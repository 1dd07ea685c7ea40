"""Late-payment interest and fixed compensation, by statute or by contract.

Interest for late payment is *simple* interest on the open principal of one invoice,
counted per day from the day after the due date (Directive 2011/7/EU, art. 2(6): "simple
interest"; BGB § 288(1); Late Payment of Commercial Debts (Interest) Act 1998, s. 4(2):
interest "starts to run on the day after the relevant date"):

$$ I = \\sum_{k} P_k \\cdot \\frac{r_k}{100} \\cdot \\frac{n_k}{B_k} $$

where the late days are cut into ranges $k$ in which nothing changes: the open principal
$P_k$ (every payment, credit, write-off or dispute that moves the open amount starts a
new range), the annual rate $r_k$ in percent (reference rate plus the statute's margin,
or the contractual rate), and the day-count basis $B_k$ (365 for actual/365, 360 for
actual/360, the days of the calendar year for actual/actual). $n_k$ is the number of
days in the range; the day a payment arrives still counts on the old principal, as in the
published German convention (due 01.07.2021, paid 05.07.2021: four late days). The sum
is kept exact and rounded to the currency's minor unit **once**, half up.

Reference rates are data (:class:`ReferenceRates`: dated entries such as the ECB main
refinancing rate, the Bundesbank's Basiszinssatz, the Bank of England's Bank Rate);
nothing is fetched. Statutes are data too (:class:`LatePaymentLaw`), with presets:

* :data:`EU_DIRECTIVE_2011_7` — reference rate (ECB MRO) in force on 1 January / 1 July,
  for that half-year, plus 8 points; EUR 40 per invoice (art. 2(6)-(7), art. 6(1)).
* :data:`DE_BGB_288_B2B` / :data:`DE_BGB_288_B2C` — Basiszinssatz (BGB § 247, changes on
  1 January and 1 July) plus 9 / 5 points; EUR 40 Pauschale for non-consumers (§ 288(5)).
* :data:`UK_LATE_PAYMENT_ACT` — Bank Rate in force on 31 December / 30 June immediately
  before interest starts, fixed for the debt, plus 8 % (Late Payment of Commercial Debts
  (Rate of Interest) (No. 3) Order 2002, art. 4); fixed sums GBP 40 / 70 / 100 for
  debts under 1,000 / under 10,000 / from 10,000 (Act s. 5A, inserted by the Late Payment
  of Commercial Debts Regulations 2002).
* :func:`contractual_rate` — a fixed agreed rate.

Examples:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> rates = ReferenceRates(rates=[ReferenceRate(source="BOE_BANK_RATE",
    ...     valid_from=date(2007, 7, 5), rate=Decimal("4"))])
    >>> result = interest_on_balances([BalanceChange(on=date(2008, 1, 31),
    ...     principal=Money("1000.00", "GBP"))], start=date(2008, 1, 31),
    ...     end=date(2008, 3, 1), law=UK_LATE_PAYMENT_ACT, rates=rates)
    >>> result.interest, result.days
    (Money('9.86', 'GBP'), 30)
"""

from __future__ import annotations

import bisect
import calendar
import decimal
import itertools
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from receivables.errors import CurrencyMismatch, ReceivablesError
from receivables.ledger import Ledger
from receivables.models import Application, DebitMemo, DebitReason, Document, Invoice, WriteOff
from receivables.money import ExactDecimal, FxRates, Money

__all__ = [
    "DE_BGB_288_B2B",
    "DE_BGB_288_B2C",
    "EU_DIRECTIVE_2011_7",
    "UK_LATE_PAYMENT_ACT",
    "BalanceChange",
    "CompensationTier",
    "DayCount",
    "InterestPeriod",
    "InterestResult",
    "InvalidInterestInput",
    "LatePaymentLaw",
    "MissingReferenceRate",
    "RateFixing",
    "ReferenceRate",
    "ReferenceRates",
    "balance_schedule",
    "contractual_rate",
    "earns_interest",
    "fixed_compensation",
    "interest_on_balances",
    "late_payment_interest",
    "year_fraction",
]

_PREC: Final = 50


class MissingReferenceRate(ReceivablesError, LookupError):
    """No reference rate of a source is known for a date."""

    def __init__(self, source: str, on: date, *, document_id: str | None = None) -> None:
        doc = f"{document_id}: " if document_id else ""
        super().__init__(
            f"{doc}no {source} reference rate known for {on.isoformat()}: add the rate in"
            " force on that date to the ReferenceRates table",
            document_id=document_id,
            field="rates",
        )
        self.source = source
        self.on = on


class InvalidInterestInput(ReceivablesError, ValueError):
    """Interest inputs that contradict each other (dates, currencies, schedule)."""


class DayCount(StrEnum):
    """How a number of days becomes a fraction of a year.

    * ``actual/365`` (Act/365 Fixed): days / 365, leap years included — the usual
      convention for UK statutory interest and German Verzugszinsen in practice.
    * ``actual/360``: days / 360 (money-market convention, some contracts).
    * ``actual/actual``: days in each calendar year / that year's length (365 or 366),
      ISDA 2006 § 4.16(b).
    """

    ACT_365 = "actual/365"
    ACT_360 = "actual/360"
    ACT_ACT = "actual/actual"


def year_fraction(first_day: date, last_day: date, day_count: DayCount) -> Decimal:
    """The fraction of a year that the days ``first_day`` .. ``last_day`` (inclusive) make.

    Examples:
        >>> year_fraction(date(2024, 12, 31), date(2025, 1, 1), DayCount.ACT_ACT)
        Decimal('0.005471966464555730219327793997')
        >>> year_fraction(date(2025, 1, 1), date(2025, 1, 30), DayCount.ACT_360)
        Decimal('0.08333333333333333333333333333')
    """
    if last_day < first_day:
        return Decimal(0)
    days = (last_day - first_day).days + 1
    if day_count is DayCount.ACT_365:
        return Decimal(days) / 365
    if day_count is DayCount.ACT_360:
        return Decimal(days) / 360
    total = Decimal(0)
    cursor = first_day
    while cursor <= last_day:
        year_end = date(cursor.year, 12, 31)
        upto = min(year_end, last_day)
        basis = 366 if calendar.isleap(cursor.year) else 365
        total += Decimal((upto - cursor).days + 1) / basis
        cursor = upto + timedelta(days=1)
    return total


class ReferenceRate(BaseModel):
    """One published value of a reference rate: ``rate`` percent from ``valid_from``.

    ``valid_to`` (inclusive) bounds it where the publisher says so (the Basiszinssatz is
    announced per half-year); without it the entry holds until the next one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, description="e.g. ECB_MRO, DE_BASISZINSSATZ")
    valid_from: date
    rate: ExactDecimal = Field(description="Percent per year; may be negative.")
    valid_to: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"reference rate {self.source} from {self.valid_from.isoformat()}: valid_to"
                f" {self.valid_to.isoformat()} is before valid_from"
            )
        return self


class ReferenceRates(BaseModel):
    """A table of dated reference rates, by source. Passed in, never fetched.

    Examples:
        >>> table = ReferenceRates(rates=[
        ...     ReferenceRate(source="DE_BASISZINSSATZ", valid_from=date(2024, 1, 1),
        ...                   rate=Decimal("3.62"), valid_to=date(2024, 6, 30)),
        ...     ReferenceRate(source="DE_BASISZINSSATZ", valid_from=date(2024, 7, 1),
        ...                   rate=Decimal("3.37"), valid_to=date(2024, 12, 31))])
        >>> table.rate_on("DE_BASISZINSSATZ", date(2024, 8, 1)).rate
        Decimal('3.37')
        >>> table.rate_on("DE_BASISZINSSATZ", date(2025, 1, 2))
        Traceback (most recent call last):
        ...
        receivables.interest.MissingReferenceRate: no DE_BASISZINSSATZ reference rate ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rates: tuple[ReferenceRate, ...] = ()

    _index: dict[str, tuple[list[date], list[ReferenceRate]]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        grouped: dict[str, dict[date, ReferenceRate]] = {}
        for r in self.rates:
            seen = grouped.setdefault(r.source, {})
            if r.valid_from in seen and seen[r.valid_from] != r:
                raise ValueError(
                    f"two different {r.source} rates from {r.valid_from.isoformat()}:"
                    f" {seen[r.valid_from].rate} and {r.rate}"
                )
            seen[r.valid_from] = r
        for source, by_day in grouped.items():
            days = sorted(by_day)
            self._index[source] = (days, [by_day[d] for d in days])

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources the table holds, sorted."""
        return tuple(sorted(self._index))

    def rate_on(self, source: str, on: date) -> ReferenceRate:
        """The entry of ``source`` in force on ``on``; :class:`MissingReferenceRate` if none."""
        entry = self._index.get(source)
        if entry is None:
            raise MissingReferenceRate(source, on)
        i = bisect.bisect_right(entry[0], on)
        if not i:
            raise MissingReferenceRate(source, on)
        found = entry[1][i - 1]
        if found.valid_to is not None and on > found.valid_to:
            raise MissingReferenceRate(source, on)
        return found

    def changes_between(self, source: str, first_day: date, last_day: date) -> list[date]:
        """The dates in ``first_day`` .. ``last_day`` on which an entry starts or one ends
        (the day after its ``valid_to``), sorted."""
        days, entries = self._index.get(source, ([], []))
        edges = set(days)
        edges.update(e.valid_to + timedelta(days=1) for e in entries if e.valid_to is not None)
        return sorted(d for d in edges if first_day < d <= last_day)


class RateFixing(StrEnum):
    """Which day's reference rate applies to a late day.

    * ``daily``: the rate in force on that day ("from time to time").
    * ``half_yearly``: the rate in force on the half-year's fixing day (1 January or
      1 July, or the day before with ``fixing_day_before_half``) applies to every day of
      that half-year (Directive 2011/7/EU).
    * ``at_start``: the rate of the fixing day before interest starts applies to the
      whole debt (UK Order 2002, art. 4).
    """

    DAILY = "daily"
    HALF_YEARLY = "half_yearly"
    AT_START = "at_start"


class CompensationTier(BaseModel):
    """A fixed sum owed once per late invoice: ``amount`` when the debt is below ``below``
    (the last tier has ``below=None``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    below: Money | None = None
    amount: Money


class LatePaymentLaw(BaseModel):
    """A statute's (or a contract's) late-payment rule, as data.

    Annual rate = reference rate (of ``rate_source``, fixed per ``fixing``) + ``margin``
    points; or ``fixed_rate`` when there is no reference rate (a contractual rate).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str
    citation: str = Field(description="Statute and article, for the audit trail.")
    rate_source: str | None = None
    margin: ExactDecimal = Decimal(0)
    fixed_rate: ExactDecimal | None = None
    fixing: RateFixing = RateFixing.DAILY
    fixing_day_before_half: bool = Field(
        default=False,
        description="Fix on 31 Dec / 30 Jun (UK) instead of 1 Jan / 1 Jul (EU).",
    )
    day_count: DayCount = DayCount.ACT_365
    compensation: tuple[CompensationTier, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.rate_source is None) == (self.fixed_rate is None):
            raise ValueError(
                f"late-payment law {self.id}: give either rate_source (a reference rate plus"
                " margin) or fixed_rate (a contractual rate), not both or neither"
            )
        currencies = {t.amount.code for t in self.compensation} | {
            t.below.code for t in self.compensation if t.below is not None
        }
        if len(currencies) > 1:
            raise ValueError(
                f"late-payment law {self.id}: compensation: tiers mix {sorted(currencies)}"
            )
        bounds = [t.below for t in self.compensation]
        if bounds and bounds[-1] is not None:
            raise ValueError(
                f"late-payment law {self.id}: compensation: last tier needs below=None"
            )
        inner = list(bounds[:-1])
        if any(b is None for b in inner) or any(
            a is not None and b is not None and a >= b for a, b in itertools.pairwise(inner)
        ):
            raise ValueError(f"late-payment law {self.id}: compensation: tier bounds must increase")
        return self

    def _fixing_day(self, day: date) -> date:
        half_start = date(day.year, 1 if day.month <= 6 else 7, 1)
        return half_start - timedelta(days=1) if self.fixing_day_before_half else half_start

    def annual_rate(
        self, day: date, rates: ReferenceRates, *, first_late_day: date
    ) -> tuple[Decimal, Decimal | None, date | None]:
        """(annual rate %, reference rate %, reference date) for the late day ``day``."""
        if self.fixed_rate is not None:
            return self.fixed_rate, None, None
        assert self.rate_source is not None
        if self.fixing is RateFixing.DAILY:
            fix = day
        elif self.fixing is RateFixing.HALF_YEARLY:
            fix = self._fixing_day(day)
        else:
            fix = self._fixing_day(first_late_day)
        ref = rates.rate_on(self.rate_source, fix)
        return ref.rate + self.margin, ref.rate, fix


def contractual_rate(
    rate: Decimal | str,
    *,
    day_count: DayCount = DayCount.ACT_365,
    compensation: Sequence[CompensationTier] = (),
    law_id: str = "contract",
) -> LatePaymentLaw:
    """A late-payment rule at an agreed fixed annual ``rate`` (percent).

    Examples:
        >>> contractual_rate("12").fixed_rate
        Decimal('12')
    """
    return LatePaymentLaw(
        id=law_id,
        title=f"Contractual rate {rate} % p.a.",
        citation="Contract between the parties",
        fixed_rate=Decimal(rate),
        day_count=day_count,
        compensation=tuple(compensation),
    )


EU_DIRECTIVE_2011_7: Final = LatePaymentLaw(
    id="eu_2011_7",
    title="EU Late Payment Directive: ECB reference rate + 8 points, EUR 40 per invoice",
    citation="Directive 2011/7/EU, arts. 2(6)-(7), 3, 4 and 6(1)",
    rate_source="ECB_MRO",
    margin=Decimal(8),
    fixing=RateFixing.HALF_YEARLY,
    compensation=(CompensationTier(amount=Money("40.00", "EUR")),),
)
"""Directive 2011/7/EU: the ECB main refinancing rate in force on 1 January / 1 July
applies for that half-year, plus at least 8 points; a fixed EUR 40 per late invoice."""

DE_BGB_288_B2B: Final = LatePaymentLaw(
    id="de_bgb_288_2",
    title="BGB § 288(2): Basiszinssatz + 9 points (no consumer), EUR 40 Pauschale",
    citation="BGB § 288(2) and (5), § 247",
    rate_source="DE_BASISZINSSATZ",
    margin=Decimal(9),
    compensation=(CompensationTier(amount=Money("40.00", "EUR")),),
)
"""BGB § 288(2): nine points above the Basiszinssatz (§ 247) for payment claims where no
consumer is party; § 288(5): EUR 40 flat."""

DE_BGB_288_B2C: Final = LatePaymentLaw(
    id="de_bgb_288_1",
    title="BGB § 288(1): Basiszinssatz + 5 points",
    citation="BGB § 288(1), § 247",
    rate_source="DE_BASISZINSSATZ",
    margin=Decimal(5),
)
"""BGB § 288(1): five points above the Basiszinssatz; no flat sum against a consumer."""

UK_LATE_PAYMENT_ACT: Final = LatePaymentLaw(
    id="uk_lpcd_1998",
    title="Late Payment of Commercial Debts (Interest) Act 1998: Bank Rate + 8 %",
    citation=(
        "Late Payment of Commercial Debts (Interest) Act 1998 ss. 4, 5A; Late Payment of"
        " Commercial Debts (Rate of Interest) (No. 3) Order 2002 art. 4"
    ),
    rate_source="BOE_BANK_RATE",
    margin=Decimal(8),
    fixing=RateFixing.AT_START,
    fixing_day_before_half=True,
    compensation=(
        CompensationTier(below=Money("1000.00", "GBP"), amount=Money("40.00", "GBP")),
        CompensationTier(below=Money("10000.00", "GBP"), amount=Money("70.00", "GBP")),
        CompensationTier(amount=Money("100.00", "GBP")),
    ),
)
"""UK statutory interest: 8 % over Bank Rate in force on the 30 June / 31 December
before interest starts, fixed for the debt; fixed sums GBP 40 / 70 / 100 (s. 5A)."""


def fixed_compensation(
    law: LatePaymentLaw,
    debt: Money,
    *,
    rates: FxRates | None = None,
    on: date | None = None,
) -> Money | None:
    """The fixed sum a late invoice of ``debt`` earns under ``law`` (None if the law has none).

    The sum is in the law's currency (EUR 40, GBP 70). A debt in another currency is
    converted at ``rates`` on ``on`` to pick the tier.

    Examples:
        >>> fixed_compensation(UK_LATE_PAYMENT_ACT, Money("999.99", "GBP"))
        Money('40.00', 'GBP')
        >>> fixed_compensation(UK_LATE_PAYMENT_ACT, Money("1000.00", "GBP"))
        Money('70.00', 'GBP')
        >>> fixed_compensation(UK_LATE_PAYMENT_ACT, Money("10000.00", "GBP"))
        Money('100.00', 'GBP')
    """
    if not law.compensation:
        return None
    code = law.compensation[0].amount.code
    if debt.code != code and any(t.below is not None for t in law.compensation):
        if rates is None or on is None:
            raise CurrencyMismatch(
                f"compensation under {law.id}: the debt is in {debt.code}, the tiers in {code};"
                " pass rates and a date to convert",
                field="rates",
            )
        debt = rates.convert(debt, code, on=on)
    for tier in law.compensation:
        if tier.below is None or debt.amount < tier.below.amount:
            return tier.amount
    return law.compensation[-1].amount


class BalanceChange(BaseModel):
    """From the end of day ``on``, the principal that earns interest is ``principal``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    principal: Money


class InterestPeriod(BaseModel):
    """A range of late days with one principal and one rate (first and last day inclusive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_day: date
    last_day: date
    days: int
    principal: Money
    annual_rate: ExactDecimal
    reference_rate: ExactDecimal | None
    reference_date: date | None
    year_fraction: ExactDecimal
    interest: ExactDecimal = Field(description="Exact, not rounded: principal x rate x fraction.")


class InterestResult(BaseModel):
    """Interest on one debt from ``start`` (exclusive) to ``end`` (inclusive), with its ranges.

    ``interest`` is the exact sum rounded once to the minor unit, half up.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str | None = None
    law_id: str
    citation: str
    day_count: DayCount
    start: date
    end: date
    periods: tuple[InterestPeriod, ...]
    interest_exact: ExactDecimal
    interest: Money
    compensation: Money | None = None
    reasons: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        """The late days counted (with a non-zero principal)."""
        return sum(p.days for p in self.periods)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per range, for tables and CSV."""
        return [
            {
                "document_id": self.document_id,
                "first_day": p.first_day,
                "last_day": p.last_day,
                "days": p.days,
                "principal": p.principal.amount,
                "currency": p.principal.code,
                "annual_rate": p.annual_rate,
                "reference_rate": p.reference_rate,
                "reference_date": p.reference_date,
                "year_fraction": p.year_fraction,
                "interest": p.interest,
            }
            for p in self.periods
        ]


def _boundaries(
    law: LatePaymentLaw, rates: ReferenceRates, first_day: date, last_day: date
) -> set[date]:
    """Days after which the rate or the day-count basis may change."""
    cuts: set[date] = set()
    if law.rate_source is not None:
        if law.fixing is RateFixing.DAILY:
            cuts.update(
                d - timedelta(days=1)
                for d in rates.changes_between(law.rate_source, first_day, last_day)
            )
        elif law.fixing is RateFixing.HALF_YEARLY:
            for year in range(first_day.year, last_day.year + 1):
                for month in (1, 7):
                    half = date(year, month, 1)
                    if first_day < half <= last_day:
                        cuts.add(half - timedelta(days=1))
    if law.day_count is DayCount.ACT_ACT:
        cuts.update(date(y, 12, 31) for y in range(first_day.year, last_day.year))
    return cuts


def interest_on_balances(
    changes: Iterable[BalanceChange],
    *,
    start: date,
    end: date,
    law: LatePaymentLaw,
    rates: ReferenceRates | None = None,
    document_id: str | None = None,
    rounding: str = decimal.ROUND_HALF_UP,
) -> InterestResult:
    """Simple interest on a principal that changes over time, late days ``start+1 .. end``.

    ``changes`` is the principal schedule: each entry says what is owed from the end of its
    day (a payment on day ``d`` still lets day ``d`` earn on the old principal). The first
    entry must be on or before ``start``. The ranges are cut wherever the principal, the
    applicable rate or (for actual/actual) the year changes; the exact sum is rounded once.
    Later issues feed this a schedule after a clearing order (BGB § 367) or net of disputed
    parts; the computation does not change.

    Examples:
        >>> table = ReferenceRates(rates=[ReferenceRate(source="DE_BASISZINSSATZ",
        ...     valid_from=date(2012, 1, 1), rate=Decimal("0.12"))])
        >>> r = interest_on_balances([BalanceChange(on=date(2012, 3, 1),
        ...     principal=Money("1000.00", "EUR"))], start=date(2012, 3, 1),
        ...     end=date(2012, 3, 26), law=DE_BGB_288_B2C, rates=table)
        >>> r.interest
        Money('3.51', 'EUR')
    """
    schedule = sorted(changes, key=lambda c: c.on)
    if not schedule:
        raise InvalidInterestInput(
            "interest needs a principal schedule with at least one entry",
            document_id=document_id,
            field="changes",
        )
    currency = schedule[0].principal.code
    for c in schedule:
        if c.principal.code != currency:
            raise CurrencyMismatch(
                f"{document_id or 'schedule'}: principal on {c.on.isoformat()} is in"
                f" {c.principal.code}, earlier entries in {currency}",
                document_id=document_id,
                field="changes",
            )
        if c.principal.amount < 0:
            raise InvalidInterestInput(
                f"{document_id or 'schedule'}: principal on {c.on.isoformat()} is negative",
                document_id=document_id,
                field="changes",
            )
    if schedule[0].on > start:
        raise InvalidInterestInput(
            f"{document_id or 'schedule'}: the first principal is dated"
            f" {schedule[0].on.isoformat()}, after the start {start.isoformat()}",
            document_id=document_id,
            field="changes",
        )
    if law.rate_source is not None and rates is None:
        raise MissingReferenceRate(
            law.rate_source, start + timedelta(days=1), document_id=document_id
        )
    table = rates if rates is not None else ReferenceRates()
    days_on = [c.on for c in schedule]

    def principal_after(day: date) -> Money:
        return schedule[bisect.bisect_right(days_on, day) - 1].principal

    periods: list[InterestPeriod] = []
    reasons: list[str] = [f"{law.citation}: simple interest, {law.day_count.value}"]
    total = Decimal(0)
    if end > start:
        first = start + timedelta(days=1)
        cuts = {c.on for c in schedule if start < c.on < end}
        cuts |= _boundaries(law, table, first, end)
        edges = [start, *sorted(c for c in cuts if start < c < end), end]
        with decimal.localcontext() as ctx:
            ctx.prec = _PREC
            for lo, hi in itertools.pairwise(edges):
                principal = principal_after(lo)
                day1 = lo + timedelta(days=1)
                try:
                    annual, ref, ref_day = law.annual_rate(day1, table, first_late_day=first)
                except MissingReferenceRate as exc:
                    raise MissingReferenceRate(
                        exc.source, exc.on, document_id=document_id
                    ) from None
                if principal.amount == 0:
                    continue
                frac = year_fraction(day1, hi, law.day_count)
                amount = principal.amount * annual / 100 * frac
                prev = periods[-1] if periods else None
                if (
                    prev is not None
                    and prev.last_day == lo
                    and prev.principal == principal
                    and prev.annual_rate == annual
                    and prev.reference_date == ref_day
                    and law.day_count is not DayCount.ACT_ACT
                ):
                    frac = prev.year_fraction + frac
                    periods[-1] = prev.model_copy(
                        update={
                            "last_day": hi,
                            "days": prev.days + (hi - lo).days,
                            "year_fraction": frac,
                            "interest": prev.interest + amount,
                        }
                    )
                else:
                    periods.append(
                        InterestPeriod(
                            first_day=day1,
                            last_day=hi,
                            days=(hi - lo).days,
                            principal=principal,
                            annual_rate=annual,
                            reference_rate=ref,
                            reference_date=ref_day,
                            year_fraction=frac,
                            interest=amount,
                        )
                    )
                total += amount
    else:
        reasons.append(f"no late days: end {end.isoformat()} is not after {start.isoformat()}")
    rounded = Money(total, currency).quantize(rounding)
    return InterestResult(
        document_id=document_id,
        law_id=law.id,
        citation=law.citation,
        day_count=law.day_count,
        start=start,
        end=end,
        periods=tuple(periods),
        interest_exact=total,
        interest=rounded,
        reasons=tuple(reasons),
    )


def earns_interest(document: Document) -> bool:
    """True for a debt that can earn late-payment interest: an invoice or a debit memo,
    but not a debit memo that itself charges interest or a dunning fee.

    No interest runs on interest (BGB § 289 sentence 1, "Zinseszinsverbot"; the UK Act
    s. 5A and Directive 2011/7/EU art. 6 likewise treat recovery costs as a fixed sum, not
    as a debt bearing interest).

    Examples:
        >>> from receivables.models import DebitMemo, DebitReason
        >>> memo = DebitMemo(id="DM-1", customer_id="C1", issue_date=date(2026, 3, 1),
        ...                  total="12.40 EUR", reason=DebitReason.INTEREST)
        >>> earns_interest(memo)
        False
    """
    if isinstance(document, Invoice):
        return True
    return isinstance(document, DebitMemo) and document.reason not in (
        DebitReason.INTEREST,
        DebitReason.FEE,
    )


def _interest_bearing(ledger: Ledger, document_id: str) -> Invoice | DebitMemo:
    doc = ledger.document(document_id)
    if not isinstance(doc, (Invoice, DebitMemo)):
        raise InvalidInterestInput(
            f"{document_id}: document_id: only invoices and debit memos earn interest, not a"
            f" {doc.kind}",
            document_id=document_id,
            field="document_id",
        )
    if isinstance(doc, DebitMemo) and not earns_interest(doc):
        raise InvalidInterestInput(
            f"{document_id}: document_id: a debit memo for {doc.reason.value} earns no"
            " interest (no interest on interest or fees: BGB § 289)",
            document_id=document_id,
            field="document_id",
        )
    return doc


def balance_schedule(
    ledger: Ledger, document_id: str, *, start: date, end: date, exclude_disputed: bool = True
) -> list[BalanceChange]:
    """The principal schedule of a ledger document from ``start`` to ``end``.

    The principal on a day is the document's open amount on it, less the part under open
    dispute when ``exclude_disputed`` (a disputed part earns no interest). Every movement
    and every dispute opened or resolved in the window starts a new entry.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")])
        >>> balance_schedule(ledger, "I1", start=date(2026, 1, 1), end=date(2026, 2, 1))
        [BalanceChange(on=datetime.date(2026, 1, 1), principal=Money('100.00', 'EUR'))]
    """
    _interest_bearing(ledger, document_id)
    days = {start}
    for m in ledger.movements_of(document_id, as_of=end):
        if isinstance(m, Application):
            when = m.applied_on
        elif isinstance(m, WriteOff):
            when = m.written_off_on
        else:
            continue
        if start < when <= end:
            days.add(when)
    if exclude_disputed:
        for d in ledger.disputes:
            if d.document_id != document_id:
                continue
            for edge in (d.opened_on, d.resolved_on):
                if edge is not None and start < edge <= end:
                    days.add(edge)
    out: list[BalanceChange] = []
    for day in sorted(days):
        principal = ledger.open_amount(document_id, as_of=day)
        if exclude_disputed:
            principal = principal - ledger.disputed_amount(document_id, as_of=day)
        if not out or out[-1].principal != principal:
            out.append(BalanceChange(on=day, principal=principal))
    return out


def late_payment_interest(
    ledger: Ledger,
    document_id: str,
    *,
    as_of: date,
    law: LatePaymentLaw,
    rates: ReferenceRates | None = None,
    start: date | None = None,
    exclude_disputed: bool = True,
    fx: FxRates | None = None,
) -> InterestResult:
    """Late-payment interest and fixed compensation on one ledger invoice up to ``as_of``.

    Interest runs from the day after ``start`` (default: the due date) through ``as_of``
    on the open principal (less open disputes), and stays owed after the principal is
    paid. The fixed compensation is due once interest has started to run (Directive
    2011/7/EU art. 6(1); Act 1998 s. 5A(1)); its tier is picked on the amount open when
    interest starts.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C", issue_date=date(2012, 2, 1),
        ...                          due_date=date(2012, 3, 1), total="1000.00 EUR")])
        >>> table = ReferenceRates(rates=[ReferenceRate(source="DE_BASISZINSSATZ",
        ...     valid_from=date(2012, 1, 1), rate=Decimal("0.12"))])
        >>> r = late_payment_interest(ledger, "I1", as_of=date(2012, 3, 26),
        ...                           law=DE_BGB_288_B2B, rates=table)
        >>> r.interest, r.compensation
        (Money('6.25', 'EUR'), Money('40.00', 'EUR'))
    """
    doc = _interest_bearing(ledger, document_id)
    begin = start if start is not None else doc.due
    if begin < doc.issue_date:
        raise InvalidInterestInput(
            f"{document_id}: start {begin.isoformat()} is before the issue date"
            f" {doc.issue_date.isoformat()}",
            document_id=document_id,
            field="start",
        )
    end = max(as_of, begin)
    schedule = balance_schedule(
        ledger, document_id, start=begin, end=end, exclude_disputed=exclude_disputed
    )
    result = interest_on_balances(
        schedule, start=begin, end=end, law=law, rates=rates, document_id=document_id
    )
    compensation = None
    reasons = list(result.reasons)
    opening = schedule[0].principal
    if as_of > begin and opening.amount > 0:
        compensation = fixed_compensation(law, opening, rates=fx, on=begin)
        if compensation is not None:
            reasons.append(f"fixed compensation {compensation} on a debt of {opening}")
    return result.model_copy(update={"compensation": compensation, "reasons": tuple(reasons)})
