"""ISO 20022 bank-to-customer statements (camt.053) and notifications (camt.054).

A camt.053 ``BkToCstmrStmt`` holds one ``Stmt`` per account; a camt.054
``BkToCstmrDbtCdtNtfctn`` one ``Ntfctn`` per account. Both list entries (``Ntry``) with
an amount, a credit/debit indicator (``CdtDbtInd``), a status (``Sts``: ``BOOK``,
``PDNG``, ``INFO``), booking and value dates, and transaction details (``NtryDtls/TxDtls``)
naming the debtor (``RltdPties/Dbtr``), the debtor's account (``RltdPties/DbtrAcct``),
references (``Refs/EndToEndId``, ``AcctSvcrRef``) and remittance information
(``RmtInf``: free text ``Ustrd`` or structured ``Strd/RfrdDocInf/Nb`` with
``RfrdDocAmt``). Source: ISO 20022 Message Definition Report, *Bank-to-Customer Cash
Management*, camt.053.001.02 to camt.053.001.08 and camt.054.001.02 to .08 (2009-2019).

Reading rules:

- The file is parsed with ``defusedxml`` with DTDs forbidden: an external entity or an
  entity bomb is refused before any entity is expanded. Size and entry counts are capped
  (:class:`~receivables.io.statement.ParseLimits`).
- Element names are matched by local name and the namespace only has to be one of the
  camt.053/054 versions 02 to 08, so the reader is agnostic of the version; version
  differences (``Sts`` as text or ``Sts/Cd``, ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``,
  ``DscntApldAmt`` with or without ``Amt``, ``TxDtls/Amt`` or ``AmtDtls/TxAmt/Amt``) are
  all read.
- Amounts are read from the XML text as :class:`~decimal.Decimal` strings, never through
  a float, and must not have more decimals than the currency's ISO 4217 minor unit.
- A booked credit that is not a reversal is a receipt: one
  :class:`~receivables.models.Payment` per entry, or per transaction detail of a batch
  entry whose details carry their own amounts. Everything else is a
  :class:`~receivables.io.statement.StatementEntry`.
- Any structural problem raises :class:`~receivables.errors.ParseError` whose location is
  the element path, e.g. ``/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt``.

Examples:
    >>> xml = b'''<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
    ... <BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id>
    ... <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
    ... <Ntry><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    ... <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef>
    ... <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
    ... <RmtInf><Ustrd>INV-1001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
    ... </Stmt></BkToCstmrStmt></Document>'''
    >>> st = read_camt053(xml)
    >>> p = st.receipts[0]
    >>> p.id, p.amount, p.payer_name, p.remittance[0].reference
    ('B1', Money('150.00', 'EUR'), 'Acme GmbH', 'INV-1001')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlSyntaxError

from pydantic import ValidationError

from receivables.errors import ParseError, ReceivablesError
from receivables.io.statement import (
    DEFAULT_LIMITS,
    UNSTRUCTURED_NOTE,
    BankStatement,
    EntryStatus,
    ParseLimits,
    StatementEntry,
    check_size,
    only_statement,
)
from receivables.models import Payment, PaymentMethod, RemittanceLine
from receivables.money import Money, minor_units

__all__ = [
    "read_camt053",
    "read_camt053_statements",
    "read_camt054",
    "read_camt054_statements",
]

_NAMESPACE: Final = re.compile(
    r"^urn:iso:std:iso:20022:tech:xsd:(?P<msg>camt\.05[34])\.001\.(?P<ver>0[2-8])$"
)
_AMOUNT: Final = re.compile(r"^\d{1,18}(\.\d{1,5})?$")
_STATUS: Final[dict[str, EntryStatus]] = {"BOOK": "booked", "PDNG": "pending", "INFO": "info"}
_NOT_PROVIDED: Final = frozenset({"NOTPROVIDED", "NOT PROVIDED", "NONREF"})
_METHODS: Final[dict[str, PaymentMethod]] = {
    "RCDT": PaymentMethod.WIRE,
    "RCHQ": PaymentMethod.CHECK,
    "RDDT": PaymentMethod.DIRECT_DEBIT,
    "CCRD": PaymentMethod.CARD,
    "RCCN": PaymentMethod.CARD,
    "CNTR": PaymentMethod.CASH,
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True, slots=True)
class _Node:
    """An element with its path from the root, so every error can say where it is."""

    el: Element
    path: str

    def children(self, name: str) -> Iterator[_Node]:
        matching = [c for c in self.el if _local(c.tag) == name]
        for i, child in enumerate(matching, start=1):
            suffix = f"[{i}]" if len(matching) > 1 else ""
            yield _Node(child, f"{self.path}/{name}{suffix}")

    def child(self, name: str) -> _Node | None:
        return next(self.children(name), None)

    def find(self, path: str) -> _Node | None:
        node: _Node | None = self
        for name in path.split("/"):
            if node is None:
                return None
            node = node.child(name)
        return node

    def require(self, path: str) -> _Node:
        node = self.find(path)
        if node is None:
            raise ParseError(f"required element {path} is missing", location=self.path)
        return node

    def text(self, path: str | None = None) -> str | None:
        node = self if path is None else self.find(path)
        if node is None or node.el.text is None:
            return None
        value = " ".join(node.el.text.split())
        return value or None

    def fail(self, message: str) -> ParseError:
        return ParseError(message, location=self.path)


def _parse_xml(data: bytes | str, limits: ParseLimits, what: str) -> Element:
    # defusedxml is imported here: it belongs to the io extra, not to the core.
    try:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading camt files needs defusedxml: pip install 'receivables[io]'"
        ) from exc
    raw = check_size(data, limits, what)
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise ParseError(
            f"refused: the file declares a DTD or entities ({type(exc).__name__}); bank"
            " statements never need them and they can expand or fetch content",
            location=what,
        ) from None
    except XmlSyntaxError as exc:
        line, column = exc.position
        raise ParseError(
            f"malformed XML: {exc.msg}",
            location=f"{what} line {line} column {column}",
        ) from None
    return root


def _check_root(root: Element, message: str) -> tuple[_Node, str]:
    """The message element (``BkToCstmrStmt`` / ``BkToCstmrDbtCdtNtfctn``) and version."""
    tag = root.tag
    namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    match = _NAMESPACE.match(namespace)
    if _local(tag) != "Document" or match is None or match["msg"] != message:
        raise ParseError(
            f"not a {message} document: root element {tag!r}; expected Document in namespace"
            f" urn:iso:std:iso:20022:tech:xsd:{message}.001.02 to .08",
            location="/",
        )
    doc = _Node(root, "/Document")
    body_name = "BkToCstmrStmt" if message == "camt.053" else "BkToCstmrDbtCdtNtfctn"
    return doc.require(body_name), match["ver"]


def _date(node: _Node | None) -> date | None:
    """``Dt`` or ``DtTm`` of a DateAndDateTimeChoice."""
    if node is None:
        return None
    day = node.text("Dt")
    stamp = node.text("DtTm")
    try:
        if day is not None:
            return date.fromisoformat(day)
        if stamp is not None:
            return datetime.fromisoformat(stamp).date()
    except ValueError:
        raise node.fail(f"not an ISO 8601 date: {day or stamp!r}") from None
    raise node.fail("expected Dt or DtTm")


def _datetime(node: _Node | None) -> datetime | None:
    if node is None or node.text() is None:
        return None
    try:
        return datetime.fromisoformat(node.text() or "")
    except ValueError:
        raise node.fail(f"not an ISO 8601 date-time: {node.text()!r}") from None


def _money(node: _Node) -> Money:
    """An ActiveOrHistoricCurrencyAndAmount: the text is the amount, ``Ccy`` the code."""
    text = node.text()
    code = node.el.get("Ccy")
    if text is None or not _AMOUNT.match(text):
        raise node.fail(f"amount {text!r} is not a decimal such as 1234.56")
    if code is None:
        raise node.fail("amount has no Ccy attribute")
    try:
        money = Money(text, code)
        digits = minor_units(money.code)
    except ReceivablesError as exc:
        raise node.fail(str(exc)) from None
    if not money.is_quantized:
        raise node.fail(f"amount {text} {code} has more decimals than the {digits} of {code}")
    return money.quantize()


def _account(node: _Node | None) -> str | None:
    if node is None:
        return None
    iban = node.text("Id/IBAN")
    if iban is not None:
        return iban.replace(" ", "").upper()
    return node.text("Id/Othr/Id")


def _party_name(party: _Node | None) -> str | None:
    if party is None:
        return None
    # camt.053.001.08 wraps the party in Pty (Party40Choice); earlier versions do not.
    return party.text("Nm") or party.text("Pty/Nm")


def _status(entry: _Node) -> EntryStatus:
    sts = entry.child("Sts")
    if sts is None:
        raise entry.fail("required element Sts is missing")
    code = sts.text("Cd") or sts.text("Prtry") or sts.text()
    if code not in _STATUS:
        raise sts.fail(f"unknown entry status {code!r}; expected BOOK, PDNG or INFO")
    return _STATUS[code]


def _direction(node: _Node) -> str:
    indicator = node.text("CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise node.fail(f"CdtDbtInd is {indicator!r}; expected CRDT or DBIT")
    return indicator


def _method(entry: _Node, tx: _Node | None) -> PaymentMethod:
    for node in (tx, entry):
        family = node.text("BkTxCd/Domn/Fmly/Cd") if node is not None else None
        if family is None:
            continue
        method = _METHODS.get(family, PaymentMethod.OTHER)
        sub = node.text("BkTxCd/Domn/Fmly/SubFmlyCd") if node is not None else None
        if method is PaymentMethod.WIRE and sub is not None and sub.startswith("ESCT"):
            return PaymentMethod.SEPA
        return method
    return PaymentMethod.OTHER


def _discount(doc_amount: _Node) -> Money | None:
    node = doc_amount.child("DscntApldAmt")
    if node is None:
        return None
    # .02 states the amount directly; .03 onwards wraps it in Amt (with an optional Tp).
    inner = node.child("Amt")
    return _money(inner if inner is not None else node)


def _remittance(
    tx: _Node | None, amount: Money, limits: ParseLimits, end_to_end: str | None
) -> tuple[RemittanceLine, ...]:
    """The remittance lines of one receipt (structured first, then free text)."""
    rmt = tx.child("RmtInf") if tx is not None else None
    lines: list[RemittanceLine] = []
    loose: list[str] = []
    if rmt is not None:
        for strd in rmt.children("Strd"):
            numbers = [n for d in strd.children("RfrdDocInf") if (n := d.text("Nb"))]
            creditor_ref = strd.text("CdtrRefInf/Ref")
            doc_amount = strd.child("RfrdDocAmt")
            stated = doc_amount.child("RmtdAmt") if doc_amount is not None else None
            due = doc_amount.child("DuePyblAmt") if doc_amount is not None else None
            discount = _discount(doc_amount) if doc_amount is not None else None
            refs = numbers or ([creditor_ref] if creditor_ref else [])
            if not refs:
                continue
            paid: Money | None = None
            if stated is not None:
                paid = _money(stated)
            elif due is not None:
                paid = _money(due) - (discount or Money.zero(amount.code))
            if len(refs) == 1 and paid is not None:
                try:
                    lines.append(
                        RemittanceLine(reference=refs[0], amount=paid, discount_taken=discount)
                    )
                except ValidationError as exc:
                    raise strd.fail(_first_error(exc)) from None
            else:
                # References without an amount each: the payer named documents, not splits.
                loose.extend(refs)
        loose.extend(u for node in rmt.children("Ustrd") if (u := node.text()))
    elif end_to_end is not None:
        loose.append(end_to_end)
    if loose:
        lines.append(
            RemittanceLine(reference=" ".join(loose)[:1000], amount=amount, note=UNSTRUCTURED_NOTE)
        )
    if len(lines) > limits.max_remittance_lines:
        where = rmt.path if rmt is not None else "RmtInf"
        raise ParseError(
            f"{len(lines)} remittance lines; the limit is {limits.max_remittance_lines}",
            location=where,
        )
    return tuple(lines)


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0].get("msg", exc)) if errors else str(exc)


class _EntryReader:
    """Reads the entries of one statement or notification into receipts and the rest."""

    def __init__(self, statement_id: str, limits: ParseLimits) -> None:
        self.statement_id = statement_id
        self.limits = limits
        self.receipts: list[Payment] = []
        self.others: list[StatementEntry] = []
        self.ids: set[str] = set()

    def _unique(self, wanted: str | None, fallback: str, node: _Node) -> str:
        ident = wanted or fallback
        if ident in self.ids:
            raise node.fail(f"two movements share the reference {ident!r}")
        self.ids.add(ident)
        return ident

    def read(self, index: int, entry: _Node) -> None:
        status = _status(entry)
        direction = _direction(entry)
        reversal = entry.text("RvslInd") in ("true", "1")
        amount = _money(entry.require("Amt"))
        booked = _date(entry.child("BookgDt"))
        valued = _date(entry.child("ValDt"))
        entry_ref = entry.text("AcctSvcrRef") or entry.text("NtryRef")
        base = f"{self.statement_id}-{index}"
        details = [tx for d in entry.children("NtryDtls") for tx in d.children("TxDtls")]
        if status != "booked" or direction != "CRDT" or reversal:
            reason = (
                f"entry status {status}"
                if status != "booked"
                else ("reversal" if reversal else "debit: money out, not a receipt")
            )
            tx0 = details[0] if details else None
            text = entry.text("AddtlNtryInf") or (tx0.text("RmtInf/Ustrd") if tx0 else None)
            self.others.append(
                StatementEntry(
                    id=self._unique(entry_ref, base, entry),
                    direction="credit" if direction == "CRDT" else "debit",
                    amount=amount,
                    booked_on=booked,
                    value_date=valued,
                    status=status,
                    reversal=reversal,
                    bank_reference=entry_ref,
                    counterparty=_party_name(tx0.find("RltdPties/Cdtr"))
                    if tx0 is not None
                    else None,
                    text=text,
                    reason=reason,
                )
            )
            return
        received = booked or valued
        if received is None:
            raise entry.fail("a booked entry needs BookgDt or ValDt")
        split = len(details) > 1 and all(
            tx.find("Amt") is not None or tx.find("AmtDtls/TxAmt/Amt") is not None for tx in details
        )
        if split:
            parts = [_money(tx.find("Amt") or tx.require("AmtDtls/TxAmt/Amt")) for tx in details]
            if (
                any(p.code != amount.code for p in parts)
                or sum(parts, Money.zero(amount.code)) != amount
            ):
                # Splitting must conserve the booked amount: parts that do not add up would
                # post more (or less) cash than reached the account.
                listed = " + ".join(str(p) for p in parts)
                raise entry.fail(
                    f"the transaction details add up to {listed}, not the entry's {amount}"
                )
            for k, (tx, tx_amount) in enumerate(zip(details, parts, strict=True), start=1):
                ref = tx.text("Refs/AcctSvcrRef")
                ident = self._unique(ref, f"{entry_ref or base}-{k}", tx)
                self._receipt(ident, entry, tx, tx_amount, received, valued, ref or entry_ref)
        else:
            only = details[0] if details else None
            ref = only.text("Refs/AcctSvcrRef") if only is not None else None
            ident = self._unique(entry_ref or ref, base, entry)
            self._receipt(ident, entry, only, amount, received, valued, entry_ref or ref)

    def _receipt(
        self,
        ident: str,
        entry: _Node,
        tx: _Node | None,
        amount: Money,
        received: date,
        valued: date | None,
        bank_ref: str | None,
    ) -> None:
        end_to_end = tx.text("Refs/EndToEndId") if tx is not None else None
        if end_to_end is not None and end_to_end.upper() in _NOT_PROVIDED:
            end_to_end = None
        where = tx if tx is not None else entry
        try:
            self.receipts.append(
                Payment(
                    id=ident,
                    customer_id=None,
                    received_on=received,
                    value_date=valued,
                    amount=amount,
                    method=_method(entry, tx),
                    bank_reference=bank_ref or end_to_end,
                    payer_name=_party_name(tx.find("RltdPties/Dbtr")) if tx else None,
                    payer_account=_account(tx.find("RltdPties/DbtrAcct")) if tx else None,
                    remittance=_remittance(tx, amount, self.limits, end_to_end),
                )
            )
        except ValidationError as exc:
            raise where.fail(_first_error(exc)) from None


def _balance(stmt: _Node, codes: tuple[str, ...]) -> Money | None:
    for bal in stmt.children("Bal"):
        code = bal.text("Tp/CdOrPrtry/Cd") or bal.text("Tp/CdOrPrtry/Prtry")
        if code in codes:
            money = _money(bal.require("Amt"))
            return -money if _direction(bal) == "DBIT" else money
    return None


def _read(data: bytes | str, message: str, limits: ParseLimits) -> tuple[BankStatement, ...]:
    root = _parse_xml(data, limits, message)
    body, _version = _check_root(root, message)
    count = sum(1 for el in root.iter() if _local(el.tag) in ("Ntry", "TxDtls"))
    if count > limits.max_entries:
        raise ParseError(
            f"{count} entries and transaction details; the limit is {limits.max_entries}",
            location=body.path,
        )
    part = "Stmt" if message == "camt.053" else "Ntfctn"
    statements: list[BankStatement] = []
    for stmt in body.children(part):
        statement_id = stmt.text("Id")
        if statement_id is None:
            raise stmt.fail("required element Id is missing")
        account = _account(stmt.require("Acct"))
        if account is None:
            raise stmt.fail("Acct/Id has neither IBAN nor Othr/Id")
        reader = _EntryReader(statement_id, limits)
        for index, entry in enumerate(stmt.children("Ntry"), start=1):
            reader.read(index, entry)
        period = stmt.child("FrToDt")
        start = _datetime(period.child("FrDtTm")) if period is not None else None
        end = _datetime(period.child("ToDtTm")) if period is not None else None
        statements.append(
            BankStatement(
                format="camt.053" if message == "camt.053" else "camt.054",
                statement_id=statement_id,
                account=account,
                currency=stmt.text("Acct/Ccy"),
                created_at=_datetime(stmt.child("CreDtTm")),
                from_date=start.date() if start else None,
                to_date=end.date() if end else None,
                opening_balance=_balance(stmt, ("OPBD", "PRCD")),
                closing_balance=_balance(stmt, ("CLBD",)),
                receipts=tuple(reader.receipts),
                other_entries=tuple(reader.others),
            )
        )
    return tuple(statements)


def read_camt053_statements(
    data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[BankStatement, ...]:
    """Every statement (``Stmt``) of a camt.053 file, in file order.

    Examples:
        >>> read_camt053_statements(b"<Document/>")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: /: not a camt.053 document: root element 'Document'; ...
    """
    return _read(data, "camt.053", limits)


def read_camt053(data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS) -> BankStatement:
    """The statement of a camt.053 file that holds one (the usual case: one account).

    Raises :class:`~receivables.errors.ParseError` with the element path for a malformed
    file, and when the file holds several statements (use :func:`read_camt053_statements`).

    Examples:
        >>> read_camt053(b'<!DOCTYPE d [<!ENTITY e "x">]><Document/>')
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: camt.053: refused: the file declares a DTD ...
    """
    return only_statement(_read(data, "camt.053", limits), "camt.053")


def read_camt054_statements(
    data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[BankStatement, ...]:
    """Every notification (``Ntfctn``) of a camt.054 file, as statements without balances.

    Examples:
        >>> read_camt054_statements(b"<Document><x></Document>")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: camt.054 line 1 column 15: malformed XML: ...
    """
    return _read(data, "camt.054", limits)


def read_camt054(data: bytes | str, *, limits: ParseLimits = DEFAULT_LIMITS) -> BankStatement:
    """The one notification of a camt.054 file (debit/credit advice of single entries).

    Examples:
        >>> ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
        >>> read_camt054(f'<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn/></Document>')
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: camt.054: the file holds 0 statements; ...
    """
    return only_statement(_read(data, "camt.054", limits), "camt.054")
