"""Cash forecasting: payment-behaviour profiles, expected receipts by period, and a backtest.

The forecast answers "how much cash will the open receivables bring in, and when?". Each
open debit item (invoice or debit memo) is split, to the minor unit, into:

* the part **held back** because it is under open dispute
  (:meth:`~receivables.ledger.Ledger.disputed_amount`), never forecast;
* the part **promised**: a pending :class:`~receivables.models.PromiseToPay` overrides the
  model and lands on its ``pay_by`` date in every band;
* the **model** part, timed by the customer's payment-behaviour profile: the empirical,
  amount-weighted distribution of days from due date to payment, with a share never paid,
  shrunk toward the portfolio's profile when the customer has little history.

Money stays exact: each item's model part is split over the forecast periods plus "beyond
the horizon" plus "not expected" by whole weights in parts per billion
(:class:`ItemWeigher`) with :func:`spread`, so the parts add up to the item's open amount to
the minor unit, and expected receipts never exceed it.

:func:`collection_pattern_forecast` is the classic budgeting method for users who have only
monthly sales totals, and :func:`backtest` replays the forecast as of past dates and
measures its error against the cash actually applied.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Invoice
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...                          terms="NET 30", total="1000.00 USD")])
    >>> fc = forecast(ledger, as_of=date(2026, 1, 31), horizon=2, period="month")
    >>> [(p.label, str(p.expected)) for p in fc.periods]
    [('2026-02', '1000.00 USD'), ('2026-03', '0.00 USD')]
"""

from __future__ import annotations

import bisect
import decimal
import itertools
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field

from receivables.errors import CurrencyMismatch, ReceivablesError
from receivables.ledger import Ledger, OpenItem
from receivables.models import Application, DebitMemo, Invoice, Payment, PromiseToPay
from receivables.money import (
    ExactDecimal,
    FxRates,
    Money,
    largest_remainder,
    split,
    to_decimal,
)
from receivables.tabular import Tabular

__all__ = [
    "PARTS",
    "Backtest",
    "BacktestRow",
    "BacktestSummary",
    "CashForecast",
    "ForecastError",
    "ForecastPeriod",
    "ItemForecast",
    "ItemWeigher",
    "ItemWeights",
    "PatternContribution",
    "PatternForecast",
    "PatternRow",
    "PaymentProfile",
    "PeriodName",
    "ProfilePoint",
    "ProfilePolicy",
    "PromisedPart",
    "backtest",
    "collection_pattern_forecast",
    "forecast",
    "forecast_periods",
    "payment_profiles",
    "period_bounds",
    "promise_schedule",
    "spread",
]

PeriodName = Literal["week", "month", "quarter"]
"""The length of a forecast period: ISO week (Monday to Sunday), calendar month or quarter."""

_PERIODS: Final = ("week", "month", "quarter")
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_HUNDRED: Final = Decimal(100)
_PREC: Final = 50
_Q_PERCENT: Final = Decimal("0.01")
_LOW_Q: Final = Decimal("0.75")
_HIGH_Q: Final = Decimal("0.25")
_BAND_RATIOS: Final = (_LOW_Q.as_integer_ratio(), _HIGH_Q.as_integer_ratio())


class ForecastError(ReceivablesError, ValueError):
    """A forecast or backtest asked for something that makes no sense (horizon, period)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------


def _check_period(period: str) -> PeriodName:
    if period == "week":
        return "week"
    if period == "month":
        return "month"
    if period == "quarter":
        return "quarter"
    raise ForecastError(
        f"period: unknown period name {period!r}: use one of {', '.join(_PERIODS)}",
        field="period",
    )


def _check_horizon(horizon: int) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int):
        raise ForecastError(
            f"horizon: {horizon!r} is not a whole number of periods", field="horizon"
        )
    if horizon < 1:
        raise ForecastError(
            f"horizon: {horizon} periods; a forecast needs at least one period", field="horizon"
        )
    return horizon


def _check_grace_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ForecastError(
            f"promise_grace_days: {days!r} must be a whole number of days, zero or more",
            field="promise_grace_days",
        )
    return days


def _period_start(d: date, period: PeriodName) -> date:
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _next_start(start: date, period: PeriodName) -> date:
    if period == "week":
        return start + timedelta(days=7)
    return start + relativedelta(months=1 if period == "month" else 3)


def _label(start: date, period: PeriodName) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def period_bounds(on: date, period: str) -> tuple[date, date, str]:
    """The calendar period containing ``on``: its first day, last day and label.

    Weeks are ISO weeks (Monday to Sunday, labelled ``2026-W45``), months are labelled
    ``2026-11`` and quarters ``2026-Q4``.

    Examples:
        >>> period_bounds(date(2026, 11, 18), "quarter")
        (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31), '2026-Q4')
    """
    name = _check_period(period)
    start = _period_start(on, name)
    return start, _next_start(start, name) - timedelta(days=1), _label(start, name)


def forecast_periods(
    as_of: date, *, period: str, horizon: int
) -> tuple[tuple[date, date, str], ...]:
    """The ``horizon`` periods of receipts after ``as_of``: first day, last day, label.

    The first period starts the day after ``as_of`` and may be partial.

    Examples:
        >>> forecast_periods(date(2026, 10, 31), period="month", horizon=2)
        ((datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), '2026-11'), \
(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31), '2026-12'))
    """
    name = _check_period(period)
    return tuple(
        (start, end, _label(_period_start(start, name), name))
        for start, end in _forecast_periods(as_of, name, _check_horizon(horizon))
    )


def _forecast_periods(as_of: date, period: PeriodName, horizon: int) -> list[tuple[date, date]]:
    """``horizon`` periods of receipts after ``as_of``; the first may be partial."""
    first = as_of + timedelta(days=1)
    start = _period_start(first, period)
    out: list[tuple[date, date]] = []
    for _ in range(horizon):
        nxt = _next_start(start, period)
        out.append((max(start, first), nxt - timedelta(days=1)))
        start = nxt
    return out


# --------------------------------------------------------------------------------------
# Payment-behaviour profiles
# --------------------------------------------------------------------------------------


class ProfilePolicy(_Frozen):
    """How payment-behaviour profiles are estimated from history.

    ``credibility_k`` is the Bühlmann constant $k$ of the credibility weight
    $Z = n/(n+k)$: with ``k = 5`` a customer with 5 paid documents gets half its own
    behaviour and half the portfolio's. ``lookback_days`` limits the history used;
    ``maturity_days`` is how old a due date must be before the document counts in the
    share paid (younger documents may still be paid).
    """

    credibility_k: ExactDecimal = Field(default=Decimal(5), gt=0)
    lookback_days: int = Field(default=730, ge=1)
    maturity_days: int = Field(default=120, ge=0)


class ProfilePoint(_Frozen):
    """One point of a days-late distribution: the probability that cash arrives
    ``days`` days after the due date (negative: before), given that it arrives."""

    days: int
    probability: ExactDecimal


class PaymentProfile(_Frozen):
    """How a customer (or the whole portfolio, ``customer_id=None``) pays.

    ``distribution`` is the amount-weighted empirical distribution of days from due date
    to payment, ``share_paid`` the share of matured debt settled in cash (the rest was
    credited, written off or is still open). For a customer both are credibility-weighted
    blends with the portfolio: ``credibility`` $Z$ for the timing and
    ``share_credibility`` for the share. ``source`` says which: ``blended``,
    ``portfolio`` (no own history) or ``terms`` (no payment history in the ledger at all:
    cash is assumed on the due date).
    """

    customer_id: str | None
    source: Literal["blended", "portfolio", "terms"]
    documents: int = Field(ge=0, description="Paid documents observed (n).")
    credibility: ExactDecimal
    matured_documents: int = Field(ge=0)
    share_credibility: ExactDecimal
    share_paid: ExactDecimal
    distribution: tuple[ProfilePoint, ...]
    mean_days: ExactDecimal
    p25_days: int
    p50_days: int
    p75_days: int
    reasons: tuple[str, ...] = ()

    def quantile(self, q: Decimal) -> int:
        """The smallest number of days late whose cumulative probability reaches ``q``
        (Hyndman & Fan 1996, definition 1: the inverse of the empirical distribution)."""
        return _quantile(self.distribution, q)


def _quantile(points: Sequence[ProfilePoint], q: Decimal) -> int:
    cumulative = _ZERO
    for point in points:
        cumulative += point.probability
        if cumulative >= q:
            return point.days
    return points[-1].days


def _normalise(weights: Mapping[int, Decimal]) -> tuple[ProfilePoint, ...]:
    total = sum(weights.values(), _ZERO)
    return tuple(
        ProfilePoint(days=d, probability=weights[d] / total)
        for d in sorted(weights)
        if weights[d] > 0
    )


def _profile(
    customer_id: str | None,
    source: Literal["blended", "portfolio", "terms"],
    *,
    documents: int,
    credibility: Decimal,
    matured: int,
    share_credibility: Decimal,
    share_paid: Decimal,
    points: tuple[ProfilePoint, ...],
    reasons: Iterable[str],
) -> PaymentProfile:
    mean = sum((p.probability * p.days for p in points), _ZERO)
    return PaymentProfile(
        customer_id=customer_id,
        source=source,
        documents=documents,
        credibility=credibility,
        matured_documents=matured,
        share_credibility=share_credibility,
        share_paid=share_paid,
        distribution=points,
        mean_days=mean.quantize(Decimal("0.01")),
        p25_days=_quantile(points, Decimal("0.25")),
        p50_days=_quantile(points, Decimal("0.50")),
        p75_days=_quantile(points, Decimal("0.75")),
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class _History:
    """One customer's payment history, aggregated: what the profiles are estimated from.

    ``days`` is the cash applied in the look-back window by days from the target's due
    date, ``documents`` the distinct documents it paid, ``matured_*`` the amount, cash
    paid and count of the documents due in the window and matured; every amount in the
    report currency, each application converted and rounded on its own. The object model
    (:func:`_histories`) and the frames path build these the same way.
    """

    days: Mapping[int, Decimal]
    documents: int
    matured_amount: Decimal
    matured_cash: Decimal
    matured_count: int


@dataclass
class _Tally:
    days: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    documents: set[str] = field(default_factory=set)
    matured_amount: Decimal = _ZERO
    matured_cash: Decimal = _ZERO
    matured_count: int = 0

    def history(self) -> _History:
        return _History(
            days=dict(self.days),
            documents=len(self.documents),
            matured_amount=self.matured_amount,
            matured_cash=self.matured_cash,
            matured_count=self.matured_count,
        )


class _Converter:
    """Converts into the report currency; refuses a foreign amount without rates."""

    def __init__(self, currency: str, rates: FxRates | None) -> None:
        self.currency = currency
        self.rates = rates

    def __call__(self, money: Money, *, on: date, document_id: str, what: str) -> Money:
        if money.code == self.currency:
            return money
        if self.rates is None:
            raise CurrencyMismatch(
                f"{what} of {document_id} is in {money.code}, the report in {self.currency};"
                " pass rates (FxRates) to convert",
                document_id=document_id,
                field="rates",
            )
        return self.rates.convert(money, self.currency, on=on)


def _cash_by_target(ledger: Ledger, as_of: date) -> dict[str, list[Application]]:
    """Applications of cash (from payments) up to ``as_of``, by target document."""
    by_target: dict[str, list[Application]] = defaultdict(list)
    for app in ledger.applications:
        if app.applied_on > as_of:
            break
        if isinstance(ledger.document(app.source_id), Payment):
            by_target[app.target_id].append(app)
    return by_target


def _report_currency(
    items: Sequence[OpenItem], currency: str | None, rates: FxRates | None, ledger: Ledger
) -> str:
    if currency is not None:
        return Money.zero(currency).code
    codes = sorted({i.open.code for i in items})
    if len(codes) > 1:
        raise CurrencyMismatch(
            f"currency: the open items are in {', '.join(codes)}; name a report currency"
            " and pass rates (FxRates)",
            field="currency",
        )
    if codes:
        return codes[0]
    if ledger.functional_currency is not None:
        return ledger.functional_currency
    docs = sorted({d.amount.code for d in ledger.documents})
    if len(docs) == 1:
        return docs[0]
    raise CurrencyMismatch(
        "currency: no open items and no single ledger currency; name a report currency",
        field="currency",
    )


def _window(as_of: date, policy: ProfilePolicy) -> tuple[date, date]:
    """The first day of the look-back window and the last due date that counts as matured."""
    return (
        as_of - timedelta(days=policy.lookback_days),
        as_of - timedelta(days=policy.maturity_days),
    )


def _histories(
    ledger: Ledger,
    *,
    as_of: date,
    policy: ProfilePolicy,
    convert: _Converter,
    cash: Mapping[str, Sequence[Application]],
) -> dict[str, _History]:
    """Each customer's history (every customer with a debit issued by ``as_of``)."""
    since, matured_by = _window(as_of, policy)
    per_customer: dict[str, _Tally] = defaultdict(_Tally)
    for doc in ledger.documents:
        if not isinstance(doc, (Invoice, DebitMemo)) or doc.issue_date > as_of:
            continue
        hist = per_customer[doc.customer_id]
        paid_here = _ZERO
        for app in cash.get(doc.id, ()):
            amount = convert(app.amount, on=app.applied_on, document_id=app.id, what="application")
            paid_here += amount.amount
            if app.applied_on < since:
                continue
            hist.days[(app.applied_on - doc.due).days] += amount.amount
            hist.documents.add(doc.id)
        if since <= doc.due <= matured_by:
            total = convert(doc.amount, on=doc.due, document_id=doc.id, what="amount").amount
            hist.matured_amount += total
            hist.matured_cash += paid_here
            hist.matured_count += 1
    return {customer: tally.history() for customer, tally in per_customer.items()}


def _portfolio(histories: Mapping[str, _History]) -> _History:
    """The whole portfolio's history: the customers' summed (a document has one customer,
    so paid documents add up)."""
    days: dict[int, Decimal] = defaultdict(Decimal)
    for hist in histories.values():
        for late, amount in hist.days.items():
            days[late] += amount
    return _History(
        days=dict(days),
        documents=sum(h.documents for h in histories.values()),
        matured_amount=sum((h.matured_amount for h in histories.values()), _ZERO),
        matured_cash=sum((h.matured_cash for h in histories.values()), _ZERO),
        matured_count=sum(h.matured_count for h in histories.values()),
    )


def _build_profiles(
    histories: Mapping[str, _History],
    *,
    as_of: date,
    policy: ProfilePolicy,
) -> tuple[PaymentProfile, dict[str, PaymentProfile]]:
    """The portfolio's profile and each customer's, from the customers' histories."""
    since, matured_by = _window(as_of, policy)
    portfolio = _portfolio(histories)
    if portfolio.matured_amount > 0:
        port_share = min(portfolio.matured_cash / portfolio.matured_amount, _ONE)
        share_note = (
            f"portfolio share paid {port_share:.4f} from {portfolio.matured_count} documents"
            f" due between {since.isoformat()} and {matured_by.isoformat()}"
        )
    else:
        port_share = _ONE
        share_note = "no matured documents in the look-back window: share paid taken as 1"
    if portfolio.days:
        port_points = _normalise(portfolio.days)
        port_source: Literal["portfolio", "terms"] = "portfolio"
        port_reasons = [
            f"portfolio timing from {portfolio.documents} paid documents since {since.isoformat()}",
            share_note,
        ]
    else:
        port_points = (ProfilePoint(days=0, probability=_ONE),)
        port_source = "terms"
        port_reasons = [
            "no payment history in the ledger: cash is assumed on the due date (the terms)",
            share_note,
        ]
    port = _profile(
        None,
        port_source,
        documents=portfolio.documents,
        credibility=_ONE,
        matured=portfolio.matured_count,
        share_credibility=_ONE,
        share_paid=port_share,
        points=port_points,
        reasons=port_reasons,
    )
    k = policy.credibility_k
    profiles: dict[str, PaymentProfile] = {}
    for customer in sorted(histories):
        hist = histories[customer]
        n = hist.documents
        m = hist.matured_count if hist.matured_amount > 0 else 0
        z = Decimal(n) / (Decimal(n) + k)
        zs = Decimal(m) / (Decimal(m) + k)
        own_share = min(hist.matured_cash / hist.matured_amount, _ONE) if m else _ZERO
        share = zs * own_share + (_ONE - zs) * port_share
        if n == 0:
            profiles[customer] = _profile(
                customer,
                "portfolio" if port_source == "portfolio" else "terms",
                documents=0,
                credibility=_ZERO,
                matured=m,
                share_credibility=zs,
                share_paid=share,
                points=port_points,
                reasons=(
                    f"customer {customer} has no paid documents since {since.isoformat()}:"
                    " the portfolio profile is used",
                ),
            )
            continue
        own_total = sum(hist.days.values(), _ZERO)
        port_mass = {p.days: p.probability for p in port_points}
        blended: dict[int, Decimal] = defaultdict(Decimal)
        for d, w in hist.days.items():
            blended[d] += z * w / own_total
        for d, p in port_mass.items():
            blended[d] += (_ONE - z) * p
        profiles[customer] = _profile(
            customer,
            "blended",
            documents=n,
            credibility=z,
            matured=m,
            share_credibility=zs,
            share_paid=share,
            points=_normalise(blended),
            reasons=(
                f"Z = n/(n+k) = {n}/({n}+{k}) = {z:.4f} on the customer's own timing",
                f"share paid = {zs:.4f} x {own_share:.4f} (own, {m} matured documents)"
                f" + {_ONE - zs:.4f} x {port_share:.4f} (portfolio) = {share:.4f}",
            ),
        )
    return port, profiles


def payment_profiles(
    ledger: Ledger,
    *,
    as_of: date,
    policy: ProfilePolicy | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
) -> tuple[PaymentProfile, ...]:
    """Payment-behaviour profiles as of ``as_of``: the portfolio's first, then each customer's.

    Every cash application (from a payment) dated in the look-back window and on or before
    ``as_of`` is one observation: days from the target's due date to the application,
    weighted by the amount applied (in the report currency). A customer's distribution is
    the credibility-weighted mixture

    $$F_c = Z\\,\\hat F_c + (1 - Z)\\,\\hat F_{\\text{portfolio}},\\quad Z = n/(n+k)$$

    with $n$ the customer's paid documents (Bühlmann 1967; Bühlmann & Gisler,
    *A Course in Credibility Theory and its Applications*, 2005, §3.2). The share paid is
    blended the same way over matured documents.

    Examples:
        >>> from receivables.models import Application, Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...             due_date=date(2026, 1, 31), total="100.00 USD"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 10),
        ...             amount="100.00 USD"),
        ... ]).apply([Application(id="A1", source_id="P1", target_id="I1",
        ...                       applied_on=date(2026, 2, 10), amount="100.00 USD")])
        >>> portfolio, c1 = payment_profiles(ledger, as_of=date(2026, 3, 1))
        >>> portfolio.p50_days, c1.source, str(c1.credibility)
        (10, 'blended', '0.1666666666666666666666666667')
    """
    policy = policy or ProfilePolicy()
    report = _report_currency(ledger.open_items(as_of=as_of), currency, rates, ledger)
    cash = _cash_by_target(ledger, as_of)
    histories = _histories(
        ledger, as_of=as_of, policy=policy, convert=_Converter(report, rates), cash=cash
    )
    port, profiles = _build_profiles(histories, as_of=as_of, policy=policy)
    return (port, *(profiles[c] for c in sorted(profiles)))


# --------------------------------------------------------------------------------------
# The forecast
# --------------------------------------------------------------------------------------


class ForecastPeriod(_Frozen):
    """Receipts expected in one period, with the low and high scenario bands.

    ``expected`` is probability-weighted; ``low`` is the scenario where every item pays at
    the 75th percentile of its remaining-time distribution (late) and ``high`` at the 25th
    (early). ``promised`` is the part of ``expected`` that comes from promises to pay.
    """

    index: int
    label: str
    start: date
    end: date
    low: Money
    expected: Money
    high: Money
    promised: Money
    cumulative_expected: Money


class ItemForecast(_Frozen):
    """How one open item's amount is expected to come in (all in the report currency).

    ``open = held_back + sum(expected) + beyond_horizon + not_expected``, exactly.
    """

    document_id: str
    customer_id: str
    due_date: date
    days_past_due: int
    open: Money
    held_back: Money = Field(description="Under open dispute: never forecast.")
    promised: Money = Field(description="Scheduled by a pending promise to pay.")
    promise_ids: tuple[str, ...] = ()
    promised_by_period: tuple[Money, ...]
    model_amount: Money
    expected: tuple[Money, ...]
    low: tuple[Money, ...]
    high: tuple[Money, ...]
    beyond_horizon: Money
    not_expected: Money
    profile_source: str
    reasons: tuple[str, ...] = ()


class CashForecast(_Frozen, Tabular):
    """Expected receipts per period from the open items on ``as_of``."""

    as_of: date
    period: PeriodName
    horizon: int
    currency: str
    periods: tuple[ForecastPeriod, ...]
    items: tuple[ItemForecast, ...]
    profiles: tuple[PaymentProfile, ...]
    open_total: Money
    held_back_total: Money
    promised_total: Money
    expected_total: Money
    beyond_horizon_total: Money
    not_expected_total: Money
    notes: tuple[str, ...] = ()

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per period."""
        return [
            {
                "period": p.label,
                "start": p.start,
                "end": p.end,
                "low": p.low.amount,
                "expected": p.expected.amount,
                "high": p.high.amount,
                "promised": p.promised.amount,
                "cumulative_expected": p.cumulative_expected.amount,
                "currency": self.currency,
            }
            for p in self.periods
        ]

    def receipts_for(
        self,
        customer_ids: Collection[str],
        *,
        band: Literal["low", "expected", "high"] = "expected",
    ) -> tuple[Money, ...]:
        """Per-period receipts from the items of ``customer_ids`` only, in one band."""
        totals = [Money.zero(self.currency) for _ in self.periods]
        for item in self.items:
            if item.customer_id in customer_ids:
                parts = getattr(item, band)
                totals = [t + p for t, p in zip(totals, parts, strict=True)]
        return tuple(totals)


class PromisedPart(_Frozen):
    """The part of a pending promise to pay still expected on one open document.

    ``on`` is the day the cash is expected (the promise's ``pay_by``, or the day after
    ``as_of`` when a promise within its grace days is not yet kept); ``amount`` is in the
    document's currency.
    """

    promise_id: str
    document_id: str
    on: date
    amount: Money


def _promise_parts(
    ledger: Ledger,
    *,
    as_of: date,
    grace_days: int,
    collectable: Mapping[str, Money],
    items: Mapping[str, OpenItem],
    cash: Mapping[str, Sequence[Application]],
) -> tuple[dict[str, list[PromisedPart]], list[str]]:
    """The still-unpaid parts of pending promises, allocated to their open items."""
    parts: dict[str, list[PromisedPart]] = defaultdict(list)
    notes: list[str] = []
    left = dict(collectable)
    pending: list[PromiseToPay] = [
        p
        for p in ledger.promises
        if p.promised_on <= as_of and as_of <= p.pay_by + timedelta(days=grace_days)
    ]
    for promise in sorted(pending, key=lambda p: (p.pay_by, p.id)):
        if promise.document_ids:
            scope = list(promise.document_ids)
        else:
            scope = [
                i.id
                for i in items.values()
                if i.customer_id == promise.customer_id and i.open.code == promise.amount.code
            ]
        paid = sum(
            (
                a.amount.amount
                for doc_id in scope
                for a in cash.get(doc_id, ())
                if promise.promised_on <= a.applied_on <= as_of
            ),
            _ZERO,
        )
        remaining = promise.amount.amount - paid
        if remaining <= 0:
            notes.append(f"promise {promise.id} already kept by {as_of.isoformat()}")
            continue
        targets = sorted(
            (d for d in scope if d in left and left[d].amount > 0),
            key=lambda d: (items[d].due_date, d),
        )
        if not targets:
            notes.append(f"promise {promise.id}: its documents have nothing collectable left")
            continue
        available = sum((left[d].amount for d in targets), _ZERO)
        amount = Money(min(remaining, available), promise.amount.currency)
        on = max(promise.pay_by, as_of + timedelta(days=1))
        for doc_id, part in zip(
            targets, split(amount, [left[d].minor for d in targets]), strict=True
        ):
            if part.amount > 0:
                parts[doc_id].append(
                    PromisedPart(promise_id=promise.id, document_id=doc_id, on=on, amount=part)
                )
                left[doc_id] = left[doc_id] - part
    return parts, notes


def _open_debits(
    ledger: Ledger, as_of: date
) -> tuple[list[OpenItem], dict[str, Money], dict[str, Money]]:
    """Open debit items, and each one's disputed and collectable part, in its currency."""
    open_items = ledger.open_items(as_of=as_of, include_credits=False)
    held = {i.id: ledger.disputed_amount(i.id, as_of=as_of) for i in open_items}
    return open_items, held, {i.id: i.open - held[i.id] for i in open_items}


def promise_schedule(
    ledger: Ledger, *, as_of: date, grace_days: int = 0
) -> tuple[PromisedPart, ...]:
    """The pending promises to pay on ``as_of``, as the parts :func:`forecast` schedules.

    A promise is pending when it was made on or before ``as_of`` and its ``pay_by`` plus
    ``grace_days`` has not passed. Cash already applied to its documents since it was made
    counts toward it; the rest is spread over its documents (or the customer's open items
    in its currency), oldest due first, pro rata to what is collectable on each (open
    less disputed), with :func:`~receivables.money.split`. This is the input
    :func:`receivables.frames.forecast_frame` takes for promises. Sorted by document, date
    and promise.

    Examples:
        >>> from receivables.models import Invoice, PromiseToPay
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="500.00 USD")])
        >>> ledger = ledger.with_records(promises=[PromiseToPay(
        ...     id="PTP-1", customer_id="C1", promised_on=date(2026, 2, 10),
        ...     pay_by=date(2026, 2, 20), amount="200.00 USD", document_ids=("I1",))])
        >>> [(p.document_id, p.on.isoformat(), str(p.amount))
        ...  for p in promise_schedule(ledger, as_of=date(2026, 2, 15))]
        [('I1', '2026-02-20', '200.00 USD')]
    """
    grace_days = _check_grace_days(grace_days)
    open_items, _, collectable = _open_debits(ledger, as_of)
    parts, _ = _promise_parts(
        ledger,
        as_of=as_of,
        grace_days=grace_days,
        collectable=collectable,
        items={i.id: i for i in open_items},
        cash=_cash_by_target(ledger, as_of),
    )
    return tuple(
        sorted(
            (part for doc_parts in parts.values() for part in doc_parts),
            key=lambda p: (p.document_id, p.on, p.promise_id),
        )
    )


def _period_index(on: date, periods: Sequence[tuple[date, date]], starts: list[date]) -> int:
    """Index of the period holding ``on``; ``len(periods)`` beyond the horizon."""
    i = bisect.bisect_right(starts, on) - 1
    if i < 0:
        return 0
    if on > periods[-1][1]:
        return len(periods)
    return i


PARTS: Final = 10**9
"""The resolution of an item's forecast weights: they are whole parts per billion."""


def spread(units: int, parts: Sequence[int]) -> list[int]:
    """Split a whole number of minor ``units`` (zero or more) by weights in parts per billion
    that sum to :data:`PARTS`, by cumulative rounding.

    The $k$-th part is $R(u\\,C_k / 10^9) - R(u\\,C_{k-1} / 10^9)$, with $C_k$ the running
    sum of the weights and $R$ rounding half up: the parts telescope to exactly ``units``,
    each is the floor or the ceiling of its exact share, and a zero weight gives a zero
    part. Each part depends only on two running sums, not on a ranking of all the
    remainders, so a dataframe engine computes it with a fixed few integer steps per
    period however long the horizon (the largest-remainder rule of
    :func:`~receivables.money.split` would compare every part with every other).

    Examples:
        >>> spread(100, [333_333_334, 333_333_333, 333_333_333])
        [33, 34, 33]
    """
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise ValueError(f"spread splits a whole number of units >= 0, not {units!r}")
    if sum(parts) != PARTS or any(p < 0 for p in parts):
        raise ValueError(f"weights must be parts per billion summing to {PARTS}: {list(parts)}")
    out: list[int] = []
    running = previous = 0
    for part in parts:
        running += part
        rounded = (2 * units * running + PARTS) // (2 * PARTS)
        out.append(rounded - previous)
        previous = rounded
    return out


@dataclass(frozen=True)
class ItemWeights:
    """How an open item's model part is spread: whole parts per billion (:data:`PARTS`).

    ``parts`` has one weight per forecast period, then "beyond the horizon", then "not
    expected", summing to exactly :data:`PARTS`. ``low`` and ``high`` are the indexes of
    the periods where the late (75th percentile) and early (25th percentile) scenarios
    land, or ``None`` when they fall beyond the horizon or in the never-paid mass.
    """

    parts: tuple[int, ...]
    low: int | None
    high: int | None


class ItemWeigher:
    """The :class:`ItemWeights` of items timed by one profile, as of one date, over one set
    of periods (the profile's cumulative probabilities are summed once; each item then
    takes a few bisections).

    With the profile's timing probabilities $p(d)$ and share paid $s$, an item $e$ days
    past due on ``as_of`` can still be paid on any day $d > e$: its mass in a period is
    $s \\sum_{d \\in \\text{period}} p(d)$, beyond the horizon likewise, and "not expected"
    has $1 - s$ (the conditional distribution of :func:`forecast`). The masses are exact;
    they are turned into whole parts per billion with
    :func:`~receivables.money.largest_remainder`, so that splitting an amount by them is
    integer arithmetic, the same in Python and in a dataframe engine. The low and high
    scenarios land on the first days where the conditional probability of payment
    reaches 75% and 25%.

    Examples:
        >>> profile = PaymentProfile(
        ...     customer_id=None, source="portfolio", documents=2, credibility=1,
        ...     matured_documents=2, share_credibility=1, share_paid=Decimal("0.8"),
        ...     distribution=(ProfilePoint(days=0, probability=Decimal("0.5")),
        ...                   ProfilePoint(days=40, probability=Decimal("0.5"))),
        ...     mean_days=20, p25_days=0, p50_days=0, p75_days=40)
        >>> weigh = ItemWeigher(profile, as_of=date(2026, 1, 15),
        ...                     periods=[(date(2026, 1, 16), date(2026, 2, 28))])
        >>> w = weigh(date(2026, 1, 31))
        >>> w.parts, w.low, w.high
        ((400000000, 400000000, 200000000), None, 0)
    """

    def __init__(
        self, profile: PaymentProfile, *, as_of: date, periods: Sequence[tuple[date, date]]
    ) -> None:
        self.as_of = as_of
        self.periods = tuple(periods)
        self._as_of = as_of.toordinal()
        self._starts = [start.toordinal() for start, _ in self.periods]
        self._ends = [end.toordinal() for _, end in self.periods]
        self._days = [p.days for p in profile.distribution]
        # Exact integers: every probability and the share over one common denominator,
        # so masses and their comparisons are exact and fast (no decimal context, no
        # rounding before the parts per billion).
        values = (profile.share_paid, *(p.probability for p in profile.distribution))
        ratios = [value.as_integer_ratio() for value in values]
        one = math.lcm(*(denominator for _, denominator in ratios))
        scaled = [numerator * (one // denominator) for numerator, denominator in ratios]
        self._one = one
        self._share = scaled[0]
        self._cumulative = list(itertools.accumulate(scaled[1:]))
        self._parts: dict[tuple[int, ...], tuple[tuple[int, ...], int | None, int | None]] = {}

    def __call__(self, due_date: date) -> ItemWeights:
        """The weights of an item due on ``due_date``."""
        due = due_date.toordinal()
        days = self._days
        # The weights depend on the due date only through where the item's age and the
        # period ends fall among the profile's days: items that agree there share them.
        key = (
            bisect.bisect_right(days, self._as_of - due),
            *(bisect.bisect_right(days, end - due) for end in self._ends),
        )
        found = self._parts.get(key)
        if found is None:
            found = self._parts[key] = self._weigh(key)
        parts, low, high = found
        return ItemWeights(
            parts=parts, low=self._period_of(due, low), high=self._period_of(due, high)
        )

    def _upto(self, position: int) -> int:
        return self._cumulative[position - 1] if position else 0

    def _weigh(self, key: tuple[int, ...]) -> tuple[tuple[int, ...], int | None, int | None]:
        """Parts per billion, and the profile points where the late and early scenarios
        land, for an item whose age and period ends fall at ``key`` among the days."""
        n = len(self._ends)
        share, one = self._share, self._one
        last = self._upto(len(self._days))
        paid_before = self._upto(key[0])
        never = (one - share) * one
        total = share * (last - paid_before) + never
        if total <= 0:
            return (0,) * (n + 1) + (PARTS,), None, None
        weights: list[int] = []
        lower = paid_before
        for position in key[1:]:
            upper = self._upto(position)
            weights.append(share * (upper - lower))
            lower = upper
        weights.append(share * (last - lower))
        weights.append(never)
        points: list[int | None] = []
        for numerator, denominator in _BAND_RATIOS:
            # the first point where s * (F(d) - F(e)) reaches q * total
            point = None
            if share:
                threshold = paid_before - (-numerator * total // (denominator * share))
                i = bisect.bisect_left(self._cumulative, threshold)
                point = i if i < len(self._days) else None
            points.append(point)
        return tuple(largest_remainder(PARTS, weights)), points[0], points[1]

    def _period_of(self, due: int, point: int | None) -> int | None:
        """The period of the day ``due + days[point]``; None beyond the horizon."""
        if point is None:
            return None
        on = due + self._days[point]
        if on > self._ends[-1]:
            return None
        return max(bisect.bisect_right(self._starts, on) - 1, 0)


def _forecast_item(
    item: OpenItem,
    *,
    as_of: date,
    periods: Sequence[tuple[date, date]],
    starts: list[date],
    profile: PaymentProfile,
    weigh: ItemWeigher,
    open_: Money,
    held: Money,
    promised: Sequence[tuple[PromisedPart, Money]],
    currency: str,
) -> ItemForecast:
    n = len(periods)
    zero = Money.zero(currency)
    expected = [zero] * n
    low = [zero] * n
    high = [zero] * n
    promised_in = [zero] * n
    beyond_total = zero
    reasons: list[str] = []
    if held.amount > 0:
        reasons.append(f"{held} under open dispute held back")
    promised_total = zero
    for part, amount in promised:
        i = _period_index(part.on, periods, starts)
        promised_total += amount
        reasons.append(f"promise {part.promise_id}: {amount} on {part.on.isoformat()}")
        if i == n:
            beyond_total += amount
            continue
        expected[i] += amount
        low[i] += amount
        high[i] += amount
        promised_in[i] += amount
    model = open_ - held - promised_total
    due = item.due_date
    elapsed = (as_of - due).days
    not_expected = zero
    if model.amount > 0:
        weights = weigh(due)
        parts = [Money.from_minor(u, currency) for u in spread(model.minor, weights.parts)]
        for i in range(n):
            expected[i] += parts[i]
        beyond_total += parts[n]
        not_expected = parts[n + 1]
        for band, at in ((low, weights.low), (high, weights.high)):
            if at is not None:
                band[at] += model
        if profile.share_paid == _ONE and weights.parts[n + 1] == PARTS:
            reasons.append(
                f"{elapsed} days past due, later than every payment in the profile and a"
                " share paid of 1: nothing is expected from the model"
            )
        else:
            reasons.append(
                f"model: {model} timed by the {profile.source} profile, given"
                f" {elapsed} days past due (share paid {profile.share_paid:.4f})"
            )
    return ItemForecast(
        document_id=item.id,
        customer_id=item.customer_id,
        due_date=due,
        days_past_due=elapsed,
        open=open_,
        held_back=held,
        promised=promised_total,
        promise_ids=tuple(sorted({p.promise_id for p, _ in promised})),
        promised_by_period=tuple(promised_in),
        model_amount=model,
        expected=tuple(expected),
        low=tuple(low),
        high=tuple(high),
        beyond_horizon=beyond_total,
        not_expected=not_expected,
        profile_source=profile.source,
        reasons=tuple(reasons),
    )


def forecast(
    ledger: Ledger,
    *,
    as_of: date,
    horizon: int,
    period: str = "month",
    currency: str | None = None,
    rates: FxRates | None = None,
    policy: ProfilePolicy | None = None,
    promise_grace_days: int = 0,
) -> CashForecast:
    """Expected cash receipts per period from the debit items open on ``as_of``.

    For an open item due on $t_0$, $e$ days past due on ``as_of``, with a
    profile of timing probabilities $p(d)$ and share paid $s$, the model part
    $M$ is spread over the days $d > e$ still possible:

    $$E[\\text{receipt on } t_0 + d] = M\\,\\frac{s\\,p(d)}{s\\sum_{d' > e} p(d') + (1 - s)}$$

    which is the distribution conditioned on "not paid by ``as_of``" (the hazard view of a
    survival curve: Kalbfleisch & Prentice, *The Statistical Analysis of Failure Time
    Data*, 2nd ed., 2002, §1.2). The never-paid mass $1-s$ grows in weight as the
    item ages, so an old item is expected to bring less. The weights are made whole parts
    per billion (:class:`ItemWeigher`) and the amounts allocated with :func:`spread` over the
    periods, "beyond the horizon" and "not expected", so nothing is created or lost. Low
    and high bands are the scenarios where each item pays in full at the 75th (late) or
    25th (early) percentile of that conditional distribution. Disputed parts are held
    back; pending promises (made on or before ``as_of``, with
    ``pay_by + promise_grace_days`` not yet passed, not yet kept) override the model for
    their amount. Credits (unapplied cash) are not receipts and are left out. Foreign items
    are converted at the rate on ``as_of``.

    Examples:
        >>> from receivables.ledger import Ledger
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="90.00 USD")])
        >>> fc = forecast(ledger, as_of=date(2026, 1, 31), horizon=1, period="quarter")
        >>> fc.periods[0].label, str(fc.expected_total), fc.profiles[0].source
        ('2026-Q1', '90.00 USD', 'terms')
    """
    name = _check_period(period)
    _check_horizon(horizon)
    promise_grace_days = _check_grace_days(promise_grace_days)
    policy = policy or ProfilePolicy()
    open_items, held_native, collectable_native = _open_debits(ledger, as_of)
    report = _report_currency(open_items, currency, rates, ledger)
    convert = _Converter(report, rates)
    cash = _cash_by_target(ledger, as_of)
    histories = _histories(ledger, as_of=as_of, policy=policy, convert=convert, cash=cash)
    port, profiles = _build_profiles(histories, as_of=as_of, policy=policy)
    periods = _forecast_periods(as_of, name, horizon)
    starts = [s for s, _ in periods]
    items = {i.id: i for i in open_items}
    promises, notes = _promise_parts(
        ledger,
        as_of=as_of,
        grace_days=promise_grace_days,
        collectable=collectable_native,
        items=items,
        cash=cash,
    )
    forecasts: list[ItemForecast] = []
    weighers: dict[str, ItemWeigher] = {}
    for item in sorted(open_items, key=lambda i: (i.due_date, i.id)):
        open_ = convert(item.open, on=as_of, document_id=item.id, what="open amount")
        held = min(
            convert(held_native[item.id], on=as_of, document_id=item.id, what="disputed amount"),
            open_,
        )
        room = open_ - held
        promised: list[tuple[PromisedPart, Money]] = []
        for part in sorted(promises.get(item.id, ()), key=lambda p: (p.on, p.promise_id)):
            amount = convert(part.amount, on=as_of, document_id=item.id, what="promise")
            amount = min(amount, room)
            room -= amount
            promised.append((part, amount))
        profile = profiles.get(item.customer_id, port)
        weigh = weighers.get(item.customer_id)
        if weigh is None:
            weigh = weighers[item.customer_id] = ItemWeigher(profile, as_of=as_of, periods=periods)
        forecasts.append(
            _forecast_item(
                item,
                as_of=as_of,
                periods=periods,
                starts=starts,
                profile=profile,
                weigh=weigh,
                open_=open_,
                held=held,
                promised=promised,
                currency=report,
            )
        )
    zero = Money.zero(report)
    rows: list[ForecastPeriod] = []
    running = zero
    for i, (start, end) in enumerate(periods):
        exp = sum((f.expected[i] for f in forecasts), zero)
        running += exp
        promised_here = sum((f.promised_by_period[i] for f in forecasts), zero)
        rows.append(
            ForecastPeriod(
                index=i,
                label=_label(_period_start(start, name), name),
                start=start,
                end=end,
                low=sum((f.low[i] for f in forecasts), zero),
                expected=exp,
                high=sum((f.high[i] for f in forecasts), zero),
                promised=promised_here,
                cumulative_expected=running,
            )
        )
    used = sorted({f.customer_id for f in forecasts})
    if port.source == "terms":
        notes.append(port.reasons[0])
    return CashForecast(
        as_of=as_of,
        period=name,
        horizon=horizon,
        currency=report,
        periods=tuple(rows),
        items=tuple(forecasts),
        profiles=(port, *(profiles[c] for c in used if c in profiles)),
        open_total=sum((f.open for f in forecasts), zero),
        held_back_total=sum((f.held_back for f in forecasts), zero),
        promised_total=sum((f.promised for f in forecasts), zero),
        expected_total=running,
        beyond_horizon_total=sum((f.beyond_horizon for f in forecasts), zero),
        not_expected_total=sum((f.not_expected for f in forecasts), zero),
        notes=tuple(sorted(notes)),
    )


# --------------------------------------------------------------------------------------
# The collection-pattern method
# --------------------------------------------------------------------------------------


class PatternContribution(_Frozen):
    """Cash from one period's sales collected in a later (or the same) period."""

    sales_period: date
    lag: int
    share: ExactDecimal
    amount: Money


class PatternRow(_Frozen):
    """Collections in one period under the collection pattern."""

    period: date
    label: str
    sales: Money
    opening: Money = Field(description="Collections of earlier receivables given as input.")
    collections: Money
    contributions: tuple[PatternContribution, ...]


class PatternForecast(_Frozen):
    """A schedule of expected cash collections from sales totals and a collection pattern."""

    period: PeriodName
    pattern: tuple[ExactDecimal, ...]
    uncollectible_share: ExactDecimal
    rows: tuple[PatternRow, ...]
    total_sales: Money
    total_collections: Money
    uncollectible: Money

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per period."""
        return [
            {
                "period": r.label,
                "sales": r.sales.amount,
                "opening": r.opening.amount,
                "collections": r.collections.amount,
                "currency": r.collections.code,
            }
            for r in self.rows
        ]


def collection_pattern_forecast(
    sales_by_month: Mapping[date, Money],
    pattern: Sequence[Decimal | int | str],
    *,
    period: str = "month",
    opening_collections: Mapping[date, Money] | None = None,
) -> PatternForecast:
    """Expected collections from credit sales per period and a collection pattern.

    ``pattern[i]`` is the share of a period's credit sales collected ``i`` periods after
    the period of sale (``pattern[0]``: in the period of sale); the shares sum to at most
    1 and the rest is uncollectible. Collections in period $t$ are

    $$C_t = \\sum_{i \\ge 0} \\text{pattern}_i \\times S_{t-i} + O_t$$

    with $O_t$ the known collections of receivables that predate the sales
    (``opening_collections``). This is the schedule of expected cash collections of the
    master budget (Garrison, Noreen & Brewer, *Managerial Accounting*, 16th ed., 2018,
    ch. 8, Schedule 1). Each period's sales are split with
    :func:`~receivables.money.split`, so the parts add up to the sales to the minor unit.
    Keys are the first day of their period.

    Examples:
        >>> sales = {date(2026, 1, 1): Money("1000", "USD"), date(2026, 2, 1): Money("500", "USD")}
        >>> fc = collection_pattern_forecast(sales, ["0.6", "0.4"])
        >>> [(r.label, str(r.collections)) for r in fc.rows]
        [('2026-01', '600.00 USD'), ('2026-02', '700.00 USD'), ('2026-03', '200.00 USD')]
    """
    name = _check_period(period)
    shares = tuple(to_decimal(s, what="pattern share") for s in pattern)
    if not shares:
        raise ForecastError("pattern: give at least one share", field="pattern")
    for i, s in enumerate(shares):
        if s < 0 or s > 1:
            raise ForecastError(
                f"pattern[{i}]: share {s} must be between 0 and 1", field=f"pattern[{i}]"
            )
    rest = _ONE - sum(shares, _ZERO)
    if rest < 0:
        raise ForecastError(
            f"pattern: shares sum to {sum(shares, _ZERO)}, more than 1", field="pattern"
        )
    opening = dict(opening_collections or {})
    keys = [*sales_by_month, *opening]
    if not keys:
        raise ForecastError("sales_by_month: no sales given", field="sales_by_month")
    codes = sorted({m.code for m in (*sales_by_month.values(), *opening.values())})
    if len(codes) > 1:
        raise CurrencyMismatch(
            f"sales_by_month: amounts in {', '.join(codes)}; give one currency",
            field="sales_by_month",
        )
    code = codes[0]
    for key in keys:
        if _period_start(key, name) != key:
            raise ForecastError(
                f"sales_by_month: key {key.isoformat()} is not the first day of its {name}",
                field="sales_by_month",
            )
    first = min(keys)
    last = max(max(sales_by_month, default=first), max(opening, default=first))
    starts: list[date] = [first]
    sales_last = max(sales_by_month, default=first)
    end = sales_last
    for _ in range(len(shares) - 1):
        end = _next_start(end, name)
    end = max(end, last)
    while starts[-1] < end:
        starts.append(_next_start(starts[-1], name))
    index = {s: i for i, s in enumerate(starts)}
    zero = Money.zero(code)
    contributions: list[list[PatternContribution]] = [[] for _ in starts]
    uncollectible = zero
    for sold_in in sorted(sales_by_month):
        sales = sales_by_month[sold_in]
        if sales.amount < 0:
            raise ForecastError(
                f"sales_by_month: {sold_in.isoformat()} has negative sales {sales}",
                field="sales_by_month",
            )
        parts = split(sales, [*shares, rest]) if sales.amount > 0 else [zero] * (len(shares) + 1)
        uncollectible += parts[-1]
        for lag, (share, part) in enumerate(zip(shares, parts, strict=False)):
            contributions[index[sold_in] + lag].append(
                PatternContribution(sales_period=sold_in, lag=lag, share=share, amount=part)
            )
    rows = []
    for i, start in enumerate(starts):
        open_part = opening.get(start, zero).quantize()
        collected = sum((c.amount for c in contributions[i]), zero) + open_part
        rows.append(
            PatternRow(
                period=start,
                label=_label(start, name),
                sales=sales_by_month.get(start, zero),
                opening=open_part,
                collections=collected,
                contributions=tuple(contributions[i]),
            )
        )
    return PatternForecast(
        period=name,
        pattern=shares,
        uncollectible_share=rest,
        rows=tuple(rows),
        total_sales=sum((m.quantize() for m in sales_by_month.values()), zero),
        total_collections=sum((r.collections for r in rows), zero),
        uncollectible=uncollectible,
    )


# --------------------------------------------------------------------------------------
# Backtest
# --------------------------------------------------------------------------------------


class BacktestRow(_Frozen):
    """One forecast period of one replay: forecast vs cash actually applied."""

    cutoff: date
    step: int = Field(ge=1, description="1 for the first period after the cut-off, ...")
    label: str
    start: date
    end: date
    low: Money
    forecast: Money
    high: Money
    actual: Money
    error: Money = Field(description="forecast - actual: positive means over-forecast.")
    absolute_percentage_error: ExactDecimal | None
    note: str | None = None
    in_band: bool


class BacktestSummary(_Frozen):
    """Error measures over a set of backtest rows."""

    step: int | None = Field(description="The lead (1, 2, ...), None for all rows.")
    rows: int
    mae: Money
    mape: ExactDecimal | None
    mape_note: str | None = None
    bias: Money
    band_coverage: ExactDecimal


class Backtest(_Frozen, Tabular):
    """The forecast replayed as of past cut-offs, with its error per period and in total."""

    start: date
    end: date
    period: PeriodName
    horizon: int
    currency: str
    rows: tuple[BacktestRow, ...]
    overall: BacktestSummary
    by_step: tuple[BacktestSummary, ...]
    notes: tuple[str, ...] = ()

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per compared period."""
        return [
            {
                "cutoff": r.cutoff,
                "step": r.step,
                "period": r.label,
                "low": r.low.amount,
                "forecast": r.forecast.amount,
                "high": r.high.amount,
                "actual": r.actual.amount,
                "error": r.error.amount,
                "ape_percent": r.absolute_percentage_error,
                "in_band": r.in_band,
                "currency": self.currency,
            }
            for r in self.rows
        ]


def _ape(error: Money, actual: Money) -> Decimal:
    """|e| / |A| x 100, exact (the caller rounds)."""
    with decimal.localcontext() as ctx:
        ctx.prec = _PREC
        return abs(error.amount) / abs(actual.amount) * _HUNDRED


def _summary(step: int | None, rows: Sequence[BacktestRow], currency: str) -> BacktestSummary:
    n = len(rows)
    zero = Money.zero(currency)
    abs_sum = sum((abs(r.error.amount) for r in rows), _ZERO)
    err_sum = sum((r.error.amount for r in rows), _ZERO)
    # The rows show each APE rounded; the mean is taken of the exact ones and rounded once.
    apes = [_ape(r.error, r.actual) for r in rows if r.actual.amount != 0]
    skipped = n - len(apes)
    if apes:
        with decimal.localcontext() as ctx:
            ctx.prec = _PREC
            mean = sum(apes, _ZERO) / len(apes)
        mape: Decimal | None = mean.quantize(_Q_PERCENT, rounding=ROUND_HALF_UP)
        note = (
            f"{skipped} period(s) with zero actual cash left out of MAPE (division by zero)"
            if skipped
            else None
        )
    else:
        mape = None
        note = "every period had zero actual cash: MAPE is undefined"
    covered = sum(1 for r in rows if r.in_band)
    return BacktestSummary(
        step=step,
        rows=n,
        mae=Money(abs_sum / n, currency).quantize() if n else zero,
        mape=mape,
        mape_note=note,
        bias=Money(err_sum / n, currency).quantize() if n else zero,
        band_coverage=(
            (Decimal(covered) / n * _HUNDRED).quantize(_Q_PERCENT, rounding=ROUND_HALF_UP)
            if n
            else _ZERO
        ),
    )


def backtest(
    ledger: Ledger,
    *,
    start: date,
    end: date,
    period: str = "month",
    horizon: int = 1,
    currency: str | None = None,
    rates: FxRates | None = None,
    policy: ProfilePolicy | None = None,
) -> Backtest:
    """Replay :func:`forecast` as of each period end in ``[start, end]`` and score it.

    Each cut-off sees the ledger as it stood then: movements after it are ignored and
    documents issued after it do not exist yet (the ledger's historical view), so the
    replay uses no future information (a rolling-origin evaluation: Tashman, "Out-of-sample
    tests of forecasting accuracy", *International Journal of Forecasting* 16(4), 2000).
    The actual for a period is the cash applied in it to the items open at the cut-off,
    converted at the cut-off's rate like the forecast; periods ending after ``end`` are
    not compared. Error measures (Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed., 2021, §5.8), with $e = F - A$:

    $$\\text{MAE} = \\tfrac1n\\sum|e|,\\quad
    \\text{MAPE} = \\tfrac{100}{n'}\\sum_{A\\neq0}\\left|\\tfrac{e}{A}\\right|,\\quad
    \\text{bias} = \\tfrac1n\\sum e$$

    MAPE leaves out periods whose actual is zero and says so; it is None when all are.

    Examples:
        >>> from receivables.ledger import Ledger
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="90.00 USD")])
        >>> bt = backtest(ledger, start=date(2026, 1, 1), end=date(2026, 2, 28))
        >>> [(str(r.cutoff), str(r.forecast), str(r.actual)) for r in bt.rows]
        [('2026-01-31', '90.00 USD', '0.00 USD')]
        >>> bt.overall.mape is None, bt.overall.mape_note
        (True, 'every period had zero actual cash: MAPE is undefined')
    """
    name = _check_period(period)
    _check_horizon(horizon)
    if end <= start:
        raise ForecastError(
            f"end: {end.isoformat()} is not after start {start.isoformat()}", field="end"
        )
    cutoffs: list[date] = []
    cursor = _period_start(start, name)
    while True:
        cut = _next_start(cursor, name) - timedelta(days=1)
        if cut >= end:
            break
        if cut >= start:
            cutoffs.append(cut)
        cursor = _next_start(cursor, name)
    if not cutoffs:
        raise ForecastError(
            f"start/end: no {name} ends between {start.isoformat()} and {end.isoformat()}"
            " with a period after it to compare",
            field="start",
        )
    if currency is None:
        fc0 = forecast(ledger, as_of=cutoffs[0], horizon=1, period=name, rates=rates)
        currency = fc0.currency
    rows: list[BacktestRow] = []
    cash_all = _cash_by_target(ledger, end)
    notes: list[str] = []
    for cut in cutoffs:
        fc = forecast(
            ledger,
            as_of=cut,
            horizon=horizon,
            period=name,
            currency=currency,
            rates=rates,
            policy=policy,
        )
        convert = _Converter(fc.currency, rates)
        open_ids = [i.document_id for i in fc.items]
        for p in fc.periods:
            if p.end > end:
                continue
            actual = Money.zero(fc.currency)
            for doc_id in open_ids:
                for app in cash_all.get(doc_id, ()):
                    if p.start <= app.applied_on <= p.end:
                        actual += convert(app.amount, on=cut, document_id=app.id, what="cash")
            error = p.expected - actual
            if actual.amount != 0:
                ape: Decimal | None = _ape(error, actual).quantize(
                    _Q_PERCENT, rounding=ROUND_HALF_UP
                )
                note = None
            else:
                ape = None
                note = "no cash applied in the period: percentage error undefined"
            lo, hi = sorted((p.low, p.high), key=lambda m: m.amount)
            rows.append(
                BacktestRow(
                    cutoff=cut,
                    step=p.index + 1,
                    label=p.label,
                    start=p.start,
                    end=p.end,
                    low=p.low,
                    forecast=p.expected,
                    high=p.high,
                    actual=actual,
                    error=error,
                    absolute_percentage_error=ape,
                    note=note,
                    in_band=lo <= actual <= hi,
                )
            )
    if not rows:
        notes.append("no forecast period ended by the end date: nothing compared")
    steps = sorted({r.step for r in rows})
    return Backtest(
        start=start,
        end=end,
        period=name,
        horizon=horizon,
        currency=currency,
        rows=tuple(rows),
        overall=_summary(None, rows, currency),
        by_step=tuple(_summary(s, [r for r in rows if r.step == s], currency) for s in steps),
        notes=tuple(notes),
    )
