"""Partial disputes: a disputed part of an invoice is held back; the rest is collected.

A customer disputes an **amount** of an invoice, or some of its **lines**, with a reason code
and a date (:class:`~receivables.models.Dispute`). From that date the disputed part is not
collectable: dunning skips it (:func:`~receivables.dunning.dunning_run` reads
``Ledger.disputed_amount``) and it earns no interest
(:func:`~receivables.interest.balance_schedule`, :func:`~receivables.accrual.accrue_interest`);
the rest of the invoice is dunned and earns interest as usual.

* :func:`dispute_lines` builds a dispute of some lines (their gross amount by default);
* :func:`open_dispute` checks a dispute against what is open on its date and records it;
  a dispute larger than the open amount (less what is already disputed) is a
  :class:`DisputeExceedsOpenAmount` naming the document, the date and the field;
* :func:`collectable_split` shows per document the open, disputed and collectable parts on
  a date, with totals per currency;
* :func:`resolve_dispute` turns a resolution into a record: a credit memo issued (the
  customer was right), upheld in part (a credit memo for the upheld part), withdrawn or
  rejected (nothing credited). The record says whether the item **closes** (nothing left
  open) or **resumes** (the rest is collectable again) and carries the credit memo and its
  application for the host to post; :func:`apply_resolution` posts them in one step.

Examples:
    >>> from datetime import date
    >>> from receivables.models import Invoice
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...                          terms="NET 30", total="1000.00 EUR")])
    >>> d = Dispute(id="D1", customer_id="C1", document_id="INV-1", amount="300.00 EUR",
    ...             reason_code="damaged", opened_on=date(2026, 2, 1))
    >>> ledger = open_dispute(ledger, d)
    >>> row = collectable_split(ledger, as_of=date(2026, 2, 15)).items[0]
    >>> row.disputed, row.collectable
    (Money('300.00', 'EUR'), Money('700.00', 'EUR'))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from receivables.errors import CurrencyMismatch, InvalidDocument, ReceivablesError
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    CreditReason,
    DebitMemo,
    Dispute,
    DisputeResolution,
    Invoice,
)
from receivables.money import Money

__all__ = [
    "CollectableReport",
    "CollectableSplitItem",
    "DisputeExceedsOpenAmount",
    "DisputeResolutionRecord",
    "InvalidDisputeInput",
    "apply_resolution",
    "collectable_split",
    "dispute_lines",
    "open_dispute",
    "resolve_dispute",
]


class InvalidDisputeInput(ReceivablesError, ValueError):
    """A dispute or resolution that does not fit its document (lines, dates, amounts)."""


class DisputeExceedsOpenAmount(InvalidDisputeInput):
    """A dispute larger than what is open (and not already disputed) on its date."""


def _debit(ledger: Ledger, document_id: str, field: str) -> Invoice | DebitMemo:
    doc = ledger.document(document_id)
    if not isinstance(doc, (Invoice, DebitMemo)):
        raise InvalidDisputeInput(
            f"{document_id}: {field}: a {doc.kind} cannot be disputed; only invoices and"
            " debit memos",
            document_id=document_id,
            field=field,
        )
    return doc


def dispute_lines(
    document: Invoice | DebitMemo,
    line_ids: Iterable[str],
    *,
    dispute_id: str,
    reason_code: str,
    opened_on: date,
    amount: Money | None = None,
    owner: str | None = None,
    note: str | None = None,
) -> Dispute:
    """A dispute of some lines of ``document``: their gross amount, or less (``amount``).

    Examples:
        >>> from receivables.models import InvoiceLine, TaxLine
        >>> inv = Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 1, 5), lines=[
        ...     InvoiceLine(id="L1", unit_price="100.00 EUR",
        ...                 taxes=[TaxLine(jurisdiction="DE", rate=19)]),
        ...     InvoiceLine(id="L2", unit_price="50.00 EUR")])
        >>> dispute_lines(inv, ["L1"], dispute_id="D2", reason_code="wrong_price",
        ...               opened_on=date(2026, 2, 1)).amount
        Money('119.00', 'EUR')
    """
    wanted = tuple(sorted(set(line_ids)))
    by_id = {line.id: line for line in document.lines}
    if not wanted:
        raise InvalidDisputeInput(
            f"{document.id} on {opened_on.isoformat()}: line_ids: name at least one line",
            document_id=document.id,
            field="line_ids",
        )
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise InvalidDisputeInput(
            f"{document.id} on {opened_on.isoformat()}: line_ids: no line {unknown[0]!r} on"
            " this document",
            document_id=document.id,
            field="line_ids",
        )
    gross = sum((by_id[i].gross for i in wanted), Money.zero(document.amount.code))
    if amount is not None and amount > gross:
        raise DisputeExceedsOpenAmount(
            f"{document.id} on {opened_on.isoformat()}: amount: {amount} is more than the"
            f" disputed lines' gross {gross}",
            document_id=document.id,
            field="amount",
        )
    return Dispute(
        id=dispute_id,
        customer_id=document.customer_id,
        document_id=document.id,
        amount=amount if amount is not None else gross,
        reason_code=reason_code,
        opened_on=opened_on,
        line_ids=wanted,
        owner=owner,
        note=note,
    )


def open_dispute(ledger: Ledger, dispute: Dispute) -> Ledger:
    """A new ledger with ``dispute`` recorded, after checking it against the open amount.

    On the dispute's date, its amount must not exceed the document's open amount less the
    amount other disputes already hold; its lines must exist on the document.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")])
        >>> open_dispute(ledger, Dispute(id="D", customer_id="C", document_id="I",
        ...     amount="150.00 EUR", reason_code="x", opened_on=date(2026, 1, 2)))
        Traceback (most recent call last):
        ...
        receivables.disputes.DisputeExceedsOpenAmount: I on 2026-01-02: amount: dispute D ...
    """
    doc = _debit(ledger, dispute.document_id, "document_id")
    on = dispute.opened_on
    if dispute.amount.code != doc.amount.code:
        raise CurrencyMismatch(
            f"{doc.id} on {on.isoformat()}: amount: dispute {dispute.id} is in"
            f" {dispute.amount.code}, the document in {doc.amount.code}",
            document_id=doc.id,
            field="amount",
        )
    lines = {line.id for line in doc.lines}
    for line_id in dispute.line_ids:
        if line_id not in lines:
            raise InvalidDisputeInput(
                f"{doc.id} on {on.isoformat()}: line_ids: no line {line_id!r} on this document",
                document_id=doc.id,
                field="line_ids",
            )
    open_now = ledger.open_amount(doc.id, as_of=on)
    others = [
        d
        for d in ledger.disputes
        if d.document_id == doc.id and d.id != dispute.id and d.is_open(on)
    ]
    held = sum((d.amount for d in others), Money.zero(doc.amount.code))
    if dispute.amount > open_now - held:
        raise DisputeExceedsOpenAmount(
            f"{doc.id} on {on.isoformat()}: amount: dispute {dispute.id} of {dispute.amount} is"
            f" more than the open amount {open_now} less {held} already disputed",
            document_id=doc.id,
            field="amount",
        )
    return ledger.with_records(disputes=[dispute])


class CollectableSplitItem(BaseModel):
    """One debit document on a date: open, under dispute, and collectable (open - disputed).

    This is the library's one collectable rule (``disputed`` is
    :meth:`~receivables.ledger.Ledger.disputed_amount`: the open disputes, capped at the open
    amount). :class:`receivables.collections.CollectableItem` builds on it, setting whole
    items aside for running promises and blocked customers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    customer_id: str
    due_date: date
    open: Money
    disputed: Money
    collectable: Money
    dispute_ids: tuple[str, ...] = ()


class CollectableReport(BaseModel):
    """Collectable and disputed parts of every open debit document on ``as_of``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    items: tuple[CollectableSplitItem, ...]
    collectable: tuple[Money, ...] = Field(description="Total collectable per currency.")
    disputed: tuple[Money, ...] = Field(description="Total disputed per currency.")

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per document."""
        return [
            {
                "document_id": i.document_id,
                "customer_id": i.customer_id,
                "due_date": i.due_date,
                "open": i.open.amount,
                "disputed": i.disputed.amount,
                "collectable": i.collectable.amount,
                "currency": i.open.code,
                "dispute_ids": ",".join(i.dispute_ids),
            }
            for i in self.items
        ]


def collectable_split(
    ledger: Ledger, *, as_of: date, customer_id: str | None = None
) -> CollectableReport:
    """Per open debit document on ``as_of``: open, disputed (capped at open), collectable.

    ``disputed`` is :meth:`~receivables.ledger.Ledger.disputed_amount` and
    ``collectable = open - disputed``. Items come by customer, issue date and id (the
    ledger's order of open items); totals are per currency, sorted by code.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")])
        >>> collectable_split(ledger, as_of=date(2026, 1, 2)).collectable
        (Money('100.00', 'EUR'),)
    """
    items: list[CollectableSplitItem] = []
    totals: dict[str, tuple[Money, Money]] = {}
    for item in ledger.open_items(as_of=as_of, customer_id=customer_id, include_credits=False):
        disputed = ledger.disputed_amount(item.id, as_of=as_of)
        ids = tuple(
            sorted(d.id for d in ledger.disputes if d.document_id == item.id and d.is_open(as_of))
        )
        collectable = item.open - disputed
        items.append(
            CollectableSplitItem(
                document_id=item.id,
                customer_id=item.customer_id,
                due_date=item.due_date,
                open=item.open,
                disputed=disputed,
                collectable=collectable,
                dispute_ids=ids,
            )
        )
        c, d = totals.get(item.open.code, (Money.zero(item.open.code), Money.zero(item.open.code)))
        totals[item.open.code] = (c + collectable, d + disputed)
    codes = sorted(totals)
    return CollectableReport(
        as_of=as_of,
        items=tuple(items),
        collectable=tuple(totals[c][0] for c in codes),
        disputed=tuple(totals[c][1] for c in codes),
    )


class DisputeResolutionRecord(BaseModel):
    """What resolving a dispute does: the resolved dispute, what is credited, and whether the
    item closes or resumes collection."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dispute: Dispute
    outcome: Literal["closed", "resumed"]
    credited: Money
    resumed: Money = Field(description="Part of the disputed amount collectable again.")
    open_after: Money = Field(description="The document's open amount after the credit.")
    credit_memo: CreditMemo | None = None
    application: Application | None = None
    reasons: tuple[str, ...] = ()


_CREDITING = {
    DisputeResolution.CREDIT_MEMO,
    DisputeResolution.REBILL,
    DisputeResolution.UPHELD_IN_PART,
}


def resolve_dispute(
    ledger: Ledger,
    dispute_id: str,
    *,
    on: date,
    resolution: DisputeResolution,
    upheld: Money | None = None,
    credit_memo_id: str | None = None,
    note: str | None = None,
) -> DisputeResolutionRecord:
    """The record of resolving dispute ``dispute_id`` on ``on``.

    * ``credit_memo`` / ``rebill``: the customer was right; a credit memo for ``upheld``
      (default: the whole disputed amount) is applied to the document.
    * ``upheld_in_part``: ``upheld`` (required, less than the disputed amount) is credited;
      the rest of the disputed part is collectable again.
    * ``withdrawn`` / ``rejected``: nothing is credited; the disputed part is collectable
      again (dunning resumes, interest runs again from the day after).

    The item **closes** when nothing is left open after the credit, else it **resumes**.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")], disputes=[Dispute(id="D",
        ...     customer_id="C", document_id="I", amount="40.00 EUR", reason_code="x",
        ...     opened_on=date(2026, 1, 2))])
        >>> r = resolve_dispute(ledger, "D", on=date(2026, 2, 1),
        ...     resolution=DisputeResolution.UPHELD_IN_PART, upheld=Money("10.00", "EUR"))
        >>> r.outcome, r.credited, r.resumed, r.open_after
        ('resumed', Money('10.00', 'EUR'), Money('30.00', 'EUR'), Money('90.00', 'EUR'))
    """
    found = [d for d in ledger.disputes if d.id == dispute_id]
    if not found:
        raise InvalidDisputeInput(
            f"dispute {dispute_id!r}: dispute_id: not recorded in the ledger on {on.isoformat()}",
            document_id=dispute_id,
            field="dispute_id",
        )
    dispute = found[0]
    doc = _debit(ledger, dispute.document_id, "document_id")
    where = f"{doc.id} on {on.isoformat()}"
    if dispute.resolved_on is not None:
        raise InvalidDisputeInput(
            f"{where}: resolution: dispute {dispute.id} was already resolved on"
            f" {dispute.resolved_on.isoformat()}",
            document_id=doc.id,
            field="resolution",
        )
    if on < dispute.opened_on:
        raise InvalidDisputeInput(
            f"{where}: resolved_on: before dispute {dispute.id} was opened on"
            f" {dispute.opened_on.isoformat()}",
            document_id=doc.id,
            field="resolved_on",
        )
    code = doc.amount.code
    if upheld is not None and upheld.code != code:
        raise CurrencyMismatch(
            f"{where}: upheld: is in {upheld.code}, the document in {code}",
            document_id=doc.id,
            field="upheld",
        )
    if resolution in _CREDITING:
        credited = upheld if upheld is not None else dispute.amount
        if resolution is DisputeResolution.UPHELD_IN_PART and (
            upheld is None or not Money.zero(code) < upheld < dispute.amount
        ):
            raise InvalidDisputeInput(
                f"{where}: upheld: a dispute upheld in part needs an upheld amount between 0"
                f" and the disputed {dispute.amount}",
                document_id=doc.id,
                field="upheld",
            )
    else:
        if upheld is not None:
            raise InvalidDisputeInput(
                f"{where}: upheld: a {resolution.value} dispute credits nothing",
                document_id=doc.id,
                field="upheld",
            )
        credited = Money.zero(code)
    open_now = ledger.open_amount(doc.id, as_of=on)
    if credited > dispute.amount or credited > open_now:
        raise DisputeExceedsOpenAmount(
            f"{where}: upheld: {credited} is more than the disputed {dispute.amount} or the"
            f" open amount {open_now}",
            document_id=doc.id,
            field="upheld",
        )
    resolved = dispute.resolve(on=on, resolution=resolution, note=note)
    memo: CreditMemo | None = None
    application: Application | None = None
    reasons = [f"dispute {dispute.id} ({dispute.reason_code}) resolved: {resolution.value}"]
    if credited.amount > 0:
        memo = CreditMemo(
            id=credit_memo_id or f"CM-{dispute.id}",
            customer_id=doc.customer_id,
            issue_date=on,
            amount=credited,
            reason=CreditReason.DISPUTE,
            linked_document_id=doc.id,
        )
        application = Application(
            id=f"APP-{memo.id}",
            source_id=memo.id,
            target_id=doc.id,
            applied_on=on,
            amount=credited,
            reason=f"dispute {dispute.id} resolved: {resolution.value}",
        )
        reasons.append(f"credit memo {memo.id} of {credited} applied to {doc.id}")
    open_after = open_now - credited
    resumed = min(dispute.amount - credited, open_after)
    outcome: Literal["closed", "resumed"] = "closed" if open_after.amount == 0 else "resumed"
    if outcome == "closed":
        reasons.append(f"{doc.id} has nothing left open: the item closes")
    else:
        reasons.append(
            f"{doc.id} keeps {open_after} open, of which {resumed} was disputed: collection resumes"
        )
    return DisputeResolutionRecord(
        dispute=resolved,
        outcome=outcome,
        credited=credited,
        resumed=resumed,
        open_after=open_after,
        credit_memo=memo,
        application=application,
        reasons=tuple(reasons),
    )


def apply_resolution(ledger: Ledger, record: DisputeResolutionRecord) -> Ledger:
    """A new ledger with the record's credit memo posted and applied, and the dispute
    replaced by its resolved value; on any error nothing is applied.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")], disputes=[Dispute(id="D",
        ...     customer_id="C", document_id="I", amount="40.00 EUR", reason_code="x",
        ...     opened_on=date(2026, 1, 2))])
        >>> r = resolve_dispute(ledger, "D", on=date(2026, 2, 1),
        ...                     resolution=DisputeResolution.CREDIT_MEMO)
        >>> apply_resolution(ledger, r).open_amount("I", as_of=date(2026, 2, 1))
        Money('60.00', 'EUR')
    """
    if record.credit_memo is not None and record.application is not None:
        if record.credit_memo.id in ledger:
            raise InvalidDocument(
                f"{record.dispute.document_id}: credit_memo: {record.credit_memo.id} is already"
                " posted",
                document_id=record.dispute.document_id,
                field="credit_memo",
            )
        ledger = ledger.add([record.credit_memo]).apply([record.application])
    return ledger.with_records(disputes=[record.dispute])
