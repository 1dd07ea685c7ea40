"""The ledger: posted documents and the movements between them, queried as of any date.

A :class:`Ledger` is an immutable value. It holds debit documents (invoices, debit
memos), credit documents (payments, credit memos) and movements (applications,
write-offs, refunds), and answers "what was open on this date?" for any date: a
movement dated after ``as_of`` does not count, a document issued after it does not
exist yet. :meth:`Ledger.apply` validates a batch of movements as a whole and returns a
new ledger, or raises and leaves nothing half-applied.

Open amounts are signed: a debit document's open amount is what is still owed
(positive); a credit's is the credit not yet used (negative). A customer's balance is
the sum of its open amounts.

>>> from datetime import date
>>> from receivables.models import Application, Invoice, Payment
>>> ledger = Ledger([
...     Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
...             terms="NET 30", total="500.00 EUR"),
...     Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 2, 1),
...             amount="200.00 EUR"),
... ])
>>> ledger = ledger.apply([Application(id="A1", source_id="PAY-1", target_id="INV-1",
...                                    applied_on=date(2026, 2, 1), amount="200.00 EUR")])
>>> ledger.open_amount("INV-1", as_of=date(2026, 1, 31))
Money('500.00', 'EUR')
>>> ledger.open_amount("INV-1", as_of=date(2026, 2, 1))
Money('300.00', 'EUR')
>>> ledger.balance("C1", as_of=date(2026, 2, 28))
Money('300.00', 'EUR')
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from receivables.errors import (
    ConflictingApplication,
    CurrencyMismatch,
    DuplicateDocument,
    InvalidApplication,
    InvalidDocument,
    OverApplication,
    UnknownDocument,
)
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    DebitMemo,
    Dispute,
    Document,
    Invoice,
    Payment,
    ProformaInvoice,
    PromiseToPay,
    Refund,
    WriteOff,
)
from receivables.money import FIXED_CONTEXT, CurrencyCode, FxRates, Money

__all__ = [
    "Ledger",
    "LedgerData",
    "Movement",
    "OpenItem",
    "document_date",
    "is_debit",
    "movement_date",
    "reductions",
]

Movement = Application | WriteOff | Refund
"""Anything that moves an amount off a document."""

DebitDocument = Invoice | DebitMemo
CreditDocument = Payment | CreditMemo


def is_debit(document: Document) -> bool:
    """True for invoices and debit memos (owed by the customer), False for credits."""
    return isinstance(document, (Invoice, DebitMemo))


def document_date(document: Document) -> date:
    """The date a document enters the ledger: issue date, or receipt date for a payment."""
    return document.received_on if isinstance(document, Payment) else document.issue_date


def movement_date(movement: Movement) -> date:
    """The date a movement takes effect: applied, written off or paid on."""
    if isinstance(movement, Application):
        return movement.applied_on
    if isinstance(movement, WriteOff):
        return movement.written_off_on
    return movement.paid_on


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A document with an open amount on a date. ``open`` is signed (credits negative)."""

    document: Document
    open: Money
    original: Money

    @property
    def id(self) -> str:
        """The document id."""
        return self.document.id

    @property
    def customer_id(self) -> str:
        """The customer the item belongs to."""
        customer = self.document.customer_id
        assert customer is not None
        return customer

    @property
    def is_credit(self) -> bool:
        """True for unapplied cash and unused credit memos."""
        return not is_debit(self.document)

    @property
    def due_date(self) -> date:
        """The due date of a debit; a credit's own date."""
        doc = self.document
        return doc.due if isinstance(doc, (Invoice, DebitMemo)) else document_date(doc)

    @property
    def issue_date(self) -> date:
        """The document's date."""
        return document_date(self.document)


class _Track:
    """Dated reductions of one document, for as-of lookups by bisection."""

    __slots__ = ("cumulative", "dates", "pending")

    def __init__(self) -> None:
        self.pending: list[tuple[date, Decimal]] = []
        self.dates: list[date] = []
        self.cumulative: list[Decimal] = []

    def seal(self) -> None:
        self.pending.sort(key=lambda p: p[0])
        total = Decimal(0)
        for when, amount in self.pending:
            total = FIXED_CONTEXT.add(total, amount)
            if self.dates and self.dates[-1] == when:
                self.cumulative[-1] = total
            else:
                self.dates.append(when)
                self.cumulative.append(total)
        self.pending = []

    def reduced_by(self, as_of: date | None) -> Decimal:
        if not self.cumulative:
            return Decimal(0)
        if as_of is None:
            return self.cumulative[-1]
        i = bisect.bisect_right(self.dates, as_of)
        return self.cumulative[i - 1] if i else Decimal(0)


_AnyDocument = Annotated[Invoice | DebitMemo | CreditMemo | Payment, Field(discriminator="kind")]
_AnyMovement = Annotated[Application | WriteOff | Refund, Field(discriminator="kind")]


class LedgerData(BaseModel):
    """The serialisable content of a ledger (what :meth:`Ledger.to_json` writes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["receivables.ledger/1"] = "receivables.ledger/1"
    functional_currency: CurrencyCode | None = None
    customers: tuple[Customer, ...] = ()
    documents: tuple[_AnyDocument, ...] = ()
    movements: tuple[_AnyMovement, ...] = ()
    promises: tuple[PromiseToPay, ...] = ()
    disputes: tuple[Dispute, ...] = ()


class Ledger:
    """Posted documents, the movements between them, and the collection records.

    Construction checks everything a ledger promises: unique ids, known customers (when
    customers are given), no proforma or unidentified cash, movements that touch known
    documents of the right kind, in the right currency, not before the documents exist,
    and never beyond their amounts. Any failure raises and builds nothing.

    Args:
        documents: invoices, debit memos, credit memos and payments, in any order.
        customers: the customer accounts; when given, every document must name one.
        movements: applications, write-offs and refunds.
        promises: promises to pay.
        disputes: disputes of documents.
        functional_currency: the currency the books are kept in, when there is one.
    """

    __slots__ = (
        "_by_doc",
        "_customers",
        "_disputes",
        "_disputes_of",
        "_docs",
        "_functional_currency",
        "_movements",
        "_promises",
        "_tracks",
    )

    def __init__(
        self,
        documents: Iterable[Document] = (),
        *,
        customers: Iterable[Customer] = (),
        movements: Iterable[Movement] = (),
        promises: Iterable[PromiseToPay] = (),
        disputes: Iterable[Dispute] = (),
        functional_currency: str | None = None,
    ) -> None:
        self._functional_currency = (
            Money.zero(functional_currency).code if functional_currency is not None else None
        )
        self._customers = _unique_by_id(customers, "customer")
        self._docs: dict[str, Document] = {}
        for doc in documents:
            self._add_document(doc)
        self._movements: dict[str, Movement] = {}
        self._tracks: dict[str, _Track] = {}
        self._by_doc: dict[str, list[Movement]] = defaultdict(list)
        self._add_movements(movements)
        self._promises = _unique_by_id(promises, "promise")
        self._disputes = _unique_by_id(disputes, "dispute")
        self._disputes_of: dict[str, list[Dispute]] = defaultdict(list)
        for dispute in self._disputes.values():
            self._disputes_of[dispute.document_id].append(dispute)
        for promise in self._promises.values():
            self._check_record(promise)
        for dispute in self._disputes.values():
            self._check_record(dispute)

    # -- construction --------------------------------------------------------------------
    def _add_document(self, doc: Document) -> None:
        if isinstance(doc, ProformaInvoice):
            raise InvalidDocument(
                f"proforma {doc.id}: a proforma invoice is never posted; convert it with"
                " to_invoice() first",
                document_id=doc.id,
            )
        if not isinstance(doc, (Invoice, DebitMemo, CreditMemo, Payment)):
            raise InvalidDocument(f"not a ledger document: {type(doc).__name__}")
        if doc.customer_id is None:
            raise InvalidDocument(
                f"payment {doc.id}: customer_id: unidentified cash cannot be posted; match the"
                " payer to a customer first",
                document_id=doc.id,
                field="customer_id",
            )
        if self._customers and doc.customer_id not in self._customers:
            raise UnknownDocument(
                f"{doc.kind} {doc.id}: customer_id: unknown customer {doc.customer_id!r}",
                document_id=doc.id,
                field="customer_id",
            )
        if (
            doc.amount.code == self._functional_currency
            and doc.functional_rate is not None
            and doc.functional_rate != 1
        ):
            raise InvalidDocument(
                f"{doc.kind} {doc.id}: functional_rate: {doc.functional_rate} on a document"
                f" already in the functional currency {doc.amount.code}; it must be 1 or absent",
                document_id=doc.id,
                field="functional_rate",
            )
        existing = self._docs.get(doc.id)
        if existing is not None:
            if existing == doc:
                return
            raise DuplicateDocument(
                f"{doc.kind} {doc.id}: id: another document already has this id",
                document_id=doc.id,
                field="id",
            )
        self._docs[doc.id] = doc

    def _add_movements(self, movements: Iterable[Movement]) -> None:
        fresh: list[Movement] = []
        batch: dict[str, Movement] = {}
        for m in movements:
            known = self._movements.get(m.id) or batch.get(m.id)
            if known is not None:
                if known == m:
                    continue
                raise ConflictingApplication(
                    f"{m.kind} {m.id}: id: already used by a different {known.kind};"
                    " an id names one movement forever",
                    document_id=m.id,
                    field="id",
                )
            batch[m.id] = m
            fresh.append(m)
        used: dict[str, Decimal] = defaultdict(Decimal)
        for m in sorted(fresh, key=lambda m: m.id):
            self._check_movement(m, used)
        for m in fresh:
            self._movements[m.id] = m
            for doc_id, amount in reductions(m):
                self._by_doc[doc_id].append(m)
                track = self._tracks.get(doc_id)
                if track is None:
                    track = self._tracks[doc_id] = _Track()
                track.pending.append((movement_date(m), amount))
        for track in self._tracks.values():
            if track.pending:
                track.seal()

    def _doc(self, doc_id: str, movement: Movement, field: str) -> Document:
        doc = self._docs.get(doc_id)
        if doc is None:
            raise UnknownDocument(
                f"{movement.kind} {movement.id}: {field}: unknown document {doc_id!r}",
                document_id=movement.id,
                field=field,
            )
        return doc

    def _check_movement(self, m: Movement, used: dict[str, Decimal]) -> None:
        when = movement_date(m)
        touched: list[tuple[Document, str, Decimal]] = []
        if isinstance(m, Application):
            source = self._doc(m.source_id, m, "source_id")
            target = self._doc(m.target_id, m, "target_id")
            if is_debit(source):
                raise InvalidApplication(
                    f"application {m.id}: source_id: {source.kind} {source.id} is not a payment"
                    " or credit memo",
                    document_id=m.id,
                    field="source_id",
                )
            if not is_debit(target):
                raise InvalidApplication(
                    f"application {m.id}: target_id: {target.kind} {target.id} is not an"
                    " invoice or debit memo",
                    document_id=m.id,
                    field="target_id",
                )
            self._check_parties(m, source, target)
            target_money = target.amount
            source_money = source.amount
            if m.amount.code != target_money.code:
                raise CurrencyMismatch(
                    f"application {m.id}: amount: is in {m.amount.code} but {target.id} is in"
                    f" {target_money.code}; amounts are in the target's currency",
                    document_id=m.id,
                    field="amount",
                )
            if source_money.code != target_money.code:
                if m.source_amount is None or m.source_amount.code != source_money.code:
                    raise CurrencyMismatch(
                        f"application {m.id}: source_amount: {source.id} is in"
                        f" {source_money.code} and {target.id} in {target_money.code}; give"
                        f" source_amount in {source_money.code} (the rate applied)",
                        document_id=m.id,
                        field="source_amount",
                    )
            elif m.source_amount is not None and m.source_amount != m.amount:
                raise InvalidApplication(
                    f"application {m.id}: source_amount: {m.source_amount} differs from amount"
                    f" {m.amount} in the same currency",
                    document_id=m.id,
                    field="source_amount",
                )
            touched = [
                (target, "target_id", m.settled.amount),
                (source, "source_id", m.used.amount),
            ]
        elif isinstance(m, WriteOff):
            doc = self._doc(m.document_id, m, "document_id")
            touched = [(doc, "document_id", m.amount.amount)]
            self._check_currency(m, doc, m.amount)
        else:
            source = self._doc(m.source_id, m, "source_id")
            if is_debit(source):
                raise InvalidApplication(
                    f"refund {m.id}: source_id: {source.kind} {source.id} is not a credit",
                    document_id=m.id,
                    field="source_id",
                )
            if source.customer_id != m.customer_id:
                raise InvalidApplication(
                    f"refund {m.id}: customer_id: {source.id} belongs to {source.customer_id}",
                    document_id=m.id,
                    field="customer_id",
                )
            self._check_currency(m, source, m.amount)
            touched = [(source, "source_id", m.amount.amount)]
        for doc, field, amount in touched:
            if when < document_date(doc):
                raise InvalidApplication(
                    f"{m.kind} {m.id}: dated {when.isoformat()}, before {doc.kind} {doc.id} of"
                    f" {document_date(doc).isoformat()}",
                    document_id=m.id,
                    field=field,
                )
            total = FIXED_CONTEXT.add(used[doc.id], amount)
            limit = doc.amount.amount
            if total > limit:
                raise OverApplication(
                    f"{m.kind} {m.id}: {field}: would take {doc.kind} {doc.id} beyond its"
                    f" amount: {total} of {limit} {doc.amount.code} applied in all",
                    document_id=m.id,
                    field=field,
                )
        for doc, _, amount in touched:
            used[doc.id] = FIXED_CONTEXT.add(used[doc.id], amount)

    def _check_currency(self, m: Movement, doc: Document, amount: Money) -> None:
        if amount.code != doc.amount.code:
            raise CurrencyMismatch(
                f"{m.kind} {m.id}: amount: is in {amount.code} but {doc.id} is in"
                f" {doc.amount.code}",
                document_id=m.id,
                field="amount",
            )

    def _family(self, customer_id: str) -> str:
        customer = self._customers.get(customer_id)
        if customer is not None and customer.parent_id is not None:
            return customer.parent_id
        return customer_id

    def _check_parties(self, m: Application, source: Document, target: Document) -> None:
        a, b = source.customer_id, target.customer_id
        assert a is not None
        assert b is not None
        if a != b and self._family(a) != self._family(b):
            raise InvalidApplication(
                f"application {m.id}: target_id: {target.id} belongs to {b}, the source"
                f" {source.id} to {a}, and they are not in one customer group",
                document_id=m.id,
                field="target_id",
            )

    def _check_record(self, record: PromiseToPay | Dispute) -> None:
        if self._customers and record.customer_id not in self._customers:
            raise UnknownDocument(
                f"{record.kind} {record.id}: customer_id: unknown customer {record.customer_id!r}",
                document_id=record.id,
                field="customer_id",
            )
        doc_ids = (record.document_id,) if isinstance(record, Dispute) else record.document_ids
        for doc_id in doc_ids:
            doc = self._docs.get(doc_id)
            if doc is None:
                raise UnknownDocument(
                    f"{record.kind} {record.id}: document: unknown document {doc_id!r}",
                    document_id=record.id,
                    field="document_id",
                )
            if doc.customer_id != record.customer_id:
                raise InvalidDocument(
                    f"{record.kind} {record.id}: customer_id: {doc_id} belongs to"
                    f" {doc.customer_id}",
                    document_id=record.id,
                    field="customer_id",
                )
            if record.amount.code != doc.amount.code:
                raise CurrencyMismatch(
                    f"{record.kind} {record.id}: amount: is in {record.amount.code} but"
                    f" {doc_id} is in {doc.amount.code}",
                    document_id=record.id,
                    field="amount",
                )
            if isinstance(record, Dispute) and not is_debit(doc):
                raise InvalidDocument(
                    f"dispute {record.id}: document_id: {doc_id} is a {doc.kind}; only"
                    " invoices and debit memos are disputed",
                    document_id=record.id,
                    field="document_id",
                )
            if isinstance(record, Dispute) and record.amount > doc.amount:
                raise InvalidDocument(
                    f"dispute {record.id}: amount: {record.amount} is more than {doc_id}'s"
                    f" amount {doc.amount}",
                    document_id=record.id,
                    field="amount",
                )

    # -- transformation -----------------------------------------------------------------
    def apply(self, movements: Iterable[Movement]) -> Ledger:
        """A new ledger with ``movements`` added, checked as one batch.

        Movements already in the ledger (same id, same content) are skipped, so a retried
        batch changes nothing; the same id with other content raises
        :class:`~receivables.errors.ConflictingApplication`. On any error nothing is
        applied.
        """
        return self._evolve(movements=(*self._movements.values(), *movements))

    def add(self, documents: Iterable[Document]) -> Ledger:
        """A new ledger with ``documents`` posted."""
        return self._evolve(documents=(*self._docs.values(), *documents))

    def with_records(
        self, *, promises: Iterable[PromiseToPay] = (), disputes: Iterable[Dispute] = ()
    ) -> Ledger:
        """A new ledger with promises and disputes added (a record with a known id replaces
        the earlier value of that id, as records such as disputes evolve)."""
        new_promises = {**self._promises, **{p.id: p for p in promises}}
        new_disputes = {**self._disputes, **{d.id: d for d in disputes}}
        return self._evolve(promises=new_promises.values(), disputes=new_disputes.values())

    def _evolve(
        self,
        *,
        documents: Iterable[Document] | None = None,
        movements: Iterable[Movement] | None = None,
        promises: Iterable[PromiseToPay] | None = None,
        disputes: Iterable[Dispute] | None = None,
    ) -> Ledger:
        return Ledger(
            self._docs.values() if documents is None else documents,
            customers=self._customers.values(),
            movements=self._movements.values() if movements is None else movements,
            promises=self._promises.values() if promises is None else promises,
            disputes=self._disputes.values() if disputes is None else disputes,
            functional_currency=self._functional_currency,
        )

    # -- access -------------------------------------------------------------------------
    @property
    def functional_currency(self) -> str | None:
        """The currency the books are kept in, if the ledger has one."""
        return self._functional_currency

    @property
    def customers(self) -> Mapping[str, Customer]:
        """Customers by id (read-only: the ledger is a value, and may be shared)."""
        return MappingProxyType(self._customers)

    @property
    def documents(self) -> Sequence[Document]:
        """All posted documents, sorted by date then id."""
        return sorted(self._docs.values(), key=lambda d: (document_date(d), d.id))

    @property
    def movements(self) -> Sequence[Movement]:
        """All movements, sorted by date then id."""
        return sorted(self._movements.values(), key=lambda m: (movement_date(m), m.id))

    @property
    def applications(self) -> Sequence[Application]:
        """The applications among the movements, sorted by date then id."""
        return [m for m in self.movements if isinstance(m, Application)]

    @property
    def promises(self) -> Sequence[PromiseToPay]:
        """Promises to pay, sorted by date then id."""
        return sorted(self._promises.values(), key=lambda p: (p.promised_on, p.id))

    @property
    def disputes(self) -> Sequence[Dispute]:
        """Disputes, sorted by date then id."""
        return sorted(self._disputes.values(), key=lambda d: (d.opened_on, d.id))

    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return self.to_data() == other.to_data()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Ledger({len(self._docs)} documents, {len(self._movements)} movements,"
            f" {len(self._customers)} customers)"
        )

    def document(self, doc_id: str) -> Document:
        """The document with id ``doc_id``; :class:`UnknownDocument` if none."""
        try:
            return self._docs[doc_id]
        except KeyError:
            raise UnknownDocument(f"unknown document {doc_id!r}", document_id=doc_id) from None

    def customer(self, customer_id: str) -> Customer:
        """The customer with id ``customer_id``; :class:`UnknownDocument` if none."""
        try:
            return self._customers[customer_id]
        except KeyError:
            raise UnknownDocument(
                f"unknown customer {customer_id!r}", document_id=customer_id
            ) from None

    def movements_of(self, doc_id: str, *, as_of: date | None = None) -> list[Movement]:
        """The movements touching ``doc_id`` (up to ``as_of``), sorted by date then id."""
        self.document(doc_id)
        return sorted(
            (m for m in self._by_doc.get(doc_id, ()) if as_of is None or movement_date(m) <= as_of),
            key=lambda m: (movement_date(m), m.id),
        )

    # -- queries ------------------------------------------------------------------------
    def open_amount(self, doc_id: str, *, as_of: date) -> Money:
        """The signed open amount of a document on ``as_of`` (zero before it exists).

        Movements dated after ``as_of`` are ignored, so this is the historical view.
        """
        doc = self.document(doc_id)
        return Money(self._open(doc, as_of), doc.amount.currency)

    def _open(self, doc: Document, as_of: date) -> Decimal:
        if document_date(doc) > as_of:
            return Decimal(0)
        track = self._tracks.get(doc.id)
        reduced = track.reduced_by(as_of) if track else Decimal(0)
        remaining = FIXED_CONTEXT.subtract(doc.amount.amount, reduced)
        return remaining if is_debit(doc) else FIXED_CONTEXT.minus(remaining)

    def open_items(
        self,
        *,
        as_of: date,
        customer_id: str | None = None,
        include_credits: bool = True,
    ) -> list[OpenItem]:
        """Documents with a non-zero open amount on ``as_of``, by customer, date and id."""
        items: list[OpenItem] = []
        for doc in self._docs.values():
            if customer_id is not None and doc.customer_id != customer_id:
                continue
            if not include_credits and not is_debit(doc):
                continue
            remaining = self._open(doc, as_of)
            if remaining:
                amount = doc.amount
                signed = amount if is_debit(doc) else -amount
                items.append(OpenItem(doc, Money(remaining, amount.currency), signed))
        items.sort(key=lambda i: (i.customer_id, i.issue_date, i.id))
        return items

    def balances(self, *, as_of: date, customer_id: str | None = None) -> dict[str, Money]:
        """The open balance per currency on ``as_of`` (of one customer, or of all)."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for doc in self._docs.values():
            if customer_id is None or doc.customer_id == customer_id:
                remaining = self._open(doc, as_of)
                if remaining:
                    totals[doc.amount.code] = FIXED_CONTEXT.add(totals[doc.amount.code], remaining)
        return {code: Money(totals[code], code) for code in sorted(totals)}

    def balance(
        self,
        customer_id: str | None = None,
        *,
        as_of: date,
        currency: str | None = None,
        rates: FxRates | None = None,
    ) -> Money:
        """The open balance of a customer (or of the ledger) on ``as_of``, in one currency.

        With documents in several currencies, name ``currency`` and pass ``rates``: each
        open document is converted at the rate on ``as_of`` and rounded to the minor unit,
        then the amounts are summed. That is how an aging report revalues, so the two
        agree to the minor unit (converting each currency's total once can differ by a
        few minor units).
        """
        by_currency = self.balances(as_of=as_of, customer_id=customer_id)
        if currency is None:
            if len(by_currency) > 1:
                raise CurrencyMismatch(
                    f"balance of {customer_id or 'the ledger'} is in {sorted(by_currency)};"
                    " name a currency and pass rates",
                    document_id=customer_id,
                    field="currency",
                )
            if not by_currency:
                currency = self._default_currency(customer_id)
            else:
                return next(iter(by_currency.values()))
        target = Money.zero(currency).code
        if any(code != target for code in by_currency) and rates is None:
            foreign = sorted(code for code in by_currency if code != target)
            raise CurrencyMismatch(
                f"balance in {target} needs rates for {', '.join(foreign)}",
                document_id=customer_id,
                field="rates",
            )
        total = Money.zero(target)
        for doc in self._docs.values():
            if customer_id is not None and doc.customer_id != customer_id:
                continue
            remaining = self._open(doc, as_of)
            if not remaining:
                continue
            amount = Money(remaining, doc.amount.currency)
            if amount.code != target:
                assert rates is not None
                amount = rates.convert(amount, target, on=as_of)
            total += amount
        return total

    def _default_currency(self, customer_id: str | None) -> str:
        if customer_id is not None and customer_id in self._customers:
            return self._customers[customer_id].currency
        codes = {
            d.amount.code
            for d in self._docs.values()
            if customer_id is None or d.customer_id == customer_id
        }
        if len(codes) == 1:
            return codes.pop()
        if self._functional_currency is not None:
            return self._functional_currency
        raise CurrencyMismatch(
            f"balance of {customer_id or 'the ledger'}: no single currency to report in; name one",
            document_id=customer_id,
            field="currency",
        )

    def disputed_amount(self, doc_id: str, *, as_of: date) -> Money:
        """The part of a document under open dispute on ``as_of``, capped at what is open."""
        doc = self.document(doc_id)
        open_now = abs(self._open(doc, as_of))
        disputed = Decimal(0)
        for dispute in self._disputes_of.get(doc_id, ()):
            if dispute.is_open(as_of):
                disputed = FIXED_CONTEXT.add(disputed, dispute.amount.amount)
        return Money(min(disputed, open_now), doc.amount.currency)

    def to_frame(
        self,
        backend: Literal["pandas", "polars", "pyarrow"] = "polars",
        *,
        as_of: date | None = None,
    ) -> object:
        """The ledger as a dataframe of ``backend``: the open items on ``as_of`` (or every
        document without it), money in integer minor units. Needs the ``frames`` extra;
        see :func:`receivables.frames.ledger_to_frame` for the columns.
        """
        from receivables.frames import ledger_to_frame

        frame: object = ledger_to_frame(self, backend, as_of=as_of)
        return frame

    # -- serialisation ------------------------------------------------------------------
    def to_data(self) -> LedgerData:
        """The ledger's content as a serialisable value, in a canonical order."""
        return LedgerData(
            functional_currency=self._functional_currency,
            customers=tuple(sorted(self._customers.values(), key=lambda c: c.id)),
            documents=tuple(self.documents),
            movements=tuple(self.movements),
            promises=tuple(self.promises),
            disputes=tuple(self.disputes),
        )

    @classmethod
    def from_data(cls, data: LedgerData) -> Ledger:
        """Build a ledger from :class:`LedgerData` (checking it all again)."""
        return cls(
            data.documents,
            customers=data.customers,
            movements=data.movements,
            promises=data.promises,
            disputes=data.disputes,
            functional_currency=data.functional_currency,
        )

    def to_json(self, *, indent: int | None = None) -> str:
        """The ledger as JSON; amounts are strings, so nothing passes through a float."""
        return self.to_data().model_dump_json(indent=indent, exclude_none=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Ledger:
        """Read a ledger written by :meth:`to_json`."""
        return cls.from_data(LedgerData.model_validate_json(text))


def reductions(movement: Movement) -> tuple[tuple[str, Decimal], ...]:
    """What a movement takes off each document it touches: ``(document id, amount)`` pairs,
    each amount in that document's own currency.

    This is the ledger's one rule for open amounts (open = amount - reductions up to the
    date): an application reduces its target by what it settles (cash + discount +
    write-off, :attr:`~receivables.models.Application.settled`) and its source by the cash
    it uses (:attr:`~receivables.models.Application.used`, in the source's currency); a
    write-off reduces its document by its amount; a refund reduces the credit it pays out.

    Examples:
        >>> from receivables.models import Application, WriteOff
        >>> reductions(Application(id="A1", source_id="PAY-1", target_id="INV-1",
        ...     applied_on=date(2026, 2, 1), amount="98.00 EUR", discount="2.00 EUR"))
        (('INV-1', Decimal('100.00')), ('PAY-1', Decimal('98.00')))
        >>> reductions(WriteOff(id="W1", document_id="INV-2", written_off_on=date(2026, 3, 1),
        ...     amount="0.50 EUR", reason_code="small_balance"))
        (('INV-2', Decimal('0.50')),)
    """
    m = movement
    if isinstance(m, Application):
        return ((m.target_id, m.settled.amount), (m.source_id, m.used.amount))
    if isinstance(m, WriteOff):
        return ((m.document_id, m.amount.amount),)
    return ((m.source_id, m.amount.amount),)


_Record = TypeVar("_Record", Customer, PromiseToPay, Dispute)


def _unique_by_id(items: Iterable[_Record], what: str) -> dict[str, _Record]:
    result: dict[str, _Record] = {}
    for item in items:
        known = result.get(item.id)
        if known is not None and known != item:
            raise DuplicateDocument(
                f"{what} {item.id}: id: two different {what}s share this id",
                document_id=item.id,
                field="id",
            )
        result[item.id] = item
    return dict(sorted(result.items()))
