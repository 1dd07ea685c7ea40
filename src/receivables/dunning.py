"""Dunning: policies of escalating stages, runs that propose notices, and their history.

A :class:`DunningPolicy` is data: ordered stages (friendly reminder, second reminder,
final notice, service suspension, legal / collection agency), each reached after a number
of days overdue, above a minimum overdue amount, some days after the previous stage,
with a fee, interest or not, a channel and a template. :func:`dunning_run` reads a ledger
as of a date with the :class:`DunningHistory` of notices already sent and *proposes*, per
customer, the next stage and the items it covers, with the reasons, and every skip with
its reason. Nothing is sent: :meth:`DunningRun.apply` turns the proposal into
:class:`DunningNotice` values, the new history and the action records
(:class:`SuspendService`, :class:`EscalateToLegal`) for the host system to act on.

Rules (each one is a reason code in the result):

* each open item keeps its own dunning level; it climbs at most **one** stage per run,
  to the highest stage whose ``days_overdue`` it has reached, once ``min_days_since_previous``
  days have passed since its last notice; the notice's stage is the highest level of the
  items it covers, so no customer ever skips a stage;
* the disputed part of an item is never dunned (``ledger.disputed_amount``);
* an item under a promise to pay that is pending or kept is not dunned; a broken promise
  (``pay_by`` passed and less than the promised amount applied to its documents by then,
  read from the ledger's applications) resumes dunning. A promise covers the documents
  :func:`~receivables.collections.promise_documents` names (without document ids: the
  customer's debits in the promise's currency);
* a customer with ``dunning_block`` gets nothing; a notice whose overdue total is under
  the stage's minimum (per currency) is not proposed.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Customer, Invoice
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 1),
    ...                          terms="NET 30", total="500.00 EUR")],
    ...                 customers=[Customer(id="C1", name="Acme", currency="EUR")])
    >>> run = dunning_run(ledger, as_of=date(2026, 2, 10))
    >>> [(p.customer_id, p.stage_id, p.document_ids) for p in run.proposals]
    [('C1', 'reminder', ('INV-1',))]
    >>> outcome = run.apply()
    >>> outcome.notices[0].id, len(outcome.history.records)
    ('DN-C1-20260210-reminder', 1)
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.collections import PromiseStatus, evaluate_promise, promise_documents
from receivables.errors import ReceivablesError
from receivables.interest import (
    LatePaymentLaw,
    ReferenceRates,
    earns_interest,
    late_payment_interest,
)
from receivables.ledger import Ledger, OpenItem
from receivables.models import DebitMemo, DebitReason, PromiseToPay
from receivables.money import Money
from receivables.tabular import Tabular

__all__ = [
    "DEFAULT_POLICIES",
    "DEFAULT_POLICY",
    "KEY_ACCOUNT_POLICY",
    "Channel",
    "DunningHistory",
    "DunningNotice",
    "DunningOutcome",
    "DunningPolicy",
    "DunningProposal",
    "DunningRun",
    "DunningSkip",
    "DunningStage",
    "EscalateToLegal",
    "InvalidPolicy",
    "NoticeItem",
    "NoticeRecord",
    "ProposedItem",
    "StageKind",
    "SuspendService",
    "dunning_run",
]


class InvalidPolicy(ReceivablesError, ValueError):
    """A dunning policy that cannot be used (stage order, thresholds, unknown id)."""


class Channel(StrEnum):
    """How a notice reaches the customer."""

    EMAIL = "email"
    LETTER = "letter"
    PHONE_TASK = "phone_task"
    PORTAL = "portal"


class StageKind(StrEnum):
    """What a stage is, in escalation order."""

    REMINDER = "reminder"
    SECOND_REMINDER = "second_reminder"
    FINAL_NOTICE = "final_notice"
    SUSPENSION = "suspension"
    LEGAL = "legal"


_KIND_RANK: Final = {kind: i for i, kind in enumerate(StageKind)}


def _per_currency(values: tuple[Money, ...], what: str, stage: str) -> tuple[Money, ...]:
    codes = [m.code for m in values]
    if len(set(codes)) != len(codes):
        raise InvalidPolicy(f"stage {stage}: {what}: two amounts in one currency", field=what)
    if any(m.amount < 0 for m in values):
        raise InvalidPolicy(f"stage {stage}: {what}: must not be negative", field=what)
    return tuple(sorted(values, key=lambda m: m.code))


class DunningStage(BaseModel):
    """One step of a dunning policy.

    ``min_overdue_amount`` and ``fee`` hold one amount per currency: a notice in a currency
    without a minimum has none; without a fee, no fee.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: StageKind
    days_overdue: int = Field(ge=1, description="Days past due an item needs to reach this stage.")
    min_overdue_amount: tuple[Money, ...] = ()
    min_days_since_previous: int = Field(default=0, ge=0)
    fee: tuple[Money, ...] = ()
    charge_interest: bool = False
    channel: Channel = Channel.EMAIL
    template_id: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        object.__setattr__(
            self,
            "min_overdue_amount",
            _per_currency(self.min_overdue_amount, "min_overdue_amount", self.id),
        )
        object.__setattr__(self, "fee", _per_currency(self.fee, "fee", self.id))
        return self

    def minimum_in(self, currency: str) -> Money:
        """The minimum overdue amount in ``currency`` (zero when none is set)."""
        for m in self.min_overdue_amount:
            if m.code == currency:
                return m
        return Money.zero(currency)

    def fee_in(self, currency: str) -> Money | None:
        """The fee in ``currency``, if the stage charges one there."""
        for m in self.fee:
            if m.code == currency and m.amount > 0:
                return m
        return None


class DunningPolicy(BaseModel):
    """An ordered list of stages, and the late-payment law used where a stage charges interest.

    Refused at construction: no stages, duplicate stage ids, ``days_overdue`` not strictly
    increasing (two stages with one threshold overlap), kinds out of escalation order.

    Examples:
        >>> [s.days_overdue for s in DEFAULT_POLICY.stages]
        [7, 21, 35, 50, 75]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = ""
    stages: tuple[DunningStage, ...]
    interest_law: LatePaymentLaw | None = None
    claim_compensation: bool = Field(
        default=True,
        description="Add the law's fixed compensation once per item, with its first interest.",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.stages:
            raise InvalidPolicy(
                f"dunning policy {self.id}: stages: give at least one", field="stages"
            )
        ids = [s.id for s in self.stages]
        if len(set(ids)) != len(ids):
            raise InvalidPolicy(
                f"dunning policy {self.id}: stages: duplicate stage id", field="stages"
            )
        for before, after in itertools.pairwise(self.stages):
            if after.days_overdue <= before.days_overdue:
                raise InvalidPolicy(
                    f"dunning policy {self.id}: stages: {after.id} at {after.days_overdue} days"
                    f" does not come after {before.id} at {before.days_overdue} days; thresholds"
                    " must strictly increase",
                    field="stages",
                )
            if _KIND_RANK[after.kind] < _KIND_RANK[before.kind]:
                raise InvalidPolicy(
                    f"dunning policy {self.id}: stages: {after.id} ({after.kind.value}) comes"
                    f" after {before.id} ({before.kind.value}); kinds must escalate",
                    field="stages",
                )
        if any(s.charge_interest for s in self.stages) and self.interest_law is None:
            raise InvalidPolicy(
                f"dunning policy {self.id}: interest_law: a stage charges interest; name the law",
                field="interest_law",
            )
        return self

    def stage_index(self, stage_id: str) -> int:
        """The 1-based level of ``stage_id``."""
        for i, s in enumerate(self.stages, start=1):
            if s.id == stage_id:
                return i
        raise InvalidPolicy(
            f"dunning policy {self.id}: unknown stage {stage_id!r}", field="stage_id"
        )


def _amounts(*texts: str) -> tuple[Money, ...]:
    return tuple(Money.parse(t) for t in texts)


DEFAULT_POLICY: Final = DunningPolicy(
    id="default",
    name="Standard B2B dunning",
    stages=(
        DunningStage(
            id="reminder",
            name="Friendly reminder",
            kind=StageKind.REMINDER,
            days_overdue=7,
            min_overdue_amount=_amounts("10 EUR", "10 USD", "10 GBP"),
            channel=Channel.EMAIL,
            template_id="reminder",
        ),
        DunningStage(
            id="second_reminder",
            name="Second reminder",
            kind=StageKind.SECOND_REMINDER,
            days_overdue=21,
            min_overdue_amount=_amounts("10 EUR", "10 USD", "10 GBP"),
            min_days_since_previous=10,
            channel=Channel.EMAIL,
            template_id="second_reminder",
        ),
        DunningStage(
            id="final_notice",
            name="Final notice",
            kind=StageKind.FINAL_NOTICE,
            days_overdue=35,
            min_overdue_amount=_amounts("50 EUR", "50 USD", "50 GBP"),
            min_days_since_previous=10,
            fee=_amounts("5 EUR", "5 USD", "5 GBP"),
            channel=Channel.LETTER,
            template_id="final_notice",
        ),
        DunningStage(
            id="suspension",
            name="Suspension of services",
            kind=StageKind.SUSPENSION,
            days_overdue=50,
            min_overdue_amount=_amounts("100 EUR", "100 USD", "100 GBP"),
            min_days_since_previous=10,
            channel=Channel.LETTER,
            template_id="suspension",
        ),
        DunningStage(
            id="legal",
            name="Handed to collection agency",
            kind=StageKind.LEGAL,
            days_overdue=75,
            min_overdue_amount=_amounts("250 EUR", "250 USD", "250 GBP"),
            min_days_since_previous=14,
            channel=Channel.LETTER,
            template_id="legal",
        ),
    ),
)
"""Five stages at 7 / 21 / 35 / 50 / 75 days overdue; a EUR/USD/GBP 5 fee on the final
notice; no interest (name an ``interest_law`` and set ``charge_interest`` to charge it)."""

KEY_ACCOUNT_POLICY: Final = DunningPolicy(
    id="key_account",
    name="Key accounts: a phone call before any letter, no suspension",
    stages=(
        DunningStage(
            id="reminder",
            name="Friendly reminder",
            kind=StageKind.REMINDER,
            days_overdue=10,
            min_overdue_amount=_amounts("100 EUR", "100 USD", "100 GBP"),
            channel=Channel.EMAIL,
            template_id="reminder",
        ),
        DunningStage(
            id="call",
            name="Call from the account manager",
            kind=StageKind.SECOND_REMINDER,
            days_overdue=30,
            min_overdue_amount=_amounts("100 EUR", "100 USD", "100 GBP"),
            min_days_since_previous=14,
            channel=Channel.PHONE_TASK,
            template_id="second_reminder",
        ),
        DunningStage(
            id="final_notice",
            name="Final notice",
            kind=StageKind.FINAL_NOTICE,
            days_overdue=60,
            min_overdue_amount=_amounts("500 EUR", "500 USD", "500 GBP"),
            min_days_since_previous=14,
            channel=Channel.LETTER,
            template_id="final_notice",
        ),
        DunningStage(
            id="legal",
            name="Handed to legal",
            kind=StageKind.LEGAL,
            days_overdue=120,
            min_overdue_amount=_amounts("500 EUR", "500 USD", "500 GBP"),
            min_days_since_previous=30,
            channel=Channel.LETTER,
            template_id="legal",
        ),
    ),
)
"""Key accounts: reminder at 10 days, a phone task at 30, final notice at 60, legal at 120."""

DEFAULT_POLICIES: Final[Mapping[str, DunningPolicy]] = {
    "default": DEFAULT_POLICY,
    "standard": DEFAULT_POLICY.model_copy(update={"id": "standard"}),
    "key_account": KEY_ACCOUNT_POLICY,
}
"""The policies a run uses when none are passed, by id."""


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------


class NoticeRecord(BaseModel):
    """One item dunned by one notice: what was sent, when, at which stage, and charged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notice_id: str
    customer_id: str
    document_id: str
    stage_id: str
    level: int = Field(ge=1)
    sent_on: date
    interest_charged: Money | None = None
    compensation_charged: Money | None = None


class DunningHistory(BaseModel):
    """The notices already sent, item by item. A value: applying a run returns a new one.

    Examples:
        >>> DunningHistory().level("C1", "INV-1")
        0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    records: tuple[NoticeRecord, ...] = ()

    @model_validator(mode="after")
    def _sort(self) -> Self:
        object.__setattr__(
            self,
            "records",
            tuple(
                sorted(
                    self.records,
                    key=lambda r: (r.customer_id, r.document_id, r.sent_on, r.level, r.notice_id),
                )
            ),
        )
        return self

    def for_item(self, customer_id: str, document_id: str) -> tuple[NoticeRecord, ...]:
        """The records of one item, oldest first."""
        return tuple(
            r for r in self.records if r.customer_id == customer_id and r.document_id == document_id
        )

    def for_customer(self, customer_id: str) -> tuple[NoticeRecord, ...]:
        """The records of one customer."""
        return tuple(r for r in self.records if r.customer_id == customer_id)

    def level(self, customer_id: str, document_id: str) -> int:
        """The highest stage an item has reached (0 = never dunned)."""
        return max((r.level for r in self.for_item(customer_id, document_id)), default=0)

    def last_sent(self, customer_id: str, document_id: str) -> date | None:
        """The date of the item's latest notice."""
        return max((r.sent_on for r in self.for_item(customer_id, document_id)), default=None)

    def customer_level(self, customer_id: str) -> int:
        """The highest stage any notice to the customer reached."""
        return max((r.level for r in self.for_customer(customer_id)), default=0)

    def with_records(self, records: Iterable[NoticeRecord]) -> DunningHistory:
        """A new history with ``records`` added."""
        return DunningHistory(records=(*self.records, *records))


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


class DunningSkip(BaseModel):
    """Something the run did not dun, and why (``reason`` is a stable code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    document_id: str | None = None
    reason: str
    detail: str


class ProposedItem(BaseModel):
    """An item a proposal covers: its amounts, how late it is, its level before and after."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    issue_date: date
    due_date: date
    days_overdue: int
    open_amount: Money
    disputed: Money
    dunned_amount: Money
    previous_level: int
    level: int
    interest: Money | None = None
    interest_to_date: Money | None = None
    compensation: Money | None = None
    reasons: tuple[str, ...] = ()


class DunningProposal(BaseModel):
    """The stage proposed for one customer and the items it covers, with the reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    policy_id: str
    stage_id: str
    stage_name: str
    kind: StageKind
    level: int
    previous_level: int
    channel: Channel
    template_id: str
    items: tuple[ProposedItem, ...]
    totals: tuple[Money, ...] = Field(description="Dunned amount per currency.")
    fees: tuple[Money, ...] = ()
    broken_promises: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def document_ids(self) -> tuple[str, ...]:
        """The ids of the items covered."""
        return tuple(i.document_id for i in self.items)


class NoticeItem(BaseModel):
    """One line of a dunning notice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    issue_date: date
    due_date: date
    days_overdue: int
    open_amount: Money
    dunned_amount: Money
    level: int
    interest: Money | None = None
    compensation: Money | None = None


class DunningNotice(BaseModel):
    """A notice to send (by the host): the customer, stage, items, fee and interest.

    ``interest`` on an item is what this notice charges: interest accrued to the notice
    date less what earlier notices already charged.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    customer_id: str
    issued_on: date
    policy_id: str
    stage_id: str
    stage_name: str
    kind: StageKind
    level: int
    channel: Channel
    template_id: str
    items: tuple[NoticeItem, ...]
    totals: tuple[Money, ...]
    fees: tuple[Money, ...] = ()

    def charges(self) -> tuple[Money, ...]:
        """Fees, interest and compensation per currency (what debit memos would post)."""
        totals: dict[str, Money] = {}
        amounts = [*self.fees]
        for item in self.items:
            amounts.extend(a for a in (item.interest, item.compensation) if a is not None)
        for m in amounts:
            totals[m.code] = totals[m.code] + m if m.code in totals else m
        return tuple(totals[c] for c in sorted(totals))

    def debit_memos(self) -> tuple[DebitMemo, ...]:
        """Debit memos for the host to post: one FEE memo per fee, one INTEREST memo per
        item with interest, one FEE memo per fixed compensation. Ids derive from the
        notice id, so posting twice is caught by the ledger as a duplicate.

        Examples:
            >>> notice = DunningNotice(id="DN-1", customer_id="C1", issued_on=date(2026, 3, 1),
            ...     policy_id="p", stage_id="s", stage_name="S", kind=StageKind.FINAL_NOTICE,
            ...     level=3, channel=Channel.LETTER, template_id="t", items=(),
            ...     totals=(), fees=(Money("5.00", "EUR"),))
            >>> [(m.id, m.reason.value, str(m.total)) for m in notice.debit_memos()]
            [('DN-1-FEE-EUR', 'fee', '5.00 EUR')]
        """
        memos: list[DebitMemo] = [
            DebitMemo(
                id=f"{self.id}-FEE-{fee.code}",
                customer_id=self.customer_id,
                issue_date=self.issued_on,
                total=fee,
                reason=DebitReason.FEE,
            )
            for fee in self.fees
            if fee.amount > 0
        ]
        for item in self.items:
            if item.interest is not None and item.interest.amount > 0:
                memos.append(
                    DebitMemo(
                        id=f"{self.id}-INT-{item.document_id}",
                        customer_id=self.customer_id,
                        issue_date=self.issued_on,
                        total=item.interest,
                        reason=DebitReason.INTEREST,
                        linked_document_id=item.document_id,
                    )
                )
            if item.compensation is not None and item.compensation.amount > 0:
                memos.append(
                    DebitMemo(
                        id=f"{self.id}-CMP-{item.document_id}",
                        customer_id=self.customer_id,
                        issue_date=self.issued_on,
                        total=item.compensation,
                        reason=DebitReason.FEE,
                        linked_document_id=item.document_id,
                    )
                )
        return tuple(memos)


class SuspendService(BaseModel):
    """Action for the host: suspend services for ``customer_id`` from ``from_date``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "suspend_service"
    customer_id: str
    from_date: date
    reason: str
    notice_id: str


class EscalateToLegal(BaseModel):
    """Action for the host: hand the customer's items to legal / a collection agency,
    with the evidence (items, notices sent before, promises broken)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "escalate_to_legal"
    customer_id: str
    on: date
    items: tuple[NoticeItem, ...]
    notices_sent: tuple[NoticeRecord, ...]
    promises_broken: tuple[str, ...]
    evidence: tuple[str, ...]
    notice_id: str


class DunningOutcome(BaseModel):
    """What applying a run gives: the notices, the new history and the actions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notices: tuple[DunningNotice, ...]
    history: DunningHistory
    actions: tuple[SuspendService | EscalateToLegal, ...] = ()


class DunningRun(BaseModel, Tabular):
    """A proposal: per customer the stage to send, and everything skipped with its reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    proposals: tuple[DunningProposal, ...]
    skips: tuple[DunningSkip, ...]
    history: DunningHistory

    def to_rows(self) -> list[dict[str, object]]:
        """One row per proposed item and per skip, for an auditor's table."""
        rows: list[dict[str, object]] = []
        for p in self.proposals:
            for item in p.items:
                rows.append(
                    {
                        "customer_id": p.customer_id,
                        "document_id": item.document_id,
                        "action": "dun",
                        "stage": p.stage_id,
                        "level": item.level,
                        "days_overdue": item.days_overdue,
                        "amount": item.dunned_amount.amount,
                        "currency": item.dunned_amount.code,
                        "reason": "; ".join(item.reasons),
                    }
                )
        for s in self.skips:
            rows.append(
                {
                    "customer_id": s.customer_id,
                    "document_id": s.document_id,
                    "action": "skip",
                    "stage": None,
                    "level": None,
                    "days_overdue": None,
                    "amount": None,
                    "currency": None,
                    "reason": f"{s.reason}: {s.detail}",
                }
            )
        return rows

    def apply(self) -> DunningOutcome:
        """The notices, new history and actions of this run (nothing is sent).

        Notice ids are ``DN-<customer>-<yyyymmdd>-<stage>``; each covered item gets a
        :class:`NoticeRecord` with the interest and compensation the notice charges.
        """
        notices: list[DunningNotice] = []
        records: list[NoticeRecord] = []
        actions: list[SuspendService | EscalateToLegal] = []
        for p in self.proposals:
            notice_id = f"DN-{p.customer_id}-{self.as_of:%Y%m%d}-{p.stage_id}"
            items = tuple(
                NoticeItem(
                    document_id=i.document_id,
                    issue_date=i.issue_date,
                    due_date=i.due_date,
                    days_overdue=i.days_overdue,
                    open_amount=i.open_amount,
                    dunned_amount=i.dunned_amount,
                    level=i.level,
                    interest=i.interest,
                    compensation=i.compensation,
                )
                for i in p.items
            )
            notice = DunningNotice(
                id=notice_id,
                customer_id=p.customer_id,
                issued_on=self.as_of,
                policy_id=p.policy_id,
                stage_id=p.stage_id,
                stage_name=p.stage_name,
                kind=p.kind,
                level=p.level,
                channel=p.channel,
                template_id=p.template_id,
                items=items,
                totals=p.totals,
                fees=p.fees,
            )
            notices.append(notice)
            records.extend(
                NoticeRecord(
                    notice_id=notice_id,
                    customer_id=p.customer_id,
                    document_id=i.document_id,
                    stage_id=p.stage_id,
                    level=i.level,
                    sent_on=self.as_of,
                    interest_charged=i.interest,
                    compensation_charged=i.compensation,
                )
                for i in p.items
            )
            if p.kind is StageKind.SUSPENSION:
                actions.append(
                    SuspendService(
                        customer_id=p.customer_id,
                        from_date=self.as_of,
                        reason=f"{p.stage_name}: {', '.join(p.document_ids)} overdue",
                        notice_id=notice_id,
                    )
                )
            elif p.kind is StageKind.LEGAL:
                sent = tuple(
                    r for r in self.history.for_customer(p.customer_id) if r.sent_on <= self.as_of
                )
                evidence = [
                    f"{r.sent_on.isoformat()} {r.notice_id}: {r.document_id} at stage {r.stage_id}"
                    for r in sorted(sent, key=lambda r: (r.sent_on, r.notice_id, r.document_id))
                ]
                evidence.extend(f"promise {pid} broken" for pid in p.broken_promises)
                evidence.extend(
                    f"{i.document_id}: {i.dunned_amount} open {i.days_overdue} days past due"
                    for i in items
                )
                actions.append(
                    EscalateToLegal(
                        customer_id=p.customer_id,
                        on=self.as_of,
                        items=items,
                        notices_sent=sent,
                        promises_broken=p.broken_promises,
                        evidence=tuple(evidence),
                        notice_id=notice_id,
                    )
                )
        return DunningOutcome(
            notices=tuple(notices),
            history=self.history.with_records(records),
            actions=tuple(actions),
        )


def _policy_for(
    customer_id: str,
    ledger: Ledger,
    policies: Mapping[str, DunningPolicy],
    default_policy_id: str,
) -> DunningPolicy:
    customer = ledger.customers.get(customer_id)
    wanted = customer.dunning_policy_id if customer and customer.dunning_policy_id else None
    key = wanted or default_policy_id
    policy = policies.get(key)
    if policy is None:
        raise InvalidPolicy(
            f"customer {customer_id}: dunning_policy_id: no policy {key!r} among"
            f" {sorted(policies)}",
            document_id=customer_id,
            field="dunning_policy_id" if wanted else "default_policy_id",
        )
    return policy


def _add(totals: dict[str, Money], m: Money) -> None:
    totals[m.code] = totals[m.code] + m if m.code in totals else m


def dunning_run(
    ledger: Ledger,
    *,
    as_of: date,
    policies: Mapping[str, DunningPolicy] | None = None,
    default_policy_id: str = "default",
    history: DunningHistory | None = None,
    reference_rates: ReferenceRates | None = None,
) -> DunningRun:
    """Propose the dunning notices due on ``as_of``: per customer a stage and its items.

    ``policies`` maps policy ids to policies (default: :data:`DEFAULT_POLICIES`); a
    customer's ``dunning_policy_id`` picks one, else ``default_policy_id``. ``history`` is
    what was sent before (notices dated after ``as_of`` are not counted).
    ``reference_rates`` feed the policy's interest law when a stage charges interest.
    The result is deterministic: customers and items sorted by id and
    date, whatever the order of the ledger's input.

    Examples:
        >>> from receivables.ledger import Ledger
        >>> from receivables.models import Customer, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...                          total="500.00 EUR")],
        ...                 customers=[Customer(id="C1", name="Acme", currency="EUR",
        ...                                     dunning_block=True)])
        >>> [(s.reason, s.customer_id) for s in dunning_run(ledger, as_of=date(2026, 3, 1)).skips]
        [('dunning_block', 'C1')]
    """
    policies = dict(policies) if policies is not None else dict(DEFAULT_POLICIES)
    history = history if history is not None else DunningHistory()
    # A replay as of an earlier day must not see the notices sent after it: they set
    # levels, "days since previous" and interest already charged that did not exist yet.
    known = DunningHistory(records=tuple(r for r in history.records if r.sent_on <= as_of))
    open_by_customer: dict[str, list[OpenItem]] = defaultdict(list)
    for item in ledger.open_items(as_of=as_of, include_credits=False):
        open_by_customer[item.customer_id].append(item)
    promises_by_customer: dict[str, list[PromiseToPay]] = defaultdict(list)
    for promise in ledger.promises:
        if promise.promised_on <= as_of:
            promises_by_customer[promise.customer_id].append(promise)

    proposals: list[DunningProposal] = []
    skips: list[DunningSkip] = []
    for customer_id in sorted(open_by_customer):
        items = sorted(open_by_customer[customer_id], key=lambda i: (i.due_date, i.id))
        overdue = [i for i in items if (as_of - i.due_date).days > 0]
        if not overdue:
            continue
        customer = ledger.customers.get(customer_id)
        if customer is not None and customer.dunning_block:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    reason="dunning_block",
                    detail=f"customer {customer_id} is blocked for dunning",
                )
            )
            continue
        policy = _policy_for(customer_id, ledger, policies, default_policy_id)
        proposal = _propose(
            ledger,
            customer_id,
            overdue,
            policy=policy,
            as_of=as_of,
            history=known,
            promises=promises_by_customer.get(customer_id, []),
            rates=reference_rates,
            skips=skips,
        )
        if proposal is not None:
            proposals.append(proposal)
    return DunningRun(
        as_of=as_of,
        proposals=tuple(proposals),
        skips=tuple(sorted(skips, key=lambda s: (s.customer_id, s.document_id or "", s.reason))),
        history=history,
    )


def _propose(
    ledger: Ledger,
    customer_id: str,
    overdue: list[OpenItem],
    *,
    policy: DunningPolicy,
    as_of: date,
    history: DunningHistory,
    promises: list[PromiseToPay],
    rates: ReferenceRates | None,
    skips: list[DunningSkip],
) -> DunningProposal | None:
    stages = policy.stages
    protected: dict[str, str] = {}
    broken: list[str] = []
    for promise in promises:
        status = evaluate_promise(promise, ledger, as_of=as_of).status
        if status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT):
            broken.append(promise.id)
            continue
        for doc_id in promise_documents(promise, ledger):
            protected.setdefault(
                doc_id, f"promise {promise.id} {status.value} (pay by {promise.pay_by.isoformat()})"
            )
    escalating: list[tuple[OpenItem, int, int, Money, Money, list[str]]] = []
    for item in overdue:
        days = (as_of - item.due_date).days
        disputed = ledger.disputed_amount(item.id, as_of=as_of)
        dunnable = item.open - disputed
        if dunnable.amount <= 0:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    document_id=item.id,
                    reason="disputed",
                    detail=f"{item.id}: all {item.open} open is under dispute",
                )
            )
            continue
        if item.id in protected:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    document_id=item.id,
                    reason="promise_to_pay",
                    detail=f"{item.id}: {protected[item.id]}",
                )
            )
            continue
        current = history.level(customer_id, item.id)
        reached = sum(1 for s in stages if s.days_overdue <= days)
        target = min(reached, current + 1)
        if target <= current:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    document_id=item.id,
                    reason="no_next_stage",
                    detail=f"{item.id}: {days} days overdue, already at level {current}"
                    + (
                        f" ({stages[current - 1].id})"
                        if current
                        else f"; first stage needs {stages[0].days_overdue} days"
                    ),
                )
            )
            continue
        stage = stages[target - 1]
        last = history.last_sent(customer_id, item.id)
        if last is not None and (as_of - last).days < stage.min_days_since_previous:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    document_id=item.id,
                    reason="too_soon",
                    detail=f"{item.id}: {(as_of - last).days} days since the notice of"
                    f" {last.isoformat()}; {stage.id} needs {stage.min_days_since_previous}",
                )
            )
            continue
        reasons = [
            f"{days} days overdue >= {stage.days_overdue} for {stage.id};"
            f" level {current} -> {target}"
        ]
        if disputed.amount > 0:
            reasons.append(f"{disputed} under dispute left out")
        escalating.append((item, current, target, disputed, dunnable, reasons))
    if not escalating:
        return None
    level = max(t for _, _, t, _, _, _ in escalating)
    stage = stages[level - 1]
    totals: dict[str, Money] = {}
    for _, _, _, _, dunnable, _ in escalating:
        _add(totals, dunnable)
    if all(totals[c] < stage.minimum_in(c) for c in totals):
        for item, *_ in escalating:
            skips.append(
                DunningSkip(
                    customer_id=customer_id,
                    document_id=item.id,
                    reason="under_threshold",
                    detail=f"{customer_id}: overdue "
                    + ", ".join(str(totals[c]) for c in sorted(totals))
                    + f" is under the {stage.id} minimum "
                    + ", ".join(str(stage.minimum_in(c)) for c in sorted(totals)),
                )
            )
        return None
    proposed: list[ProposedItem] = []
    for item, current, target, disputed, dunnable, reasons in escalating:
        interest = interest_to_date = compensation = None
        charges = any(s.charge_interest for s in stages[:target])
        if charges and policy.interest_law is not None and not earns_interest(item.document):
            reasons.append(
                f"no interest on {item.id}: it charges interest or a fee itself (BGB § 289)"
            )
        elif charges and policy.interest_law is not None:
            result = late_payment_interest(
                ledger, item.id, as_of=as_of, law=policy.interest_law, rates=rates
            )
            interest_to_date = result.interest
            charged = [
                r.interest_charged
                for r in history.for_item(customer_id, item.id)
                if r.interest_charged is not None
            ]
            already = sum(charged, Money.zero(result.interest.code))
            interest = result.interest - already
            reasons.append(
                f"interest {result.interest} to {as_of.isoformat()} under {policy.interest_law.id}"
                + (f", {already} charged before" if charged else "")
            )
            claimed = any(
                r.compensation_charged is not None for r in history.for_item(customer_id, item.id)
            )
            if policy.claim_compensation and result.compensation is not None and not claimed:
                compensation = result.compensation
                reasons.append(
                    f"fixed compensation {compensation} ({policy.interest_law.citation})"
                )
        proposed.append(
            ProposedItem(
                document_id=item.id,
                issue_date=item.issue_date,
                due_date=item.due_date,
                days_overdue=(as_of - item.due_date).days,
                open_amount=item.open,
                disputed=disputed,
                dunned_amount=dunnable,
                previous_level=current,
                level=target,
                interest=interest,
                interest_to_date=interest_to_date,
                compensation=compensation,
                reasons=tuple(reasons),
            )
        )
    fees = tuple(f for c in sorted(totals) if (f := stage.fee_in(c)) is not None)
    previous = history.customer_level(customer_id)
    reasons = [
        f"policy {policy.id}: stage {stage.id} ({level} of {len(stages)}), the highest level"
        f" among {len(proposed)} item(s)",
        "overdue " + ", ".join(str(totals[c]) for c in sorted(totals)),
    ]
    if broken:
        reasons.append("broken promise(s) " + ", ".join(sorted(broken)) + ": dunning resumes")
    return DunningProposal(
        customer_id=customer_id,
        policy_id=policy.id,
        stage_id=stage.id,
        stage_name=stage.name,
        kind=stage.kind,
        level=level,
        previous_level=previous,
        channel=stage.channel,
        template_id=stage.template_id,
        items=tuple(proposed),
        totals=tuple(totals[c] for c in sorted(totals)),
        fees=fees,
        broken_promises=tuple(sorted(broken)),
        reasons=tuple(reasons),
    )
