"""Aging of receivables: open items by age bucket, as of any date, in any currency.

An aging report ("aged trial balance") sorts what is open on a date into age buckets
(current, 1-30, 31-60, 61-90, 91-120, 120+ days past due), by customer, by customer group
and in total, with a drill-down to the documents. It is the collector's worklist and the
auditor's proof of the receivables balance: its total equals the ledger's open balance on
the same date (Weygandt, Kimmel & Kieso, *Financial Accounting*, 11th ed., Wiley 2019,
ch. 8, "aging the accounts receivable").

The age of an item is counted in days from its due date ("days past due", the usual basis
for collections) or from its invoice date ("days since invoice", the usual basis for bad
debt provisioning). Buckets are data (:class:`Buckets`), so any schedule can be used.

Historical aging is the ledger's own as-of view: an application dated after ``as_of``
does not count and a document issued after it does not exist yet. The ledger keeps each
document's reductions sorted with running totals, so aging N documents is O(N log M),
never a scan of the history per item.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Invoice, Payment
    >>> ledger = Ledger([
    ...     Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...             terms="NET 30", total="500.00 EUR"),
    ...     Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 3, 1),
    ...             terms="NET 30", total="200.00 EUR"),
    ...     Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 3, 20),
    ...             amount="50.00 EUR"),
    ... ])
    >>> report = age(ledger, as_of=date(2026, 3, 31))
    >>> [(b.label, str(b.open.amount)) for b in report.totals[0].buckets if b.items]
    [('current', '200.00'), ('31-60', '500.00')]
    >>> report.totals[0].credits, report.totals[0].total
    (Money('-50.00', 'EUR'), Money('650.00', 'EUR'))
"""

from __future__ import annotations

import bisect
import decimal
import html
import itertools
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal, Self, TypeVar

import moneyed
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from receivables.errors import CurrencyMismatch, MissingRate, ReceivablesError
from receivables.ledger import Ledger, OpenItem, document_date
from receivables.models import Customer, DebitMemo, Dispute, Invoice, PromiseToPay
from receivables.money import (
    FIXED_CONTEXT,
    ExactDecimal,
    FxQuote,
    FxRates,
    Money,
    currency_of,
    in_fixed_context,
    minor_units,
)
from receivables.tabular import Tabular

__all__ = [
    "AGING_PRESETS",
    "AgingError",
    "AgingLine",
    "AgingReport",
    "AgingRow",
    "Basis",
    "Bucket",
    "BucketTotal",
    "Buckets",
    "CreditsMode",
    "DocumentKind",
    "IncompatibleReports",
    "age",
    "merge",
    "promised_by_document",
]

Basis = Literal["due_date", "invoice_date"]
"""What an item's age counts from: its due date (days past due) or its invoice date."""

CreditsMode = Literal["separate", "netted"]
"""Where open credits go: their own column, or netted into the bucket of their date."""

DocumentKind = Literal["invoice", "debit_memo", "credit_memo", "payment"]
"""The kinds of ledger document an aging can include."""

ALL_KINDS: Final[tuple[DocumentKind, ...]] = ("invoice", "debit_memo", "credit_memo", "payment")
_BASES: Final = ("due_date", "invoice_date")
_CREDIT_MODES: Final = ("separate", "netted")
_HUNDRED: Final = Decimal(100)
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_PERCENT: Final = Decimal("0.01")


class AgingError(ReceivablesError, ValueError):
    """An aging request that cannot be answered: an unknown basis, bad buckets, ..."""


class IncompatibleReports(AgingError):
    """Aging reports that cannot be merged: other buckets, dates, basis or currencies."""


# --------------------------------------------------------------------------------------
# Buckets
# --------------------------------------------------------------------------------------


class Bucket(BaseModel):
    """One age band: items aged from ``min_days`` to ``max_days`` days, both inclusive.

    ``min_days`` None means "and younger" (the first band takes items not yet due, whose
    age is negative); ``max_days`` None means "and older" (the last band).

    Examples:
        >>> Bucket(label="31-60", min_days=31, max_days=60).contains(45)
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1)
    min_days: int | None = None
    max_days: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (
            self.min_days is not None
            and self.max_days is not None
            and self.min_days > self.max_days
        ):
            raise AgingError(
                f"bucket {self.label!r}: min_days {self.min_days} is above max_days"
                f" {self.max_days}",
                field="min_days",
            )
        return self

    def contains(self, days: int) -> bool:
        """True when an item aged ``days`` days falls in this band."""
        low_ok = self.min_days is None or days >= self.min_days
        return low_ok and (self.max_days is None or days <= self.max_days)


class Buckets(BaseModel):
    """An aging schedule: contiguous age bands covering every possible age, in order.

    The first band is open below (it holds items not yet due), the last is open above,
    and each band starts the day after the previous one ends. Overlapping, unsorted or
    gapped bands are refused with :class:`AgingError`. Build one from upper edges with
    :meth:`from_edges`, or take a preset: :meth:`standard` is current, 1-30, 31-60,
    61-90, 91-120, 120+ days past due.

    Examples:
        >>> Buckets.standard().labels
        ('current', '1-30', '31-60', '61-90', '91-120', '120+')
        >>> Buckets.from_edges([0, 30, 60]).index(45)
        2
        >>> Buckets.from_edges([30, 10])
        Traceback (most recent call last):
        ...
        receivables.aging.AgingError: bucket edges must be strictly ascending: 30 is followed by 10
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bands: tuple[Bucket, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        bands = self.bands
        if bands[0].min_days is not None:
            raise AgingError(
                f"bucket {bands[0].label!r}: the first bucket must be open below (min_days"
                " None) so that items not yet due have a place",
                field="bands",
            )
        if bands[-1].max_days is not None:
            raise AgingError(
                f"bucket {bands[-1].label!r}: the last bucket must be open above (max_days"
                " None) so that the oldest items have a place",
                field="bands",
            )
        labels = [b.label for b in bands]
        if len(set(labels)) != len(labels):
            raise AgingError(f"bucket labels must be unique: {labels}", field="bands")
        for before, after in itertools.pairwise(bands):
            if before.max_days is None or after.min_days is None:
                raise AgingError(
                    f"buckets {before.label!r} and {after.label!r} overlap: only the first"
                    " bucket may be open below and only the last open above",
                    field="bands",
                )
            if after.min_days <= before.max_days:
                raise AgingError(
                    f"buckets {before.label!r} (to {before.max_days} days) and {after.label!r}"
                    f" (from {after.min_days} days) overlap or are not in ascending order",
                    field="bands",
                )
            if after.min_days != before.max_days + 1:
                raise AgingError(
                    f"buckets {before.label!r} and {after.label!r} leave a gap: days"
                    f" {before.max_days + 1} to {after.min_days - 1} have no bucket",
                    field="bands",
                )
        return self

    @classmethod
    def from_edges(cls, edges: Sequence[int], labels: Sequence[str] | None = None) -> Buckets:
        """Bands ending at each of ``edges`` (inclusive), plus one open band above the last.

        With edges ``[0, 30, 60]`` the bands are ``<=0`` ("current"), 1-30, 31-60 and 60+.
        The first label is "current" when the first edge is 0, else ``"<=N"``.

        Examples:
            >>> Buckets.from_edges([30, 60, 90]).labels
            ('<=30', '31-60', '61-90', '90+')
        """
        values = list(edges)
        if not values:
            raise AgingError("bucket edges must not be empty", field="edges")
        for a, b in itertools.pairwise(values):
            if b <= a:
                raise AgingError(
                    f"bucket edges must be strictly ascending: {a} is followed by {b}",
                    field="edges",
                )
        names = list(labels) if labels is not None else _edge_labels(values)
        if len(names) != len(values) + 1:
            raise AgingError(
                f"{len(values)} edges make {len(values) + 1} buckets but {len(names)} labels"
                " were given",
                field="labels",
            )
        bands = [Bucket(label=names[0], max_days=values[0])]
        for i in range(1, len(values)):
            bands.append(Bucket(label=names[i], min_days=values[i - 1] + 1, max_days=values[i]))
        bands.append(Bucket(label=names[-1], min_days=values[-1] + 1))
        return cls(bands=tuple(bands))

    @classmethod
    def standard(cls) -> Buckets:
        """Current, 1-30, 31-60, 61-90, 91-120 and 120+ days."""
        return cls.from_edges([0, 30, 60, 90, 120])

    @classmethod
    def preset(cls, name: str) -> Buckets:
        """A named preset from :data:`AGING_PRESETS`.

        Examples:
            >>> Buckets.preset("30-60-90").labels
            ('current', '1-30', '31-60', '61-90', '90+')
        """
        try:
            edges = AGING_PRESETS[name]
        except KeyError:
            raise AgingError(
                f"unknown bucket preset {name!r}: use one of {sorted(AGING_PRESETS)}",
                field="buckets",
            ) from None
        return cls.from_edges(edges)

    @property
    def labels(self) -> tuple[str, ...]:
        """The band labels, youngest first."""
        return tuple(b.label for b in self.bands)

    @property
    def upper_edges(self) -> tuple[int, ...]:
        """Each band's last day, except the last band's (which has none)."""
        return tuple(b.max_days for b in self.bands if b.max_days is not None)

    def index(self, days: int) -> int:
        """The position of the band holding an item aged ``days`` days."""
        return bisect.bisect_left(self.upper_edges, days)


def _edge_labels(edges: Sequence[int]) -> list[str]:
    first = "current" if edges[0] == 0 else f"<={edges[0]}"
    middle = [f"{edges[i - 1] + 1}-{edges[i]}" for i in range(1, len(edges))]
    return [first, *middle, f"{edges[-1]}+"]


AGING_PRESETS: Final[Mapping[str, tuple[int, ...]]] = {
    "standard": (0, 30, 60, 90, 120),
    "30-60-90": (0, 30, 60, 90),
    "monthly-12": (0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 360),
    "since-invoice": (30, 60, 90, 120),
}
"""Named aging schedules (upper edges in days) for :meth:`Buckets.preset`."""


# --------------------------------------------------------------------------------------
# Report values
# --------------------------------------------------------------------------------------


class AgingRow(BaseModel):
    """One open document in an aging: the drill-down row under a bucket.

    Amounts in the document's currency (``original``, ``open``, ``disputed``,
    ``promised``) and in the report's currency (``reported_*``, converted at ``rate``,
    the rate of ``as_of`` found on ``rate_date``; rate 1 and no date when no conversion
    was needed). ``open`` is signed: credits are negative.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    entity: str | None = None
    kind: DocumentKind
    customer_id: str
    group_id: str
    issue_date: date
    due_date: date
    days: int = Field(description="Days past due, or days since invoice, on as_of.")
    bucket: str
    is_credit: bool
    currency: str
    original: Money
    open: Money
    disputed: Money
    promised: Money
    reported_currency: str
    rate: ExactDecimal
    rate_date: date | None = None
    reported_open: Money
    reported_disputed: Money
    reported_promised: Money

    @property
    def collectable(self) -> Money:
        """The open amount not under dispute, in the document's currency."""
        return self.open - self.disputed

    @property
    def reported_collectable(self) -> Money:
        """The open amount not under dispute, in the report's currency."""
        return self.reported_open - self.reported_disputed


class BucketTotal(BaseModel):
    """The amounts of one bucket of one line.

    ``collectable`` is ``open - disputed``: what a collector can ask for. ``promised`` is
    the part of it covered by a promise to pay that is not yet due. ``percent`` is this
    bucket's share of the line's bucketed amount (None when that is zero).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    open: Money
    disputed: Money
    promised: Money
    collectable: Money
    items: int
    percent: ExactDecimal | None = None


class AgingLine(BaseModel):
    """A line of the report: one customer, one customer group, or the total, in one currency.

    ``credits`` is the open credit (unapplied cash, unused credit memos; negative) when the
    report shows credits in their own column, zero when they are netted into the buckets.
    ``total`` is the line's open balance: the buckets plus the credits.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Literal["customer", "group", "total"]
    key: str
    name: str | None = None
    currency: str
    buckets: tuple[BucketTotal, ...]
    credits: Money
    total: Money
    disputed: Money
    promised: Money
    collectable: Money

    def bucket(self, label: str) -> BucketTotal:
        """The bucket with ``label``."""
        for b in self.buckets:
            if b.label == label:
                return b
        raise AgingError(f"no bucket {label!r} in this report", field="label")


_Func = TypeVar("_Func", bound=Callable[..., object])


def _no_return_schema(func: _Func) -> _Func:
    """Hide a serializer's return annotation from pydantic, which then describes the output
    with the model's own schema (``model_json_schema(mode="serialization")`` unchanged)
    instead of the schema of the annotated type."""
    func.__annotations__.pop("return", None)
    return func


class AgingReport(BaseModel, Tabular):
    """An aging as of a date: totals, lines per customer and group, and document rows.

    ``totals`` has one line per currency (one line when the report was revalued into a
    ``currency``). Each total equals the sum of the document rows' ``reported_open``, and
    without revaluation the ledger's open balance in that currency on ``as_of``.
    ``documents`` is empty when the report was built with ``detail=False``.

    A report from :func:`age` builds its ``documents`` on first read (one model per open
    document costs several times the bucketing itself). Reading the field, dumping the
    report (also inside another model), comparing, hashing, copying, pickling, printing
    or iterating it builds them first, so the report behaves exactly like one validated
    with its rows; only ``vars(report)`` shows the difference before the first read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    basis: Basis
    buckets: Buckets
    credits_mode: CreditsMode
    currency: str | None = None
    entities: tuple[str, ...] = ()
    rates_used: tuple[FxQuote, ...] = ()
    totals: tuple[AgingLine, ...] = ()
    groups: tuple[AgingLine, ...] = ()
    customers: tuple[AgingLine, ...] = ()
    documents: tuple[AgingRow, ...] = ()
    detail: bool = True

    _pending: _PendingRows | None = PrivateAttr(default=None)

    @classmethod
    def _with_pending_rows(cls, report: AgingReport, pending: _PendingRows) -> AgingReport:
        """``report`` (built with no rows) with its rows left to build on first read."""
        del report.__dict__["documents"]
        private = report.__pydantic_private__
        assert private is not None
        private["_pending"] = pending
        return report

    def _materialise(self) -> None:
        """Build the pending rows into ``documents``, once."""
        private = self.__pydantic_private__
        pending = private.get("_pending") if private else None
        if pending is None:
            return
        if "documents" not in self.__dict__:
            # a new __dict__ with the fields in their declared order, as serialisation
            # follows it; swapped in whole, so a concurrent reader sees the old or the new
            rows = pending.build()
            fields = {
                name: rows if name == "documents" else self.__dict__[name]
                for name in type(self).model_fields
            }
            object.__setattr__(self, "__dict__", fields)
        assert private is not None
        private["_pending"] = None

    if not TYPE_CHECKING:
        # Only reached for attributes missing from __dict__: the pending rows. Hidden from
        # mypy, which so keeps seeing `documents` as the declared field.
        def __getattr__(self, name: str) -> object:
            if name == "documents" and "documents" not in self.__dict__:
                self._materialise()
                if "documents" in self.__dict__:
                    return self.__dict__["documents"]
            return super().__getattr__(name)

    @model_serializer(mode="wrap")
    @_no_return_schema
    def _serialize_with_rows(self, handler: SerializerFunctionWrapHandler) -> object:
        self._materialise()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        self._materialise()
        if isinstance(other, AgingReport):
            other._materialise()
        return super().__eq__(other)

    def __hash__(self) -> int:
        # the hash pydantic gives a frozen model: of the tuple of field values
        self._materialise()
        return hash(tuple(self.__dict__[name] for name in type(self).model_fields))

    def __repr_args__(self) -> Iterable[tuple[str | None, object]]:
        self._materialise()
        return super().__repr_args__()

    def __iter__(self) -> Generator[tuple[str, object], None, None]:
        self._materialise()
        yield from super().__iter__()

    def __getstate__(self) -> dict[object, object]:
        self._materialise()
        return super().__getstate__()

    def total(self, currency: str | None = None) -> AgingLine:
        """The total line in ``currency`` (the only one when the report has one currency)."""
        if currency is None:
            if len(self.totals) != 1:
                raise AgingError(
                    f"the report has totals in {[t.currency for t in self.totals]}: name one",
                    field="currency",
                )
            return self.totals[0]
        for line in self.totals:
            if line.currency == currency:
                return line
        return _empty_line("total", "*", None, currency, self.buckets)

    def customer(self, customer_id: str) -> tuple[AgingLine, ...]:
        """The lines of one customer (one per currency)."""
        return tuple(line for line in self.customers if line.key == customer_id)

    def to_rows(
        self, level: Literal["customer", "group", "total", "document"] = "customer"
    ) -> list[dict[str, object]]:
        """The report as plain dicts, one per line (or per document), amounts as Decimal.

        Examples:
            >>> from datetime import date
            >>> from receivables.models import Invoice
            >>> from receivables.ledger import Ledger
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...     issue_date=date(2026, 1, 1), total="10.00 USD")])
            >>> age(ledger, as_of=date(2026, 1, 20)).to_rows()[0]["1-30"]
            Decimal('10.00')
        """
        if level == "document":
            return [
                {
                    "document_id": r.document_id,
                    "entity": r.entity,
                    "kind": r.kind,
                    "customer_id": r.customer_id,
                    "group_id": r.group_id,
                    "issue_date": r.issue_date,
                    "due_date": r.due_date,
                    "days": r.days,
                    "bucket": r.bucket,
                    "currency": r.currency,
                    "original": r.original.amount,
                    "open": r.open.amount,
                    "disputed": r.disputed.amount,
                    "promised": r.promised.amount,
                    "reported_currency": r.reported_currency,
                    "rate": r.rate,
                    "rate_date": r.rate_date,
                    "reported_open": r.reported_open.amount,
                }
                for r in self.documents
            ]
        lines = {"customer": self.customers, "group": self.groups, "total": self.totals}[level]
        rows: list[dict[str, object]] = []
        for line in lines:
            row: dict[str, object] = {
                "level": line.level,
                "key": line.key,
                "name": line.name,
                "currency": line.currency,
            }
            for b in line.buckets:
                row[b.label] = b.open.amount
            row["credits"] = line.credits.amount
            row["total"] = line.total.amount
            row["disputed"] = line.disputed.amount
            row["promised"] = line.promised.amount
            row["collectable"] = line.collectable.amount
            rows.append(row)
        return rows

    def to_text(self, *, level: Literal["customer", "group", "total"] = "customer") -> str:
        """A fixed-width table of the lines and the totals, for a terminal.

        Examples:
            >>> from datetime import date
            >>> from receivables.models import Invoice
            >>> from receivables.ledger import Ledger
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...     issue_date=date(2026, 1, 1), total="10.00 USD")])
            >>> print(age(ledger, as_of=date(2026, 1, 20)).to_text())  # doctest: +ELLIPSIS
            Aging as of 2026-01-20 by days past due
            customer  cur  current  1-30 ...
            C1        USD     0.00 10.00 ...
            TOTAL     USD     0.00 10.00 ...
        """
        basis = "days past due" if self.basis == "due_date" else "days since invoice"
        head = ["customer" if level != "group" else "group", "cur", *self.buckets.labels]
        if self.credits_mode == "separate":
            head.append("credits")
        head += ["total", "disputed"]
        body: list[list[str]] = []
        chosen = {"customer": self.customers, "group": self.groups, "total": ()}[level]
        for line in (*chosen, *self.totals):
            cells = ["TOTAL" if line.level == "total" else line.key, line.currency]
            cells += [_fmt(b.open.amount) for b in line.buckets]
            if self.credits_mode == "separate":
                cells.append(_fmt(line.credits.amount))
            cells += [_fmt(line.total.amount), _fmt(line.disputed.amount)]
            body.append(cells)
        widths = [max(len(r[i]) for r in (head, *body)) for i in range(len(head))]
        out = [f"Aging as of {self.as_of.isoformat()} by {basis}"]
        for r in (head, *body):
            cells = [
                r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(len(r))
            ]
            out.append(" ".join(cells).rstrip())
        return "\n".join(out)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{html.escape(h)}</th>"
            for h in ("customer", "currency", *self.buckets.labels, "credits", "total")
        )
        rows = []
        for line in (*self.customers, *self.totals):
            key = "TOTAL" if line.level == "total" else line.key
            cells = [html.escape(key), html.escape(line.currency)]
            cells += [_fmt(b.open.amount) for b in line.buckets]
            cells += [_fmt(line.credits.amount), _fmt(line.total.amount)]
            tds = "".join(
                f'<td style="text-align:{"left" if i < 2 else "right"}">{c}</td>'
                for i, c in enumerate(cells)
            )
            rows.append(f"<tr>{tds}</tr>")
        caption = html.escape(f"Aging as of {self.as_of.isoformat()} ({self.basis})")
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


def _fmt(amount: Decimal) -> str:
    return f"{amount:,}"


# --------------------------------------------------------------------------------------
# Accumulation
# --------------------------------------------------------------------------------------


class _Acc:
    """Running sums per (customer, currency): open per bucket, credits, and the parts."""

    __slots__ = ("counts", "disputed", "open", "promised")

    def __init__(self, n: int) -> None:
        # index n is the separate credits column
        self.open: list[Decimal] = [Decimal(0)] * (n + 1)
        self.counts: list[int] = [0] * (n + 1)
        self.disputed: dict[int, Decimal] = {}
        self.promised: dict[int, Decimal] = {}


class _Context:
    """What the aggregation needs to know about parties: names and groups."""

    def __init__(self, customers: Mapping[str, Customer]) -> None:
        self.customers = customers

    def group_of(self, customer_id: str) -> str:
        customer = self.customers.get(customer_id)
        if customer is not None and customer.parent_id is not None:
            return customer.parent_id
        return customer_id

    def name_of(self, key: str) -> str | None:
        customer = self.customers.get(key)
        return customer.name if customer is not None else None


def _empty_line(
    level: Literal["customer", "group", "total"],
    key: str,
    name: str | None,
    currency: str,
    buckets: Buckets,
) -> AgingLine:
    return _line(level, key, name, currency, buckets.labels, _Acc(len(buckets.bands)))


def _line(
    level: Literal["customer", "group", "total"],
    key: str,
    name: str | None,
    currency: str,
    labels: tuple[str, ...],
    acc: _Acc,
) -> AgingLine:
    # Built without validation (_build): every amount is a sum of amounts already
    # quantised to this currency and re-quantised by _money; lines are built per customer,
    # group and currency, thousands per report.
    n = len(labels)
    opens = acc.open
    counts = acc.counts
    disputed_parts = acc.disputed
    promised_parts = acc.promised
    zero = _zero(currency)
    bucketed = sum(opens[:n], _ZERO)
    totals: list[BucketTotal] = []
    for i in range(n):
        amount = opens[i]
        open_money = _money(amount, currency)
        disputed = disputed_parts.get(i)
        promised = promised_parts.get(i)
        totals.append(
            _build(
                BucketTotal,
                {
                    "label": labels[i],
                    "open": open_money,
                    "disputed": _money(disputed, currency) if disputed else zero,
                    "promised": _money(promised, currency) if promised else zero,
                    "collectable": _money(amount - disputed, currency) if disputed else open_money,
                    "items": counts[i],
                    "percent": (amount * _HUNDRED / bucketed).quantize(_PERCENT, ROUND_HALF_UP)
                    if bucketed
                    else None,
                },
            )
        )
    disputed_all = sum(disputed_parts.values(), _ZERO)
    return _build(
        AgingLine,
        {
            "level": level,
            "key": key,
            "name": name,
            "currency": currency,
            "buckets": tuple(totals),
            "credits": _money(opens[n], currency),
            "total": _money(bucketed + opens[n], currency),
            "disputed": _money(disputed_all, currency) if disputed_all else zero,
            "promised": _money(sum(promised_parts.values(), _ZERO), currency)
            if promised_parts
            else zero,
            "collectable": _money(bucketed - disputed_all, currency),
        },
    )


_Model = TypeVar("_Model", bound=BaseModel)


def _build(cls: type[_Model], values: dict[str, object]) -> _Model:
    """``cls.model_construct(**values)`` for this module's own models, without its per-field
    loop: every field is given (no defaults to fill), there are no aliases, extras or
    private attributes, and ``values`` (in field order) becomes the model's ``__dict__``.
    Only for values this module computed from validated documents.

    The models of one class share one ``__pydantic_fields_set__`` (every field is set),
    as a set per row or line would cost more memory than the values themselves; pydantic
    copies it before changing it (``model_copy(update=...)``) and frozen models never
    change it otherwise. tests/test_aging.py checks that every model so built equals the
    model validated from its own dump, and that a copy leaves the shared set alone."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", _all_fields(cls))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


@lru_cache(maxsize=8)
def _all_fields(cls: type[BaseModel]) -> set[str]:
    return set(cls.model_fields)


@lru_cache(maxsize=256)
def _exponent(code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(code))


@lru_cache(maxsize=256)
def _zero(code: str) -> Money:
    return Money.zero(code)


def _money(amount: Decimal, code: str) -> Money:
    """Money from a sum of quantised amounts (exact: quantising only sets the exponent).

    The amount is a Decimal this module computed and the code a validated one, so the
    checks of ``Money()`` are skipped; Money is immutable, so zeros are shared.
    """
    if not amount:
        return _zero(code)
    money = _new_money(Money)
    _init_money(money, amount.quantize(_exponent(code), rounding=ROUND_HALF_UP), currency_of(code))
    return money


_new_money = Money.__new__
_init_money = moneyed.Money.__init__


def _add_into(target: _Acc, source: _Acc) -> None:
    t_open, t_counts = target.open, target.counts
    s_counts = source.counts
    for i, v in enumerate(source.open):
        t_open[i] += v
        t_counts[i] += s_counts[i]
    for i, v in source.disputed.items():
        target.disputed[i] = target.disputed.get(i, _ZERO) + v
    for i, v in source.promised.items():
        target.promised[i] = target.promised.get(i, _ZERO) + v


def _lines(
    accs: Mapping[tuple[str, str], _Acc], buckets: Buckets, ctx: _Context
) -> tuple[tuple[AgingLine, ...], tuple[AgingLine, ...], tuple[AgingLine, ...]]:
    n = len(buckets.bands)
    labels = buckets.labels
    members: dict[tuple[str, str], list[tuple[str, _Acc, AgingLine]]] = {}
    customers: list[AgingLine] = []
    for (customer_id, currency), acc in sorted(accs.items()):
        line = _line("customer", customer_id, ctx.name_of(customer_id), currency, labels, acc)
        customers.append(line)
        members.setdefault((ctx.group_of(customer_id), currency), []).append(
            (customer_id, acc, line)
        )
    totals: dict[str, _Acc] = {}
    group_lines: list[AgingLine] = []
    for (key, currency), group in sorted(members.items()):
        if len(group) == 1 and group[0][0] == key:
            # a customer on its own is its own group: the same amounts, another level (the
            # line's values are shared: models are frozen)
            acc = group[0][1]
            group_lines.append(_build(AgingLine, {**group[0][2].__dict__, "level": "group"}))
        else:
            acc = _Acc(n)
            for _, part, _ in group:
                _add_into(acc, part)
            group_lines.append(_line("group", key, ctx.name_of(key), currency, labels, acc))
        _add_into(totals.setdefault(currency, _Acc(n)), acc)
    total_lines = tuple(
        _line("total", "*", None, currency, labels, acc) for currency, acc in sorted(totals.items())
    )
    return total_lines, tuple(group_lines), tuple(customers)


class _PendingRows:
    """What a report's drill-down rows are built from, until ``documents`` is first read.

    Holds only values that no caller can change afterwards: the open items (frozen
    documents and Money) in a list of its own, the group of each customer, the disputed
    and promised parts per document and the revaluer with the quotes it used. Copies of
    a report share it (it is never changed), so ``copy``/``deepcopy`` return it as is.
    """

    __slots__ = (
        "as_of",
        "by_due",
        "currency",
        "disputed",
        "entity",
        "groups",
        "items",
        "labels",
        "promised",
        "reval",
        "uppers",
    )

    def __init__(
        self,
        *,
        items: list[OpenItem],
        as_of: date,
        by_due: bool,
        buckets: Buckets,
        currency: str | None,
        entity: str | None,
        groups: Mapping[str, str],
        disputed: Mapping[str, Decimal],
        promised: Mapping[str, Decimal],
        reval: _Revaluer,
    ) -> None:
        self.items = items
        self.as_of = as_of
        self.by_due = by_due
        self.uppers = buckets.upper_edges
        self.labels = buckets.labels
        self.currency = currency
        self.entity = entity
        self.groups = groups
        self.disputed = disputed
        self.promised = promised
        self.reval = reval

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def build(self) -> tuple[AgingRow, ...]:
        """One row per open item, sorted by customer, currency, date and id."""
        as_of, by_due, uppers, labels = self.as_of, self.by_due, self.uppers, self.labels
        entity, groups, reval = self.entity, self.groups, self.reval
        disputed_parts, promised_parts = self.disputed, self.promised
        ages: dict[date, tuple[int, str]] = {}
        rows: list[AgingRow] = []
        # the same precision as the bucket sums of age(), so rows and lines agree
        with decimal.localcontext(FIXED_CONTEXT):
            for item in self.items:
                doc = item.document
                open_money = item.open
                code = open_money.currency.code
                out = self.currency or code
                quote = reval.quote(code)
                if isinstance(doc, (Invoice, DebitMemo)):
                    is_credit = False
                    due = doc.due_date
                    issued = doc.issue_date
                    start = due if by_due and due is not None else issued
                    assert due is not None
                else:
                    is_credit = True
                    due = issued = start = document_date(doc)
                known = ages.get(start)
                if known is None:
                    days = (as_of - start).days
                    known = ages[start] = (days, labels[bisect.bisect_left(uppers, days)])
                doc_id = doc.id
                customer_id = item.customer_id
                dispute = disputed_parts.get(doc_id, _ZERO)
                promise = promised_parts.get(doc_id, _ZERO)
                # Built without validation (_build): every value comes from validated
                # documents or is quantised here, and there is one row per open document.
                rows.append(
                    _build(
                        AgingRow,
                        {
                            "document_id": doc_id,
                            "entity": entity,
                            "kind": doc.kind,
                            "customer_id": customer_id,
                            "group_id": groups.get(customer_id, customer_id),
                            "issue_date": issued,
                            "due_date": due,
                            "days": known[0],
                            "bucket": known[1],
                            "is_credit": is_credit,
                            "currency": code,
                            "original": item.original,
                            "open": open_money,
                            "disputed": _money(dispute, code),
                            "promised": _money(promise, code),
                            "reported_currency": out,
                            "rate": quote.rate if quote is not None else _ONE,
                            "rate_date": quote.rate_date if quote is not None else None,
                            "reported_open": open_money
                            if quote is None
                            else _money(reval.convert(open_money.amount, quote), out),
                            "reported_disputed": _money(reval.convert(dispute, quote), out),
                            "reported_promised": _money(reval.convert(promise, quote), out),
                        },
                    )
                )
        rows.sort(key=_row_key)
        return tuple(rows)


def _row_key(row: AgingRow) -> tuple[str, str, date, str, str]:
    return (row.customer_id, row.currency, row.issue_date, row.document_id, row.entity or "")


# --------------------------------------------------------------------------------------
# age()
# --------------------------------------------------------------------------------------


def _disputed_by_document(disputes: Iterable[Dispute], as_of: date) -> dict[str, Decimal]:
    result: dict[str, Decimal] = defaultdict(Decimal)
    for d in disputes:
        if d.is_open(as_of):
            result[d.document_id] += d.amount.amount
    return dict(result)


def _check_options(basis: str, credits: str) -> None:
    if basis not in _BASES:
        raise AgingError(
            f"unknown aging basis {basis!r}: use 'due_date' (days past due) or"
            " 'invoice_date' (days since invoice)",
            field="basis",
        )
    if credits not in _CREDIT_MODES:
        raise AgingError(
            f"unknown credits mode {credits!r}: use 'separate' or 'netted'", field="credits"
        )


def _kinds(include: Iterable[str]) -> frozenset[str]:
    kinds = frozenset(include)
    unknown = sorted(kinds - set(ALL_KINDS))
    if unknown:
        raise AgingError(
            f"unknown document kinds {unknown} in include: use {list(ALL_KINDS)}",
            field="include",
        )
    return kinds


class _Revaluer:
    """Converts open amounts into the report currency, rounding each document once."""

    def __init__(self, currency: str | None, rates: FxRates | None, as_of: date) -> None:
        self.currency = currency
        self.rates = rates
        self.as_of = as_of
        self.quotes: dict[str, FxQuote] = {}
        self.exponent = Decimal(1).scaleb(-minor_units(currency)) if currency else Decimal(1)
        # Rates are looked up in the caller's decimal context, as FxRates.convert does, so
        # a revalued amount equals rates.convert() of the same document.
        self.context = decimal.getcontext().copy()

    def quote(self, code: str) -> FxQuote | None:
        """The quote ``code -> report currency``; None when no conversion is needed."""
        if self.currency is None or code == self.currency:
            return None
        known = self.quotes.get(code)
        if known is None:
            if self.rates is None:
                raise MissingRate(code, self.currency, self.as_of)
            with decimal.localcontext(self.context):
                known = self.rates.quote(code, self.currency, on=self.as_of)
            self.quotes[code] = known
        return known

    def convert(self, amount: Decimal, quote: FxQuote | None) -> Decimal:
        if quote is None:
            return amount
        return (amount * quote.rate).quantize(self.exponent, ROUND_HALF_UP)


@in_fixed_context
def promised_by_document(
    promises: Iterable[PromiseToPay],
    *,
    as_of: date,
    collectable: Mapping[str, Decimal],
    dues: Mapping[str, date],
) -> dict[str, Decimal]:
    """The part of each document covered by a live promise to pay on ``as_of``: the rule
    behind :func:`age`'s ``promised`` (and the frames path's ``promised`` column).

    A promise is live from the day it was made to its pay-by date, both included. Taken
    in the order they were made (then by id), each live promise covers the documents it
    names, oldest due first (then by id), up to what is still collectable on each
    (``collectable``: open less disputed, in document currency; ``dues``: the date that
    orders them). Documents not in ``collectable`` are not open and take nothing.

    Examples:
        >>> from receivables.models import PromiseToPay
        >>> promise = PromiseToPay(id="PTP-1", customer_id="C1",
        ...     document_ids=("I2", "I1"), amount="150.00 USD",
        ...     promised_on=date(2026, 3, 1), pay_by=date(2026, 3, 15))
        >>> promised_by_document([promise], as_of=date(2026, 3, 10),
        ...     collectable={"I1": Decimal("100.00"), "I2": Decimal("80.00")},
        ...     dues={"I1": date(2026, 1, 31), "I2": date(2026, 2, 28)})
        {'I1': Decimal('100.00'), 'I2': Decimal('50.00')}
    """
    left = dict(collectable)
    result: dict[str, Decimal] = {}
    for promise in sorted(promises, key=lambda p: (p.promised_on, p.id)):
        if not (promise.promised_on <= as_of <= promise.pay_by):
            continue
        remaining = promise.amount.amount
        named = sorted(
            (d for d in set(promise.document_ids) if d in left), key=lambda d: (dues[d], d)
        )
        for doc_id in named:
            take = min(remaining, left[doc_id])
            if take > 0:
                result[doc_id] = result.get(doc_id, Decimal(0)) + take
                left[doc_id] -= take
                remaining -= take
    return result


@in_fixed_context
def age(
    ledger_or_items: Ledger | Iterable[OpenItem],
    *,
    as_of: date,
    basis: Basis = "due_date",
    buckets: Buckets | None = None,
    currency: str | None = None,
    rates: FxRates | None = None,
    credits: CreditsMode = "separate",
    include: Iterable[DocumentKind] = ALL_KINDS,
    entity: str | None = None,
    detail: bool = True,
    customers: Mapping[str, Customer] | None = None,
    disputes: Iterable[Dispute] | None = None,
    promises: Iterable[PromiseToPay] | None = None,
) -> AgingReport:
    """Age what is open on ``as_of`` into ``buckets`` (default :meth:`Buckets.standard`).

    An item's age is ``as_of - due_date`` in days with ``basis="due_date"`` (days past
    due; not yet due is zero or negative, so "current"), or ``as_of - issue_date`` with
    ``basis="invoice_date"``. Credits (unapplied cash, open credit memos, negative) go to
    their own column with ``credits="separate"``, or into the bucket of their own date
    with ``credits="netted"``.

    The open part under an open dispute on ``as_of`` is ``disputed`` (capped at the open
    amount, as :meth:`Ledger.disputed_amount` does); ``collectable = open - disputed``. A
    promise to pay made on or before ``as_of`` and not yet due covers its documents,
    oldest due first, up to their collectable amount: that is ``promised``. Disputes and
    promises come from the ledger, or from ``disputes=``/``promises=`` for plain items.

    With ``currency`` every document's open amount is converted at the rate on
    ``as_of`` from ``rates`` and rounded half up to the currency's minor unit, once per
    document; bucket and line totals are sums of those rounded amounts, so the report's
    total is exactly the sum of the revalued open items (it can differ from converting
    each currency's balance once by a few minor units). Without ``currency`` amounts stay
    in document currency, with one total line per currency.

    Args:
        ledger_or_items: a ledger (aged as of ``as_of`` with its own history) or open
            items already taken from one.
        as_of: the date of the aging.
        basis: ``"due_date"`` or ``"invoice_date"``.
        buckets: the schedule; the standard one by default.
        currency: the reporting currency, or None to keep document currencies.
        rates: exchange rates, needed when a document is in another currency.
        credits: ``"separate"`` or ``"netted"``.
        include: document kinds to age (all by default; the total equals the ledger's
            balance only with all kinds).
        entity: a name for the ledger's company, kept on the rows for :func:`merge`.
        detail: keep one row per document (the drill-down, built on first read of
            ``report.documents``); False keeps only totals.
        customers: customer records for names and groups when aging plain items.
        disputes: disputes to use instead of the ledger's.
        promises: promises to use instead of the ledger's.

    Raises:
        AgingError: an unknown basis, credits mode or document kind.
        MissingRate: a document currency with no rate to ``currency`` on ``as_of``
            (the error names both currencies and the date).

    Examples:
        >>> from receivables.models import Invoice
        >>> from receivables.money import FxRate
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...             total="100.00 EUR"),
        ...     Invoice(id="I2", customer_id="C2", issue_date=date(2026, 2, 20),
        ...             total="50.00 USD"),
        ... ])
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 2, 27),
        ...                               rate=Decimal("1.0850"))])
        >>> report = age(ledger, as_of=date(2026, 2, 28), currency="USD", rates=rates)
        >>> [(b.label, str(b.open.amount)) for b in report.total().buckets if b.items]
        [('1-30', '50.00'), ('31-60', '108.50')]
        >>> report.documents[0].rate, report.documents[0].rate_date
        (Decimal('1.0850'), datetime.date(2026, 2, 27))
    """
    _check_options(basis, credits)
    kinds = _kinds(include)
    buckets = buckets if buckets is not None else Buckets.standard()
    if currency is not None:
        currency = Money.zero(currency).code
    disputed_part: Callable[[str, Decimal], Decimal]
    if isinstance(ledger_or_items, Ledger):
        ledger = ledger_or_items
        items: Iterable[OpenItem] = ledger.open_items(as_of=as_of)
        known_customers = customers if customers is not None else ledger.customers
        promise_list = tuple(ledger.promises if promises is None else promises)
        given_disputes: tuple[Dispute, ...] = ()
        if disputes is None:
            disputed_ids = {d.document_id for d in ledger.disputes}

            def disputed_part(doc_id: str, open_amount: Decimal) -> Decimal:
                return ledger.disputed_amount(doc_id, as_of=as_of).amount

        else:
            given_disputes = tuple(disputes)
            disputed_ids, disputed_part = _disputed_parts(given_disputes, as_of)
    else:
        items = ledger_or_items
        known_customers = customers or {}
        promise_list = tuple(promises or ())
        given_disputes = tuple(disputes or ())
        disputed_ids, disputed_part = _disputed_parts(given_disputes, as_of)
    ctx = _Context(known_customers)
    watched = disputed_ids | {d for p in promise_list for d in p.document_ids}

    n = len(buckets.bands)
    uppers = buckets.upper_edges
    by_due = basis == "due_date"
    netted = credits == "netted"
    reval = _Revaluer(currency, rates, as_of)
    # accumulators per report currency, then per customer: two lookups of interned
    # strings instead of a tuple key built per item
    by_out: dict[str, dict[str, _Acc]] = {}
    kept: list[OpenItem] = []
    # (acc, bucket, quote, open, due) of debits with a dispute or a promise
    special: dict[str, tuple[_Acc, int, FxQuote | None, Decimal, date]] = {}
    special_codes: dict[str, str] = {}
    # the bucket of each date an age counts from: ledgers have far fewer dates than items
    slot_of: dict[date, int] = {}
    bisect_left = bisect.bisect_left
    convert = reval.convert
    filtered = len(kinds) < len(ALL_KINDS)
    last_code: str | None = None
    per_customer: dict[str, _Acc] = {}
    quote: FxQuote | None = None
    with decimal.localcontext() as dctx:
        dctx.prec = 60
        for item in items:
            doc = item.document
            if filtered and doc.kind not in kinds:
                continue
            money = item.open
            code = money.currency.code
            if code != last_code:
                last_code = code
                quote = reval.quote(code)
                per_customer = by_out.setdefault(currency or code, {})
            customer_id = doc.customer_id
            acc = per_customer.get(customer_id)  # type: ignore[arg-type]
            if acc is None:
                if customer_id is None:
                    raise AgingError(
                        f"{doc.kind} {doc.id}: customer_id: an open item without a customer"
                        " cannot be aged; match it to a customer first",
                        document_id=doc.id,
                        field="customer_id",
                    )
                acc = per_customer[customer_id] = _Acc(n)
            amount = money.amount
            if isinstance(doc, (Invoice, DebitMemo)):
                due = doc.due_date
                start = due if by_due and due is not None else doc.issue_date
                slot = slot_of.get(start)
                if slot is None:
                    slot = slot_of[start] = bisect_left(uppers, (as_of - start).days)
                if watched and doc.id in watched:
                    special[doc.id] = (acc, slot, quote, amount, due or start)
                    special_codes[doc.id] = code
            elif netted:
                start = document_date(doc)
                slot = slot_of.get(start)
                if slot is None:
                    slot = slot_of[start] = bisect_left(uppers, (as_of - start).days)
            else:
                slot = n
            acc.open[slot] += amount if quote is None else convert(amount, quote)
            acc.counts[slot] += 1
            if detail:
                kept.append(item)
        _check_record_currencies(special_codes, given_disputes, promise_list)
        disputed, promised = _parts(special, disputed_part, promise_list, as_of, reval)

    accs = {(c, out): acc for out, per in by_out.items() for c, acc in per.items()}
    total_lines, group_lines, customer_lines = _lines(accs, buckets, ctx)
    report = AgingReport(
        as_of=as_of,
        basis=basis,
        buckets=buckets,
        credits_mode=credits,
        currency=currency,
        entities=(entity,) if entity is not None else (),
        rates_used=tuple(q for _, q in sorted(reval.quotes.items())),
        totals=total_lines,
        groups=group_lines,
        customers=customer_lines,
        documents=(),
        detail=detail,
    )
    if not kept:
        return report
    pending = _PendingRows(
        items=kept,
        as_of=as_of,
        by_due=by_due,
        buckets=buckets,
        currency=currency,
        entity=entity,
        groups={c: ctx.group_of(c) for c, _ in accs},
        disputed=disputed,
        promised=promised,
        reval=reval,
    )
    return AgingReport._with_pending_rows(report, pending)


def _check_record_currencies(
    codes: Mapping[str, str], disputes: Iterable[Dispute], promises: Iterable[PromiseToPay]
) -> None:
    """Disputes and promises passed to :func:`age` are not checked by a ledger: one in
    another currency than its document would add, say, euros to a dollar open amount."""
    records: list[Dispute | PromiseToPay] = [*disputes, *promises]
    for record in sorted(records, key=lambda r: (r.kind, r.id)):
        ids = (record.document_id,) if isinstance(record, Dispute) else record.document_ids
        for doc_id in sorted(set(ids)):
            code = codes.get(doc_id)
            if code is not None and code != record.amount.code:
                raise CurrencyMismatch(
                    f"{record.kind} {record.id}: amount: is in {record.amount.code} but"
                    f" {doc_id} is in {code}",
                    document_id=record.id,
                    field="amount",
                )


def _disputed_parts(
    disputes: Iterable[Dispute], as_of: date
) -> tuple[set[str], Callable[[str, Decimal], Decimal]]:
    """The documents under a dispute open on ``as_of``, and the disputed part of each:
    the open disputes' sum capped at the open amount (as ``Ledger.disputed_amount``)."""
    open_disputes = _disputed_by_document(disputes, as_of)

    def part(doc_id: str, open_amount: Decimal) -> Decimal:
        return min(open_disputes.get(doc_id, _ZERO), abs(open_amount))

    return set(open_disputes), part


def _parts(
    special: Mapping[str, tuple[_Acc, int, FxQuote | None, Decimal, date]],
    disputed_part: Callable[[str, Decimal], Decimal],
    promises: Sequence[PromiseToPay],
    as_of: date,
    reval: _Revaluer,
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Disputed and promised parts per document, added to the accumulators (reported)."""
    disputed: dict[str, Decimal] = {}
    for doc_id, (acc, slot, quote, amount, _) in sorted(special.items()):
        part = disputed_part(doc_id, amount)
        if part:
            disputed[doc_id] = part
            acc.disputed[slot] = acc.disputed.get(slot, _ZERO) + reval.convert(part, quote)
    collectable = {d: s[3] - disputed.get(d, _ZERO) for d, s in special.items()}
    dues = {d: s[4] for d, s in special.items()}
    promised = promised_by_document(promises, as_of=as_of, collectable=collectable, dues=dues)
    for doc_id, part in promised.items():
        acc, slot, quote, _, _ = special[doc_id]
        acc.promised[slot] = acc.promised.get(slot, _ZERO) + reval.convert(part, quote)
    return disputed, promised


# --------------------------------------------------------------------------------------
# merge()
# --------------------------------------------------------------------------------------


def _check_map(customer_map: Mapping[str, str]) -> None:
    for source, target in customer_map.items():
        onward = customer_map.get(target)
        if onward is not None and onward != target:
            raise IncompatibleReports(
                f"customer_map maps {source!r} to {target!r} and {target!r} on to {onward!r};"
                " map each id straight to its final id",
                document_id=source,
                field="customer_map",
            )


@in_fixed_context
def merge(
    reports: Sequence[AgingReport],
    *,
    currency: str | None = None,
    rates: FxRates | None = None,
    customer_map: Mapping[str, str] | None = None,
) -> AgingReport:
    """One aging from the agings of several entities (the "merged ageing report").

    The reports must share ``as_of``, basis, buckets and credits mode and carry their
    document rows; otherwise :class:`IncompatibleReports` says what differs. Customers
    are matched by id, after ``customer_map`` (e.g. ``{"DE-0042": "ACME"}``) renames ids
    and group ids. With ``currency`` and ``rates`` each document is revalued from its own
    currency at the rate on ``as_of``; without ``rates`` a row keeps the amount already
    reported when that is in the target currency. Merging is associative and commutative:
    the result depends only on the set of documents, which must be distinct by
    ``(entity, document_id)``.

    Examples:
        >>> from receivables.models import Invoice
        >>> def one(entity, doc_id, customer):
        ...     ledger = Ledger([Invoice(id=doc_id, customer_id=customer,
        ...                              issue_date=date(2026, 1, 1), total="10.00 USD")])
        ...     return age(ledger, as_of=date(2026, 1, 15), entity=entity)
        >>> merged = merge([one("US", "I1", "ACME-US"), one("CA", "I1", "ACME")],
        ...                customer_map={"ACME-US": "ACME"})
        >>> [(line.key, str(line.total.amount)) for line in merged.customers]
        [('ACME', '20.00')]
    """
    if not reports:
        raise IncompatibleReports("merge needs at least one report", field="reports")
    first = reports[0]
    for other in reports[1:]:
        for field in ("as_of", "basis", "buckets", "credits_mode"):
            if getattr(other, field) != getattr(first, field):
                raise IncompatibleReports(
                    f"reports differ in {field}: {getattr(first, field)!r} and"
                    f" {getattr(other, field)!r}; age every entity with the same {field}",
                    field=field,
                )
    for report in reports:
        if not report.detail:
            raise IncompatibleReports(
                f"a report of {list(report.entities) or 'an entity'} was aged with"
                " detail=False; merge needs the document rows to revalue and match them",
                field="detail",
            )
    if currency is None:
        currencies = {r.currency for r in reports}
        if len(currencies) > 1:
            raise IncompatibleReports(
                f"reports are in {sorted(str(c) for c in currencies)}: name a currency (and"
                " pass rates) to merge them",
                field="currency",
            )
        currency = currencies.pop()
    else:
        currency = Money.zero(currency).code
    mapping = dict(customer_map or {})
    _check_map(mapping)
    as_of, buckets = first.as_of, first.buckets
    reval = _Revaluer(currency, rates, as_of)
    n = len(buckets.bands)
    netted = first.credits_mode == "netted"
    accs: dict[tuple[str, str], _Acc] = {}
    rows: list[AgingRow] = []
    seen: set[tuple[str, str]] = set()
    groups: dict[str, str] = {}
    with decimal.localcontext() as dctx:
        dctx.prec = 60
        for report in reports:
            for row in report.documents:
                ident = (row.entity or "", row.document_id)
                if ident in seen:
                    raise IncompatibleReports(
                        f"document {row.document_id} of entity {row.entity!r} is in two"
                        " reports; give each ledger its own entity name in age()",
                        document_id=row.document_id,
                        field="entity",
                    )
                seen.add(ident)
                row = _restate(row, currency, rates, reval, mapping)
                known = groups.get(row.customer_id)
                groups[row.customer_id] = (
                    row.group_id if known is None else min(known, row.group_id)
                )
                key = (row.customer_id, row.reported_currency)
                acc = accs.get(key)
                if acc is None:
                    acc = accs[key] = _Acc(n)
                idx = buckets.labels.index(row.bucket)
                slot = idx if not row.is_credit or netted else n
                acc.open[slot] += row.reported_open.amount
                acc.counts[slot] += 1
                if row.reported_disputed.amount:
                    acc.disputed[slot] = acc.disputed.get(slot, Decimal(0)) + (
                        row.reported_disputed.amount
                    )
                if row.reported_promised.amount:
                    acc.promised[slot] = acc.promised.get(slot, Decimal(0)) + (
                        row.reported_promised.amount
                    )
                rows.append(row)
    names = _MergedNames(reports, mapping, groups)
    total_lines, group_lines, customer_lines = _lines(accs, buckets, names)
    used = list(reval.quotes.values())
    if rates is None:
        used += [q for r in reports for q in r.rates_used if q.target == currency]
    quotes = {_quote_key(q): q for q in used}
    return AgingReport(
        as_of=as_of,
        basis=first.basis,
        buckets=buckets,
        credits_mode=first.credits_mode,
        currency=currency,
        entities=tuple(sorted({e for r in reports for e in r.entities})),
        rates_used=tuple(quotes[k] for k in sorted(quotes)),
        totals=total_lines,
        groups=group_lines,
        customers=customer_lines,
        documents=tuple(sorted(rows, key=_row_key)),
        detail=True,
    )


def _quote_key(q: FxQuote) -> tuple[str, str, str, str, Decimal, tuple[str, ...]]:
    return (q.source, q.target, str(q.rate_date), q.requested_on.isoformat(), q.rate, q.path)


class _MergedNames(_Context):
    """Names and groups of merged customers, from the rows and the reports' lines."""

    def __init__(
        self,
        reports: Sequence[AgingReport],
        mapping: Mapping[str, str],
        groups: Mapping[str, str],
    ) -> None:
        super().__init__({})
        self.groups = groups
        names: dict[str, str] = {}
        for report in reports:
            for line in (*report.customers, *report.groups):
                key = mapping.get(line.key, line.key)
                if line.name is not None and (key not in names or line.name < names[key]):
                    names[key] = line.name
        self.names = names

    def group_of(self, customer_id: str) -> str:
        return self.groups.get(customer_id, customer_id)

    def name_of(self, key: str) -> str | None:
        return self.names.get(key)


def _restate(
    row: AgingRow,
    currency: str | None,
    rates: FxRates | None,
    reval: _Revaluer,
    mapping: Mapping[str, str],
) -> AgingRow:
    update: dict[str, object] = {}
    customer = mapping.get(row.customer_id, row.customer_id)
    group = mapping.get(row.group_id, row.group_id)
    if customer != row.customer_id or group != row.group_id:
        update["customer_id"] = customer
        update["group_id"] = group
    target = currency or row.currency
    if rates is not None or target != row.reported_currency:
        if rates is None and target != row.currency:
            raise MissingRate(row.currency, target, reval.as_of)
        quote = reval.quote(row.currency)
        update.update(
            reported_currency=target,
            rate=quote.rate if quote is not None else Decimal(1),
            rate_date=quote.rate_date if quote is not None else None,
            reported_open=Money(reval.convert(row.open.amount, quote), target),
            reported_disputed=Money(reval.convert(row.disputed.amount, quote), target),
            reported_promised=Money(reval.convert(row.promised.amount, quote), target),
        )
    return row.model_copy(update=update) if update else row
