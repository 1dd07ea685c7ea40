"""Identifying the customer of unposted bank cash, and matching a whole statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.io.camt import read_camt053
from receivables.io.statement import BankStatement
from receivables.ledger import Ledger
from receivables.models import Customer, Invoice, Payment, RemittanceLine
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates
from receivables.unposted import (
    UNSTRUCTURED_NOTE,
    IdentificationPolicy,
    identify_customer,
    match_statement,
    name_similarity,
    normalise_name,
    reference_keys,
)

D = date(2026, 3, 10)

CUSTOMERS = (
    Customer(id="C1", name="Hanse Baustoffe GmbH", currency="EUR"),
    Customer(id="C2", name="Hanse Baustoffe Service GmbH", currency="EUR"),
    Customer(id="C3", name="Brackley Energy Ltd", currency="EUR"),
    Customer(id="C4", name="Falcon Logistics Corp.", currency="EUR"),
    Customer(id="C5", name="Falcon Logistics West Corp.", currency="EUR"),
    Customer(id="C6", name="Canyon Retail Group Inc.", currency="EUR"),
)


def inv(doc_id: str, customer: str, total: str) -> Invoice:
    return Invoice(
        id=doc_id, customer_id=customer, issue_date=date(2026, 2, 1), terms="NET 30", total=total
    )


def ledger() -> Ledger:
    return Ledger(
        [
            inv("INV-000123", "C1", "100.00 EUR"),
            inv("INV-000124", "C1", "50.00 EUR"),
            inv("INV-000200", "C3", "70.00 EUR"),
            Payment(
                id="PAY-OLD",
                customer_id="C3",
                received_on=date(2026, 2, 20),
                amount="1.00 EUR",
                payer_account="GB29 NWBK 6016 1331 9268 19",
            ),
        ],
        customers=CUSTOMERS,
    )


def pay(
    *,
    name: str | None = None,
    account: str | None = None,
    refs: tuple[str, ...] = (),
    amount: str = "100.00 EUR",
) -> Payment:
    return Payment(
        id="P1",
        customer_id=None,
        received_on=D,
        amount=amount,
        payer_name=name,
        payer_account=account,
        remittance=tuple(RemittanceLine(reference=r, amount=amount) for r in refs),
    )


# -- normalisation and similarity ------------------------------------------------------


def test_normalise_name_drops_accents_case_punctuation_and_legal_forms() -> None:
    assert normalise_name("Laboratoires Vendôme S.A.R.L.") == "laboratoires vendome"
    assert normalise_name("HANSE BAUSTOFFE GmbH") == "hanse baustoffe"


def test_similarity_is_ratcliff_obershelp_on_normalised_names() -> None:
    """'hanse baustoffe' (15) vs 'hanse baustoffe service' (23): M = 15, 2*15/38 = 0.7894."""
    assert name_similarity("Hanse Baustoffe", "Hanse Baustoffe Service GmbH") == Decimal("0.7894")


def test_similarity_ignores_word_order() -> None:
    assert name_similarity("Energy Brackley", "Brackley Energy Ltd") == Decimal("1.0000")


def test_truncated_ach_name_of_16_characters_matches_the_prefix() -> None:
    assert name_similarity("CANYON RETAIL GR", "Canyon Retail Group Inc.") == Decimal("1.0000")


def test_a_short_name_not_at_a_format_width_is_not_compared_by_prefix() -> None:
    # 'hanse baustoffe' against 'hanse baustoffe service': 15 characters is no field width.
    assert name_similarity("Hanse Baustoffe", "Hanse Baustoffe Service") < Decimal("0.85")


def test_reference_keys_make_mangled_references_meet() -> None:
    keys = {k for r in ("INV-000123", "inv 123", "123") for k in reference_keys(r, min_digits=3)}
    common = (
        reference_keys("INV-000123", min_digits=3)
        & reference_keys("inv 123", min_digits=3)
        & reference_keys("123", min_digits=3)
    )
    assert common == {"123"}
    assert "INV000123" in keys


# -- identification ---------------------------------------------------------------------


def test_identified_by_payer_account_seen_on_an_earlier_payment() -> None:
    ident = identify_customer(pay(account="GB29NWBK60161331926819"), CUSTOMERS, ledger=ledger())
    assert (ident.status, ident.customer_id, ident.method) == ("identified", "C3", "account")
    assert "payment PAY-OLD" in ident.reasons[0]


def test_identified_by_account_from_the_customer_master() -> None:
    ident = identify_customer(
        pay(account="DE44 5001 0517 5407 3249 31"),
        CUSTOMERS,
        accounts={"DE44500105175407324931": "C1"},
    )
    assert (ident.customer_id, ident.method) == ("C1", "account")


def test_identified_by_mangled_reference_to_a_document() -> None:
    ident = identify_customer(pay(refs=("inv 123",)), CUSTOMERS, ledger=ledger())
    assert (ident.status, ident.customer_id, ident.method) == ("identified", "C1", "reference")
    assert ident.evidence[0].detail == "remittance names INV-000123 of C1"


def test_reference_in_free_text_with_leading_zeros() -> None:
    ident = identify_customer(
        pay(refs=("Zahlung Rechnung 0000124 danke",)), CUSTOMERS, ledger=ledger()
    )
    assert ident.customer_id == "C1"


def test_short_numbers_in_text_do_not_name_documents() -> None:
    policy = IdentificationPolicy(min_reference_digits=4)
    ident = identify_customer(pay(refs=("order 123",)), CUSTOMERS, ledger=ledger(), policy=policy)
    assert ident.status == "unmatched"


def test_documents_issued_after_as_of_are_not_named() -> None:
    ident = identify_customer(
        pay(refs=("INV-000123",)), CUSTOMERS, ledger=ledger(), as_of=date(2026, 1, 31)
    )
    assert ident.status == "unmatched"


def test_identified_by_name_above_threshold() -> None:
    ident = identify_customer(pay(name="BRACKLEY ENERGY LIMITED"), CUSTOMERS)
    assert (ident.customer_id, ident.method, ident.score) == ("C3", "name", Decimal("1.0000"))


def test_name_below_threshold_is_unmatched_and_says_how_close_it_came() -> None:
    ident = identify_customer(pay(name="Quintessa Trading SARL"), CUSTOMERS)
    assert ident.status == "unmatched"
    assert ident.reasons[0].startswith("closest name:")


def test_threshold_is_a_policy() -> None:
    """'hanse baustoffe' vs 'hanse baustoffe service' scores 0.7894: below 0.85, above 0.75."""
    strict = identify_customer(pay(name="Hanse Baustoffe Service"), CUSTOMERS[1:2])
    assert strict.status == "identified"
    loose = IdentificationPolicy(name_threshold=Decimal("0.75"))
    ident = identify_customer(pay(name="Hanse Baustoffe"), CUSTOMERS[1:2], policy=loose)
    assert (ident.customer_id, ident.score) == ("C2", Decimal("0.7894"))


def test_two_similar_names_within_the_margin_are_ambiguous() -> None:
    policy = IdentificationPolicy(name_threshold=Decimal("0.75"))
    ident = identify_customer(pay(name="Hanse Baustoffe"), CUSTOMERS, policy=policy)
    # C1 scores 1.0000, C2 0.7894: the margin 0.05 is exceeded, so C1 is identified.
    assert ident.customer_id == "C1"
    wide = IdentificationPolicy(name_threshold=Decimal("0.75"), name_margin=Decimal("0.25"))
    ident = identify_customer(pay(name="Hanse Baustoffe"), CUSTOMERS, policy=wide)
    assert ident.status == "ambiguous"
    assert "within the margin 0.25" in ident.reasons[-1]


def test_account_shared_by_two_customers_is_ambiguous() -> None:
    ident = identify_customer(pay(account="X-1"), CUSTOMERS, accounts={"X1": "C1", "x 1": "C2"})
    assert ident.status == "ambiguous"
    assert ident.reasons[-1] == "account: points to C1, C2"


def test_disagreeing_evidence_is_a_conflict_not_a_guess() -> None:
    ident = identify_customer(
        pay(name="Brackley Energy", refs=("INV-000123",)), CUSTOMERS, ledger=ledger()
    )
    assert ident.status == "conflict"
    assert ident.customer_id is None
    assert ident.reasons[-1] == "evidence disagrees: reference says C1; name says C3"


def test_agreeing_evidence_reports_the_strongest_method() -> None:
    ident = identify_customer(
        pay(name="Hanse Baustoffe GmbH", refs=("INV-000123",)), CUSTOMERS, ledger=ledger()
    )
    assert (ident.customer_id, ident.method) == ("C1", "reference")
    assert {e.method for e in ident.evidence} == {"reference", "name"}


def test_customers_default_to_the_ledgers() -> None:
    ident = identify_customer(pay(name="Brackley Energy"), (), ledger=ledger())
    assert ident.customer_id == "C3"


@pytest.mark.parametrize("order", [CUSTOMERS, tuple(reversed(CUSTOMERS))])
def test_customer_order_does_not_change_the_result(order: tuple[Customer, ...]) -> None:
    ident = identify_customer(pay(name="Falcon Logistics Corporation"), order)
    assert (ident.customer_id, ident.evidence) == (
        identify_customer(pay(name="Falcon Logistics Corporation"), CUSTOMERS).customer_id,
        identify_customer(pay(name="Falcon Logistics Corporation"), CUSTOMERS).evidence,
    )


# -- a whole statement ------------------------------------------------------------------

CAMT = Path(__file__).parent / "data" / "bank" / "camt053.xml"


def receipt(
    pid: str,
    amount: str,
    *,
    name: str = "Hanse Baustoffe GmbH",
    text: str | None = None,
    on: date = D,
) -> Payment:
    lines = (RemittanceLine(reference=text, amount=amount, note=UNSTRUCTURED_NOTE),) if text else ()
    return Payment(
        id=pid, customer_id=None, received_on=on, amount=amount, payer_name=name, remittance=lines
    )


def statement(*receipts: Payment) -> BankStatement:
    return BankStatement(format="camt.053", statement_id="S1", account="DE1", receipts=receipts)


def test_sample_statement_end_to_end() -> None:
    """The how-to: camt.053 sample against the bundled ledger as of 2026-10-31."""
    ledger = sample_ledger()
    st = read_camt053(CAMT.read_bytes())
    match = match_statement(st, ledger, as_of=SAMPLE_AS_OF, rates=sample_rates())
    rows = {r["payment_id"]: r for r in match.to_rows()}
    assert rows["2026103100001"]["applied_to"] == "INV-102349"
    assert rows["2026103100002"]["applied_to"] == "INV-102434, INV-102581"
    assert (rows["2026103100003"]["customer_id"], rows["2026103100003"]["method"]) == (
        "C0046",
        "name",
    )
    assert rows["2026103100005"]["currency"] == "USD"
    assert rows["2026103100006"]["status"] == "unidentified"
    after = match.apply_to(ledger)
    for doc_id in ("INV-102349", "INV-102434", "INV-102581", "INV-102746", "INV-101898"):
        assert after.open_amount(doc_id, as_of=SAMPLE_AS_OF).amount == 0
    assert "2026103100006" not in after


def test_free_text_naming_documents_that_add_up_becomes_one_line_each() -> None:
    """'inv 123 and 124' pays 100.00 + 50.00 = 150.00 EUR."""
    st = statement(receipt("B1", "150.00 EUR", text="inv 123 and 124"))
    (r,) = match_statement(st, ledger(), as_of=D).receipts
    assert r.allocation is not None
    assert [(a.target_id, str(a.amount)) for a in r.allocation.applications] == [
        ("INV-000123", "100.00 EUR"),
        ("INV-000124", "50.00 EUR"),
    ]
    assert "add up to 150.00 EUR" in r.notes[0]


def test_free_text_that_does_not_add_up_is_left_to_the_amount_steps() -> None:
    """Text names INV-000123 and INV-000124 (150.00) but 50.00 came: exact match on 124."""
    st = statement(receipt("B1", "50.00 EUR", text="inv 123 and 124"))
    (r,) = match_statement(st, ledger(), as_of=D).receipts
    assert r.allocation is not None
    assert [a.target_id for a in r.allocation.applications] == ["INV-000124"]
    assert r.notes[0].endswith("left to the amount-based steps")


def test_two_receipts_never_pay_the_same_invoice_twice() -> None:
    st = statement(
        receipt("B2", "100.00 EUR", text="INV-000123"),
        receipt("B1", "100.00 EUR", text="INV-000123"),
    )
    match = match_statement(st, ledger(), as_of=D)
    first, second = match.receipts
    assert first.payment.id == "B1"
    assert first.allocation is not None
    assert second.allocation is not None
    assert [a.target_id for a in first.allocation.applications] == ["INV-000123"]
    assert "INV-000123" not in [a.target_id for a in second.allocation.applications]
    after = match.apply_to(ledger())
    assert after.open_amount("INV-000123", as_of=D).amount == 0


def test_receipt_after_as_of_is_not_yet_matched() -> None:
    st = statement(receipt("B1", "100.00 EUR", on=date(2026, 3, 11)))
    (r,) = match_statement(st, ledger(), as_of=D).receipts
    assert r.status == "not_yet"
    assert match_statement(st, ledger(), as_of=D).unmatched == (r,)


def test_unidentified_receipts_are_reported_and_not_posted() -> None:
    st = statement(receipt("B1", "100.00 EUR", name="Quintessa Trading"))
    match = match_statement(st, ledger(), as_of=D)
    (r,) = match.unmatched
    assert r.identification is not None
    assert r.identification.status == "unmatched"
    assert "B1" not in match.apply_to(ledger())


def test_applying_twice_changes_nothing_and_rerun_sees_posted_receipts() -> None:
    st = statement(receipt("B1", "100.00 EUR", text="INV-000123"))
    once = match_statement(st, ledger(), as_of=D).apply_to(ledger())
    rerun = match_statement(st, once, as_of=D)
    assert [r.status for r in rerun.receipts] == ["already_posted"]
    assert rerun.apply_to(once) == once
    assert match_statement(st, ledger(), as_of=D).apply_to(once) == once


def test_identified_receipt_with_nothing_open_is_posted_as_cash_on_account() -> None:
    st = statement(receipt("B1", "10.00 EUR", name="Brackley Energy", text="thanks"))
    match = match_statement(st, ledger(), as_of=D)
    (r,) = match.proposed
    assert r.allocation is not None
    # C3 owes 70.00; 10.00 fits no item exactly and the default steps stop short of FIFO.
    assert r.allocation.unapplied == r.payment.amount
    after = match.apply_to(ledger())
    assert after.open_amount("B1", as_of=D).amount == Decimal("-10.00")


def test_identification_policy_is_json_data_and_refuses_floats() -> None:
    policy = IdentificationPolicy(name_threshold=Decimal("0.9"), truncation_widths=(16,))
    again = IdentificationPolicy.model_validate_json(policy.model_dump_json())
    assert again == policy
    assert '"name_threshold":"0.9"' in policy.model_dump_json()
    with pytest.raises(ValueError, match="float"):
        IdentificationPolicy(name_threshold=0.9)  # type: ignore[arg-type]


def test_statement_match_serialises_with_string_amounts() -> None:
    st = statement(receipt("B1", "100.00 EUR", text="INV-000123"))
    text = match_statement(st, ledger(), as_of=D).model_dump_json()
    assert '"amount":"100.00"' in text
    assert '"score":"1.0000"' in text
