"""Statements of account in the transaction, party or functional currency.

A statement of account lists what a customer owes on a date: every open item (invoices
and debit memos not fully settled, unapplied cash and unused credit memos as negative
items) with its issue and due date, days overdue, original, open and disputed amounts,
and the balance. :func:`statement_of_account` builds it as a value in one of the three
views of :mod:`receivables.fx`:

* ``"transaction"``: each item in its own currency, rate 1; the statement totals per
  currency (exactly :meth:`Ledger.balances <receivables.ledger.Ledger.balances>` of the
  customer).
* ``"party"``: every item in the customer's currency (:attr:`Customer.currency`), one
  total.
* ``"functional"``: every item in the ledger's functional currency
  (:attr:`Ledger.functional_currency`), one total.

**Valuation rule.** An open receivable is a monetary item, and IAS 21 *The Effects of
Changes in Foreign Exchange Rates* (IASB, 2003, para. 23(a)) translates monetary items
at the *closing rate*: on a statement in another currency than the item's, the item is
shown at the rate of ``as_of`` (the latest table rate on or before it), rounded half up
to the view currency's minor unit **once per item**:

    shown open = round(open x c_as_of)      total = sum of shown open amounts

That is the aging's revaluation (:func:`receivables.aging.age` with ``currency=``), so
the statement's total equals the customer's line of that aging to the minor unit. The
original and the disputed part of the item are shown at the same rate, so every amount
of a line is in one currency at one rate.

In the functional view a document may carry its own booked ``functional_rate``: the books
carry it at ``round(open x booked rate)`` (:func:`receivables.fx.carrying_amount`,
IAS 21.21), which differs from the closing-rate amount by the unrealised exchange
difference (IAS 21.28). Such a line shows the closing-rate amount as ``open`` and, as
extra columns, ``carrying`` and ``unrealised = open - carrying``, so the difference is
visible; :func:`receivables.fx.unrealised_fx` gives the same figures for the books.

With ``start`` the statement also carries the period's roll-forward of the customer
(:func:`receivables.reconcile.reconcile` in the same view): opening balance at
``start``, the movement lines, closing balance at ``as_of`` (equal to the statement's
total).

Examples:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Customer, Invoice
    >>> from receivables.money import FxRate, FxRates
    >>> ledger = Ledger([Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 9, 1),
    ...                          due_date=date(2026, 10, 1), total="1000.00 USD")],
    ...                 customers=[Customer(id="C1", name="Kunde", currency="EUR")],
    ...                 functional_currency="USD")
    >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 10, 31),
    ...                               rate=Decimal("1.08"))])
    >>> st = statement_of_account(ledger, "C1", as_of=date(2026, 10, 31), view="party",
    ...                           rates=rates)
    >>> line = st.lines[0]
    >>> str(line.open), line.rate_date, line.days_overdue, str(st.total())
    ('925.93 EUR', datetime.date(2026, 10, 31), 30, '925.93 EUR')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict

from receivables.errors import ReceivablesError
from receivables.fx import (
    FxError,
    RateSource,
    Valuation,
    View,
    carrying_amount,
)
from receivables.ledger import Ledger, OpenItem
from receivables.money import ExactDecimal, FxRates, Money, in_fixed_context
from receivables.reconcile import RollForwardRow, _customer_roll_forward
from receivables.tabular import Tabular

__all__ = [
    "Statement",
    "StatementError",
    "StatementLine",
    "StatementRate",
    "statement_of_account",
]


class StatementError(ReceivablesError, ValueError):
    """A statement that cannot be drawn: no currency to total in."""


class StatementLine(BaseModel):
    """One open item of a statement, in the statement's view currency ``currency``.

    ``original``, ``open`` and ``disputed`` are the document's amounts (``open`` signed:
    credits negative; ``disputed`` the part under open dispute, capped at the open amount)
    converted at ``rate`` (the closing rate of ``as_of`` found on ``rate_date``; 1 and no
    date when the item is in the view currency), each rounded half up once.
    ``transaction_open`` is the open amount in the document's own currency.

    ``carrying``, ``booked_rate`` and ``unrealised`` are set in the functional view for a
    document with its own booked ``functional_rate``: the open amount at the booked rate
    and ``open - carrying``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    kind: str
    issue_date: date
    due_date: date
    days_overdue: int
    is_credit: bool
    transaction_currency: str
    transaction_open: Money
    currency: str
    original: Money
    open: Money
    disputed: Money
    rate: ExactDecimal
    rate_date: date | None = None
    rate_source: RateSource
    booked_rate: ExactDecimal | None = None
    carrying: Money | None = None
    unrealised: Money | None = None

    @property
    def collectable(self) -> Money:
        """The open amount not under dispute."""
        return self.open - self.disputed


class StatementRate(BaseModel):
    """A rate a statement converted with: 1 ``source`` = ``rate`` ``target``, the table's
    rate for ``on`` found on ``rate_date``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    target: str
    rate: ExactDecimal
    on: date
    rate_date: date | None = None


class Statement(BaseModel, Tabular):
    """A customer's statement of account on ``as_of`` in one view.

    ``currency`` is the view currency (None in the transaction view, whose lines keep
    their own currencies). ``totals`` is the closing balance, one per currency (sorted; one
    in the party and functional views), the sum of the lines' ``open``. ``rates`` are the
    conversions used (empty when nothing was converted); ``period`` the customer's
    roll-forward rows from ``start`` when one was given; ``rules`` say how the amounts were
    valued.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    customer_name: str | None = None
    view: View
    currency: str | None = None
    as_of: date
    start: date | None = None
    lines: tuple[StatementLine, ...]
    totals: tuple[Money, ...]
    disputed: tuple[Money, ...]
    rates: tuple[StatementRate, ...] = ()
    period: tuple[RollForwardRow, ...] = ()
    rules: tuple[str, ...] = ()

    def total(self, currency: str | None = None) -> Money:
        """The closing balance in ``currency`` (the only one when the statement has one).

        Examples:
            >>> from datetime import date
            >>> from receivables.models import Invoice
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...                          issue_date=date(2026, 1, 5), total="80.00 USD")])
            >>> statement_of_account(ledger, "C1", as_of=date(2026, 1, 31)).total()
            Money('80.00', 'USD')
        """
        if currency is None:
            if len(self.totals) != 1:
                raise StatementError(
                    f"statement of {self.customer_id}: totals in"
                    f" {[t.code for t in self.totals]}: name a currency",
                    document_id=self.customer_id,
                    field="currency",
                )
            return self.totals[0]
        code = Money.zero(currency).code
        return next((t for t in self.totals if t.code == code), Money.zero(code))

    def opening(self, currency: str | None = None) -> Money | None:
        """The opening balance at ``start`` in ``currency`` (None without ``start``)."""
        if self.start is None:
            return None
        code = self.total(currency).code
        row = next((r for r in self.period if r.currency == code), None)
        return row.opening.amount if row is not None else Money.zero(code)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per line, amounts as Decimal.

        Examples:
            >>> from datetime import date
            >>> from receivables.models import Invoice
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...                          issue_date=date(2026, 1, 5), total="80.00 USD")])
            >>> row = statement_of_account(ledger, "C1", as_of=date(2026, 3, 1)).to_rows()[0]
            >>> row["open"], row["currency"], row["days_overdue"]
            (Decimal('80.00'), 'USD', 55)
        """
        return [
            {
                "customer_id": self.customer_id,
                "view": self.view,
                "as_of": self.as_of,
                "document_id": line.document_id,
                "kind": line.kind,
                "issue_date": line.issue_date,
                "due_date": line.due_date,
                "days_overdue": line.days_overdue,
                "is_credit": line.is_credit,
                "transaction_currency": line.transaction_currency,
                "transaction_open": line.transaction_open.amount,
                "currency": line.currency,
                "original": line.original.amount,
                "open": line.open.amount,
                "disputed": line.disputed.amount,
                "collectable": line.collectable.amount,
                "rate": line.rate,
                "rate_date": line.rate_date,
                "rate_source": line.rate_source,
                "booked_rate": line.booked_rate,
                "carrying": line.carrying.amount if line.carrying is not None else None,
                "unrealised": line.unrealised.amount if line.unrealised is not None else None,
            }
            for line in self.lines
        ]


def _rules(view: View, currency: str | None) -> tuple[str, ...]:
    if view == "transaction":
        return ("transaction view: every item in its own currency; totals per currency",)
    rules = [
        f"{view} view: every item in {currency}",
        "items in another currency at the closing rate of as_of (IAS 21.23(a)), each"
        " item's original, open and disputed amounts rounded half up once; the total is"
        " the sum of the rounded items, as the aging revalues",
    ]
    if view == "functional":
        rules.append(
            "an item with a booked functional_rate also shows its carrying amount at that"
            " rate and the unrealised difference open - carrying (IAS 21.21, 21.28)"
        )
    return tuple(rules)


def _sum(amounts: Iterable[Money]) -> tuple[Money, ...]:
    totals: dict[str, Money] = {}
    for m in amounts:
        totals[m.code] = totals[m.code] + m if m.code in totals else m
    return tuple(totals[c] for c in sorted(totals))


def _line(
    ledger: Ledger,
    item: OpenItem,
    *,
    as_of: date,
    view: View,
    target: str | None,
    valuation: Valuation,
    rates_used: dict[str, StatementRate],
) -> StatementLine:
    doc = item.document
    code = item.open.code
    out = target or code
    disputed = ledger.disputed_amount(doc.id, as_of=as_of)
    rate, when = valuation.spot(
        code,
        out,
        as_of,
        ref=f"{doc.kind} {doc.id}",
        field="as_of",
        need=f"show its open amount in {out} at the closing rate",
    )
    source: RateSource = "identity" if code == out else "table"
    if source == "table":
        rates_used[code] = StatementRate(
            source=code, target=out, rate=rate, on=as_of, rate_date=when
        )
    # carrying_amount is round(x * rate) half up: the one rounding rule of fx and aging.
    shown_open = carrying_amount(item.open, rate, out)
    booked = doc.functional_rate if view == "functional" and code != out else None
    carrying = carrying_amount(item.open, booked, out) if booked is not None else None
    return StatementLine(
        document_id=doc.id,
        kind=doc.kind,
        issue_date=item.issue_date,
        due_date=item.due_date,
        days_overdue=0 if item.is_credit else max(0, (as_of - item.due_date).days),
        is_credit=item.is_credit,
        transaction_currency=code,
        transaction_open=item.open,
        currency=out,
        original=carrying_amount(item.original, rate, out),
        open=shown_open,
        disputed=carrying_amount(disputed, rate, out),
        rate=rate,
        rate_date=when,
        rate_source=source,
        booked_rate=booked,
        carrying=carrying,
        unrealised=shown_open - carrying if carrying is not None else None,
    )


@in_fixed_context
def statement_of_account(
    ledger: Ledger,
    customer_id: str,
    *,
    as_of: date,
    view: View = "transaction",
    rates: FxRates | None = None,
    start: date | None = None,
) -> Statement:
    """The statement of account of ``customer_id`` on ``as_of`` in ``view``.

    Every open item of the customer on ``as_of`` (movements after it ignored), in the
    view currency: ``round(amount x closing rate of as_of)`` per item (IAS 21.23(a)),
    total = sum of the rounded items. With ``start``, ``period`` holds the customer's
    roll-forward of ``(start, as_of]`` in the same view (:func:`reconcile`), which needs
    the booking rates of the ledger's documents in that view too.

    Args:
        ledger: the ledger; its history gives the open items on any date.
        customer_id: the customer.
        as_of: the statement date.
        view: ``"transaction"``, ``"party"`` (the customer's currency) or
            ``"functional"`` (the ledger's functional currency).
        rates: exchange rates, needed for items in another currency than the view's.
        start: the last day of the previous statement period, for the opening balance.

    Raises:
        FxError: an unknown view; the party view without a customer record; the
            functional view without a functional currency on the ledger.
        MissingViewRate: no rate for an item on ``as_of`` (names the document, the
            field ``as_of``, the pair and the date).
        ReconcileError: ``start`` after ``as_of``.

    Examples:
        >>> from decimal import Decimal
        >>> from receivables.models import Invoice
        >>> from receivables.money import FxRate
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 9, 1),
        ...                          total="1000.00 EUR", functional_rate=Decimal("1.10"))],
        ...                 functional_currency="USD")
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 10, 31),
        ...                               rate=Decimal("1.08"))])
        >>> line = statement_of_account(ledger, "C1", as_of=date(2026, 10, 31),
        ...                             view="functional", rates=rates).lines[0]
        >>> str(line.open), str(line.carrying), str(line.unrealised)
        ('1080.00 USD', '1100.00 USD', '-20.00 USD')
    """
    valuation = Valuation(ledger, view=view, rates=rates)
    customer = ledger.customers.get(customer_id)
    target: str | None = None
    if view == "party":
        if customer is None:
            raise FxError(
                f"party view: customer_id: no customer record for {customer_id!r}, so no"
                " party currency",
                document_id=customer_id,
                field="customer_id",
            )
        target = customer.currency
    elif view == "functional":
        target = valuation.functional
    period: tuple[RollForwardRow, ...] = ()
    if start is not None:
        period = _customer_roll_forward(
            ledger, start=start, as_of=as_of, view=view, rates=rates, customer_id=customer_id
        ).customer(customer_id)
    rates_used: dict[str, StatementRate] = {}
    lines = tuple(
        _line(
            ledger,
            item,
            as_of=as_of,
            view=view,
            target=target,
            valuation=valuation,
            rates_used=rates_used,
        )
        for item in ledger.open_items(as_of=as_of, customer_id=customer_id)
    )
    totals = _sum(line.open for line in lines)
    disputed = _sum(line.disputed for line in lines)
    if target is not None:
        totals = totals or (Money.zero(target),)
        disputed = disputed or (Money.zero(target),)
    return Statement(
        customer_id=customer_id,
        customer_name=customer.name if customer is not None else None,
        view=view,
        currency=target,
        as_of=as_of,
        start=start,
        lines=lines,
        totals=totals,
        disputed=disputed,
        rates=tuple(rates_used[c] for c in sorted(rates_used)),
        period=period,
        rules=_rules(view, target),
    )
