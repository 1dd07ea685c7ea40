"""Adjustments: memos linked to what they correct, tax re-rates, refunds, proformas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.adjustments import (
    AdjustmentError,
    BankDetails,
    ProformaBook,
    RefundPacket,
    RefundSource,
    TaxRate,
    add_contact,
    build_refund_packet,
    close_open_credit,
    credit_adjustment,
    normalise_iban,
    post_adjustment,
    record_refund,
    remove_contact,
    replace_contact,
    rerate_tax,
    tax_credit,
)
from receivables.errors import InvalidDocument, OverApplication, UnknownDocument
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    Contact,
    ContactRole,
    CreditMemo,
    CreditReason,
    Customer,
    DebitReason,
    Invoice,
    InvoiceLine,
    Payment,
    ProformaInvoice,
    TaxExemption,
    TaxLine,
)
from receivables.money import Money

A = Money.parse
D = date


def taxed_invoice(doc_id: str = "INV-1", issued: date = D(2026, 5, 4)) -> Invoice:
    """Two lines in Austin, TX: state 6.25 %, city 1 %, transit district 1 %."""
    taxes = (
        TaxLine(jurisdiction="TX", rate=Decimal("6.25"), level="state"),
        TaxLine(jurisdiction="TX-AUSTIN", rate=Decimal("1.00"), level="city"),
        TaxLine(jurisdiction="TX-CMTA", rate=Decimal("1.00"), level="district"),
    )
    return Invoice(
        id=doc_id,
        customer_id="C1",
        issue_date=issued,
        terms="NET 30",
        lines=(
            InvoiceLine(id="1", unit_price=A("1000.00 USD"), taxes=taxes),
            InvoiceLine(id="2", quantity=Decimal(3), unit_price=A("33.33 USD"), taxes=taxes),
        ),
    )


def customer(**extra: object) -> Customer:
    return Customer.model_validate({"id": "C1", "name": "Acme Corp", "currency": "USD", **extra})


@pytest.fixture
def ledger() -> Ledger:
    return Ledger([taxed_invoice()], customers=[customer()])


# -- credit and debit memos -------------------------------------------------------------


def test_pricing_credit_memo_is_linked_and_reduces_the_invoice(ledger: Ledger) -> None:
    # 1099.99 net; tax per line: 1000.00 -> 62.50 + 10 + 10, 99.99 -> 6.25 + 1.00 + 1.00
    assert ledger.document("INV-1").amount == A("1190.74 USD")
    adj = credit_adjustment(
        ledger, "INV-1", memo_id="CM-1", on=D(2026, 5, 10), amount=A("90.74 USD")
    )
    memo = adj.documents[0]
    assert isinstance(memo, CreditMemo)
    assert (memo.linked_document_id, memo.reason) == ("INV-1", CreditReason.PRICING)
    after = post_adjustment(ledger, adj)
    assert after.open_amount("INV-1", as_of=D(2026, 5, 10)) == A("1100.00 USD")
    assert after.open_amount("CM-1", as_of=D(2026, 5, 10)) == A("0.00 USD")


def test_credit_beyond_the_open_amount_stays_as_open_credit(ledger: Ledger) -> None:
    paid = ledger.add(
        [Payment(id="P1", customer_id="C1", received_on=D(2026, 5, 8), amount=A("1150.74 USD"))]
    ).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=D(2026, 5, 8),
                amount=A("1150.74 USD"),
            )
        ]
    )
    adj = credit_adjustment(
        paid,
        "INV-1",
        memo_id="CM-R",
        on=D(2026, 5, 12),
        amount=A("100.00 USD"),
        reason=CreditReason.RETURN,
    )
    assert [a.amount for a in adj.applications] == [A("40.00 USD")]
    after = post_adjustment(paid, adj)
    assert after.open_amount("CM-R", as_of=D(2026, 5, 12)) == A("-60.00 USD")
    assert any("60.00 USD of CM-R stays open" in r for r in adj.reasons)


def test_credit_in_another_currency_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="CM-1: amount"):
        credit_adjustment(ledger, "INV-1", memo_id="CM-1", on=D(2026, 5, 10), amount=A("5 EUR"))


def test_credit_of_zero_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="must be positive"):
        credit_adjustment(ledger, "INV-1", memo_id="CM-1", on=D(2026, 5, 10), amount=A("0 USD"))


def test_credit_dated_before_the_invoice_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="issue_date"):
        credit_adjustment(ledger, "INV-1", memo_id="CM-1", on=D(2026, 5, 1), amount=A("5 USD"))


def test_credit_against_a_credit_is_refused() -> None:
    ledger = Ledger(
        [Payment(id="P1", customer_id="C1", received_on=D(2026, 1, 2), amount=A("5 USD"))]
    )
    with pytest.raises(AdjustmentError, match="P1: document_id"):
        credit_adjustment(ledger, "P1", memo_id="CM-1", on=D(2026, 1, 5), amount=A("1 USD"))


def test_tax_only_credit_carries_its_tax_lines(ledger: Ledger) -> None:
    lines = [
        TaxLine(jurisdiction="TX-CMTA", rate=Decimal(1), level="district", amount=A("11.00 USD"))
    ]
    adj = tax_credit(ledger, "INV-1", memo_id="CM-T", on=D(2026, 5, 9), tax_lines=lines)
    memo = adj.documents[0]
    assert isinstance(memo, CreditMemo)
    assert (memo.reason, memo.amount, memo.tax_lines) == (
        CreditReason.TAX,
        A("11 USD"),
        tuple(lines),
    )
    after = post_adjustment(ledger, adj)
    assert after.open_amount("INV-1", as_of=D(2026, 5, 9)) == A("1179.74 USD")


def test_tax_credit_without_amount_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match=r"tax_lines\[0\]\.amount"):
        tax_credit(
            ledger,
            "INV-1",
            memo_id="CM-T",
            on=D(2026, 5, 9),
            tax_lines=[TaxLine(jurisdiction="TX", rate=Decimal(1))],
        )


def test_tax_credit_without_lines_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="at least one"):
        tax_credit(ledger, "INV-1", memo_id="CM-T", on=D(2026, 5, 9), tax_lines=[])


def test_tax_credit_dated_before_the_invoice_is_refused(ledger: Ledger) -> None:
    # INV-1 is issued 2026-05-04: a credit of its tax on 2026-05-01 has nothing to correct.
    with pytest.raises(AdjustmentError, match="CM-T: issue_date: 2026-05-01 is before INV-1"):
        tax_credit(
            ledger,
            "INV-1",
            memo_id="CM-T",
            on=D(2026, 5, 1),
            tax_lines=[TaxLine(jurisdiction="TX", rate=Decimal("6.25"), amount=A("1.00 USD"))],
        )


def test_rerate_dated_before_the_invoice_is_refused(ledger: Ledger) -> None:
    # Before 2026-05-04 INV-1 has nothing open: the old tax's credit would land on the new
    # debit memo instead of the invoice.
    with pytest.raises(AdjustmentError, match="CM-R: issue_date: 2026-05-01 is before INV-1"):
        rerate_tax(
            ledger,
            "INV-1",
            rates=[TaxRate(jurisdiction="TX-AUSTIN", rate=Decimal("2.00"), level="city")],
            on=D(2026, 5, 1),
            credit_memo_id="CM-R",
            debit_memo_id="DM-R",
        )


def test_debit_memo_closes_unapplied_cash() -> None:
    ledger = Ledger(
        [Payment(id="P9", customer_id="C1", received_on=D(2025, 1, 3), amount=A("17.35 USD"))]
    )
    adj = close_open_credit(ledger, "P9", memo_id="DM-9", on=D(2026, 1, 31))
    memo = adj.documents[0]
    assert (memo.kind, memo.amount, memo.linked_document_id) == ("debit_memo", A("17.35 USD"), "P9")
    assert getattr(memo, "reason", None) == DebitReason.CLOSE_OPEN_CREDIT
    after = post_adjustment(ledger, adj)
    assert after.open_items(as_of=D(2026, 1, 31)) == []
    assert after.open_amount("P9", as_of=D(2026, 1, 30)) == A("-17.35 USD")


def test_closing_a_closed_credit_is_refused() -> None:
    ledger = Ledger(
        [Payment(id="P9", customer_id="C1", received_on=D(2025, 1, 3), amount=A("17.35 USD"))]
    )
    closed = post_adjustment(
        ledger, close_open_credit(ledger, "P9", memo_id="DM-9", on=D(2025, 2, 1))
    )
    with pytest.raises(AdjustmentError, match="P9: open_amount: nothing open"):
        close_open_credit(closed, "P9", memo_id="DM-10", on=D(2025, 3, 1))


def test_closing_a_debit_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="not a payment or credit memo"):
        close_open_credit(ledger, "INV-1", memo_id="DM-1", on=D(2026, 6, 1))


# -- tax re-rate ---------------------------------------------------------------------


def test_rerate_credits_old_tax_and_debits_new_per_jurisdiction(ledger: Ledger) -> None:
    """Austin city rate 1 % -> 2 %: line 1 10.00 -> 20.00, line 2 (99.99) 1.00 -> 2.00."""
    adj, changes = rerate_tax(
        ledger,
        "INV-1",
        rates=[
            TaxRate(jurisdiction="TX", rate=Decimal("6.25"), level="state"),
            TaxRate(jurisdiction="TX-AUSTIN", rate=Decimal("2.00"), level="city"),
        ],
        on=D(2026, 5, 20),
        credit_memo_id="CM-R",
        debit_memo_id="DM-R",
    )
    by = {c.jurisdiction: c for c in changes}
    assert by["TX"].reason == "unchanged"
    assert (by["TX-AUSTIN"].old_amount, by["TX-AUSTIN"].new_amount) == (A("11 USD"), A("22 USD"))
    credit, debit = adj.documents
    assert isinstance(credit, CreditMemo)
    assert [(t.jurisdiction, t.amount) for t in credit.tax_lines] == [("TX-AUSTIN", A("11 USD"))]
    assert debit.amount == A("22.00 USD")
    assert debit.linked_document_id == credit.linked_document_id == "INV-1"
    after = post_adjustment(ledger, adj)
    as_of = D(2026, 5, 20)
    assert after.open_amount("INV-1", as_of=as_of) == A("1179.74 USD")
    assert after.open_amount("DM-R", as_of=as_of) == A("22.00 USD")
    assert after.balance("C1", as_of=as_of) == A("1201.74 USD")


def test_rerate_adds_a_missing_jurisdiction_to_taxed_lines(ledger: Ledger) -> None:
    adj, changes = rerate_tax(
        ledger,
        "INV-1",
        rates=[TaxRate(jurisdiction="TX-TRAVIS", rate=Decimal("0.50"), level="county")],
        on=D(2026, 5, 20),
        credit_memo_id="CM-R",
        debit_memo_id="DM-R",
    )
    assert [d.kind for d in adj.documents] == ["debit_memo"]
    assert adj.documents[0].amount == A("5.50 USD")  # 5.00 + 0.50 (99.99 x 0.5 % = 0.49995)
    assert changes[0].old_rate is None


def test_rerate_honours_an_exemption_valid_on_the_invoice_date() -> None:
    cert = TaxExemption(
        certificate_id="TX-EX-1",
        jurisdictions=frozenset({"TX", "TX-AUSTIN", "TX-CMTA"}),
        issued_on=D(2026, 1, 1),
        expires_on=D(2026, 12, 31),
    )
    ledger = Ledger([taxed_invoice()], customers=[customer(tax_exemptions=(cert,))])
    rates = [
        TaxRate(jurisdiction="TX", rate=Decimal("6.25"), level="state"),
        TaxRate(jurisdiction="TX-AUSTIN", rate=Decimal(1), level="city"),
    ]
    adj, changes = rerate_tax(
        ledger, "INV-1", rates=rates, on=D(2026, 6, 1), credit_memo_id="CM", debit_memo_id="DM"
    )
    assert [d.kind for d in adj.documents] == ["credit_memo"]
    assert adj.documents[0].amount == A("79.75 USD")  # TX 62.50 + 6.25, Austin 10.00 + 1.00
    assert all("certificate TX-EX-1" in c.reason for c in changes)


def test_rerate_ignores_an_expired_certificate() -> None:
    cert = TaxExemption(certificate_id="OLD", expires_on=D(2026, 4, 30))
    ledger = Ledger([taxed_invoice()], customers=[customer(tax_exemptions=(cert,))])
    adj, changes = rerate_tax(
        ledger,
        "INV-1",
        rates=[TaxRate(jurisdiction="TX", rate=Decimal("6.25"), level="state")],
        on=D(2026, 6, 1),
        credit_memo_id="CM",
        debit_memo_id="DM",
    )
    assert adj.documents == ()
    assert changes[0].reason == "unchanged"


def test_rerate_with_two_rates_for_one_jurisdiction_is_refused(ledger: Ledger) -> None:
    rate = TaxRate(jurisdiction="TX", rate=Decimal(6))
    with pytest.raises(AdjustmentError, match="two rates"):
        rerate_tax(
            ledger,
            "INV-1",
            rates=[rate, rate],
            on=D(2026, 6, 1),
            credit_memo_id="C",
            debit_memo_id="D",
        )


def test_rerate_of_an_invoice_without_lines_is_refused() -> None:
    ledger = Ledger([Invoice(id="I", customer_id="C1", issue_date=D(2026, 1, 1), total=A("5 USD"))])
    with pytest.raises(AdjustmentError, match="I: lines"):
        rerate_tax(ledger, "I", rates=[], on=D(2026, 6, 1), credit_memo_id="C", debit_memo_id="D")


def test_rerate_credit_spills_to_the_new_debit_when_the_invoice_is_paid(ledger: Ledger) -> None:
    paid = ledger.add(
        [Payment(id="P1", customer_id="C1", received_on=D(2026, 5, 8), amount=A("1190.74 USD"))]
    ).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=D(2026, 5, 8),
                amount=A("1190.74 USD"),
            )
        ]
    )
    adj, _ = rerate_tax(
        paid,
        "INV-1",
        rates=[TaxRate(jurisdiction="TX-AUSTIN", rate=Decimal(2), level="city")],
        on=D(2026, 5, 20),
        credit_memo_id="CM-R",
        debit_memo_id="DM-R",
    )
    assert [(a.target_id, a.amount) for a in adj.applications] == [("DM-R", A("11.00 USD"))]
    after = post_adjustment(paid, adj)
    assert after.balance("C1", as_of=D(2026, 5, 20)) == A("11.00 USD")


# -- refunds ---------------------------------------------------------------------------


@pytest.fixture
def credit_ledger() -> Ledger:
    return Ledger(
        [
            Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 5), total=A("100.00 EUR")),
            Payment(id="P1", customer_id="C1", received_on=D(2026, 1, 20), amount=A("130.00 EUR")),
            CreditMemo(
                id="CM-1", customer_id="C1", issue_date=D(2026, 2, 2), amount=A("25.00 EUR")
            ),
        ],
        customers=[Customer(id="C1", name="Acme GmbH", currency="EUR")],
    ).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="INV-1",
                applied_on=D(2026, 1, 20),
                amount=A("100.00 EUR"),
            )
        ]
    )


def test_refund_packet_takes_credits_oldest_first(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(
        credit_ledger,
        "C1",
        packet_id="RF-1",
        as_of=D(2026, 3, 1),
        amount=A("40.00 EUR"),
        requested_by="ann",
        bank=BankDetails(account_holder="Acme GmbH", iban="DE89 3704 0044 0532 0130 00"),
    )
    assert packet.payee_name == "Acme GmbH"
    assert [(s.document_id, s.refunded) for s in packet.sources] == [
        ("P1", A("30.00 EUR")),
        ("CM-1", A("10.00 EUR")),
    ]
    assert packet.bank is not None
    assert packet.bank.iban == "DE89370400440532013000"
    assert packet.to_rows()[1]["refunded"] == "10.00"


def test_refund_packet_defaults_to_the_whole_credit(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1))
    assert packet.amount == A("55.00 EUR")


def test_paid_refund_is_recorded_in_the_ledger(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(
        credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1), requested_by="ann"
    ).approve(by="bob", on=D(2026, 3, 2))
    after = record_refund(credit_ledger, packet, paid_on=D(2026, 3, 4), reference="AP-7")
    assert after.balance("C1", as_of=D(2026, 3, 4)) == A("0.00 EUR")
    assert after.balance("C1", as_of=D(2026, 3, 3)) == A("-55.00 EUR")
    assert [m.id for m in after.movements if m.kind == "refund"] == ["RF-1-1", "RF-1-2"]


def test_unapproved_refund_cannot_be_paid(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1))
    with pytest.raises(AdjustmentError, match="RF-1: approved_by: an unapproved"):
        record_refund(credit_ledger, packet, paid_on=D(2026, 3, 4))


def test_requester_cannot_approve_own_refund(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(
        credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1), requested_by="ann"
    )
    with pytest.raises(ValueError, match="cannot approve their own"):
        packet.approve(by="ann", on=D(2026, 3, 2))


def test_refund_beyond_the_credit_is_refused(credit_ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match=r"more than the refundable credit 55\.00 EUR"):
        build_refund_packet(
            credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1), amount=A("55.01 EUR")
        )


def test_refund_is_refused_while_the_customer_owes_more_than_its_credit(
    credit_ledger: Ledger,
) -> None:
    owing = credit_ledger.add(
        [Invoice(id="INV-2", customer_id="C1", issue_date=D(2026, 2, 10), total=A("80.00 EUR"))]
    )
    with pytest.raises(AdjustmentError, match="apply the credit instead"):
        build_refund_packet(owing, "C1", packet_id="RF-1", as_of=D(2026, 3, 1))


def test_refund_without_credit_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AdjustmentError, match="no open USD credit"):
        build_refund_packet(ledger, "C1", packet_id="RF-1", as_of=D(2026, 6, 1), currency="USD")


def test_refund_twice_is_an_over_application(credit_ledger: Ledger) -> None:
    packet = build_refund_packet(
        credit_ledger, "C1", packet_id="RF-1", as_of=D(2026, 3, 1), requested_by="ann"
    ).approve(by="bob", on=D(2026, 3, 2))
    paid = record_refund(credit_ledger, packet, paid_on=D(2026, 3, 4))
    again = packet.model_copy(update={"id": "RF-2"})
    with pytest.raises(OverApplication):
        record_refund(paid, again, paid_on=D(2026, 3, 5))


def test_invalid_iban_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid IBAN"):
        BankDetails(account_holder="Acme", iban="DE88 3704 0044 0532 0130 00")


def test_iban_is_compacted() -> None:
    assert normalise_iban("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"


def test_bank_details_need_an_account() -> None:
    with pytest.raises(ValueError, match="iban or an account_number"):
        BankDetails(account_holder="Acme")


def test_packet_sources_must_add_up() -> None:
    with pytest.raises(ValueError, match=r"sources refund 0\.50 USD, the packet 1\.00 USD"):
        _packet("1.00 USD", ("P1", "5.00 USD", "0.50 USD"))


# -- proformas -------------------------------------------------------------------------


def proforma(doc_id: str = "PF-1", issued: date = D(2026, 1, 5)) -> ProformaInvoice:
    return ProformaInvoice(
        id=doc_id, customer_id="C1", issue_date=issued, terms="NET 30", total=A("900.00 USD")
    )


def test_proforma_converts_once_and_remembers_its_invoice() -> None:
    book = ProformaBook().issue(proforma()).issue(proforma("PF-2", D(2026, 1, 9)))
    book, invoice = book.convert("PF-1", invoice_id="INV-77", issue_date=D(2026, 2, 1))
    assert (invoice.id, invoice.total, invoice.due_date) == ("INV-77", A("900 USD"), D(2026, 3, 3))
    assert book.invoice_for("PF-1") == "INV-77"
    assert book.proforma_for("INV-77") == "PF-1"
    assert [p.id for p in book.outstanding()] == ["PF-2"]
    assert [p.id for p in book.outstanding(as_of=D(2026, 1, 31))] == ["PF-1", "PF-2"]
    assert Ledger([invoice]).open_amount("INV-77", as_of=D(2026, 2, 1)) == A("900 USD")
    with pytest.raises(AdjustmentError, match="already converted to INV-77"):
        book.convert("PF-1", invoice_id="INV-78", issue_date=D(2026, 2, 2))


def test_proforma_is_refused_by_the_ledger() -> None:
    with pytest.raises(InvalidDocument, match="never posted"):
        Ledger([proforma()])  # type: ignore[list-item]


def test_invoice_cannot_predate_its_proforma() -> None:
    with pytest.raises(AdjustmentError, match="predate"):
        ProformaBook().issue(proforma()).convert("PF-1", invoice_id="I", issue_date=D(2026, 1, 4))


def test_proforma_issued_twice_is_refused() -> None:
    with pytest.raises(AdjustmentError, match="already issued"):
        ProformaBook().issue(proforma()).issue(proforma())


def test_unknown_proforma_is_refused() -> None:
    with pytest.raises(UnknownDocument):
        ProformaBook().convert("PF-X", invoice_id="I", issue_date=D(2026, 1, 4))


# -- contacts --------------------------------------------------------------------------


def test_contact_updates_return_new_customers() -> None:
    before = customer(contacts=(Contact(name="Ann", email="ann@acme.test"),))
    ap = Contact(name="AP desk", roles=frozenset({ContactRole.ACCOUNTS_PAYABLE}))
    added = add_contact(before, ap)
    assert [c.name for c in added.contacts_for(ContactRole.ACCOUNTS_PAYABLE)] == ["AP desk"]
    escalated = replace_contact(
        added, "Ann", Contact(name="Ann", roles=frozenset({ContactRole.ESCALATION}))
    )
    assert escalated.contacts_for(ContactRole.BILLING) == ()
    assert [c.name for c in remove_contact(escalated, "Ann").contacts] == ["AP desk"]
    assert [c.name for c in before.contacts] == ["Ann"]


def test_duplicate_contact_name_is_refused() -> None:
    with pytest.raises(AdjustmentError, match="C1: contacts"):
        add_contact(customer(contacts=(Contact(name="Ann"),)), Contact(name="Ann"))


def test_removing_an_unknown_contact_is_refused() -> None:
    with pytest.raises(AdjustmentError, match="no contact named 'Bob'"):
        remove_contact(customer(), "Bob")


def _packet(amount: str, *sources: tuple[str, str, str]) -> RefundPacket:
    return RefundPacket(
        id="RF-9",
        customer_id="C1",
        payee_name="Acme",
        amount=A(amount),
        prepared_on=D(2026, 1, 2),
        sources=tuple(
            RefundSource(
                document_id=doc_id,
                kind="payment",
                issue_date=D(2026, 1, 1),
                open_credit=A(open_credit),
                refunded=A(refunded),
            )
            for doc_id, open_credit, refunded in sources
        ),
    )


def test_refund_packet_refunding_more_than_a_sources_open_credit_is_refused() -> None:
    # P1 has 5.00 USD of credit; a packet paying back 50.00 from it must never reach AP.
    with pytest.raises(ValueError, match=r"RF-9: sources: P1 refunds 50\.00 USD, more than"):
        _packet("50.00 USD", ("P1", "5.00 USD", "50.00 USD"))


def test_refund_packet_with_a_negative_source_is_refused() -> None:
    with pytest.raises(ValueError, match=r"RF-9: amount: -5\.00 USD must be positive"):
        _packet("-5.00 USD", ("P1", "5.00 USD", "-5.00 USD"))


def test_refund_packet_without_sources_is_refused() -> None:
    with pytest.raises(ValueError, match="RF-9: sources: a refund needs at least one source"):
        _packet("0.00 USD")


def test_refund_packet_listing_a_source_twice_is_refused() -> None:
    # Twice 5.00 from a 5.00 credit: each line is within bounds, the packet is not.
    with pytest.raises(ValueError, match="RF-9: sources: a source credit is listed twice"):
        _packet("10.00 USD", ("P1", "5.00 USD", "5.00 USD"), ("P1", "5.00 USD", "5.00 USD"))
