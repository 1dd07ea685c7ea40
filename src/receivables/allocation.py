"""Cash application: which open items a payment (or a credit memo) pays, and why.

:func:`allocate` takes one payment or credit memo and the customer's open items and returns
an :class:`AllocationResult`: the applications to post, the early-payment discounts and
write-offs they carry, the realised exchange difference where currencies differ, the cash
left unapplied (on account) and, for every decision, the step that took it, the reference
it matched, a confidence and the reason. Nothing is posted: the result is a proposal that
:meth:`AllocationResult.apply_to` posts to a :class:`~receivables.ledger.Ledger` in one
call, all or nothing.

The matching steps are those of a cash-application desk, run in the order an
:class:`AllocationPolicy` names (each usable alone):

1. ``remittance``: the payer's remittance advice names the documents (references are
   normalised: ``"INV-000123"``, ``"inv 123"`` and ``"123"`` find the same invoice); an
   ambiguous reference matches nothing, it is never guessed.
2. ``exact``: one open item equal to the payment (net of an earned discount).
3. ``combination``: the set of open items whose sum equals the payment (subset sum over
   integer minor units), fewest items first, then oldest; when several sets tie, no set
   is chosen and the candidates are listed (outcome ``no_unique_match``).
4. ``due_date`` / ``oldest_first``: first in, first out by due date or issue date.
5. ``pro_rata``: the payment shared across the open items in proportion to their amounts.

The unapplied-cash helpers work on a ledger: :func:`unapplied_cash` lists payments and
credit memos not yet used, :func:`suggest_matches` proposes allocations for them when new
invoices or remittance advice arrive, and :func:`remittance_request` prepares the request
for remittance advice a collector sends for cash that cannot be matched.

Examples:
    >>> from datetime import date
    >>> from receivables.ledger import Ledger
    >>> from receivables.models import Invoice, Payment
    >>> ledger = Ledger([
    ...     Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 3, 2),
    ...             terms="2/10 NET 30", total="1000.00 USD"),
    ...     Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 3, 5),
    ...             terms="NET 30", total="250.00 USD"),
    ...     Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 3, 10),
    ...             amount="1230.00 USD"),
    ... ])
    >>> pay = ledger.document("PAY-1")
    >>> items = ledger.open_items(as_of=date(2026, 3, 10), customer_id="C1",
    ...                           include_credits=False)
    >>> result = allocate(pay, items, as_of=date(2026, 3, 10))
    >>> result.outcome, [(a.target_id, str(a.amount), str(a.discount)) for a in result.applications]
    ('fully_applied', [('INV-1', '980.00 USD', '20.00 USD'), ('INV-2', '250.00 USD', 'None')])
    >>> result.apply_to(ledger).balance("C1", as_of=date(2026, 3, 10))
    Money('0.00', 'USD')
"""

from __future__ import annotations

import bisect
import decimal
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from receivables.errors import (
    DuplicateDocument,
    MissingRate,
    ReceivablesError,
)
from receivables.fx import carrying_amount
from receivables.ledger import Ledger, OpenItem
from receivables.models import (
    Application,
    CreditMemo,
    DebitMemo,
    Invoice,
    Payment,
    RemittanceLine,
)
from receivables.money import ExactDecimal, FxQuote, FxRates, Money, split
from receivables.tabular import Tabular

__all__ = [
    "DEFAULT_POLICY",
    "AllocationDecision",
    "AllocationError",
    "AllocationFx",
    "AllocationPolicy",
    "AllocationResult",
    "CombinationLimits",
    "DiscountLine",
    "MatchLevel",
    "Outcome",
    "ReferenceMatch",
    "RemittanceRequest",
    "RequestedItem",
    "Step",
    "Tolerance",
    "UnappliedCash",
    "UnappliedCashReport",
    "WriteOffLine",
    "WriteOffRule",
    "allocate",
    "match_reference",
    "normalise_reference",
    "remittance_request",
    "suggest_matches",
    "unapplied_cash",
]

Step = Literal["remittance", "exact", "combination", "due_date", "oldest_first", "pro_rata"]
"""A matching step of an :class:`AllocationPolicy`."""

Outcome = Literal["fully_applied", "partly_applied", "no_unique_match", "unapplied"]
"""How an allocation ended: all cash applied, some, none because several matches tied,
or none at all."""

Action = Literal[
    "applied", "skipped", "ambiguous", "no_match", "budget_exhausted", "left_unapplied"
]

# Confidence of each kind of match, for review queues: a reference the payer wrote beats an
# amount that happens to fit, which beats a rule that assigns cash without any evidence.
_CONFIDENCE: Final[dict[str, Decimal]] = {
    "id": Decimal("1.00"),
    "normalised": Decimal("0.95"),
    "po": Decimal("0.90"),
    "number": Decimal("0.85"),
    "number_only": Decimal("0.75"),
    "exact": Decimal("0.80"),
    "exact_tolerance": Decimal("0.70"),
    "combination": Decimal("0.70"),
    "combination_tolerance": Decimal("0.60"),
    "rule": Decimal("0.50"),
}

_PRECISION: Final = 60
_ID_LIMIT: Final = 128


class AllocationError(ReceivablesError, ValueError):
    """An allocation that cannot be computed as asked (dates, amounts, parties)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_money_per_currency(values: tuple[Money, ...], what: str) -> tuple[Money, ...]:
    seen: set[str] = set()
    for value in values:
        if value.amount < 0:
            raise ValueError(f"{what}: {value} must not be negative")
        if value.code in seen:
            raise ValueError(f"{what}: two amounts in {value.code}; give one per currency")
        seen.add(value.code)
    return tuple(sorted(values, key=lambda m: m.code))


def _limit(amounts: tuple[Money, ...], percent: Decimal, base: Money) -> Money:
    """The smaller of the absolute limit in ``base``'s currency and ``percent`` of ``base``.

    A limit not given does not constrain; with neither given the limit is zero.
    """
    absolute = next((m for m in amounts if m.code == base.code), None)
    candidates: list[Money] = []
    if absolute is not None:
        candidates.append(absolute)
    if percent > 0:
        with decimal.localcontext() as ctx:
            ctx.prec = _PRECISION
            candidates.append(
                Money(abs(base.amount) * percent / 100, base.code).quantize(decimal.ROUND_DOWN)
            )
    if not candidates:
        return Money.zero(base.code)
    return min(candidates, key=lambda m: m.amount)


class Tolerance(_Frozen):
    """How far a sum of open items may be from the payment and still count as a match.

    The limit is the smaller of ``amounts`` (an absolute amount per currency, in the
    payment's currency) and ``percent`` of the payment; a limit not given does not
    constrain, and with neither the tolerance is zero (exact matches only).

    Examples:
        >>> t = Tolerance(amounts=(Money("5.00", "USD"),), percent=Decimal("1"))
        >>> t.limit(Money("200.00", "USD")), t.limit(Money("200", "JPY"))
        (Money('2.00', 'USD'), Money('2', 'JPY'))
    """

    amounts: tuple[Money, ...] = ()
    percent: ExactDecimal = Field(default=Decimal(0), ge=0, lt=100)

    @field_validator("amounts")
    @classmethod
    def _one_per_currency(cls, value: tuple[Money, ...]) -> tuple[Money, ...]:
        return _check_money_per_currency(value, "tolerance amounts")

    def limit(self, payment: Money) -> Money:
        """The tolerance for a payment of ``payment``, in its currency."""
        return _limit(self.amounts, self.percent, payment)


class WriteOffRule(_Frozen):
    """A short payment small enough to write off, and the reason code to book it under.

    A shortfall on a document is covered when it is at most the smaller of ``amounts``
    (absolute, per currency, in the document's currency) and ``percent`` of the document's
    open amount. A rule with neither covers nothing.

    Examples:
        >>> rule = WriteOffRule(reason_code="SHORT_PAY", amounts=(Money("10.00", "USD"),))
        >>> rule.covers(Money("7.50", "USD"), open_amount=Money("1000.00", "USD"))
        True
        >>> rule.covers(Money("7.50", "EUR"), open_amount=Money("1000.00", "EUR"))
        False
    """

    reason_code: str = Field(min_length=1, max_length=64)
    amounts: tuple[Money, ...] = ()
    percent: ExactDecimal = Field(default=Decimal(0), ge=0, lt=100)

    @field_validator("amounts")
    @classmethod
    def _one_per_currency(cls, value: tuple[Money, ...]) -> tuple[Money, ...]:
        return _check_money_per_currency(value, "write-off rule amounts")

    def covers(self, shortfall: Money, *, open_amount: Money) -> bool:
        """True when ``shortfall`` on a document open for ``open_amount`` may be written off."""
        if shortfall.amount <= 0:
            return False
        return shortfall <= _limit(self.amounts, self.percent, open_amount)


class CombinationLimits(_Frozen):
    """Bounds of the combination (subset-sum) search, so it always ends, deterministically.

    Subset sum is NP-complete (Garey & Johnson, *Computers and Intractability*, 1979,
    problem SP13), so the search is bounded by counts, never by the clock: the same inputs
    give the same answer on any machine. ``max_candidates`` keeps the oldest open items
    (by due date, issue date, id); ``max_set_size`` caps the items in one set;
    ``max_nodes`` caps the search steps. A search that runs out of nodes before it can
    prove which set is best chooses none and says so.

    Examples:
        >>> CombinationLimits().max_set_size
        6
    """

    max_candidates: int = Field(default=500, ge=1, le=100_000)
    max_set_size: int = Field(default=6, ge=1, le=64)
    max_nodes: int = Field(default=250_000, ge=1)


class AllocationPolicy(_Frozen):
    """How a payment is matched to open items: steps, tolerances, discounts, write-offs.

    ``steps`` run in order on the cash each previous step left. The default runs the
    remittance advice, then an exact match, then a combination match, and leaves whatever
    is still unmatched on account for a collector to clear with the customer: no cash is
    spread by a rule nobody asked for. Add ``"oldest_first"`` (or ``"due_date"``,
    ``"pro_rata"``) to apply the rest by rule.

    - ``stop_after_remittance``: a payment with remittance advice applies as the advice
      says, and the rest of its cash stays unapplied rather than going to later steps.
    - ``tolerance``: the window in which an exact or combination match counts
      (:class:`Tolerance`; zero by default).
    - ``write_off_rules``: short payments that may be written off, first covering rule
      wins (none by default, so a short payment leaves the rest open).
    - ``discount_grace_days`` and ``honour_late_discount``: with ``honour_late_discount``
      an early-payment discount is still granted up to ``discount_grace_days`` calendar
      days after its deadline (for the post); it is marked late.
    - ``on_missing_rate``: an open item in another currency with no rate for the payment
      date is ``"skip"``-ped with the reason (default), or ``"raise"`` stops the allocation
      with :class:`~receivables.errors.MissingRate`.
    - ``reference_prefixes``: words a payer writes before a document number that do not
      belong to it ("INV 123", "Invoice no. 123").

    Examples:
        >>> policy = AllocationPolicy(steps=("remittance", "oldest_first"))
        >>> AllocationPolicy.model_validate_json(policy.model_dump_json()) == policy
        True
    """

    steps: tuple[Step, ...] = ("remittance", "exact", "combination")
    stop_after_remittance: bool = True
    tolerance: Tolerance = Tolerance()
    write_off_rules: tuple[WriteOffRule, ...] = ()
    discount_grace_days: int = Field(default=0, ge=0, le=366)
    honour_late_discount: bool = False
    combination: CombinationLimits = CombinationLimits()
    on_missing_rate: Literal["skip", "raise"] = "skip"
    reference_prefixes: tuple[str, ...] = (
        "BILL",
        "DOC",
        "FACTURA",
        "FACTURE",
        "FATTURA",
        "INV",
        "INVNO",
        "INVOICE",
        "INVOICENO",
        "NO",
        "NR",
        "NUM",
        "RE",
        "RECHNUNG",
        "REF",
    )

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: tuple[Step, ...]) -> tuple[Step, ...]:
        if not value:
            raise ValueError("an allocation policy needs at least one step")
        if len(set(value)) != len(value):
            raise ValueError(f"steps must not repeat: {list(value)}")
        return value

    @field_validator("reference_prefixes")
    @classmethod
    def _prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(sorted({_alnum(p) for p in value}))
        if "" in cleaned:
            raise ValueError("reference prefixes must contain letters or digits")
        return cleaned

    @property
    def grace_days(self) -> int:
        """Days after a discount deadline that a discount is still granted."""
        return self.discount_grace_days if self.honour_late_discount else 0


DEFAULT_POLICY: Final = AllocationPolicy()
"""Remittance, then exact, then combination; no tolerance, no write-off, no late discount."""


# --------------------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------------------

MatchLevel = Literal["id", "normalised", "po", "number", "number_only"]
"""How strongly a remittance reference matched a document, strongest first."""

_NON_ALNUM: Final = re.compile(r"[^0-9A-Z]+")
_SPLIT: Final = re.compile(r"^([A-Z]*)(.*)$")


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", text.upper())


def normalise_reference(text: str) -> tuple[str, str]:
    """Split a document reference into its letter prefix and its number, as payers mangle it.

    Case, spaces and punctuation are dropped, then the leading letters are the prefix and
    the rest, without leading zeros, is the number. ``"INV-000123"``, ``"inv 123"`` and
    ``"123"`` all have the number ``"123"``.

    Examples:
        >>> normalise_reference("INV-000123"), normalise_reference(" inv 123 ")
        (('INV', '123'), ('INV', '123'))
        >>> normalise_reference("2026/00042")
        ('', '202600042')
    """
    m = _SPLIT.match(_alnum(text))
    assert m is not None
    prefix, rest = m.group(1), m.group(2)
    stripped = rest.lstrip("0")
    return prefix, stripped if stripped or not rest else "0"


class ReferenceMatch(_Frozen):
    """What a reference the payer wrote matched among open documents.

    ``document_id`` is set only when exactly one document matched at the strongest level
    reached; ``candidates`` lists every document at that level (several: ambiguous).
    ``level`` is ``"id"`` (as written), ``"normalised"`` (ignoring case, spaces and
    punctuation), ``"po"`` (the purchase-order number), ``"number"`` (the same prefix and
    number, leading zeros ignored), ``"number_only"`` (the number alone, the payer having
    written no prefix or a generic word such as ``INV``) or ``"none"``.
    """

    reference: str
    level: MatchLevel | Literal["none"]
    document_id: str | None
    candidates: tuple[str, ...]
    confidence: ExactDecimal
    reason: str


def _number_compatible(ref: tuple[str, str], doc: tuple[str, str], prefixes: set[str]) -> bool:
    """Same number, and the payer's prefix is absent or a generic word such as ``INV``."""
    if not ref[1] or ref[1] != doc[1]:
        return False
    return ref[0] == "" or ref[0] in prefixes


def match_reference(
    reference: str,
    documents: Iterable[Invoice | DebitMemo],
    *,
    prefixes: Iterable[str] = DEFAULT_POLICY.reference_prefixes,
) -> ReferenceMatch:
    """Find the document a remittance reference names, or say why none is chosen.

    Levels are tried from the strongest: the id as written, the id ignoring case, spaces
    and punctuation, the purchase-order number, then the number alone (leading zeros
    ignored) with the document's own prefix, then the number alone when the payer wrote no
    prefix or a generic word such as ``INV`` or ``Invoice``. The first level with any match
    decides; two or more documents at that level make the reference ambiguous and nothing
    is matched.

    Examples:
        >>> from datetime import date
        >>> docs = [Invoice(id="INV-000123", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                 total="10.00 USD"),
        ...         Invoice(id="DM-123", customer_id="C1", issue_date=date(2026, 1, 6),
        ...                 total="5.00 USD")]
        >>> match_reference("inv 123", docs).document_id
        'INV-000123'
        >>> m = match_reference("123", docs)
        >>> m.document_id, m.candidates
        (None, ('DM-123', 'INV-000123'))
    """
    docs = sorted({d.id: d for d in documents}.values(), key=lambda d: d.id)
    prefix_set = {_alnum(p) for p in prefixes}
    ref = reference.strip()
    ref_alnum = _alnum(ref)
    ref_split = normalise_reference(ref)
    levels: tuple[tuple[MatchLevel, list[str]], ...] = (
        ("id", [d.id for d in docs if d.id == ref]),
        ("normalised", [d.id for d in docs if ref_alnum and _alnum(d.id) == ref_alnum]),
        (
            "po",
            [
                d.id
                for d in docs
                if d.po_number is not None and ref_alnum and _alnum(d.po_number) == ref_alnum
            ],
        ),
        (
            "number",
            [
                d.id
                for d in docs
                if ref_split[0] and ref_split[1] and normalise_reference(d.id) == ref_split
            ],
        ),
        (
            "number_only",
            [
                d.id
                for d in docs
                if _number_compatible(ref_split, normalise_reference(d.id), prefix_set)
            ],
        ),
    )
    for level, found in levels:
        if len(found) == 1:
            return ReferenceMatch(
                reference=reference,
                level=level,
                document_id=found[0],
                candidates=tuple(found),
                confidence=_CONFIDENCE[level],
                reason=f"reference {reference!r} matched {found[0]} by {level}",
            )
        if found:
            return ReferenceMatch(
                reference=reference,
                level=level,
                document_id=None,
                candidates=tuple(found),
                confidence=Decimal(0),
                reason=f"reference {reference!r} is ambiguous by {level}:"
                f" {', '.join(found)} all match; not guessed",
            )
    return ReferenceMatch(
        reference=reference,
        level="none",
        document_id=None,
        candidates=(),
        confidence=Decimal(0),
        reason=f"reference {reference!r} matches no open document of the customer",
    )


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


class AllocationDecision(_Frozen):
    """One decision of an allocation, for the audit trail.

    ``step`` is the matching step (or ``"input"`` for the check of the candidates),
    ``action`` what was done, ``document_id`` and ``reference`` what it was about,
    ``confidence`` how strong the evidence was (1 for a document id as written, 0.5 for a
    rule that assigns cash without evidence, 0 for what was not applied) and ``reason``
    why, in words.
    """

    step: Step | Literal["input"]
    action: Action
    document_id: str | None = None
    reference: str | None = None
    confidence: ExactDecimal = Field(default=Decimal(0), ge=0, le=1)
    reason: str


class DiscountLine(_Frozen):
    """An early-payment discount granted on a document (in the document's currency)."""

    document_id: str
    amount: Money
    late: bool = Field(description="Granted only thanks to the policy's grace days.")
    reason: str


class WriteOffLine(_Frozen):
    """A short payment written off on a document, with the rule's reason code."""

    document_id: str
    amount: Money
    reason_code: str


class AllocationFx(_Frozen):
    """The realised exchange difference of settling a foreign-currency document, as
    :func:`allocate` sees it: in the **payment's currency**, from the rate table.

    The part of the document settled (amount + discount + write-off, in the document's
    currency) was carried at the rate of its issue date ``r_i`` and is settled at the rate
    of the payment date ``r_p`` (IAS 21 *The Effects of Changes in Foreign Exchange Rates*,
    paragraphs 21 and 28):

    ``at_payment_rate = cash used + round(discount x r_p) + round(write-off x r_p)``

    ``at_issue_rate = round(open x r_i) - round((open - settled) x r_i)``

    ``difference = at_payment_rate - at_issue_rate``

    The cash used is the application's ``source_amount`` (all the cash a part payment
    gives, to the minor unit); the carrying amount released is the difference of two
    carrying amounts (:func:`receivables.fx.carrying_amount`), so part payments release
    exactly what the document was booked at. Positive is a gain. ``at_issue_rate`` is None
    when no rate was known on the issue date.

    Relation to :class:`receivables.fx.RealisedFx` (what :func:`receivables.fx.realised_fx`
    reads from the ledger once the applications are posted): the same rule, so the two
    agree to the minor unit in the functional view when the payment is in the ledger's
    functional currency, the document carries no booked ``functional_rate`` and the
    application is dated on the payment date. They differ by design otherwise: this
    figure is in the payment's currency and knows only the rate table, while ``fx`` states
    the difference in a view currency at the rates the ledger booked (a document's own
    ``functional_rate`` first). For the books, use ``fx``.
    """

    document_id: str
    settled: Money
    at_payment_rate: Money
    at_issue_rate: Money | None
    difference: Money | None
    payment_rate: ExactDecimal
    payment_rate_date: date | None
    issue_rate: ExactDecimal | None
    issue_rate_date: date | None


class AllocationResult(_Frozen, Tabular):
    """The outcome of allocating one payment or credit memo: what to post, and why.

    Conservation holds by construction (the model refuses anything else):
    the cash used by the applications (``source_amount``, or ``amount`` in one currency)
    plus ``unapplied`` equals ``amount``, the cash that was allocated, to the minor unit.

    ``applications`` are sorted by target id; ``discounts``, ``write_offs`` and
    ``realised_fx`` summarise what the applications carry; ``decisions`` are in the order
    they were taken; ``left_open`` lists the candidates still open afterwards;
    ``candidate_sets`` the sets that tied when the outcome is ``no_unique_match``.
    """

    payment_id: str
    customer_id: str
    as_of: date
    amount: Money
    applications: tuple[Application, ...]
    discounts: tuple[DiscountLine, ...] = ()
    write_offs: tuple[WriteOffLine, ...] = ()
    realised_fx: tuple[AllocationFx, ...] = ()
    unapplied: Money
    decisions: tuple[AllocationDecision, ...] = ()
    left_open: tuple[str, ...] = ()
    candidate_sets: tuple[tuple[str, ...], ...] = ()
    outcome: Outcome

    @model_validator(mode="after")
    def _conserves(self) -> Self:
        if self.unapplied.code != self.amount.code:
            raise ValueError(
                f"unapplied is in {self.unapplied.code}, the payment in {self.amount.code}"
            )
        if self.unapplied.amount < 0:
            raise ValueError(f"unapplied {self.unapplied} must not be negative")
        used = self.applied
        if used + self.unapplied != self.amount:
            raise ValueError(
                f"allocation of {self.payment_id} does not conserve cash: applied {used} +"
                f" unapplied {self.unapplied} != {self.amount}"
            )
        return self

    @property
    def applied(self) -> Money:
        """The cash used by the applications, in the payment's currency."""
        return sum((a.used for a in self.applications), Money.zero(self.amount.code))

    @property
    def discount_total(self) -> dict[str, Money]:
        """Discounts granted, per document currency."""
        return _totals(d.amount for d in self.discounts)

    @property
    def write_off_total(self) -> dict[str, Money]:
        """Write-offs, per document currency."""
        return _totals(w.amount for w in self.write_offs)

    def apply_to(self, ledger: Ledger) -> Ledger:
        """The ledger with these applications posted, checked as one batch (all or nothing).

        Examples:
            >>> from receivables.models import Invoice, Payment
            >>> ledger = Ledger([
            ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 2),
            ...             total="100.00 EUR"),
            ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
            ...             amount="100.00 EUR")])
            >>> r = allocate(ledger.document("P1"),
            ...              ledger.open_items(as_of=date(2026, 1, 9), include_credits=False),
            ...              as_of=date(2026, 1, 9))
            >>> r.apply_to(ledger).open_amount("I1", as_of=date(2026, 1, 9))
            Money('0.00', 'EUR')
        """
        return ledger.apply(self.applications)

    def to_rows(self) -> list[dict[str, object]]:
        """One plain row per application (and one for the unapplied rest, if any).

        Examples:
            >>> from receivables.models import Invoice, Payment
            >>> inv = Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 2),
            ...               total="100.00 EUR")
            >>> pay = Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
            ...               amount="120.00 EUR")
            >>> rows = allocate(pay, [OpenItem(inv, inv.total, inv.total)],
            ...                 as_of=date(2026, 1, 9),
            ...                 policy=AllocationPolicy(steps=("oldest_first",))).to_rows()
            >>> [(r["document_id"], r["step"], r["cash"]) for r in rows]
            [('I1', 'oldest_first', '100.00'), (None, 'unapplied', '20.00')]
        """
        steps = {
            d.document_id: d for d in self.decisions if d.action == "applied" and d.document_id
        }
        write_offs = {w.document_id: w for w in self.write_offs}
        fx = {f.document_id: f for f in self.realised_fx}
        rows: list[dict[str, object]] = []
        for app in self.applications:
            decision = steps.get(app.target_id)
            wo = write_offs.get(app.target_id)
            fxd = fx.get(app.target_id)
            rows.append(
                {
                    "payment_id": self.payment_id,
                    "application_id": app.id,
                    "document_id": app.target_id,
                    "step": decision.step if decision else None,
                    "reference": decision.reference if decision else None,
                    "confidence": str(decision.confidence) if decision else None,
                    "cash": str(app.used.amount),
                    "cash_currency": app.used.code,
                    "amount": str(app.amount.amount),
                    "currency": app.amount.code,
                    "discount": str(app.discount.amount) if app.discount else "0",
                    "write_off": str(app.write_off.amount) if app.write_off else "0",
                    "write_off_reason": wo.reason_code if wo else None,
                    "realised_fx": (
                        str(fxd.difference.amount) if fxd and fxd.difference is not None else None
                    ),
                }
            )
        if self.unapplied.amount:
            rows.append(
                {
                    "payment_id": self.payment_id,
                    "application_id": None,
                    "document_id": None,
                    "step": "unapplied",
                    "reference": None,
                    "confidence": None,
                    "cash": str(self.unapplied.amount),
                    "cash_currency": self.unapplied.code,
                    "amount": None,
                    "currency": None,
                    "discount": "0",
                    "write_off": "0",
                    "write_off_reason": None,
                    "realised_fx": None,
                }
            )
        return rows

    def explain(self) -> str:
        """The allocation in words, decision by decision, for an auditor.

        Examples:
            >>> from receivables.models import Invoice, Payment
            >>> inv = Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 2),
            ...               total="100.00 EUR")
            >>> pay = Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
            ...               amount="100.00 EUR")
            >>> print(allocate(pay, [OpenItem(inv, inv.total, inv.total)],
            ...                as_of=date(2026, 1, 9)).explain())  # doctest: +ELLIPSIS
            Allocation of P1 (100.00 EUR) for customer C1 as of 2026-01-09: fully_applied
            ...
        """
        lines = [
            f"Allocation of {self.payment_id} ({self.amount}) for customer {self.customer_id}"
            f" as of {self.as_of.isoformat()}: {self.outcome}",
            f"  applied {self.applied}, unapplied {self.unapplied}",
        ]
        for app in self.applications:
            extra = []
            if app.discount is not None:
                extra.append(f"discount {app.discount}")
            if app.write_off is not None:
                extra.append(f"write-off {app.write_off}")
            if app.source_amount is not None:
                extra.append(f"paid with {app.source_amount}")
            tail = f" ({', '.join(extra)})" if extra else ""
            lines.append(f"  {app.target_id}: {app.amount}{tail} [{app.reason}]")
        for fx in self.realised_fx:
            if fx.difference is not None:
                lines.append(
                    f"  realised FX on {fx.document_id}: {fx.difference}"
                    f" (rate {fx.issue_rate} on issue, {fx.payment_rate} on payment)"
                )
        lines.append("Decisions:")
        for d in self.decisions:
            about = f" {d.document_id}" if d.document_id else ""
            ref = f" ref {d.reference!r}" if d.reference else ""
            lines.append(
                f"  [{d.step}] {d.action}{about}{ref} (confidence {d.confidence}): {d.reason}"
            )
        for i, s in enumerate(self.candidate_sets, start=1):
            lines.append(f"  candidate set {i}: {', '.join(s)}")
        if self.left_open:
            lines.append(f"Left open: {', '.join(self.left_open)}")
        return "\n".join(lines)


def _totals(amounts: Iterable[Money]) -> dict[str, Money]:
    totals: dict[str, Money] = {}
    for m in amounts:
        totals[m.code] = totals.get(m.code, Money.zero(m.code)) + m
    return dict(sorted(totals.items()))


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cand:
    """A usable open item, with its amounts in the document's and the payment's currency."""

    doc: Invoice | DebitMemo
    open: Money
    discount: Money
    discount_late: bool
    quote: FxQuote | None
    net_src: int
    gross_src: int
    order: tuple[date, date, str]

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass(slots=True)
class _Settlement:
    cand: _Cand
    used_src: int
    amount: Money
    discount: Money
    write_off: Money
    write_off_reason: str | None


@dataclass(slots=True)
class _State:
    source: Payment | CreditMemo
    currency: str
    remaining: int
    as_of: date
    paid_on: date
    policy: AllocationPolicy
    rates: FxRates | None
    cands: dict[str, _Cand]
    untouched: list[str]
    settlements: dict[str, _Settlement] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    decisions: list[AllocationDecision] = field(default_factory=list)
    candidate_sets: list[tuple[str, ...]] = field(default_factory=list)
    tie: bool = False

    def decide(
        self,
        step: Step | Literal["input"],
        action: Action,
        reason: str,
        *,
        document_id: str | None = None,
        reference: str | None = None,
        confidence: Decimal = Decimal(0),
    ) -> None:
        self.decisions.append(
            AllocationDecision(
                step=step,
                action=action,
                document_id=document_id,
                reference=reference,
                confidence=confidence,
                reason=reason,
            )
        )

    def available(self) -> list[_Cand]:
        return [self.cands[i] for i in self.untouched]


def _to_src(money: Money, cand: _Cand, currency: str) -> Money:
    if cand.quote is None:
        return money
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return Money(money.amount * cand.quote.rate, currency).quantize()


def _to_target(money: Money, cand: _Cand) -> Money:
    if cand.quote is None:
        return money
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return Money(money.amount / cand.quote.rate, cand.open.code).quantize(decimal.ROUND_DOWN)


def _instalment_discount(
    doc: Invoice | DebitMemo, open_amount: Money, paid_on: date, grace: int
) -> Money:
    """Discount on the instalments still open, the earliest instalments counted paid first."""
    assert doc.terms is not None
    parts = doc.terms.instalments(doc.amount, doc.issue_date)
    paid = doc.amount.amount - open_amount.amount
    total = Money.zero(open_amount.code)
    for part in parts:
        covered = min(paid, part.amount.amount)
        paid -= covered
        rest = part.amount.amount - covered
        if rest > 0:
            total += part.discount_for(
                paid_on, amount=Money(rest, open_amount.code), grace_days=grace
            )
    return total


def _discount(doc: Invoice | DebitMemo, open_amount: Money, paid_on: date, grace: int) -> Money:
    """The early-payment discount earned settling ``open_amount`` of ``doc`` on ``paid_on``."""
    terms = doc.terms
    if terms is None:
        return Money.zero(open_amount.code)
    if terms.kind == "instalments":
        return _instalment_discount(doc, open_amount, paid_on, grace)
    return terms.discount_for(open_amount, doc.issue_date, paid_on, grace_days=grace)


def _prepare(
    source: Payment | CreditMemo,
    items: Sequence[OpenItem],
    *,
    as_of: date,
    paid_on: date,
    currency: str,
    policy: AllocationPolicy,
    rates: FxRates | None,
) -> tuple[dict[str, _Cand], list[AllocationDecision]]:
    decisions: list[AllocationDecision] = []

    def skip(doc_id: str, reason: str) -> None:
        decisions.append(
            AllocationDecision(step="input", action="skipped", document_id=doc_id, reason=reason)
        )

    by_id: dict[str, OpenItem] = {}
    for item in items:
        known = by_id.get(item.id)
        if known is not None and known != item:
            raise DuplicateDocument(
                f"open item {item.id}: id: given twice with different content"
                f" ({known.open} and {item.open})",
                document_id=item.id,
                field="open_items",
            )
        by_id[item.id] = item
    cands: dict[str, _Cand] = {}
    for item in sorted(by_id.values(), key=lambda i: (i.issue_date, i.id)):
        doc = item.document
        if not isinstance(doc, (Invoice, DebitMemo)):
            skip(doc.id, f"{doc.kind} {doc.id} is a credit; credits are sources, not targets")
            continue
        if doc.customer_id != source.customer_id:
            skip(
                doc.id,
                f"{doc.id} belongs to customer {doc.customer_id}, the {source.kind} to"
                f" {source.customer_id}",
            )
            continue
        if doc.issue_date > as_of:
            skip(doc.id, f"{doc.id} is issued {doc.issue_date.isoformat()}, after as_of")
            continue
        if item.open.amount <= 0:
            skip(doc.id, f"{doc.id} has nothing open ({item.open})")
            continue
        if item.open.code != doc.amount.code:
            raise AllocationError(
                f"open item {doc.id}: open: is in {item.open.code}, the document in"
                f" {doc.amount.code}",
                document_id=doc.id,
                field="open",
            )
        if item.open > doc.amount:
            raise AllocationError(
                f"open item {doc.id}: open: {item.open} is more than the document's amount"
                f" {doc.amount}",
                document_id=doc.id,
                field="open",
            )
        quote: FxQuote | None = None
        if item.open.code != currency:
            if rates is None:
                if policy.on_missing_rate == "raise":
                    raise MissingRate(item.open.code, currency, paid_on)
                skip(
                    doc.id,
                    f"{doc.id} is in {item.open.code}, the {source.kind} in {currency}, and no"
                    " FxRates were given",
                )
                continue
            try:
                quote = rates.quote(item.open.code, currency, on=paid_on)
            except MissingRate as exc:
                if policy.on_missing_rate == "raise":
                    raise
                skip(doc.id, f"{doc.id}: {exc.message}")
                continue
        open_ = item.open.quantize()
        if isinstance(source, CreditMemo):
            # An early-payment discount rewards cash paid early; a credit memo is not cash.
            discount = on_time = Money.zero(open_.code)
        else:
            discount = _discount(doc, open_, paid_on, policy.grace_days)
            on_time = _discount(doc, open_, paid_on, 0) if policy.grace_days else discount
        cand = _Cand(
            doc=doc,
            open=open_,
            discount=discount,
            discount_late=discount.amount > on_time.amount,
            quote=quote,
            net_src=0,
            gross_src=0,
            order=(doc.issue_date, doc.due, doc.id),
        )
        cand.gross_src = _to_src(open_, cand, currency).minor
        cand.net_src = _to_src(open_ - discount, cand, currency).minor
        if cand.gross_src <= 0:
            skip(doc.id, f"{doc.id}: {open_} is worth nothing in {currency}")
            continue
        cands[doc.id] = cand
    return cands, decisions


def _write_off_rule(state: _State, cand: _Cand, shortfall: Money) -> str | None:
    for rule in state.policy.write_off_rules:
        if rule.covers(shortfall, open_amount=cand.open):
            return rule.reason_code
    return None


def _settle(
    state: _State,
    cand: _Cand,
    cash_src: int,
    *,
    discount_allowed: Money,
    designated: bool,
    write_off: bool,
) -> _Settlement | None:
    """Put up to ``cash_src`` minor units of the payment on ``cand``.

    ``designated`` cash was named for this document by the payer: all of it goes to the
    document (up to its open amount) and the discount fills the gap, up to what is allowed.
    Otherwise the document takes what settles it net of the allowed discount, and no more.
    Cash short of settling (even with the discount) is applied as it is; the shortfall is
    written off, with the discount, when ``write_off`` and a rule covers it, and otherwise
    stays open without a discount (a part payment earns none).
    """
    cash_src = min(cash_src, state.remaining)
    if cash_src <= 0:
        return None
    open_ = cand.open
    zero = Money.zero(open_.code)
    net = open_ - discount_allowed
    net_cost = _to_src(net, cand, state.currency).minor
    cash_t = _to_target(Money.from_minor(cash_src, state.currency), cand)
    discount = zero
    write_off_amount = zero
    reason: str | None = None
    if cash_src >= net_cost:
        amount = max(net, min(cash_t, open_)) if designated else net
        if cash_src >= cand.gross_src and designated:
            amount = open_
        discount = open_ - amount
        used = min(cash_src, _to_src(amount, cand, state.currency).minor)
    else:
        amount = min(cash_t, net)
        used = cash_src
        if write_off:
            reason = _write_off_rule(state, cand, net - amount)
            if reason is not None:
                discount = discount_allowed
                write_off_amount = net - amount
    if amount.amount <= 0:
        return None
    return _Settlement(
        cand=cand,
        used_src=used,
        amount=amount,
        discount=discount,
        write_off=write_off_amount,
        write_off_reason=reason,
    )


def _record(
    state: _State,
    s: _Settlement,
    step: Step,
    confidence: Decimal,
    reason: str,
    *,
    reference: str | None = None,
) -> None:
    state.remaining -= s.used_src
    state.settlements[s.cand.id] = s
    state.untouched.remove(s.cand.id)
    state.reasons[s.cand.id] = step + (f": {reference!r}" if reference else "")
    details = [f"cash {Money.from_minor(s.used_src, state.currency)}"]
    if s.discount.amount:
        details.append(f"discount {s.discount}" + (" (late)" if s.cand.discount_late else ""))
    if s.write_off.amount:
        details.append(f"write-off {s.write_off} under {s.write_off_reason}")
    left = s.cand.open - s.amount - s.discount - s.write_off
    if left.amount:
        details.append(f"{left} left open")
    state.decide(
        step,
        "applied",
        f"{reason}; {', '.join(details)}",
        document_id=s.cand.id,
        reference=reference,
        confidence=confidence,
    )


# -- step 1: remittance -------------------------------------------------------------------


def _remittance_lines(source: Payment | CreditMemo) -> list[RemittanceLine | str]:
    if isinstance(source, Payment):
        return list(source.remittance)
    if source.linked_document_id is not None:
        return [source.linked_document_id]
    return []


def _step_remittance(state: _State, all_docs: Sequence[Invoice | DebitMemo]) -> bool:
    lines = _remittance_lines(state.source)
    if not lines:
        state.decide("remittance", "no_match", "no remittance advice to match")
        return False
    usable = [c.doc for c in state.available()]
    grouped: dict[str, list[tuple[str, Money | None, Money | None, Decimal, str]]] = {}
    for line in lines:
        if isinstance(line, str):
            ref, amount, taken = line, None, None
        else:
            ref = line.document_id or line.reference
            amount, taken = line.amount, line.discount_taken
        match = match_reference(ref, usable, prefixes=state.policy.reference_prefixes)
        if match.document_id is None:
            reason = match.reason
            if match.level == "none":
                elsewhere = match_reference(ref, all_docs, prefixes=state.policy.reference_prefixes)
                if elsewhere.document_id is not None:
                    reason = (
                        f"reference {ref!r} names {elsewhere.document_id}, which is not a usable"
                        " open item (see the input decisions)"
                    )
            action: Action = "ambiguous" if match.candidates else "no_match"
            if match.candidates:
                state.tie = True
                state.candidate_sets.extend((c,) for c in match.candidates)
            state.decide("remittance", action, reason, reference=ref)
            continue
        why = match.reason
        if isinstance(line, str):
            why = f"credit memo linked to {ref}: {why}"
        grouped.setdefault(match.document_id, []).append(
            (ref, amount, taken, match.confidence, why)
        )
    for doc_id in sorted(grouped, key=lambda i: state.cands[i].order):
        cand = state.cands[doc_id]
        entries = grouped[doc_id]
        refs = ", ".join(e[0] for e in entries)
        confidence = min(e[3] for e in entries)
        reason = "; ".join(e[4] for e in entries)
        if any(e[1] is None for e in entries):
            cash = state.remaining
            designated = False
        else:
            cash = sum(e[1].minor for e in entries if e[1] is not None)
            designated = True
        takens = [e[2] for e in entries if e[2] is not None]
        if takens:
            claimed = sum(takens, Money.zero(state.currency))
            claimed_t = _to_target(claimed, cand)
            allowed = min(claimed_t, cand.discount)
            if claimed_t > cand.discount:
                reason += (
                    f"; discount claimed {claimed}, earned {cand.discount}: the difference is"
                    " a short payment"
                )
        else:
            allowed = cand.discount
        if state.remaining <= 0:
            state.decide(
                "remittance",
                "skipped",
                f"{reason}; no cash left",
                document_id=doc_id,
                reference=refs,
            )
            continue
        if cash > state.remaining:
            reason += (
                f"; the advice names {Money.from_minor(cash, state.currency)}, only"
                f" {Money.from_minor(state.remaining, state.currency)} is left"
            )
        settled = _settle(
            state, cand, cash, discount_allowed=allowed, designated=designated, write_off=True
        )
        if settled is None:
            state.decide("remittance", "skipped", f"{reason}; nothing to apply", document_id=doc_id)
            continue
        _record(state, settled, "remittance", confidence, reason, reference=refs)
    return True


# -- steps 2 and 3: exact and combination (subset sum) ------------------------------------


class _Exhausted(Exception):
    pass


@dataclass(slots=True)
class _Best:
    key: tuple[int, tuple[date, ...]] | None = None
    choice: tuple[str, ...] = ()
    tie: bool = False
    tied: list[tuple[str, ...]] = field(default_factory=list)
    found: int = 0


_MAX_LISTED: Final = 10


def _ids(items: Iterable[_Cand]) -> tuple[str, ...]:
    return tuple(i.id for i in sorted(items, key=lambda i: i.order))


def _subset_search(
    cands: Sequence[_Cand],
    values: Sequence[int],
    *,
    target: int,
    lo: int,
    hi: int,
    size: int,
    budget: list[int],
) -> _Best:
    """All sets of ``size`` candidates whose values sum into ``[lo, hi]``; keep the best.

    The best set is the one closest to ``target``, then the oldest: its issue dates,
    sorted, compared in order. Two different sets with the same distance and dates tie.

    Candidates with equal values form one group: a set takes ``c`` items of a group, and
    the oldest ``c`` are always the best choice among them (they make every order
    statistic of the set's dates as old as possible), so equal amounts do not multiply the
    search. Groups are visited by increasing value, cut by two bounds on the expanded
    sorted values (the smallest and the largest sum the items still to choose can reach),
    and the last item is found by bisection. ``budget[0]`` counts the nodes left; at zero
    the search raises ``_Exhausted``.
    """
    groups: dict[int, list[_Cand]] = {}
    for cand, value in zip(cands, values, strict=True):
        if value > 0:
            groups.setdefault(value, []).append(cand)
    vals = sorted(groups)
    members = [sorted(groups[v], key=lambda c: c.order) for v in vals]
    counts = [len(g) for g in members]
    pos: list[int] = []
    prefix = [0]
    for v, c in zip(vals, counts, strict=True):
        pos.append(len(prefix) - 1)
        for _ in range(c):
            prefix.append(prefix[-1] + v)
    n = len(prefix) - 1
    m = len(vals)
    best = _Best()
    chosen: list[tuple[int, int]] = []

    def record() -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Exhausted
        items: list[_Cand] = []
        swap: tuple[_Cand, _Cand] | None = None
        total = 0
        for g, c in chosen:
            group = members[g]
            items.extend(group[:c])
            total += vals[g] * c
            if c < len(group) and group[c - 1].order[0] == group[c].order[0]:
                # An item left out of this group is as old as one taken: another set ties.
                swap = (group[c - 1], group[c])
        key = (abs(total - target), tuple(sorted(i.order[0] for i in items)))
        ids = _ids(items)
        best.found += 1
        if best.key is None or key < best.key:
            best.key, best.choice, best.tie, best.tied = key, ids, False, [ids]
        elif key == best.key:
            best.tie = True
            if len(best.tied) < _MAX_LISTED:
                best.tied.append(ids)
        if swap is not None and key == best.key:
            best.tie = True
            alt = _ids([swap[1] if i is swap[0] else i for i in items])
            if alt not in best.tied and len(best.tied) < _MAX_LISTED:
                best.tied.append(alt)

    def last(g: int, s: int) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Exhausted
        i = bisect.bisect_left(vals, lo - s, g)
        j = bisect.bisect_right(vals, hi - s, g)
        for k in range(i, j):
            chosen.append((k, 1))
            record()
            chosen.pop()

    def dfs(g: int, r: int, s: int) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Exhausted
        if r == 1:
            last(g, s)
            return
        if (pos[g] if g < m else n) + r > n or prefix[n] - prefix[n - r] < lo - s:
            return
        top = prefix[n] - prefix[n - (r - 1)]
        for j in range(bisect.bisect_left(vals, lo - s - top, g), m):
            p = pos[j]
            if p + r > n or prefix[p + r] - prefix[p] > hi - s:
                break
            v = vals[j]
            for c in range(min(counts[j], r), 0, -1):
                chosen.append((j, c))
                if c == r:
                    if lo <= s + c * v <= hi:
                        record()
                elif r - c == 1:
                    last(j + 1, s + c * v)
                else:
                    dfs(j + 1, r - c, s + c * v)
                chosen.pop()

    if 0 < size <= n:
        dfs(0, size, 0)
    return best


def _match_sets(
    state: _State, step: Step, sizes: range
) -> tuple[_Best, bool, bool] | Literal["exhausted"] | None:
    """Search the passes in order (exact net of discount, exact gross, then the same within
    tolerance); the first pass and size with any set decides. Returns the best, whether it
    is net of discount, and whether it needed the tolerance."""
    cands = state.available()
    if len(cands) > state.policy.combination.max_candidates:
        cands = sorted(cands, key=lambda c: (c.doc.due, c.order))[
            : state.policy.combination.max_candidates
        ]
        state.decide(
            step,
            "skipped",
            f"{len(state.untouched)} candidates; searching the oldest"
            f" {state.policy.combination.max_candidates} by due date (max_candidates)",
        )
    cands = sorted(cands, key=lambda c: c.order)
    target = state.remaining
    tol = state.policy.tolerance.limit(Money.from_minor(target, state.currency)).minor
    with_discount = any(c.net_src != c.gross_src for c in cands)
    passes: list[tuple[bool, int]] = [(True, 0)]
    if with_discount:
        passes.append((False, 0))
    if tol:
        passes.append((True, tol))
        if with_discount:
            passes.append((False, tol))
    budget = [state.policy.combination.max_nodes]
    for net, window in passes:
        values = [c.net_src if net else c.gross_src for c in cands]
        for size in sizes:
            try:
                best = _subset_search(
                    cands,
                    values,
                    target=target,
                    lo=target - window,
                    hi=target + window,
                    size=size,
                    budget=budget,
                )
            except _Exhausted:
                return "exhausted"
            if best.found:
                return best, net, window > 0
    return None


def _step_match(state: _State, step: Literal["exact", "combination"]) -> None:
    if state.remaining <= 0 or not state.untouched:
        return
    limits = state.policy.combination
    sizes = range(1, 2) if step == "exact" else range(1, limits.max_set_size + 1)
    found = _match_sets(state, step, sizes)
    payment = Money.from_minor(state.remaining, state.currency)
    if found == "exhausted":
        state.decide(
            step,
            "budget_exhausted",
            f"search for {payment} stopped after {limits.max_nodes} nodes (max_nodes) before"
            " the best set was proven; nothing chosen",
        )
        return
    if found is None:
        what = "no open item equals" if step == "exact" else "no set of open items sums to"
        state.decide(step, "no_match", f"{what} {payment}")
        return
    best, net, tolerant = found
    if best.tie:
        state.tie = True
        state.candidate_sets.extend(best.tied)
        state.decide(
            step,
            "ambiguous",
            f"{len(best.tied)} sets of {len(best.choice)} item(s) fit {payment} equally"
            f" (same size and dates): {'; '.join(', '.join(s) for s in best.tied)}; none chosen",
        )
        return
    kind = step + ("_tolerance" if tolerant else "")
    confidence = _CONFIDENCE[kind]
    basis = "net of earned discount" if net else "gross"
    chosen = [state.cands[i] for i in best.choice]
    reason = (
        f"{len(chosen)} item(s) sum ({basis}) to {payment}"
        + (" within tolerance" if tolerant else "")
        + (
            f", fewest items then oldest among {best.found} fitting set(s)"
            if best.found > 1
            else ""
        )
    )
    for k, cand in enumerate(chosen):
        last = k == len(chosen) - 1
        cash = state.remaining if last else (cand.net_src if net else cand.gross_src)
        allowed = cand.discount if net else Money.zero(cand.open.code)
        settled = _settle(
            state, cand, cash, discount_allowed=allowed, designated=False, write_off=last
        )
        if settled is not None:
            _record(state, settled, step, confidence, reason)


# -- steps 4 and 5: by rule ---------------------------------------------------------------


def _step_fifo(state: _State, step: Literal["due_date", "oldest_first"]) -> None:
    if state.remaining <= 0 or not state.untouched:
        return
    key = (
        (lambda c: (c.doc.due, c.order)) if step == "due_date" else (lambda c: (c.order, c.doc.due))
    )
    order_words = "due date" if step == "due_date" else "issue date (oldest first)"
    for cand in sorted(state.available(), key=key):
        if state.remaining <= 0:
            break
        settled = _settle(
            state,
            cand,
            state.remaining,
            discount_allowed=cand.discount,
            designated=False,
            write_off=True,
        )
        if settled is None:
            continue
        _record(state, settled, step, _CONFIDENCE["rule"], f"applied in order of {order_words}")


def _step_pro_rata(state: _State) -> None:
    if state.remaining <= 0 or not state.untouched:
        return
    cands = sorted(state.available(), key=lambda c: c.order)
    total = sum(c.gross_src for c in cands)
    if total <= state.remaining:
        for cand in cands:
            settled = _settle(
                state,
                cand,
                state.remaining,
                discount_allowed=cand.discount,
                designated=False,
                write_off=False,
            )
            if settled is not None:
                _record(
                    state, settled, "pro_rata", _CONFIDENCE["rule"], "the cash covers every item"
                )
        return
    remaining = Money.from_minor(state.remaining, state.currency)
    parts = split(remaining, [c.gross_src for c in cands])
    reason = f"{remaining} shared in proportion to open amounts (largest remainder)"
    for cand, part in zip(cands, parts, strict=True):
        settled = _settle(
            state,
            cand,
            part.minor,
            discount_allowed=Money.zero(cand.open.code),
            designated=True,
            write_off=False,
        )
        if settled is not None:
            _record(state, settled, "pro_rata", _CONFIDENCE["rule"], reason)


# -- assembling ---------------------------------------------------------------------------


def _application_id(source_id: str, target_id: str, on: date) -> str:
    text = f"{source_id}>{target_id}@{on.isoformat()}"
    if len(text) <= _ID_LIMIT:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"APP-{digest}"


def _realised_fx(state: _State, s: _Settlement) -> AllocationFx | None:
    quote = s.cand.quote
    if quote is None:
        return None
    settled = s.amount + s.discount + s.write_off
    at_payment = Money.from_minor(s.used_src, state.currency)
    for part in (s.discount, s.write_off):
        if part.amount:
            at_payment += _to_src(part, s.cand, state.currency)
    issue_quote: FxQuote | None = None
    assert state.rates is not None
    try:
        issue_quote = state.rates.quote(s.cand.open.code, state.currency, on=s.cand.doc.issue_date)
    except MissingRate as exc:
        state.decide(
            "input",
            "skipped",
            f"realised FX of {s.cand.id} not computed: {exc.message}",
            document_id=s.cand.id,
        )
    at_issue: Money | None = None
    if issue_quote is not None:
        at_issue = carrying_amount(s.cand.open, issue_quote.rate, state.currency) - (
            carrying_amount(s.cand.open - settled, issue_quote.rate, state.currency)
        )
    return AllocationFx(
        document_id=s.cand.id,
        settled=settled,
        at_payment_rate=at_payment,
        at_issue_rate=at_issue,
        difference=at_payment - at_issue if at_issue is not None else None,
        payment_rate=quote.rate,
        payment_rate_date=quote.rate_date,
        issue_rate=issue_quote.rate if issue_quote else None,
        issue_rate_date=issue_quote.rate_date if issue_quote else None,
    )


def allocate(
    payment: Payment | CreditMemo,
    open_items: Sequence[OpenItem],
    *,
    as_of: date,
    policy: AllocationPolicy = DEFAULT_POLICY,
    rates: FxRates | None = None,
    available: Money | None = None,
) -> AllocationResult:
    """Match a payment (or a credit memo) to open items and say what to apply, and why.

    Pure and deterministic: the candidates are sorted by (issue date, due date, id) first,
    so their input order never matters, and the same inputs give the same result with the
    same application ids (``"<payment>><document>@<as_of>"``). Each application is dated
    ``as_of``; discounts are judged on the payment's receipt date (a credit memo's issue
    date), and foreign-currency items convert at the rate of that date.

    Candidates that cannot be paid are skipped with a reason (``step="input"``): credits,
    documents of another customer, documents issued after ``as_of``, nothing open, or (with
    ``on_missing_rate="skip"``) another currency with no rate. Conservation is exact:
    applied cash + unapplied = ``available`` (the whole payment by default); no document
    gets more than its open amount.

    Args:
        payment: the cash (or credit memo) to apply; it must name its customer.
        open_items: the candidates, e.g. ``ledger.open_items(as_of=..., customer_id=...,
            include_credits=False)``.
        as_of: the date of the allocation (and of its applications).
        policy: steps, tolerances, discounts and write-offs.
        rates: exchange rates for items in another currency than the payment.
        available: the part of the payment still unapplied, when some of it was applied
            before (default: all of it).

    Raises:
        AllocationError: unidentified cash, ``as_of`` before the payment, or ``available``
            in another currency, not positive, or more than the payment.
        DuplicateDocument: one id given twice with different open amounts.
        MissingRate: with ``on_missing_rate="raise"``, a rate that is not in ``rates``.

    Examples:
        >>> from receivables.models import Invoice, Payment, RemittanceLine
        >>> inv = Invoice(id="INV-000123", customer_id="C1", issue_date=date(2026, 5, 4),
        ...               total="400.00 EUR")
        >>> pay = Payment(id="P9", customer_id="C1", received_on=date(2026, 5, 20),
        ...               amount="400.00 EUR",
        ...               remittance=(RemittanceLine(reference="inv 123", amount="400.00 EUR"),))
        >>> r = allocate(pay, [OpenItem(inv, inv.total, inv.total)], as_of=date(2026, 5, 20))
        >>> r.outcome, r.applications[0].id, r.decisions[-1].confidence
        ('fully_applied', 'P9>INV-000123@2026-05-20', Decimal('0.85'))
    """
    if not isinstance(payment, (Payment, CreditMemo)):
        raise AllocationError(
            f"allocate needs a Payment or a CreditMemo, not {type(payment).__name__}"
        )
    if payment.customer_id is None:
        raise AllocationError(
            f"payment {payment.id}: customer_id: unidentified cash; identify the customer"
            " (payment.model_copy(update={'customer_id': ...})) before allocating",
            document_id=payment.id,
            field="customer_id",
        )
    paid_on = payment.received_on if isinstance(payment, Payment) else payment.issue_date
    if as_of < paid_on:
        raise AllocationError(
            f"{payment.kind} {payment.id}: as_of: {as_of.isoformat()} is before the"
            f" {payment.kind} of {paid_on.isoformat()}",
            document_id=payment.id,
            field="as_of",
        )
    total = payment.amount
    if available is not None:
        if available.code != total.code or available.amount <= 0 or available > total:
            raise AllocationError(
                f"{payment.kind} {payment.id}: available: {available} must be positive, in"
                f" {total.code} and at most {total}",
                document_id=payment.id,
                field="available",
            )
        total = available.quantize()
    currency = total.code
    cands, input_decisions = _prepare(
        payment,
        open_items,
        as_of=as_of,
        paid_on=paid_on,
        currency=currency,
        policy=policy,
        rates=rates,
    )
    state = _State(
        source=payment,
        currency=currency,
        remaining=total.minor,
        as_of=as_of,
        paid_on=paid_on,
        policy=policy,
        rates=rates,
        cands=cands,
        untouched=list(cands),
        decisions=input_decisions,
    )
    all_docs = [i.document for i in open_items if isinstance(i.document, (Invoice, DebitMemo))]
    for step in policy.steps:
        if state.remaining <= 0:
            break
        if step == "remittance":
            ran = _step_remittance(state, all_docs)
            if ran and policy.stop_after_remittance:
                if state.remaining > 0:
                    state.decide(
                        "remittance",
                        "left_unapplied",
                        f"{Money.from_minor(state.remaining, currency)} not named by the"
                        " remittance advice stays on account (stop_after_remittance)",
                    )
                break
        elif step in ("exact", "combination"):
            _step_match(state, step)
        elif step in ("due_date", "oldest_first"):
            _step_fifo(state, step)
        else:
            _step_pro_rata(state)
    return _result(state, payment, total)


def _result(state: _State, payment: Payment | CreditMemo, total: Money) -> AllocationResult:
    applications: list[Application] = []
    discounts: list[DiscountLine] = []
    write_offs: list[WriteOffLine] = []
    fx: list[AllocationFx] = []
    for doc_id in sorted(state.settlements):
        s = state.settlements[doc_id]
        code = s.cand.open.code
        reason = state.reasons[doc_id]
        if s.write_off_reason:
            reason += f"; write-off {s.write_off_reason}"
        applications.append(
            Application(
                id=_application_id(payment.id, doc_id, state.as_of),
                source_id=payment.id,
                target_id=doc_id,
                applied_on=state.as_of,
                amount=s.amount,
                discount=s.discount if s.discount.amount else None,
                write_off=s.write_off if s.write_off.amount else None,
                source_amount=(
                    Money.from_minor(s.used_src, state.currency) if code != state.currency else None
                ),
                reason=reason,
            )
        )
        if s.discount.amount:
            discounts.append(
                DiscountLine(
                    document_id=doc_id,
                    amount=s.discount,
                    late=s.cand.discount_late,
                    reason="early-payment discount"
                    + (
                        f" honoured {state.policy.discount_grace_days} grace day(s) late"
                        if s.cand.discount_late
                        else " earned within the terms"
                    ),
                )
            )
        if s.write_off.amount:
            assert s.write_off_reason is not None
            write_offs.append(
                WriteOffLine(document_id=doc_id, amount=s.write_off, reason_code=s.write_off_reason)
            )
        realised = _realised_fx(state, s)
        if realised is not None:
            fx.append(realised)
    left_open: list[str] = []
    for cand in state.cands.values():
        done = state.settlements.get(cand.id)
        if done is None or done.amount + done.discount + done.write_off != cand.open:
            left_open.append(cand.id)
    left_open.sort()
    unapplied = Money.from_minor(state.remaining, state.currency)
    if applications:
        outcome: Outcome = "fully_applied" if state.remaining == 0 else "partly_applied"
    elif state.tie:
        outcome = "no_unique_match"
    else:
        outcome = "unapplied"
    return AllocationResult(
        payment_id=payment.id,
        customer_id=payment.customer_id or "",
        as_of=state.as_of,
        amount=total,
        applications=tuple(applications),
        discounts=tuple(discounts),
        write_offs=tuple(write_offs),
        realised_fx=tuple(fx),
        unapplied=unapplied,
        decisions=tuple(state.decisions),
        left_open=tuple(left_open),
        candidate_sets=tuple(dict.fromkeys(state.candidate_sets)),
        outcome=outcome,
    )


# --------------------------------------------------------------------------------------
# Unapplied cash on account
# --------------------------------------------------------------------------------------


class UnappliedCash(_Frozen):
    """A payment or credit memo with part of it not yet applied (cash on account)."""

    document_id: str
    kind: Literal["payment", "credit_memo"]
    customer_id: str
    received_on: date
    amount: Money
    unapplied: Money
    age_days: int
    bank_reference: str | None = None
    remittance_lines: int = 0


class UnappliedCashReport(_Frozen, Tabular):
    """Unapplied cash as of a date: one row per payment or memo, totals per currency."""

    as_of: date
    items: tuple[UnappliedCash, ...]
    totals: dict[str, Money]

    def to_rows(self) -> list[dict[str, object]]:
        """One plain row per unapplied payment or memo.

        Examples:
            >>> report = UnappliedCashReport(as_of=date(2026, 1, 1), items=(), totals={})
            >>> report.to_rows()
            []
        """
        return [
            {
                "document_id": i.document_id,
                "kind": i.kind,
                "customer_id": i.customer_id,
                "received_on": i.received_on.isoformat(),
                "amount": str(i.amount.amount),
                "unapplied": str(i.unapplied.amount),
                "currency": i.unapplied.code,
                "age_days": i.age_days,
                "bank_reference": i.bank_reference,
                "remittance_lines": i.remittance_lines,
            }
            for i in self.items
        ]


def unapplied_cash(
    ledger: Ledger, *, as_of: date, customer_id: str | None = None
) -> UnappliedCashReport:
    """List the payments and credit memos not fully applied on ``as_of``, oldest first.

    Examples:
        >>> from receivables.models import Payment
        >>> ledger = Ledger([Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 1),
        ...                          amount="75.00 USD")])
        >>> report = unapplied_cash(ledger, as_of=date(2026, 2, 11))
        >>> [(i.document_id, str(i.unapplied), i.age_days) for i in report.items]
        [('P1', '75.00 USD', 10)]
    """
    items: list[UnappliedCash] = []
    for item in ledger.open_items(as_of=as_of, customer_id=customer_id, include_credits=True):
        doc = item.document
        if not isinstance(doc, (Payment, CreditMemo)):
            continue
        on = doc.received_on if isinstance(doc, Payment) else doc.issue_date
        items.append(
            UnappliedCash(
                document_id=doc.id,
                kind=doc.kind,
                customer_id=item.customer_id,
                received_on=on,
                amount=doc.amount,
                unapplied=-item.open,
                age_days=(as_of - on).days,
                bank_reference=doc.bank_reference if isinstance(doc, Payment) else None,
                remittance_lines=len(doc.remittance) if isinstance(doc, Payment) else 0,
            )
        )
    items.sort(key=lambda i: (i.received_on, i.customer_id, i.document_id))
    return UnappliedCashReport(
        as_of=as_of, items=tuple(items), totals=_totals(i.unapplied for i in items)
    )


def suggest_matches(
    ledger: Ledger,
    *,
    as_of: date,
    customer_id: str | None = None,
    policy: AllocationPolicy = DEFAULT_POLICY,
    rates: FxRates | None = None,
    remittance: Mapping[str, Sequence[RemittanceLine]] | None = None,
) -> tuple[AllocationResult, ...]:
    """Propose allocations of the unapplied cash on ``as_of`` against the open invoices.

    Run it when new invoices are posted or remittance advice arrives for cash already on
    account: ``remittance`` maps a payment id to the lines that arrived (they replace the
    payment's own). Each payment or memo with unapplied cash is allocated (its unapplied
    part only) against its customer's open debits, oldest cash first; an item proposed to
    earlier cash is offered to later cash only for what is left of it, so the proposals
    can be posted together. Only proposals with something to apply, or several tied
    matches to review, are returned.

    Examples:
        >>> from receivables.models import Invoice, Payment
        >>> ledger = Ledger([
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 1),
        ...             amount="75.00 USD"),
        ...     Invoice(id="I7", customer_id="C1", issue_date=date(2026, 2, 3),
        ...             total="75.00 USD")])
        >>> [(r.payment_id, r.applications[0].target_id)
        ...  for r in suggest_matches(ledger, as_of=date(2026, 2, 5))]
        [('P1', 'I7')]
    """
    extra = dict(remittance or {})
    for payment_id in extra:
        doc = ledger.document(payment_id)
        if not isinstance(doc, Payment):
            raise AllocationError(
                f"remittance advice for {payment_id}: it is a {doc.kind}, not a payment",
                document_id=payment_id,
                field="remittance",
            )
    consumed: dict[str, Money] = {}
    results: list[AllocationResult] = []
    for cash in unapplied_cash(ledger, as_of=as_of, customer_id=customer_id).items:
        source = ledger.document(cash.document_id)
        assert isinstance(source, (Payment, CreditMemo))
        if isinstance(source, Payment) and source.id in extra:
            source = source.model_copy(update={"remittance": tuple(extra[source.id])})
        candidates: list[OpenItem] = []
        for item in ledger.open_items(
            as_of=as_of, customer_id=cash.customer_id, include_credits=False
        ):
            used = consumed.get(item.id)
            if used is not None:
                item = OpenItem(item.document, item.open - used, item.original)
            if item.open.amount > 0:
                candidates.append(item)
        result = allocate(
            source, candidates, as_of=as_of, policy=policy, rates=rates, available=cash.unapplied
        )
        for app in result.applications:
            consumed[app.target_id] = consumed.get(app.target_id, Money.zero(app.amount.code)) + (
                app.settled
            )
        if result.outcome != "unapplied":
            results.append(result)
    return tuple(results)


class RequestedItem(_Frozen):
    """An open item listed in a request for remittance advice."""

    document_id: str
    issue_date: date
    due_date: date
    open: Money
    po_number: str | None = None


class RemittanceRequest(_Frozen):
    """The request a collector sends for cash that cannot be applied without advice."""

    customer_id: str
    customer_name: str | None
    payment_id: str
    received_on: date
    amount: Money
    unapplied: Money
    bank_reference: str | None
    as_of: date
    open_items: tuple[RequestedItem, ...]
    candidate_sets: tuple[tuple[str, ...], ...]
    subject: str
    message: str


def remittance_request(
    ledger: Ledger,
    payment_id: str,
    *,
    as_of: date,
    policy: AllocationPolicy = DEFAULT_POLICY,
    rates: FxRates | None = None,
    max_items: int = 20,
) -> RemittanceRequest:
    """Prepare the request for remittance advice for the unapplied part of a payment.

    The request names the payment (date, amount, bank reference), the amount still
    unapplied, the customer's open items it could pay (oldest due first, at most
    ``max_items``) and, when the amounts fit several sets of invoices equally, those sets,
    so the customer can answer with one line. The message is plain English text.

    Examples:
        >>> from receivables.models import Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 2, 3),
        ...             total="50.00 USD"),
        ...     Invoice(id="I2", customer_id="C1", issue_date=date(2026, 2, 3),
        ...             total="50.00 USD"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 9),
        ...             amount="50.00 USD", bank_reference="WIRE 881")])
        >>> req = remittance_request(ledger, "P1", as_of=date(2026, 2, 10))
        >>> req.candidate_sets, req.subject
        ((('I1',), ('I2',)), 'Remittance advice requested: payment of 50.00 USD on 2026-02-09')
    """
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise ValueError(f"max_items must be a positive int, not {max_items!r}")
    source = ledger.document(payment_id)
    if not isinstance(source, Payment):
        raise AllocationError(
            f"{source.kind} {payment_id}: payment_id: remittance advice is asked for payments,"
            f" not for a {source.kind}",
            document_id=payment_id,
            field="payment_id",
        )
    unapplied = -ledger.open_amount(payment_id, as_of=as_of)
    if unapplied.amount <= 0:
        raise AllocationError(
            f"{source.kind} {payment_id}: nothing is unapplied on {as_of.isoformat()}",
            document_id=payment_id,
            field="payment_id",
        )
    customer_id = source.customer_id
    assert customer_id is not None
    items = ledger.open_items(as_of=as_of, customer_id=customer_id, include_credits=False)
    result = allocate(source, items, as_of=as_of, policy=policy, rates=rates, available=unapplied)
    listed = sorted(items, key=lambda i: (i.due_date, i.issue_date, i.id))[:max_items]
    requested = tuple(
        RequestedItem(
            document_id=i.id,
            issue_date=i.issue_date,
            due_date=i.due_date,
            open=i.open,
            po_number=getattr(i.document, "po_number", None),
        )
        for i in listed
    )
    customer = ledger.customers.get(customer_id)
    name = customer.name if customer is not None else None
    received = source.received_on
    bank_ref = source.bank_reference
    subject = f"Remittance advice requested: payment of {source.amount} on {received.isoformat()}"
    lines = [
        f"Dear {name or customer_id},",
        "",
        f"On {received.isoformat()} we received your payment of {source.amount}"
        + (f" (bank reference {bank_ref})" if bank_ref else "")
        + f". {unapplied} of it could not be matched to your open items.",
        "Please send us remittance advice: the invoice numbers this payment settles and the"
        " amount paid against each, with any deduction and its reason.",
    ]
    if result.candidate_sets:
        lines.append("")
        lines.append("The amount fits each of these sets of invoices; please tell us which:")
        lines.extend(f"  - {', '.join(s)}" for s in result.candidate_sets)
    if requested:
        lines.append("")
        lines.append(f"Your open items on {as_of.isoformat()}:")
        lines.extend(
            f"  - {r.document_id} of {r.issue_date.isoformat()}, due {r.due_date.isoformat()}:"
            f" {r.open} open" + (f" (PO {r.po_number})" if r.po_number else "")
            for r in requested
        )
        if len(items) > len(requested):
            lines.append(f"  ... and {len(items) - len(requested)} more")
    lines.extend(["", "Thank you."])
    return RemittanceRequest(
        customer_id=customer_id,
        customer_name=name,
        payment_id=payment_id,
        received_on=received,
        amount=source.amount,
        unapplied=unapplied,
        bank_reference=bank_ref,
        as_of=as_of,
        open_items=requested,
        candidate_sets=result.candidate_sets,
        subject=subject,
        message="\n".join(lines),
    )
