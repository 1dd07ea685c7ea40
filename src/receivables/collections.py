"""Collections workflow: what is collectable, whom to call first, promises, disputes, targets.

A collector's day starts with a **worklist**: customers ranked by a transparent weighted
score (amount overdue, days overdue, risk, broken promises, disputes, days since the last
contact, dunning stage), each row carrying every factor's contribution. Only
**collectable** amounts count: the part of an item under open dispute is excluded (a
partial dispute leaves the rest collectable), an item under a running promise to pay
is left alone until the promise falls due, and customers on ``dunning_block`` are skipped.

**Promises to pay** are evaluated against the cash actually applied to their documents;
**disputes** are aged and summarised by reason and owner; a **contact log** records calls
and e-mails with their outcome and next action; **targets** track a collector's or team's
cash collected in a month or quarter, and can be suggested from a
:class:`~receivables.forecast.CashForecast`.

Everything takes an explicit ``as_of`` and sees the ledger as it stood on that date.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Customer, Invoice
    >>> ledger = Ledger(
    ...     [Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...              terms="NET 30", total="1000.00 USD")],
    ...     customers=[Customer(id="C1", name="Acme", currency="USD", collector="ann")])
    >>> wl = worklist(ledger, as_of=date(2026, 3, 6))
    >>> wl.rows[0].customer_id, str(wl.rows[0].amount_overdue), wl.rows[0].days_overdue
    ('C1', '1000.00 USD', 30)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal, Self

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.disputes import collectable_split
from receivables.errors import CurrencyMismatch, ReceivablesError
from receivables.forecast import CashForecast
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    DebitMemo,
    DocumentId,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import ExactDecimal, FxRates, Money, to_decimal
from receivables.tabular import Tabular

__all__ = [
    "CollectableItem",
    "CollectionTarget",
    "CollectionsError",
    "ContactChannel",
    "ContactOutcome",
    "ContactRecord",
    "DisputeAging",
    "DisputeAgingRow",
    "DisputeSummary",
    "FactorContribution",
    "KeptRate",
    "PromiseEvaluation",
    "PromiseReport",
    "PromiseStatus",
    "SkippedCustomer",
    "TargetProgress",
    "TargetSuggestion",
    "TriageWeights",
    "Worklist",
    "WorklistRow",
    "collectable_items",
    "dispute_aging",
    "evaluate_promise",
    "evaluate_promises",
    "last_contact",
    "next_actions_due",
    "promise_documents",
    "suggest_target",
    "target_progress",
    "worklist",
]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_HUNDRED: Final = Decimal(100)
_CENT: Final = Decimal("0.01")
UNASSIGNED: Final = "(unassigned)"


class CollectionsError(ReceivablesError, ValueError):
    """Input to a collections calculation that makes no sense (a score out of range, a
    target period that does not start on its first day, a forecast too short)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _days(later: date, earlier: date) -> int:
    return (later - earlier).days


def _cash_applications(ledger: Ledger, *, until: date) -> dict[str, list[Application]]:
    """Applications of cash (sources that are payments, not credit memos) by target."""
    out: dict[str, list[Application]] = defaultdict(list)
    for app in ledger.applications:
        if app.applied_on > until:
            break
        if isinstance(ledger.document(app.source_id), Payment):
            out[app.target_id].append(app)
    return out


# --------------------------------------------------------------------------------------
# Contact log
# --------------------------------------------------------------------------------------


class ContactChannel(StrEnum):
    """How the customer was contacted."""

    CALL = "call"
    EMAIL = "email"
    LETTER = "letter"
    MEETING = "meeting"


class ContactOutcome(StrEnum):
    """What the contact achieved."""

    REACHED = "reached"
    LEFT_MESSAGE = "left_message"
    NO_ANSWER = "no_answer"
    PROMISE_MADE = "promise_made"
    DISPUTE_RAISED = "dispute_raised"
    PAYMENT_CONFIRMED = "payment_confirmed"
    WRONG_CONTACT = "wrong_contact"
    OTHER = "other"


class ContactRecord(_Frozen):
    """One entry of the contact log: a call, e-mail, letter or meeting with a customer."""

    id: DocumentId
    customer_id: DocumentId
    on: date
    channel: ContactChannel
    outcome: ContactOutcome
    contact_person: str | None = None
    collector: str | None = None
    next_action_date: date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.next_action_date is not None and self.next_action_date < self.on:
            raise CollectionsError(
                f"contact {self.id}: next_action_date: {self.next_action_date.isoformat()}"
                f" is before the contact on {self.on.isoformat()}",
                document_id=self.id,
                field="next_action_date",
            )
        return self


def _contacts_until(contacts: Iterable[ContactRecord], as_of: date) -> list[ContactRecord]:
    return sorted((c for c in contacts if c.on <= as_of), key=lambda c: (c.on, c.id))


def last_contact(
    contacts: Iterable[ContactRecord], customer_id: str, *, as_of: date
) -> ContactRecord | None:
    """The latest contact with ``customer_id`` on or before ``as_of`` (ties: highest id).

    Examples:
        >>> log = [ContactRecord(id="K1", customer_id="C1", on=date(2026, 3, 2),
        ...                      channel="call", outcome="no_answer"),
        ...        ContactRecord(id="K2", customer_id="C1", on=date(2026, 3, 9),
        ...                      channel="email", outcome="reached")]
        >>> last_contact(log, "C1", as_of=date(2026, 3, 5)).id
        'K1'
    """
    own = [c for c in _contacts_until(contacts, as_of) if c.customer_id == customer_id]
    return own[-1] if own else None


def next_actions_due(
    contacts: Iterable[ContactRecord], *, as_of: date
) -> tuple[ContactRecord, ...]:
    """Contacts whose next action is due on or before ``as_of`` and not yet superseded.

    Only each customer's latest contact counts: a later contact replaces the plan of an
    earlier one. Sorted by next action date, then customer and id.

    Examples:
        >>> log = [ContactRecord(id="K1", customer_id="C1", on=date(2026, 3, 2),
        ...                      channel="call", outcome="reached",
        ...                      next_action_date=date(2026, 3, 4))]
        >>> [c.id for c in next_actions_due(log, as_of=date(2026, 3, 5))]
        ['K1']
    """
    latest: dict[str, ContactRecord] = {}
    for c in _contacts_until(contacts, as_of):
        latest[c.customer_id] = c
    due = [
        c for c in latest.values() if c.next_action_date is not None and c.next_action_date <= as_of
    ]
    return tuple(sorted(due, key=lambda c: (c.next_action_date or c.on, c.customer_id, c.id)))


# --------------------------------------------------------------------------------------
# Promises to pay
# --------------------------------------------------------------------------------------


class PromiseStatus(StrEnum):
    """Where a promise to pay stands on a date."""

    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"
    PENDING = "pending"


class PromiseEvaluation(_Frozen):
    """A promise to pay judged against the cash applied to its documents."""

    promise_id: str
    customer_id: str
    collector: str
    as_of: date
    promised: Money
    paid: Money = Field(description="Cash applied between promised_on and the deadline.")
    shortfall: Money
    pay_by: date
    deadline: date = Field(description="pay_by plus the grace days.")
    status: PromiseStatus
    applications: tuple[str, ...] = ()
    reason: str


def promise_documents(promise: PromiseToPay, ledger: Ledger) -> tuple[str, ...]:
    """The documents a promise to pay covers, sorted: those it names, or, when it names
    none, every invoice and debit memo of its customer **in the promise's currency** (a
    promise of an amount in EUR says nothing about USD invoices, and cash applied to them
    cannot count toward it).

    One rule for every reader of promises: :func:`evaluate_promise` counts the cash applied
    to these documents, :func:`collectable_items` sets them aside while the promise runs,
    and :func:`receivables.dunning.dunning_run` holds their dunning.

    Examples:
        >>> from receivables.models import Invoice, PromiseToPay
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             total="500.00 EUR"),
        ...     Invoice(id="I2", customer_id="C1", issue_date=date(2026, 1, 6),
        ...             total="300.00 USD")])
        >>> p = PromiseToPay(id="P1", customer_id="C1", amount="500.00 EUR",
        ...                  promised_on=date(2026, 2, 1), pay_by=date(2026, 2, 10))
        >>> promise_documents(p, ledger)
        ('I1',)
    """
    if promise.document_ids:
        return tuple(sorted(set(promise.document_ids)))
    return tuple(
        sorted(
            d.id
            for d in ledger.documents
            if isinstance(d, (Invoice, DebitMemo))
            and d.customer_id == promise.customer_id
            and d.amount.code == promise.amount.code
        )
    )


def _collector_of(promise: PromiseToPay, ledger: Ledger) -> str:
    if promise.collector:
        return promise.collector
    customer = ledger.customers.get(promise.customer_id)
    if customer is not None and customer.collector:
        return customer.collector
    return UNASSIGNED


def _evaluate(
    promise: PromiseToPay,
    ledger: Ledger,
    cash: Mapping[str, Sequence[Application]],
    *,
    as_of: date,
    grace_days: int,
) -> PromiseEvaluation:
    if promise.promised_on > as_of:
        raise CollectionsError(
            f"promise {promise.id}: promised_on: {promise.promised_on.isoformat()} is after"
            f" as_of {as_of.isoformat()}: the promise was not made yet",
            document_id=promise.id,
            field="promised_on",
        )
    deadline = promise.pay_by + timedelta(days=grace_days)
    window_end = min(as_of, deadline)
    used = [
        a
        for doc_id in promise_documents(promise, ledger)
        for a in cash.get(doc_id, ())
        if promise.promised_on <= a.applied_on <= window_end
    ]
    paid = sum((a.amount for a in used), Money.zero(promise.amount.code))
    shortfall = max(promise.amount - paid, Money.zero(promise.amount.code))
    window = f"{promise.promised_on.isoformat()}..{window_end.isoformat()}"
    if paid >= promise.amount:
        status, reason = PromiseStatus.KEPT, f"{paid} applied in {window} covers {promise.amount}"
    elif as_of <= deadline:
        status = PromiseStatus.PENDING
        reason = f"{paid} applied so far; the deadline {deadline.isoformat()} has not passed"
    elif paid.amount > 0:
        status = PromiseStatus.PARTLY_KEPT
        reason = f"only {paid} of {promise.amount} applied by {deadline.isoformat()}"
    else:
        status = PromiseStatus.BROKEN
        reason = f"nothing applied between {window.replace('..', ' and ')}"
    return PromiseEvaluation(
        promise_id=promise.id,
        customer_id=promise.customer_id,
        collector=_collector_of(promise, ledger),
        as_of=as_of,
        promised=promise.amount,
        paid=paid,
        shortfall=shortfall,
        pay_by=promise.pay_by,
        deadline=deadline,
        status=status,
        applications=tuple(sorted(a.id for a in used)),
        reason=reason,
    )


def _check_grace(grace_days: int) -> int:
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise CollectionsError(
            f"grace_days: {grace_days!r} must be a whole number of days, zero or more",
            field="grace_days",
        )
    return grace_days


def evaluate_promise(
    promise: PromiseToPay, ledger: Ledger, *, as_of: date, grace_days: int = 0
) -> PromiseEvaluation:
    """Judge ``promise`` on ``as_of`` against the cash applied to its documents.

    Cash counts when applied from a payment (not a credit memo) to one of the promise's
    documents (all the customer's debits in its currency when it names none) between
    ``promised_on`` and ``pay_by + grace_days``. The promise is **kept** once that cash
    reaches the promised amount; before the deadline it is otherwise **pending**; after
    it, **partly kept** if some cash came and **broken** if none did.

    Examples:
        >>> from receivables.models import Invoice, PromiseToPay
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="500.00 EUR")])
        >>> p = PromiseToPay(id="P1", customer_id="C1", document_ids=("I1",),
        ...                  amount="500.00 EUR", promised_on=date(2026, 2, 1),
        ...                  pay_by=date(2026, 2, 10))
        >>> evaluate_promise(p, ledger, as_of=date(2026, 2, 12)).status
        <PromiseStatus.BROKEN: 'broken'>
    """
    _check_grace(grace_days)
    cash = _cash_applications(ledger, until=as_of)
    return _evaluate(promise, ledger, cash, as_of=as_of, grace_days=grace_days)


class KeptRate(_Frozen):
    """Promise-kept rate of a customer or a collector.

    ``rate`` = kept / (kept + partly kept + broken), in percent; pending promises are not
    decided yet and do not count. ``amount_rate`` = cash paid / amount promised over the
    decided promises (one currency only; None across currencies).
    """

    key: str
    kept: int
    partly_kept: int
    broken: int
    pending: int
    rate: ExactDecimal | None
    amount_rate: ExactDecimal | None
    note: str | None = None


class PromiseReport(_Frozen, Tabular):
    """Every promise made on or before ``as_of``, judged, with kept rates."""

    as_of: date
    grace_days: int
    evaluations: tuple[PromiseEvaluation, ...]
    by_customer: tuple[KeptRate, ...]
    by_collector: tuple[KeptRate, ...]

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per promise."""
        return [
            {
                "promise_id": e.promise_id,
                "customer_id": e.customer_id,
                "collector": e.collector,
                "promised": e.promised.amount,
                "paid": e.paid.amount,
                "currency": e.promised.code,
                "pay_by": e.pay_by,
                "status": e.status.value,
                "reason": e.reason,
            }
            for e in self.evaluations
        ]


def _kept_rate(key: str, evaluations: Sequence[PromiseEvaluation]) -> KeptRate:
    counts = {s: sum(1 for e in evaluations if e.status == s) for s in PromiseStatus}
    decided = [e for e in evaluations if e.status != PromiseStatus.PENDING]
    note = None
    rate = None
    amount_rate = None
    if decided:
        rate = (Decimal(counts[PromiseStatus.KEPT]) / len(decided) * _HUNDRED).quantize(_CENT)
        codes = {e.promised.code for e in decided}
        if len(codes) == 1:
            promised = sum((e.promised.amount for e in decided), _ZERO)
            paid = sum((min(e.paid, e.promised).amount for e in decided), _ZERO)
            amount_rate = (paid / promised * _HUNDRED).quantize(_CENT)
        else:
            note = f"promises in {', '.join(sorted(codes))}: no amount rate across currencies"
    else:
        note = "no promise decided yet (all pending): no rate"
    return KeptRate(
        key=key,
        kept=counts[PromiseStatus.KEPT],
        partly_kept=counts[PromiseStatus.PARTLY_KEPT],
        broken=counts[PromiseStatus.BROKEN],
        pending=counts[PromiseStatus.PENDING],
        rate=rate,
        amount_rate=amount_rate,
        note=note,
    )


def evaluate_promises(ledger: Ledger, *, as_of: date, grace_days: int = 0) -> PromiseReport:
    """Judge every promise made on or before ``as_of``; kept rates per customer and
    per collector (the promise's collector, else the customer's, else ``(unassigned)``).

    Examples:
        >>> from receivables.models import Invoice, PromiseToPay
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="500.00 EUR")],
        ...     promises=[PromiseToPay(id="P1", customer_id="C1", amount="100.00 EUR",
        ...                            promised_on=date(2026, 2, 1), pay_by=date(2026, 2, 10),
        ...                            collector="ann")])
        >>> report = evaluate_promises(ledger, as_of=date(2026, 3, 1))
        >>> report.by_collector[0].key, report.by_collector[0].broken, report.by_collector[0].rate
        ('ann', 1, Decimal('0.00'))
    """
    _check_grace(grace_days)
    cash = _cash_applications(ledger, until=as_of)
    evaluations = [
        _evaluate(p, ledger, cash, as_of=as_of, grace_days=grace_days)
        for p in ledger.promises
        if p.promised_on <= as_of
    ]
    evaluations.sort(key=lambda e: (e.pay_by, e.promise_id))
    by_customer: dict[str, list[PromiseEvaluation]] = defaultdict(list)
    by_collector: dict[str, list[PromiseEvaluation]] = defaultdict(list)
    for e in evaluations:
        by_customer[e.customer_id].append(e)
        by_collector[e.collector].append(e)
    return PromiseReport(
        as_of=as_of,
        grace_days=grace_days,
        evaluations=tuple(evaluations),
        by_customer=tuple(_kept_rate(k, by_customer[k]) for k in sorted(by_customer)),
        by_collector=tuple(_kept_rate(k, by_collector[k]) for k in sorted(by_collector)),
    )


# --------------------------------------------------------------------------------------
# Disputes
# --------------------------------------------------------------------------------------


class DisputeAgingRow(_Frozen):
    """One dispute open on ``as_of``, with its age."""

    dispute_id: str
    customer_id: str
    document_id: str
    reason_code: str
    owner: str
    opened_on: date
    days_open: int
    bucket: str
    amount: Money = Field(description="The amount the customer disputes.")
    excluded: Money = Field(description="What it removes from collectable (capped at open).")


class DisputeSummary(_Frozen):
    """Open disputes grouped by a key (a reason code or an owner)."""

    key: str
    count: int
    amounts: tuple[Money, ...] = Field(description="Disputed amounts, one per currency.")
    oldest_days: int


class DisputeAging(_Frozen):
    """Disputes open on ``as_of``: each with its age bucket, and summaries."""

    as_of: date
    buckets: tuple[str, ...]
    rows: tuple[DisputeAgingRow, ...]
    by_reason: tuple[DisputeSummary, ...]
    by_owner: tuple[DisputeSummary, ...]
    by_bucket: tuple[DisputeSummary, ...]
    excluded_from_collectable: tuple[Money, ...]
    resolved: tuple[tuple[str, int], ...] = Field(
        description="Disputes resolved on or before as_of, counted by resolution."
    )

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per open dispute."""
        return [
            {
                "dispute_id": r.dispute_id,
                "customer_id": r.customer_id,
                "document_id": r.document_id,
                "reason_code": r.reason_code,
                "owner": r.owner,
                "days_open": r.days_open,
                "bucket": r.bucket,
                "amount": r.amount.amount,
                "excluded": r.excluded.amount,
                "currency": r.amount.code,
            }
            for r in self.rows
        ]


def _bucket_labels(limits: Sequence[int]) -> list[str]:
    labels = []
    lower = 0
    for limit in limits:
        labels.append(f"{lower}-{limit}")
        lower = limit + 1
    labels.append(f"{lower}+")
    return labels


def _summaries(key_rows: Mapping[str, Sequence[DisputeAgingRow]]) -> tuple[DisputeSummary, ...]:
    out = []
    for key in sorted(key_rows):
        rows = key_rows[key]
        per_code: dict[str, Decimal] = defaultdict(Decimal)
        for r in rows:
            per_code[r.amount.code] += r.amount.amount
        out.append(
            DisputeSummary(
                key=key,
                count=len(rows),
                amounts=tuple(Money(per_code[c], c) for c in sorted(per_code)),
                oldest_days=max(r.days_open for r in rows),
            )
        )
    return tuple(out)


def dispute_aging(
    ledger: Ledger, *, as_of: date, buckets: Sequence[int] = (30, 60, 90)
) -> DisputeAging:
    """Age the disputes open on ``as_of`` (days since ``opened_on``) into buckets.

    ``buckets`` are the inclusive upper limits of each bucket in days: ``(30, 60, 90)``
    gives ``0-30``, ``31-60``, ``61-90`` and ``91+``. ``excluded`` is what each dispute
    removes from the collectable amount: its amount, capped at what is still open of the
    document after the disputes before it (by date, then id), so several partial disputes
    never exclude more than is open (the same cap as
    :meth:`~receivables.ledger.Ledger.disputed_amount`).

    Examples:
        >>> from receivables.models import Dispute, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="500.00 EUR")],
        ...     disputes=[Dispute(id="D1", customer_id="C1", document_id="I1",
        ...                       amount="120.00 EUR", reason_code="PRICE",
        ...                       opened_on=date(2026, 1, 20))])
        >>> row = dispute_aging(ledger, as_of=date(2026, 3, 1)).rows[0]
        >>> row.days_open, row.bucket, str(row.excluded)
        (40, '31-60', '120.00 EUR')
    """
    limits = list(buckets)
    if not limits or any(b <= 0 for b in limits) or limits != sorted(set(limits)):
        raise CollectionsError(
            f"buckets: {limits} must be increasing positive day limits", field="buckets"
        )
    labels = _bucket_labels(limits)
    remaining: dict[str, Money] = {}
    rows: list[DisputeAgingRow] = []
    resolved: dict[str, int] = defaultdict(int)
    for d in ledger.disputes:
        if d.resolved_on is not None and d.resolved_on <= as_of and d.resolution is not None:
            resolved[d.resolution.value] += 1
        if not d.is_open(as_of):
            continue
        if d.document_id not in remaining:
            remaining[d.document_id] = abs(ledger.open_amount(d.document_id, as_of=as_of))
        excluded = min(d.amount, remaining[d.document_id])
        remaining[d.document_id] = remaining[d.document_id] - excluded
        age = _days(as_of, d.opened_on)
        bucket = labels[sum(1 for limit in limits if age > limit)]
        rows.append(
            DisputeAgingRow(
                dispute_id=d.id,
                customer_id=d.customer_id,
                document_id=d.document_id,
                reason_code=d.reason_code,
                owner=d.owner or UNASSIGNED,
                opened_on=d.opened_on,
                days_open=age,
                bucket=bucket,
                amount=d.amount,
                excluded=excluded,
            )
        )
    rows.sort(key=lambda r: (-r.days_open, r.dispute_id))
    by_reason: dict[str, list[DisputeAgingRow]] = defaultdict(list)
    by_owner: dict[str, list[DisputeAgingRow]] = defaultdict(list)
    by_bucket: dict[str, list[DisputeAgingRow]] = defaultdict(list)
    excluded_by_code: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_reason[r.reason_code].append(r)
        by_owner[r.owner].append(r)
        by_bucket[r.bucket].append(r)
        excluded_by_code[r.excluded.code] += r.excluded.amount
    bucket_summaries = _summaries(by_bucket)
    order = {label: i for i, label in enumerate(labels)}
    return DisputeAging(
        as_of=as_of,
        buckets=tuple(labels),
        rows=tuple(rows),
        by_reason=_summaries(by_reason),
        by_owner=_summaries(by_owner),
        by_bucket=tuple(sorted(bucket_summaries, key=lambda s: order[s.key])),
        excluded_from_collectable=tuple(
            Money(excluded_by_code[c], c) for c in sorted(excluded_by_code)
        ),
        resolved=tuple(sorted(resolved.items())),
    )


# --------------------------------------------------------------------------------------
# What is collectable
# --------------------------------------------------------------------------------------


CollectableStatus = Literal["collectable", "not_due", "disputed", "promised", "blocked"]


class CollectableItem(_Frozen):
    """An open debit item and how much of it a collector may chase on ``as_of``.

    ``collectable = open - disputed`` (the rule of
    :class:`~receivables.disputes.CollectableSplitItem`) unless the whole item is set
    aside: the customer is on ``dunning_block``, or a promise to pay covering it is still
    running. ``status`` names the main reason; ``reasons`` lists them all.
    """

    document_id: str
    customer_id: str
    due_date: date
    days_overdue: int
    open: Money
    disputed: Money
    collectable: Money
    overdue_collectable: Money
    status: CollectableStatus
    promise_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


def _running_promises(ledger: Ledger, *, as_of: date, grace_days: int) -> dict[str, list[str]]:
    """Document id -> ids of promises whose window (promised_on..pay_by+grace) holds as_of."""
    by_doc: dict[str, list[str]] = defaultdict(list)
    for p in ledger.promises:
        if not p.promised_on <= as_of <= p.pay_by + timedelta(days=grace_days):
            continue
        for doc_id in promise_documents(p, ledger):
            by_doc[doc_id].append(p.id)
    return by_doc


def collectable_items(
    ledger: Ledger, *, as_of: date, promise_grace_days: int = 0
) -> tuple[CollectableItem, ...]:
    """Every open debit item on ``as_of`` with its collectable part, by customer, issue date, id.

    The collectable part is :func:`~receivables.disputes.collectable_split`'s: open less the
    disputed part (:meth:`~receivables.ledger.Ledger.disputed_amount`: open disputes,
    capped at the open amount), so the rest of a partly disputed item stays collectable.
    On top of it an item is set aside entirely while a promise to pay covering it runs
    (made on or before ``as_of``, ``pay_by + promise_grace_days`` not passed, kept or not),
    or when the customer has ``dunning_block``. Overdue means due before ``as_of``.

    Examples:
        >>> from receivables.models import Dispute, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="500.00 EUR")],
        ...     disputes=[Dispute(id="D1", customer_id="C1", document_id="I1",
        ...                       amount="120.00 EUR", reason_code="PRICE",
        ...                       opened_on=date(2026, 1, 20))])
        >>> item = collectable_items(ledger, as_of=date(2026, 3, 1))[0]
        >>> str(item.disputed), str(item.collectable), item.status
        ('120.00 EUR', '380.00 EUR', 'collectable')
    """
    _check_grace(promise_grace_days)
    split = collectable_split(ledger, as_of=as_of).items
    running = _running_promises(ledger, as_of=as_of, grace_days=promise_grace_days)
    out: list[CollectableItem] = []
    for item in split:
        zero = Money.zero(item.open.code)
        disputed = item.disputed
        overdue_days = _days(as_of, item.due_date)
        customer = ledger.customers.get(item.customer_id)
        reasons: list[str] = []
        status: CollectableStatus
        promise_ids = tuple(sorted(running.get(item.document_id, ())))
        if customer is not None and customer.dunning_block:
            status = "blocked"
            reasons.append(f"customer {item.customer_id} is on dunning_block")
            collectable = zero
        elif promise_ids:
            status = "promised"
            reasons.append(f"under running promise {', '.join(promise_ids)}")
            collectable = zero
        else:
            collectable = item.collectable
            if collectable.amount == 0:
                status = "disputed"
            elif overdue_days > 0:
                status = "collectable"
            else:
                status = "not_due"
        if disputed.amount > 0:
            reasons.append(f"{disputed} under open dispute excluded")
        overdue = collectable if overdue_days > 0 else zero
        out.append(
            CollectableItem(
                document_id=item.document_id,
                customer_id=item.customer_id,
                due_date=item.due_date,
                days_overdue=overdue_days,
                open=item.open,
                disputed=disputed,
                collectable=collectable,
                overdue_collectable=overdue,
                status=status,
                promise_ids=promise_ids,
                reasons=tuple(reasons),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------------------
# Worklist triage
# --------------------------------------------------------------------------------------


class TriageWeights(_Frozen):
    """The weights and caps of the worklist score: data, so a team can tune and store them.

    Each factor is scaled to $[0, 1]$ and multiplied by its weight; the score is the
    sum (a weighted-sum scoring model, the simplest transparent multi-criteria rule:
    Triantaphyllou, *Multi-Criteria Decision Making Methods*, 2000, §2.2.1). Scaling:
    amount overdue / the largest amount overdue on the list; days overdue / cap;
    risk score as given (0 = safe, 1 = worst); broken promises in the look-back / cap;
    open disputes / cap; days since the last contact / cap (never contacted: 1); dunning
    stage / cap. Values above a cap count as the cap.
    """

    amount_overdue: ExactDecimal = Field(default=Decimal(40), ge=0)
    days_overdue: ExactDecimal = Field(default=Decimal(20), ge=0)
    risk: ExactDecimal = Field(default=Decimal(15), ge=0)
    broken_promises: ExactDecimal = Field(default=Decimal(10), ge=0)
    disputes: ExactDecimal = Field(default=Decimal(5), ge=0)
    days_since_contact: ExactDecimal = Field(default=Decimal(5), ge=0)
    dunning_stage: ExactDecimal = Field(default=Decimal(5), ge=0)
    days_overdue_cap: int = Field(default=90, ge=1)
    broken_promises_cap: int = Field(default=3, ge=1)
    broken_promises_lookback_days: int = Field(default=365, ge=1)
    disputes_cap: int = Field(default=3, ge=1)
    contact_cap_days: int = Field(default=30, ge=1)
    dunning_stage_cap: int = Field(default=4, ge=1)


class FactorContribution(_Frozen):
    """One factor of a worklist score: the raw value, its scaled value, weight and product."""

    factor: str
    value: str
    scaled: ExactDecimal
    weight: ExactDecimal
    contribution: ExactDecimal


class WorklistRow(_Frozen):
    """A customer on the worklist, with why it ranks where it does and its items."""

    rank: int
    customer_id: str
    customer_name: str | None
    collector: str
    score: ExactDecimal
    amount_overdue: Money = Field(description="Collectable and overdue, in the list currency.")
    days_overdue: int = Field(description="Days overdue of the oldest collectable item.")
    excluded: Money = Field(description="Open but set aside: disputed, promised or blocked.")
    factors: tuple[FactorContribution, ...]
    items: tuple[CollectableItem, ...]

    @property
    def why(self) -> str:
        """The score as a sum of its contributions, largest first."""
        parts = sorted(self.factors, key=lambda f: (-f.contribution, f.factor))
        return " + ".join(f"{f.factor} {f.contribution}" for f in parts if f.contribution)


class SkippedCustomer(_Frozen):
    """A customer with something open but nothing to chase today, and why."""

    customer_id: str
    reason: str


class Worklist(_Frozen, Tabular):
    """Customers ranked for the collector's day, highest score first."""

    as_of: date
    currency: str
    weights: TriageWeights
    rows: tuple[WorklistRow, ...]
    skipped: tuple[SkippedCustomer, ...]

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per customer, with each factor's contribution."""
        out: list[dict[str, object]] = []
        for r in self.rows:
            row: dict[str, object] = {
                "rank": r.rank,
                "customer_id": r.customer_id,
                "collector": r.collector,
                "score": r.score,
                "amount_overdue": r.amount_overdue.amount,
                "currency": r.amount_overdue.code,
                "days_overdue": r.days_overdue,
            }
            for f in r.factors:
                row[f"score_{f.factor}"] = f.contribution
            out.append(row)
        return out


def _scaled(value: Decimal, cap: Decimal) -> Decimal:
    return min(value, cap) / cap if value > 0 else _ZERO


def _check_scores(risk_scores: Mapping[str, object]) -> dict[str, Decimal]:
    out = {}
    for customer_id, raw in risk_scores.items():
        score = to_decimal(raw, what=f"risk score of {customer_id}")
        if not _ZERO <= score <= _ONE:
            raise CollectionsError(
                f"risk_scores[{customer_id}]: {score} is outside 0..1 (0 safe, 1 worst)",
                document_id=customer_id,
                field="risk_scores",
            )
        out[customer_id] = score
    return out


def _check_stages(stages: Mapping[str, int]) -> dict[str, int]:
    for customer_id, stage in stages.items():
        if isinstance(stage, bool) or not isinstance(stage, int) or stage < 0:
            raise CollectionsError(
                f"dunning_stages[{customer_id}]: {stage!r} must be a stage number, 0 or more",
                document_id=customer_id,
                field="dunning_stages",
            )
    return dict(stages)


def worklist(
    ledger: Ledger,
    *,
    as_of: date,
    weights: TriageWeights | None = None,
    risk_scores: Mapping[str, Decimal | int | str] | None = None,
    dunning_stages: Mapping[str, int] | None = None,
    contacts: Iterable[ContactRecord] = (),
    currency: str | None = None,
    rates: FxRates | None = None,
    promise_grace_days: int = 0,
) -> Worklist:
    """Rank customers with collectable overdue amounts for the collector's day.

    For each customer the score is $\\sum_f w_f\\,x_f$ over the factors of
    :class:`TriageWeights`, each $x_f$ scaled to $[0, 1]$; every row carries
    each factor's raw value, scaled value, weight and contribution. Only collectable
    amounts count (see :func:`collectable_items`); a customer with overdue items that are
    all disputed, promised or blocked is listed in ``skipped`` with the reason. With items
    in several currencies name ``currency`` and pass ``rates`` (converted on ``as_of``).
    ``risk_scores`` (0 safe .. 1 worst) and ``dunning_stages`` (stage numbers) are plain
    inputs per customer id; a missing one counts as 0. Ties rank by amount, then id.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             terms="NET 30", total="100.00 USD"),
        ...     Invoice(id="I2", customer_id="C2", issue_date=date(2026, 1, 5),
        ...             terms="NET 30", total="400.00 USD")])
        >>> wl = worklist(ledger, as_of=date(2026, 2, 14), risk_scores={"C1": "1"})
        >>> [(r.customer_id, str(r.score)) for r in wl.rows]
        [('C2', '47.22'), ('C1', '32.22')]
    """
    weights = weights or TriageWeights()
    scores = _check_scores(risk_scores or {})
    stages = _check_stages(dunning_stages or {})
    log = _contacts_until(contacts, as_of)
    items = collectable_items(ledger, as_of=as_of, promise_grace_days=promise_grace_days)
    codes = sorted({i.open.code for i in items if i.overdue_collectable.amount > 0})
    if currency is None:
        if len(codes) > 1:
            raise CurrencyMismatch(
                f"currency: collectable items are in {', '.join(codes)}; name a currency"
                " and pass rates (FxRates)",
                field="currency",
            )
        every = sorted({i.open.code for i in items})
        # With nothing overdue the list is empty and the currency only labels it; XXX is
        # ISO 4217's "no currency".
        report = codes[0] if codes else (ledger.functional_currency or next(iter(every), "XXX"))
    else:
        report = Money.zero(currency).code

    def convert(money: Money, doc_id: str) -> Money:
        if money.code == report:
            return money
        if rates is None:
            raise CurrencyMismatch(
                f"{doc_id}: amount is in {money.code}, the worklist in {report}; pass rates",
                document_id=doc_id,
                field="rates",
            )
        return rates.convert(money, report, on=as_of)

    per_customer: dict[str, list[CollectableItem]] = defaultdict(list)
    for item in items:
        per_customer[item.customer_id].append(item)
    promise_report = evaluate_promises(ledger, as_of=as_of, grace_days=promise_grace_days)
    since = as_of - timedelta(days=weights.broken_promises_lookback_days)
    broken: dict[str, int] = defaultdict(int)
    for e in promise_report.evaluations:
        if e.status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT) and e.deadline >= since:
            broken[e.customer_id] += 1
    open_disputes: dict[str, int] = defaultdict(int)
    for d in ledger.disputes:
        if d.is_open(as_of):
            open_disputes[d.customer_id] += 1
    candidates: list[tuple[str, Money, Money, int]] = []
    skipped: list[SkippedCustomer] = []
    for customer_id in sorted(per_customer):
        own = per_customer[customer_id]
        overdue = sum(
            (convert(i.overdue_collectable, i.document_id) for i in own), Money.zero(report)
        )
        excluded = sum(
            (convert(i.open - i.collectable, i.document_id) for i in own), Money.zero(report)
        )
        if overdue.amount <= 0:
            late = [i for i in own if i.days_overdue > 0]
            if late:
                statuses = sorted({i.status for i in late})
                skipped.append(
                    SkippedCustomer(
                        customer_id=customer_id,
                        reason=f"overdue items are all set aside: {', '.join(statuses)}",
                    )
                )
            continue
        oldest = max(i.days_overdue for i in own if i.overdue_collectable.amount > 0)
        candidates.append((customer_id, overdue, excluded, oldest))
    largest = max((c[1].amount for c in candidates), default=_ZERO)
    rows: list[WorklistRow] = []
    for customer_id, overdue, excluded, oldest in candidates:
        last = None
        for c in log:
            if c.customer_id == customer_id:
                last = c
        since_contact = _days(as_of, last.on) if last is not None else None
        stage = stages.get(customer_id, 0)
        risk = scores.get(customer_id, _ZERO)
        raw: list[tuple[str, str, Decimal, Decimal]] = [
            (
                "amount_overdue",
                f"{overdue} of the largest {Money(largest, report)}",
                overdue.amount / largest,
                weights.amount_overdue,
            ),
            (
                "days_overdue",
                f"{oldest} days (cap {weights.days_overdue_cap})",
                _scaled(Decimal(oldest), Decimal(weights.days_overdue_cap)),
                weights.days_overdue,
            ),
            (
                "risk",
                f"score {risk}" if customer_id in scores else "no risk score given: 0",
                risk,
                weights.risk,
            ),
            (
                "broken_promises",
                f"{broken[customer_id]} in {weights.broken_promises_lookback_days} days"
                f" (cap {weights.broken_promises_cap})",
                _scaled(Decimal(broken[customer_id]), Decimal(weights.broken_promises_cap)),
                weights.broken_promises,
            ),
            (
                "disputes",
                f"{open_disputes[customer_id]} open (cap {weights.disputes_cap})",
                _scaled(Decimal(open_disputes[customer_id]), Decimal(weights.disputes_cap)),
                weights.disputes,
            ),
            (
                "days_since_contact",
                f"{since_contact} days (cap {weights.contact_cap_days})"
                if since_contact is not None
                else "never contacted",
                _scaled(Decimal(since_contact), Decimal(weights.contact_cap_days))
                if since_contact is not None
                else _ONE,
                weights.days_since_contact,
            ),
            (
                "dunning_stage",
                f"stage {stage} (cap {weights.dunning_stage_cap})"
                if customer_id in stages
                else "no stage given: 0",
                _scaled(Decimal(stage), Decimal(weights.dunning_stage_cap)),
                weights.dunning_stage,
            ),
        ]
        factors = tuple(
            FactorContribution(
                factor=name,
                value=value,
                scaled=scaled.quantize(Decimal("0.0001")),
                weight=weight,
                contribution=(weight * scaled).quantize(_CENT),
            )
            for name, value, scaled, weight in raw
        )
        customer = ledger.customers.get(customer_id)
        own_items = sorted(
            per_customer[customer_id],
            key=lambda i: (i.overdue_collectable.amount <= 0, -i.days_overdue, i.document_id),
        )
        rows.append(
            WorklistRow(
                rank=0,
                customer_id=customer_id,
                customer_name=customer.name if customer is not None else None,
                collector=(customer.collector if customer and customer.collector else UNASSIGNED),
                score=sum((f.contribution for f in factors), _ZERO),
                amount_overdue=overdue,
                days_overdue=oldest,
                excluded=excluded,
                factors=factors,
                items=tuple(own_items),
            )
        )
    rows.sort(key=lambda r: (-r.score, -r.amount_overdue.amount, r.customer_id))
    ranked = tuple(r.model_copy(update={"rank": i + 1}) for i, r in enumerate(rows))
    return Worklist(
        as_of=as_of, currency=report, weights=weights, rows=ranked, skipped=tuple(skipped)
    )


# --------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------


TargetPeriod = Literal["month", "quarter"]


def _period_end(start: date, period: TargetPeriod) -> date:
    return start + relativedelta(months=1 if period == "month" else 3) - timedelta(days=1)


class CollectionTarget(_Frozen):
    """An amount of cash a collector (or a team) should collect in a month or quarter.

    ``collectors`` are the collector names whose customers (``Customer.collector``) count;
    empty means the owner alone. ``start`` is the first day of the month or quarter.
    """

    id: DocumentId
    owner: str = Field(min_length=1)
    collectors: frozenset[str] = frozenset()
    period: TargetPeriod
    start: date
    amount: Money

    @model_validator(mode="after")
    def _check(self) -> Self:
        first_month_ok = self.period == "month" or (self.start.month - 1) % 3 == 0
        if self.start.day != 1 or not first_month_ok:
            raise CollectionsError(
                f"target {self.id}: start: {self.start.isoformat()} is not the first day of"
                f" a {self.period}",
                document_id=self.id,
                field="start",
            )
        if self.amount.amount <= 0:
            raise CollectionsError(
                f"target {self.id}: amount: {self.amount} must be positive",
                document_id=self.id,
                field="amount",
            )
        return self

    @property
    def end(self) -> date:
        """The last day of the target's period."""
        return _period_end(self.start, self.period)

    @property
    def team(self) -> frozenset[str]:
        """The collectors whose customers count (the owner when none is named)."""
        return self.collectors or frozenset({self.owner})


class TargetProgress(_Frozen):
    """How far a target is met on ``as_of``, and what is left to collect it from."""

    target: CollectionTarget
    as_of: date
    collected: Money
    gap: Money
    percent: ExactDecimal
    elapsed_percent: ExactDecimal = Field(description="Share of the period's days gone by.")
    customers: tuple[str, ...]
    open_portfolio: Money
    disputed: Money
    collectable_portfolio: Money
    exclude_disputed: bool
    notes: tuple[str, ...] = ()


def _team_customers(ledger: Ledger, team: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(c.id for c in ledger.customers.values() if c.collector in team))


def _collected(
    ledger: Ledger,
    customers: Iterable[str],
    *,
    start: date,
    until: date,
    currency: str,
    rates: FxRates | None,
) -> Money:
    wanted = set(customers)
    total = Money.zero(currency)
    if until < start:
        return total
    for target_id, apps in _cash_applications(ledger, until=until).items():
        doc = ledger.document(target_id)
        if doc.customer_id not in wanted:
            continue
        for app in apps:
            if app.applied_on < start:
                continue
            if app.amount.code == currency:
                total += app.amount
            elif rates is None:
                raise CurrencyMismatch(
                    f"application {app.id}: amount: is in {app.amount.code}, the target in"
                    f" {currency}; pass rates",
                    document_id=app.id,
                    field="rates",
                )
            else:
                total += rates.convert(app.amount, currency, on=app.applied_on)
    return total


def target_progress(
    target: CollectionTarget,
    ledger: Ledger,
    *,
    as_of: date,
    rates: FxRates | None = None,
    exclude_disputed: bool = True,
) -> TargetProgress:
    """Cash collected toward ``target`` from its start to ``as_of`` (capped at its end).

    Collected is the cash (applications from payments, not credit memos) applied in the
    period to the documents of the team's customers, converted on each application's
    date when in another currency. ``gap = max(target - collected, 0)``;
    ``percent = collected / target x 100``. The open portfolio on ``as_of`` shows what the
    gap can be collected from; with ``exclude_disputed`` (the default) the disputed parts
    are left out of it, and the result says so.

    Examples:
        >>> from receivables.models import Customer, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="500.00 USD")],
        ...     customers=[Customer(id="C1", name="Acme", currency="USD", collector="ann")])
        >>> t = CollectionTarget(id="T1", owner="ann", period="month",
        ...                      start=date(2026, 3, 1), amount="1000.00 USD")
        >>> p = target_progress(t, ledger, as_of=date(2026, 3, 10))
        >>> str(p.collected), str(p.gap), str(p.collectable_portfolio)
        ('0.00 USD', '1000.00 USD', '500.00 USD')
    """
    code = target.amount.code
    customers = _team_customers(ledger, target.team)
    until = min(as_of, target.end)
    collected = _collected(
        ledger, customers, start=target.start, until=until, currency=code, rates=rates
    )
    notes: list[str] = []
    if as_of < target.start:
        notes.append(f"the period starts on {target.start.isoformat()}, after as_of")
    if not customers:
        notes.append(f"no customer has a collector in {sorted(target.team)}")
    open_total = Money.zero(code)
    disputed = Money.zero(code)
    for item in collectable_split(ledger, as_of=as_of).items:
        if item.customer_id not in customers:
            continue
        if item.open.code != code:
            if rates is None:
                raise CurrencyMismatch(
                    f"{item.document_id}: open amount is in {item.open.code}, the target in"
                    f" {code}; pass rates",
                    document_id=item.document_id,
                    field="rates",
                )
            open_total += rates.convert(item.open, code, on=as_of)
            disputed += rates.convert(item.disputed, code, on=as_of)
        else:
            open_total += item.open
            disputed += item.disputed
    if exclude_disputed:
        collectable = open_total - disputed
        if disputed.amount > 0:
            notes.append(f"disputed amounts of {disputed} excluded from the collectable portfolio")
    else:
        collectable = open_total
        notes.append("disputed amounts included in the collectable portfolio (as asked)")
    gap = max(target.amount - collected, Money.zero(code))
    days_in = _days(target.end, target.start) + 1
    gone = min(max(_days(as_of, target.start) + 1, 0), days_in)
    if collectable < gap:
        notes.append(f"the collectable portfolio {collectable} is smaller than the gap {gap}")
    return TargetProgress(
        target=target,
        as_of=as_of,
        collected=collected,
        gap=gap,
        percent=(collected.amount / target.amount.amount * _HUNDRED).quantize(_CENT),
        elapsed_percent=(Decimal(gone) / days_in * _HUNDRED).quantize(_CENT),
        customers=customers,
        open_portfolio=open_total,
        disputed=disputed,
        collectable_portfolio=collectable,
        exclude_disputed=exclude_disputed,
        notes=tuple(notes),
    )


class TargetSuggestion(_Frozen):
    """A target suggested from a cash forecast, with how it was built."""

    target: CollectionTarget
    already_collected: Money
    forecast_receipts: Money
    uplift_percent: ExactDecimal
    reasons: tuple[str, ...]


def suggest_target(
    ledger: Ledger,
    *,
    forecast: CashForecast,
    owner: str,
    period: TargetPeriod,
    start: date,
    collectors: Iterable[str] = (),
    band: Literal["low", "expected", "high"] = "expected",
    uplift_percent: Decimal | int | str = 0,
    rates: FxRates | None = None,
    target_id: str | None = None,
) -> TargetSuggestion:
    """Suggest a target: cash already applied in the period up to the forecast's ``as_of``
    plus the forecast receipts of the team's customers in the rest of it, raised by
    ``uplift_percent`` (a stretch) and rounded to the minor unit.

    The forecast holds back disputed amounts, so the suggestion excludes them, and says
    so. The forecast's periods must cover the target's period to its last day.

    Examples:
        >>> from receivables.forecast import forecast as cash_forecast
        >>> from receivables.models import Customer, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="500.00 USD")],
        ...     customers=[Customer(id="C1", name="Acme", currency="USD", collector="ann")])
        >>> fc = cash_forecast(ledger, as_of=date(2026, 1, 31), horizon=1)
        >>> s = suggest_target(ledger, forecast=fc, owner="ann", period="month",
        ...                    start=date(2026, 2, 1), uplift_percent=10)
        >>> str(s.target.amount)
        '550.00 USD'
    """
    uplift = to_decimal(uplift_percent, what="uplift_percent")
    if uplift < -100:
        raise CollectionsError(
            f"uplift_percent: {uplift} would make the target negative", field="uplift_percent"
        )
    team = frozenset(collectors) or frozenset({owner})
    end = _period_end(start, period)
    code = forecast.currency
    customers = _team_customers(ledger, team)
    covering = [p for p in forecast.periods if p.start >= start and p.end <= end]
    if not forecast.periods or forecast.periods[-1].end < end:
        last = forecast.periods[-1].end.isoformat() if forecast.periods else "nothing"
        raise CollectionsError(
            f"forecast: horizon: the forecast reaches {last}, not the end of the target"
            f" period {end.isoformat()}; forecast further ahead",
            field="horizon",
        )
    first_day = max(start, forecast.as_of + timedelta(days=1))
    if (
        forecast.as_of >= end
        or not covering
        or covering[0].start != first_day
        or covering[-1].end != end
    ):
        raise CollectionsError(
            f"forecast: as_of: the forecast's periods do not line up with {start.isoformat()}"
            f"..{end.isoformat()}; use a forecast with {period}ly or shorter periods made"
            " before the period ends",
            field="as_of",
        )
    receipts = forecast.receipts_for(set(customers), band=band)
    from_forecast = sum(
        (receipts[p.index] for p in covering),
        Money.zero(code),
    )
    already = _collected(
        ledger, customers, start=start, until=forecast.as_of, currency=code, rates=rates
    )
    basis = already + from_forecast
    team_set = set(customers)
    held = sum((i.held_back for i in forecast.items if i.customer_id in team_set), Money.zero(code))
    if forecast.as_of < start:
        so_far = (
            f"no cash applied yet: the period starts after the forecast's as_of {forecast.as_of}"
        )
    else:
        so_far = f"cash applied {start.isoformat()}..{forecast.as_of.isoformat()}: {already}"
    amount = (basis * (_ONE + uplift / _HUNDRED)).quantize()
    reasons = [
        f"team {sorted(team)}: customers {', '.join(customers) or 'none'}",
        so_far,
        f"forecast ({band}) receipts in {', '.join(p.label for p in covering)}: {from_forecast}",
        f"disputed amounts excluded: the forecast held back {held} of the team's items"
        " under open dispute",
        f"uplift {uplift}%: {basis} x {_ONE + uplift / _HUNDRED} = {amount}",
    ]
    if amount.amount <= 0:
        raise CollectionsError(
            f"suggest_target: nothing to collect for {sorted(team)} in"
            f" {start.isoformat()}..{end.isoformat()}: no target can be suggested",
            field="collectors",
        )
    target = CollectionTarget(
        id=target_id or f"{owner}-{start.isoformat()}-{period}",
        owner=owner,
        collectors=frozenset(collectors),
        period=period,
        start=start,
        amount=amount,
    )
    return TargetSuggestion(
        target=target,
        already_collected=already,
        forecast_receipts=from_forecast,
        uplift_percent=uplift,
        reasons=tuple(reasons),
    )
