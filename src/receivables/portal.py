"""Portal submissions: did the invoice reach the customer's e-invoicing portal?

Many large buyers accept invoices only through a portal or network (SAP Ariba, Coupa,
Tungsten, a Peppol access point). An invoice that was rejected there is, to the
customer, an invoice never received: it will not be paid and should not be dunned as if
it were late. A :class:`PortalSubmission` records one document's life on one portal:
submitted, accepted, rejected (with the portal's reason), resubmitted, accepted at last.

Submissions are values: each event returns a new submission with its history, dated,
never rewritten. :func:`portal_status` answers, for a set of submissions, where each
document stood on a date.

Examples:
    >>> from datetime import date
    >>> s = PortalSubmission.submit("INV-1", portal="ariba", on=date(2026, 3, 2),
    ...                             reference="AN-123")
    >>> s = s.reject(on=date(2026, 3, 3), reason="PO 4500012345 is closed")
    >>> s = s.resubmit(on=date(2026, 3, 5), reference="AN-124").accept(on=date(2026, 3, 6))
    >>> s.status, s.status_on(date(2026, 3, 4)), s.rejection_reason(date(2026, 3, 4))
    ('accepted', 'rejected', 'PO 4500012345 is closed')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.errors import ReceivablesError
from receivables.models import DocumentId

__all__ = [
    "PortalError",
    "PortalEvent",
    "PortalStatus",
    "PortalSubmission",
    "portal_status",
]

PortalStatus = Literal["submitted", "accepted", "rejected", "resubmitted"]
"""Where a document stands on a portal."""

_NEXT: dict[PortalStatus, frozenset[PortalStatus]] = {
    "submitted": frozenset({"accepted", "rejected"}),
    "resubmitted": frozenset({"accepted", "rejected"}),
    "rejected": frozenset({"resubmitted"}),
    "accepted": frozenset(),
}


class PortalError(ReceivablesError, ValueError):
    """An event that cannot happen to a submission in its current state."""


class PortalEvent(BaseModel):
    """One dated event on the portal, with the portal's reference and reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: PortalStatus
    on: date
    reference: str | None = None
    reason: str | None = None


class PortalSubmission(BaseModel):
    """One document on one portal, with the history of its events in date order.

    Transitions allowed: submitted or resubmitted -> accepted | rejected; rejected ->
    resubmitted; accepted is final. A rejection needs a reason.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: DocumentId
    portal: str = Field(min_length=1)
    events: tuple[PortalEvent, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_events(self.document_id, self.portal, self.events)
        return self

    @classmethod
    def submit(
        cls, document_id: str, *, portal: str, on: date, reference: str | None = None
    ) -> PortalSubmission:
        """A new submission of ``document_id`` to ``portal`` on ``on``."""
        return cls(
            document_id=document_id,
            portal=portal,
            events=(PortalEvent(status="submitted", on=on, reference=reference),),
        )

    def _add(self, event: PortalEvent) -> PortalSubmission:
        # Checked here first so a bad event raises PortalError, not pydantic's wrapper.
        _check_events(self.document_id, self.portal, (*self.events, event))
        return PortalSubmission(
            document_id=self.document_id, portal=self.portal, events=(*self.events, event)
        )

    def accept(self, *, on: date, reference: str | None = None) -> PortalSubmission:
        """The submission, accepted by the portal on ``on``."""
        return self._add(PortalEvent(status="accepted", on=on, reference=reference))

    def reject(self, *, on: date, reason: str, reference: str | None = None) -> PortalSubmission:
        """The submission, rejected by the portal on ``on`` for ``reason``."""
        return self._add(PortalEvent(status="rejected", on=on, reason=reason, reference=reference))

    def resubmit(self, *, on: date, reference: str | None = None) -> PortalSubmission:
        """The submission, sent again on ``on`` after a rejection."""
        return self._add(PortalEvent(status="resubmitted", on=on, reference=reference))

    @property
    def status(self) -> PortalStatus:
        """The latest status."""
        return self.events[-1].status

    def _event_on(self, on: date) -> PortalEvent | None:
        latest = None
        for e in self.events:
            if e.on <= on:
                latest = e
        return latest

    def status_on(self, on: date) -> PortalStatus | None:
        """The status on ``on`` (None before the first submission)."""
        event = self._event_on(on)
        return None if event is None else event.status

    def rejection_reason(self, on: date) -> str | None:
        """The portal's reason, when the document stood rejected on ``on``."""
        event = self._event_on(on)
        return event.reason if event is not None and event.status == "rejected" else None

    def accepted_on(self) -> date | None:
        """The date the portal accepted the document, if it did."""
        return self.events[-1].on if self.status == "accepted" else None


def _check_events(document_id: str, portal: str, events: tuple[PortalEvent, ...]) -> None:
    where = f"submission of {document_id} to {portal}"

    def fail(message: str) -> PortalError:
        return PortalError(f"{where}: events: {message}", document_id=document_id, field="events")

    if events[0].status != "submitted":
        raise fail("the first event must be 'submitted'")
    for before, after in pairwise(events):
        if after.status not in _NEXT[before.status]:
            raise fail(f"{after.status} cannot follow {before.status} (on {after.on.isoformat()})")
        if after.on < before.on:
            raise fail(
                f"{after.status} on {after.on.isoformat()} is before {before.status}"
                f" on {before.on.isoformat()}"
            )
    for e in events:
        if e.status == "rejected" and not e.reason:
            raise fail("a rejection needs the portal's reason")


def portal_status(submissions: Iterable[PortalSubmission], *, as_of: date) -> list[dict[str, str]]:
    """Where each document stood on each portal on ``as_of``: one row per submission,
    sorted by document then portal; documents not yet submitted by then are left out.

    A collector reads this before chasing: an invoice rejected by the portal has not
    reached the customer, and the reason says what to fix.

    Examples:
        >>> a = PortalSubmission.submit("INV-2", portal="coupa", on=date(2026, 1, 5))
        >>> b = PortalSubmission.submit("INV-1", portal="ariba", on=date(2026, 1, 4)).reject(
        ...     on=date(2026, 1, 6), reason="missing PO")
        >>> [(r["document_id"], r["status"], r["reason"])
        ...  for r in portal_status([a, b], as_of=date(2026, 1, 31))]
        [('INV-1', 'rejected', 'missing PO'), ('INV-2', 'submitted', '')]
    """
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for s in sorted(submissions, key=lambda s: (s.document_id, s.portal)):
        key = (s.document_id, s.portal)
        if key in seen:
            raise PortalError(
                f"submission of {s.document_id} to {s.portal}: portal: two submission records"
                " for one document and portal; extend the record instead",
                document_id=s.document_id,
                field="portal",
            )
        seen.add(key)
        event = s._event_on(as_of)
        if event is None:
            continue
        rows.append(
            {
                "document_id": s.document_id,
                "portal": s.portal,
                "status": event.status,
                "since": event.on.isoformat(),
                "reference": event.reference or "",
                "reason": event.reason or "",
            }
        )
    return rows
