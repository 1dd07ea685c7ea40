"""The column schema of the frames path: which column holds what, and the frames' errors.

Three frames carry a ledger into a dataframe engine:

* the **open-items frame** (what :func:`~receivables.frames.age_frame` reads): one row per
  document open on a date, with its signed open amount (credits negative), like
  :class:`~receivables.ledger.OpenItem`;
* the **documents frame** (what :func:`~receivables.frames.dso_frame` reads): one row per
  document with its original amount, never signed;
* the **reductions frame** beside it: one row per dated reduction of a document (an
  application reduces its target by the amount settled and its source by the amount
  used; a write-off or a refund reduces its document), the ledger's own bookkeeping.

Money columns hold integer minor units of the row's currency (``1234`` is 12.34 USD and
1,234 JPY) or exact decimals; see :mod:`receivables.frames` for floats.

Examples:
    >>> FrameSchema().open_amount
    'open_amount'
    >>> FrameSchema(customer_id="debtor").customer_id
    'debtor'
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.errors import ReceivablesError

__all__ = ["FloatMoneyColumn", "FrameSchema", "FramesError"]


class FramesError(ReceivablesError, ValueError):
    """A frame that cannot be read: a missing column, a wrong type, a bad option."""


class FloatMoneyColumn(FramesError):
    """A money column of floating-point numbers, refused unless a precision is stated."""


class FrameSchema(BaseModel):
    """Column names of the frames (the defaults are the names :func:`ledger_to_frame` writes).

    ``kind`` holds the ledger's document kinds: ``invoice``, ``debit_memo`` (debits),
    ``credit_memo`` and ``payment`` (credits). ``issue_date`` is the document's date (the
    receipt date of a payment). ``due_date`` is a debit's due date; for a credit it is
    ignored (a credit ages from its own date). ``group_id`` (optional) is the customer's
    group, for group lines; ``disputed`` (optional) the open amount under open dispute,
    capped at the open amount; ``promised`` (optional) the part of a debit's collectable
    amount covered by a live promise to pay (:func:`receivables.aging.promised_by_document`).
    ``reduced_on`` and ``reduction`` are the reductions frame's date and amount.

    Examples:
        >>> FrameSchema(amount="amount", open_amount="amount")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for FrameSchema
          Value error, columns amount and open_amount are both named 'amount' ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str = Field(default="document_id", min_length=1)
    customer_id: str = Field(default="customer_id", min_length=1)
    group_id: str = Field(default="group_id", min_length=1)
    kind: str = Field(default="kind", min_length=1)
    currency: str = Field(default="currency", min_length=1)
    issue_date: str = Field(default="issue_date", min_length=1)
    due_date: str = Field(default="due_date", min_length=1)
    amount: str = Field(default="amount", min_length=1)
    open_amount: str = Field(default="open_amount", min_length=1)
    disputed: str = Field(default="disputed", min_length=1)
    promised: str = Field(default="promised", min_length=1)
    reduced_on: str = Field(default="reduced_on", min_length=1)
    reduction: str = Field(default="reduction", min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        seen: dict[str, str] = {}
        for field, column in self.model_dump().items():
            if column in seen:
                raise FramesError(
                    f"columns {seen[column]} and {field} are both named {column!r}",
                    field=field,
                )
            seen[column] = field
        return self
