"""Partial disputes: open part, collectable vs disputed, resolution records."""

from __future__ import annotations

from datetime import date

import pytest

from receivables.disputes import (
    DisputeExceedsOpenAmount,
    InvalidDisputeInput,
    apply_resolution,
    collectable_split,
    dispute_lines,
    open_dispute,
    resolve_dispute,
)
from receivables.dunning import dunning_run
from receivables.errors import CurrencyMismatch
from receivables.interest import contractual_rate, late_payment_interest
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    Customer,
    Dispute,
    DisputeResolution,
    Invoice,
    InvoiceLine,
    Payment,
    TaxLine,
)
from receivables.money import Money


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


INVOICE = Invoice(
    id="INV-1",
    customer_id="C1",
    issue_date=date(2026, 1, 5),
    due_date=date(2026, 2, 4),
    lines=(
        InvoiceLine(
            id="L1", unit_price=M("500.00 EUR"), taxes=(TaxLine(jurisdiction="DE", rate=19),)
        ),
        InvoiceLine(
            id="L2", unit_price=M("300.00 EUR"), taxes=(TaxLine(jurisdiction="DE", rate=19),)
        ),
    ),
)  # 595.00 + 357.00 = 952.00 EUR
CUSTOMER = Customer(id="C1", name="Acme", currency="EUR")


def ledger() -> Ledger:
    return Ledger([INVOICE], customers=[CUSTOMER])


def dispute(amount: str, *, did: str = "D1", opened: date = date(2026, 2, 1)) -> Dispute:
    return Dispute(
        id=did,
        customer_id="C1",
        document_id="INV-1",
        amount=M(amount),
        reason_code="damaged",
        opened_on=opened,
    )


def test_dispute_of_a_line_takes_its_gross_amount() -> None:
    d = dispute_lines(
        INVOICE, ["L2"], dispute_id="D1", reason_code="not_delivered", opened_on=date(2026, 2, 1)
    )
    assert d.amount == M("357.00 EUR")
    assert d.line_ids == ("L2",)


def test_dispute_splits_collectable_and_disputed_parts() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    report = collectable_split(books, as_of=date(2026, 2, 10))
    item = report.items[0]
    assert (item.open, item.disputed, item.collectable) == (
        M("952.00 EUR"),
        M("357.00 EUR"),
        M("595.00 EUR"),
    )
    assert item.dispute_ids == ("D1",)
    assert report.collectable == (M("595.00 EUR"),)
    assert report.to_rows()[0]["disputed"] == M("357.00 EUR").amount


def test_before_its_date_a_dispute_holds_nothing_back() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    assert collectable_split(books, as_of=date(2026, 1, 31)).items[0].disputed == M("0.00 EUR")


def test_disputed_part_is_not_dunned_the_rest_is() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    run = dunning_run(books, as_of=date(2026, 2, 20))
    item = run.proposals[0].items[0]
    assert item.disputed == M("357.00 EUR")
    assert item.dunned_amount == M("595.00 EUR")


def test_disputed_part_earns_no_interest() -> None:
    """10 % on 952.00 for 2026-02-05 .. 2026-02-10 (6 days) would be 1.56; with 357.00
    disputed the principal is 595.00: 595 x 10 % x 6/365 = 0.978... -> 0.98."""
    books = open_dispute(ledger(), dispute("357.00 EUR", opened=date(2026, 2, 4)))
    result = late_payment_interest(
        books, "INV-1", as_of=date(2026, 2, 10), law=contractual_rate("10")
    )
    assert result.interest == M("0.98 EUR")


def test_credit_memo_resolution_closes_the_item_when_nothing_else_is_open() -> None:
    books = Ledger(
        [
            INVOICE,
            Payment(
                id="P1", customer_id="C1", received_on=date(2026, 2, 3), amount=M("595.00 EUR")
            ),
        ],
        customers=[CUSTOMER],
        movements=[
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=date(2026, 2, 3),
                amount=M("595.00 EUR"),
            )
        ],
    )
    books = open_dispute(books, dispute("357.00 EUR", opened=date(2026, 2, 4)))
    record = resolve_dispute(
        books, "D1", on=date(2026, 3, 1), resolution=DisputeResolution.CREDIT_MEMO
    )
    assert record.outcome == "closed"
    assert record.credited == M("357.00 EUR")
    assert record.credit_memo is not None
    assert record.credit_memo.linked_document_id == "INV-1"
    after = apply_resolution(books, record)
    assert after.open_amount("INV-1", as_of=date(2026, 3, 1)) == M("0.00 EUR")
    assert after.disputes[0].resolution is DisputeResolution.CREDIT_MEMO


def test_withdrawn_dispute_resumes_collection_of_the_whole() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    record = resolve_dispute(
        books, "D1", on=date(2026, 3, 1), resolution=DisputeResolution.WITHDRAWN
    )
    assert (record.outcome, record.credited, record.resumed) == (
        "resumed",
        M("0.00 EUR"),
        M("357.00 EUR"),
    )
    assert record.credit_memo is None
    after = apply_resolution(books, record)
    assert collectable_split(after, as_of=date(2026, 3, 1)).items[0].collectable == M("952.00 EUR")
    assert collectable_split(after, as_of=date(2026, 2, 28)).items[0].disputed == M("357.00 EUR")


def test_dispute_upheld_in_part_credits_the_upheld_part_and_resumes_the_rest() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    record = resolve_dispute(
        books,
        "D1",
        on=date(2026, 3, 1),
        resolution=DisputeResolution.UPHELD_IN_PART,
        upheld=M("100.00 EUR"),
    )
    assert (record.credited, record.resumed, record.open_after) == (
        M("100.00 EUR"),
        M("257.00 EUR"),
        M("852.00 EUR"),
    )
    after = apply_resolution(books, record)
    assert after.open_amount("INV-1", as_of=date(2026, 3, 1)) == M("852.00 EUR")
    assert any("collection resumes" in r for r in record.reasons)


def test_second_dispute_counts_what_the_first_already_holds() -> None:
    books = open_dispute(ledger(), dispute("900.00 EUR"))
    with pytest.raises(DisputeExceedsOpenAmount, match=r"less 900\.00 EUR already disputed"):
        open_dispute(books, dispute("100.00 EUR", did="D2", opened=date(2026, 2, 2)))


# -- bad input ------------------------------------------------------------------------------


def test_dispute_larger_than_the_open_amount_names_document_date_and_field() -> None:
    books = Ledger(
        [
            INVOICE,
            Payment(
                id="P1", customer_id="C1", received_on=date(2026, 1, 20), amount=M("800.00 EUR")
            ),
        ],
        customers=[CUSTOMER],
        movements=[
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=date(2026, 1, 20),
                amount=M("800.00 EUR"),
            )
        ],
    )
    with pytest.raises(
        DisputeExceedsOpenAmount,
        match=(
            r"INV-1 on 2026-02-01: amount: dispute D1 of 200\.00 EUR"
            r" is more than the open amount 152\.00 EUR"
        ),
    ) as info:
        open_dispute(books, dispute("200.00 EUR"))
    assert (info.value.document_id, info.value.field) == ("INV-1", "amount")


def test_dispute_of_an_unknown_line_is_refused() -> None:
    with pytest.raises(InvalidDisputeInput, match="INV-1 on 2026-02-01: line_ids: no line 'L9'"):
        dispute_lines(INVOICE, ["L9"], dispute_id="D1", reason_code="x", opened_on=date(2026, 2, 1))


def test_line_dispute_above_the_lines_gross_is_refused() -> None:
    with pytest.raises(DisputeExceedsOpenAmount, match="more than the disputed lines' gross"):
        dispute_lines(
            INVOICE,
            ["L2"],
            dispute_id="D1",
            reason_code="x",
            opened_on=date(2026, 2, 1),
            amount=M("400.00 EUR"),
        )


def test_dispute_without_lines_is_refused() -> None:
    with pytest.raises(InvalidDisputeInput, match="line_ids: name at least one line"):
        dispute_lines(INVOICE, [], dispute_id="D1", reason_code="x", opened_on=date(2026, 2, 1))


def test_recorded_dispute_naming_a_line_the_invoice_lacks_is_refused() -> None:
    bad = dispute("10.00 EUR").model_copy(update={"line_ids": ("L7",)})
    with pytest.raises(InvalidDisputeInput, match="line_ids: no line 'L7'"):
        open_dispute(ledger(), bad)


def test_upheld_in_part_needs_an_amount_below_the_disputed_one() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    with pytest.raises(InvalidDisputeInput, match="upheld: a dispute upheld in part needs"):
        resolve_dispute(
            books, "D1", on=date(2026, 3, 1), resolution=DisputeResolution.UPHELD_IN_PART
        )


def test_upheld_amount_above_the_dispute_is_refused() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    with pytest.raises(
        DisputeExceedsOpenAmount, match=r"upheld: 400\.00 EUR is more than the disputed"
    ):
        resolve_dispute(
            books,
            "D1",
            on=date(2026, 3, 1),
            resolution=DisputeResolution.CREDIT_MEMO,
            upheld=M("400.00 EUR"),
        )


def test_withdrawn_dispute_with_an_upheld_amount_is_refused() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    with pytest.raises(InvalidDisputeInput, match="a withdrawn dispute credits nothing"):
        resolve_dispute(
            books,
            "D1",
            on=date(2026, 3, 1),
            resolution=DisputeResolution.WITHDRAWN,
            upheld=M("1.00 EUR"),
        )


def test_resolution_before_the_dispute_opened_is_refused() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    with pytest.raises(
        InvalidDisputeInput, match="INV-1 on 2026-01-15: resolved_on: before dispute D1"
    ):
        resolve_dispute(books, "D1", on=date(2026, 1, 15), resolution=DisputeResolution.WITHDRAWN)


def test_resolving_twice_is_refused() -> None:
    books = open_dispute(ledger(), dispute("357.00 EUR"))
    record = resolve_dispute(
        books, "D1", on=date(2026, 3, 1), resolution=DisputeResolution.WITHDRAWN
    )
    after = apply_resolution(books, record)
    with pytest.raises(InvalidDisputeInput, match="already resolved on 2026-03-01"):
        resolve_dispute(after, "D1", on=date(2026, 3, 2), resolution=DisputeResolution.WITHDRAWN)


def test_unknown_dispute_is_refused() -> None:
    with pytest.raises(InvalidDisputeInput, match="dispute 'D9': dispute_id: not recorded"):
        resolve_dispute(ledger(), "D9", on=date(2026, 3, 1), resolution=DisputeResolution.WITHDRAWN)


def test_dispute_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="INV-1 on 2026-02-01: amount: dispute D1 is in USD"):
        open_dispute(ledger(), dispute("10.00 USD"))


def test_dispute_of_a_payment_is_refused() -> None:
    books = Ledger(
        [
            INVOICE,
            Payment(
                id="P1", customer_id="C1", received_on=date(2026, 1, 20), amount=M("10.00 EUR")
            ),
        ],
        customers=[CUSTOMER],
    )
    bad = dispute("1.00 EUR").model_copy(update={"document_id": "P1"})
    with pytest.raises(InvalidDisputeInput, match="P1: document_id: a payment cannot be disputed"):
        open_dispute(books, bad)
