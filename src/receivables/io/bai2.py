"""BAI2 balance and transaction reports (the US cash-management file format).

A BAI2 file (Bank Administration Institute, *Cash Management Balance Reporting
Specifications, Version 2*, 2005 revision) is a stream of comma-separated records ending
in ``/``: ``01`` file header, ``02`` group header (originator, as-of date, currency),
``03`` account identifier with summary amounts by type code (``010`` opening ledger,
``015`` closing ledger), ``16`` transaction detail (type code, amount, funds type, bank
reference, customer reference, free text), ``88`` continuation of the record before,
and the trailers ``49``, ``98``, ``99`` with record counts and control totals. Amounts
carry no decimal point: they are counts of the currency's minor unit.

The structure is parsed by the ``bai2`` package (record continuation, availability
fields, the uniform type codes with their credit/debit direction, and every control
total and record count checked). This module adds what the package does not do: line
numbers in errors, size caps, exact :class:`~receivables.money.Money` from the minor-unit
integers, and the choice of which credits are customer receipts: only the type codes in
``receipt_codes`` (lockbox, ACH, wire and deposit credits). ZBA transfers, interest,
reversals and other credits are kept as :class:`~receivables.io.statement.StatementEntry`.

Known limit of the package: it rejects the bank-specific type codes 900-999 (BAI2 leaves
them to each bank) with "not supported", which this module reports as a
:class:`~receivables.errors.ParseError` on that record's line.

Examples:
    >>> text = '''01,BANK,CUST,261030,2300,1,,,2/
    ... 02,CUST,BANK,1,261030,2300,USD,2/
    ... 03,1234567890,USD,010,100000,,/
    ... 16,195,25000,0,FW1,,B/O: ACME CORP OBI: INV-7
    ... 49,125000,3/
    ... 98,125000,1,5/
    ... 99,125000,1,7/'''
    >>> (st,) = read_bai2_statements(text)
    >>> p = st.receipts[0]
    >>> p.amount, p.payer_name, p.remittance[0].reference
    (Money('250.00', 'USD'), 'ACME CORP', 'B/O: ACME CORP OBI: INV-7')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Final

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

if TYPE_CHECKING:
    from bai2.models import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        Account,
        TransactionDetail,
    )

__all__ = ["DEFAULT_RECEIPT_CODES", "read_bai2", "read_bai2_statements"]

DEFAULT_RECEIPT_CODES: Final = frozenset(
    {
        "115",  # lockbox deposit
        "116",  # item in lockbox deposit
        "121",  # EDI transaction credit
        "122",  # EDIBANX credit received
        "142",  # ACH credit received
        "143",  # item in ACH deposit
        "155",  # preauthorised draft credit
        "158",  # real-time payment credit
        "164",  # corporate trade payment credit (CTX)
        "165",  # preauthorised ACH credit
        "173",  # bank-prepared deposit
        "174",  # other deposit
        "175",  # check deposit package
        "195",  # incoming money transfer (wire)
        "208",  # individual international money transfer credit
        "216",  # foreign remittance credit
        "218",  # foreign collection credit
        "301",  # commercial deposit
        "399",  # miscellaneous credit
    }
)
"""BAI2 detail type codes that are customer receipts (uniform type codes, BAI2 §5)."""

_METHODS: Final[dict[str, PaymentMethod]] = {
    **dict.fromkeys(("115", "116", "173", "174", "175", "301"), PaymentMethod.CHECK),
    **dict.fromkeys(("121", "122", "142", "143", "155", "164", "165"), PaymentMethod.ACH),
    **dict.fromkeys(("195", "208", "216", "218"), PaymentMethod.WIRE),
}
_RECORD: Final = re.compile(r"^(01|02|03|16|49|88|98|99),")
_LABELS: Final = (
    r"ORIG CO NAME|CO ENTRY DESCR|ENTRY DESCR|DESCR DATE|ENTRY CLASS|SEC|TRACE#?|IND ID|"
    r"IND NAME|ORIG ID|OBI|BBI|REF|ORG|BNF|B/O|BY ORDER OF|ORIGINATOR"
)
# US banks write the originator into the detail text with labels such as
# "ORIG CO NAME:" (NACHA company name) or "B/O:" (wire by-order-of party).
_PAYER: Final = re.compile(
    r"(?:ORIG CO NAME|ORIGINATOR|B/O|BY ORDER OF|IND NAME)\s*[:=]\s*"
    rf"(?P<name>.+?)(?=\s+(?:{_LABELS})\s*[:=]|$)"
)
_TRAILERS: Final = {"Account": "49", "Group": "98", "Bai2File": "99"}


def _lines(raw: bytes) -> list[tuple[int, str]]:
    """The non-empty physical lines with their 1-based line numbers."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


_NEXT: Final[dict[str, tuple[str, ...]]] = {
    "start": ("01",),
    "01": ("02",),
    "02": ("03",),
    "03": ("16", "49"),
    "16": ("16", "49"),
    "49": ("03", "98"),
    "98": ("02", "99"),
    "99": (),
}


def _check_nesting(starts: list[tuple[int, str]]) -> None:
    """Check the record order 01 (02 (03 16* 49)+ 98)+ 99 before the package parses.

    The ``bai2`` package loops forever on a file that ends before its trailers (it
    re-reads the last record once the input is exhausted), so the order is checked here
    first; it also lets every error name its line.
    """
    state = "start"
    for number, code in starts:
        allowed = _NEXT[state]
        if code not in allowed:
            wanted = " or ".join(allowed) if allowed else "nothing after the 99 file trailer"
            raise ParseError(
                f"record {code} is out of place: expected {wanted}", location=f"line {number}"
            )
        state = code
    if state != "99":
        last = starts[-1][0] if starts else 1
        if not starts:
            raise ParseError("a BAI2 file starts with a 01 file header", location="line 1")
        raise ParseError(
            f"the file ends after a {state} record, before its trailers (49, 98, 99)",
            location=f"line {last}",
        )


def _amount(units: int | None, currency: str, where: str) -> Money:
    if units is None:
        raise ParseError("the record has no amount", location=where)
    try:
        return Money.from_minor(units, currency)
    except ReceivablesError as exc:
        raise ParseError(str(exc), location=where) from None


def _free_text(text: str | None, amount: Money) -> tuple[RemittanceLine, ...]:
    if not text:
        return ()
    return (RemittanceLine(reference=text[:1000], amount=amount, note=UNSTRUCTURED_NOTE),)


def _payer_name(text: str | None) -> str | None:
    if not text:
        return None
    match = _PAYER.search(text.upper())
    return match["name"].strip() if match else None


def read_bai2_statements(
    data: bytes | str,
    *,
    limits: ParseLimits = DEFAULT_LIMITS,
    receipt_codes: Iterable[str] = DEFAULT_RECEIPT_CODES,
) -> tuple[BankStatement, ...]:
    """One statement per account (``03`` ... ``49``) of a BAI2 file, in file order.

    Args:
        data: the file.
        limits: size and count caps.
        receipt_codes: detail type codes whose credits are customer receipts.

    Examples:
        >>> read_bai2_statements("01,B,C,261030,2300,1,,,2/\\nXX,1/")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 2: not a BAI2 record: expected 01, 02, 03, ...
    """
    try:
        from bai2.exceptions import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            IntegrityException,
            NotSupportedYetException,
            ParsingException,
        )
        from bai2.helpers import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            IteratorHelper,
        )
        from bai2.parsers import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            Bai2FileParser,
        )
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading BAI2 needs the bai2 package: pip install 'receivables[io]'"
        ) from exc

    lines = _lines(check_size(data, limits, "bai2"))
    if len(lines) > limits.max_entries:
        raise ParseError(
            f"{len(lines)} records; the limit is {limits.max_entries}", location="bai2"
        )
    starts: list[tuple[int, str]] = []
    for number, line in lines:
        if not _RECORD.match(line):
            raise ParseError(
                "not a BAI2 record: expected 01, 02, 03, 16, 49, 88, 98 or 99 and a comma",
                location=f"line {number}",
            )
        if not line.startswith("88,"):
            starts.append((number, line[:2]))
    _check_nesting(starts)

    class _Counting(IteratorHelper):  # type: ignore[misc]
        """The package's record iterator, counting records so errors can name a line."""

        def __init__(self, physical: Iterator[str]) -> None:
            self.index = -1
            super().__init__(physical)

        def advance(self) -> None:
            super().advance()
            self.index += 1

    helper = _Counting(iter(line for _, line in lines))
    try:
        parsed = Bai2FileParser(helper, check_integrity=True).parse()
    except IntegrityException as exc:
        kind = str(exc).split(" for ", 1)[-1].split(".", 1)[0]
        code = _TRAILERS.get(kind, "99")
        at = min(helper.index, len(starts) - 1)
        while at > 0 and starts[at][1] != code:
            at -= 1
        raise ParseError(str(exc), location=f"line {starts[at][0]}") from None
    except (ParsingException, NotSupportedYetException, ValueError, IndexError, KeyError) as exc:
        at = min(max(helper.index, 0), len(starts) - 1)
        raise ParseError(str(exc) or type(exc).__name__, location=f"line {starts[at][0]}") from None

    codes = frozenset(receipt_codes)
    seen: set[str] = set()
    statements: list[BankStatement] = []
    record = 0  # index into starts, advanced as the records are walked in file order
    record += 1  # 01
    for group in parsed.children:
        record += 1  # 02
        as_of: date = group.header.as_of_date
        for account in group.children:
            statements.append(
                _statement(
                    parsed.header.file_id,
                    group.header.currency,
                    as_of,
                    account,
                    codes,
                    starts,
                    record,
                    seen,
                )
            )
            record += 2 + len(account.children)  # 03, 16s, 49
        record += 1  # 98
    return tuple(statements)


def _statement(
    file_id: str | None,
    group_currency: str,
    as_of: date,
    account: Account,
    codes: frozenset[str],
    starts: list[tuple[int, str]],
    record: int,
    seen: set[str],
) -> BankStatement:
    header = account.header
    currency = header.currency or group_currency
    where = f"line {starts[record][0]}"
    opening: Money | None = None
    closing: Money | None = None
    for summary in header.summary_items:
        code = summary.type_code.code
        if code == "010" and summary.amount is not None:
            opening = _amount(summary.amount, currency, where)
        elif code == "015" and summary.amount is not None:
            closing = _amount(summary.amount, currency, where)
    receipts: list[Payment] = []
    others: list[StatementEntry] = []
    for k, detail in enumerate(account.children, start=1):
        line = f"line {starts[record + k][0]}"
        ident = detail.bank_reference or f"{file_id or 'bai2'}-{header.customer_account_number}-{k}"
        if ident in seen:
            raise ParseError(f"two transactions share the bank reference {ident!r}", location=line)
        seen.add(ident)
        _detail(detail, ident, currency, as_of, codes, line, receipts, others)
    return BankStatement(
        format="bai2",
        statement_id=f"{file_id or 'bai2'}/{header.customer_account_number}/{as_of.isoformat()}",
        account=header.customer_account_number,
        currency=currency,
        from_date=as_of,
        to_date=as_of,
        opening_balance=opening,
        closing_balance=closing,
        receipts=tuple(receipts),
        other_entries=tuple(others),
    )


def _detail(
    detail: TransactionDetail,
    ident: str,
    currency: str,
    as_of: date,
    codes: frozenset[str],
    line: str,
    receipts: list[Payment],
    others: list[StatementEntry],
) -> None:
    type_code = detail.type_code
    amount = _amount(detail.amount, currency, line)
    text = " ".join((detail.text or "").split()) or None
    availability = detail.availability or {}
    value_date = availability.get("date") if isinstance(availability, dict) else None
    direction = type_code.transaction.value if type_code.transaction is not None else "misc"
    if direction not in ("credit", "debit"):
        # Status and non-monetary codes (e.g. 890) move no money: nothing to reconcile.
        return
    if direction == "credit" and type_code.code in codes:
        try:
            receipts.append(
                Payment(
                    id=ident,
                    customer_id=None,
                    received_on=as_of,
                    value_date=value_date if isinstance(value_date, date) else None,
                    amount=amount,
                    method=_METHODS.get(type_code.code, PaymentMethod.OTHER),
                    bank_reference=detail.bank_reference or detail.customer_reference,
                    payer_name=_payer_name(text),
                    remittance=(
                        (
                            RemittanceLine(
                                reference=text[:1000], amount=amount, note=UNSTRUCTURED_NOTE
                            ),
                        )
                        if text
                        else ()
                    ),
                )
            )
        except ValidationError as exc:
            raise ParseError(str(exc.errors()[0].get("msg", exc)), location=line) from None
        return
    others.append(
        StatementEntry(
            id=ident,
            direction=direction,
            amount=amount,
            booked_on=as_of,
            bank_reference=detail.bank_reference,
            text=text,
            reason=f"type code {type_code.code} ({type_code.description}) is not a customer"
            " receipt",
        )
    )


def read_bai2(
    data: bytes | str,
    *,
    limits: ParseLimits = DEFAULT_LIMITS,
    receipt_codes: Iterable[str] = DEFAULT_RECEIPT_CODES,
) -> BankStatement:
    """The one account of a BAI2 file (see :func:`read_bai2_statements` for several).

    Examples:
        >>> read_bai2("")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: line 1: a BAI2 file starts with a 01 file header
    """
    return only_statement(
        read_bai2_statements(data, limits=limits, receipt_codes=receipt_codes), "bai2"
    )
