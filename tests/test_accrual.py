"""Interest accrual through partial payments, clearing orders, disputes and waivers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.accrual import (
    CostCharge,
    InterestWaiver,
    PartialPayment,
    PrincipalCredit,
    accrue_from_ledger,
    accrue_interest,
)
from receivables.clearing import BGB_367, BGB_497_3, PRINCIPAL_FIRST
from receivables.errors import CurrencyMismatch
from receivables.interest import (
    DE_BGB_288_B2C,
    InvalidInterestInput,
    ReferenceRate,
    ReferenceRates,
    contractual_rate,
)
from receivables.ledger import Ledger
from receivables.models import Dispute, DisputeResolution
from receivables.money import Money


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


BASISZINS_2012 = ReferenceRates(
    rates=[
        ReferenceRate(
            source="DE_BASISZINSSATZ",
            valid_from=date(2012, 1, 1),
            rate=Decimal("0.12"),
            valid_to=date(2012, 12, 31),
        )
    ]
)
TEN = contractual_rate("10")
START = date(2026, 1, 31)


def pay(pid: str, on: date, amount: str) -> PartialPayment:
    return PartialPayment(id=pid, received_on=on, amount=M(amount))


def test_no_event_reproduces_the_published_consumer_example() -> None:
    """anleiter.de, "Wie berechnet man Verzugszinsen?": EUR 1,000, 25 days at 5.12 %
    (Basiszinssatz 0.12 % + 5 points, BGB § 288(1)): EUR 3.51."""
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=date(2012, 3, 1),
        as_of=date(2012, 3, 26),
        law=DE_BGB_288_B2C,
        rates=BASISZINS_2012,
    )
    assert account.interest == M("3.51 EUR")
    assert [(p.days, p.ended_by) for p in account.periods] == [(25, "as_of")]


def test_partial_payment_starts_a_new_period_on_the_principal_left() -> None:
    """EUR 1,000 at 10 %: 30 days -> 1000 x 10 % x 30/365 = 8.219..., posted 8.22; EUR 500
    paid (§ 367: 8.22 interest, 491.78 principal) leaves 508.22, which earns
    508.22 x 10 % x 30/365 = 4.177... for the next 30 days: cumulative 12.396... -> 12.40."""
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 4, 1),
        law=TEN,
        payments=[pay("P1", date(2026, 3, 2), "500.00 EUR")],
    )
    assert [(p.days, str(p.earning), p.ended_by) for p in account.periods] == [
        (30, "1000.00 EUR", "payment P1"),
        (30, "508.22 EUR", "as_of"),
    ]
    assert account.events[0].interest_posted == M("8.22 EUR")
    assert account.interest_paid == M("8.22 EUR")
    assert account.interest_accrued == M("12.40 EUR")
    assert account.interest == M("4.18 EUR")


def test_principal_first_lowers_the_interest_that_follows() -> None:
    """Same debt, principal first: 500 all on principal, 500 earns 500 x 10 % x 30/365 = 4.11."""
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 4, 1),
        law=TEN,
        order=PRINCIPAL_FIRST,
        payments=[pay("P1", date(2026, 3, 2), "500.00 EUR")],
    )
    assert account.principal == M("500.00 EUR")
    assert account.interest == M("8.22 EUR") + M("4.11 EUR")


def test_interest_stays_a_claim_after_the_principal_is_paid() -> None:
    """Paying exactly the principal under § 367 leaves interest and part of the principal
    open; paying the principal under principal-first leaves the interest as a claim that no
    longer grows (BGB § 289: no interest on interest)."""
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 6, 30),
        law=TEN,
        order=PRINCIPAL_FIRST,
        payments=[pay("P1", date(2026, 3, 2), "1000.00 EUR")],
    )
    assert account.principal == M("0.00 EUR")
    assert account.interest == M("8.22 EUR")
    assert account.periods[-1].earning == M("0.00 EUR")
    assert account.periods[-1].interest_exact == 0


def test_wikipedia_forderungsabrechnung_367_keeps_the_principal_while_497_reduces_it() -> None:
    """de.wikipedia.org "Forderungsabrechnung" (2007): with interest of about 100 a month and
    instalments of 50, under § 367 the instalments never reach the principal and interest
    piles up; under § 497(3) the principal falls by each instalment. EUR 12,000 at 10 %
    earns 12000 x 10 % x 30/365 = 98.63 per 30 days."""
    payments = [
        pay("R1", date(2026, 3, 2), "50.00 EUR"),
        pay("R2", date(2026, 4, 1), "50.00 EUR"),
        pay("R3", date(2026, 5, 1), "50.00 EUR"),
    ]
    kwargs = {"principal": M("12000.00 EUR"), "start": START, "as_of": date(2026, 5, 1)}
    by_367 = accrue_interest("L", law=TEN, order=BGB_367, payments=payments, **kwargs)  # type: ignore[arg-type]
    by_497 = accrue_interest("L", law=TEN, order=BGB_497_3, payments=payments, **kwargs)  # type: ignore[arg-type]
    assert by_367.principal == M("12000.00 EUR")
    assert by_367.interest == M("295.89 EUR") - M("150.00 EUR")
    assert by_497.principal == M("11850.00 EUR")
    assert by_497.interest_paid == M("0.00 EUR")


def test_costs_charged_on_the_payment_day_are_cleared_first() -> None:
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 3, 2),
        law=TEN,
        costs=[CostCharge(id="FEE-1", charged_on=date(2026, 3, 2), amount=M("5.00 EUR"))],
        payments=[pay("P1", date(2026, 3, 2), "10.00 EUR")],
    )
    clearing = account.events[-1].clearing
    assert clearing is not None
    assert [(p.component.value, str(p.amount)) for p in clearing.placements] == [
        ("costs", "5.00 EUR"),
        ("interest", "5.00 EUR"),
    ]
    assert account.costs == M("0.00 EUR")
    assert account.interest == M("3.22 EUR")


def test_waiver_is_a_recorded_decision_that_removes_accrued_interest_only() -> None:
    waiver = InterestWaiver(
        id="W1",
        document_id="INV-1",
        waived_on=date(2026, 3, 2),
        decided_by="J. Doe, credit manager",
        reason="goodwill after a delivery delay",
    )
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 4, 1),
        law=TEN,
        waivers=[waiver],
    )
    assert account.interest_waived == M("8.22 EUR")
    assert account.interest == M("16.44 EUR") - M("8.22 EUR")
    assert "J. Doe, credit manager" in account.events[0].reason


def test_disputed_part_earns_no_interest_until_the_dispute_ends() -> None:
    """EUR 1,000 with EUR 400 disputed from 10 Feb to 2 Mar: 10 days on 1,000, 20 days on
    600, then 30 days on 1,000 again (withdrawn)."""
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="INV-1",
        amount=M("400.00 EUR"),
        reason_code="quality",
        opened_on=date(2026, 2, 10),
        resolved_on=date(2026, 3, 2),
        resolution=DisputeResolution.WITHDRAWN,
    )
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 4, 1),
        law=TEN,
        disputes=[dispute],
    )
    assert [(p.days, str(p.earning)) for p in account.periods] == [
        (10, "1000.00 EUR"),
        (20, "600.00 EUR"),
        (30, "1000.00 EUR"),
    ]
    expected = (Decimal(1000) * 10 + Decimal(600) * 20 + Decimal(1000) * 30) / 10 / 365
    assert account.interest == Money(expected, "EUR").quantize()


def test_credit_on_the_principal_is_not_cleared_as_a_payment() -> None:
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 3, 2),
        law=TEN,
        credits=[PrincipalCredit(id="CM-1", credited_on=date(2026, 3, 2), amount=M("400.00 EUR"))],
    )
    assert account.principal == M("600.00 EUR")
    assert account.interest == M("8.22 EUR")


def test_events_after_as_of_are_not_counted_and_the_reasons_say_so() -> None:
    account = accrue_interest(
        "INV-1",
        principal=M("1000.00 EUR"),
        start=START,
        as_of=date(2026, 3, 2),
        law=TEN,
        payments=[pay("P1", date(2026, 5, 1), "500.00 EUR")],
    )
    assert account.principal == M("1000.00 EUR")
    assert any("after 2026-03-02" in r for r in account.reasons)


def test_rows_list_each_period() -> None:
    account = accrue_interest(
        "INV-1", principal=M("365.00 EUR"), start=START, as_of=date(2026, 2, 10), law=TEN
    )
    assert account.to_rows()[0]["days"] == 10
    assert account.claim(due_date=START, arose_on=date(2026, 1, 1)).interest == M("1.00 EUR")


# -- bad input ------------------------------------------------------------------------------


def test_waiver_larger_than_the_open_interest_names_document_date_and_field() -> None:
    waiver = InterestWaiver(
        id="W1",
        document_id="INV-1",
        waived_on=date(2026, 3, 2),
        amount=M("50.00 EUR"),
        decided_by="x",
        reason="y",
    )
    with pytest.raises(
        InvalidInterestInput, match="INV-1 on 2026-03-02: waivers: waiver W1"
    ) as info:
        accrue_interest(
            "INV-1",
            principal=M("1000.00 EUR"),
            start=START,
            as_of=date(2026, 4, 1),
            law=TEN,
            waivers=[waiver],
        )
    assert info.value.field == "waivers"


def test_waiver_of_another_document_is_refused() -> None:
    waiver = InterestWaiver(
        id="W1", document_id="INV-2", waived_on=START, decided_by="x", reason="y"
    )
    with pytest.raises(InvalidInterestInput, match="waiver W1 is for INV-2"):
        accrue_interest(
            "INV-1", principal=M("1.00 EUR"), start=START, as_of=START, law=TEN, waivers=[waiver]
        )


def test_payment_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match=r"INV-1 on 2026-02-10: payments\[P1\].amount"):
        accrue_interest(
            "INV-1",
            principal=M("1.00 EUR"),
            start=START,
            as_of=date(2026, 3, 1),
            law=TEN,
            payments=[pay("P1", date(2026, 2, 10), "1.00 USD")],
        )


def test_credit_larger_than_the_principal_is_refused() -> None:
    with pytest.raises(
        InvalidInterestInput, match=r"credits: credit CM-1 of 2\.00 EUR is more than"
    ):
        accrue_interest(
            "INV-1",
            principal=M("1.00 EUR"),
            start=START,
            as_of=date(2026, 3, 1),
            law=TEN,
            credits=[
                PrincipalCredit(id="CM-1", credited_on=date(2026, 2, 1), amount=M("2.00 EUR"))
            ],
        )


def test_as_of_before_start_is_refused() -> None:
    with pytest.raises(InvalidInterestInput, match="as_of: 2026-01-01 is before the start"):
        accrue_interest(
            "INV-1", principal=M("1.00 EUR"), start=START, as_of=date(2026, 1, 1), law=TEN
        )


def test_negative_payment_is_refused() -> None:
    with pytest.raises(ValidationError, match="payment P1: amount"):
        pay("P1", START, "-1.00 EUR")


def test_waiver_needs_who_decided() -> None:
    with pytest.raises(ValidationError, match="decided_by"):
        InterestWaiver(id="W1", document_id="INV-1", waived_on=START, decided_by="", reason="y")


def _ledger_with_partial_payments() -> Ledger:
    from receivables.models import Application, CreditMemo, Invoice, Payment

    return Ledger(
        [
            Invoice(
                id="INV-1",
                customer_id="C1",
                issue_date=date(2026, 1, 1),
                due_date=START,
                total=M("1000.00 EUR"),
            ),
            Payment(
                id="P1", customer_id="C1", received_on=date(2026, 3, 2), amount=M("300.00 EUR")
            ),
            Payment(
                id="P2", customer_id="C1", received_on=date(2026, 4, 1), amount=M("200.00 EUR")
            ),
            CreditMemo(
                id="CM1", customer_id="C1", issue_date=date(2026, 3, 20), amount=M("100.00 EUR")
            ),
        ],
        movements=[
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=date(2026, 3, 2),
                amount=M("300.00 EUR"),
            ),
            Application(
                id="A2",
                source_id="P2",
                target_id="INV-1",
                applied_on=date(2026, 4, 1),
                amount=M("200.00 EUR"),
            ),
            Application(
                id="A3",
                source_id="CM1",
                target_id="INV-1",
                applied_on=date(2026, 3, 20),
                amount=M("100.00 EUR"),
            ),
        ],
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="INV-1",
                amount=M("150.00 EUR"),
                reason_code="quality",
                opened_on=date(2026, 2, 10),
            )
        ],
    )


def test_ledger_accrual_principal_first_agrees_with_the_interest_module() -> None:
    """The ledger books all cash on the principal; cleared principal first, the account's
    interest is the interest module's late_payment_interest on the same ledger."""
    from receivables.interest import late_payment_interest

    books = _ledger_with_partial_payments()
    account = accrue_from_ledger(
        books, "INV-1", as_of=date(2026, 5, 1), law=TEN, order=PRINCIPAL_FIRST
    )
    plain = late_payment_interest(books, "INV-1", as_of=date(2026, 5, 1), law=TEN)
    assert account.interest_accrued == plain.interest
    assert account.principal == books.open_amount("INV-1", as_of=date(2026, 5, 1))
    assert [e.kind for e in account.events] == ["payment", "credit", "payment"]


def test_ledger_accrual_under_367_keeps_more_principal_and_earns_more() -> None:
    books = _ledger_with_partial_payments()
    by_367 = accrue_from_ledger(books, "INV-1", as_of=date(2026, 5, 1), law=TEN)
    first = accrue_from_ledger(
        books, "INV-1", as_of=date(2026, 5, 1), law=TEN, order=PRINCIPAL_FIRST
    )
    assert by_367.principal > first.principal
    assert by_367.interest_accrued > first.interest_accrued
    # the cash that paid interest under § 367 is cash that did not reach the principal
    assert by_367.principal == first.principal + by_367.interest_paid
    assert by_367.interest + by_367.interest_paid == by_367.interest_accrued


def test_ledger_accrual_refuses_a_payment_document() -> None:
    books = _ledger_with_partial_payments()
    with pytest.raises(InvalidInterestInput, match="P1: document_id: only invoices"):
        accrue_from_ledger(books, "P1", as_of=date(2026, 5, 1), law=TEN)
