"""The exception hierarchy of :mod:`receivables`.

Every error the library raises on purpose derives from :class:`ReceivablesError`, so a
caller can catch the whole family in one clause. Each error names what it is about: the
document id and the field where there is one, the currency pair and the date for a rate.

Errors that describe a bad *value* also derive from :class:`ValueError` (and
:class:`CurrencyMismatch` from :class:`TypeError`, as mixing currencies is a type
error in arithmetic). That way pydantic turns them into a ``ValidationError`` with the
field's location when they are raised inside a model's validation.

>>> from receivables.errors import OverApplication
>>> err = OverApplication("over-applied", document_id="INV-1", field="amount")
>>> (err.document_id, err.field)
('INV-1', 'amount')
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "ConflictingApplication",
    "CurrencyMismatch",
    "DuplicateDocument",
    "FloatNotAllowed",
    "InvalidAmount",
    "InvalidApplication",
    "InvalidDocument",
    "InvalidTerms",
    "MissingRate",
    "OverApplication",
    "ParseError",
    "ReceivablesError",
    "UnknownCurrency",
    "UnknownDocument",
]


class ReceivablesError(Exception):
    """Base of every error raised by the library.

    ``document_id`` and ``field`` name where the problem is, when there is a document.
    """

    def __init__(
        self, message: str, *, document_id: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.document_id = document_id
        self.field = field


class UnknownCurrency(ReceivablesError, ValueError):
    """A currency code that is not in the ISO 4217 table."""

    def __init__(self, code: str, *, document_id: str | None = None, field: str | None = None):
        super().__init__(
            f"unknown currency code {code!r}: expected an ISO 4217 alphabetic code such as"
            " 'USD', 'EUR' or 'JPY'",
            document_id=document_id,
            field=field,
        )
        self.code = code


class InvalidAmount(ReceivablesError, ValueError):
    """An amount that cannot be money: NaN, infinite, a bool, or not a number."""


class FloatNotAllowed(InvalidAmount, TypeError):
    """A ``float`` was given where money or an exact decimal is required."""


class CurrencyMismatch(ReceivablesError, TypeError):
    """Two amounts in different currencies met without an exchange rate."""


class MissingRate(ReceivablesError, LookupError):
    """No exchange rate is known for a currency pair on or before a date."""

    def __init__(self, source: str, target: str, on: date) -> None:
        super().__init__(
            f"no exchange rate {source}->{target} on or before {on.isoformat()}"
            " (direct, inverse or through the table's base currency)"
        )
        self.source = source
        self.target = target
        self.on = on


class InvalidTerms(ReceivablesError, ValueError):
    """Payment terms that cannot be parsed or do not make sense."""


class InvalidDocument(ReceivablesError, ValueError):
    """A document whose fields contradict each other (dates, totals, currencies)."""


class UnknownDocument(ReceivablesError, KeyError):
    """A document id that the ledger does not hold."""

    def __str__(self) -> str:
        return self.message


class DuplicateDocument(ReceivablesError, ValueError):
    """Two different documents with the same id."""


class InvalidApplication(ReceivablesError, ValueError):
    """An application that the ledger cannot accept (dates, currencies, kinds)."""


class OverApplication(InvalidApplication):
    """An application that would take a document beyond its open amount."""


class ConflictingApplication(InvalidApplication):
    """An application id already used for an application with different content."""


class ParseError(ReceivablesError, ValueError):
    """A file or text that could not be read; ``location`` is a line or element path."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.location = location
