"""SWIFT MT940 customer statements.

An MT940 message (SWIFT, *Category 9 - Cash Management and Customer Status, MT 940
Customer Statement Message*, Standards Release 2019) is a sequence of fields, each
starting a line with ``:tag:``: ``:20:`` transaction reference (starts a statement),
``:25:`` account, ``:28C:`` statement number, ``:60F:``/``:60M:`` opening balance
(``1!a6!n3!a15d``: mark, date, currency, amount with a decimal comma), ``:61:`` statement
line (``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x][34x]``: value date, entry date, mark ``C``,
``D``, ``RC``, ``RD``, amount, transaction type, reference for the account owner, bank
reference), ``:86:`` information to the account owner (free text, or structured by the
bank: German ``?20..?29`` purpose and ``?31``/``?32`` payer account and name, or
``/NAME/``, ``/IBAN/``, ``/REMI/`` keywords), ``:62F:``/``:62M:`` closing balance.

The field grammar is that of the ``mt-940`` package, which reads amounts as
:class:`~decimal.Decimal` (never a float) and decodes the German structured ``:86:``.
This module splits the message into fields itself, so that every error names its line,
feeds the fields to the package one by one, caps sizes, keeps an ``:86:`` after the
closing balance out of the last transaction, and turns booked credits (mark ``C``) into
:class:`~receivables.models.Payment` values; debits and reversals become
:class:`~receivables.io.statement.StatementEntry`.

Examples:
    >>> text = '''
    ... :20:STMT1
    ... :25:DE89370400440532013000
    ... :28C:1/1
    ... :60F:C261030EUR100,00
    ... :61:2610311031CR25,50NTRFNONREF//B1
    ... :86:/NAME/Acme GmbH/IBAN/DE44500105175407324931/REMI/USTD//INV-7/
    ... :62F:C261031EUR125,50
    ... '''
    >>> st = read_mt940(text)
    >>> p = st.receipts[0]
    >>> p.id, p.amount, p.payer_name, p.payer_account, p.remittance[0].reference
    ('B1', Money('25.50', 'EUR'), 'Acme GmbH', 'DE44500105175407324931', 'INV-7')
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from pydantic import ValidationError

from receivables.errors import ParseError, ReceivablesError
from receivables.io.statement import (
    DEFAULT_LIMITS,
    UNSTRUCTURED_NOTE,
    BankStatement,
    ParseLimits,
    StatementEntry,
    check_size,
    only_statement,
)
from receivables.models import Payment, PaymentMethod, RemittanceLine
from receivables.money import Money

__all__ = ["read_mt940", "read_mt940_statements"]

_FIELD: Final = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):(?P<value>.*)$")
_WRAPPER: Final = re.compile(r"^(\{[1-5]:.*|-\}?|\})$")
_CONTINUED: Final = frozenset({"61", "86", "NS"})
_SLASH_KEYS: Final = re.compile(
    r"/(EREF|ORDP|BENM|NAME|IBAN|BIC|REMI|CSID|MARF|ADDR|PURP|ULTC|ULTD|TRCD|RTRN)/"
)
_NO_REF: Final = frozenset({"NONREF", "NOTPROVIDED", ""})
_METHODS: Final[dict[str, PaymentMethod]] = {
    "TRF": PaymentMethod.WIRE,
    "CHK": PaymentMethod.CHECK,
    "DDT": PaymentMethod.DIRECT_DEBIT,
    "CMZ": PaymentMethod.CASH,
}


@dataclass(slots=True)
class _Field:
    tag: str
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _fields(raw: bytes, known: set[str]) -> list[_Field]:
    """Split the message into fields, each with the line it starts on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    fields: list[_Field] = []
    for number, physical in enumerate(text.splitlines(), start=1):
        line = physical.rstrip("\r ")
        if not line.strip() or _WRAPPER.match(line.strip()):
            continue
        match = _FIELD.match(line)
        tag = match["tag"] if match else None
        # The package looks a tag up by its full name (60F) or by its number (28 for 28C).
        is_known = tag is not None and (tag in known or tag[:2] in known)
        if match and tag is not None and (is_known or not fields or fields[-1].tag != "86"):
            if not is_known:
                raise ParseError(f"unknown field :{tag}:", location=f"line {number}")
            fields.append(_Field(tag, number, [match["value"]]))
        elif fields and fields[-1].tag in _CONTINUED:
            fields[-1].lines.append(line)
        else:
            raise ParseError(
                "text outside a field: a field starts a line with :tag:, e.g. :61:",
                location=f"line {number}",
            )
    return fields


def _money(amount: Any, currency: str | None, where: str) -> Money:
    """A package ``Amount`` (signed Decimal) as positive Money at the minor unit."""
    if currency is None:
        raise ParseError("no currency: the statement needs an opening balance", location=where)
    try:
        money = Money(abs(amount.amount), currency)
    except ReceivablesError as exc:
        raise ParseError(str(exc), location=where) from None
    if not money.is_quantized:
        raise ParseError(
            f"amount {amount.amount} has more decimals than {currency} allows", location=where
        )
    return money.quantize()


def _plain_date(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if value is not None else None


def _slash_structure(text: str) -> dict[str, str]:
    """``/NAME/Acme/IBAN/DE44.../REMI/USTD//INV-7/`` as a mapping of keyword to value."""
    parts = _SLASH_KEYS.split(text.replace("\n", ""))
    if len(parts) < 3:
        return {}
    found: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        value = value.strip("/").strip()
        if key == "REMI":
            value = re.sub(r"^(USTD|STRD)//?", "", value).strip("/").strip()
        if key == "ORDP" and value.startswith("NAME"):
            continue
        if value:
            found.setdefault(key, value)
    return found


@dataclass(slots=True)
class _Statement:
    start: int
    fields: list[_Field] = field(default_factory=list)


def _split_statements(fields: list[_Field]) -> list[_Statement]:
    statements: list[_Statement] = []
    for f in fields:
        if f.tag == "20":
            statements.append(_Statement(f.line))
        elif not statements:
            raise ParseError(
                f"field :{f.tag}: before the first :20: transaction reference",
                location=f"line {f.line}",
            )
        statements[-1].fields.append(f)
    return statements


def read_mt940_statements(
    data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[BankStatement, ...]:
    """Every statement (from each ``:20:`` to the next) of an MT940 file, in file order.

    Examples:
        >>> read_mt940_statements(":20:S1\\n:61:26103X")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 2: field :61: ...
    """
    try:
        import mt940
        from mt940.models import Transactions
        from mt940.options import Options
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading MT940 needs the mt-940 package: pip install 'receivables[io]'"
        ) from exc
    raw = check_size(data, limits, "mt940")
    known = {str(tag) for tag in mt940.tags.TAG_BY_ID}
    fields = _fields(raw, known)
    lines_61 = sum(1 for f in fields if f.tag == "61")
    if lines_61 > limits.max_entries:
        raise ParseError(f"{lines_61} statement lines; the limit is {limits.max_entries}")
    options = Options(
        applicant_iban=True, merge_keeps_values=True, gvc_leading_text=True, unbounded_details=True
    )
    result: list[BankStatement] = []
    seen: set[str] = set()
    for stmt in _split_statements(fields):
        parsed = Transactions(options=options)
        line_of: list[int] = []
        previous = ""
        for f in stmt.fields:
            # An :86: that does not follow a :61: is about the statement, not a transaction.
            if f.tag == "86" and previous != "61":
                previous = f.tag
                continue
            try:
                parsed.parse(f":{f.tag}:{f.text}")
            except (RuntimeError, ValueError, decimal.InvalidOperation, KeyError) as exc:
                detail = exc.args[0] if exc.args else type(exc).__name__
                raise ParseError(f"field :{f.tag}: {detail}", location=f"line {f.line}") from None
            if f.tag == "61":
                line_of.append(f.line)
            previous = f.tag
        result.append(_build(parsed, stmt, line_of, limits, seen))
    return tuple(result)


def _require(data: dict[str, Any], keys: tuple[str, ...], what: str, start: int) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    raise ParseError(f"the statement has no {what}", location=f"statement at line {start}")


def _build(
    parsed: Any, stmt: _Statement, line_of: list[int], limits: ParseLimits, seen: set[str]
) -> BankStatement:
    data: dict[str, Any] = parsed.data
    where = f"statement at line {stmt.start}"
    reference = _require(data, ("transaction_reference",), ":20: reference", stmt.start)
    account = _require(data, ("account_identification",), ":25: account", stmt.start)
    opening = _require(
        data,
        ("final_opening_balance", "intermediate_opening_balance", "opening_balance"),
        ":60F: or :60M: opening balance",
        stmt.start,
    )
    closing = _require(
        data,
        ("final_closing_balance", "intermediate_closing_balance", "closing_balance"),
        ":62F: or :62M: closing balance",
        stmt.start,
    )
    currency: str | None = parsed.currency
    number = data.get("statement_number")
    statement_id = f"{reference}/{number}" if number else str(reference)
    receipts: list[Payment] = []
    others: list[StatementEntry] = []
    for k, (tx, line) in enumerate(zip(parsed.transactions, line_of, strict=True), start=1):
        _entry(tx.data, f"{statement_id}-{k}", currency, f"line {line}", seen, receipts, others)
    opening_money = _money(opening.amount, currency, where)
    closing_money = _money(closing.amount, currency, where)
    return BankStatement(
        format="mt940",
        statement_id=statement_id,
        account=str(account),
        currency=currency,
        from_date=_plain_date(opening.date),
        to_date=_plain_date(closing.date),
        opening_balance=-opening_money if opening.amount.amount < 0 else opening_money,
        closing_balance=-closing_money if closing.amount.amount < 0 else closing_money,
        receipts=tuple(receipts),
        other_entries=tuple(others),
    )


def _entry(
    tx: dict[str, Any],
    fallback_id: str,
    currency: str | None,
    where: str,
    seen: set[str],
    receipts: list[Payment],
    others: list[StatementEntry],
) -> None:
    status = str(tx.get("status") or "").upper()
    amount = _money(tx["amount"], currency, where)
    bank_ref = (tx.get("bank_reference") or "").strip() or None
    own_ref = (tx.get("customer_reference") or "").strip()
    ident = bank_ref or fallback_id
    if ident in seen:
        raise ParseError(f"two statement lines share the bank reference {ident!r}", location=where)
    seen.add(ident)
    value_date = _plain_date(tx.get("date"))
    booked = _plain_date(tx.get("entry_date")) or value_date
    raw86 = " ".join((tx.get("transaction_details") or "").split()) or None
    slash = _slash_structure(tx.get("transaction_details") or "")
    if status != "C":
        others.append(
            StatementEntry(
                id=ident,
                direction="credit" if status == "RD" else "debit",
                amount=amount,
                booked_on=booked,
                value_date=value_date,
                reversal=status.startswith("R"),
                bank_reference=bank_ref,
                counterparty=tx.get("applicant_name") or slash.get("NAME"),
                text=tx.get("purpose") or slash.get("REMI") or raw86,
                reason="reversal" if status.startswith("R") else "debit: money out, not a receipt",
            )
        )
        return
    text = tx.get("purpose") or slash.get("REMI")
    if text is None and not slash:
        text = raw86
    if text is None and own_ref.upper() not in _NO_REF:
        text = own_ref
    type_code = str(tx.get("id") or "")
    try:
        receipts.append(
            Payment(
                id=ident,
                customer_id=None,
                received_on=booked,
                value_date=value_date,
                amount=amount,
                method=_METHODS.get(type_code[1:].upper(), PaymentMethod.OTHER),
                bank_reference=bank_ref,
                payer_name=tx.get("applicant_name") or slash.get("NAME"),
                payer_account=(tx.get("applicant_iban") or slash.get("IBAN") or "").replace(" ", "")
                or None,
                remittance=(
                    (
                        RemittanceLine(
                            reference=" ".join(text.split())[:1000],
                            amount=amount,
                            note=UNSTRUCTURED_NOTE,
                        ),
                    )
                    if text
                    else ()
                ),
            )
        )
    except ValidationError as exc:
        raise ParseError(str(exc.errors()[0].get("msg", exc)), location=where) from None


def read_mt940(data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS) -> BankStatement:
    """The one statement of an MT940 file (see :func:`read_mt940_statements` for several).

    Examples:
        >>> read_mt940("hello")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 1: text outside a field: ...
    """
    return only_statement(read_mt940_statements(data, limits=limits), "mt940")
