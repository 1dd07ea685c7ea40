"""Three currencies: transaction, party and functional amounts, realised and unrealised FX.

Every document of a ledger has an amount in its **transaction** currency (the currency it
was issued in), in its customer's **party** currency (:attr:`Customer.currency`, the
currency its statements are kept in) and in the ledger's **functional** currency
(:attr:`Ledger.functional_currency`, the currency the books are kept in). A *view* picks
one of the three; every amount of the view is rounded half up to its minor unit.

The rules follow IAS 21 *The Effects of Changes in Foreign Exchange Rates* (IASB, 2003,
as amended): a foreign-currency transaction is recognised at the spot rate of its date
(para. 21; para. 22 allows a rate that approximates it), a monetary item still open at a
reporting date is retranslated at the closing rate (para. 23(a)), and the exchange
differences on settlement and on retranslation are profit or loss of the period
(paras. 28-29). US GAAP says the same (FASB ASC 830-20-20 and 830-20-35-1: transaction
gains and losses, realised on settlement, expected on what is unsettled).

**Rates.** A document's *booked rate* into the view currency ``C`` is

1. 1 when the document is in ``C``;
2. the document's own ``functional_rate`` when ``C`` is the functional currency (the rate
   the host booked at posting);
3. otherwise the rate of ``rates`` on the document date (issue date, or receipt date for
   a payment): the latest rate on or before it, as :class:`~receivables.money.FxRates`
   looks rates up.

The *closing rate* on a date is the rate of ``rates`` on that date (rule 3, never the
booked rate: para. 23(a)). A missing rate raises :class:`MissingViewRate` naming the
document (or movement), the date and the field.

**Rounding, once per value.** With ``round`` half up to ``C``'s minor unit:

* booked amount of a document ``F(d) = round(A x r_d)``;
* carrying amount of a document while open ``H_d = round(open_d x r_d)``; a movement that
  reduces ``d`` releases ``H_d(before) - H_d(after)`` (movements in date, id order), so
  what a document releases over its life adds up to ``F(d)`` exactly;
* revalued amount ``U_d(t) = round(open_d(t) x closing rate(t))`` (exactly the aging's
  revalued amount of the document), unrealised FX ``U_d(t) - H_d(t)``;
* discount and write-off of an application ``round(x x rate at the payment)``, where the
  rate at the payment is the source's booked rate when source and target share a
  currency, else the spot rate on the application date; a refund ``round(x x spot)``;
* realised FX of an application = source carrying released + discount + write-off -
  target carrying released; of a refund = carrying released - refund value.

Each figure is a difference of rounded values, so the identity

    functional movement = documents' own amounts + realised FX + change in unrealised FX

holds to the minor unit by construction (:func:`fx_movement`; a property test checks it
against the aging). Write-offs that are not part of an application derecognise the item at
its carrying amount: no exchange difference arises on them.

Examples:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Application, Invoice, Payment
    >>> from receivables.money import FxRate, FxRates
    >>> rates = FxRates(rates=[
    ...     FxRate(base="EUR", quote="USD", on=date(2026, 1, 5), rate=Decimal("1.10")),
    ...     FxRate(base="EUR", quote="USD", on=date(2026, 2, 4), rate=Decimal("1.05")),
    ...     FxRate(base="EUR", quote="USD", on=date(2026, 3, 31), rate=Decimal("1.08")),
    ... ])
    >>> ledger = Ledger([
    ...     Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 5),
    ...             total="1000.00 EUR"),
    ...     Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 2, 4),
    ...             amount="600.00 EUR"),
    ... ], functional_currency="USD").apply([
    ...     Application(id="A1", source_id="PAY-1", target_id="INV-1",
    ...                 applied_on=date(2026, 2, 4), amount="600.00 EUR")])
    >>> [str(r.gain) for r in realised_fx(ledger, rates=rates, as_of=date(2026, 3, 31))]
    ['-30.00 USD']
    >>> [str(u.gain) for u in unrealised_fx(ledger, as_of=date(2026, 3, 31), rates=rates)]
    ['-8.00 USD']
    >>> move = fx_movement(ledger, rates=rates, as_of=date(2026, 3, 31))[0]
    >>> str(move.documents), str(move.realised), str(move.unrealised), str(move.closing)
    ('470.00 USD', '-30.00 USD', '-8.00 USD', '432.00 USD')
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from receivables.errors import MissingRate, ReceivablesError
from receivables.ledger import (
    Ledger,
    Movement,
    document_date,
    is_debit,
    movement_date,
    reductions,
)
from receivables.models import (
    Application,
    CreditMemo,
    DebitMemo,
    Document,
    Invoice,
    Payment,
    Refund,
    WriteOff,
)
from receivables.money import (
    FIXED_CONTEXT,
    ExactDecimal,
    FxRates,
    Money,
    in_fixed_context,
    minor_units,
)

__all__ = [
    "DocumentAmounts",
    "FxError",
    "FxMovement",
    "MissingViewRate",
    "RateSource",
    "RealisedFx",
    "UnrealisedFx",
    "View",
    "ViewAmount",
    "amounts_of",
    "carrying_amount",
    "fx_movement",
    "realised_fx",
    "unrealised_fx",
]

View = Literal["transaction", "party", "functional"]
"""Which of a document's three currencies amounts are shown in."""

RateSource = Literal["identity", "booked", "table"]
"""Where a rate came from: no conversion, the document's booked rate, the rate table."""

VIEWS: Final = ("transaction", "party", "functional")

Line = Literal[
    "invoices",
    "debit_memos",
    "credit_memos",
    "cash",
    "discounts",
    "write_offs",
    "refunds",
    "transfers",
    "realised_fx",
    "unrealised_fx",
]
"""The lines of a roll-forward between two balances (see :mod:`receivables.reconcile`)."""

LINES: Final[tuple[Line, ...]] = (
    "invoices",
    "debit_memos",
    "credit_memos",
    "cash",
    "discounts",
    "write_offs",
    "refunds",
    "transfers",
    "realised_fx",
    "unrealised_fx",
)

_FX_LINES: Final = frozenset({"realised_fx", "unrealised_fx"})


class FxError(ReceivablesError, ValueError):
    """A currency view that cannot be built: unknown view, no functional or party currency,
    a booked rate on a document already in the view currency."""


class MissingViewRate(MissingRate, ValueError):
    """No rate to value a document or movement in a currency view.

    Names the document (or movement) in ``document_id``, the field whose date needed the
    rate in ``field``, and the pair and date in ``source``, ``target`` and ``on``.
    """

    def __init__(
        self, source: str, target: str, on: date, *, document_id: str, field: str, need: str
    ) -> None:
        ReceivablesError.__init__(
            self,
            f"{document_id}: {field}: no exchange rate {source}->{target} on or before"
            f" {on.isoformat()} to {need}",
            document_id=document_id,
            field=field,
        )
        self.source = source
        self.target = target
        self.on = on


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


class ViewAmount(BaseModel):
    """An amount in one view's currency with the rate that made it and where it came from.

    ``rate`` turns the transaction amount into ``amount`` (rounded half up once);
    ``rate_date`` is the date of the table entry used (None for the identity or a booked
    rate, whose date is the document's).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    view: View
    amount: Money
    rate: ExactDecimal
    rate_date: date | None = None
    source: RateSource


class DocumentAmounts(BaseModel):
    """A document's amount in its three currencies, each with its rate.

    ``party`` is None when the ledger has no customer record for the document's customer;
    ``functional`` is None when the ledger has no functional currency.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    kind: str
    on: date
    transaction: ViewAmount
    party: ViewAmount | None = None
    functional: ViewAmount | None = None

    def in_view(self, view: View) -> ViewAmount:
        """The amount in ``view``; :class:`FxError` when the ledger cannot give it."""
        found = {"transaction": self.transaction, "party": self.party}.get(view, self.functional)
        if found is None:
            raise FxError(
                f"{self.document_id}: {view}: the ledger has no {view} currency for it",
                document_id=self.document_id,
                field=view,
            )
        return found


class RealisedFx(BaseModel):
    """The exchange difference realised by one application (or refund), in the view currency.

    ``gain`` = ``settled_value - carrying_released`` (negative is a loss). For an application
    ``carrying_released`` is what the target's carrying amount fell by (at its booked rate
    ``target_rate``) and ``settled_value`` what settled it: the source's carrying amount
    released (at ``settlement_rate``, the source's booked rate: the rate at the payment)
    plus the discount and write-off valued at ``discount_rate``. For a refund
    ``carrying_released`` is the credit's carrying amount released and ``settled_value``
    the refund at the spot rate of its date.

    Relation to :class:`receivables.allocation.AllocationFx` (what
    :func:`~receivables.allocation.allocate` reports before anything is posted): the same
    rule (cash used plus discount and write-off at the payment's rate, less the carrying
    amount released, :func:`carrying_amount`), so the two agree to the minor unit in the
    functional view when the payment is in the functional currency, the document has no
    booked ``functional_rate`` and the application is dated on the payment date.
    Otherwise they differ by design: allocation states the difference in the payment's
    currency from the rate table alone; this one is in the view currency at the booked
    rates, and is the figure for the books.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    movement_id: str
    kind: Literal["application", "refund"]
    on: date
    customer_id: str
    target_id: str | None
    source_id: str
    currency: str
    target_rate: ExactDecimal | None
    settlement_rate: ExactDecimal
    settlement_rate_date: date | None = None
    discount_rate: ExactDecimal | None = None
    discount_rate_date: date | None = None
    carrying_released: Money
    settled_value: Money
    discount: Money
    write_off: Money
    gain: Money
    reason: str


class UnrealisedFx(BaseModel):
    """The revaluation of one open document at a closing rate (IAS 21.23(a)).

    ``carrying`` is the open amount at the booked rate, ``revalued`` at the closing rate;
    ``gain = revalued - carrying`` (for a credit, both are negative).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str
    customer_id: str
    as_of: date
    currency: str
    open: Money
    booked_rate: ExactDecimal
    booked_source: RateSource
    carrying: Money
    closing_rate: ExactDecimal
    closing_rate_date: date | None = None
    revalued: Money
    gain: Money


class FxMovement(BaseModel):
    """The movement of a balance in one view currency, split into what it is made of.

    ``closing - opening = documents + realised + unrealised`` where ``documents`` is the sum
    of the documents' and movements' own amounts (invoices, memos, cash, discounts,
    write-offs, refunds at their own rates), ``realised`` the realised FX of the period and
    ``unrealised = unrealised_closing - unrealised_opening`` the change in the revaluation
    of what is open. ``opening`` and ``closing`` are the balances at the closing rates of
    ``start`` and ``as_of`` (the aging totals in this currency).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None
    as_of: date
    view: View
    currency: str
    customer_id: str | None = None
    opening: Money
    documents: Money
    realised: Money
    unrealised_opening: Money
    unrealised_closing: Money
    closing: Money

    @property
    def unrealised(self) -> Money:
        """The change in unrealised FX over the period."""
        return self.unrealised_closing - self.unrealised_opening

    @property
    def movement(self) -> Money:
        """``closing - opening``."""
        return self.closing - self.opening

    @property
    def holds(self) -> bool:
        """True when ``closing - opening == documents + realised + unrealised``."""
        return self.movement == self.documents + self.realised + self.unrealised


# --------------------------------------------------------------------------------------
# The valuation engine (shared with receivables.reconcile)
# --------------------------------------------------------------------------------------


def _times(amount: Decimal, rate: Decimal, code: str) -> Decimal:
    with decimal.localcontext(FIXED_CONTEXT):
        return (amount * rate).quantize(Decimal(1).scaleb(-minor_units(code)), ROUND_HALF_UP)


@in_fixed_context
def carrying_amount(open_amount: Money, rate: Decimal, currency: str) -> Money:
    """The carrying amount of what is open of a document: ``round(open x rate)`` in
    ``currency``, half up to its minor unit (IAS 21.21-23: the booked rate while the item
    is open; the closing rate gives the revalued amount).

    What a settlement releases is the difference of two carrying amounts,
    ``carrying_amount(open before) - carrying_amount(open after)``, never
    ``round(settled x rate)``: so the releases over a document's life add up to its booked
    amount exactly, whatever the number of part payments (the rule of this module, also
    used by :func:`receivables.allocation.allocate` for its
    :class:`~receivables.allocation.AllocationFx`).

    Examples:
        >>> from decimal import Decimal
        >>> rate = Decimal("1.1037")
        >>> carrying_amount(Money("10.01", "EUR"), rate, "USD")
        Money('11.05', 'USD')
        >>> (carrying_amount(Money("10.01", "EUR"), rate, "USD")
        ...  - carrying_amount(Money("7.06", "EUR"), rate, "USD"))
        Money('3.26', 'USD')
    """
    return Money(_times(open_amount.amount, rate, currency), currency)


def _line_of(doc: Document) -> Line:
    if isinstance(doc, Invoice):
        return "invoices"
    if isinstance(doc, DebitMemo):
        return "debit_memos"
    if isinstance(doc, CreditMemo):
        return "credit_memos"
    return "cash"


def _date_field(doc: Document) -> str:
    return "received_on" if isinstance(doc, Payment) else "issue_date"


Key = tuple[str, str]
"""(customer id, view currency)."""


@dataclass(slots=True)
class Effect:
    """One signed contribution to a roll-forward line of one customer and currency."""

    key: Key
    line: Line
    amount: Decimal
    ref: str


@dataclass(slots=True)
class _DocState:
    doc: Document
    currency: str
    rate: Decimal
    rate_date: date | None
    source: RateSource
    booked: Decimal
    open_start: Decimal
    carrying_start: Decimal
    open_end: Decimal
    carrying_end: Decimal
    released: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Roll:
    """Everything a roll-forward over ``(start, as_of]`` needs, in one view."""

    start: date | None
    as_of: date
    view: View
    effects: list[Effect]
    opening: dict[Key, Decimal]
    opening_docs: dict[Key, list[str]]
    closing: dict[Key, Decimal]
    closing_docs: dict[Key, list[str]]
    unrealised_opening: dict[Key, Decimal]
    unrealised_closing: dict[Key, Decimal]
    realised: list[RealisedFx]
    revaluations: list[UnrealisedFx]
    keys: set[Key]
    own_values: dict[str, Decimal]
    key_of_ref: dict[str, Key]


class Valuation:
    """Values documents and movements of ``ledger`` in one view (the rules of the module)."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        view: View,
        rates: FxRates | None,
        currency: str | None = None,
    ) -> None:
        if view not in VIEWS:
            raise FxError(f"unknown view {view!r}: use one of {list(VIEWS)}", field="view")
        self.ledger = ledger
        self.view: View = view
        self.rates = rates
        self.filter: str | None = None
        self.functional = ledger.functional_currency
        if currency is not None:
            currency = Money.zero(currency).code
        if view == "functional":
            if currency is not None and self.functional not in (None, currency):
                raise FxError(
                    f"functional view: currency: {currency} is not the ledger's functional"
                    f" currency {self.functional}",
                    field="currency",
                )
            self.functional = currency or self.functional
            if self.functional is None:
                raise FxError(
                    "functional view: the ledger has no functional currency; name one with"
                    " currency=",
                    field="functional_currency",
                )
        else:
            self.filter = currency

    # -- rates --------------------------------------------------------------------------
    def currency_for(self, doc: Document) -> str:
        """The view currency of a document's row."""
        if self.view == "transaction":
            return doc.amount.code
        if self.view == "functional":
            assert self.functional is not None
            return self.functional
        customer_id = doc.customer_id
        assert customer_id is not None
        customer = self.ledger.customers.get(customer_id)
        if customer is None:
            raise FxError(
                f"{doc.kind} {doc.id}: customer_id: no customer record for {customer_id!r},"
                " so no party currency",
                document_id=doc.id,
                field="customer_id",
            )
        return customer.currency

    def spot(
        self, code: str, target: str, on: date, *, ref: str, field: str, need: str
    ) -> tuple[Decimal, date | None]:
        """The table rate ``code -> target`` on ``on`` (1 for one currency)."""
        if code == target:
            return Decimal(1), None
        if self.rates is None:
            raise MissingViewRate(code, target, on, document_id=ref, field=field, need=need)
        try:
            quote = self.rates.quote(code, target, on=on)
        except MissingRate:
            raise MissingViewRate(
                code, target, on, document_id=ref, field=field, need=need
            ) from None
        return quote.rate, quote.rate_date

    def booked(self, doc: Document, target: str) -> tuple[Decimal, date | None, RateSource]:
        """The booked rate of ``doc`` into ``target`` (rules 1-3 of the module)."""
        code = doc.amount.code
        if code == target:
            return Decimal(1), None, "identity"
        if target == self.functional and doc.functional_rate is not None:
            return doc.functional_rate, None, "booked"
        rate, when = self.spot(
            code,
            target,
            document_date(doc),
            ref=f"{doc.kind} {doc.id}",
            field="functional_rate" if target == self.functional else _date_field(doc),
            need=f"book it in {target} (no booked rate on the document)",
        )
        return rate, when, "table"

    # -- the roll -----------------------------------------------------------------------
    def _state(self, doc: Document, start: date | None, as_of: date) -> _DocState:
        code = self.currency_for(doc)
        rate, when, source = self.booked(doc, code)
        sign = Decimal(1) if is_debit(doc) else Decimal(-1)
        open_ = sign * doc.amount.amount
        carrying = _times(open_, rate, code)
        existed = start is not None and document_date(doc) <= start
        state = _DocState(
            doc=doc,
            currency=code,
            rate=rate,
            rate_date=when,
            source=source,
            booked=carrying,
            open_start=open_ if existed else Decimal(0),
            carrying_start=carrying if existed else Decimal(0),
            open_end=open_,
            carrying_end=carrying,
        )
        for m in self.ledger.movements_of(doc.id, as_of=as_of):
            open_ -= sign * dict(reductions(m))[doc.id]
            after = _times(open_, rate, code)
            state.released[m.id] = after - carrying
            carrying = after
            if existed and start is not None and movement_date(m) <= start:
                state.open_start, state.carrying_start = open_, carrying
        state.open_end, state.carrying_end = open_, carrying
        return state

    def roll(self, *, start: date | None, as_of: date, customer_id: str | None = None) -> Roll:
        """Value every document and movement of ``(start, as_of]`` in the view.

        With ``customer_id`` only that customer's documents, the documents its movements
        meet and those movements are valued: the customer's rows are complete, other
        customers' documents need no rates.
        """
        if start is not None and start > as_of:
            raise FxError(
                f"start {start.isoformat()} is after as_of {as_of.isoformat()}", field="start"
            )
        roll = Roll(start, as_of, self.view, [], {}, {}, {}, {}, {}, {}, [], [], set(), {}, {})
        states: dict[str, _DocState] = {}
        own, wanted = self._related(customer_id, as_of) if customer_id is not None else (None, None)
        for doc in self.ledger.documents:
            if document_date(doc) > as_of:
                break
            if wanted is not None and doc.id not in wanted:
                continue
            st = states[doc.id] = self._state(doc, start, as_of)
            key = (doc.customer_id or "", st.currency)
            roll.keys.add(key)
            if start is None or document_date(doc) > start:
                roll.effects.append(Effect(key, _line_of(doc), st.booked, doc.id))
                roll.own_values[doc.id] = st.booked
                roll.key_of_ref[doc.id] = key
            self._revalue(roll, st, key)
        for m in self.ledger.movements:
            when = movement_date(m)
            if when > as_of:
                break
            if start is not None and when <= start:
                continue
            if own is not None and not any(d in own for d, _ in reductions(m)):
                continue
            self._movement(roll, m, states)
        if self.filter is not None:
            keep = self.filter
            roll.keys = {k for k in roll.keys if k[1] == keep}
            roll.effects = [e for e in roll.effects if e.key[1] == keep]
            roll.realised = [r for r in roll.realised if r.currency == keep]
            roll.revaluations = [u for u in roll.revaluations if u.currency == keep]
        return roll

    def _related(self, customer_id: str, as_of: date) -> tuple[set[str], set[str]]:
        """The customer's documents, and those plus every document its movements meet."""
        own = {d.id for d in self.ledger.documents if d.customer_id == customer_id}
        related = set(own)
        for m in self.ledger.movements:
            if movement_date(m) > as_of:
                break
            ids = [d for d, _ in reductions(m)]
            if any(d in own for d in ids):
                related.update(ids)
        return own, related

    def _revalue(self, roll: Roll, st: _DocState, key: Key) -> None:
        doc = st.doc
        code = doc.amount.code
        points: list[tuple[date, Decimal, Decimal, bool]] = [
            (roll.as_of, st.open_end, st.carrying_end, True)
        ]
        if roll.start is not None:
            points.append((roll.start, st.open_start, st.carrying_start, False))
        change = Decimal(0)
        for on, open_, carrying, closing in points:
            if not open_:
                continue
            rate, when = self.spot(
                code,
                st.currency,
                on,
                ref=f"{doc.kind} {doc.id}",
                field="as_of" if closing else "start",
                need=f"revalue its open amount in {st.currency} at the closing rate",
            )
            revalued = _times(open_, rate, st.currency)
            gain = revalued - carrying
            balances, docs, unrealised = (
                (roll.closing, roll.closing_docs, roll.unrealised_closing)
                if closing
                else (roll.opening, roll.opening_docs, roll.unrealised_opening)
            )
            balances[key] = balances.get(key, Decimal(0)) + revalued
            docs.setdefault(key, []).append(doc.id)
            unrealised[key] = unrealised.get(key, Decimal(0)) + gain
            change += gain if closing else -gain
            if closing and code != st.currency:
                roll.revaluations.append(
                    UnrealisedFx(
                        document_id=doc.id,
                        customer_id=key[0],
                        as_of=on,
                        currency=st.currency,
                        open=Money(open_, code),
                        booked_rate=st.rate,
                        booked_source=st.source,
                        carrying=Money(carrying, st.currency),
                        closing_rate=rate,
                        closing_rate_date=when,
                        revalued=Money(revalued, st.currency),
                        gain=Money(gain, st.currency),
                    )
                )
        if change:
            roll.effects.append(Effect(key, "unrealised_fx", change, doc.id))

    def _movement(self, roll: Roll, m: Movement, states: dict[str, _DocState]) -> None:
        if isinstance(m, WriteOff):
            st = states[m.document_id]
            key = (st.doc.customer_id or "", st.currency)
            value = st.released[m.id]
            roll.effects.append(Effect(key, "write_offs", value, m.id))
            roll.own_values[m.id] = value
            roll.key_of_ref[m.id] = key
        elif isinstance(m, Refund):
            self._refund(roll, m, states[m.source_id])
        else:
            self._application(roll, m, states[m.target_id], states[m.source_id])

    def _refund(self, roll: Roll, m: Refund, st: _DocState) -> None:
        key = (m.customer_id, st.currency)
        rate, when = self.spot(
            m.amount.code,
            st.currency,
            m.paid_on,
            ref=f"refund {m.id}",
            field="paid_on",
            need=f"value the refund in {st.currency}",
        )
        value = _times(m.amount.amount, rate, st.currency)
        released = st.released[m.id]
        gain = released - value
        roll.effects.append(Effect(key, "refunds", value, m.id))
        roll.own_values[m.id] = value
        roll.key_of_ref[m.id] = key
        if gain:
            roll.effects.append(Effect(key, "realised_fx", gain, m.id))
        if m.amount.code != st.currency:
            roll.realised.append(
                RealisedFx(
                    movement_id=m.id,
                    kind="refund",
                    on=m.paid_on,
                    customer_id=m.customer_id,
                    target_id=None,
                    source_id=m.source_id,
                    currency=st.currency,
                    target_rate=None,
                    settlement_rate=rate,
                    settlement_rate_date=when,
                    carrying_released=Money(-released, st.currency),
                    settled_value=Money(-value, st.currency),
                    discount=Money.zero(st.currency),
                    write_off=Money.zero(st.currency),
                    gain=Money(gain, st.currency),
                    reason=f"credit {m.source_id} booked at {st.rate}, refunded at {rate}",
                )
            )

    def _application(self, roll: Roll, m: Application, tgt: _DocState, src: _DocState) -> None:
        key_t = (tgt.doc.customer_id or "", tgt.currency)
        key_s = (src.doc.customer_id or "", src.currency)
        e_t = tgt.released[m.id]
        e_s = src.released[m.id]
        code = m.amount.code
        if code == tgt.currency:
            rho, rho_date, how = Decimal(1), None, "no conversion"
        elif m.discount is None and m.write_off is None:
            rho, rho_date, how = None, None, "nothing to value"
        elif tgt.currency == src.currency and src.doc.amount.code == code:
            rho, rho_date, how = src.rate, src.rate_date, f"the rate of {src.doc.id}"
        else:
            rho, rho_date = self.spot(
                code,
                tgt.currency,
                m.applied_on,
                ref=f"application {m.id}",
                field="applied_on",
                need="value its discount and write-off at the rate of the payment",
            )
            how = "the spot rate of the application date"
        discount = write_off = Decimal(0)
        if rho is not None:
            if m.discount is not None:
                discount = _times(m.discount.amount, rho, tgt.currency)
            if m.write_off is not None:
                write_off = _times(m.write_off.amount, rho, tgt.currency)
        if discount:
            roll.effects.append(Effect(key_t, "discounts", -discount, m.id))
        if write_off:
            roll.effects.append(Effect(key_t, "write_offs", -write_off, m.id))
        own = -discount - write_off
        roll.key_of_ref[m.id] = key_t
        if tgt.currency != src.currency:
            # Two view currencies (transaction view, or a group across party currencies):
            # value moves from one currency's balance to the other's, no difference arises.
            roll.effects.append(Effect(key_t, "transfers", e_t + discount + write_off, m.id))
            roll.effects.append(Effect(key_s, "transfers", e_s, m.id))
            roll.own_values[m.id] = e_t + e_s
            return
        gain = e_t + e_s + discount + write_off
        roll.own_values[m.id] = own
        if gain:
            roll.effects.append(Effect(key_t, "realised_fx", gain, m.id))
        if key_t != key_s:
            roll.effects.append(Effect(key_t, "transfers", -e_s, m.id))
            roll.effects.append(Effect(key_s, "transfers", e_s, m.id))
        if tgt.doc.amount.code != tgt.currency or src.doc.amount.code != src.currency:
            view = tgt.currency
            roll.realised.append(
                RealisedFx(
                    movement_id=m.id,
                    kind="application",
                    on=m.applied_on,
                    customer_id=key_t[0],
                    target_id=m.target_id,
                    source_id=m.source_id,
                    currency=view,
                    target_rate=tgt.rate,
                    settlement_rate=src.rate,
                    settlement_rate_date=src.rate_date,
                    discount_rate=rho,
                    discount_rate_date=rho_date,
                    carrying_released=Money(-e_t, view),
                    settled_value=Money(e_s + discount + write_off, view),
                    discount=Money(discount, view),
                    write_off=Money(write_off, view),
                    gain=Money(gain, view),
                    reason=(
                        f"{m.target_id} booked at {tgt.rate} ({tgt.source}); settled by"
                        f" {m.source_id} at {src.rate} ({src.source}); discount and"
                        f" write-off at {how}"
                    ),
                )
            )


def group_effects(
    effects: Iterable[Effect],
) -> dict[Key, dict[Line, tuple[Decimal, list[str]]]]:
    """Sum effects by key and line, keeping the refs (sorted, unique) behind each sum."""
    sums: dict[Key, dict[Line, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    refs: dict[Key, dict[Line, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in effects:
        sums[e.key][e.line] += e.amount
        if e.amount:
            refs[e.key][e.line].add(e.ref)
    return {
        key: {line: (total, sorted(refs[key][line])) for line, total in lines.items()}
        for key, lines in sums.items()
    }


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


def _view_amount(valuation: Valuation, doc: Document, target: str) -> ViewAmount:
    rate, when, source = valuation.booked(doc, target)
    return ViewAmount(
        view=valuation.view,
        amount=Money(_times(doc.amount.amount, rate, target), target),
        rate=rate,
        rate_date=when,
        source=source,
    )


@in_fixed_context
def amounts_of(
    document: Document | str, ledger: Ledger, *, rates: FxRates | None = None
) -> DocumentAmounts:
    """A document's amount in its transaction, party and functional currency.

    Each is ``round(amount x booked rate)`` with the booked-rate rules of the module: 1 in
    its own currency, the document's ``functional_rate`` for the functional currency when
    it has one, else the rate of ``rates`` on the document date (IAS 21.21: the spot rate
    at the date of the transaction).

    Raises:
        UnknownDocument: an id the ledger does not hold.
        MissingViewRate: no rate for a needed conversion (names document, date, field).

    Examples:
        >>> from datetime import date
        >>> from decimal import Decimal
        >>> from receivables.models import Customer, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="100.00 EUR", functional_rate=Decimal("1.0850"))],
        ...                 customers=[Customer(id="C1", name="Kunde", currency="EUR")],
        ...                 functional_currency="USD")
        >>> a = amounts_of("I1", ledger)
        >>> str(a.transaction.amount), str(a.party.amount), str(a.functional.amount)
        ('100.00 EUR', '100.00 EUR', '108.50 USD')
        >>> a.functional.source
        'booked'
    """
    doc = ledger.document(document) if isinstance(document, str) else document
    transaction = ViewAmount(
        view="transaction", amount=doc.amount, rate=Decimal(1), source="identity"
    )
    party: ViewAmount | None = None
    functional: ViewAmount | None = None
    if doc.customer_id is not None and doc.customer_id in ledger.customers:
        valuation = Valuation(ledger, view="party", rates=rates)
        party = _view_amount(valuation, doc, valuation.currency_for(doc))
    if ledger.functional_currency is not None:
        valuation = Valuation(ledger, view="functional", rates=rates)
        functional = _view_amount(valuation, doc, valuation.currency_for(doc))
    return DocumentAmounts(
        document_id=doc.id,
        kind=doc.kind,
        on=document_date(doc),
        transaction=transaction,
        party=party,
        functional=functional,
    )


@in_fixed_context
def realised_fx(
    ledger: Ledger,
    *,
    rates: FxRates | None,
    as_of: date,
    start: date | None = None,
    view: View = "functional",
    currency: str | None = None,
) -> tuple[RealisedFx, ...]:
    """The exchange difference realised by each application and refund of ``(start, as_of]``.

    For an application: gain = source carrying released + discount + write-off - target
    carrying released, each valued once (see the module). IAS 21.28: an exchange
    difference arising on the settlement of a monetary item is profit or loss of the period.
    Only movements that touch a document in another currency than the view's are listed;
    sorted by date and id.

    Examples:
        >>> from datetime import date
        >>> from decimal import Decimal
        >>> from receivables.models import Application, Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             total="1000.00 EUR", functional_rate=Decimal("1.10")),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 4),
        ...             amount="1000.00 EUR", functional_rate=Decimal("1.15")),
        ... ], functional_currency="USD").apply([Application(
        ...     id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 4),
        ...     amount="1000.00 EUR")])
        >>> r = realised_fx(ledger, rates=None, as_of=date(2026, 2, 28))[0]
        >>> str(r.carrying_released), str(r.settled_value), str(r.gain)
        ('1100.00 USD', '1150.00 USD', '50.00 USD')
    """
    roll = Valuation(ledger, view=view, rates=rates, currency=currency).roll(
        start=start, as_of=as_of
    )
    return tuple(sorted(roll.realised, key=lambda r: (r.on, r.movement_id)))


@in_fixed_context
def unrealised_fx(
    ledger: Ledger,
    *,
    as_of: date,
    rates: FxRates | None,
    view: View = "functional",
    currency: str | None = None,
) -> tuple[UnrealisedFx, ...]:
    """The revaluation of every open document in another currency than the view's.

    gain = ``round(open x closing rate) - round(open x booked rate)``: IAS 21.23(a) (a
    monetary item is retranslated at the closing rate) and 21.28 (the difference is profit
    or loss). Sorted by customer, document date and id.

    Examples:
        >>> from datetime import date
        >>> from decimal import Decimal
        >>> from receivables.models import Invoice
        >>> from receivables.money import FxRate, FxRates
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="1000.00 EUR", functional_rate=Decimal("1.10"))],
        ...                 functional_currency="USD")
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 3, 31),
        ...                               rate=Decimal("1.08"))])
        >>> u = unrealised_fx(ledger, as_of=date(2026, 3, 31), rates=rates)[0]
        >>> str(u.carrying), str(u.revalued), str(u.gain)
        ('1100.00 USD', '1080.00 USD', '-20.00 USD')
    """
    roll = Valuation(ledger, view=view, rates=rates, currency=currency).roll(
        start=None, as_of=as_of
    )
    order = {doc.id: (document_date(doc), doc.id) for doc in ledger.documents}
    return tuple(sorted(roll.revaluations, key=lambda u: (u.customer_id, order[u.document_id])))


@in_fixed_context
def fx_movement(
    ledger: Ledger,
    *,
    rates: FxRates | None,
    as_of: date,
    start: date | None = None,
    view: View = "functional",
    currency: str | None = None,
    customer_id: str | None = None,
) -> tuple[FxMovement, ...]:
    """The balance movement of ``(start, as_of]`` split into own amounts, realised and
    unrealised FX, one value per view currency (one in the functional view).

    ``closing - opening = documents + realised + (unrealised_closing - unrealised_opening)``
    (IAS 21.28-29: the differences on settlement and on retranslation, period by period).
    Without ``start`` the opening balance and opening revaluation are zero. Each part is a
    sum of values rounded once (see the module), so the identity holds to the minor unit.

    Examples:
        >>> from datetime import date
        >>> from decimal import Decimal
        >>> from receivables.models import Invoice
        >>> from receivables.money import FxRate, FxRates
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          total="1000.00 EUR", functional_rate=Decimal("1.10"))],
        ...                 functional_currency="USD")
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 3, 31),
        ...                               rate=Decimal("1.08"))])
        >>> m = fx_movement(ledger, rates=rates, as_of=date(2026, 3, 31))[0]
        >>> str(m.documents), str(m.unrealised), str(m.closing), m.holds
        ('1100.00 USD', '-20.00 USD', '1080.00 USD', True)
    """
    roll = Valuation(ledger, view=view, rates=rates, currency=currency).roll(
        start=start, as_of=as_of
    )
    own: dict[str, Decimal] = defaultdict(Decimal)
    realised: dict[str, Decimal] = defaultdict(Decimal)
    currencies: set[str] = set()
    for key in roll.keys:
        if customer_id is None or key[0] == customer_id:
            currencies.add(key[1])
    for e in roll.effects:
        if customer_id is not None and e.key[0] != customer_id:
            continue
        if e.line == "realised_fx":
            realised[e.key[1]] += e.amount
        elif e.line not in _FX_LINES:
            own[e.key[1]] += e.amount

    def total(values: dict[Key, Decimal], code: str) -> Money:
        return Money(
            sum(
                (v for k, v in values.items() if k[1] == code and customer_id in (None, k[0])),
                Decimal(0),
            ),
            code,
        ).quantize()

    return tuple(
        FxMovement(
            start=start,
            as_of=as_of,
            view=view,
            currency=code,
            customer_id=customer_id,
            opening=total(roll.opening, code),
            documents=Money(own[code], code),
            realised=Money(realised[code], code),
            unrealised_opening=total(roll.unrealised_opening, code),
            unrealised_closing=total(roll.unrealised_closing, code),
            closing=total(roll.closing, code),
        )
        for code in sorted(currencies)
    )
