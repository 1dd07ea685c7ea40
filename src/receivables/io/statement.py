"""What every bank-statement reader yields: a :class:`BankStatement` of receipts and the rest.

A bank statement (ISO 20022 camt.053, a camt.054 notification, a BAI2 account, an MT940
message) lists the movements on one bank account. For accounts receivable only the
*booked credits* matter: each becomes a :class:`~receivables.models.Payment` with
``customer_id=None`` (unidentified cash) and the remittance information the payer sent.
Debits, reversals and entries not yet booked are kept apart as :class:`StatementEntry`
so that the statement still reconciles, but they never reach the ledger.

The readers share the limits in :class:`ParseLimits`: a statement comes from outside, so
its size and the number of its entries are capped before anything is built.

Examples:
    >>> from datetime import date
    >>> from receivables.models import Payment
    >>> st = BankStatement(format="camt.053", statement_id="S1", account="DE89370400440532013000",
    ...                    currency="EUR", receipts=(Payment(id="P1", customer_id=None,
    ...                    received_on=date(2026, 3, 2), amount="10.00 EUR"),))
    >>> st.total_receipts()
    Money('10.00', 'EUR')
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from receivables.errors import ParseError
from receivables.models import Payment
from receivables.money import Money
from receivables.unposted import UNSTRUCTURED_NOTE

__all__ = [
    "DEFAULT_LIMITS",
    "UNSTRUCTURED_NOTE",
    "BankStatement",
    "EntryStatus",
    "ParseLimits",
    "StatementEntry",
    "StatementFormat",
    "check_size",
    "only_statement",
]

StatementFormat = Literal["camt.053", "camt.054", "bai2", "mt940"]
EntryStatus = Literal["booked", "pending", "info"]


class ParseLimits(BaseModel):
    """Caps on untrusted statement files, checked before and while parsing.

    ``max_bytes`` bounds the file, ``max_entries`` the movements (entries, transaction
    details, records) and ``max_remittance_lines`` the remittance lines of one receipt.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_entries: int = Field(default=100_000, gt=0)
    max_remittance_lines: int = Field(default=1_000, gt=0)


DEFAULT_LIMITS = ParseLimits()


class StatementEntry(BaseModel):
    """A statement movement that is not a customer receipt: a debit, a reversal, or an
    entry that is pending or only informative. Kept so the statement reconciles.

    ``amount`` is positive; ``direction`` says which way the money went.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    direction: Literal["debit", "credit"]
    amount: Money
    booked_on: date | None = None
    value_date: date | None = None
    status: EntryStatus = "booked"
    reversal: bool = False
    bank_reference: str | None = None
    counterparty: str | None = None
    text: str | None = None
    reason: str = Field(description="Why this entry is not a receipt.")


class BankStatement(BaseModel):
    """One account's statement: booked receipts as unidentified payments, and the rest.

    ``opening_balance`` and ``closing_balance`` are signed (an overdraft is negative) and
    present when the file states them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: StatementFormat
    statement_id: str
    account: str
    currency: str | None = None
    created_at: datetime | None = None
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    receipts: tuple[Payment, ...] = ()
    other_entries: tuple[StatementEntry, ...] = ()

    def total_receipts(self) -> Money | None:
        """The sum of the receipts when they share one currency (None when there are none).

        Examples:
            >>> BankStatement(format="bai2", statement_id="S", account="1").total_receipts()
        """
        if not self.receipts:
            return None
        codes = {p.amount.code for p in self.receipts}
        if len(codes) > 1:
            raise ValueError(
                f"statement {self.statement_id}: receipts are in {sorted(codes)}; total them"
                " per currency"
            )
        return sum((p.amount for p in self.receipts), Money.zero(codes.pop()))

    def to_rows(self) -> list[dict[str, str | None]]:
        """One plain row per movement (receipts first), amounts as strings.

        Examples:
            >>> BankStatement(format="mt940", statement_id="S", account="1").to_rows()
            []
        """
        rows: list[dict[str, str | None]] = [
            {
                "statement_id": self.statement_id,
                "id": p.id,
                "kind": "receipt",
                "date": p.received_on.isoformat(),
                "amount": str(p.amount.amount),
                "currency": p.amount.code,
                "payer_name": p.payer_name,
                "payer_account": p.payer_account,
                "bank_reference": p.bank_reference,
                "remittance": "; ".join(line.reference for line in p.remittance) or None,
            }
            for p in self.receipts
        ]
        rows.extend(
            {
                "statement_id": self.statement_id,
                "id": e.id,
                "kind": f"{e.direction} ({e.reason})",
                "date": e.booked_on.isoformat() if e.booked_on else None,
                "amount": str(e.amount.amount),
                "currency": e.amount.code,
                "payer_name": e.counterparty,
                "payer_account": None,
                "bank_reference": e.bank_reference,
                "remittance": e.text,
            }
            for e in self.other_entries
        )
        return rows


def check_size(data: bytes | str, limits: ParseLimits, what: str) -> bytes:
    """Refuse a file larger than ``limits.max_bytes``; return it as bytes.

    Examples:
        >>> check_size(b"abc", ParseLimits(max_bytes=2), "camt.053")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: camt.053: 3 bytes is more than the limit of 2 bytes
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > limits.max_bytes:
        raise ParseError(
            f"{len(raw)} bytes is more than the limit of {limits.max_bytes} bytes",
            location=what,
        )
    return raw


def only_statement(statements: Sequence[BankStatement], what: str) -> BankStatement:
    """The one statement of a file, or a :class:`ParseError` saying how many there are.

    Examples:
        >>> only_statement([], "camt.053")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: camt.053: the file holds 0 statements; ...
    """
    if len(statements) != 1:
        raise ParseError(
            f"the file holds {len(statements)} statements; read it with the"
            " *_statements reader to get each of them",
            location=what,
        )
    return statements[0]
