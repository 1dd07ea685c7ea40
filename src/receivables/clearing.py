"""Clearing orders: where a partial payment on dunned debt goes, cent by cent, and why.

A debtor who owes principal, interest and costs on one or several debts and pays less than
the whole does not choose what the money pays off unless the law or the parties let them.
A :class:`ClearingOrder` is that rule, as data:

* the **components** of one debt in the order a payment reaches them (costs, interest,
  principal);
* the **criteria** that rank several debts (due first, least secured, most burdensome,
  oldest, ...), with **ties** split proportionally or broken by document id;
* the **grouping**: debt by debt (rank the debts, then clear each one's components in
  order) or component by component (all costs, then all interest, then principal).

Presets:

* :data:`BGB_367` — BGB § 367(1): "zunächst auf die Kosten, dann auf die Zinsen und zuletzt
  auf die Hauptleistung"; several debts by due, then age, then proportionally.
* :data:`BGB_366_2` — BGB § 366(2) with § 367(1) inside each debt: "zunächst die fällige
  Schuld, unter mehreren fälligen Schulden diejenige, welche dem Gläubiger geringere
  Sicherheit bietet, unter mehreren gleich sicheren die dem Schuldner lästigere, unter
  mehreren gleich lästigen die ältere Schuld und bei gleichem Alter jede Schuld
  verhältnismäßig". Security and burden are facts only the caller knows: it passes them as
  scores, and a criterion without a score is skipped (said so in the reasons), so age and
  proportion decide.
* :data:`BGB_497_3` — BGB § 497(3) for consumer loans: costs, then principal, then
  interest (so that interest, which earns no interest under § 289, is paid last).
* :data:`PRINCIPAL_FIRST` — principal, then interest, then costs; debts by earliest due
  date, ties by document id: for jurisdictions without a statutory order.

:func:`clear_payment` applies an order to a payment and a set of :class:`Claim` values and
returns a :class:`Clearing`: the placements, each with the rule that placed its cents, the
claims that remain, and what the payment leaves unapplied. Money is conserved to the minor
unit: placed + unapplied = payment, and no component ever goes below zero.

Examples:
    >>> from datetime import date
    >>> claim = Claim(document_id="INV-1", due_date=date(2026, 1, 31),
    ...               arose_on=date(2026, 1, 1), principal=Money("1000.00", "EUR"),
    ...               interest=Money("12.50", "EUR"), costs=Money("5.00", "EUR"))
    >>> result = clear_payment(Money("100.00", "EUR"), [claim], order=BGB_367,
    ...                        as_of=date(2026, 3, 1))
    >>> [(p.component.value, str(p.amount)) for p in result.placements]
    [('costs', '5.00 EUR'), ('interest', '12.50 EUR'), ('principal', '82.50 EUR')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.errors import CurrencyMismatch, InvalidAmount, ReceivablesError
from receivables.money import Money, split

__all__ = [
    "BGB_366_2",
    "BGB_367",
    "BGB_497_3",
    "CLEARING_ORDERS",
    "PRINCIPAL_FIRST",
    "Claim",
    "Clearing",
    "ClearingOrder",
    "Component",
    "Criterion",
    "InvalidClearingInput",
    "Placement",
    "UnknownClearingComponent",
    "clear_payment",
]


class UnknownClearingComponent(ReceivablesError, LookupError):
    """A clearing order names a component or criterion this library does not know.

    A ``LookupError`` (like an unknown document), so it reaches the caller as itself, also
    from inside a model's validation.
    """


class InvalidClearingInput(ReceivablesError, ValueError):
    """Clearing inputs that contradict each other (currencies, ids, amounts, scores)."""


class Component(StrEnum):
    """The parts of one debt a payment can clear (BGB § 367(1): Kosten, Zinsen, Hauptleistung)."""

    COSTS = "costs"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class Criterion(StrEnum):
    """A criterion that ranks debts; the first listed in an order weighs most.

    * ``due``: a debt due on ``as_of`` before one not yet due (§ 366(2) "die fällige Schuld").
    * ``security``: the debt with the *lower* security score first ("geringere Sicherheit").
    * ``burden``: the debt with the *higher* burden score first ("die lästigere").
    * ``age``: the debt that arose first ("die ältere Schuld"; age is when the debt arose,
      not when it fell due).
    * ``due_date``: the earliest due date first (a commercial convention, no statute).
    """

    DUE = "due"
    SECURITY = "security"
    BURDEN = "burden"
    AGE = "age"
    DUE_DATE = "due_date"


_COMPONENTS: Final = tuple(c.value for c in Component)
_CRITERIA: Final = tuple(c.value for c in Criterion)


class ClearingOrder(BaseModel):
    """The order in which a partial payment clears debts and their components, as data.

    ``components`` must name each of ``costs``, ``interest`` and ``principal`` exactly once;
    ``criteria`` ranks debts (each at most once). ``ties`` says what happens to debts that
    no criterion separates: ``proportional`` splits the payment in proportion to what each
    owes (§ 366(2) "verhältnismäßig"), ``document_id`` takes them in id order.
    ``grouping`` is ``by_debt`` (clear the first-ranked debt's components, then the next
    debt) or ``by_component`` (the first component of every debt, then the second).

    A name outside those lists raises :class:`UnknownClearingComponent`.

    Examples:
        >>> ClearingOrder(id="custom", title="t", citation="c",
        ...               components=("costs", "fees", "principal"))
        Traceback (most recent call last):
        ...
        receivables.clearing.UnknownClearingComponent: clearing order custom: components: ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str
    citation: str = Field(description="Statute or agreement, for the audit trail.")
    components: tuple[str, ...] = _COMPONENTS
    criteria: tuple[str, ...] = ("due", "security", "burden", "age")
    ties: Literal["proportional", "document_id"] = "proportional"
    grouping: Literal["by_debt", "by_component"] = "by_debt"

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in self.components:
            if name not in _COMPONENTS:
                raise UnknownClearingComponent(
                    f"clearing order {self.id}: components: unknown component {name!r};"
                    f" a clearing order orders {', '.join(_COMPONENTS)}",
                    field="components",
                )
        for name in self.criteria:
            if name not in _CRITERIA:
                raise UnknownClearingComponent(
                    f"clearing order {self.id}: criteria: unknown criterion {name!r};"
                    f" known criteria are {', '.join(_CRITERIA)}",
                    field="criteria",
                )
        if sorted(self.components) != sorted(_COMPONENTS):
            raise InvalidClearingInput(
                f"clearing order {self.id}: components: {list(self.components)} must name"
                f" each of {', '.join(_COMPONENTS)} exactly once",
                field="components",
            )
        if len(set(self.criteria)) != len(self.criteria):
            raise InvalidClearingInput(
                f"clearing order {self.id}: criteria: {list(self.criteria)} names one twice",
                field="criteria",
            )
        return self

    @property
    def component_order(self) -> tuple[Component, ...]:
        """The components as :class:`Component` values, in clearing order."""
        return tuple(Component(c) for c in self.components)


BGB_367: Final = ClearingOrder(
    id="bgb_367",
    title="BGB § 367(1): costs, then interest, then principal",
    citation="BGB § 367(1)",
    components=("costs", "interest", "principal"),
    criteria=("due", "age"),
)
"""BGB § 367(1) within a debt; several debts by due, then age, then proportionally."""

BGB_366_2: Final = ClearingOrder(
    id="bgb_366_2",
    title="BGB § 366(2) across debts, § 367(1) within each",
    citation="BGB § 366(2), § 367(1)",
    components=("costs", "interest", "principal"),
    criteria=("due", "security", "burden", "age"),
)
"""BGB § 366(2): due, least secured, most burdensome, oldest, then proportionally; § 367(1)
inside each debt."""

BGB_497_3: Final = ClearingOrder(
    id="bgb_497_3",
    title="BGB § 497(3): costs, then principal, then interest (consumer loans)",
    citation="BGB § 497(3) sentence 1",
    components=("costs", "principal", "interest"),
    criteria=("due", "age"),
)
"""BGB § 497(3) for consumer loan contracts: costs of enforcement, then the rest owed, then
interest."""

PRINCIPAL_FIRST: Final = ClearingOrder(
    id="principal_first",
    title="Principal first: principal, then interest, then costs; earliest due date first",
    citation="No statutory order: the creditor's or the parties' convention",
    components=("principal", "interest", "costs"),
    criteria=("due_date",),
    ties="document_id",
)
"""Principal, interest, costs; debts by earliest due date, ties by document id."""

CLEARING_ORDERS: Final[Mapping[str, ClearingOrder]] = {
    o.id: o for o in (BGB_366_2, BGB_367, BGB_497_3, PRINCIPAL_FIRST)
}
"""The shipped presets by id."""


class Claim(BaseModel):
    """One debt as a clearing order sees it: what is open of each component on a date.

    ``arose_on`` is when the debt came into being (its age for § 366(2)); ``due_date`` when
    it fell due. ``interest`` and ``costs`` default to zero in the principal's currency.

    Examples:
        >>> Claim(document_id="INV-1", due_date=date(2026, 2, 1), arose_on=date(2026, 1, 1),
        ...       principal=Money("10.00", "EUR")).total
        Money('10.00', 'EUR')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str = Field(min_length=1)
    due_date: date
    arose_on: date
    principal: Money
    interest: Money | None = None
    costs: Money | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        code = self.principal.code
        for name in _COMPONENTS:
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, Money.zero(code))
                continue
            if value.code != code:
                raise CurrencyMismatch(
                    f"claim {self.document_id}: {name}: is in {value.code}, the principal in"
                    f" {code}",
                    document_id=self.document_id,
                    field=name,
                )
            if value.amount < 0:
                raise InvalidClearingInput(
                    f"claim {self.document_id}: {name}: {value} must not be negative",
                    document_id=self.document_id,
                    field=name,
                )
        if self.due_date < self.arose_on:
            raise InvalidClearingInput(
                f"claim {self.document_id}: due_date: {self.due_date.isoformat()} is before"
                f" the debt arose on {self.arose_on.isoformat()}",
                document_id=self.document_id,
                field="due_date",
            )
        return self

    def part(self, component: Component) -> Money:
        """The open amount of one component."""
        value = getattr(self, component.value)
        assert isinstance(value, Money)
        return value

    @property
    def currency(self) -> str:
        """The claim's currency."""
        return self.principal.code

    @property
    def total(self) -> Money:
        """Costs + interest + principal."""
        return self.part(Component.COSTS) + self.part(Component.INTEREST) + self.principal


class Placement(BaseModel):
    """Cents of the payment placed on one component of one debt, and the rules that put
    them there.

    ``debt_rule`` is why this debt came at its rank: the criterion that put it ahead of the
    next debt (``due``, ``security``, ``burden``, ``age``, ``due_date``), ``proportional``
    for a share of a tie, ``document_id`` for a tie broken by id, ``sole`` when there is one
    debt, ``in_full`` when the payment covers every claim. ``component_rule`` is the
    component's position in the order, with the order's citation.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sequence: int = Field(ge=1)
    document_id: str
    component: Component
    amount: Money
    debt_rule: str
    component_rule: str
    reason: str


class Clearing(BaseModel):
    """The outcome of clearing one payment: placements, remaining claims, unapplied cash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str
    citation: str
    as_of: date
    payment: Money
    placements: tuple[Placement, ...]
    remaining: tuple[Claim, ...] = Field(description="The claims after the payment, by id.")
    unapplied: Money
    reasons: tuple[str, ...] = ()

    @property
    def placed(self) -> Money:
        """What the payment cleared (payment - unapplied)."""
        return sum((p.amount for p in self.placements), Money.zero(self.payment.code))

    def placed_on(self, document_id: str, component: Component | str) -> Money:
        """What the payment placed on one component of one debt.

        Examples:
            >>> claim = Claim(document_id="I", due_date=date(2026, 1, 1),
            ...               arose_on=date(2026, 1, 1), principal=Money("50.00", "EUR"),
            ...               interest=Money("2.00", "EUR"))
            >>> r = clear_payment(Money("10.00", "EUR"), [claim], order=BGB_367,
            ...                   as_of=date(2026, 2, 1))
            >>> r.placed_on("I", "principal")
            Money('8.00', 'EUR')
        """
        comp = Component(component)
        return sum(
            (
                p.amount
                for p in self.placements
                if p.document_id == document_id and p.component is comp
            ),
            Money.zero(self.payment.code),
        )

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per placement, for tables and CSV."""
        return [
            {
                "sequence": p.sequence,
                "document_id": p.document_id,
                "component": p.component.value,
                "amount": p.amount.amount,
                "currency": p.amount.code,
                "debt_rule": p.debt_rule,
                "component_rule": p.component_rule,
                "reason": p.reason,
            }
            for p in self.placements
        ]


_DEBT_RULE_TEXT: Final[Mapping[str, str]] = {
    "due": "it is due and a later-ranked debt is not",
    "security": "it offers the creditor less security",
    "burden": "it is more burdensome for the debtor",
    "age": "it is older",
    "due_date": "it falls due earlier",
    "document_id": "tie broken by document id",
    "proportional": "its share of a tie, in proportion to what each tied debt owes",
    "sole": "the only debt",
    "in_full": "the payment covers every claim",
}


def _scores(
    given: Mapping[str, Decimal | int | str] | None, ids: set[str], field: str
) -> dict[str, Decimal] | None:
    if given is None:
        return None
    out: dict[str, Decimal] = {}
    for doc_id, value in given.items():
        if doc_id not in ids:
            raise InvalidClearingInput(
                f"{doc_id}: {field}: a score for a document that is not among the claims",
                document_id=doc_id,
                field=field,
            )
        if isinstance(value, (bool, float)):
            raise InvalidClearingInput(
                f"{doc_id}: {field}: score {value!r} must be a Decimal, an int or a str",
                document_id=doc_id,
                field=field,
            )
        try:
            score = Decimal(value)
        except (ArithmeticError, ValueError):
            score = Decimal("NaN")
        if not score.is_finite():
            raise InvalidClearingInput(
                f"{doc_id}: {field}: score {value!r} is not a finite number",
                document_id=doc_id,
                field=field,
            )
        out[doc_id] = score
    return out


def _key(
    claim: Claim,
    criteria: Sequence[str],
    *,
    as_of: date,
    security: Mapping[str, Decimal] | None,
    burden: Mapping[str, Decimal] | None,
) -> tuple[Decimal, ...]:
    parts: list[Decimal] = []
    for name in criteria:
        if name == "due":
            parts.append(Decimal(0 if claim.due_date <= as_of else 1))
        elif name == "security":
            parts.append((security or {}).get(claim.document_id, Decimal(0)))
        elif name == "burden":
            parts.append(-(burden or {}).get(claim.document_id, Decimal(0)))
        elif name == "age":
            parts.append(Decimal(claim.arose_on.toordinal()))
        else:
            parts.append(Decimal(claim.due_date.toordinal()))
    return tuple(parts)


def _rank(
    claims: Sequence[Claim],
    order: ClearingOrder,
    criteria: Sequence[str],
    *,
    as_of: date,
    security: Mapping[str, Decimal] | None,
    burden: Mapping[str, Decimal] | None,
) -> list[tuple[list[Claim], str]]:
    """Groups of debts in clearing order, each with the rule that ranks it."""
    keyed = sorted(
        (
            (_key(c, criteria, as_of=as_of, security=security, burden=burden), c.document_id, c)
            for c in claims
        ),
        key=lambda t: (t[0], t[1]),
    )
    groups: list[tuple[tuple[Decimal, ...], list[Claim]]] = []
    for key, _, claim in keyed:
        if groups and groups[-1][0] == key and order.ties == "proportional":
            groups[-1][1].append(claim)
        else:
            groups.append((key, [claim]))

    def separating(a: tuple[Decimal, ...], b: tuple[Decimal, ...]) -> str:
        for name, x, y in zip(criteria, a, b, strict=True):
            if x != y:
                return name
        return "document_id"

    ranked: list[tuple[list[Claim], str]] = []
    for i, (key, members) in enumerate(groups):
        if len(groups) == 1:
            rule = "sole" if len(members) == 1 else "proportional"
        elif i + 1 < len(groups):
            rule = separating(key, groups[i + 1][0])
        else:
            rule = separating(groups[i - 1][0], key)
        ranked.append((members, rule))
    return ranked


def clear_payment(
    payment: Money,
    claims: Iterable[Claim],
    *,
    order: ClearingOrder,
    as_of: date,
    security: Mapping[str, Decimal | int | str] | None = None,
    burden: Mapping[str, Decimal | int | str] | None = None,
) -> Clearing:
    """Clear ``payment`` against ``claims`` by ``order`` on ``as_of``.

    Debts are ranked by the order's criteria (``due`` is judged on ``as_of``); a criterion
    whose input is missing (``security`` or ``burden`` not given) is skipped and the result
    says so. ``security`` and ``burden`` map document ids to scores (higher = more secure,
    more burdensome); a debt the mapping leaves out scores 0. Within a debt, the payment
    reaches the components in the order's sequence. A tie that the payment cannot cover in
    full is split in proportion to what each tied debt (or component) owes, with the
    largest-remainder method (:func:`receivables.money.split`), so no share exceeds what it
    pays. Whatever exceeds all claims is ``unapplied``.

    Examples:
        >>> old = Claim(document_id="A", due_date=date(2026, 1, 31), arose_on=date(2026, 1, 1),
        ...             principal=Money("300.00", "EUR"))
        >>> new = Claim(document_id="B", due_date=date(2026, 2, 28), arose_on=date(2026, 2, 1),
        ...             principal=Money("300.00", "EUR"))
        >>> r = clear_payment(Money("400.00", "EUR"), [new, old], order=BGB_366_2,
        ...                   as_of=date(2026, 3, 15))
        >>> [(p.document_id, str(p.amount), p.debt_rule) for p in r.placements]
        [('A', '300.00 EUR', 'age'), ('B', '100.00 EUR', 'age')]
    """
    if not isinstance(payment, Money):
        raise InvalidAmount(f"payment {payment!r} must be Money", field="payment")
    items = sorted(claims, key=lambda c: c.document_id)
    code = payment.code
    if payment.amount <= 0 or not payment.is_quantized:
        raise InvalidClearingInput(
            f"payment: {payment} must be positive and at the currency's minor unit",
            field="payment",
        )
    ids: set[str] = set()
    for c in items:
        if c.document_id in ids:
            raise InvalidClearingInput(
                f"{c.document_id}: document_id: two claims for one document on {as_of.isoformat()}",
                document_id=c.document_id,
                field="document_id",
            )
        ids.add(c.document_id)
        if c.currency != code:
            raise CurrencyMismatch(
                f"{c.document_id}: principal: the claim is in {c.currency}, the payment in"
                f" {code}; convert the payment at its rate first",
                document_id=c.document_id,
                field="principal",
            )
    security_scores = _scores(security, ids, "security")
    burden_scores = _scores(burden, ids, "burden")
    reasons: list[str] = [f"{order.citation}: {order.title}"]
    criteria: list[str] = []
    for name in order.criteria:
        if name == "security" and security_scores is None:
            reasons.append("no security scores given: the security criterion is skipped")
        elif name == "burden" and burden_scores is None:
            reasons.append("no burden scores given: the burden criterion is skipped")
        else:
            criteria.append(name)

    open_parts: dict[tuple[str, Component], Money] = {
        (c.document_id, comp): c.part(comp) for c in items for comp in Component
    }
    total_open = sum((c.total for c in items), Money.zero(code))
    in_full = payment >= total_open
    positions = {comp: i for i, comp in enumerate(order.component_order, start=1)}
    sequence = 0
    placements: list[Placement] = []
    remaining = payment

    def place(doc_id: str, comp: Component, amount: Money, debt_rule: str) -> None:
        nonlocal sequence, remaining
        if amount.amount == 0:
            return
        sequence += 1
        open_parts[(doc_id, comp)] = open_parts[(doc_id, comp)] - amount
        remaining = remaining - amount
        component_rule = (
            f"{order.citation}: {comp.value} is #{positions[comp]} of {order.components}"
        )
        placements.append(
            Placement(
                sequence=sequence,
                document_id=doc_id,
                component=comp,
                amount=amount,
                debt_rule=debt_rule,
                component_rule=component_rule,
                reason=f"{doc_id} {comp.value}: {_DEBT_RULE_TEXT[debt_rule]}",
            )
        )

    def fill(slots: Sequence[tuple[str, Component]], rule: str) -> None:
        """Pay ``slots`` in full, or split what is left across them by what each owes."""
        owed = [open_parts[s] for s in slots]
        need = sum(owed, Money.zero(code))
        if need.amount == 0 or remaining.amount == 0:
            return
        if remaining >= need:
            for slot, amount in zip(slots, owed, strict=True):
                place(slot[0], slot[1], amount, "in_full" if in_full else rule)
            return
        if len(slots) == 1:
            place(slots[0][0], slots[0][1], remaining, rule)
            return
        shares = split(remaining, [m.minor for m in owed])
        for slot, share in zip(slots, shares, strict=True):
            place(slot[0], slot[1], share, "proportional")

    comps = order.component_order
    if order.grouping == "by_debt":
        for members, rule in _rank(
            items, order, criteria, as_of=as_of, security=security_scores, burden=burden_scores
        ):
            if remaining.amount == 0:
                break
            if len(members) == 1:
                for comp in comps:
                    fill([(members[0].document_id, comp)], rule)
                continue
            group_need = [
                sum((open_parts[(m.document_id, comp)] for comp in comps), Money.zero(code))
                for m in members
            ]
            if remaining >= sum(group_need, Money.zero(code)):
                for m in members:
                    for comp in comps:
                        fill([(m.document_id, comp)], rule)
                continue
            shares = split(remaining, [n.minor for n in group_need])
            for m, share in zip(members, shares, strict=True):
                budget = share
                for comp in comps:
                    take = min(budget, open_parts[(m.document_id, comp)])
                    place(m.document_id, comp, take, "proportional")
                    budget = budget - take
    else:
        for comp in comps:
            owing = [c for c in items if open_parts[(c.document_id, comp)].amount > 0]
            for members, rule in _rank(
                owing, order, criteria, as_of=as_of, security=security_scores, burden=burden_scores
            ):
                fill([(m.document_id, comp) for m in members], rule)

    if remaining.amount > 0:
        reasons.append(f"{remaining} exceeds every claim and stays unapplied")
    after = tuple(
        c.model_copy(update={comp.value: open_parts[(c.document_id, comp)] for comp in Component})
        for c in items
    )
    return Clearing(
        order_id=order.id,
        citation=order.citation,
        as_of=as_of,
        payment=payment,
        placements=tuple(placements),
        remaining=after,
        unapplied=remaining,
        reasons=tuple(reasons),
    )
