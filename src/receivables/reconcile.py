"""An aging that proves itself: the roll-forward of a balance, and the tie-out to the GL.

A roll-forward (the "accounts receivable rollforward" of every audit programme, e.g.
AICPA *Audit Guide: Audit Sampling* and Arens, Elder & Beasley, *Auditing and Assurance
Services*, 16th ed., 2017, ch. 16, "tests of details of balances: reconcile the aged trial
balance to the general ledger") explains the balance at ``as_of`` from the balance at
``start``:

    opening + invoices + debit memos - credit memos - cash - discounts - write-offs
        + refunds +/- transfers +/- realised FX +/- unrealised FX = closing = aging total

Every figure of :func:`reconcile` is the signed effect of its documents on the balance (a
credit memo line of ``-200.00`` takes 200 off), with the ids of the documents and
movements behind it, so ``closing = opening + sum of the lines``; ``aging_total`` is the
total of :func:`receivables.aging.age` as of ``as_of`` in the same currency, computed
independently, and ``difference = aging_total - closing`` is zero when the ledger
proves itself (a property test checks it for every generated ledger and date).

The period is ``(start, as_of]``: ``opening`` is the aging total as of ``start`` (the last
day of the previous period), so documents and movements dated ``start`` belong to it.
Without ``start`` the roll-forward runs from the beginning and ``opening`` is zero.

* ``cash`` is the cash *received* in the period. The aging keeps unapplied cash as a
  negative item, so cash lowers the balance when it arrives; applying it to an invoice
  then moves nothing in the same currency and customer, except its discount, write-off and
  realised FX.
* ``write_offs`` are write-offs of applications and :class:`~receivables.models.WriteOff`
  movements (on a credit a write-off raises the balance).
* ``refunds`` raise the balance: they use up a credit.
* ``transfers`` are applications between two rows: between customers of one group (they
  cancel in the total) or between two currencies of the view (transaction view, or party
  currencies of a group).
* ``realised_fx`` and ``unrealised_fx`` exist in the party and functional views only; see
  :mod:`receivables.fx` for the rates and the rounding of each value.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Application, Invoice, Payment
    >>> ledger = Ledger([
    ...     Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...             total="500.00 EUR"),
    ...     Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 2, 3),
    ...             total="300.00 EUR"),
    ...     Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 2, 10),
    ...             amount="490.00 EUR"),
    ... ]).apply([Application(id="A1", source_id="PAY-1", target_id="INV-1",
    ...                       applied_on=date(2026, 2, 10), amount="490.00 EUR",
    ...                       discount="10.00 EUR")])
    >>> rf = reconcile(ledger, start=date(2026, 1, 31), as_of=date(2026, 2, 28))
    >>> row = rf.total()
    >>> for name, figure in row.figures():
    ...     if figure.amount.amount:
    ...         print(f"{name:<10} {figure.amount.amount:>8}  {', '.join(figure.documents)}")
    opening      500.00  INV-1
    invoices     300.00  INV-2
    cash        -490.00  PAY-1
    discounts    -10.00  A1
    closing      300.00  INV-2
    >>> row.cash.documents, row.aging_total, rf.balanced
    (('PAY-1',), Money('300.00', 'EUR'), True)
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from receivables.aging import AgingReport, age
from receivables.errors import ReceivablesError
from receivables.fx import (
    LINES,
    Key,
    Line,
    Roll,
    Valuation,
    View,
    group_effects,
)
from receivables.ledger import Ledger, OpenItem, document_date, movement_date
from receivables.money import FxRates, Money, in_fixed_context
from receivables.tabular import Tabular

__all__ = [
    "Figure",
    "GlPosting",
    "ReconcileError",
    "RollForward",
    "RollForwardRow",
    "TieOut",
    "TieOutItem",
    "reconcile",
    "tie_out",
]


class ReconcileError(ReceivablesError, ValueError):
    """A reconciliation that cannot be made: dates out of order, a control balance or a GL
    posting in another currency than the view's."""


class Figure(BaseModel):
    """One figure of a roll-forward: its signed effect on the balance and the documents
    (and movements) behind it, sorted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Money
    documents: tuple[str, ...] = ()


class RollForwardRow(BaseModel):
    """The roll-forward of one customer (``level="customer"``) or of the total, in one
    currency. ``closing = opening + the lines``; ``aging_total`` is the aging's total for
    the same row as of ``as_of``; ``difference = aging_total - closing``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Literal["customer", "total"]
    customer_id: str | None = None
    currency: str
    opening: Figure
    invoices: Figure
    debit_memos: Figure
    credit_memos: Figure
    cash: Figure
    discounts: Figure
    write_offs: Figure
    refunds: Figure
    transfers: Figure
    realised_fx: Figure
    unrealised_fx: Figure
    closing: Figure
    aging_total: Money
    difference: Money

    @property
    def balanced(self) -> bool:
        """True when the roll-forward ends on the aging total."""
        return self.difference.amount == 0

    def figures(self) -> tuple[tuple[str, Figure], ...]:
        """``(name, figure)`` from ``opening`` through the lines to ``closing``."""
        names = ("opening", *LINES, "closing")
        return tuple((name, getattr(self, name)) for name in names)


class RollForward(BaseModel, Tabular):
    """A roll-forward from ``start`` to ``as_of`` in one view: a row per customer and
    currency, a total per currency, and the rules used to value the figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None
    as_of: date
    view: View
    currency: str | None = None
    rows: tuple[RollForwardRow, ...]
    totals: tuple[RollForwardRow, ...]
    rules: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        """True when every row and total ends on its aging total."""
        return all(r.balanced for r in (*self.rows, *self.totals))

    def customer(self, customer_id: str) -> tuple[RollForwardRow, ...]:
        """The rows of one customer (one per currency)."""
        return tuple(r for r in self.rows if r.customer_id == customer_id)

    def total(self, currency: str | None = None) -> RollForwardRow:
        """The total row in ``currency`` (the only one when there is one)."""
        if currency is None and len(self.totals) == 1:
            return self.totals[0]
        for row in self.totals:
            if row.currency == currency:
                return row
        raise ReconcileError(
            f"no total in {currency}: the roll-forward has {[t.currency for t in self.totals]}",
            field="currency",
        )

    def to_rows(self, level: Literal["customer", "total"] = "customer") -> list[dict[str, object]]:
        """One plain dict per row: the figures' amounts as Decimal, and the check.

        Examples:
            >>> from receivables.models import Invoice
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...                          issue_date=date(2026, 1, 5), total="80.00 USD")])
            >>> rows = reconcile(ledger, as_of=date(2026, 1, 31)).to_rows()
            >>> rows[0]["invoices"], rows[0]["closing"], rows[0]["difference"]
            (Decimal('80.00'), Decimal('80.00'), Decimal('0.00'))
        """
        chosen = self.rows if level == "customer" else self.totals
        out: list[dict[str, object]] = []
        for row in chosen:
            record: dict[str, object] = {
                "level": row.level,
                "customer_id": row.customer_id,
                "currency": row.currency,
            }
            for name, figure in row.figures():
                record[name] = figure.amount.amount
            record["aging_total"] = row.aging_total.amount
            record["difference"] = row.difference.amount
            out.append(record)
        return out


def _rules(valuation: Valuation) -> tuple[str, ...]:
    if valuation.view == "transaction":
        return ("transaction view: every amount in its own currency; no exchange rates",)
    target = (
        f"the functional currency {valuation.functional}"
        if valuation.view == "functional"
        else "each customer's party currency"
    )
    return (
        f"{valuation.view} view: amounts in {target}",
        "documents at their booked rate: the document's functional_rate when valued in the"
        " functional currency, else the table rate on the document date (IAS 21.21)",
        "opening and closing balances at the closing rates of start and as_of, each open"
        " document rounded once, as the aging revalues (IAS 21.23(a))",
        "discounts and write-offs of an application at the rate of the payment; realised FX"
        " = payment carrying + discount + write-off - invoice carrying (IAS 21.28)",
        "unrealised FX = change in (revalued - carrying) of the open documents (IAS 21.28-29)",
    )


def _aging_lines(
    ledger: Ledger,
    valuation: Valuation,
    roll: Roll,
    rates: FxRates | None,
    customer_id: str | None = None,
) -> tuple[dict[Key, Money], dict[str, Money]]:
    """The aging's totals as of ``as_of`` per (customer, currency) and per currency."""
    as_of = roll.as_of
    items = ledger.open_items(as_of=as_of, customer_id=customer_id)
    by_customer: dict[Key, Money] = {}
    by_currency: dict[str, Money] = {}
    reports: list[AgingReport] = []
    if valuation.view == "transaction":
        reports.append(age(items, as_of=as_of, detail=False, customers=ledger.customers))
    elif valuation.view == "functional":
        reports.append(
            age(
                items,
                as_of=as_of,
                currency=valuation.functional,
                rates=rates,
                detail=False,
                customers=ledger.customers,
            )
        )
    else:
        groups: dict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            groups[valuation.currency_for(item.document)].append(item)
        for code in sorted(groups):
            reports.append(
                age(
                    groups[code],
                    as_of=as_of,
                    currency=code,
                    rates=rates,
                    detail=False,
                    customers=ledger.customers,
                )
            )
    for report in reports:
        for line in report.customers:
            by_customer[(line.key, line.currency)] = line.total
        for line in report.totals:
            by_currency[line.currency] = line.total
    return by_customer, by_currency


def _figure(amount: Decimal, code: str, refs: Iterable[str]) -> Figure:
    return Figure(amount=Money(amount, code), documents=tuple(sorted(set(refs))))


def _row(
    level: Literal["customer", "total"],
    customer_id: str | None,
    code: str,
    lines: Mapping[Line, tuple[Decimal, list[str]]],
    opening: tuple[Decimal, list[str]],
    closing_docs: list[str],
    aging_total: Money,
) -> RollForwardRow:
    figures: dict[str, Figure] = {}
    for line in LINES:
        amount, refs = lines.get(line, (Decimal(0), []))
        figures[line] = _figure(amount, code, refs)
    closing = opening[0] + sum((f.amount.amount for f in figures.values()), Decimal(0))
    closing_figure = _figure(closing, code, closing_docs)
    return RollForwardRow(
        level=level,
        customer_id=customer_id,
        currency=code,
        opening=_figure(opening[0], code, opening[1]),
        closing=closing_figure,
        aging_total=aging_total,
        difference=aging_total - closing_figure.amount,
        **figures,
    )


@in_fixed_context
def reconcile(
    ledger: Ledger,
    *,
    as_of: date,
    start: date | None = None,
    currency: str | None = None,
    view: View = "transaction",
    rates: FxRates | None = None,
) -> RollForward:
    """The roll-forward of the receivables balance from ``start`` to ``as_of``.

    ``closing = opening + invoices + debit_memos + credit_memos + cash + discounts +
    write_offs + refunds + transfers + realised_fx + unrealised_fx`` (signed figures), per
    customer and currency and in total per currency, checked against the aging total.

    Args:
        ledger: the ledger; its history gives the balance on any date.
        as_of: the last day of the period.
        start: the last day of the previous period (its aging is the opening balance);
            None to run from the beginning.
        currency: in the transaction and party views, keep only rows in this currency; in
            the functional view, the functional currency when the ledger names none.
        view: ``"transaction"`` (document currencies), ``"party"`` (each customer's
            currency) or ``"functional"`` (the ledger's functional currency).
        rates: exchange rates, needed by the party and functional views for documents in
            other currencies (booking rates when a document has no ``functional_rate``,
            closing rates on ``start`` and ``as_of``).

    Raises:
        ReconcileError: ``start`` after ``as_of``.
        FxError: an unknown view, no functional currency, no customer record in the party
            view.
        MissingViewRate: a rate the view needs is missing (names document, date, field).

    Examples:
        >>> from decimal import Decimal
        >>> from receivables.models import Invoice
        >>> from receivables.money import FxRate
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="1000.00 EUR", functional_rate=Decimal("1.10"))],
        ...                 functional_currency="USD")
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 31),
        ...                               rate=Decimal("1.12"))])
        >>> row = reconcile(ledger, as_of=date(2026, 1, 31), view="functional",
        ...                 rates=rates).total()
        >>> str(row.invoices.amount), str(row.unrealised_fx.amount), str(row.closing.amount)
        ('1100.00 USD', '20.00 USD', '1120.00 USD')
        >>> row.balanced
        True
    """
    return _customer_roll_forward(
        ledger, as_of=as_of, start=start, currency=currency, view=view, rates=rates
    )


def _customer_roll_forward(
    ledger: Ledger,
    *,
    as_of: date,
    start: date | None = None,
    currency: str | None = None,
    view: View = "transaction",
    rates: FxRates | None = None,
    customer_id: str | None = None,
) -> RollForward:
    """:func:`reconcile`, or with ``customer_id`` only what that customer's rows need: its
    documents, the documents its movements meet and its aging (the statement's period).
    The rows of ``customer_id`` are those :func:`reconcile` gives; other rows and the
    totals are partial then."""
    if start is not None and start > as_of:
        raise ReconcileError(
            f"start: {start.isoformat()} is after as_of {as_of.isoformat()}", field="start"
        )
    valuation = Valuation(ledger, view=view, rates=rates, currency=currency)
    roll = valuation.roll(start=start, as_of=as_of, customer_id=customer_id)
    sums = group_effects(roll.effects)
    aging_customers, aging_totals = _aging_lines(ledger, valuation, roll, rates, customer_id)
    rows: list[RollForwardRow] = []
    for key in sorted(roll.keys):
        customer_id, code = key
        rows.append(
            _row(
                "customer",
                customer_id,
                code,
                sums.get(key, {}),
                (roll.opening.get(key, Decimal(0)), roll.opening_docs.get(key, [])),
                roll.closing_docs.get(key, []),
                aging_customers.get(key, Money.zero(code)),
            )
        )
    totals: list[RollForwardRow] = []
    for code in sorted({k[1] for k in roll.keys}):
        lines: dict[Line, tuple[Decimal, list[str]]] = {}
        opening = Decimal(0)
        opening_docs: list[str] = []
        closing_docs: list[str] = []
        for key in roll.keys:
            if key[1] != code:
                continue
            opening += roll.opening.get(key, Decimal(0))
            opening_docs += roll.opening_docs.get(key, [])
            closing_docs += roll.closing_docs.get(key, [])
            for line, (amount, refs) in sums.get(key, {}).items():
                total, known = lines.get(line, (Decimal(0), []))
                lines[line] = (total + amount, known + refs)
        aging_total = (
            aging_totals.get(code, Money.zero(code))
            if view != "party"
            else sum(
                (r.aging_total for r in rows if r.currency == code),
                Money.zero(code),
            )
        )
        totals.append(
            _row("total", None, code, lines, (opening, opening_docs), closing_docs, aging_total)
        )
    return RollForward(
        start=start,
        as_of=as_of,
        view=view,
        currency=currency,
        rows=tuple(rows),
        totals=tuple(totals),
        rules=_rules(valuation),
    )


# --------------------------------------------------------------------------------------
# Tie-out to the general ledger
# --------------------------------------------------------------------------------------

TieOutKind = Literal[
    "not_in_ledger",
    "dated_after_as_of",
    "not_yet_in_gl",
    "amount_differs",
    "not_revalued",
    "revaluation_rounding",
    "after_as_of",
]


class GlPosting(BaseModel):
    """A posting of the caller's general ledger to the receivables control account.

    ``reference`` is the document or movement id it posts; ``amount`` its signed effect
    on the control account (debit positive) in the control account's currency.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str
    posted_on: date
    amount: Money
    description: str | None = None


class TieOutItem(BaseModel):
    """One reconciling item: ``amount`` is its share of ``control - ledger``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TieOutKind
    reference: str
    on: date | None
    amount: Money
    reason: str


class TieOut(BaseModel):
    """The ledger's balance against the GL control balance as of ``as_of``.

    ``difference = control_balance - ledger_balance``; ``items`` explain it (their sum is
    ``explained``) and ``unexplained = difference - explained`` is zero when the tie-out
    holds. ``after_as_of`` lists documents and movements dated after ``as_of`` with their
    own amounts: not counted, but the usual suspects for a cut-off difference.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    view: View
    currency: str
    control_balance: Money
    ledger_balance: Money
    difference: Money
    items: tuple[TieOutItem, ...]
    explained: Money
    unexplained: Money
    after_as_of: tuple[TieOutItem, ...] = ()

    @property
    def tied(self) -> bool:
        """True when nothing is left unexplained."""
        return self.unexplained.amount == 0

    def to_rows(self) -> list[dict[str, object]]:
        """The reconciling items as plain dicts.

        Examples:
            >>> from receivables.models import Invoice
            >>> ledger = Ledger([Invoice(id="I1", customer_id="C1",
            ...                          issue_date=date(2026, 1, 5), total="80.00 USD")])
            >>> t = tie_out(ledger, as_of=date(2026, 1, 31), view="transaction",
            ...             control_balance=Money("80.00", "USD"))
            >>> t.to_rows(), t.tied
            ([], True)
        """
        return [
            {
                "kind": i.kind,
                "reference": i.reference,
                "on": i.on,
                "amount": i.amount.amount,
                "reason": i.reason,
            }
            for i in self.items
        ]


def _dates(ledger: Ledger) -> dict[str, date]:
    dated: dict[str, date] = {m.id: movement_date(m) for m in ledger.movements}
    dated.update({d.id: document_date(d) for d in ledger.documents})
    return dated


@in_fixed_context
def tie_out(
    ledger: Ledger,
    *,
    as_of: date,
    control_balance: Money,
    rates: FxRates | None = None,
    view: Literal["transaction", "functional"] = "functional",
    gl_postings: Iterable[GlPosting] = (),
    gl_revaluation: Literal["per_document", "per_currency", "none"] = "per_document",
) -> TieOut:
    """Tie the ledger's balance at ``as_of`` out to a GL control balance.

    The ledger balance is the aging total as of ``as_of`` in the control balance's
    currency (the functional currency, or in the transaction view the documents in that
    currency). Reconciling items, each with its share of ``control - ledger``:

    * ``gl_postings`` the caller gives are matched by reference to the ledger's documents
      and movements: a posting the ledger does not hold (``not_in_ledger``), one the GL
      dated on or before ``as_of`` and the ledger after it (``dated_after_as_of``), the
      reverse (``not_yet_in_gl``), or one whose amount differs from the ledger's own
      value of it (``amount_differs``);
    * currency differences, by how the GL revalued: ``"per_document"`` as the aging does
      (none), ``"none"`` (the GL carries open items at their booked rates: each open
      document's unrealised FX, ``not_revalued``), ``"per_currency"`` (the GL revalued each
      currency's balance once: the rounding, ``revaluation_rounding``).

    Raises:
        ReconcileError: a control balance or a GL posting in another currency than the
            ledger's functional currency (names the reference, date and field).
        MissingViewRate: a rate the view needs is missing.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="80.00 USD")], functional_currency="USD")
        >>> t = tie_out(ledger, as_of=date(2026, 1, 31), control_balance=Money("95.00", "USD"),
        ...             gl_postings=[GlPosting(reference="DM-9", posted_on=date(2026, 1, 30),
        ...                                    amount=Money("15.00", "USD"))])
        >>> str(t.difference), [(i.kind, i.reference) for i in t.items], t.tied
        ('15.00 USD', [('not_in_ledger', 'DM-9')], True)
    """
    code = control_balance.code
    if view == "functional":
        functional = ledger.functional_currency
        if functional is not None and functional != code:
            raise ReconcileError(
                f"control_balance: {control_balance} on {as_of.isoformat()} is in {code}, the"
                f" ledger's functional currency is {functional}",
                field="control_balance",
            )
    valuation = Valuation(ledger, view=view, rates=rates, currency=code)
    roll = valuation.roll(start=None, as_of=as_of)
    _, aging_totals = _aging_lines(ledger, valuation, roll, rates)
    ledger_balance = aging_totals.get(code, Money.zero(code))
    difference = control_balance.quantize() - ledger_balance
    items: list[TieOutItem] = []
    dated = _dates(ledger)
    last = max(dated.values(), default=as_of)
    later = valuation.roll(start=as_of, as_of=last) if last > as_of else None

    def value(ref: str) -> Money:
        if ref in roll.own_values:
            return Money(roll.own_values[ref], code)
        if later is not None and ref in later.own_values:
            return Money(later.own_values[ref], code)
        return Money.zero(code)

    for posting in sorted(gl_postings, key=lambda p: (p.posted_on, p.reference)):
        if posting.amount.code != code:
            raise ReconcileError(
                f"GL posting {posting.reference}: amount: {posting.amount} on"
                f" {posting.posted_on.isoformat()} is not in {code}",
                document_id=posting.reference,
                field="amount",
            )
        in_gl = posting.posted_on <= as_of
        when = dated.get(posting.reference)
        if when is None:
            if in_gl:
                items.append(
                    TieOutItem(
                        kind="not_in_ledger",
                        reference=posting.reference,
                        on=posting.posted_on,
                        amount=posting.amount,
                        reason="posted in the GL, no such document or movement in the ledger",
                    )
                )
            continue
        in_ledger = when <= as_of
        if in_gl and not in_ledger:
            items.append(
                TieOutItem(
                    kind="dated_after_as_of",
                    reference=posting.reference,
                    on=when,
                    amount=posting.amount,
                    reason=f"GL posted it on {posting.posted_on.isoformat()}, the ledger"
                    f" dates it {when.isoformat()}, after as_of",
                )
            )
        elif in_ledger and not in_gl:
            items.append(
                TieOutItem(
                    kind="not_yet_in_gl",
                    reference=posting.reference,
                    on=when,
                    amount=-value(posting.reference),
                    reason=f"the ledger dates it {when.isoformat()}, the GL posted it on"
                    f" {posting.posted_on.isoformat()}, after as_of",
                )
            )
        elif in_gl and in_ledger:
            own = value(posting.reference)
            if own != posting.amount:
                items.append(
                    TieOutItem(
                        kind="amount_differs",
                        reference=posting.reference,
                        on=when,
                        amount=posting.amount - own,
                        reason=f"GL {posting.amount}, ledger {own}",
                    )
                )
    if view == "functional" and gl_revaluation == "none":
        for u in roll.revaluations:
            if u.gain.amount:
                items.append(
                    TieOutItem(
                        kind="not_revalued",
                        reference=u.document_id,
                        on=as_of,
                        amount=-u.gain,
                        reason=f"the GL carries it at {u.carrying} (booked rate {u.booked_rate}),"
                        f" the aging at {u.revalued} (closing rate {u.closing_rate})",
                    )
                )
    elif view == "functional" and gl_revaluation == "per_currency":
        items.extend(_rounding_items(roll, valuation, code, as_of))
    explained = sum((i.amount for i in items), Money.zero(code))
    pending: list[TieOutItem] = []
    if later is not None:
        for ref, amount in later.own_values.items():
            pending.append(
                TieOutItem(
                    kind="after_as_of",
                    reference=ref,
                    on=dated[ref],
                    amount=Money(amount, code),
                    reason=f"dated {dated[ref].isoformat()}, after as_of",
                )
            )
        pending.sort(key=lambda i: (i.on or as_of, i.reference))
    return TieOut(
        as_of=as_of,
        view=view,
        currency=code,
        control_balance=control_balance.quantize(),
        ledger_balance=ledger_balance,
        difference=difference,
        items=tuple(items),
        explained=explained,
        unexplained=difference - explained,
        after_as_of=tuple(pending),
    )


def _rounding_items(roll: Roll, valuation: Valuation, code: str, as_of: date) -> list[TieOutItem]:
    """Per document currency: revaluing the currency's balance once minus the sum of the
    documents revalued one by one (what the aging does)."""
    open_by: dict[str, Decimal] = defaultdict(Decimal)
    revalued_by: dict[str, Decimal] = defaultdict(Decimal)
    rate_by: dict[str, Decimal] = {}
    for u in roll.revaluations:
        open_by[u.open.code] += u.open.amount
        revalued_by[u.open.code] += u.revalued.amount
        rate_by[u.open.code] = u.closing_rate
    items: list[TieOutItem] = []
    for cur in sorted(open_by):
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            once = Money(open_by[cur] * rate_by[cur], code).quantize()
        diff = once - Money(revalued_by[cur], code)
        if diff.amount:
            items.append(
                TieOutItem(
                    kind="revaluation_rounding",
                    reference=cur,
                    on=as_of,
                    amount=diff,
                    reason=f"{cur} balance revalued once is {once}, document by document"
                    f" {Money(revalued_by[cur], code)}",
                )
            )
    return items
