"""Portal submissions: submitted, accepted, rejected with a reason, resubmitted."""

from __future__ import annotations

from datetime import date

import pytest

from receivables.portal import PortalError, PortalEvent, PortalSubmission, portal_status

D = date


def test_rejected_then_resubmitted_then_accepted_keeps_its_history() -> None:
    s = (
        PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2), reference="AN-1")
        .reject(on=D(2026, 3, 3), reason="PO closed")
        .resubmit(on=D(2026, 3, 5), reference="AN-2")
        .accept(on=D(2026, 3, 6))
    )
    assert [e.status for e in s.events] == ["submitted", "rejected", "resubmitted", "accepted"]
    assert s.status_on(D(2026, 3, 1)) is None
    assert s.status_on(D(2026, 3, 4)) == "rejected"
    assert s.rejection_reason(D(2026, 3, 4)) == "PO closed"
    assert s.rejection_reason(D(2026, 3, 6)) is None
    assert s.accepted_on() == D(2026, 3, 6)


def test_accepted_is_final() -> None:
    s = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2)).accept(on=D(2026, 3, 3))
    with pytest.raises(PortalError, match="rejected cannot follow accepted"):
        s.reject(on=D(2026, 3, 4), reason="late")


def test_resubmitting_without_rejection_is_refused() -> None:
    s = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2))
    with pytest.raises(PortalError, match="resubmitted cannot follow submitted"):
        s.resubmit(on=D(2026, 3, 3))


def test_rejection_needs_a_reason() -> None:
    s = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2))
    with pytest.raises(PortalError, match="needs the portal's reason"):
        s.reject(on=D(2026, 3, 3), reason="")


def test_event_before_the_previous_one_is_refused() -> None:
    s = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2))
    with pytest.raises(PortalError, match="is before submitted"):
        s.accept(on=D(2026, 3, 1))


def test_history_must_start_with_a_submission() -> None:
    with pytest.raises(ValueError, match="first event"):
        PortalSubmission(
            document_id="INV-1",
            portal="ariba",
            events=(PortalEvent(status="accepted", on=D(2026, 3, 2)),),
        )


def test_status_report_is_sorted_and_skips_future_submissions() -> None:
    rows = portal_status(
        [
            PortalSubmission.submit("INV-3", portal="tungsten", on=D(2026, 4, 1)),
            PortalSubmission.submit("INV-2", portal="coupa", on=D(2026, 3, 2)),
            PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2)).reject(
                on=D(2026, 3, 9), reason="wrong tax", reference="AN-9"
            ),
        ],
        as_of=D(2026, 3, 31),
    )
    assert [(r["document_id"], r["status"], r["since"], r["reason"]) for r in rows] == [
        ("INV-1", "rejected", "2026-03-09", "wrong tax"),
        ("INV-2", "submitted", "2026-03-02", ""),
    ]


def test_two_records_for_one_document_and_portal_are_refused() -> None:
    s = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 2))
    other = PortalSubmission.submit("INV-1", portal="ariba", on=D(2026, 3, 5))
    with pytest.raises(PortalError, match="two submission records"):
        portal_status([s, other], as_of=D(2026, 3, 31))
