"""Remittance advice as data: CSV, JSON lines and ANSI X12 820 into remittance lines.

Remittance advice tells which documents a payment pays. It often travels apart from the
cash: a spreadsheet from the customer's accounts-payable team, a portal export, or an
EDI 820 *Payment Order/Remittance Advice* (ASC X12, transaction set 820, version 004010).
Each reader yields :class:`RemittanceAdvice` values holding
:class:`~receivables.models.RemittanceLine` items; :meth:`RemittanceAdvice.attach`
puts the lines on the payment they describe, after which allocation can match them.

CSV and JSON lines share one set of columns: ``reference`` and ``amount`` (required),
``currency`` (required unless the reader is given one), and optionally ``document_id``,
``discount_taken``, ``note``, ``payment_reference`` (groups lines into one advice per
payment), ``payer_name`` and ``payment_date``. Amounts are decimal strings (``1234.56``);
a JSON number with a fraction is refused, because JSON readers pass it through a float.

X12 820: the separators come from the ``ISA`` header; each ``ST``...``SE`` transaction set
is one advice: ``BPR`` (02 amount, 04 method, 16 date), ``TRN`` (02 trace number, the
payment reference), ``CUR`` (02 currency, USD by default), ``N1*PR`` (payer name) and
one line per ``RMR`` (01 qualifier, 02 reference, 04 amount paid, 06 discount taken).

Examples:
    >>> (advice,) = read_remittance_csv(
    ...     "payment_reference,reference,amount,currency\\nP-1,INV-7,100.00,EUR\\n")
    >>> advice.payment_reference, advice.lines[0].reference, advice.lines[0].amount
    ('P-1', 'INV-7', Money('100.00', 'EUR'))
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from receivables.errors import ParseError, ReceivablesError
from receivables.io.statement import DEFAULT_LIMITS, ParseLimits, check_size
from receivables.models import Payment, RemittanceLine
from receivables.money import Money

__all__ = [
    "RemittanceAdvice",
    "read_remittance_csv",
    "read_remittance_jsonl",
    "read_x12_820",
]

_AMOUNT: Final = re.compile(r"^-?\d{1,18}(\.\d{1,6})?$")
_COLUMNS: Final = (
    "reference",
    "amount",
    "currency",
    "document_id",
    "discount_taken",
    "note",
    "payment_reference",
    "payer_name",
    "payment_date",
)


class RemittanceAdvice(BaseModel):
    """The remittance lines the payer sent for one payment, with what identifies it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payment_reference: str | None = None
    payer_name: str | None = None
    payment_amount: Money | None = None
    payment_date: date | None = None
    method: str | None = None
    lines: tuple[RemittanceLine, ...] = ()

    def attach(self, payment: Payment) -> Payment:
        """The payment with these remittance lines (replacing any it had).

        Raises :class:`~receivables.errors.ParseError` when a line is in another
        currency than the payment, or the advice states another payment amount.

        Examples:
            >>> from datetime import date
            >>> pay = Payment(id="B1", customer_id=None, received_on=date(2026, 3, 2),
            ...               amount="100.00 EUR")
            >>> (advice,) = read_remittance_csv("reference,amount\\nINV-7,100.00\\n",
            ...                                 currency="EUR")
            >>> advice.attach(pay).remittance[0].reference
            'INV-7'
        """
        if self.payment_amount is not None and self.payment_amount != payment.amount:
            raise ParseError(
                f"payment {payment.id}: amount: the advice states {self.payment_amount}, the"
                f" payment is {payment.amount}",
                location=self.payment_reference,
            )
        try:
            return Payment.model_validate({**dict(payment), "remittance": self.lines})
        except ValidationError as exc:
            raise ParseError(
                f"payment {payment.id}: remittance: {exc.errors()[0].get('msg', exc)}",
                location=self.payment_reference,
            ) from None


def _decimal(text: str, where: str, what: str) -> Decimal:
    value = text.strip()
    if not _AMOUNT.match(value):
        raise ParseError(f"{what} {text!r} is not a decimal such as 1234.56", location=where)
    return Decimal(value)


def _money(text: str, currency: str, where: str, what: str) -> Money:
    amount = _decimal(text, where, what)
    try:
        money = Money(amount, currency)
    except ReceivablesError as exc:
        raise ParseError(str(exc), location=where) from None
    if not money.is_quantized:
        raise ParseError(f"{what} {text} has more decimals than {currency} allows", location=where)
    return money.quantize()


def _line(
    row: Mapping[str, object], currency: str | None, where: str
) -> tuple[RemittanceLine, dict[str, str | None]]:
    """One remittance line from a CSV row or JSON object, and its grouping fields."""

    def text(key: str) -> str | None:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ParseError(
                f'{key}: {value!r} is not text; send amounts as strings such as "12.30"',
                location=where,
            )
        return str(value).strip()

    code = text("currency") or currency
    if code is None:
        raise ParseError("currency: no currency column and none given", location=where)
    reference = text("reference")
    amount = text("amount")
    if reference is None or amount is None:
        raise ParseError("reference and amount are required", location=where)
    discount = text("discount_taken")
    try:
        line = RemittanceLine(
            reference=reference,
            amount=_money(amount, code, where, "amount"),
            document_id=text("document_id"),
            discount_taken=_money(discount, code, where, "discount_taken") if discount else None,
            note=text("note"),
        )
    except ValidationError as exc:
        raise ParseError(str(exc.errors()[0].get("msg", exc)), location=where) from None
    group = {key: text(key) for key in ("payment_reference", "payer_name", "payment_date")}
    return line, group


def _group(
    rows: Iterable[tuple[RemittanceLine, dict[str, str | None], str]],
) -> tuple[RemittanceAdvice, ...]:
    grouped: dict[str | None, list[RemittanceLine]] = {}
    heads: dict[str | None, tuple[str | None, date | None]] = {}
    for line, group, where in rows:
        key = group["payment_reference"]
        grouped.setdefault(key, []).append(line)
        raw_date = group["payment_date"]
        try:
            when = date.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            raise ParseError(
                f"payment_date {raw_date!r} is not YYYY-MM-DD", location=where
            ) from None
        head = (group["payer_name"], when)
        known = heads.setdefault(key, head)
        if known != head:
            raise ParseError(
                f"payment {key}: payer_name and payment_date differ from an earlier line",
                location=where,
            )
    return tuple(
        RemittanceAdvice(
            payment_reference=key,
            payer_name=heads[key][0],
            payment_date=heads[key][1],
            lines=tuple(grouped[key]),
        )
        for key in sorted(grouped, key=lambda k: (k is not None, k or ""))
    )


def read_remittance_csv(
    data: bytes | str, *, currency: str | None = None, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[RemittanceAdvice, ...]:
    """Remittance advice from a CSV file with a header row, one advice per payment reference.

    Examples:
        >>> read_remittance_csv("reference,amount\\nINV-7,12.5x\\n", currency="EUR")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 2: amount '12.5x' is not a decimal such as 1234.56
    """
    text = check_size(data, limits, "csv").decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or ()]
    missing = {"reference", "amount"} - set(fields)
    if missing:
        raise ParseError(
            f"the header lacks {', '.join(sorted(missing))}; columns are {', '.join(_COLUMNS)}",
            location="line 1",
        )
    rows: list[tuple[RemittanceLine, dict[str, str | None], str]] = []
    for record in reader:
        where = f"line {reader.line_num}"
        if len(rows) >= limits.max_entries:
            raise ParseError(f"more than {limits.max_entries} lines", location=where)
        clean = {(k or "").strip(): v for k, v in record.items()}
        line, group = _line(clean, currency, where)
        rows.append((line, group, where))
    return _group(rows)


class _FloatInJson(Exception):
    pass


def _refuse_float(text: str) -> Decimal:
    raise _FloatInJson(text)


def read_remittance_jsonl(
    data: bytes | str, *, currency: str | None = None, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[RemittanceAdvice, ...]:
    """Remittance advice from JSON lines: one object per line, the CSV columns as keys.

    Examples:
        >>> read_remittance_jsonl('{"reference": "INV-7", "amount": 12.5, "currency": "EUR"}')
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 1: the JSON number 12.5 would pass through a float; ...
    """
    text = check_size(data, limits, "jsonl").decode("utf-8-sig")
    rows: list[tuple[RemittanceLine, dict[str, str | None], str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"line {number}"
        if len(rows) >= limits.max_entries:
            raise ParseError(f"more than {limits.max_entries} lines", location=where)
        try:
            obj = json.loads(raw, parse_float=_refuse_float, parse_constant=_refuse_float)
        except _FloatInJson as exc:
            raise ParseError(
                f"the JSON number {exc.args[0]} would pass through a float; send the amount as"
                ' a string such as "12.30"',
                location=where,
            ) from None
        except json.JSONDecodeError as exc:
            raise ParseError(f"not JSON: {exc.msg} at column {exc.colno}", location=where) from None
        if not isinstance(obj, dict):
            raise ParseError("each line must be a JSON object", location=where)
        line, group = _line(obj, currency, where)
        rows.append((line, group, where))
    return _group(rows)


# -- ANSI X12 820 ----------------------------------------------------------------------


def _x12_segments(text: str) -> list[list[str]]:
    """Split an interchange into segments of elements, with the ISA's own separators."""
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        raise ParseError("no ISA interchange header of 106 characters", location="segment 1")
    element = text[start + 3]
    terminator = text[start + 105]
    segments = [s.strip() for s in text[start:].split(terminator)]
    return [s.split(element) for s in segments if s]


def _x12_date(value: str, where: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise ParseError(f"date {value!r} is not CCYYMMDD", location=where) from None


def read_x12_820(
    data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[RemittanceAdvice, ...]:
    """Remittance advice from an ANSI X12 820 interchange, one per ST/SE transaction set.

    Errors name the segment by its position in the interchange and its tag.

    Examples:
        >>> read_x12_820("ST*820*1~")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: segment 1: no ISA interchange header of 106 characters
    """
    text = check_size(data, limits, "x12").decode("utf-8-sig", errors="strict")
    segments = _x12_segments(text)
    if len(segments) > limits.max_entries:
        raise ParseError(f"{len(segments)} segments; the limit is {limits.max_entries}")
    result: list[RemittanceAdvice] = []
    current: dict[str, object] | None = None
    lines: list[RemittanceLine] = []
    count = 0
    for number, elements in enumerate(segments, start=1):
        tag = elements[0]
        where = f"segment {number} ({tag})"

        def el(i: int, elements: list[str] = elements) -> str:
            return elements[i].strip() if len(elements) > i else ""

        if tag == "ST":
            if el(1) != "820":
                raise ParseError(f"transaction set {el(1)!r} is not an 820", location=where)
            current = {"currency": "USD"}
            lines = []
            count = 1
            continue
        if current is None:
            continue
        count += 1
        if tag == "BPR":
            current["amount"] = el(2)
            current["amount_at"] = where
            if _decimal(el(2), where, "BPR02 amount") < 0:
                raise ParseError(f"BPR02 amount {el(2)} is negative", location=where)
            current["method"] = el(4) or None
            if el(16):
                current["date"] = _x12_date(el(16), where)
        elif tag == "TRN":
            current["reference"] = el(2) or None
        elif tag == "CUR":
            current["currency"] = el(2)
        elif tag == "N1" and el(1) == "PR":
            current["payer"] = el(2) or None
        elif tag == "RMR":
            code = str(current["currency"])
            if not el(2) or not el(4):
                raise ParseError(
                    "RMR needs a reference (02) and an amount paid (04)", location=where
                )
            discount = _money(el(6), code, where, "RMR06 discount") if el(6) else None
            try:
                lines.append(
                    RemittanceLine(
                        reference=el(2),
                        amount=_money(el(4), code, where, "RMR04 amount"),
                        discount_taken=discount if discount and discount.amount else None,
                        note=None if el(1) == "IV" else f"X12 qualifier {el(1)}",
                    )
                )
            except ValidationError as exc:
                raise ParseError(str(exc.errors()[0].get("msg", exc)), location=where) from None
        elif tag == "SE":
            if el(1) and el(1) != str(count):
                raise ParseError(f"SE01 says {el(1)} segments, the set has {count}", location=where)
            if "amount" not in current:
                raise ParseError("the transaction set has no BPR segment", location=where)
            # The currency (CUR) follows BPR, so the amount is checked against it here,
            # refused rather than rounded when it has more decimals than the currency.
            amount = _money(
                str(current["amount"]),
                str(current["currency"]),
                str(current["amount_at"]),
                "BPR02 amount",
            )
            result.append(
                RemittanceAdvice(
                    payment_reference=_opt(current.get("reference")),
                    payer_name=_opt(current.get("payer")),
                    payment_amount=amount,
                    payment_date=current.get("date")
                    if isinstance(current.get("date"), date)
                    else None,
                    method=_opt(current.get("method")),
                    lines=tuple(lines),
                )
            )
            current = None
    if current is not None:
        raise ParseError(
            "the transaction set has no SE trailer", location=f"segment {len(segments)}"
        )
    return tuple(result)


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
