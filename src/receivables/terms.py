"""Payment terms: when an invoice falls due, what paying early earns, and in which parts.

A :class:`PaymentTerms` value is read from the words on an invoice (``"2/10 NET 30"``,
``"NET 30 EOM"``, ``"10 PROX"``, ``"50% 30 DAYS, 50% 60 DAYS"``) or built field by field,
and answers the questions a receivables clerk asks of it: the due date, the last day an
early-payment discount may be taken, the discount a payment earns, the instalment
schedule, and what forgoing the discount costs the customer per year.

Days are calendar days and months are calendar months (``dateutil.relativedelta``, so
31 January plus one month is the last day of February). Dates move to a business day only
when a :class:`BusinessCalendar` is passed.

Examples:
    >>> from datetime import date
    >>> from receivables.money import Money
    >>> terms = PaymentTerms.parse("2/10 net 30")
    >>> str(terms), terms.due_date(date(2026, 1, 15))
    ('2/10 NET 30', datetime.date(2026, 2, 14))
    >>> terms.discount_for(Money("1000.00", "USD"), date(2026, 1, 15), paid_on=date(2026, 1, 25))
    Money('20.00', 'USD')
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Final, Literal

from dateutil.relativedelta import relativedelta
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)

from receivables.errors import InvalidTerms
from receivables.money import ExactDecimal, Money, split

__all__ = [
    "BusinessCalendar",
    "EarlyPaymentDiscount",
    "Instalment",
    "InstalmentRule",
    "PaymentTerms",
    "Roll",
    "TermsKind",
]

TermsKind = Literal["net", "eom", "prox", "due_on_receipt", "cash_in_advance", "instalments"]
"""How the net due date is found: see :class:`PaymentTerms`."""

Roll = Literal["following", "modified_following", "preceding"]
"""Where a due date that is not a business day moves to."""

EomRule = Literal["days_after_month_end", "month_end_after_days"]
"""The two readings of ``NET 30 EOM``; see :class:`PaymentTerms`."""

Days = Annotated[int, Field(ge=0, strict=True)]

_HUNDRED: Final = Decimal(100)


def _end_of_month(d: date) -> date:
    return d + relativedelta(day=31)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------------------
# Business days
# --------------------------------------------------------------------------------------


class BusinessCalendar(BaseModel):
    """Which days are business days, and where a date that is not one rolls to.

    ``weekend`` holds weekday numbers (Monday 0 ... Sunday 6); ``holidays`` holds dates.
    ``roll`` is the business-day convention of ISDA and the money markets: *following*
    moves to the next business day, *preceding* to the previous one, and *modified
    following* moves forward unless that crosses into the next month, then backward.

    Examples:
        >>> cal = BusinessCalendar(holidays=frozenset({date(2026, 2, 16)}))
        >>> cal.adjust(date(2026, 2, 14))  # a Saturday, then a Sunday, then the holiday
        datetime.date(2026, 2, 17)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekend: frozenset[int] = Field(default=frozenset({5, 6}))
    holidays: frozenset[date] = Field(default=frozenset())
    roll: Roll = "following"

    @model_validator(mode="after")
    def _check_weekend(self) -> BusinessCalendar:
        bad = sorted(d for d in self.weekend if not 0 <= d <= 6)
        if bad:
            raise ValueError(f"weekend days must be 0 (Monday) to 6 (Sunday), not {bad}")
        if len(self.weekend) == 7:
            raise ValueError("a weekend of all seven days leaves no business day")
        return self

    @field_serializer("weekend")
    def _sorted_weekend(self, value: frozenset[int]) -> list[int]:
        return sorted(value)

    @field_serializer("holidays")
    def _sorted_holidays(self, value: frozenset[date]) -> list[date]:
        return sorted(value)

    @classmethod
    def from_holidays(
        cls,
        country: str,
        years: Iterable[int],
        subdiv: str | None = None,
        *,
        weekend: frozenset[int] = frozenset({5, 6}),
        roll: Roll = "following",
    ) -> BusinessCalendar:
        """A calendar with the public holidays of ``country`` (and ``subdiv``) in ``years``.

        Uses the optional `holidays <https://pypi.org/project/holidays/>`_ package, with
        observed days included (a Saturday 4 July is observed on Friday 3 July in the US).

        Examples:
            >>> cal = BusinessCalendar.from_holidays("US", [2026])
            >>> cal.is_business_day(date(2026, 7, 3)), cal.adjust(date(2026, 7, 3))
            (False, datetime.date(2026, 7, 6))
        """
        try:
            import holidays as holidays_package
        except ImportError as exc:
            raise ImportError(
                "BusinessCalendar.from_holidays needs the 'holidays' package:"
                " pip install receivables[holidays]"
            ) from exc
        try:
            table = holidays_package.country_holidays(country, subdiv=subdiv, years=list(years))
        except NotImplementedError as exc:
            raise ValueError(
                f"the holidays package has no calendar for country {country!r}"
                + (f" subdivision {subdiv!r}" if subdiv else "")
            ) from exc
        days: frozenset[date] = frozenset(table.keys())
        return cls(weekend=weekend, holidays=days, roll=roll)

    def is_business_day(self, d: date) -> bool:
        """True when ``d`` is neither a weekend day nor a holiday.

        Examples:
            >>> BusinessCalendar().is_business_day(date(2026, 2, 14))  # a Saturday
            False
        """
        return d.weekday() not in self.weekend and d not in self.holidays

    def following(self, d: date) -> date:
        """The first business day on or after ``d``.

        Examples:
            >>> BusinessCalendar().following(date(2026, 2, 14))
            datetime.date(2026, 2, 16)
        """
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return d

    def preceding(self, d: date) -> date:
        """The last business day on or before ``d``.

        Examples:
            >>> BusinessCalendar().preceding(date(2026, 2, 14))
            datetime.date(2026, 2, 13)
        """
        while not self.is_business_day(d):
            d -= timedelta(days=1)
        return d

    def adjust(self, d: date) -> date:
        """Move ``d`` to a business day by this calendar's ``roll`` convention.

        Examples:
            >>> cal = BusinessCalendar(roll="modified_following")
            >>> cal.adjust(date(2026, 1, 31))  # Saturday; Monday is in February, so Friday
            datetime.date(2026, 1, 30)
        """
        if self.roll == "following":
            return self.following(d)
        if self.roll == "preceding":
            return self.preceding(d)
        forward = self.following(d)
        if forward.month == d.month:
            return forward
        backward = self.preceding(d)
        return backward if backward.month == d.month else forward


def _adjust(d: date, invoice_date: date, calendar: BusinessCalendar | None) -> date:
    if calendar is None:
        return d
    moved = calendar.adjust(d)
    # Rolling back must not make a payment due before the invoice exists.
    return moved if moved >= invoice_date else calendar.following(d)


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


class EarlyPaymentDiscount(BaseModel):
    """One discount tier: ``percent`` off if paid within ``days``.

    The days count from the invoice date, or, when ``from_month_end`` is set, from the end
    of the invoice month (``1/10 EOM``: by the 10th of the following month).

    Examples:
        >>> tier = EarlyPaymentDiscount(percent=Decimal("2"), days=10)
        >>> str(tier), tier.deadline(date(2026, 1, 15))
        ('2/10', datetime.date(2026, 1, 25))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: ExactDecimal = Field(gt=0, lt=100, description="Percent of the amount paid.")
    days: Days
    from_month_end: bool = False

    def deadline(self, invoice_date: date, *, calendar: BusinessCalendar | None = None) -> date:
        """The last day this tier may be taken for an invoice dated ``invoice_date``.

        Examples:
            >>> EarlyPaymentDiscount(percent=1, days=10, from_month_end=True).deadline(
            ...     date(2026, 1, 15))
            datetime.date(2026, 2, 10)
        """
        start = _end_of_month(invoice_date) if self.from_month_end else invoice_date
        return _adjust(start + timedelta(days=self.days), invoice_date, calendar)

    def __str__(self) -> str:
        return f"{_fmt(self.percent)}/{self.days}" + (" EOM" if self.from_month_end else "")


def _discount_on(amount: Money, percent: Decimal) -> Money:
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return Money(amount.amount * percent / _HUNDRED, amount.code).quantize()


class InstalmentRule(BaseModel):
    """One part of an instalment plan: ``share`` percent of the total, due ``days`` after
    the invoice date, with an optional early-payment ``discount`` on that part.

    Examples:
        >>> str(InstalmentRule(share=Decimal("50"), days=30))
        '50% 30 DAYS'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    share: ExactDecimal = Field(gt=0, le=100, description="Percent of the invoice total.")
    days: Days
    discount: EarlyPaymentDiscount | None = None

    @model_validator(mode="after")
    def _check_discount(self) -> InstalmentRule:
        d = self.discount
        if d is not None:
            if d.from_month_end:
                raise InvalidTerms("an instalment discount counts from the invoice date")
            if d.days >= self.days:
                raise InvalidTerms(
                    f"instalment discount days ({d.days}) must be fewer than the"
                    f" instalment's days ({self.days})"
                )
        return self

    def __str__(self) -> str:
        text = f"{_fmt(self.share)}% {self.days} DAYS"
        return text + (f" ({self.discount})" if self.discount is not None else "")


class Instalment(BaseModel):
    """One dated part of an invoice's payment schedule, as :meth:`PaymentTerms.instalments`
    computes it for a total and an invoice date.

    Examples:
        >>> part = Instalment(number=1, due_date=date(2026, 2, 14), amount=Money("500.00", "USD"),
        ...                   discount_percent=Decimal("2"), discount_deadline=date(2026, 1, 25))
        >>> part.discount_for(date(2026, 1, 20))
        Money('10.00', 'USD')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, description="Position in the schedule, from 1.")
    due_date: date
    amount: Money
    discount_percent: ExactDecimal | None = None
    discount_deadline: date | None = None

    @model_validator(mode="after")
    def _discount_pair(self) -> Instalment:
        if (self.discount_percent is None) != (self.discount_deadline is None):
            raise ValueError("discount_percent and discount_deadline go together")
        return self

    def discount_for(
        self, paid_on: date, *, amount: Money | None = None, grace_days: int = 0
    ) -> Money:
        """The discount earned paying ``amount`` (default: the whole instalment) on ``paid_on``.

        Examples:
            >>> part = Instalment(number=1, due_date=date(2026, 2, 14),
            ...                   amount=Money("500.00", "USD"))
            >>> part.discount_for(date(2026, 1, 20))
            Money('0.00', 'USD')
        """
        paid = self.amount if amount is None else amount
        _check_grace(grace_days)
        if self.discount_percent is None or self.discount_deadline is None:
            return Money.zero(paid.code)
        if paid_on > self.discount_deadline + timedelta(days=grace_days):
            return Money.zero(paid.code)
        return _discount_on(paid, self.discount_percent)


def _check_grace(grace_days: int) -> None:
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError(f"grace_days must be a whole number of days >= 0, not {grace_days!r}")


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------

_NUM: Final = r"\d+(?:\.\d+)?"
_ORD: Final = r"(?:ST|ND|RD|TH)?"
_PROX: Final = r"(?:PROX(?:IMO)?|MFI)"
_NET: Final = r"(?:NET|N)\s?/?\s?(\d+)(?:\s?DAYS?)?"

_RECEIPT_RE: Final = re.compile(
    r"(?:DUE\s)?(?:ON|UPON)\sRECEIPT(?:\sOF\sINVOICE)?|C\.?O\.?D\.?|CASH\sON\sDELIVERY"
)
_ADVANCE_RE: Final = re.compile(
    r"C\.?I\.?A\.?|CASH\sIN\sADVANCE|C\.?W\.?O\.?|CASH\sWITH\sORDER|PAYMENT\sIN\sADVANCE"
)
_TIER_RE: Final = re.compile(rf"({_NUM})\s?/\s?(\d+)(?:\s?DAYS?)?(?:\s?(EOM|{_PROX})\b)?[\s,;]*")
_INSTALMENT_RE: Final = re.compile(
    rf"({_NUM})\s?%\s?(?:(?:IN|AT|AFTER)\s|NET\s?|N\s?)?(?:(\d+)(?:\s?DAYS?)?|(ON\sRECEIPT|UPFRONT))"
    rf"(?:\s?\(({_NUM})\s?/\s?(\d+)\))?"
)
_INSTALMENT_SEP: Final = re.compile(r"\s?(?:,|;|\bAND\b)\s?")

_BASES: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], dict[str, object]]], ...]] = (
    (re.compile(_NET), lambda m: {"kind": "net", "net_days": int(m[1])}),
    (re.compile(r"(\d+)\sDAYS?(?:\sNET)?"), lambda m: {"kind": "net", "net_days": int(m[1])}),
    (
        re.compile(rf"{_NET}\s(?:AFTER\s|FROM\s)?EOM|EOM\s{_NET}"),
        lambda m: {"kind": "eom", "net_days": int(m[1] or m[2])},
    ),
    (
        re.compile(rf"{_NET}\sTHEN\sEOM"),
        lambda m: {"kind": "eom", "net_days": int(m[1]), "eom_rule": "month_end_after_days"},
    ),
    (re.compile(r"(?:NET\s)?(?:EOM|END\sOF\sMONTH)"), lambda m: {"kind": "eom"}),
    (
        re.compile(rf"(?:NET\s)?(\d+){_ORD}\s{_PROX}(?:\s?\+\s?(\d+))?"),
        lambda m: {
            "kind": "prox",
            "day_of_month": int(m[1]),
            "months_offset": int(m[2]) if m[2] else 1,
        },
    ),
    (
        re.compile(rf"(?:NET\s)?{_PROX}\s(\d+){_ORD}"),
        lambda m: {"kind": "prox", "day_of_month": int(m[1])},
    ),
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip().rstrip(".").strip()


def _parse_instalments(s: str, text: str) -> dict[str, object]:
    rules: list[InstalmentRule | dict[str, object]] = []
    for item in _INSTALMENT_SEP.split(s):
        m = _INSTALMENT_RE.fullmatch(item.strip())
        if m is None:
            raise InvalidTerms(
                f"cannot read instalment {item.strip()!r} in payment terms {text!r}:"
                " expected e.g. '50% 30 DAYS, 50% 60 DAYS'",
                field="terms",
            )
        rule: dict[str, object] = {"share": m[1], "days": int(m[2]) if m[2] else 0}
        if m[4]:
            rule["discount"] = {"percent": m[4], "days": int(m[5])}
        rules.append(rule)
    return {"kind": "instalments", "schedule": rules}


def _parse_fields(text: str) -> dict[str, object]:
    s = _normalise(text)
    if _RECEIPT_RE.fullmatch(s):
        return {"kind": "due_on_receipt"}
    if _ADVANCE_RE.fullmatch(s):
        return {"kind": "cash_in_advance"}
    if "%" in s:
        return _parse_instalments(s, text)
    tiers: list[dict[str, object]] = []
    rest = s
    while (m := _TIER_RE.match(rest)) is not None:
        tiers.append({"percent": m[1], "days": int(m[2]), "from_month_end": bool(m[3])})
        rest = rest[m.end() :]
    for pattern, build in _BASES:
        found = pattern.fullmatch(rest)
        if found is not None:
            fields = build(found)
            break
    else:
        what = "has a discount but no net term" if tiers and not rest else "is not recognised"
        raise InvalidTerms(
            f"payment terms {text!r} {what}: expected a form such as 'NET 30', '2/10 NET 30',"
            " 'NET 30 EOM', 'EOM', '10 PROX', '1/10 EOM NET 30', 'DUE ON RECEIPT', 'CIA'"
            " or '50% 30 DAYS, 50% 60 DAYS'",
            field="terms",
        )
    if fields["kind"] == "net" and any(t["from_month_end"] for t in tiers):
        # "1/10 EOM NET 30": the EOM of the discount dates the net term from month end too.
        fields["kind"] = "eom"
    fields["discounts"] = tiers
    return fields


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


# --------------------------------------------------------------------------------------
# Payment terms
# --------------------------------------------------------------------------------------


class PaymentTerms(BaseModel):
    """When an invoice is due, what discount paying early earns, and in how many parts.

    ``kind`` says how the net due date is found from the invoice date:

    - ``net``: ``net_days`` after the invoice date (``NET 30``).
    - ``eom``: by default ``net_days`` after the end of the invoice month (``NET 30 EOM``;
      ``EOM`` alone is the end of the invoice month). The other common reading, the end of
      the month in which invoice date + ``net_days`` falls, is ``eom_rule=
      "month_end_after_days"`` (text ``NET 30 THEN EOM``).
    - ``prox``: day ``day_of_month`` of the month ``months_offset`` months after the invoice
      month (``10 PROX``), clamped to the month's last day.
    - ``due_on_receipt`` (``COD``) and ``cash_in_advance`` (``CIA``): the invoice date; for
      CIA the goods ship only after payment (:attr:`payment_before_shipment`).
    - ``instalments``: the parts in ``schedule``; the due date is the last part's.

    ``discounts`` are early-payment tiers, best first (``3/10, 2/20 NET 45``). Instalment
    terms carry discounts on each part (``schedule``), not on the whole invoice.

    As a pydantic field it accepts the terms as text, so ``Invoice(terms="2/10 NET 30")``
    works; it serialises to its fields and reads them back.

    Examples:
        >>> t = PaymentTerms(net_days=30, discounts=(EarlyPaymentDiscount(percent=2, days=10),))
        >>> t == PaymentTerms.parse("2/10, n/30")
        True
        >>> PaymentTerms.model_validate_json(t.model_dump_json()) == t
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TermsKind = "net"
    net_days: Days = 0
    day_of_month: Annotated[int, Field(ge=1, le=31, strict=True)] | None = None
    months_offset: Annotated[int, Field(ge=1, strict=True)] = 1
    eom_rule: EomRule = "days_after_month_end"
    discounts: tuple[EarlyPaymentDiscount, ...] = ()
    schedule: tuple[InstalmentRule, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        if isinstance(data, str):
            return cls.parse(data).model_dump()
        return data

    @model_validator(mode="after")
    def _check(self) -> PaymentTerms:
        k = self.kind
        if k != "prox" and (self.day_of_month is not None or self.months_offset != 1):
            raise InvalidTerms("day_of_month and months_offset apply to prox terms only")
        if k != "eom" and self.eom_rule != "days_after_month_end":
            raise InvalidTerms("eom_rule applies to eom terms only")
        if k not in ("net", "eom") and self.net_days:
            raise InvalidTerms(f"net_days applies to net and eom terms, not {k}")
        if k != "instalments" and self.schedule:
            raise InvalidTerms("a schedule needs kind='instalments'")
        if k == "prox" and self.day_of_month is None:
            raise InvalidTerms("prox terms need day_of_month (10 PROX: the 10th)")
        if k == "instalments":
            self._check_schedule()
        self._check_discounts()
        return self

    def _check_schedule(self) -> None:
        if not self.schedule:
            raise InvalidTerms("instalment terms need at least one instalment")
        if self.discounts:
            raise InvalidTerms("instalment terms carry discounts on each instalment")
        total = sum((r.share for r in self.schedule), Decimal(0))
        if total != _HUNDRED:
            raise InvalidTerms(f"instalment shares must sum to 100%, not {_fmt(total)}%")
        days = [r.days for r in self.schedule]
        if any(a >= b for a, b in pairwise(days)):
            raise InvalidTerms(f"instalment days must increase strictly, got {days}")

    def _check_discounts(self) -> None:
        tiers = self.discounts
        if not tiers:
            return
        k = self.kind
        if k in ("due_on_receipt", "cash_in_advance"):
            raise InvalidTerms(f"{k} terms take no early-payment discount")
        if len({t.from_month_end for t in tiers}) > 1:
            raise InvalidTerms("discount tiers must all count from the same date")
        for a, b in pairwise(tiers):
            if not (a.days < b.days and a.percent > b.percent):
                raise InvalidTerms(
                    f"discount tiers go from the best to the last: {a} then {b} must have"
                    " more days and a smaller percent"
                )
        last = tiers[-1]
        month_end = last.from_month_end
        if k == "net" and month_end:
            raise InvalidTerms("a discount counted from month end needs EOM terms")
        if k == "eom" and month_end and self.eom_rule != "days_after_month_end":
            raise InvalidTerms(
                "a discount counted from month end needs the days_after_month_end reading"
            )
        if k in ("net", "eom") and last.days >= self.net_days:
            raise InvalidTerms(
                f"discount days ({last.days}) must be fewer than net days ({self.net_days})"
            )
        if k == "prox":
            day = self.day_of_month or 1
            if last.days > 28 or (self.months_offset == 1 and last.days >= day):
                raise InvalidTerms(
                    f"a discount of {last.days} days must end before the prox due day"
                    f" ({day}) and within 28 days"
                )

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> PaymentTerms:
        """Read payment terms as written on an invoice, in any case and spacing.

        Forms: ``NET 30`` (``N30``, ``NET30``, ``Net 30 days``, ``N/30``), ``NET 30 EOM``,
        ``NET 30 THEN EOM``, ``EOM``, ``10 PROX`` (``10th prox``, ``PROX 10``, ``10 MFI``,
        ``10 PROX +2`` for two months on), discounts before the net term (``2/10 NET 30``,
        ``3/10, 2/20, NET 45``, ``1/10 EOM NET 30``), ``DUE ON RECEIPT``
        (``DUE UPON RECEIPT``, ``COD``), ``CIA`` (``CASH IN ADVANCE``, ``CWO``) and
        instalments as ``share% days DAYS`` parts separated by commas
        (``50% 30 DAYS, 50% 60 DAYS``; ``40% ON RECEIPT`` for day 0; ``(2/10)`` after a part
        for a discount on it).

        Examples:
            >>> PaymentTerms.parse("Net 30 days").net_days
            30
            >>> PaymentTerms.parse("net 45 ish")
            Traceback (most recent call last):
            ...
            receivables.errors.InvalidTerms: payment terms 'net 45 ish' is not recognised: ...
        """
        if not isinstance(text, str):
            raise InvalidTerms(f"payment terms must be text, not {type(text).__name__}")
        fields = _parse_fields(text)
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise InvalidTerms(
                f"payment terms {text!r} do not make sense: {_validation_message(exc)}",
                field="terms",
            ) from None

    @property
    def label(self) -> str:
        """The canonical text of these terms; :meth:`parse` reads it back to equal terms.

        Examples:
            >>> PaymentTerms.parse("3/10 2/20 n45").label
            '3/10, 2/20 NET 45'
        """
        tiers = ", ".join(str(t) for t in self.discounts)
        prefix = f"{tiers} " if tiers else ""
        k = self.kind
        if k == "due_on_receipt":
            return "DUE ON RECEIPT"
        if k == "cash_in_advance":
            return "CIA"
        if k == "instalments":
            return ", ".join(str(r) for r in self.schedule)
        if k == "prox":
            plus = f" +{self.months_offset}" if self.months_offset != 1 else ""
            return f"{prefix}{self.day_of_month} PROX{plus}"
        if k == "eom":
            if self.eom_rule == "month_end_after_days":
                return f"{prefix}NET {self.net_days} THEN EOM"
            if self.discounts and self.discounts[0].from_month_end:
                return f"{prefix}NET {self.net_days}"
            return f"{prefix}NET {self.net_days} EOM" if self.net_days else f"{prefix}EOM"
        return f"{prefix}NET {self.net_days}"

    def __str__(self) -> str:
        return self.label

    @property
    def payment_before_shipment(self) -> bool:
        """True for cash in advance: the goods ship only once the payment is in.

        Examples:
            >>> PaymentTerms.parse("CIA").payment_before_shipment
            True
        """
        return self.kind == "cash_in_advance"

    # -- dates --------------------------------------------------------------------------
    def _raw_due(self, invoice_date: date) -> date:
        k = self.kind
        if k == "net":
            return invoice_date + timedelta(days=self.net_days)
        if k == "eom":
            if self.eom_rule == "month_end_after_days":
                return _end_of_month(invoice_date + timedelta(days=self.net_days))
            return _end_of_month(invoice_date) + timedelta(days=self.net_days)
        if k == "prox":
            return invoice_date + relativedelta(months=self.months_offset, day=self.day_of_month)
        if k == "instalments":
            return invoice_date + timedelta(days=self.schedule[-1].days)
        return invoice_date

    def due_date(self, invoice_date: date, *, calendar: BusinessCalendar | None = None) -> date:
        """The net due date of an invoice dated ``invoice_date`` (the last instalment's).

        With a ``calendar``, a due date that is not a business day rolls by its convention,
        but never to before the invoice date.

        Examples:
            >>> PaymentTerms.parse("NET 30 EOM").due_date(date(2026, 1, 15))
            datetime.date(2026, 3, 2)
            >>> PaymentTerms.parse("NET 30").due_date(date(2026, 1, 1),
            ...                                       calendar=BusinessCalendar())
            datetime.date(2026, 2, 2)
        """
        return _adjust(self._raw_due(invoice_date), invoice_date, calendar)

    def discount_deadline(
        self, invoice_date: date, *, calendar: BusinessCalendar | None = None
    ) -> date | None:
        """The last day the best (first) discount tier may be taken; None without one.

        Examples:
            >>> PaymentTerms.parse("1/10 EOM NET 30").discount_deadline(date(2026, 1, 15))
            datetime.date(2026, 2, 10)
        """
        if not self.discounts:
            return None
        return self.discounts[0].deadline(invoice_date, calendar=calendar)

    def discount_for(
        self,
        amount: Money,
        invoice_date: date,
        paid_on: date,
        *,
        grace_days: int = 0,
        calendar: BusinessCalendar | None = None,
    ) -> Money:
        """The discount earned paying ``amount`` on ``paid_on``: the best tier still open.

        A tier is open through its deadline plus ``grace_days`` calendar days (a tolerance
        some sellers allow for the post). The discount is ``amount x percent / 100``
        rounded half up to the currency's minor unit; zero when no tier is open.

        Examples:
            >>> terms = PaymentTerms.parse("3/10, 2/20, NET 45")
            >>> terms.discount_for(Money("1000.00", "USD"), date(2026, 1, 15), date(2026, 2, 1))
            Money('20.00', 'USD')
        """
        _check_grace(grace_days)
        for tier in self.discounts:
            deadline = tier.deadline(invoice_date, calendar=calendar)
            if paid_on <= deadline + timedelta(days=grace_days):
                return _discount_on(amount, tier.percent)
        return Money.zero(amount.code)

    # -- schedule -----------------------------------------------------------------------
    def instalments(
        self, total: Money, invoice_date: date, *, calendar: BusinessCalendar | None = None
    ) -> list[Instalment]:
        """The dated parts of ``total``; the parts add up exactly to the quantised total.

        Amounts are split by share with the largest-remainder method
        (:func:`receivables.money.split`). Terms that are not instalment terms give one
        part for the whole total at the due date, with the best discount tier on it.

        Examples:
            >>> plan = PaymentTerms.parse("50% 30 DAYS, 50% 60 DAYS")
            >>> [(p.due_date.isoformat(), str(p.amount))
            ...  for p in plan.instalments(Money("100.01", "USD"), date(2026, 1, 15))]
            [('2026-02-14', '50.01 USD'), ('2026-03-16', '50.00 USD')]
        """
        if self.kind != "instalments":
            best = self.discounts[0] if self.discounts else None
            return [
                Instalment(
                    number=1,
                    due_date=self.due_date(invoice_date, calendar=calendar),
                    amount=total.quantize(),
                    discount_percent=best.percent if best else None,
                    discount_deadline=self.discount_deadline(invoice_date, calendar=calendar),
                )
            ]
        amounts = split(total, [r.share for r in self.schedule])
        return [
            Instalment(
                number=i,
                due_date=_adjust(invoice_date + timedelta(days=r.days), invoice_date, calendar),
                amount=amount,
                discount_percent=r.discount.percent if r.discount else None,
                discount_deadline=(
                    r.discount.deadline(invoice_date, calendar=calendar) if r.discount else None
                ),
            )
            for i, (r, amount) in enumerate(zip(self.schedule, amounts, strict=True), start=1)
        ]

    # -- cost ---------------------------------------------------------------------------
    def cost_of_forgoing_discount(
        self,
        *,
        method: Literal["nominal", "effective"] = "nominal",
        days_in_year: int = 365,
        invoice_date: date | None = None,
    ) -> Decimal | None:
        """The annual cost, as a fraction, of paying at the net date instead of taking the
        best discount: the price of the trade credit the seller extends.

        With discount ``d`` (2% is 0.02), net days ``N`` and discount days ``D``:

        - nominal: ``d / (1 - d) x days_in_year / (N - D)``
          (Brigham & Ehrhardt, *Financial Management: Theory & Practice*, chapter on
          short-term financing, "cost of trade credit"); 2/10 net 30 gives 37.24%.
        - effective (compounded): ``(1 + d / (1 - d)) ^ (days_in_year / (N - D)) - 1``;
          2/10 net 30 gives 44.59%.

        ``N - D`` is fixed for net terms and for EOM terms whose discount also counts from
        month end; otherwise it depends on the invoice date: pass ``invoice_date`` to use
        the days between that invoice's discount deadline and due date. None when there is
        no invoice-level discount, or no day between its deadline and the due date.

        Examples:
            >>> terms = PaymentTerms.parse("2/10 NET 30")
            >>> round(terms.cost_of_forgoing_discount(), 4)
            Decimal('0.3724')
            >>> round(terms.cost_of_forgoing_discount(method="effective"), 4)
            Decimal('0.4459')
        """
        if method not in ("nominal", "effective"):
            raise ValueError(f"method must be 'nominal' or 'effective', not {method!r}")
        if isinstance(days_in_year, bool) or not isinstance(days_in_year, int) or days_in_year < 1:
            raise ValueError(f"days_in_year must be a positive int, not {days_in_year!r}")
        if not self.discounts:
            return None
        best = self.discounts[0]
        if invoice_date is not None:
            deadline = best.deadline(invoice_date)
            credit_days = (self.due_date(invoice_date) - deadline).days
        elif self.kind == "net" or (self.kind == "eom" and best.from_month_end):
            credit_days = self.net_days - best.days
        else:
            raise InvalidTerms(
                f"the days between discount and net date of {self.label!r} depend on the"
                " invoice date: pass invoice_date",
                field="terms",
            )
        if credit_days <= 0:
            return None
        with decimal.localcontext() as ctx:
            ctx.prec = 40
            d = best.percent / _HUNDRED
            rate = d / (1 - d)
            periods = Decimal(days_in_year) / Decimal(credit_days)
            cost = rate * periods if method == "nominal" else (1 + rate) ** periods - 1
        return +cost
