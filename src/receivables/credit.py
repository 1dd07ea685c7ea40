"""Credit management: exposure, order checks with overrides, payment behaviour, scoring.

The questions a credit controller answers before releasing an order:

1. **How much does the customer owe us, all in?** :func:`exposure`: open receivables
   (invoices and debit memos) + open orders not yet invoiced + the new order - unapplied
   cash - open credit memos (a policy flag), in the limit's currency, each component
   listed with the exchange rate used.
2. **May this order go?** :func:`check_order` applies the :class:`CreditPolicy` rules
   (limit, group limit, overdue days and amount, credit hold, review date, risk class)
   and returns a :class:`CreditDecision`: ``approve``, ``needs_override`` or ``hold``,
   with every reason. A :class:`CreditOverride` recorded by a manager approves a breach
   only within its amount and validity, and the decision still reports the breach.
3. **How does the customer pay, and how risky is it?** :func:`payment_behaviour` scores
   the customer's own history on a 0-100 scale in the spirit of D&B's PAYDEX key;
   :func:`score_customer` combines statement ratios, Altman's Z zone, behaviour and a
   user-supplied :class:`BureauReport` into a risk class with the arithmetic shown;
   :func:`recommend_limit` proposes a limit and :func:`next_review_date` the next review.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Customer, Invoice
    >>> acme = Customer(id="C1", name="Acme", currency="USD", credit_limit="10000.00 USD")
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 3, 1),
    ...                          terms="NET 30", total="8000.00 USD")], customers=[acme])
    >>> decision = check_order(acme, Money("3000.00", "USD"), ledger=ledger,
    ...                        as_of=date(2026, 3, 10))
    >>> decision.outcome, decision.excess
    ('needs_override', Money('1000.00', 'USD'))
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Annotated, Final, Literal, Self

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from receivables.errors import CurrencyMismatch, ReceivablesError, UnknownDocument
from receivables.financials import (
    AltmanModel,
    AltmanResult,
    FinancialStatements,
    MissingStatementLine,
    Ratio,
    altman_z,
    current_ratio,
    debt_ratio,
    interest_coverage,
    net_margin,
    quick_ratio,
    tangible_net_worth,
    working_capital,
)
from receivables.ledger import Ledger, OpenItem
from receivables.models import (
    Application,
    Customer,
    DebitMemo,
    Invoice,
    Payment,
    WriteOff,
)
from receivables.money import ExactDecimal, FxRates, Money

__all__ = [
    "Action",
    "BehaviourPolicy",
    "BureauReport",
    "CreditDecision",
    "CreditFile",
    "CreditOverride",
    "CreditPolicy",
    "CreditReason",
    "Exposure",
    "ExposureComponent",
    "InvalidCreditInput",
    "LimitPolicy",
    "LimitRecommendation",
    "LimitStep",
    "OpenOrder",
    "PaidInvoice",
    "PaymentBehaviour",
    "ScoreBand",
    "ScoreFactor",
    "Scorecard",
    "ScorecardLine",
    "ScorecardPolicy",
    "average_monthly_sales",
    "check_order",
    "exposure",
    "next_review_date",
    "paydex_style_score",
    "payment_behaviour",
    "recommend_limit",
    "score_customer",
]

Action = Literal["approve", "needs_override", "hold"]
"""The outcome of a credit check, from least to most severe."""

RuleAction = Literal["needs_override", "hold"]
"""What a breached rule asks for: a manager's override, or a hold no override lifts."""

_SEVERITY: Final[dict[str, int]] = {"approve": 0, "needs_override": 1, "hold": 2}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class InvalidCreditInput(ReceivablesError, ValueError):
    """A credit input that cannot be used: a negative amount, a mismatched customer..."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _fail(what: str, doc_id: str | None, field: str, message: str) -> InvalidCreditInput:
    prefix = f"{what} {doc_id}: " if doc_id else f"{what}: "
    return InvalidCreditInput(f"{prefix}{field}: {message}", document_id=doc_id, field=field)


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


class OpenOrder(_Frozen):
    """A sales order already accepted for the customer.

    ``unshipped`` and ``uninvoiced`` orders are commitments not yet in receivables, so
    they count in exposure; ``invoiced`` orders are already in the ledger (counting them
    again would double the exposure) and ``cancelled`` ones are gone: both are listed as
    skipped.
    """

    id: Name
    customer_id: Name
    amount: Money
    ordered_on: date
    status: Literal["unshipped", "uninvoiced", "invoiced", "cancelled"] = "unshipped"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount <= 0:
            raise _fail("order", self.id, "amount", f"{self.amount} must be positive")
        return self


class CreditFile(_Frozen):
    """What the credit department keeps on a customer beyond the account itself."""

    customer_id: Name
    risk_class: str | None = Field(default=None, description="e.g. A (best) to E (worst).")
    next_review_on: date | None = Field(
        default=None, description="When the credit review falls due; after it, it is expired."
    )


class CreditOverride(_Frozen):
    """A manager's recorded approval to exceed the credit rules.

    ``amount`` is the approved excess over the credit limit (in any currency; it is
    converted to the limit's currency on the day of the check). A check honours the
    override only on ``approved_on <= as_of <= expires_on``, for ``customer_id`` (and
    ``order_id`` when given), when every limit breach is within ``amount``, and only for
    rules whose action is ``needs_override``: a hold is never overridden. The limit
    itself never changes.
    """

    id: Name
    customer_id: Name
    approved_by: Name
    approved_on: date
    reason: Name
    amount: Money
    expires_on: date
    order_id: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount < 0:
            raise _fail("override", self.id, "amount", f"{self.amount} must not be negative")
        if self.expires_on < self.approved_on:
            raise _fail(
                "override",
                self.id,
                "expires_on",
                f"{self.expires_on.isoformat()} is before approved_on"
                f" {self.approved_on.isoformat()}",
            )
        return self


def _default_risk_actions() -> dict[str, RuleAction]:
    return {"D": "needs_override", "E": "hold"}


class CreditPolicy(_Frozen):
    """The rules of an order check, as data. Each rule says what a breach asks for.

    Examples:
        >>> CreditPolicy().max_days_overdue
        60
    """

    max_days_overdue: int = Field(default=60, ge=0, strict=True)
    overdue_days_action: RuleAction = "hold"
    max_overdue_amount: Money | None = Field(
        default=None, description="Hold when the overdue total exceeds this; None: no rule."
    )
    overdue_amount_action: RuleAction = "hold"
    over_limit_action: RuleAction = "needs_override"
    group_over_limit_action: RuleAction = "needs_override"
    no_limit_action: RuleAction = "needs_override"
    credit_hold_action: RuleAction = "hold"
    expired_review_action: RuleAction = "needs_override"
    risk_class_actions: dict[str, RuleAction] = Field(default_factory=_default_risk_actions)
    credit_memos_reduce_exposure: bool = Field(
        default=True,
        description="Open (unapplied) credit memos reduce exposure, as unapplied cash does.",
    )
    check_group_limit: bool = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_overdue_amount is not None and self.max_overdue_amount.amount < 0:
            raise _fail("credit policy", None, "max_overdue_amount", "must not be negative")
        return self


# --------------------------------------------------------------------------------------
# Exposure
# --------------------------------------------------------------------------------------

ComponentKind = Literal[
    "open_invoice",
    "open_debit_memo",
    "open_order",
    "new_order",
    "unapplied_cash",
    "open_credit_memo",
]
_KIND_ORDER: Final = {
    "open_invoice": 0,
    "open_debit_memo": 1,
    "open_order": 2,
    "new_order": 3,
    "unapplied_cash": 4,
    "open_credit_memo": 5,
}


class ExposureComponent(_Frozen):
    """One line of exposure: the signed amount, and the same in the limit's currency."""

    kind: ComponentKind
    id: str
    customer_id: str
    on: date
    amount: Money
    converted: Money
    rate: ExactDecimal
    rate_date: date | None


class Exposure(_Frozen):
    """Exposure of a customer (or a customer group) on a date, component by component."""

    scope: Literal["customer", "group"]
    party_id: str
    customer_ids: tuple[str, ...]
    as_of: date
    currency: str
    components: tuple[ExposureComponent, ...]
    skipped: tuple[str, ...]
    total: Money

    def subtotal(self, *kinds: ComponentKind) -> Money:
        """The sum of the components of ``kinds``, in the exposure's currency."""
        return sum(
            (c.converted for c in self.components if c.kind in kinds), Money.zero(self.currency)
        )

    def to_rows(self) -> list[dict[str, str | None]]:
        """One plain dict per component."""
        return [
            {
                "kind": c.kind,
                "id": c.id,
                "customer_id": c.customer_id,
                "on": c.on.isoformat(),
                "amount": str(c.amount),
                "converted": str(c.converted),
                "rate": str(c.rate),
                "rate_date": c.rate_date.isoformat() if c.rate_date else None,
            }
            for c in self.components
        ]


def _convert(
    money: Money, currency: str, *, rates: FxRates | None, on: date, doc_id: str
) -> tuple[Money, Decimal, date | None]:
    if money.code == currency:
        return money, Decimal(1), None
    if rates is None:
        raise CurrencyMismatch(
            f"{doc_id}: amount: is in {money.code} but exposure is in {currency}; pass rates",
            document_id=doc_id,
            field="rates",
        )
    quote = rates.quote(money.code, currency, on=on)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        converted = Money(money.amount * quote.rate, currency).quantize()
    return converted, quote.rate, quote.rate_date


def _resolve(customer: Customer | str, ledger: Ledger) -> Customer:
    if isinstance(customer, Customer):
        return customer
    return ledger.customer(customer)


def _group_members(customer: Customer, ledger: Ledger) -> tuple[str, tuple[str, ...]]:
    root = customer.parent_id or customer.id
    members = {root, customer.id}
    members.update(c.id for c in ledger.customers.values() if c.parent_id == root)
    return root, tuple(sorted(members))


def exposure(
    customer: Customer | str,
    *,
    ledger: Ledger,
    as_of: date,
    currency: str | None = None,
    open_orders: Iterable[OpenOrder] = (),
    new_order: Money | None = None,
    new_order_id: str = "new order",
    rates: FxRates | None = None,
    policy: CreditPolicy | None = None,
    group: bool = False,
) -> Exposure:
    """Exposure = open AR + open orders + new order - unapplied cash (- open credit memos).

    Open AR is the open amount of every invoice and debit memo on ``as_of``
    (:meth:`Ledger.open_items`); unapplied cash is the open (negative) amount of
    payments; open credit memos reduce exposure when
    ``policy.credit_memos_reduce_exposure`` (default). Each component is converted to
    ``currency`` (default: the customer's limit currency, else its account currency) at
    the rate on ``as_of``, rounded to the minor unit, and listed with its rate. With
    ``group=True`` the customers of the group (the parent and every account whose
    ``parent_id`` is the parent, one level) count together.

    Examples:
        >>> from receivables.models import Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             total="500.00 EUR"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
        ...             amount="120.00 EUR")])
        >>> e = exposure("C1", ledger=ledger, as_of=date(2026, 1, 10), currency="EUR",
        ...              new_order=Money("100.00", "EUR"))
        >>> e.total, [c.kind for c in e.components]
        (Money('480.00', 'EUR'), ['open_invoice', 'new_order', 'unapplied_cash'])
    """
    policy = policy or CreditPolicy()
    if isinstance(customer, str):
        try:
            resolved: Customer | None = ledger.customer(customer)
        except UnknownDocument:
            resolved = None
        customer_id = customer
    else:
        resolved, customer_id = customer, customer.id
    if group and resolved is not None:
        party_id, members = _group_members(resolved, ledger)
    else:
        party_id, members = customer_id, (customer_id,)
    if currency is None:
        if resolved is None:
            raise _fail("customer", customer_id, "currency", "unknown customer; name a currency")
        if group and resolved.parent_id and resolved.parent_id in ledger.customers:
            parent = ledger.customers[resolved.parent_id]
            currency = parent.credit_limit.code if parent.credit_limit else parent.currency
        else:
            currency = resolved.credit_limit.code if resolved.credit_limit else resolved.currency
    if new_order is not None and new_order.amount < 0:
        raise _fail("order", new_order_id, "amount", f"{new_order} must not be negative")
    components: list[ExposureComponent] = []
    skipped: list[str] = []

    def add(kind: ComponentKind, doc_id: str, cust: str, on: date, amount: Money) -> None:
        converted, rate, rate_date = _convert(
            amount, currency, rates=rates, on=as_of, doc_id=doc_id
        )
        components.append(
            ExposureComponent(
                kind=kind,
                id=doc_id,
                customer_id=cust,
                on=on,
                amount=amount,
                converted=converted,
                rate=rate,
                rate_date=rate_date,
            )
        )

    for member in members:
        for item in ledger.open_items(as_of=as_of, customer_id=member):
            doc = item.document
            if isinstance(doc, Invoice):
                add("open_invoice", item.id, member, item.issue_date, item.open)
            elif isinstance(doc, DebitMemo):
                add("open_debit_memo", item.id, member, item.issue_date, item.open)
            elif isinstance(doc, Payment):
                add("unapplied_cash", item.id, member, item.issue_date, item.open)
            elif policy.credit_memos_reduce_exposure:
                add("open_credit_memo", item.id, member, item.issue_date, item.open)
            else:
                skipped.append(
                    f"{item.id}: open credit memo {item.open} not deducted"
                    " (policy.credit_memos_reduce_exposure is off)"
                )
    seen: dict[str, OpenOrder] = {}
    for order in sorted(open_orders, key=lambda o: (o.ordered_on, o.id)):
        known = seen.get(order.id)
        if known is not None and known != order:
            raise _fail("order", order.id, "id", "two different open orders share this id")
        if known is not None:
            continue
        seen[order.id] = order
        if order.customer_id not in members:
            continue
        if order.ordered_on > as_of:
            skipped.append(f"{order.id}: ordered {order.ordered_on.isoformat()}, after as_of")
        elif order.status in ("invoiced", "cancelled"):
            why = "already in receivables" if order.status == "invoiced" else "no commitment"
            skipped.append(f"{order.id}: status {order.status}: {why}")
        else:
            add("open_order", order.id, order.customer_id, order.ordered_on, order.amount)
    if new_order is not None:
        add("new_order", new_order_id, customer_id, as_of, new_order)
    components.sort(key=lambda c: (_KIND_ORDER[c.kind], c.on, c.id))
    total = sum((c.converted for c in components), Money.zero(currency))
    return Exposure(
        scope="group" if group else "customer",
        party_id=party_id,
        customer_ids=members,
        as_of=as_of,
        currency=currency,
        components=tuple(components),
        skipped=tuple(skipped),
        total=total,
    )


# --------------------------------------------------------------------------------------
# Order check
# --------------------------------------------------------------------------------------


class CreditReason(_Frozen):
    """One rule that fired: what it asks for, the threshold and the actual value."""

    rule: Literal[
        "credit_hold",
        "no_credit_limit",
        "over_limit",
        "group_over_limit",
        "overdue_days",
        "overdue_amount",
        "review_expired",
        "risk_class",
    ]
    action: RuleAction
    message: str
    threshold: str | None = None
    actual: str | None = None
    overridden_by: str | None = None


class CreditDecision(_Frozen):
    """The outcome of :func:`check_order` and everything it rests on."""

    customer_id: str
    order_id: str | None
    order_amount: Money
    as_of: date
    outcome: Action
    limit: Money | None
    exposure: Exposure
    excess: Money = Field(description="Exposure above the limit (zero when within).")
    group_limit: Money | None = None
    group_exposure: Exposure | None = None
    group_excess: Money | None = None
    reasons: tuple[CreditReason, ...]
    override_id: str | None = None
    override_notes: tuple[str, ...] = ()
    summary: str

    def to_rows(self) -> list[dict[str, str | None]]:
        """The reasons as plain dicts (empty when nothing fired)."""
        return [
            {
                "rule": r.rule,
                "action": r.action,
                "message": r.message,
                "threshold": r.threshold,
                "actual": r.actual,
                "overridden_by": r.overridden_by,
            }
            for r in self.reasons
        ]


def _overdue(items: Iterable[OpenItem], as_of: date) -> list[tuple[int, OpenItem]]:
    out = []
    for item in items:
        if item.is_credit:
            continue
        days = (as_of - item.due_date).days
        if days > 0:
            out.append((days, item))
    return out


def check_order(
    customer: Customer | str,
    order_amount: Money,
    *,
    ledger: Ledger,
    as_of: date,
    policy: CreditPolicy | None = None,
    open_orders: Iterable[OpenOrder] = (),
    overrides: Iterable[CreditOverride] = (),
    rates: FxRates | None = None,
    credit_file: CreditFile | None = None,
    order_id: str | None = None,
) -> CreditDecision:
    """Check a new order of ``order_amount`` against the customer's credit on ``as_of``.

    Rules (each breach is a :class:`CreditReason` with the action the policy gives it):
    customer on credit hold; no credit limit; exposure (with this order) above the
    limit, by how much; the group's exposure above the parent's limit; an open item
    more than ``max_days_overdue`` days past due; the overdue total above
    ``max_overdue_amount``; the credit review date in ``credit_file`` passed; the risk
    class in ``policy.risk_class_actions``. The outcome is the most severe action, or
    ``approve`` when nothing fired. When the outcome is ``needs_override``, an
    applicable :class:`CreditOverride` turns it into ``approve``: the decision names the
    override and keeps every breach in ``reasons``.

    Examples:
        >>> from receivables.models import Invoice
        >>> acme = Customer(id="C1", name="Acme", currency="USD",
        ...                 credit_limit="10000.00 USD")
        >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1",
        ...     issue_date=date(2026, 3, 1), terms="NET 30", total="8000.00 USD")],
        ...     customers=[acme])
        >>> ok = CreditOverride(id="OV-1", customer_id="C1", approved_by="CFO",
        ...     approved_on=date(2026, 3, 9), reason="seasonal peak",
        ...     amount="1500.00 USD", expires_on=date(2026, 3, 31))
        >>> d = check_order(acme, Money("3000.00", "USD"), ledger=ledger,
        ...                 as_of=date(2026, 3, 10), overrides=[ok])
        >>> d.outcome, d.override_id, d.reasons[0].rule, d.reasons[0].overridden_by
        ('approve', 'OV-1', 'over_limit', 'OV-1')
    """
    policy = policy or CreditPolicy()
    cust = _resolve(customer, ledger)
    label = order_id or "new order"
    if order_amount.amount <= 0:
        raise _fail("order", order_id, "amount", f"{order_amount} must be positive")
    if credit_file is not None and credit_file.customer_id != cust.id:
        raise _fail(
            "credit file",
            credit_file.customer_id,
            "customer_id",
            f"belongs to {credit_file.customer_id}, not {cust.id}",
        )
    orders = tuple(open_orders)
    limit = cust.credit_limit
    exp = exposure(
        cust,
        ledger=ledger,
        as_of=as_of,
        currency=limit.code if limit else cust.currency,
        open_orders=orders,
        new_order=order_amount,
        new_order_id=label,
        rates=rates,
        policy=policy,
    )
    currency = exp.currency
    reasons: list[CreditReason] = []
    if cust.credit_hold:
        reasons.append(
            CreditReason(
                rule="credit_hold",
                action=policy.credit_hold_action,
                message=f"customer {cust.id} is on credit hold",
            )
        )
    excess = Money.zero(currency)
    if limit is None:
        reasons.append(
            CreditReason(
                rule="no_credit_limit",
                action=policy.no_limit_action,
                message=f"customer {cust.id} has no credit limit",
                actual=str(exp.total),
            )
        )
    elif exp.total > limit:
        excess = exp.total - limit
        reasons.append(
            CreditReason(
                rule="over_limit",
                action=policy.over_limit_action,
                message=f"exposure {exp.total} exceeds the limit {limit} by {excess}",
                threshold=str(limit),
                actual=str(exp.total),
            )
        )
    group_limit: Money | None = None
    group_exp: Exposure | None = None
    group_excess: Money | None = None
    parent_id = cust.parent_id
    if policy.check_group_limit and parent_id is not None and parent_id in ledger.customers:
        parent = ledger.customers[parent_id]
        group_limit = parent.credit_limit
        if group_limit is not None:
            group_exp = exposure(
                cust,
                ledger=ledger,
                as_of=as_of,
                currency=group_limit.code,
                open_orders=orders,
                new_order=order_amount,
                new_order_id=label,
                rates=rates,
                policy=policy,
                group=True,
            )
            group_excess = Money.zero(group_limit.code)
            if group_exp.total > group_limit:
                group_excess = group_exp.total - group_limit
                reasons.append(
                    CreditReason(
                        rule="group_over_limit",
                        action=policy.group_over_limit_action,
                        message=f"group {parent_id} exposure {group_exp.total} exceeds the"
                        f" group limit {group_limit} by {group_excess}",
                        threshold=str(group_limit),
                        actual=str(group_exp.total),
                    )
                )
    overdue = _overdue(ledger.open_items(as_of=as_of, customer_id=cust.id), as_of)
    if overdue:
        worst_days, worst = max(overdue, key=lambda p: (p[0], p[1].id))
        if worst_days > policy.max_days_overdue:
            late = sorted(i.id for d, i in overdue if d > policy.max_days_overdue)
            reasons.append(
                CreditReason(
                    rule="overdue_days",
                    action=policy.overdue_days_action,
                    message=f"{len(late)} item(s) more than {policy.max_days_overdue} days"
                    f" overdue ({', '.join(late)}); oldest {worst.id} by {worst_days} days",
                    threshold=str(policy.max_days_overdue),
                    actual=str(worst_days),
                )
            )
        if policy.max_overdue_amount is not None:
            cap, _, _ = _convert(
                policy.max_overdue_amount,
                currency,
                rates=rates,
                on=as_of,
                doc_id="policy.max_overdue_amount",
            )
            total_overdue = sum(
                (
                    _convert(i.open, currency, rates=rates, on=as_of, doc_id=i.id)[0]
                    for _, i in overdue
                ),
                Money.zero(currency),
            )
            if total_overdue > cap:
                reasons.append(
                    CreditReason(
                        rule="overdue_amount",
                        action=policy.overdue_amount_action,
                        message=f"overdue total {total_overdue} is above {cap}",
                        threshold=str(cap),
                        actual=str(total_overdue),
                    )
                )
    if credit_file is not None:
        review = credit_file.next_review_on
        if review is not None and review < as_of:
            reasons.append(
                CreditReason(
                    rule="review_expired",
                    action=policy.expired_review_action,
                    message=f"credit review was due on {review.isoformat()}",
                    threshold=review.isoformat(),
                    actual=as_of.isoformat(),
                )
            )
        risk = credit_file.risk_class
        if risk is not None and risk in policy.risk_class_actions:
            reasons.append(
                CreditReason(
                    rule="risk_class",
                    action=policy.risk_class_actions[risk],
                    message=f"risk class {risk} requires {policy.risk_class_actions[risk]}",
                    actual=risk,
                )
            )
    outcome: Action = "approve"
    for r in reasons:
        if _SEVERITY[r.action] > _SEVERITY[outcome]:
            outcome = r.action
    override_id: str | None = None
    notes: list[str] = []
    mine = sorted(
        (o for o in overrides if o.customer_id == cust.id), key=lambda o: (o.expires_on, o.id)
    )
    for ov in mine:
        why = _override_refusal(
            ov,
            outcome=outcome,
            as_of=as_of,
            order_id=order_id,
            currency=currency,
            excess=excess,
            group_excess=group_excess,
            rates=rates,
        )
        if why is None and override_id is None:
            override_id = ov.id
            notes.append(
                f"{ov.id}: applied (approved by {ov.approved_by} on"
                f" {ov.approved_on.isoformat()}: {ov.reason}; up to {ov.amount} over the"
                f" limit until {ov.expires_on.isoformat()})"
            )
        elif why is None:
            notes.append(f"{ov.id}: not needed, {override_id} already applies")
        else:
            notes.append(f"{ov.id}: not applied: {why}")
    if override_id is not None:
        outcome = "approve"
        reasons = [r.model_copy(update={"overridden_by": override_id}) for r in reasons]
    summary = _summary(outcome, reasons, override_id)
    return CreditDecision(
        customer_id=cust.id,
        order_id=order_id,
        order_amount=order_amount,
        as_of=as_of,
        outcome=outcome,
        limit=limit,
        exposure=exp,
        excess=excess,
        group_limit=group_limit,
        group_exposure=group_exp,
        group_excess=group_excess,
        reasons=tuple(reasons),
        override_id=override_id,
        override_notes=tuple(notes),
        summary=summary,
    )


def _override_refusal(
    ov: CreditOverride,
    *,
    outcome: Action,
    as_of: date,
    order_id: str | None,
    currency: str,
    excess: Money,
    group_excess: Money | None,
    rates: FxRates | None,
) -> str | None:
    if outcome == "approve":
        return "nothing to override"
    if outcome == "hold":
        return "the decision is a hold, which no override lifts"
    if as_of < ov.approved_on:
        return f"approved on {ov.approved_on.isoformat()}, after the check"
    if as_of > ov.expires_on:
        return f"expired on {ov.expires_on.isoformat()}"
    if ov.order_id is not None and ov.order_id != order_id:
        return f"it is for order {ov.order_id}, not {order_id or 'this order'}"
    allowed, _, _ = _convert(ov.amount, currency, rates=rates, on=as_of, doc_id=ov.id)
    if excess > allowed:
        return f"the excess {excess} is above the approved {allowed}"
    if group_excess is not None and group_excess.amount > 0:
        group_allowed, _, _ = _convert(
            ov.amount, group_excess.code, rates=rates, on=as_of, doc_id=ov.id
        )
        if group_excess > group_allowed:
            return f"the group excess {group_excess} is above the approved {group_allowed}"
    return None


def _summary(outcome: Action, reasons: list[CreditReason], override_id: str | None) -> str:
    if not reasons:
        return "approve: no rule breached"
    listed = "; ".join(r.message for r in reasons)
    if override_id is not None:
        return f"approve: approved by override {override_id}, breaches remain: {listed}"
    return f"{outcome}: {listed}"


# --------------------------------------------------------------------------------------
# Payment behaviour
# --------------------------------------------------------------------------------------

_PAYDEX_KEY: Final = (
    (-30, 100),
    (-20, 90),
    (0, 80),
    (15, 70),
    (22, 60),
    (30, 50),
    (60, 40),
    (90, 30),
    (120, 20),
)


class BehaviourPolicy(_Frozen):
    """How :func:`payment_behaviour` reads the history.

    ``anchors`` map days beyond terms to a 0-100 score (linear in between, flat outside).
    The default follows the published D&B PAYDEX key and value chart (dandb.com glossary
    "PAYDEX"): 100 anticipates (30 days early), 90 20 days early, 80 pays on terms, 70 15
    days beyond, 60 22 days beyond, 50 30 days, 40 60 days, 30 90 days, 20 120 days.
    """

    lookback_months: int = Field(default=12, gt=0, strict=True)
    recent_months: int = Field(default=3, gt=0, strict=True)
    on_time_grace_days: int = Field(default=0, ge=0, strict=True)
    anchors: tuple[tuple[int, int], ...] = _PAYDEX_KEY

    @model_validator(mode="after")
    def _check(self) -> Self:
        days = [d for d, _ in self.anchors]
        scores = [s for _, s in self.anchors]
        if len(self.anchors) < 2 or days != sorted(set(days)):
            raise _fail("behaviour policy", None, "anchors", "need 2+ strictly rising days")
        if scores != sorted(scores, reverse=True) or not all(0 <= s <= 100 for s in scores):
            raise _fail("behaviour policy", None, "anchors", "scores must fall, within 0-100")
        if self.recent_months >= self.lookback_months:
            raise _fail("behaviour policy", None, "recent_months", "must be < lookback_months")
        return self


def paydex_style_score(
    days_beyond_terms: Decimal, anchors: tuple[tuple[int, int], ...] = _PAYDEX_KEY
) -> int:
    """The 0-100 score for an amount-weighted average of days beyond terms.

    Linear between the anchors, rounded half up; 100 at 30 or more days early and 20 at
    120 or more days late with the default key (the D&B PAYDEX key, in spirit only: D&B's
    own computation is proprietary and uses trade experiences from many suppliers).

    Examples:
        >>> [paydex_style_score(Decimal(d)) for d in (-30, 0, 15, 20, 30, 45, 120, 400)]
        [100, 80, 70, 63, 50, 45, 20, 20]
    """
    d = days_beyond_terms
    if d <= anchors[0][0]:
        return anchors[0][1]
    for (d0, s0), (d1, s1) in pairwise(anchors):
        if d <= d1:
            with decimal.localcontext() as ctx:
                ctx.prec = 40
                value = Decimal(s0) + (Decimal(s1) - Decimal(s0)) * (d - d0) / (d1 - d0)
            return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return anchors[-1][1]


class PaidInvoice(_Frozen):
    """A settled invoice of the history: when it was due, when it was settled."""

    id: str
    amount: Money
    weight: Money
    due_date: date
    paid_on: date
    days_beyond_terms: int


class PaymentBehaviour(_Frozen):
    """The customer's own payment record over the look-back window."""

    customer_id: str
    as_of: date
    window_start: date
    invoices: tuple[PaidInvoice, ...]
    skipped: tuple[str, ...]
    weighted_days_beyond_terms: ExactDecimal | None = Field(
        description="sum(amount x days beyond terms) / sum(amount), 2 places"
    )
    on_time_share: ExactDecimal | None = Field(description="Share of amount paid by due date")
    recent_days_beyond_terms: ExactDecimal | None
    prior_days_beyond_terms: ExactDecimal | None
    trend_days: ExactDecimal | None = Field(
        description="recent - prior: positive means paying later lately"
    )
    score: int | None
    reason: str | None = None

    def to_rows(self) -> list[dict[str, str | int]]:
        """The paid invoices as plain dicts."""
        return [
            {
                "id": i.id,
                "amount": str(i.amount),
                "due_date": i.due_date.isoformat(),
                "paid_on": i.paid_on.isoformat(),
                "days_beyond_terms": i.days_beyond_terms,
            }
            for i in self.invoices
        ]


def _weighted(pairs: list[tuple[Decimal, int]]) -> Decimal | None:
    total = sum((w for w, _ in pairs), Decimal(0))
    if total == 0:
        return None
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        value = sum((w * d for w, d in pairs), Decimal(0)) / total
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def payment_behaviour(
    customer_id: str,
    *,
    ledger: Ledger,
    as_of: date,
    policy: BehaviourPolicy | None = None,
    rates: FxRates | None = None,
    currency: str | None = None,
) -> PaymentBehaviour:
    """Score how the customer paid the invoices it settled in the look-back window.

    An invoice counts when it was fully settled on or before ``as_of`` and its last
    settlement fell in the last ``lookback_months``; the settlement date is the latest
    application to it (payment or credit memo). Invoices closed by a write-off are
    skipped (not paid). Days beyond terms = settlement date - due date (negative when
    early), weighted by the invoice amount (converted to ``currency`` at ``as_of`` when
    invoices are in several currencies). Trend = weighted days of the last
    ``recent_months`` minus those of the earlier months.

    Examples:
        >>> from receivables.models import Application, Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...             terms="NET 30", total="1000.00 USD"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 15),
        ...             amount="1000.00 USD")]).apply([
        ...     Application(id="A1", source_id="P1", target_id="I1",
        ...                 applied_on=date(2026, 2, 15), amount="1000.00 USD")])
        >>> b = payment_behaviour("C1", ledger=ledger, as_of=date(2026, 3, 1))
        >>> b.weighted_days_beyond_terms, b.score
        (Decimal('15.00'), 70)
    """
    policy = policy or BehaviourPolicy()
    start = as_of - relativedelta(months=policy.lookback_months)
    recent_start = as_of - relativedelta(months=policy.recent_months)
    settled_on: dict[str, date] = {}
    written_off: set[str] = set()
    for m in ledger.movements:
        if isinstance(m, Application) and m.applied_on <= as_of:
            prev = settled_on.get(m.target_id)
            if prev is None or m.applied_on > prev:
                settled_on[m.target_id] = m.applied_on
        elif isinstance(m, WriteOff) and m.written_off_on <= as_of:
            written_off.add(m.document_id)
    docs = [
        d
        for d in ledger.documents
        if isinstance(d, (Invoice, DebitMemo)) and d.customer_id == customer_id
    ]
    if currency is None:
        codes = {d.amount.code for d in docs}
        if customer_id in ledger.customers:
            currency = ledger.customers[customer_id].currency
        elif len(codes) == 1:
            currency = codes.pop()
        else:
            raise _fail("customer", customer_id, "currency", "several currencies; name one")
    paid: list[PaidInvoice] = []
    skipped: list[str] = []
    for doc in docs:
        if doc.issue_date > as_of or ledger.open_amount(doc.id, as_of=as_of).amount != 0:
            continue
        if doc.id in written_off:
            skipped.append(f"{doc.id}: closed by a write-off, not by payment")
            continue
        when = settled_on.get(doc.id)
        if when is None:
            continue
        if when <= start:
            continue
        weight, _, _ = _convert(doc.amount, currency, rates=rates, on=as_of, doc_id=doc.id)
        paid.append(
            PaidInvoice(
                id=doc.id,
                amount=doc.amount,
                weight=weight,
                due_date=doc.due,
                paid_on=when,
                days_beyond_terms=(when - doc.due).days,
            )
        )
    paid.sort(key=lambda p: (p.paid_on, p.id))
    pairs = [(p.weight.amount, p.days_beyond_terms) for p in paid]
    overall = _weighted(pairs)
    recent = _weighted(
        [(p.weight.amount, p.days_beyond_terms) for p in paid if p.paid_on > recent_start]
    )
    prior = _weighted(
        [(p.weight.amount, p.days_beyond_terms) for p in paid if p.paid_on <= recent_start]
    )
    total_weight = sum((w for w, _ in pairs), Decimal(0))
    on_time = None
    if total_weight:
        on_time_weight = sum((w for w, d in pairs if d <= policy.on_time_grace_days), Decimal(0))
        on_time = (on_time_weight / total_weight).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )
    return PaymentBehaviour(
        customer_id=customer_id,
        as_of=as_of,
        window_start=start + timedelta(days=1),
        invoices=tuple(paid),
        skipped=tuple(skipped),
        weighted_days_beyond_terms=overall,
        on_time_share=on_time,
        recent_days_beyond_terms=recent,
        prior_days_beyond_terms=prior,
        trend_days=None if recent is None or prior is None else recent - prior,
        score=None if overall is None else paydex_style_score(overall, policy.anchors),
        reason=None if overall is not None else "no invoice settled in the look-back window",
    )


class BureauReport(_Frozen):
    """External credit-bureau data the user supplies (nothing is fetched).

    Scores are as the bureau reports them, e.g. D&B's PAYDEX (1-100, 80 = pays on
    terms), a failure score and a delinquency score (1-100 percentiles, higher = less
    risk), and a rating such as ``"5A2"``.
    """

    customer_id: Name
    bureau: str = "Dun & Bradstreet"
    reported_on: date
    paydex: int | None = Field(default=None, ge=0, le=100, strict=True)
    failure_score: int | None = Field(default=None, ge=1, le=100, strict=True)
    delinquency_score: int | None = Field(default=None, ge=1, le=100, strict=True)
    rating: str | None = None


# --------------------------------------------------------------------------------------
# Scorecard, limit, review
# --------------------------------------------------------------------------------------

FactorName = Literal[
    "current_ratio",
    "quick_ratio",
    "debt_ratio",
    "interest_coverage",
    "net_margin",
    "altman_zone",
    "payment_behaviour",
    "paydex",
    "failure_score",
    "delinquency_score",
]


class ScoreBand(_Frozen):
    """``points`` for a value that reaches ``threshold`` (at least, or at most)."""

    threshold: ExactDecimal
    points: int = Field(ge=0, le=100, strict=True)


class ScoreFactor(_Frozen):
    """A scorecard factor: its weight and how its value turns into 0-100 points.

    Without bands the value is already 0-100 points (behaviour, PAYDEX, percentiles).
    ``altman_zone`` uses ``ScorecardPolicy.zone_points``.
    """

    name: FactorName
    weight: ExactDecimal = Field(ge=0)
    lower_is_better: bool = False
    bands: tuple[ScoreBand, ...] = ()

    def points(self, value: Decimal) -> int:
        """Points of the first band the value reaches (best band first); 0 if none."""
        if not self.bands:
            return int(max(Decimal(0), min(Decimal(100), value)).to_integral_value(ROUND_HALF_UP))
        ordered = sorted(self.bands, key=lambda b: b.threshold, reverse=not self.lower_is_better)
        for band in ordered:
            if (value <= band.threshold) if self.lower_is_better else (value >= band.threshold):
                return band.points
        return 0


def _bands(*pairs: tuple[str, int]) -> tuple[ScoreBand, ...]:
    return tuple(ScoreBand(threshold=Decimal(t), points=p) for t, p in pairs)


_DEFAULT_FACTORS: Final = (
    ScoreFactor(
        name="current_ratio",
        weight=Decimal(10),
        bands=_bands(("2.0", 100), ("1.5", 75), ("1.0", 50), ("0.5", 20)),
    ),
    ScoreFactor(
        name="debt_ratio",
        weight=Decimal(10),
        lower_is_better=True,
        bands=_bands(("0.4", 100), ("0.6", 70), ("0.8", 40), ("1.0", 10)),
    ),
    ScoreFactor(
        name="interest_coverage",
        weight=Decimal(10),
        bands=_bands(("5", 100), ("3", 75), ("1.5", 50), ("1", 25)),
    ),
    ScoreFactor(
        name="net_margin",
        weight=Decimal(5),
        bands=_bands(("0.10", 100), ("0.05", 75), ("0", 50)),
    ),
    ScoreFactor(name="altman_zone", weight=Decimal(20)),
    ScoreFactor(name="payment_behaviour", weight=Decimal(25)),
    ScoreFactor(name="paydex", weight=Decimal(10)),
    ScoreFactor(name="failure_score", weight=Decimal(10)),
)


class ScorecardPolicy(_Frozen):
    """Weights, bands, class floors, review intervals and limit factors, as data.

    The default bands and weights are a reasonable house policy, not a published
    standard: replace them with your own.
    """

    factors: tuple[ScoreFactor, ...] = _DEFAULT_FACTORS
    zone_points: dict[str, int] = Field(
        default_factory=lambda: {"safe": 100, "grey": 50, "distress": 0}
    )
    altman_model: AltmanModel = AltmanModel.Z_PRIME
    class_floors: tuple[tuple[str, ExactDecimal], ...] = (
        ("A", Decimal(80)),
        ("B", Decimal(65)),
        ("C", Decimal(50)),
        ("D", Decimal(35)),
        ("E", Decimal(0)),
    )
    review_months: dict[str, int] = Field(
        default_factory=lambda: {"A": 12, "B": 12, "C": 6, "D": 3, "E": 1}
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        names = [f.name for f in self.factors]
        if len(names) != len(set(names)):
            raise _fail("scorecard policy", None, "factors", "a factor is listed twice")
        floors = [f for _, f in self.class_floors]
        if not floors or floors != sorted(floors, reverse=True) or floors[-1] != 0:
            raise _fail("scorecard policy", None, "class_floors", "falling, ending at 0")
        for cls, _ in self.class_floors:
            months = self.review_months.get(cls)
            if months is None or months <= 0:
                raise _fail(
                    "scorecard policy", None, "review_months", f"class {cls} needs months > 0"
                )
        return self


class ScorecardLine(_Frozen):
    """One factor of the scorecard: value, points, weight and its share of the score."""

    factor: FactorName
    value: str | None
    points: int | None
    weight: ExactDecimal
    contribution: ExactDecimal | None
    reason: str | None = None


class Scorecard(_Frozen):
    """A customer's score (0-100), risk class and next review date, with the arithmetic:
    score = sum(points x weight) / sum(weights of the factors available)."""

    customer_id: str
    as_of: date
    lines: tuple[ScorecardLine, ...]
    score: ExactDecimal
    risk_class: str
    next_review_on: date
    arithmetic: str

    def to_rows(self) -> list[dict[str, str | int | None]]:
        """The factors as plain dicts."""
        return [
            {
                "factor": line.factor,
                "value": line.value,
                "points": line.points,
                "weight": str(line.weight),
                "contribution": None if line.contribution is None else str(line.contribution),
                "reason": line.reason,
            }
            for line in self.lines
        ]


_RATIO_FACTORS: Final = {
    "current_ratio": current_ratio,
    "quick_ratio": quick_ratio,
    "debt_ratio": debt_ratio,
    "interest_coverage": interest_coverage,
    "net_margin": net_margin,
}


def next_review_date(
    risk_class: str, *, as_of: date, policy: ScorecardPolicy | None = None
) -> date:
    """The next credit review: ``as_of`` plus the class's months (A/B 12, C 6, D 3, E 1).

    Examples:
        >>> next_review_date("C", as_of=date(2026, 8, 31))
        datetime.date(2027, 2, 28)
    """
    policy = policy or ScorecardPolicy()
    months = policy.review_months.get(risk_class)
    if months is None:
        raise _fail("scorecard", None, "risk_class", f"unknown risk class {risk_class!r}")
    return as_of + relativedelta(months=months)


def score_customer(
    customer_id: str,
    *,
    as_of: date,
    statements: FinancialStatements | None = None,
    altman: AltmanResult | None = None,
    behaviour: PaymentBehaviour | None = None,
    bureau: BureauReport | None = None,
    policy: ScorecardPolicy | None = None,
) -> Scorecard:
    """Combine ratios, the Altman zone, payment behaviour and bureau data into a class.

    Each factor of ``policy`` with a value gets 0-100 points; a factor without one
    (missing statement line, undefined ratio, no history, no bureau report) is listed
    with the reason and left out of the weights. score = sum(points x weight) / sum(used
    weights), 2 places half up; the class is the first whose floor the score reaches.
    The Altman result is computed from ``statements`` with ``policy.altman_model``
    unless ``altman`` is given.

    Examples:
        >>> card = score_customer("C1", as_of=date(2026, 6, 30),
        ...     bureau=BureauReport(customer_id="C1", reported_on=date(2026, 6, 1),
        ...                         paydex=80, failure_score=60))
        >>> card.score, card.risk_class, card.next_review_on
        (Decimal('70.00'), 'B', datetime.date(2027, 6, 30))
    """
    policy = policy or ScorecardPolicy()
    if bureau is not None and bureau.customer_id != customer_id:
        raise _fail(
            "bureau report",
            customer_id,
            "customer_id",
            f"is for {bureau.customer_id}, not {customer_id}",
        )
    if bureau is not None and bureau.reported_on > as_of:
        raise _fail("bureau report", customer_id, "reported_on", "is after as_of")
    if behaviour is not None and behaviour.customer_id != customer_id:
        raise _fail(
            "payment behaviour",
            customer_id,
            "customer_id",
            f"is for {behaviour.customer_id}, not {customer_id}",
        )
    altman_reason = "no statements given"
    if altman is None and statements is not None:
        try:
            altman = altman_z(statements, policy.altman_model)
        except (MissingStatementLine, ValueError) as exc:
            altman_reason = str(exc)
    lines: list[ScorecardLine] = []
    for factor in policy.factors:
        value: Decimal | None = None
        shown: str | None = None
        reason: str | None = None
        points: int | None = None
        if factor.name in _RATIO_FACTORS:
            if statements is None:
                reason = "no statements given"
            else:
                try:
                    ratio: Ratio = _RATIO_FACTORS[factor.name](statements)
                except MissingStatementLine as exc:
                    reason = exc.message
                else:
                    value, reason = ratio.value, ratio.reason
        elif factor.name == "altman_zone":
            if altman is None:
                reason = altman_reason
            else:
                shown = f"{altman.model.value} {altman.score} ({altman.zone})"
                points = policy.zone_points.get(altman.zone, 0)
        elif factor.name == "payment_behaviour":
            if behaviour is None:
                reason = "no payment history given"
            elif behaviour.score is None:
                reason = behaviour.reason
            else:
                value = Decimal(behaviour.score)
        elif bureau is None:
            reason = "no bureau report given"
        else:
            raw: int | None = getattr(bureau, factor.name)
            if raw is None:
                reason = f"bureau report has no {factor.name}"
            else:
                value = Decimal(raw)
        if value is not None:
            shown = str(value)
            points = factor.points(value)
        lines.append(
            ScorecardLine(
                factor=factor.name,
                value=shown,
                points=points,
                weight=factor.weight,
                contribution=None,
                reason=None if points is not None else reason,
            )
        )
    used = [line for line in lines if line.points is not None]
    total_weight = sum((line.weight for line in used), Decimal(0))
    if total_weight == 0:
        raise _fail(
            "scorecard",
            customer_id,
            "factors",
            "no factor has a value (give statements, behaviour or a bureau report)",
        )
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        weighted = sum((Decimal(line.points or 0) * line.weight for line in used), Decimal(0))
        score = (weighted / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        lines = [
            line.model_copy(
                update={
                    "contribution": (Decimal(line.points) * line.weight / total_weight).quantize(
                        Decimal("0.01"), rounding=ROUND_HALF_UP
                    )
                }
            )
            if line.points is not None
            else line
            for line in lines
        ]
    risk_class = next(cls for cls, floor in policy.class_floors if score >= floor)
    terms = " + ".join(f"{line.points} x {line.weight}" for line in used)
    arithmetic = f"({terms}) / {total_weight} = {score} -> class {risk_class}"
    return Scorecard(
        customer_id=customer_id,
        as_of=as_of,
        lines=tuple(lines),
        score=score,
        risk_class=risk_class,
        next_review_on=next_review_date(risk_class, as_of=as_of, policy=policy),
        arithmetic=arithmetic,
    )


class LimitPolicy(_Frozen):
    """How :func:`recommend_limit` sizes a limit.

    base = min(``net_worth_percent`` of tangible net worth, ``working_capital_percent``
    of working capital); capped at ``sales_cap_months`` x average monthly sales to the
    customer; times the risk class factor; rounded down to ``round_down_to``.
    """

    net_worth_percent: ExactDecimal = Field(default=Decimal(10), ge=0)
    working_capital_percent: ExactDecimal = Field(default=Decimal(20), ge=0)
    sales_cap_months: ExactDecimal = Field(default=Decimal(2), gt=0)
    class_factors: dict[str, ExactDecimal] = Field(
        default_factory=lambda: {
            "A": Decimal("1.0"),
            "B": Decimal("0.8"),
            "C": Decimal("0.6"),
            "D": Decimal("0.3"),
            "E": Decimal("0"),
        }
    )
    round_down_to: ExactDecimal = Field(default=Decimal(100), gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        for cls, factor in self.class_factors.items():
            if factor < 0:
                raise _fail("limit policy", None, "class_factors", f"{cls}: must not be negative")
        return self


class LimitStep(_Frozen):
    """One step of the limit arithmetic."""

    step: str
    formula: str
    amount: Money


class LimitRecommendation(_Frozen):
    """A recommended credit limit (never negative) and how it was reached."""

    customer_id: str
    risk_class: str
    limit: Money
    steps: tuple[LimitStep, ...]
    notes: tuple[str, ...]

    def to_rows(self) -> list[dict[str, str]]:
        """The steps as plain dicts."""
        return [{"step": s.step, "formula": s.formula, "amount": str(s.amount)} for s in self.steps]


def average_monthly_sales(
    customer_id: str,
    *,
    ledger: Ledger,
    as_of: date,
    currency: str,
    months: int = 12,
    rates: FxRates | None = None,
) -> Money:
    """Invoiced sales to the customer in the last ``months`` months, divided by ``months``.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
        ...     issue_date=date(2026, 5, 1), total="24000.00 USD")])
        >>> average_monthly_sales("C1", ledger=ledger, as_of=date(2026, 6, 30),
        ...                       currency="USD")
        Money('2000.00', 'USD')
    """
    if months <= 0:
        raise _fail("sales", customer_id, "months", "must be positive")
    start = as_of - relativedelta(months=months)
    total = Money.zero(currency)
    for doc in ledger.documents:
        if (
            isinstance(doc, Invoice)
            and doc.customer_id == customer_id
            and start < doc.issue_date <= as_of
        ):
            total += _convert(doc.amount, currency, rates=rates, on=as_of, doc_id=doc.id)[0]
    return Money(total.amount / months, currency).quantize()


def recommend_limit(
    customer_id: str,
    *,
    statements: FinancialStatements,
    risk_class: str,
    average_monthly_sales: Money | None = None,
    policy: LimitPolicy | None = None,
) -> LimitRecommendation:
    """Recommend a credit limit, in the statements' currency, with the arithmetic.

    1. net-worth basis = tangible net worth x ``net_worth_percent`` / 100 (the "10% of
       net worth" rule of thumb of trade-credit practice);
    2. working-capital basis = working capital x ``working_capital_percent`` / 100;
    3. base = the smaller of the bases available (a negative basis counts as zero);
    4. capped at ``sales_cap_months`` x ``average_monthly_sales`` when given;
    5. times the risk-class factor (A 1.0, B 0.8, C 0.6, D 0.3, E 0);
    6. rounded down to a multiple of ``round_down_to``; never below zero.

    Examples:
        >>> fs = FinancialStatements(currency="USD", total_equity="600000",
        ...     intangible_assets="100000", current_assets="400000",
        ...     current_liabilities="250000")
        >>> rec = recommend_limit("C1", statements=fs, risk_class="B",
        ...                       average_monthly_sales=Money("12000", "USD"))
        >>> rec.limit
        Money('19200.00', 'USD')
    """
    policy = policy or LimitPolicy()
    factor = policy.class_factors.get(risk_class)
    if factor is None:
        raise _fail("limit", customer_id, "risk_class", f"unknown risk class {risk_class!r}")
    currency = statements.currency
    zero = Money.zero(currency)
    steps: list[LimitStep] = []
    notes: list[str] = []
    bases: list[Money] = []
    try:
        tnw = tangible_net_worth(statements)
    except MissingStatementLine as exc:
        notes.append(f"net-worth basis skipped: {exc.message}")
    else:
        basis = (tnw * policy.net_worth_percent / 100).quantize()
        steps.append(
            LimitStep(
                step="net_worth_basis",
                formula=f"tangible net worth {tnw} x {policy.net_worth_percent}%",
                amount=basis,
            )
        )
        bases.append(max(basis, zero, key=lambda m: m.amount))
    try:
        wc = working_capital(statements)
    except MissingStatementLine as exc:
        notes.append(f"working-capital basis skipped: {exc.message}")
    else:
        basis = (wc * policy.working_capital_percent / 100).quantize()
        steps.append(
            LimitStep(
                step="working_capital_basis",
                formula=f"working capital {wc} x {policy.working_capital_percent}%",
                amount=basis,
            )
        )
        bases.append(max(basis, zero, key=lambda m: m.amount))
    if not bases:
        raise _fail(
            "limit",
            customer_id,
            "statements",
            "needs total_equity or current_assets and current_liabilities",
        )
    amount = min(bases, key=lambda m: m.amount)
    steps.append(
        LimitStep(step="base", formula="smaller basis (negative counts as 0)", amount=amount)
    )
    if average_monthly_sales is not None:
        if average_monthly_sales.code != currency:
            raise CurrencyMismatch(
                f"limit {customer_id}: average_monthly_sales is in"
                f" {average_monthly_sales.code}, the statements in {currency}",
                document_id=customer_id,
                field="average_monthly_sales",
            )
        cap = (average_monthly_sales * policy.sales_cap_months).quantize()
        steps.append(
            LimitStep(
                step="sales_cap",
                formula=f"average monthly sales {average_monthly_sales}"
                f" x {policy.sales_cap_months}",
                amount=cap,
            )
        )
        if cap < amount:
            amount = cap
        steps.append(LimitStep(step="capped", formula="min(base, sales_cap)", amount=amount))
    else:
        notes.append("no sales cap: average monthly sales not given")
    adjusted = (amount * factor).quantize()
    steps.append(
        LimitStep(
            step="risk_adjusted", formula=f"x class {risk_class} factor {factor}", amount=adjusted
        )
    )
    unit = policy.round_down_to
    rounded = Money(
        max(Decimal(0), (adjusted.amount / unit).to_integral_value(ROUND_DOWN) * unit), currency
    ).quantize()
    steps.append(
        LimitStep(step="limit", formula=f"rounded down to a multiple of {unit}", amount=rounded)
    )
    return LimitRecommendation(
        customer_id=customer_id,
        risk_class=risk_class,
        limit=rounded,
        steps=tuple(steps),
        notes=tuple(notes),
    )
