"""Interest accrual on one debt through partial payments, credits, disputes and waivers.

Statutory interest runs per day on the **open principal** (BGB § 288(1); Directive
2011/7/EU art. 2(6): simple interest). Every event that changes what earns interest starts
a new period: a partial payment (after its clearing order has decided how much of it
reached the principal), a credit on the principal, a dispute opened or resolved (a disputed
part earns no interest). The interest of each period is

$$ I_k = (P_k - D_k) \\cdot \\frac{r}{100} \\cdot \\frac{n_k}{B} $$

with $P_k$ the open principal, $D_k$ the part under open dispute (capped at $P_k$), the rate
$r$ and basis $B$ of the :class:`~receivables.interest.LatePaymentLaw` (cut again inside the
period wherever the reference rate changes, by
:func:`~receivables.interest.interest_on_balances`). As in the interest module, the day a
payment arrives still earns on the old principal.

Interest already accrued is a **claim of its own**: it stays owed after the principal is
paid (it earns no interest itself, BGB § 289 sentence 1), until a payment clears it or the
creditor waives it. A waiver is a recorded decision (:class:`InterestWaiver`: who, when,
why, how much). Interest becomes a claim in whole minor units at each event: the cumulative
exact interest is rounded half up and the claim grows by the difference, so the interest
posted in total is the exact total rounded once, whatever the number of events.

Each payment is cleared by a :class:`~receivables.clearing.ClearingOrder`
(:data:`~receivables.clearing.BGB_367` by default: costs, then interest, then principal), so
the order decides how fast the principal, and with it the interest, falls.

Examples:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from receivables.interest import contractual_rate
    >>> account = accrue_interest("INV-1", principal=Money("1000.00", "EUR"),
    ...     start=date(2026, 1, 31), as_of=date(2026, 4, 1), law=contractual_rate("10"),
    ...     payments=[PartialPayment(id="P1", received_on=date(2026, 3, 2),
    ...                              amount=Money("500.00", "EUR"))])
    >>> [(str(p.first_day), str(p.last_day), str(p.earning)) for p in account.periods]
    [('2026-02-01', '2026-03-02', '1000.00 EUR'), ('2026-03-03', '2026-04-01', '508.22 EUR')]
    >>> account.interest, account.principal
    (Money('4.18', 'EUR'), Money('508.22', 'EUR'))
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.clearing import BGB_367, Claim, Clearing, ClearingOrder, Component, clear_payment
from receivables.errors import CurrencyMismatch
from receivables.interest import (
    BalanceChange,
    InterestPeriod,
    InvalidInterestInput,
    LatePaymentLaw,
    ReferenceRates,
    interest_on_balances,
)
from receivables.ledger import Ledger
from receivables.models import Application, CreditMemo, DebitMemo, Dispute, Invoice, WriteOff
from receivables.money import ExactDecimal, Money

__all__ = [
    "AccountEvent",
    "AccrualPeriod",
    "CostCharge",
    "InterestAccount",
    "InterestWaiver",
    "PartialPayment",
    "PrincipalCredit",
    "accrue_from_ledger",
    "accrue_interest",
]

EventKind = Literal["credit", "cost", "waiver", "payment", "posting"]
_EVENT_RANK: Final[dict[str, int]] = {
    "credit": 0,
    "cost": 1,
    "waiver": 2,
    "payment": 3,
    "posting": 4,
}


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class PartialPayment(_Record):
    """Money received on the debt on ``received_on``; the clearing order decides where it goes."""

    id: str = Field(min_length=1)
    received_on: date
    amount: Money

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount.amount <= 0:
            raise ValueError(f"payment {self.id}: amount: {self.amount} must be positive")
        return self


class CostCharge(_Record):
    """Costs owed on the debt from ``charged_on`` (a dunning fee, a fixed compensation)."""

    id: str = Field(min_length=1)
    charged_on: date
    amount: Money
    description: str = ""

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount.amount <= 0:
            raise ValueError(f"cost {self.id}: amount: {self.amount} must be positive")
        return self


class PrincipalCredit(_Record):
    """A reduction of the principal itself on ``credited_on`` (a credit memo: the price was
    wrong, a dispute was upheld). Not a payment, so no clearing order applies."""

    id: str = Field(min_length=1)
    credited_on: date
    amount: Money
    reason: str = ""

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount.amount <= 0:
            raise ValueError(f"credit {self.id}: amount: {self.amount} must be positive")
        return self


class InterestWaiver(_Record):
    """The creditor's recorded decision to waive accrued interest on a debt.

    ``amount`` None waives all interest open on ``waived_on``; interest that accrues later
    is not waived. ``decided_by`` and ``reason`` are the audit trail.

    Examples:
        >>> InterestWaiver(id="W1", document_id="INV-1", waived_on=date(2026, 3, 1),
        ...                decided_by="credit manager", reason="goodwill").amount is None
        True
    """

    id: str = Field(min_length=1)
    document_id: str = Field(min_length=1)
    waived_on: date
    amount: Money | None = None
    decided_by: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount is not None and self.amount.amount <= 0:
            raise ValueError(f"waiver {self.id}: amount: {self.amount} must be positive")
        return self


class AccrualPeriod(BaseModel):
    """Late days ``first_day`` .. ``last_day`` with one principal and one disputed part."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_day: date
    last_day: date
    days: int
    principal: Money
    disputed: Money
    earning: Money = Field(description="principal - disputed: what earns interest.")
    interest_exact: ExactDecimal
    ranges: tuple[InterestPeriod, ...] = Field(
        description="The interest module's ranges (cut again where the rate changes)."
    )
    ended_by: str = Field(description="The event that closes the period, or 'as_of'.")


class AccountEvent(BaseModel):
    """One event on the account and the claims after it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    kind: EventKind
    id: str
    amount: Money
    interest_posted: Money = Field(description="Accrued interest made a claim at this event.")
    clearing: Clearing | None = None
    principal_after: Money
    interest_after: Money
    costs_after: Money
    reason: str


class InterestAccount(BaseModel):
    """The interest history of one debt to ``as_of``: periods, events, and what is open."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    law_id: str
    citation: str
    order_id: str
    start: date
    as_of: date
    periods: tuple[AccrualPeriod, ...]
    events: tuple[AccountEvent, ...]
    principal: Money
    interest: Money = Field(description="Accrued interest still owed on as_of.")
    costs: Money
    interest_exact: ExactDecimal = Field(description="All interest accrued, exact.")
    interest_accrued: Money = Field(description="All interest accrued, rounded once.")
    interest_paid: Money
    interest_waived: Money
    unapplied: Money
    reasons: tuple[str, ...] = ()

    def claim(self, *, due_date: date, arose_on: date) -> Claim:
        """The debt as a :class:`~receivables.clearing.Claim` on ``as_of``, to clear with
        other debts (BGB § 366(2))."""
        return Claim(
            document_id=self.document_id,
            due_date=due_date,
            arose_on=arose_on,
            principal=self.principal,
            interest=self.interest,
            costs=self.costs,
        )

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per period, for tables and CSV."""
        return [
            {
                "document_id": self.document_id,
                "first_day": p.first_day,
                "last_day": p.last_day,
                "days": p.days,
                "principal": p.principal.amount,
                "disputed": p.disputed.amount,
                "earning": p.earning.amount,
                "currency": p.principal.code,
                "interest_exact": p.interest_exact,
                "ended_by": p.ended_by,
            }
            for p in self.periods
        ]


def _check_currency(document_id: str, code: str, amount: Money, field: str, on: date) -> None:
    if amount.code != code:
        raise CurrencyMismatch(
            f"{document_id} on {on.isoformat()}: {field}: {amount} is not in the debt's"
            f" currency {code}",
            document_id=document_id,
            field=field,
        )


def accrue_interest(
    document_id: str,
    *,
    principal: Money,
    start: date,
    as_of: date,
    law: LatePaymentLaw,
    rates: ReferenceRates | None = None,
    order: ClearingOrder = BGB_367,
    payments: Iterable[PartialPayment] = (),
    costs: Iterable[CostCharge] = (),
    credits: Iterable[PrincipalCredit] = (),
    waivers: Iterable[InterestWaiver] = (),
    disputes: Iterable[Dispute] = (),
    postings: Iterable[date] = (),
    arose_on: date | None = None,
) -> InterestAccount:
    """Accrue interest on ``principal`` from the day after ``start`` to ``as_of``.

    Events dated on or before ``as_of`` are taken in date order; on one day, credits come
    first, then costs, waivers and payments (a payment sees the fee charged that day).
    Each payment is cleared by ``order`` against the costs, accrued interest and principal
    open at that moment. ``disputes`` are the :class:`~receivables.models.Dispute` records
    of this document: their open part earns no interest. ``postings`` are extra days on
    which accrued interest is made a claim (a dunning notice's date): they cut periods but
    never change the interest. Interest does not accrue before ``start`` (the due date);
    ``arose_on`` (default ``start``) dates the debt for the clearing order.

    Examples:
        >>> from receivables.interest import contractual_rate
        >>> a = accrue_interest("I1", principal=Money("365.00", "EUR"), start=date(2026, 1, 1),
        ...                     as_of=date(2026, 1, 11), law=contractual_rate("10"))
        >>> a.interest, a.periods[0].days
        (Money('1.00', 'EUR'), 10)
    """
    code = principal.code
    if principal.amount < 0:
        raise InvalidInterestInput(
            f"{document_id} on {start.isoformat()}: principal: {principal} is negative",
            document_id=document_id,
            field="principal",
        )
    if as_of < start:
        raise InvalidInterestInput(
            f"{document_id}: as_of: {as_of.isoformat()} is before the start {start.isoformat()}",
            document_id=document_id,
            field="as_of",
        )
    events: list[tuple[date, int, str, EventKind, object]] = []
    ignored = 0

    def add(on: date, kind: EventKind, event_id: str, item: object, amount: Money | None) -> None:
        nonlocal ignored
        if amount is not None:
            _check_currency(document_id, code, amount, f"{kind}s[{event_id}].amount", on)
        if on > as_of:
            ignored += 1
            return
        events.append((on, _EVENT_RANK[kind], event_id, kind, item))

    for p in payments:
        add(p.received_on, "payment", p.id, p, p.amount)
    for c in costs:
        add(c.charged_on, "cost", c.id, c, c.amount)
    for cr in credits:
        add(cr.credited_on, "credit", cr.id, cr, cr.amount)
    for w in waivers:
        if w.document_id != document_id:
            raise InvalidInterestInput(
                f"{document_id} on {w.waived_on.isoformat()}: waivers: waiver {w.id} is for"
                f" {w.document_id}",
                document_id=document_id,
                field="waivers",
            )
        add(w.waived_on, "waiver", w.id, w, w.amount)
    for day in postings:
        if start < day <= as_of:
            add(day, "posting", f"posting-{day.isoformat()}", None, None)
    dispute_list = sorted(disputes, key=lambda d: (d.opened_on, d.id))
    for d in dispute_list:
        if d.document_id != document_id:
            raise InvalidInterestInput(
                f"{document_id} on {d.opened_on.isoformat()}: disputes: dispute {d.id} is of"
                f" {d.document_id}",
                document_id=document_id,
                field="disputes",
            )
        _check_currency(document_id, code, d.amount, f"disputes[{d.id}].amount", d.opened_on)
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    edges = {e[0] for e in events}
    for d in dispute_list:
        edges.update(x for x in (d.opened_on, d.resolved_on) if x is not None)
    days = sorted({day for day in edges if start < day <= as_of} | {as_of})

    open_principal = principal.quantize()
    open_interest = Money.zero(code)
    open_costs = Money.zero(code)
    exact_total = Decimal(0)
    posted_total = Money.zero(code)
    paid_interest = Money.zero(code)
    waived = Money.zero(code)
    unapplied = Money.zero(code)
    periods: list[AccrualPeriod] = []
    records: list[AccountEvent] = []
    reasons = [f"{law.citation}: simple interest on the open principal less open disputes"]
    if ignored:
        reasons.append(f"{ignored} event(s) dated after {as_of.isoformat()} are not counted")
    cursor = start
    by_day: dict[date, list[tuple[date, int, str, EventKind, object]]] = {}
    for e in events:
        by_day.setdefault(max(e[0], start), []).append(e)

    def disputed_on(day: date) -> Money:
        total = sum((d.amount for d in dispute_list if d.is_open(day)), Money.zero(code))
        return min(total, open_principal)

    def post() -> Money:
        nonlocal posted_total, open_interest
        rounded = Money(exact_total, code).quantize()
        delta = rounded - posted_total
        posted_total = rounded
        open_interest = open_interest + delta
        return delta

    for day in sorted({*days, *([start] if start in by_day else [])}):
        if day > cursor:
            disputed = disputed_on(cursor)
            earning = open_principal - disputed
            result = interest_on_balances(
                [BalanceChange(on=cursor, principal=earning)],
                start=cursor,
                end=day,
                law=law,
                rates=rates,
                document_id=document_id,
            )
            todays = by_day.get(day, [])
            ended = ", ".join(f"{e[3]} {e[2]}" for e in todays) if todays else "as_of"
            if not todays and any(
                x == day for d in dispute_list for x in (d.opened_on, d.resolved_on)
            ):
                ended = "dispute change"
            with decimal.localcontext() as ctx:
                ctx.prec = 50
                exact_total += result.interest_exact
            periods.append(
                AccrualPeriod(
                    first_day=cursor + timedelta(days=1),
                    last_day=day,
                    days=(day - cursor).days,
                    principal=open_principal,
                    disputed=disputed,
                    earning=earning,
                    interest_exact=result.interest_exact,
                    ranges=result.periods,
                    ended_by=ended,
                )
            )
            cursor = day
        for on, _, event_id, kind, item in by_day.get(day, []):
            posted = post()
            clearing: Clearing | None = None
            if kind == "credit":
                assert isinstance(item, PrincipalCredit)
                amount = item.amount
                if amount > open_principal:
                    raise InvalidInterestInput(
                        f"{document_id} on {on.isoformat()}: credits: credit {event_id} of"
                        f" {amount} is more than the open principal {open_principal}",
                        document_id=document_id,
                        field="credits",
                    )
                open_principal = open_principal - amount
                reason = f"credit {event_id} reduces the principal: a new period starts"
            elif kind == "cost":
                assert isinstance(item, CostCharge)
                amount = item.amount
                open_costs = open_costs + amount
                reason = f"costs {event_id} ({item.description or 'charged'}) become a claim"
            elif kind == "waiver":
                assert isinstance(item, InterestWaiver)
                amount = item.amount if item.amount is not None else open_interest
                if amount > open_interest:
                    raise InvalidInterestInput(
                        f"{document_id} on {on.isoformat()}: waivers: waiver {event_id} of"
                        f" {amount} is more than the interest open {open_interest}",
                        document_id=document_id,
                        field="waivers",
                    )
                open_interest = open_interest - amount
                waived = waived + amount
                reason = (
                    f"waiver {event_id} decided by {item.decided_by}: {item.reason};"
                    f" {amount} of accrued interest waived"
                )
            elif kind == "payment":
                assert isinstance(item, PartialPayment)
                amount = item.amount
                claim = Claim(
                    document_id=document_id,
                    due_date=start,
                    arose_on=arose_on if arose_on is not None else min(start, on),
                    principal=open_principal,
                    interest=open_interest,
                    costs=open_costs,
                )
                clearing = clear_payment(amount, [claim], order=order, as_of=on)
                after = clearing.remaining[0]
                paid_interest = paid_interest + clearing.placed_on(document_id, "interest")
                open_principal = after.principal
                open_interest = after.part(Component.INTEREST)
                open_costs = after.part(Component.COSTS)
                unapplied = unapplied + clearing.unapplied
                reason = (
                    f"payment {event_id} cleared by {order.citation}: a new period starts on"
                    f" the principal left"
                )
            else:
                amount = Money.zero(code)
                reason = "accrued interest posted as a claim"
            records.append(
                AccountEvent(
                    on=on,
                    kind=kind,
                    id=event_id,
                    amount=amount,
                    interest_posted=posted,
                    clearing=clearing,
                    principal_after=open_principal,
                    interest_after=open_interest,
                    costs_after=open_costs,
                    reason=reason,
                )
            )
    post()
    return InterestAccount(
        document_id=document_id,
        law_id=law.id,
        citation=law.citation,
        order_id=order.id,
        start=start,
        as_of=as_of,
        periods=tuple(periods),
        events=tuple(records),
        principal=open_principal,
        interest=open_interest,
        costs=open_costs,
        interest_exact=exact_total,
        interest_accrued=posted_total,
        interest_paid=paid_interest,
        interest_waived=waived,
        unapplied=unapplied,
        reasons=tuple(reasons),
    )


def accrue_from_ledger(
    ledger: Ledger,
    document_id: str,
    *,
    as_of: date,
    law: LatePaymentLaw,
    rates: ReferenceRates | None = None,
    order: ClearingOrder = BGB_367,
    start: date | None = None,
    costs: Iterable[CostCharge] = (),
    waivers: Iterable[InterestWaiver] = (),
    postings: Iterable[date] = (),
    exclude_disputed: bool = True,
) -> InterestAccount:
    """:func:`accrue_interest` for a ledger invoice: its cash, credits and disputes.

    Cash applied from payments becomes :class:`PartialPayment` values that ``order`` clears
    again (the ledger books all cash on the invoice; the law may say it paid interest and
    costs first). Credit memos, discounts, application write-offs and write-offs reduce the
    principal as :class:`PrincipalCredit` values. Disputes of the invoice are taken from the
    ledger unless ``exclude_disputed`` is False. Interest starts after ``start`` (default:
    the due date). Costs (dunning fees, the fixed compensation) and waivers are the caller's.

    Examples:
        >>> from receivables.interest import contractual_rate
        >>> from receivables.models import Payment
        >>> ledger = Ledger([Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          due_date=date(2026, 1, 31), total="1000.00 EUR"),
        ...                  Payment(id="P", customer_id="C", received_on=date(2026, 3, 2),
        ...                          amount="500.00 EUR")],
        ...     movements=[Application(id="A", source_id="P", target_id="I",
        ...                            applied_on=date(2026, 3, 2), amount="500.00 EUR")])
        >>> a = accrue_from_ledger(ledger, "I", as_of=date(2026, 4, 1),
        ...                        law=contractual_rate("10"))
        >>> a.principal, a.interest
        (Money('508.22', 'EUR'), Money('4.18', 'EUR'))
    """
    doc = ledger.document(document_id)
    if not isinstance(doc, (Invoice, DebitMemo)):
        raise InvalidInterestInput(
            f"{document_id}: document_id: only invoices and debit memos earn interest, not a"
            f" {doc.kind}",
            document_id=document_id,
            field="document_id",
        )
    begin = start if start is not None else doc.due
    payments: list[PartialPayment] = []
    credits: list[PrincipalCredit] = []
    for m in ledger.movements_of(document_id, as_of=as_of):
        if isinstance(m, Application):
            if m.target_id != document_id:
                continue
            source = ledger.document(m.source_id)
            if isinstance(source, CreditMemo):
                credits.append(
                    PrincipalCredit(
                        id=m.id, credited_on=m.applied_on, amount=m.settled, reason="credit memo"
                    )
                )
                continue
            payments.append(PartialPayment(id=m.id, received_on=m.applied_on, amount=m.amount))
            rest = m.settled - m.amount
            if rest.amount > 0:
                credits.append(
                    PrincipalCredit(
                        id=f"{m.id}-adj",
                        credited_on=m.applied_on,
                        amount=rest,
                        reason="discount or write-off on the application",
                    )
                )
        elif isinstance(m, WriteOff):
            credits.append(
                PrincipalCredit(
                    id=m.id, credited_on=m.written_off_on, amount=m.amount, reason=m.reason_code
                )
            )
    disputes = [d for d in ledger.disputes if d.document_id == document_id]
    return accrue_interest(
        document_id,
        principal=doc.amount,
        start=begin,
        as_of=max(as_of, begin),
        law=law,
        rates=rates,
        order=order,
        payments=payments,
        costs=costs,
        credits=credits,
        waivers=waivers,
        disputes=disputes if exclude_disputed else (),
        postings=postings,
        arose_on=doc.issue_date,
    )
