"""Cash application: each matching step, discounts, tolerances, FX, and every refusal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.allocation import (
    AllocationError,
    AllocationPolicy,
    AllocationResult,
    CombinationLimits,
    Tolerance,
    WriteOffRule,
    allocate,
    match_reference,
    normalise_reference,
    remittance_request,
    suggest_matches,
    unapplied_cash,
)
from receivables.errors import DuplicateDocument, MissingRate
from receivables.fx import realised_fx
from receivables.ledger import Ledger, OpenItem
from receivables.models import (
    CreditMemo,
    Customer,
    DebitMemo,
    Invoice,
    Payment,
    RemittanceLine,
)
from receivables.money import FxRate, FxRates, Money
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

A = Money.parse
D = date
ISSUED = D(2026, 3, 2)
PAID = D(2026, 3, 10)


def inv(
    doc_id: str,
    amount: str,
    issued: date = ISSUED,
    terms: str | None = "NET 30",
    customer: str = "C1",
    po: str | None = None,
) -> Invoice:
    return Invoice(
        id=doc_id,
        customer_id=customer,
        issue_date=issued,
        terms=terms,
        total=A(amount),
        po_number=po,
    )


def item(doc: Invoice | DebitMemo | Payment | CreditMemo, open_: str | None = None) -> OpenItem:
    total = doc.amount
    signed = total if isinstance(doc, (Invoice, DebitMemo)) else -total
    return OpenItem(doc, A(open_) if open_ else signed, signed)


def pay(
    amount: str,
    *lines: RemittanceLine,
    received: date = PAID,
    pay_id: str = "PAY-1",
    customer: str | None = "C1",
) -> Payment:
    return Payment(
        id=pay_id, customer_id=customer, received_on=received, amount=A(amount), remittance=lines
    )


def line(ref: str, amount: str, taken: str | None = None) -> RemittanceLine:
    return RemittanceLine(
        reference=ref, amount=A(amount), discount_taken=A(taken) if taken else None
    )


def applied(result: AllocationResult) -> dict[str, tuple[str, str | None, str | None]]:
    return {
        a.target_id: (
            str(a.amount),
            str(a.discount) if a.discount else None,
            str(a.write_off) if a.write_off else None,
        )
        for a in result.applications
    }


FIFO = AllocationPolicy(steps=("oldest_first",))

# -- references --------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["INV-000123", "inv 123", "123", " Inv-0123 ", "invoice no. 123"])
def test_mangled_references_find_the_invoice(ref: str) -> None:
    docs = [inv("INV-000123", "10.00 USD"), inv("INV-000124", "10.00 USD")]
    assert match_reference(ref, docs).document_id == "INV-000123"


def test_reference_numbers_ignore_case_spaces_punctuation_and_leading_zeros() -> None:
    assert normalise_reference("inv - 000 123") == ("INV", "123")
    assert normalise_reference("000") == ("", "0")


def test_own_prefix_beats_another_document_with_the_same_number() -> None:
    docs = [inv("INV-123", "10.00 USD"), inv("DM-123", "5.00 USD")]
    assert match_reference("inv 0123", docs).document_id == "INV-123"


def test_number_alone_shared_by_two_documents_is_ambiguous_not_guessed() -> None:
    docs = [inv("INV-123", "10.00 USD"), inv("DM-123", "5.00 USD")]
    m = match_reference("123", docs)
    assert m.document_id is None
    assert m.candidates == ("DM-123", "INV-123")
    assert "ambiguous" in m.reason


def test_purchase_order_number_matches_when_unique() -> None:
    docs = [inv("INV-1", "10.00 USD", po="PO-7781"), inv("INV-2", "10.00 USD", po="PO-9")]
    m = match_reference("po 7781", docs)
    assert (m.document_id, m.level) == ("INV-1", "po")


def test_unknown_prefix_does_not_match_a_number() -> None:
    docs = [inv("INV-123", "10.00 USD")]
    assert match_reference("ORDER 123", docs).document_id is None


# -- remittance step ---------------------------------------------------------------------


def test_remittance_lines_apply_stated_amounts_to_named_documents() -> None:
    docs = [inv("INV-000123", "400.00 USD"), inv("INV-000124", "300.00 USD")]
    p = pay("500.00 USD", line("inv 123", "400.00 USD"), line("124", "100.00 USD"))
    r = allocate(p, [item(d) for d in docs], as_of=PAID)
    assert applied(r) == {
        "INV-000123": ("400.00 USD", None, None),
        "INV-000124": ("100.00 USD", None, None),
    }
    assert r.outcome == "fully_applied"
    assert r.left_open == ("INV-000124",)
    assert {d.reference for d in r.decisions if d.action == "applied"} == {"inv 123", "124"}


def test_unmatched_remittance_line_leaves_its_cash_on_account() -> None:
    docs = [inv("INV-1", "400.00 USD"), inv("INV-2", "100.00 USD")]
    p = pay("500.00 USD", line("INV-1", "400.00 USD"), line("INV-99", "100.00 USD"))
    r = allocate(p, [item(d) for d in docs], as_of=PAID)
    assert applied(r) == {"INV-1": ("400.00 USD", None, None)}
    assert r.unapplied == A("100.00 USD")
    assert r.outcome == "partly_applied"
    assert [d.action for d in r.decisions if d.step == "remittance"] == [
        "no_match",
        "applied",
        "left_unapplied",
    ]


def test_ambiguous_remittance_reference_applies_nothing() -> None:
    docs = [inv("INV-123", "100.00 USD"), inv("DM-123", "100.00 USD")]
    r = allocate(pay("100.00 USD", line("123", "100.00 USD")), [item(d) for d in docs], as_of=PAID)
    assert r.applications == ()
    assert r.outcome == "no_unique_match"
    assert r.candidate_sets == (("DM-123",), ("INV-123",))


def test_remittance_discount_taken_within_terms_is_granted() -> None:
    """2/10 NET 30 on 1000.00 issued 2 March, paid 10 March: 980.00 + 20.00 discount."""
    doc = inv("INV-1", "1000.00 USD", terms="2/10 NET 30")
    r = allocate(
        pay("980.00 USD", line("INV-1", "980.00 USD", "20.00 USD")), [item(doc)], as_of=PAID
    )
    assert applied(r) == {"INV-1": ("980.00 USD", "20.00 USD", None)}
    assert r.discounts[0].late is False
    assert r.left_open == ()


def test_late_discount_is_not_granted_and_the_difference_stays_open() -> None:
    """Deadline 12 March; paid 15 March: the 20.00 taken is unearned."""
    doc = inv("INV-1", "1000.00 USD", terms="2/10 NET 30")
    p = pay("980.00 USD", line("INV-1", "980.00 USD", "20.00 USD"), received=D(2026, 3, 15))
    r = allocate(p, [item(doc)], as_of=D(2026, 3, 15))
    assert applied(r) == {"INV-1": ("980.00 USD", None, None)}
    assert r.left_open == ("INV-1",)


def test_late_discount_is_honoured_within_the_grace_days() -> None:
    doc = inv("INV-1", "1000.00 USD", terms="2/10 NET 30")
    p = pay("980.00 USD", line("INV-1", "980.00 USD", "20.00 USD"), received=D(2026, 3, 15))
    policy = AllocationPolicy(honour_late_discount=True, discount_grace_days=5)
    r = allocate(p, [item(doc)], as_of=D(2026, 3, 15), policy=policy)
    assert applied(r) == {"INV-1": ("980.00 USD", "20.00 USD", None)}
    assert r.discounts[0].late is True


def test_grace_days_do_nothing_unless_late_discounts_are_honoured() -> None:
    doc = inv("INV-1", "1000.00 USD", terms="2/10 NET 30")
    p = pay("980.00 USD", line("INV-1", "980.00 USD", "20.00 USD"), received=D(2026, 3, 15))
    policy = AllocationPolicy(discount_grace_days=5)
    r = allocate(p, [item(doc)], as_of=D(2026, 3, 15), policy=policy)
    assert r.discounts == ()


def test_unearned_discount_within_a_write_off_rule_is_written_off_with_its_code() -> None:
    doc = inv("INV-1", "1000.00 USD", terms="2/10 NET 30")
    p = pay("980.00 USD", line("INV-1", "980.00 USD", "20.00 USD"), received=D(2026, 3, 15))
    rule = WriteOffRule(reason_code="UNEARNED_DISC", amounts=(A("25.00 USD"),))
    r = allocate(
        p, [item(doc)], as_of=D(2026, 3, 15), policy=AllocationPolicy(write_off_rules=(rule,))
    )
    assert applied(r) == {"INV-1": ("980.00 USD", None, "20.00 USD")}
    assert r.write_offs[0].reason_code == "UNEARNED_DISC"
    assert "UNEARNED_DISC" in (r.applications[0].reason or "")


def test_remittance_overpayment_of_a_line_becomes_unapplied_cash() -> None:
    doc = inv("INV-1", "300.00 USD")
    r = allocate(pay("350.00 USD", line("INV-1", "350.00 USD")), [item(doc)], as_of=PAID)
    assert applied(r) == {"INV-1": ("300.00 USD", None, None)}
    assert r.unapplied == A("50.00 USD")


def test_lines_naming_one_document_twice_are_added_together() -> None:
    doc = inv("INV-7", "300.00 USD")
    p = pay("300.00 USD", line("INV-7", "200.00 USD"), line("7", "100.00 USD"))
    r = allocate(p, [item(doc)], as_of=PAID)
    assert applied(r) == {"INV-7": ("300.00 USD", None, None)}


def test_without_stop_after_remittance_the_rest_goes_to_later_steps() -> None:
    docs = [inv("INV-1", "400.00 USD"), inv("INV-2", "100.00 USD", issued=D(2026, 3, 3))]
    p = pay("500.00 USD", line("INV-1", "400.00 USD"))
    policy = AllocationPolicy(steps=("remittance", "exact"), stop_after_remittance=False)
    r = allocate(p, [item(d) for d in docs], as_of=PAID, policy=policy)
    assert set(applied(r)) == {"INV-1", "INV-2"}
    assert r.outcome == "fully_applied"


# -- exact and combination ---------------------------------------------------------------


def test_exact_match_net_of_an_earned_discount() -> None:
    docs = [inv("INV-1", "1000.00 USD", terms="2/10 NET 30"), inv("INV-2", "500.00 USD")]
    r = allocate(pay("980.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert applied(r) == {"INV-1": ("980.00 USD", "20.00 USD", None)}
    assert r.outcome == "fully_applied"
    assert r.decisions[-1].step == "exact"


def test_exact_match_gross_when_the_customer_did_not_take_the_discount() -> None:
    docs = [inv("INV-1", "1000.00 USD", terms="2/10 NET 30")]
    r = allocate(pay("1000.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert applied(r) == {"INV-1": ("1000.00 USD", None, None)}


def test_two_equal_items_of_the_same_date_tie_and_nothing_is_applied() -> None:
    docs = [inv("INV-1", "250.00 USD"), inv("INV-2", "250.00 USD")]
    r = allocate(pay("250.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert r.outcome == "no_unique_match"
    assert r.applications == ()
    assert r.candidate_sets == (("INV-1",), ("INV-2",))
    assert r.unapplied == A("250.00 USD")


def test_of_two_equal_items_the_older_is_chosen() -> None:
    docs = [inv("INV-2", "250.00 USD", issued=D(2026, 3, 3)), inv("INV-1", "250.00 USD")]
    r = allocate(pay("250.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"INV-1"}


def test_combination_finds_the_set_that_sums_to_the_payment() -> None:
    amounts = ["120.00", "75.50", "310.25", "42.00", "99.99", "18.01"]
    docs = [inv(f"INV-{i}", f"{a} USD") for i, a in enumerate(amounts)]
    r = allocate(pay("135.51 USD"), [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"INV-1", "INV-3", "INV-5"}
    assert r.outcome == "fully_applied"
    assert r.decisions[-1].step == "combination"


def test_combination_prefers_fewest_items() -> None:
    """300 = 100 + 200 (two items) = 50 + 100 + 150 (three); the pair wins."""
    docs = [
        inv("A", "50.00 USD"),
        inv("B", "100.00 USD"),
        inv("C", "150.00 USD"),
        inv("E", "200.00 USD", issued=D(2026, 3, 5)),
    ]
    r = allocate(pay("300.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"B", "E"}


def test_combination_prefers_the_oldest_set_of_the_same_size() -> None:
    """300 = 100 + 200 (March 5) = 120 + 180 (March 1): the set holding the oldest wins."""
    docs = [
        inv("A", "100.00 USD", issued=D(2026, 3, 2)),
        inv("B", "200.00 USD", issued=D(2026, 3, 5)),
        inv("C", "120.00 USD", issued=D(2026, 3, 1)),
        inv("E", "180.00 USD", issued=D(2026, 3, 6)),
    ]
    r = allocate(pay("300.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"C", "E"}


def test_tied_combinations_give_no_unique_match_with_the_sets_listed() -> None:
    docs = [
        inv("A", "100.00 USD"),
        inv("B", "200.00 USD"),
        inv("C", "120.00 USD"),
        inv("E", "180.00 USD"),
    ]
    r = allocate(pay("300.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert r.outcome == "no_unique_match"
    assert r.applications == ()
    assert set(r.candidate_sets) == {("A", "B"), ("C", "E")}
    assert "none chosen" in r.explain()


def test_equal_amounts_take_the_oldest_and_do_not_blow_up_the_search() -> None:
    """300 invoices of 100.00 on distinct dates; a payment of 300.00 takes the three oldest."""
    docs = [
        inv(f"I{i:03d}", "100.00 USD", issued=D(2025, 1, 1) + timedelta(days=i)) for i in range(300)
    ]
    policy = AllocationPolicy(steps=("combination",), combination=CombinationLimits(max_nodes=500))
    r = allocate(pay("300.00 USD"), [item(d) for d in docs], as_of=PAID, policy=policy)
    assert set(applied(r)) == {"I000", "I001", "I002"}


def test_exhausted_search_budget_chooses_nothing_and_says_so() -> None:
    docs = [inv(f"I{i}", f"{100 + i * 7}.{i:02d} USD") for i in range(40)]
    policy = AllocationPolicy(
        steps=("combination",), combination=CombinationLimits(max_nodes=50, max_set_size=6)
    )
    r = allocate(pay("1234.57 USD"), [item(d) for d in docs], as_of=PAID, policy=policy)
    assert r.outcome == "unapplied"
    assert r.decisions[-1].action == "budget_exhausted"


def test_short_payment_within_tolerance_is_written_off_under_the_rule() -> None:
    doc = inv("INV-1", "1000.00 USD")
    policy = AllocationPolicy(
        tolerance=Tolerance(amounts=(A("10.00 USD"),)),
        write_off_rules=(WriteOffRule(reason_code="SHORT_PAY", amounts=(A("10.00 USD"),)),),
    )
    r = allocate(pay("995.00 USD"), [item(doc)], as_of=PAID, policy=policy)
    assert applied(r) == {"INV-1": ("995.00 USD", None, "5.00 USD")}
    assert r.write_off_total == {"USD": A("5.00 USD")}
    assert r.left_open == ()


def test_short_payment_within_tolerance_without_a_rule_leaves_the_rest_open() -> None:
    doc = inv("INV-1", "1000.00 USD")
    policy = AllocationPolicy(tolerance=Tolerance(percent=Decimal("1")))
    r = allocate(pay("995.00 USD"), [item(doc)], as_of=PAID, policy=policy)
    assert applied(r) == {"INV-1": ("995.00 USD", None, None)}
    assert r.left_open == ("INV-1",)


def test_small_overpayment_within_tolerance_matches_and_the_surplus_is_unapplied() -> None:
    doc = inv("INV-1", "1000.00 USD")
    policy = AllocationPolicy(tolerance=Tolerance(amounts=(A("10.00 USD"),)))
    r = allocate(pay("1004.00 USD"), [item(doc)], as_of=PAID, policy=policy)
    assert applied(r) == {"INV-1": ("1000.00 USD", None, None)}
    assert r.unapplied == A("4.00 USD")
    assert r.outcome == "partly_applied"


def test_no_match_leaves_the_payment_unapplied_by_default() -> None:
    docs = [inv("INV-1", "100.00 USD"), inv("INV-2", "200.00 USD")]
    r = allocate(pay("150.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert r.outcome == "unapplied"
    assert r.unapplied == A("150.00 USD")


# -- by rule -----------------------------------------------------------------------------


def test_oldest_first_pays_in_issue_order_and_part_pays_the_last() -> None:
    docs = [
        inv("INV-2", "200.00 USD", issued=D(2026, 2, 1)),
        inv("INV-1", "100.00 USD", issued=D(2026, 1, 15)),
        inv("INV-3", "300.00 USD", issued=D(2026, 2, 20)),
    ]
    r = allocate(pay("350.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO)
    assert applied(r) == {
        "INV-1": ("100.00 USD", None, None),
        "INV-2": ("200.00 USD", None, None),
        "INV-3": ("50.00 USD", None, None),
    }
    assert r.left_open == ("INV-3",)


def test_due_date_order_differs_from_issue_order() -> None:
    docs = [
        inv("OLD", "100.00 USD", issued=D(2026, 1, 1), terms="NET 60"),
        inv("NEW", "100.00 USD", issued=D(2026, 1, 20), terms="NET 10"),
    ]
    by_due = allocate(
        pay("100.00 USD"),
        [item(d) for d in docs],
        as_of=PAID,
        policy=AllocationPolicy(steps=("due_date",)),
    )
    by_age = allocate(pay("100.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO)
    assert set(applied(by_due)) == {"NEW"}
    assert set(applied(by_age)) == {"OLD"}


def test_fifo_surplus_after_every_item_is_unapplied_cash() -> None:
    docs = [inv("INV-1", "100.00 USD")]
    r = allocate(pay("130.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO)
    assert r.unapplied == A("30.00 USD")


def test_fifo_grants_earned_discounts() -> None:
    docs = [inv("INV-1", "1000.00 USD", terms="2/10 NET 30"), inv("INV-2", "100.00 USD")]
    r = allocate(pay("1080.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO)
    assert applied(r) == {
        "INV-1": ("980.00 USD", "20.00 USD", None),
        "INV-2": ("100.00 USD", None, None),
    }


def test_pro_rata_shares_the_cash_by_largest_remainder() -> None:
    docs = [inv("A", "100.00 USD"), inv("B", "100.00 USD"), inv("C", "100.00 USD")]
    r = allocate(
        pay("100.00 USD"),
        [item(d) for d in docs],
        as_of=PAID,
        policy=AllocationPolicy(steps=("pro_rata",)),
    )
    assert applied(r) == {
        "A": ("33.34 USD", None, None),
        "B": ("33.33 USD", None, None),
        "C": ("33.33 USD", None, None),
    }
    assert r.unapplied == A("0.00 USD")


def test_pro_rata_in_proportion_to_open_amounts() -> None:
    docs = [inv("A", "300.00 USD"), inv("B", "100.00 USD")]
    r = allocate(
        pay("200.00 USD"),
        [item(d) for d in docs],
        as_of=PAID,
        policy=AllocationPolicy(steps=("pro_rata",)),
    )
    assert applied(r) == {"A": ("150.00 USD", None, None), "B": ("50.00 USD", None, None)}


# -- discounts on instalments, debit memos ----------------------------------------------


def test_instalment_discount_on_the_open_instalment() -> None:
    """50% 30 DAYS (2/10), 50% 60 DAYS on 1000.00: paying both by day 10 earns 2% of 500."""
    doc = inv("INV-1", "1000.00 USD", terms="50% 30 DAYS (2/10), 50% 60 DAYS")
    r = allocate(pay("990.00 USD"), [item(doc)], as_of=PAID)
    assert applied(r) == {"INV-1": ("990.00 USD", "10.00 USD", None)}


def test_debit_memo_is_a_target_too() -> None:
    dm = DebitMemo(id="DM-5", customer_id="C1", issue_date=ISSUED, total=A("35.00 USD"))
    r = allocate(pay("35.00 USD"), [item(dm)], as_of=PAID)
    assert set(applied(r)) == {"DM-5"}


# -- FX ----------------------------------------------------------------------------------

RATES = FxRates(
    rates=[
        FxRate(base="EUR", quote="USD", on=D(2026, 1, 10), rate=Decimal("1.10")),
        FxRate(base="EUR", quote="USD", on=D(2026, 2, 1), rate=Decimal("1.12")),
    ]
)


def test_payment_in_another_currency_converts_and_reports_realised_fx() -> None:
    """EUR 1000.00 booked at 1.10 (USD 1100.00), paid USD 1120.00 at 1.12: gain USD 20.00."""
    doc = inv("INV-EU", "1000.00 EUR", issued=D(2026, 1, 10))
    p = pay("1120.00 USD", received=D(2026, 2, 5))
    r = allocate(p, [item(doc)], as_of=D(2026, 2, 5), rates=RATES)
    app = r.applications[0]
    assert (app.amount, app.source_amount) == (A("1000.00 EUR"), A("1120.00 USD"))
    fx = r.realised_fx[0]
    assert (fx.at_issue_rate, fx.at_payment_rate, fx.difference) == (
        A("1100.00 USD"),
        A("1120.00 USD"),
        A("20.00 USD"),
    )
    assert r.unapplied == A("0.00 USD")


def _fx_agreement_case(
    total: str, paid: str, *, terms: str | None = None, policy: AllocationPolicy = FIFO
) -> tuple[AllocationResult, Ledger, FxRates]:
    rates = FxRates(
        rates=[
            FxRate(base="EUR", quote="USD", on=D(2026, 1, 10), rate=Decimal("1.1037")),
            FxRate(base="EUR", quote="USD", on=D(2026, 2, 5), rate=Decimal("1.1271")),
        ]
    )
    doc = inv("INV-EU", total, issued=D(2026, 1, 10), terms=terms)
    p = pay(paid, received=D(2026, 2, 5))
    ledger = Ledger([doc, p], functional_currency="USD")
    items = ledger.open_items(as_of=D(2026, 2, 5), customer_id="C1", include_credits=False)
    result = allocate(p, items, as_of=D(2026, 2, 5), rates=rates, policy=policy)
    return result, result.apply_to(ledger), rates


def test_realised_fx_of_a_part_payment_counts_all_the_cash_it_used() -> None:
    """EUR 10.01 booked at 1.1037 (USD 11.05), USD 3.33 paid at 1.1271 settles EUR 2.95
    (3.33 / 1.1271 = 2.9545, rounded down) and leaves EUR 7.06 carried at USD 7.79.

    Released: 11.05 - 7.79 = 3.26; received: the 3.33 USD the payment gave up; gain 0.07.
    (Valuing the settled part again, round(2.95 x 1.1271) = 3.32, would have lost a cent
    that the payment did spend, and disagreed with fx.realised_fx on the posted ledger.)
    """
    result, posted, rates = _fx_agreement_case("10.01 EUR", "3.33 USD")
    (fx,) = result.realised_fx
    assert (fx.settled, fx.at_payment_rate, fx.at_issue_rate, fx.difference) == (
        A("2.95 EUR"),
        A("3.33 USD"),
        A("3.26 USD"),
        A("0.07 USD"),
    )
    (booked,) = realised_fx(posted, rates=rates, as_of=D(2026, 2, 28))
    assert (booked.currency, booked.gain) == ("USD", fx.difference)


def test_realised_fx_with_a_discount_agrees_with_the_ledger_view() -> None:
    """EUR 1,000.00 on 2/30 NET 60 paid USD 1,104.56 (EUR 980.00 at 1.1271) with EUR 20.00
    discount: received 1,104.56 + round(20 x 1.1271 = 22.542) = 1,127.10; released 1,103.70
    (1,000 x 1.1037); gain 23.40 in allocation and in fx's functional view alike."""
    result, posted, rates = _fx_agreement_case("1000.00 EUR", "1104.56 USD", terms="2/30 NET 60")
    (fx,) = result.realised_fx
    (booked,) = realised_fx(posted, rates=rates, as_of=D(2026, 2, 28), view="functional")
    assert (fx.at_payment_rate, fx.at_issue_rate, fx.difference) == (
        A("1127.10 USD"),
        A("1103.70 USD"),
        A("23.40 USD"),
    )
    assert (booked.settled_value, booked.carrying_released, booked.gain) == (
        fx.at_payment_rate,
        fx.at_issue_rate,
        fx.difference,
    )


def test_realised_fx_differs_from_the_books_when_the_invoice_has_a_booked_rate() -> None:
    """By design: allocation knows only the rate table (issue date 1.10: USD 1,100.00); the
    ledger carries the invoice at its own functional_rate 1.09 (USD 1,090.00). Paid USD
    1,120.00: allocation says 20.00, fx.realised_fx (the books) says 30.00."""
    rates = FxRates(
        rates=[
            FxRate(base="EUR", quote="USD", on=D(2026, 1, 10), rate=Decimal("1.10")),
            FxRate(base="EUR", quote="USD", on=D(2026, 2, 5), rate=Decimal("1.12")),
        ]
    )
    doc = inv("INV-EU", "1000.00 EUR", issued=D(2026, 1, 10)).model_copy(
        update={"functional_rate": Decimal("1.09")}
    )
    p = pay("1120.00 USD", received=D(2026, 2, 5))
    ledger = Ledger([doc, p], functional_currency="USD")
    result = allocate(p, [item(doc)], as_of=D(2026, 2, 5), rates=rates)
    (booked,) = realised_fx(result.apply_to(ledger), rates=rates, as_of=D(2026, 2, 28))
    assert (result.realised_fx[0].difference, booked.gain) == (A("20.00 USD"), A("30.00 USD"))


def test_part_payment_in_another_currency_uses_all_its_cash() -> None:
    doc = inv("INV-EU", "1000.00 EUR", issued=D(2026, 1, 10))
    p = pay("560.00 USD", received=D(2026, 2, 5))
    r = allocate(p, [item(doc)], as_of=D(2026, 2, 5), rates=RATES, policy=FIFO)
    app = r.applications[0]
    assert (app.amount, app.source_amount) == (A("500.00 EUR"), A("560.00 USD"))


def test_foreign_item_without_rates_is_skipped_with_the_reason() -> None:
    docs = [inv("INV-EU", "1000.00 EUR"), inv("INV-US", "50.00 USD")]
    r = allocate(pay("50.00 USD"), [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"INV-US"}
    skipped = [d for d in r.decisions if d.action == "skipped"]
    assert skipped[0].document_id == "INV-EU"
    assert "no FxRates" in skipped[0].reason


def test_missing_rate_raises_when_the_policy_says_so() -> None:
    doc = inv("INV-EU", "1000.00 EUR")
    with pytest.raises(MissingRate, match="EUR->USD"):
        allocate(
            pay("50.00 USD"),
            [item(doc)],
            as_of=PAID,
            rates=FxRates(),
            policy=AllocationPolicy(on_missing_rate="raise"),
        )


# -- credit memos ------------------------------------------------------------------------


def test_credit_memo_applies_to_its_linked_document_without_discount() -> None:
    docs = [inv("INV-1", "100.00 USD", terms="2/10 NET 30"), inv("INV-2", "40.00 USD")]
    memo = CreditMemo(
        id="CM-1",
        customer_id="C1",
        issue_date=PAID,
        amount=A("40.00 USD"),
        linked_document_id="INV-1",
    )
    r = allocate(memo, [item(d) for d in docs], as_of=PAID)
    assert applied(r) == {"INV-1": ("40.00 USD", None, None)}
    assert r.discounts == ()


def test_credit_memo_without_link_matches_by_amount() -> None:
    docs = [inv("INV-1", "100.00 USD"), inv("INV-2", "40.00 USD")]
    memo = CreditMemo(id="CM-1", customer_id="C1", issue_date=PAID, amount=A("40.00 USD"))
    r = allocate(memo, [item(d) for d in docs], as_of=PAID)
    assert set(applied(r)) == {"INV-2"}


# -- the ledger --------------------------------------------------------------------------


def test_apply_to_posts_the_result_once_and_a_replay_changes_nothing() -> None:
    p = pay("300.00 USD")
    ledger = Ledger([inv("INV-1", "100.00 USD"), inv("INV-2", "200.00 USD"), p])
    items = ledger.open_items(as_of=PAID, customer_id="C1", include_credits=False)
    r = allocate(p, items, as_of=PAID)
    posted = r.apply_to(ledger)
    assert posted.balance("C1", as_of=PAID) == A("0.00 USD")
    assert r.apply_to(posted) == posted


def test_application_ids_are_derived_from_payment_document_and_date() -> None:
    r = allocate(pay("100.00 USD"), [item(inv("INV-1", "100.00 USD"))], as_of=PAID)
    assert r.applications[0].id == "PAY-1>INV-1@2026-03-10"


def test_available_allocates_only_the_unapplied_part_of_a_payment() -> None:
    r = allocate(
        pay("500.00 USD"), [item(inv("INV-1", "100.00 USD"))], as_of=PAID, available=A("100.00 USD")
    )
    assert r.amount == A("100.00 USD")
    assert r.outcome == "fully_applied"


# -- bad input ---------------------------------------------------------------------------


def test_zero_or_negative_payment_is_refused_by_the_model() -> None:
    with pytest.raises(ValidationError, match="must be positive"):
        pay("0.00 USD")
    with pytest.raises(ValidationError, match="must be positive"):
        pay("-5.00 USD")


def test_unidentified_cash_is_refused() -> None:
    with pytest.raises(AllocationError, match="PAY-1: customer_id: unidentified"):
        allocate(pay("10.00 USD", customer=None), [], as_of=PAID)


def test_as_of_before_the_payment_is_refused() -> None:
    with pytest.raises(AllocationError, match="as_of: 2026-03-09 is before"):
        allocate(pay("10.00 USD"), [], as_of=D(2026, 3, 9))


@pytest.mark.parametrize("available", ["0.00 USD", "600.00 USD", "10.00 EUR"])
def test_available_must_be_positive_same_currency_and_within_the_payment(available: str) -> None:
    with pytest.raises(AllocationError, match="available"):
        allocate(pay("500.00 USD"), [], as_of=PAID, available=A(available))


def test_items_of_another_customer_and_credits_are_skipped_with_reasons() -> None:
    other = inv("INV-X", "100.00 USD", customer="C2")
    credit = pay("100.00 USD", pay_id="PAY-0", received=ISSUED)
    r = allocate(pay("100.00 USD"), [item(other), item(credit)], as_of=PAID, policy=FIFO)
    assert r.applications == ()
    reasons = {d.document_id: d.reason for d in r.decisions if d.action == "skipped"}
    assert "belongs to customer C2" in reasons["INV-X"]
    assert "credit" in reasons["PAY-0"]


def test_items_issued_after_as_of_are_skipped() -> None:
    later = inv("INV-L", "100.00 USD", issued=D(2026, 4, 1))
    r = allocate(pay("100.00 USD"), [item(later)], as_of=PAID, policy=FIFO)
    assert r.applications == ()


def test_one_id_with_two_open_amounts_is_refused() -> None:
    doc = inv("INV-1", "100.00 USD")
    with pytest.raises(DuplicateDocument, match="INV-1"):
        allocate(pay("10.00 USD"), [item(doc), item(doc, "50.00 USD")], as_of=PAID)


def test_the_same_item_twice_counts_once() -> None:
    doc = inv("INV-1", "100.00 USD")
    r = allocate(pay("200.00 USD"), [item(doc), item(doc)], as_of=PAID, policy=FIFO)
    assert applied(r) == {"INV-1": ("100.00 USD", None, None)}


def test_a_result_that_does_not_conserve_cash_cannot_be_built() -> None:
    with pytest.raises(ValidationError, match="does not conserve"):
        AllocationResult(
            payment_id="P",
            customer_id="C1",
            as_of=PAID,
            amount=A("10.00 USD"),
            applications=(),
            unapplied=A("9.99 USD"),
            outcome="unapplied",
        )


def test_policy_refuses_empty_or_repeated_steps() -> None:
    with pytest.raises(ValidationError, match="at least one step"):
        AllocationPolicy(steps=())
    with pytest.raises(ValidationError, match="must not repeat"):
        AllocationPolicy(steps=("exact", "exact"))


def test_tolerance_refuses_two_amounts_in_one_currency() -> None:
    with pytest.raises(ValidationError, match="one per currency"):
        Tolerance(amounts=(A("1.00 USD"), A("2.00 USD")))


def test_policy_refuses_float_percent() -> None:
    with pytest.raises(ValidationError, match="float"):
        Tolerance(percent=0.5)  # type: ignore[arg-type]


def test_policy_round_trips_through_json() -> None:
    policy = AllocationPolicy(
        steps=("remittance", "combination", "due_date"),
        tolerance=Tolerance(amounts=(A("1.00 USD"), A("100 JPY")), percent=Decimal("0.5")),
        write_off_rules=(WriteOffRule(reason_code="SMALL", amounts=(A("5.00 EUR"),)),),
    )
    assert AllocationPolicy.model_validate_json(policy.model_dump_json()) == policy


# -- reporting ---------------------------------------------------------------------------


def test_explain_names_each_decision_and_what_is_left_open() -> None:
    docs = [inv("INV-1", "100.00 USD"), inv("INV-2", "200.00 USD")]
    r = allocate(pay("150.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO)
    text = r.explain()
    assert "[oldest_first] applied INV-1" in text
    assert "Left open: INV-2" in text


def test_to_rows_has_one_row_per_application_and_the_unapplied_rest() -> None:
    docs = [inv("INV-1", "100.00 USD")]
    rows = allocate(pay("150.00 USD"), [item(d) for d in docs], as_of=PAID, policy=FIFO).to_rows()
    assert [(r["document_id"], r["cash"]) for r in rows] == [("INV-1", "100.00"), (None, "50.00")]


# -- unapplied cash ----------------------------------------------------------------------


def _book() -> Ledger:
    return Ledger(
        [
            pay("75.00 USD", pay_id="P1", received=D(2026, 2, 1)),
            pay("40.00 USD", pay_id="P2", received=D(2026, 2, 2)),
            inv("I7", "75.00 USD", issued=D(2026, 2, 3)),
            inv("I8", "40.00 USD", issued=D(2026, 2, 4)),
            inv("I9", "60.00 USD", issued=D(2026, 2, 4)),
        ],
        customers=[Customer(id="C1", name="Acme Ltd", currency="USD")],
    )


def test_unapplied_cash_lists_payments_oldest_first_with_totals() -> None:
    report = unapplied_cash(_book(), as_of=D(2026, 2, 11))
    assert [(i.document_id, str(i.unapplied), i.age_days) for i in report.items] == [
        ("P1", "75.00 USD", 10),
        ("P2", "40.00 USD", 9),
    ]
    assert report.totals == {"USD": A("115.00 USD")}
    assert report.to_rows()[0]["unapplied"] == "75.00"


def test_suggest_matches_proposes_allocations_that_post_together() -> None:
    ledger = _book()
    results = suggest_matches(ledger, as_of=D(2026, 2, 11))
    assert [(r.payment_id, tuple(applied(r))) for r in results] == [
        ("P1", ("I7",)),
        ("P2", ("I8",)),
    ]
    for r in results:
        ledger = r.apply_to(ledger)
    assert unapplied_cash(ledger, as_of=D(2026, 2, 11)).items == ()


def test_suggest_matches_never_offers_one_invoice_to_two_payments() -> None:
    ledger = Ledger(
        [
            pay("75.00 USD", pay_id="P1", received=D(2026, 2, 1)),
            pay("75.00 USD", pay_id="P2", received=D(2026, 2, 2)),
            inv("I7", "75.00 USD", issued=D(2026, 2, 3)),
        ]
    )
    results = suggest_matches(ledger, as_of=D(2026, 2, 11))
    assert [r.payment_id for r in results] == ["P1"]


def test_suggest_matches_uses_remittance_advice_that_arrived_later() -> None:
    ledger = _book()
    advice = {"P2": [line("I9", "40.00 USD")]}
    results = suggest_matches(ledger, as_of=D(2026, 2, 11), remittance=advice)
    by_payment = {r.payment_id: applied(r) for r in results}
    assert by_payment["P2"] == {"I9": ("40.00 USD", None, None)}


def test_remittance_request_lists_open_items_and_tied_sets() -> None:
    ledger = Ledger(
        [
            inv("I1", "50.00 USD"),
            inv("I2", "50.00 USD"),
            Payment(
                id="P1",
                customer_id="C1",
                received_on=PAID,
                amount=A("50.00 USD"),
                bank_reference="WIRE 881",
            ),
        ],
        customers=[Customer(id="C1", name="Acme Ltd", currency="USD")],
    )
    req = remittance_request(ledger, "P1", as_of=PAID)
    assert req.candidate_sets == (("I1",), ("I2",))
    assert [i.document_id for i in req.open_items] == ["I1", "I2"]
    assert req.message.startswith("Dear Acme Ltd,")
    assert "WIRE 881" in req.message
    assert "I1 of 2026-03-02, due 2026-04-01: 50.00 USD open" in req.message


def test_remittance_request_for_fully_applied_cash_is_refused() -> None:
    p = pay("100.00 USD")
    ledger = Ledger([inv("INV-1", "100.00 USD"), p])
    ledger = allocate(p, [item(inv("INV-1", "100.00 USD"))], as_of=PAID).apply_to(ledger)
    with pytest.raises(AllocationError, match="nothing is unapplied"):
        remittance_request(ledger, "PAY-1", as_of=PAID)


def test_remittance_request_is_for_payments_only() -> None:
    memo = CreditMemo(id="CM-1", customer_id="C1", issue_date=PAID, amount=A("10.00 USD"))
    ledger = Ledger([inv("INV-1", "100.00 USD"), memo])
    with pytest.raises(AllocationError, match="CM-1: payment_id: remittance advice is asked"):
        remittance_request(ledger, "CM-1", as_of=PAID)


def test_credit_memo_decision_names_its_link() -> None:
    memo = CreditMemo(
        id="CM-1", customer_id="C1", issue_date=PAID, amount=A("10.00 USD"), linked_document_id="I1"
    )
    r = allocate(memo, [item(inv("I1", "100.00 USD"))], as_of=PAID)
    assert r.decisions[-1].reason.startswith("credit memo linked to I1")


def test_sample_ledger_unapplied_cash_suggestions_post_together() -> None:
    ledger = sample_ledger()
    before = unapplied_cash(ledger, as_of=SAMPLE_AS_OF)
    proposals = suggest_matches(ledger, as_of=SAMPLE_AS_OF, rates=sample_rates())
    assert proposals
    for proposal in proposals:
        ledger = proposal.apply_to(ledger)
    after = unapplied_cash(ledger, as_of=SAMPLE_AS_OF)
    assert len(after.items) < len(before.items)
    assert after.totals["USD"] < before.totals["USD"]


def test_open_amount_above_the_document_amount_is_refused() -> None:
    doc = inv("INV-1", "100.00 USD")
    with pytest.raises(AllocationError, match=r"INV-1: open: 150\.00 USD is more than"):
        allocate(pay("10.00 USD"), [item(doc, "150.00 USD")], as_of=PAID)


def test_result_round_trips_through_json() -> None:
    doc = inv("INV-EU", "1000.00 EUR", issued=D(2026, 1, 10))
    r = allocate(
        pay("1130.00 USD", received=D(2026, 2, 5)),
        [item(doc)],
        as_of=D(2026, 2, 5),
        rates=RATES,
        policy=FIFO,
    )
    assert AllocationResult.model_validate_json(r.model_dump_json()) == r


def test_long_ids_give_a_hashed_application_id_within_the_limit() -> None:
    long_id = "INV-" + "9" * 120
    r = allocate(pay("10.00 USD", pay_id="P" * 100), [item(inv(long_id, "10.00 USD"))], as_of=PAID)
    app_id = r.applications[0].id
    assert app_id.startswith("APP-")
    assert len(app_id) <= 128
