"""Documents: derived fields, and a clear error for each bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.errors import InvalidTerms
from receivables.models import (
    Application,
    Contact,
    ContactRole,
    CreditMemo,
    CreditReason,
    Customer,
    DebitMemo,
    Dispute,
    DisputeResolution,
    Invoice,
    InvoiceLine,
    Payment,
    ProformaInvoice,
    PromiseToPay,
    RemittanceLine,
    TaxExemption,
    TaxLine,
    WriteOff,
)
from receivables.money import Money

A = Money.parse
D = date


def widget_line(line_id: str = "1", price: str = "19.99 USD") -> InvoiceLine:
    return InvoiceLine(
        id=line_id,
        description="Widgets",
        quantity=Decimal(3),
        unit_price=A(price),
        taxes=(TaxLine(jurisdiction="CA", level="state", rate=Decimal("7.25")),),
    )


# -- invoices --------------------------------------------------------------------------


def test_invoice_total_is_lines_net_plus_tax() -> None:
    inv = Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 3, 2), lines=(widget_line(),))
    # 3 x 19.99 = 59.97; 7.25% of 59.97 = 4.3478... -> 4.35
    assert inv.net_total == A("59.97 USD")
    assert inv.tax_total == A("4.35 USD")
    assert inv.total == A("64.32 USD")
    assert inv.currency == "USD"


def test_invoice_due_date_is_derived_from_terms() -> None:
    inv = Invoice(
        id="INV-1", customer_id="C1", issue_date=D(2026, 1, 15), terms="NET 30", total=A("1 USD")
    )
    assert inv.due_date == D(2026, 2, 14)


def test_invoice_without_terms_is_due_on_issue() -> None:
    inv = Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 15), total=A("1 USD"))
    assert inv.due_date == D(2026, 1, 15)


def test_invoice_given_due_date_wins_over_terms() -> None:
    inv = Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=D(2026, 1, 15),
        due_date=D(2026, 3, 1),
        terms="NET 30",
        total=A("1 USD"),
    )
    assert inv.due_date == D(2026, 3, 1)


def test_invoice_total_matching_lines_is_accepted() -> None:
    inv = Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=D(2026, 3, 2),
        lines=(widget_line(),),
        total=A("64.32 USD"),
    )
    assert inv.total == A("64.32 USD")


def test_invoice_total_not_matching_lines_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"INV-1: total: 64\.33 USD does not equal"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 3, 2),
            lines=(widget_line(),),
            total=A("64.33 USD"),
        )


def test_negative_invoice_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"INV-1: total: .* is negative; issue a credit memo"):
        Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 1), total=A("-5 USD"))


def test_due_before_issue_is_refused() -> None:
    with pytest.raises(ValidationError, match="INV-1: due_date: 2025-12-31 is before the issue"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            due_date=D(2025, 12, 31),
            total=A("5 USD"),
        )


def test_line_currency_differing_from_header_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"unit_price: amount is in EUR .* in USD"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            currency="USD",
            lines=(widget_line(price="1 EUR"),),
        )


def test_total_currency_differing_from_header_is_refused() -> None:
    with pytest.raises(ValidationError, match="total: amount is in EUR"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            currency="USD",
            total=A("1 EUR"),
        )


def test_unknown_terms_are_refused() -> None:
    with pytest.raises((ValidationError, InvalidTerms), match="FORTNIGHTLY"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            terms="FORTNIGHTLY-ISH",
            total=A("1 USD"),
        )


def test_duplicate_line_ids_are_refused() -> None:
    with pytest.raises(ValidationError, match="lines: duplicate line id '1'"):
        Invoice(
            id="INV-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            lines=(widget_line("1"), widget_line("1")),
        )


def test_invoice_needs_a_total_or_lines() -> None:
    with pytest.raises(ValidationError, match="give a currency, a total or lines"):
        Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 1))


def test_invoice_with_currency_but_no_total_or_lines_is_refused() -> None:
    with pytest.raises(ValidationError, match="total: give a total or lines"):
        Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 1), currency="USD")


def test_invoice_refuses_float_quantity() -> None:
    with pytest.raises(ValidationError, match="float"):
        InvoiceLine(id="1", quantity=1.5, unit_price=A("1 USD"))  # type: ignore[arg-type]


def test_invoice_refuses_empty_id() -> None:
    with pytest.raises(ValidationError, match="id"):
        Invoice(id="  ", customer_id="C1", issue_date=D(2026, 1, 1), total=A("1 USD"))


def test_invoice_is_frozen() -> None:
    inv = Invoice(id="INV-1", customer_id="C1", issue_date=D(2026, 1, 1), total=A("1 USD"))
    with pytest.raises(ValidationError, match="frozen"):
        inv.total = A("2 USD")  # type: ignore[misc]


def test_invoice_round_trips_json() -> None:
    inv = Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=D(2026, 3, 2),
        terms="2/10 NET 30",
        lines=(widget_line(),),
        po_number="PO-77",
    )
    assert Invoice.model_validate_json(inv.model_dump_json()) == inv


def test_explicit_tax_amount_is_kept() -> None:
    line = InvoiceLine(
        id="1",
        unit_price=A("100.00 USD"),
        taxes=(TaxLine(jurisdiction="NY", rate=Decimal("4"), amount=A("4.01 USD")),),
    )
    assert line.tax == A("4.01 USD")


# -- memos, proforma -------------------------------------------------------------------


def test_credit_memo_must_be_positive() -> None:
    with pytest.raises(ValidationError, match=r"CM-1: amount: .* must be positive"):
        CreditMemo(id="CM-1", customer_id="C1", issue_date=D(2026, 1, 1), amount=A("0 USD"))


def test_tax_only_credit_memo_carries_its_tax_lines() -> None:
    memo = CreditMemo(
        id="CM-1",
        customer_id="C1",
        issue_date=D(2026, 1, 1),
        amount=A("4.35 USD"),
        reason=CreditReason.TAX,
        linked_document_id="INV-1",
        tax_lines=(TaxLine(jurisdiction="CA", rate=Decimal("7.25"), amount=A("4.35 USD")),),
    )
    assert memo.currency == "USD"


def test_credit_memo_tax_line_in_other_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="tax_lines"):
        CreditMemo(
            id="CM-1",
            customer_id="C1",
            issue_date=D(2026, 1, 1),
            amount=A("4.35 USD"),
            tax_lines=(TaxLine(jurisdiction="CA", rate=Decimal(7), amount=A("4.35 EUR")),),
        )


def test_debit_memo_derives_due_date_like_an_invoice() -> None:
    memo = DebitMemo(
        id="DM-1", customer_id="C1", issue_date=D(2026, 1, 1), terms="NET 10", total=A("40 EUR")
    )
    assert memo.due_date == D(2026, 1, 11)


def test_proforma_converts_to_an_invoice_with_its_own_id_and_dates() -> None:
    pro = ProformaInvoice(
        id="PF-1", customer_id="C1", issue_date=D(2026, 1, 1), terms="NET 30", total=A("10 USD")
    )
    inv = pro.to_invoice(invoice_id="INV-9", issue_date=D(2026, 2, 1))
    assert (inv.id, inv.total, inv.due_date) == ("INV-9", A("10 USD"), D(2026, 3, 3))


# -- cash and movements ----------------------------------------------------------------


def test_payment_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="PAY-1: amount"):
        Payment(id="PAY-1", customer_id="C1", received_on=D(2026, 1, 1), amount=A("-1 USD"))


def test_payment_remittance_in_other_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"remittance\[0\]\.amount"):
        Payment(
            id="PAY-1",
            customer_id="C1",
            received_on=D(2026, 1, 1),
            amount=A("10 USD"),
            remittance=(RemittanceLine(reference="INV-1", amount=A("10 EUR")),),
        )


def test_remittance_discount_in_other_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="discount_taken is in EUR"):
        RemittanceLine(reference="INV-1", amount=A("10 USD"), discount_taken=A("1 EUR"))


def test_application_settles_amount_discount_and_write_off() -> None:
    app = Application(
        id="A1",
        source_id="PAY-1",
        target_id="INV-1",
        applied_on=D(2026, 1, 1),
        amount=A("98.00 USD"),
        discount=A("2.00 USD"),
        write_off=A("0.05 USD"),
    )
    assert app.settled == A("100.05 USD")
    assert app.used == A("98.00 USD")


def test_application_of_nothing_is_refused() -> None:
    with pytest.raises(ValidationError, match="applies nothing"):
        Application(
            id="A1", source_id="P", target_id="I", applied_on=D(2026, 1, 1), amount=A("0 USD")
        )


def test_application_with_negative_discount_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"A1: discount: .* must not be negative"):
        Application(
            id="A1",
            source_id="P",
            target_id="I",
            applied_on=D(2026, 1, 1),
            amount=A("1 USD"),
            discount=A("-1 USD"),
        )


def test_application_discount_in_other_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="discount: amount is in EUR"):
        Application(
            id="A1",
            source_id="P",
            target_id="I",
            applied_on=D(2026, 1, 1),
            amount=A("1 USD"),
            discount=A("1 EUR"),
        )


def test_write_off_needs_a_positive_amount() -> None:
    with pytest.raises(ValidationError, match="W1: amount"):
        WriteOff(
            id="W1",
            document_id="INV-1",
            written_off_on=D(2026, 1, 1),
            amount=A("0 USD"),
            reason_code="SMALL",
        )


# -- parties and records ---------------------------------------------------------------


def test_customer_negative_credit_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="C1: credit_limit: must not be negative"):
        Customer(id="C1", name="Acme", currency="USD", credit_limit=A("-1 USD"))


def test_customer_unknown_locale_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown locale"):
        Customer(id="C1", name="Acme", currency="USD", locale="xx_NOPE")


def test_customer_cannot_be_its_own_parent() -> None:
    with pytest.raises(ValidationError, match="own parent"):
        Customer(id="C1", name="Acme", currency="USD", parent_id="C1")


def test_customer_terms_parse_from_text_and_contacts_filter_by_role() -> None:
    customer = Customer(
        id="C1",
        name="Acme",
        currency="EUR",
        locale="de_DE",
        terms="2/10 NET 30",
        contacts=(
            Contact(name="Ann", email="ap@acme.example", roles=frozenset({ContactRole.BILLING})),
            Contact(name="Bo", roles=frozenset({ContactRole.ESCALATION})),
        ),
    )
    assert str(customer.terms) == "2/10 NET 30"
    assert [c.name for c in customer.contacts_for(ContactRole.ESCALATION)] == ["Bo"]


def test_tax_exemption_validity_window() -> None:
    cert = TaxExemption(certificate_id="EX-1", issued_on=D(2026, 1, 1), expires_on=D(2026, 12, 31))
    assert cert.valid_on(D(2026, 6, 1))
    assert not cert.valid_on(D(2027, 1, 1))
    assert not cert.valid_on(D(2025, 12, 31))


def test_promise_pay_by_before_promise_is_refused() -> None:
    with pytest.raises(ValidationError, match="P1: pay_by"):
        PromiseToPay(
            id="P1",
            customer_id="C1",
            amount=A("1 USD"),
            promised_on=D(2026, 2, 1),
            pay_by=D(2026, 1, 1),
        )


def test_dispute_is_open_until_resolved() -> None:
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="INV-1",
        amount=A("10 USD"),
        reason_code="PRICE",
        opened_on=D(2026, 1, 10),
    )
    closed = dispute.resolve(on=D(2026, 2, 1), resolution=DisputeResolution.CREDIT_MEMO)
    assert dispute.is_open(D(2026, 3, 1))
    assert closed.is_open(D(2026, 1, 31))
    assert not closed.is_open(D(2026, 2, 1))
    assert not closed.is_open(D(2026, 1, 9))


def test_dispute_resolution_before_opening_is_refused() -> None:
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="INV-1",
        amount=A("10 USD"),
        reason_code="PRICE",
        opened_on=D(2026, 1, 10),
    )
    with pytest.raises(ValidationError, match="D1: resolved_on"):
        dispute.resolve(on=D(2026, 1, 1), resolution=DisputeResolution.REJECTED)


def test_dispute_resolution_needs_its_date() -> None:
    with pytest.raises(ValidationError, match="give both resolved_on and resolution"):
        Dispute(
            id="D1",
            customer_id="C1",
            document_id="INV-1",
            amount=A("10 USD"),
            reason_code="PRICE",
            opened_on=D(2026, 1, 10),
            resolution=DisputeResolution.REJECTED,
        )


def test_set_fields_serialise_in_a_stable_sorted_order() -> None:
    contact = Contact(
        name="Ann",
        roles=frozenset({ContactRole.ESCALATION, ContactRole.BILLING, ContactRole.LEGAL}),
    )
    cert = TaxExemption(certificate_id="EX-1", jurisdictions=frozenset({"TX", "CA", "NY"}))
    assert contact.model_dump(mode="json")["roles"] == ["billing", "escalation", "legal"]
    assert cert.model_dump(mode="json")["jurisdictions"] == ["CA", "NY", "TX"]
    assert Contact.model_validate_json(contact.model_dump_json()) == contact


def test_a_bad_field_names_the_document_it_belongs_to() -> None:
    with pytest.raises(ValidationError, match=r"Invoice INV-9: total: money 1\.5 is a float"):
        Invoice(id="INV-9", customer_id="C1", issue_date=D(2026, 1, 1), total=1.5)  # type: ignore[arg-type]


def test_a_bad_line_field_names_the_invoice_and_the_line() -> None:
    with pytest.raises(ValidationError, match=r"Invoice INV-9: lines\.0: InvoiceLine L1: quantity"):
        Invoice.model_validate(
            {
                "id": "INV-9",
                "customer_id": "C1",
                "issue_date": "2026-01-01",
                "lines": [{"id": "L1", "unit_price": "1 USD", "quantity": 1.5}],
            }
        )


def test_an_error_already_naming_the_document_is_not_prefixed_twice() -> None:
    with pytest.raises(ValidationError) as info:
        Invoice(id="INV-9", customer_id="C1", issue_date=D(2026, 1, 1), total=A("-5 USD"))
    assert str(info.value).count("INV-9: total") == 1


def test_unit_price_keeps_digits_below_the_minor_unit_and_the_net_is_rounded() -> None:
    line = InvoiceLine(id="1", quantity=Decimal(100), unit_price=A("0.125 USD"))
    assert line.unit_price == A("0.125 USD")
    assert line.net == A("12.50 USD")
    odd = InvoiceLine(id="2", quantity=Decimal(3), unit_price=A("0.125 USD"))
    assert odd.net == A("0.38 USD")
    assert InvoiceLine.model_validate_json(line.model_dump_json()) == line


def test_unit_price_refuses_a_float() -> None:
    with pytest.raises(ValidationError, match="send the amount as a string"):
        InvoiceLine.model_validate_json(
            '{"id": "1", "unit_price": {"amount": 0.125, "currency": "USD"}}'
        )
