"""Collections KPIs: DSO (standard, average, countback), best possible DSO, ADD, CEI,
AR turnover, average days to pay, weighted average days late and percentage current.

Each function takes either a :class:`~receivables.ledger.Ledger` and a :class:`Period`
(the figures are then read from the ledger as of the period's dates) or plain figures
(ending AR, credit sales, ...) for numbers that come from elsewhere. Each returns a
:class:`Metric`: the value, the formula, its source, and every input it used.

Rounding: values are computed exactly with :class:`~decimal.Decimal` and rounded once,
half up, to two decimals (days, percent and turnover "times" alike); inputs are shown
unrounded. A value that has no meaning (credit sales of zero with receivables open, no
invoice paid in the period) is ``None`` with a ``reason``; an empty ledger gives 0 for the
DSO family (nothing is outstanding) and ``None`` with a reason for ratios over an empty
population (CEI, turnover, days to pay), because 0 would claim the worst result.

Sources: Credit Research Foundation (CRF), *National Summary of Domestic Trade
Receivables*, quarterly survey, "Definitions and calculations" (DSO, Best Possible DSO,
Average Days Delinquent, Collection Effectiveness Index, Percent Current); Oracle,
*Hyperion Financial Management Administrator's Guide* 11.2, "DSO - Days Sales
Outstanding" (countback, the "exhaustion method"); Oracle, *Fusion Cloud Financials:
Using Receivables Credit to Cash* 24C, "How You Calculate Weighted Average Metrics"
(weighted average days late and days paid); Weygandt, Kimmel & Kieso, *Financial
Accounting*, 11th ed., Wiley 2019, ch. 8 "Accounts receivable turnover".

Examples:
    >>> from datetime import date
    >>> q3 = Period.quarter(2026, 3)
    >>> dso(period=q3, ending_ar=Decimal("150000"), credit_sales=Decimal("450000")).value
    Decimal('30.67')
"""

from __future__ import annotations

import calendar
import decimal
import itertools
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, Self

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.errors import CurrencyMismatch, MissingRate, ReceivablesError
from receivables.ledger import Ledger, document_date, is_debit
from receivables.models import Application, CreditMemo, DebitMemo, Invoice, WriteOff
from receivables.money import (
    ExactDecimal,
    FxRates,
    Money,
    in_fixed_context,
    to_decimal,
)

__all__ = [
    "Amount",
    "CountbackStep",
    "Metric",
    "MetricError",
    "Period",
    "ar_turnover",
    "average_days_delinquent",
    "average_days_to_pay",
    "best_possible_dso",
    "collection_effectiveness_index",
    "countback_dso",
    "dso",
    "percent_current",
    "weighted_average_days_late",
]

Amount = Decimal | int | str | Money
"""A figure given by hand: an exact number, or Money (whose currency is then checked)."""

_ZERO: Final = Decimal(0)


CRF: Final = (
    "Credit Research Foundation, National Summary of Domestic Trade Receivables (quarterly"
    " survey), definitions and calculations"
)
ORACLE_HFM: Final = (
    "Oracle, Hyperion Financial Management Administrator's Guide 11.2, 'DSO - Days Sales"
    " Outstanding' (exhaustion / countback method)"
)
ORACLE_WEIGHTED: Final = (
    "Oracle, Fusion Cloud Financials 24C, Using Receivables Credit to Cash, 'How You"
    " Calculate Weighted Average Metrics'"
)
TEXTBOOK: Final = (
    "Weygandt, Kimmel & Kieso, Financial Accounting, 11th ed., Wiley 2019, ch. 8,"
    " 'Accounts receivable turnover' and 'average collection period'"
)


class MetricError(ReceivablesError, ValueError):
    """A KPI request that cannot be answered: missing figures, a bad period, a mix of
    ledger and hand-given figures."""


# --------------------------------------------------------------------------------------
# Periods and results
# --------------------------------------------------------------------------------------


class Period(BaseModel):
    """A span of days from ``start`` to ``end``, both included.

    Examples:
        >>> Period.month(2026, 2).days, Period.quarter(2026, 1).days
        (28, 90)
        >>> Period.quarter(2026, 1).months
        3
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.end < self.start:
            raise MetricError(
                f"period ends {self.end.isoformat()}, before it starts {self.start.isoformat()}",
                field="end",
            )
        return self

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month."""
        last = calendar.monthrange(year, month)[1]
        return cls(start=date(year, month, 1), end=date(year, month, last))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """The calendar quarter (1 to 4)."""
        if quarter not in (1, 2, 3, 4):
            raise MetricError(f"quarter must be 1 to 4, not {quarter}", field="quarter")
        first = 3 * quarter - 2
        return cls(start=date(year, first, 1), end=cls.month(year, first + 2).end)

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        """Any span of days."""
        return cls(start=start, end=end)

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def months(self) -> int | None:
        """Whole calendar months spanned, when the period starts on a 1st and ends on a
        month end; None otherwise."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


class CountbackStep(BaseModel):
    """One period of a countback: its sales and the days of it the receivables cover."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: Period
    sales: ExactDecimal
    covered: ExactDecimal = Field(description="Receivables this period's sales absorbed.")
    days: ExactDecimal = Field(description="Days counted for this period (unrounded).")


class Metric(BaseModel):
    """A KPI value with everything needed to check it.

    ``value`` is rounded half up to 2 decimals, or None with ``reason`` when the KPI
    has no meaning for these figures. ``inputs`` maps each input's name to its exact
    value as a string (dates in ISO form).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: ExactDecimal | None
    unit: Literal["days", "percent", "times"]
    formula: str
    source: str
    inputs: dict[str, str]
    period: Period | None = None
    as_of: date | None = None
    customer_id: str | None = None
    currency: str | None = None
    reason: str | None = None
    steps: tuple[CountbackStep, ...] = ()


def _round_exact(value: Fraction) -> Decimal:
    """``value`` rounded once, half up (away from zero), to two decimals.

    A ratio is kept as an exact fraction until this one rounding: a Decimal quotient is
    already rounded to the context's 28 digits, and 3 / 2920 x 365 = 0.375 computed that
    way is 0.37499..., which a second rounding turns into 0.37 instead of 0.38.
    """
    hundredths = abs(value) * 100
    whole, rest = divmod(hundredths.numerator, hundredths.denominator)
    if 2 * rest >= hundredths.denominator:
        whole += 1
    return Decimal(f"{-whole if value < 0 else whole}E-2")


# --------------------------------------------------------------------------------------
# Figures from the ledger or by hand
# --------------------------------------------------------------------------------------


class _Figures:
    """Reads KPI inputs from a ledger in one currency, converting where asked."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        customer_id: str | None,
        currency: str | None,
        rates: FxRates | None,
    ) -> None:
        self.ledger = ledger
        self.customer_id = customer_id
        self.currency = Money.zero(currency).code if currency is not None else None
        self.rates = rates
        self.seen: set[str] = set()
        self.docs = [
            d for d in ledger.documents if customer_id is None or d.customer_id == customer_id
        ]
        ids = {d.id for d in self.docs if is_debit(d)}
        self._disputed_docs = sorted({r.document_id for r in ledger.disputes} & ids)
        self._disputed_on: dict[date, tuple[Decimal, Decimal]] = {}

    def _in(self, money: Money, on: date) -> Decimal:
        code = money.code
        target = self.currency
        if target is None:
            self.seen.add(code)
            if len(self.seen) > 1:
                raise CurrencyMismatch(
                    f"{self.customer_id or 'the ledger'} has amounts in {sorted(self.seen)}:"
                    " name a currency and pass rates",
                    document_id=self.customer_id,
                    field="currency",
                )
            return money.amount
        if code == target:
            return money.amount
        if self.rates is None:
            raise MissingRate(code, target, on)
        return self.rates.convert(money, target, on=on).amount

    @property
    def code(self) -> str | None:
        return self.currency or (next(iter(self.seen)) if self.seen else None)

    def balance(self, on: date) -> Decimal:
        """Net open receivables (debits less open credits) at the end of ``on``, each open
        item converted and rounded on its own, as the aging revalues."""
        items = self.ledger.open_items(as_of=on, customer_id=self.customer_id)
        return sum((self._in(i.open, on) for i in items), _ZERO)

    def open_debits(self, on: date) -> tuple[Decimal, Decimal]:
        """(current, total) open debits on ``on``: current is not yet past due."""
        current = total = _ZERO
        for doc in self.docs:
            if not isinstance(doc, (Invoice, DebitMemo)):
                continue
            remaining = self.ledger.open_amount(doc.id, as_of=on)
            if not remaining.amount:
                continue
            value = self._in(remaining, on)
            total += value
            if doc.due >= on:
                current += value
        return current, total

    def disputed(self, on: date) -> tuple[Decimal, Decimal]:
        """(current, total) parts of open debits under open dispute on ``on``, each capped
        at the item's open amount (:meth:`~receivables.ledger.Ledger.disputed_amount`)."""
        known = self._disputed_on.get(on)
        if known is not None:
            return known
        current = total = _ZERO
        for doc_id in self._disputed_docs:
            part = self.ledger.disputed_amount(doc_id, as_of=on)
            if not part.amount:
                continue
            value = self._in(part, on)
            total += value
            doc = self.ledger.document(doc_id)
            assert isinstance(doc, (Invoice, DebitMemo))
            if doc.due >= on:
                current += value
        self._disputed_on[on] = (current, total)
        return current, total

    def credit_sales(self, period: Period) -> Decimal:
        """Invoices and debit memos issued in the period, less credit memos issued in it,
        each at the rate of its own date."""
        total = _ZERO
        for doc in self.docs:
            issued = document_date(doc)
            if not period.start <= issued <= period.end:
                continue
            if isinstance(doc, (Invoice, DebitMemo)):
                total += self._in(doc.amount, issued)
            elif isinstance(doc, CreditMemo):
                total -= self._in(doc.amount, issued)
        return total

    def paid_invoices(self, period: Period) -> tuple[list[tuple[Decimal, int, int]], int]:
        """(amount, days to pay, days late) of each debit settled in full in the period;
        and how many were left out because a write-off helped settle them."""
        wanted = {d.id: d for d in self.docs if is_debit(d)}
        settled: dict[str, Decimal] = {}
        written_off: set[str] = set()
        closed_on: dict[str, date] = {}
        for m in self.ledger.movements:
            if isinstance(m, WriteOff) and m.document_id in wanted:
                doc_id, amount, on = m.document_id, m.amount.amount, m.written_off_on
                if doc_id not in closed_on:
                    written_off.add(doc_id)
            elif isinstance(m, Application) and m.target_id in wanted:
                doc_id, amount, on = m.target_id, m.settled.amount, m.applied_on
            else:
                continue
            done = settled.get(doc_id, _ZERO) + amount
            settled[doc_id] = done
            if done >= wanted[doc_id].amount.amount and doc_id not in closed_on:
                closed_on[doc_id] = on
        result: list[tuple[Decimal, int, int]] = []
        skipped = 0
        for doc_id, paid_on in sorted(closed_on.items()):
            if not period.start <= paid_on <= period.end:
                continue
            if doc_id in written_off:
                skipped += 1
                continue
            doc = wanted[doc_id]
            assert isinstance(doc, (Invoice, DebitMemo))
            result.append(
                (
                    self._in(doc.amount, doc.issue_date),
                    (paid_on - doc.issue_date).days,
                    max(0, (paid_on - doc.due).days),
                )
            )
        return result, skipped


class _Given:
    """Hand-given figures: exact numbers, one currency if Money is used."""

    def __init__(self) -> None:
        self.code: str | None = None

    def __call__(self, value: Amount | None, name: str) -> Decimal:
        if value is None:
            raise MetricError(f"{name} is required when no ledger is given", field=name)
        if isinstance(value, Money):
            if self.code is not None and value.code != self.code:
                raise CurrencyMismatch(
                    f"{name} is in {value.code} but other figures are in {self.code};"
                    " convert them first",
                    field=name,
                )
            self.code = value.code
            return value.amount
        return to_decimal(value, what=name)


def _no_mixing(ledger: Ledger | None, **given: object) -> None:
    if ledger is None:
        return
    named = sorted(k for k, v in given.items() if v is not None)
    if named:
        raise MetricError(
            f"give either a ledger or the figures {named}, not both: with a ledger every"
            " figure is read from it",
            field=named[0],
        )


class _Disputes:
    """Takes the disputed parts out of receivables figures when the caller asks, and keeps
    what it took for the result's ``inputs`` and ``reason``.

    Only receivables are reduced: credit sales stay as invoiced, because a dispute does
    not unbill a sale (a credit memo that settles it does, and then counts as one).
    """

    def __init__(self, figures: _Figures | None, exclude: bool) -> None:
        self.figures = figures
        self.exclude = exclude
        self.taken: dict[str, str] = {}
        self.notes: list[str] = []

    def less(self, name: str, value: Decimal, on: date, *, current: bool = False) -> Decimal:
        """``value`` less the disputed part on ``on`` (of current items only if asked)."""
        if not self.exclude or self.figures is None:
            return value
        current_part, total_part = self.figures.disputed(on)
        part = current_part if current else total_part
        self.taken[f"disputed_{name}"] = _fmt(part)
        self.notes.append(
            f"{name} {value - part} = {value} less {part} under open dispute on {_fmt(on)}"
        )
        return value - part

    def inputs(self, inputs: dict[str, str]) -> dict[str, str]:
        """The inputs, with the exclusion and the amounts taken out when it applies."""
        if not self.exclude:
            return inputs
        return {**inputs, "exclude_disputed": "true", **self.taken}

    def reason(self, reason: str | None, *, sales: bool = True) -> str | None:
        """The reason, led by a sentence saying that disputed amounts were excluded."""
        if not self.exclude:
            return reason
        notes = [*self.notes, "credit sales as invoiced"] if sales else self.notes
        said = "disputed amounts excluded (as asked): " + "; ".join(notes)
        return said if reason is None else f"{said}. {reason}"


def _disputes(ledger: Ledger | None, exclude_disputed: bool) -> _Disputes:
    if exclude_disputed and ledger is None:
        raise MetricError(
            "exclude_disputed needs a ledger to read the disputes from; with figures given"
            " by hand, take the disputed amounts out of them first",
            field="exclude_disputed",
        )
    return _Disputes(None, exclude_disputed)


def _need_period(period: Period | None, what: str) -> Period:
    if period is None:
        raise MetricError(f"{what} from a ledger needs a period", field="period")
    return period


def _days_of(period: Period | None, days: int | None) -> int:
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise MetricError(f"days must be a positive whole number, not {days!r}", field="days")
        return days
    if period is None:
        raise MetricError("give a period or the number of days in it", field="days")
    return period.days


def _fmt(value: Decimal | int | date) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _ratio_days(
    numerator: Decimal, sales: Decimal, days: int, what: str
) -> tuple[Decimal | None, str | None]:
    if sales > 0:
        return _round_exact(Fraction(numerator) * days / Fraction(sales)), None
    if numerator == 0 and sales == 0:
        return Decimal("0.00"), f"no {what} and no credit sales: 0 by convention"
    return None, f"credit sales are {sales}: {what} cannot be expressed in days of sales"


# --------------------------------------------------------------------------------------
# DSO family
# --------------------------------------------------------------------------------------


@in_fixed_context
def dso(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    method: Literal["standard", "average"] = "standard",
    ending_ar: Amount | None = None,
    beginning_ar: Amount | None = None,
    credit_sales: Amount | None = None,
    days: int | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Days sales outstanding: receivables expressed in days of credit sales.

    Standard (CRF): $DSO = \\frac{\\text{ending AR}}{\\text{credit sales}} \\times
    \\text{days}$. Average-AR variant (Weygandt et al., ch. 8, average collection
    period $= \\text{days} / \\text{turnover}$): $DSO = \\frac{(\\text{beginning AR} +
    \\text{ending AR}) / 2}{\\text{credit sales}} \\times \\text{days}$.

    From a ledger: ending AR is the net open balance at the end of ``period`` (credits
    netted), beginning AR the balance the day before it starts, credit sales are invoices
    and debit memos issued in the period less credit memos issued in it (each converted
    at its own date's rate; balances at their date's rate).

    ``exclude_disputed=True`` (ledger only) takes the parts under open dispute on each
    balance date out of the receivables (credit sales stay as invoiced); the result's
    ``inputs`` show ``exclude_disputed`` and each ``disputed_*`` amount taken out, and its
    ``reason`` says so.

    Examples:
        >>> dso(ending_ar=150_000, credit_sales=1_800_000, days=365).value
        Decimal('30.42')
        >>> dso(ending_ar=100, credit_sales=0, days=30).reason
        'credit sales are 0: receivables cannot be expressed in days of sales'
    """
    if method not in ("standard", "average"):
        raise MetricError(
            f"unknown DSO method {method!r}: use 'standard' or 'average'", field="method"
        )
    _no_mixing(ledger, ending_ar=ending_ar, beginning_ar=beginning_ar, credit_sales=credit_sales)
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        period = _need_period(period, "DSO")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        end = disputes.less("ending_ar", figures.balance(period.end), period.end)
        begin = _ZERO
        if method == "average":
            before = period.start - timedelta(days=1)
            begin = disputes.less("beginning_ar", figures.balance(before), before)
        sales = figures.credit_sales(period)
        code = figures.code
    else:
        given = _Given()
        end = given(ending_ar, "ending_ar")
        begin = given(beginning_ar, "beginning_ar") if method == "average" else _ZERO
        sales = given(credit_sales, "credit_sales")
        code = currency or given.code
    n = _days_of(period, days)
    receivables = (begin + end) / 2 if method == "average" else end
    value, reason = _ratio_days(receivables, sales, n, "receivables")
    inputs = {"ending_ar": _fmt(end), "credit_sales": _fmt(sales), "days": _fmt(n)}
    if method == "average":
        inputs["beginning_ar"] = _fmt(begin)
        inputs["average_ar"] = _fmt(receivables)
    formula = (
        "ending AR / credit sales x days"
        if method == "standard"
        else "((beginning AR + ending AR) / 2) / credit sales x days"
    )
    return Metric(
        name="dso" if method == "standard" else "dso_average",
        value=value,
        unit="days",
        formula=formula,
        source=CRF if method == "standard" else TEXTBOOK,
        inputs=disputes.inputs(inputs),
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
    )


@in_fixed_context
def best_possible_dso(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    current_ar: Amount | None = None,
    credit_sales: Amount | None = None,
    days: int | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Best possible DSO: the DSO if every customer paid on the due date.

    $BPDSO = \\frac{\\text{current AR}}{\\text{credit sales}} \\times \\text{days}$
    (CRF), where current AR is the open debits not yet past due at the period's end.
    ``exclude_disputed=True`` (ledger only) takes the disputed part of those items out,
    as :func:`dso` does.

    Examples:
        >>> best_possible_dso(current_ar=120_000, credit_sales=1_800_000, days=365).value
        Decimal('24.33')
    """
    _no_mixing(ledger, current_ar=current_ar, credit_sales=credit_sales)
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        period = _need_period(period, "best possible DSO")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        current, _ = figures.open_debits(period.end)
        current = disputes.less("current_ar", current, period.end, current=True)
        sales = figures.credit_sales(period)
        code = figures.code
    else:
        given = _Given()
        current = given(current_ar, "current_ar")
        sales = given(credit_sales, "credit_sales")
        code = currency or given.code
    n = _days_of(period, days)
    value, reason = _ratio_days(current, sales, n, "current receivables")
    return Metric(
        name="best_possible_dso",
        value=value,
        unit="days",
        formula="current AR / credit sales x days",
        source=CRF,
        inputs=disputes.inputs(
            {"current_ar": _fmt(current), "credit_sales": _fmt(sales), "days": _fmt(n)}
        ),
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
    )


@in_fixed_context
def average_days_delinquent(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    ending_ar: Amount | None = None,
    current_ar: Amount | None = None,
    credit_sales: Amount | None = None,
    days: int | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Average days delinquent: how many days of sales are held up past due.

    $ADD = DSO - BPDSO = \\frac{\\text{ending AR} - \\text{current AR}}{\\text{credit
    sales}} \\times \\text{days}$ (CRF), computed from the unrounded DSO and BPDSO, so it
    is not the difference of the two rounded values. ``exclude_disputed=True`` (ledger
    only) takes the disputed parts out of both ending and current AR, so ADD then counts
    only past-due receivables that are not in dispute.

    Examples:
        >>> average_days_delinquent(ending_ar=150_000, current_ar=120_000,
        ...                         credit_sales=1_800_000, days=365).value
        Decimal('6.08')
    """
    _no_mixing(ledger, ending_ar=ending_ar, current_ar=current_ar, credit_sales=credit_sales)
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        period = _need_period(period, "average days delinquent")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        end = disputes.less("ending_ar", figures.balance(period.end), period.end)
        current, _ = figures.open_debits(period.end)
        current = disputes.less("current_ar", current, period.end, current=True)
        sales = figures.credit_sales(period)
        code = figures.code
    else:
        given = _Given()
        end = given(ending_ar, "ending_ar")
        current = given(current_ar, "current_ar")
        sales = given(credit_sales, "credit_sales")
        code = currency or given.code
    n = _days_of(period, days)
    value, reason = _ratio_days(end - current, sales, n, "past-due receivables")
    return Metric(
        name="average_days_delinquent",
        value=value,
        unit="days",
        formula="DSO - BPDSO = (ending AR - current AR) / credit sales x days",
        source=CRF,
        inputs=disputes.inputs(
            {
                "ending_ar": _fmt(end),
                "current_ar": _fmt(current),
                "credit_sales": _fmt(sales),
                "days": _fmt(n),
            }
        ),
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
    )


@in_fixed_context
def countback_dso(
    ledger: Ledger | None = None,
    *,
    as_of: date | None = None,
    months: int = 12,
    ending_ar: Amount | None = None,
    sales: Sequence[tuple[Period, Amount]] | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Countback ("exhaustion") DSO: count back through the most recent periods' sales
    until they add up to the receivables.

    Starting from the ending AR, take away the sales of the latest period and count all
    its days; repeat with the period before, while the receivables left exceed that
    period's sales; for the last period count $\\frac{\\text{AR left}}{\\text{sales}}
    \\times \\text{days}$ (Oracle HFM, "exhaustion method"). A period with no positive
    sales stops the count (as Oracle's routine does); receivables left over when the
    periods run out are reported in the reason, and the value is then a lower bound.

    From a ledger: AR is the net balance on ``as_of``; the periods are the month to date
    of ``as_of`` and the ``months - 1`` calendar months before it. By hand: ``sales`` are
    ``(period, credit sales)`` pairs, in any order (latest first is used).
    ``exclude_disputed=True`` (ledger only) counts back only the AR not under open dispute
    on ``as_of``; the sales stay as invoiced.

    Examples:
        >>> m = [Period.custom(date(2026, 1, 1), date(2026, 1, 30)),
        ...      Period.custom(date(2026, 1, 31), date(2026, 3, 1)),
        ...      Period.custom(date(2026, 3, 2), date(2026, 3, 31))]
        >>> countback_dso(ending_ar=212_000,
        ...               sales=[(m[0], 70_000), (m[1], 80_000), (m[2], 100_000)]).value
        Decimal('73.71')
    """
    _no_mixing(ledger, ending_ar=ending_ar, sales=sales)
    disputes = _disputes(ledger, exclude_disputed)
    pairs: list[tuple[Period, Decimal]]
    if ledger is not None:
        if as_of is None:
            raise MetricError("countback DSO from a ledger needs as_of", field="as_of")
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise MetricError(f"months must be 1 or more, not {months!r}", field="months")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        receivables = disputes.less("ending_ar", figures.balance(as_of), as_of)
        periods = [Period(start=as_of.replace(day=1), end=as_of)]
        for k in range(1, months):
            first = as_of.replace(day=1) - relativedelta(months=k)
            periods.append(Period.month(first.year, first.month))
        pairs = [(p, figures.credit_sales(p)) for p in periods]
        code = figures.code
    else:
        given = _Given()
        receivables = given(ending_ar, "ending_ar")
        if not sales:
            raise MetricError("countback DSO needs the sales of one period or more", field="sales")
        pairs = sorted(
            ((p, given(s, f"sales[{p.start.isoformat()}]")) for p, s in sales),
            key=lambda ps: ps[0].end,
            reverse=True,
        )
        code = currency or given.code
        as_of = pairs[0][0].end
    for (newer, _), (older, _) in itertools.pairwise(pairs):
        if older.end >= newer.start:
            raise MetricError(
                f"countback periods overlap: {older.start.isoformat()}..{older.end.isoformat()}"
                f" and {newer.start.isoformat()}..{newer.end.isoformat()}",
                field="sales",
            )
    left = receivables
    total_days = _ZERO
    exact_days = Fraction(0)
    steps: list[CountbackStep] = []
    reason: str | None = None
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        for period, amount in pairs:
            if left <= 0:
                break
            if amount <= 0:
                reason = (
                    f"the count stopped at {period.start.isoformat()}..{period.end.isoformat()}"
                    f" whose sales are {amount}; {left} of receivables were not counted, so the"
                    " value is a lower bound"
                )
                break
            if left >= amount:
                covered, counted = amount, Decimal(period.days)
                exact_days += period.days
            else:
                covered, counted = left, left / amount * period.days
                exact_days += Fraction(left) * period.days / Fraction(amount)
            steps.append(CountbackStep(period=period, sales=amount, covered=covered, days=counted))
            total_days += counted
            left -= covered
        else:
            if left > 0:
                reason = (
                    f"the receivables exceed all {len(pairs)} periods of sales by {left};"
                    " the value is a lower bound"
                )
    inputs = {"ending_ar": _fmt(receivables), "periods": _fmt(len(pairs))}
    for period, amount in pairs:
        inputs[f"sales {period.start.isoformat()}..{period.end.isoformat()}"] = _fmt(amount)
    return Metric(
        name="dso_countback",
        value=_round_exact(exact_days),
        unit="days",
        formula="sum of days of the latest periods whose sales the ending AR covers,"
        " the last one pro rata",
        source=ORACLE_HFM,
        inputs=disputes.inputs(inputs),
        as_of=as_of,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
        steps=tuple(steps),
    )


# --------------------------------------------------------------------------------------
# Effectiveness and turnover
# --------------------------------------------------------------------------------------


@in_fixed_context
def collection_effectiveness_index(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    beginning_ar: Amount | None = None,
    credit_sales: Amount | None = None,
    ending_total_ar: Amount | None = None,
    ending_current_ar: Amount | None = None,
    months: int | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Collection effectiveness index: what was collected of what could be collected.

    $$CEI = \\frac{B + S/N - E_{total}}{B + S/N - E_{current}} \\times 100$$

    with $B$ the receivables at the start, $S$ the credit sales of the period, $N$ its
    number of months, $E_{total}$ the receivables at the end and $E_{current}$ the part of
    them not yet due (CRF). 100 means everything due was collected.

    From a ledger ``months`` defaults to the calendar months of ``period`` (a custom
    period that is not whole months needs it); by hand it defaults to 1.
    ``exclude_disputed=True`` (ledger only) takes the parts under open dispute out of $B$
    (on the day before the period), $E_{total}$ and $E_{current}$ (on its last day):
    what is in dispute is not expected to be collected.

    Examples:
        >>> collection_effectiveness_index(beginning_ar=6_200, credit_sales=10_890,
        ...     ending_total_ar=6_340, ending_current_ar=3_590, months=3).value
        Decimal('55.93')
    """
    _no_mixing(
        ledger,
        beginning_ar=beginning_ar,
        credit_sales=credit_sales,
        ending_total_ar=ending_total_ar,
        ending_current_ar=ending_current_ar,
    )
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        period = _need_period(period, "CEI")
        if months is None:
            months = period.months
            if months is None:
                raise MetricError(
                    f"period {period.start.isoformat()}..{period.end.isoformat()} is not whole"
                    " calendar months: pass months (N in the CEI formula)",
                    field="months",
                )
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        before = period.start - timedelta(days=1)
        begin = disputes.less("beginning_ar", figures.balance(before), before)
        sales = figures.credit_sales(period)
        end_total = disputes.less("ending_total_ar", figures.balance(period.end), period.end)
        end_current, _ = figures.open_debits(period.end)
        end_current = disputes.less("ending_current_ar", end_current, period.end, current=True)
        code = figures.code
    else:
        given = _Given()
        begin = given(beginning_ar, "beginning_ar")
        sales = given(credit_sales, "credit_sales")
        end_total = given(ending_total_ar, "ending_total_ar")
        end_current = given(ending_current_ar, "ending_current_ar")
        code = currency or given.code
        months = 1 if months is None else months
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise MetricError(f"months must be 1 or more, not {months!r}", field="months")
    available = begin + sales / months
    denominator = available - end_current
    exact_available = Fraction(begin) + Fraction(sales) / months
    exact_denominator = exact_available - Fraction(end_current)
    value: Decimal | None = None
    reason: str | None = None
    if exact_denominator > 0:
        value = _round_exact((exact_available - Fraction(end_total)) / exact_denominator * 100)
    else:
        reason = (
            f"nothing was due for collection (beginning AR + sales / N - ending current AR"
            f" = {denominator}): the index is undefined"
        )
    return Metric(
        name="collection_effectiveness_index",
        value=value,
        unit="percent",
        formula="(B + S/N - ending total AR) / (B + S/N - ending current AR) x 100",
        source=CRF,
        inputs=disputes.inputs(
            {
                "beginning_ar": _fmt(begin),
                "credit_sales": _fmt(sales),
                "months": _fmt(months),
                "ending_total_ar": _fmt(end_total),
                "ending_current_ar": _fmt(end_current),
            }
        ),
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
    )


@in_fixed_context
def ar_turnover(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    credit_sales: Amount | None = None,
    beginning_ar: Amount | None = None,
    ending_ar: Amount | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Accounts receivable turnover: how many times the average receivables were
    collected in the period.

    $$\\text{turnover} = \\frac{\\text{net credit sales}}{(\\text{beginning AR} +
    \\text{ending AR}) / 2}$$ (Weygandt, Kimmel & Kieso, ch. 8).
    ``exclude_disputed=True`` (ledger only) takes the disputed parts out of both balances.

    Examples:
        >>> ar_turnover(credit_sales=1_598_000, beginning_ar=168_000, ending_ar=147_000).value
        Decimal('10.15')
    """
    _no_mixing(ledger, credit_sales=credit_sales, beginning_ar=beginning_ar, ending_ar=ending_ar)
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        period = _need_period(period, "AR turnover")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        sales = figures.credit_sales(period)
        before = period.start - timedelta(days=1)
        begin = disputes.less("beginning_ar", figures.balance(before), before)
        end = disputes.less("ending_ar", figures.balance(period.end), period.end)
        code = figures.code
    else:
        given = _Given()
        sales = given(credit_sales, "credit_sales")
        begin = given(beginning_ar, "beginning_ar")
        end = given(ending_ar, "ending_ar")
        code = currency or given.code
    average = (begin + end) / 2
    value: Decimal | None = None
    reason: str | None = None
    if average > 0:
        value = _round_exact(Fraction(sales) * 2 / (Fraction(begin) + Fraction(end)))
    else:
        reason = f"average receivables are {average}: turnover is undefined"
    return Metric(
        name="ar_turnover",
        value=value,
        unit="times",
        formula="net credit sales / ((beginning AR + ending AR) / 2)",
        source=TEXTBOOK,
        inputs=disputes.inputs(
            {
                "credit_sales": _fmt(sales),
                "beginning_ar": _fmt(begin),
                "ending_ar": _fmt(end),
                "average_ar": _fmt(average),
            }
        ),
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason),
    )


# --------------------------------------------------------------------------------------
# Payment behaviour
# --------------------------------------------------------------------------------------


def _weighted(pairs: Iterable[tuple[Decimal, int]]) -> tuple[Decimal, Decimal, int]:
    weight = weighted = _ZERO
    count = 0
    for amount, days in pairs:
        if amount < 0:
            raise MetricError(
                f"an invoice amount of {amount} cannot weigh an average", field="amount"
            )
        weight += amount
        weighted += amount * days
        count += 1
    return weight, weighted, count


def _behaviour(
    name: str,
    ledger: Ledger | None,
    period: Period | None,
    given_pairs: Sequence[tuple[Amount, int]] | None,
    *,
    late: bool,
    weighted: bool,
    customer_id: str | None,
    currency: str | None,
    rates: FxRates | None,
) -> Metric:
    _no_mixing(ledger, invoices=given_pairs)
    skipped = 0
    if ledger is not None:
        period = _need_period(period, name.replace("_", " "))
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        paid, skipped = figures.paid_invoices(period)
        pairs = [(amount, days_late if late else days) for amount, days, days_late in paid]
        code = figures.code
    else:
        if given_pairs is None:
            raise MetricError("give a ledger or invoices as (amount, days) pairs", field="invoices")
        given = _Given()
        pairs = []
        for i, (amount, days) in enumerate(given_pairs):
            if isinstance(days, bool) or not isinstance(days, int):
                raise MetricError(f"invoices[{i}]: days must be a whole number", field="invoices")
            pairs.append((given(amount, f"invoices[{i}].amount"), max(0, days) if late else days))
        code = currency or given.code
    if not weighted:
        pairs = [(Decimal(1), d) for _, d in pairs]
    weight, total, count = _weighted(pairs)
    value: Decimal | None = None
    reason: str | None = None
    if weight > 0:
        value = _round_exact(Fraction(total) / Fraction(weight))
    else:
        reason = "no invoice was paid in the period: the average is undefined"
    inputs = {"invoices": _fmt(count), "weight": _fmt(weight), "weighted_days": _fmt(total)}
    if skipped:
        inputs["left_out_written_off"] = _fmt(skipped)
    what = "days late (paid date - due date, at least 0)" if late else "days to pay (paid - issued)"
    formula = (
        f"sum(amount x {what}) / sum(amount)" if weighted else f"sum({what}) / number of invoices"
    )
    return Metric(
        name=name if weighted else f"{name}_unweighted",
        value=value,
        unit="days",
        formula=formula,
        source=ORACLE_WEIGHTED,
        inputs=inputs,
        period=period,
        customer_id=customer_id,
        currency=code,
        reason=reason,
    )


@in_fixed_context
def average_days_to_pay(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    invoices: Sequence[tuple[Amount, int]] | None = None,
    weighted: bool = True,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
) -> Metric:
    """Average days to pay: days from invoice to full payment, weighted by amount.

    $$\\overline{d} = \\frac{\\sum_i a_i \\, (p_i - t_i)}{\\sum_i a_i}$$

    with $a_i$ the invoice amount, $t_i$ its date and $p_i$ the date applications first
    covered it in full (Oracle's "weighted average days paid"); ``weighted=False`` gives
    the plain mean. From a ledger: invoices and debit memos fully settled by applications
    within ``period``; those a write-off helped close are left out (they were not paid)
    and counted in the inputs. By hand: ``invoices`` are ``(amount, days)`` pairs.

    Examples:
        >>> average_days_to_pay(invoices=[(1_000, 15), (3_000, 30), (2_000, 45)]).value
        Decimal('32.50')
    """
    return _behaviour(
        "average_days_to_pay",
        ledger,
        period,
        invoices,
        late=False,
        weighted=weighted,
        customer_id=customer_id,
        currency=currency,
        rates=rates,
    )


@in_fixed_context
def weighted_average_days_late(
    ledger: Ledger | None = None,
    *,
    period: Period | None = None,
    invoices: Sequence[tuple[Amount, int]] | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
) -> Metric:
    """Weighted average days late: how late the money came, weighted by amount.

    $$\\frac{\\sum_i a_i \\max(0, p_i - u_i)}{\\sum_i a_i}$$

    with $u_i$ the due date; invoices paid on time count as 0 days late (Oracle weighs
    only late invoices; counting all gives the lateness of the average unit of money).
    Same population as :func:`average_days_to_pay`. By hand: ``(amount, days late)``
    pairs, negative days counting as 0.

    Examples:
        >>> weighted_average_days_late(invoices=[(100, 10), (1_000, 20), (500, -3)]).value
        Decimal('13.13')
    """
    return _behaviour(
        "weighted_average_days_late",
        ledger,
        period,
        invoices,
        late=True,
        weighted=True,
        customer_id=customer_id,
        currency=currency,
        rates=rates,
    )


@in_fixed_context
def percent_current(
    ledger: Ledger | None = None,
    *,
    as_of: date | None = None,
    current_ar: Amount | None = None,
    total_ar: Amount | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    exclude_disputed: bool = False,
) -> Metric:
    """Percentage current: the share of open receivables not yet past due.

    $$\\%\\,\\text{current} = \\frac{\\text{current AR}}{\\text{total AR}} \\times 100$$
    (CRF). From a ledger both are open debits on ``as_of`` (credits left out, so the
    share stays between 0 and 100); an empty ledger gives 0. ``exclude_disputed=True``
    (ledger only) takes the disputed parts out of both: the share of the collectable
    receivables that is not yet due.

    Examples:
        >>> percent_current(current_ar=3_590, total_ar=6_340).value
        Decimal('56.62')
    """
    _no_mixing(ledger, current_ar=current_ar, total_ar=total_ar)
    disputes = _disputes(ledger, exclude_disputed)
    if ledger is not None:
        if as_of is None:
            raise MetricError("percent current from a ledger needs as_of", field="as_of")
        figures = _Figures(ledger, customer_id=customer_id, currency=currency, rates=rates)
        disputes.figures = figures
        current, total = figures.open_debits(as_of)
        current = disputes.less("current_ar", current, as_of, current=True)
        total = disputes.less("total_ar", total, as_of)
        code = figures.code
    else:
        given = _Given()
        current = given(current_ar, "current_ar")
        total = given(total_ar, "total_ar")
        code = currency or given.code
    value: Decimal | None = None
    reason: str | None = None
    if total > 0:
        value = _round_exact(Fraction(current) * 100 / Fraction(total))
    elif total == 0 and current == 0:
        value, reason = Decimal("0.00"), "no open receivables: 0 by convention"
    else:
        reason = f"total receivables are {total}: the share is undefined"
    return Metric(
        name="percent_current",
        value=value,
        unit="percent",
        formula="current AR / total AR x 100",
        source=CRF,
        inputs=disputes.inputs({"current_ar": _fmt(current), "total_ar": _fmt(total)}),
        as_of=as_of,
        customer_id=customer_id,
        currency=code,
        reason=disputes.reason(reason, sales=False),
    )
