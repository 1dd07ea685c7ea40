"""UBL 2.1 / Peppol BIS Billing 3.0: schema-valid output, round trips, refused input.

The schemas in tests/data/ubl are a subset derived from the OASIS UBL 2.1 XSDs (element
order and cardinalities of the OASIS types, reduced to what the writer uses): see
tests/data/ubl/OASIS-NOTICE.txt.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.ubl import (
    CUSTOMIZATION_ID,
    Party,
    UblLimits,
    credit_note_to_ubl,
    invoice_to_ubl,
    parse_ubl,
)
from receivables.models import (
    CreditMemo,
    CreditReason,
    Customer,
    Invoice,
    InvoiceLine,
    TaxLine,
)
from receivables.money import Money

xmlschema = pytest.importorskip("xmlschema")

A = Money.parse
D = date
SCHEMAS = Path(__file__).parent / "data" / "ubl"

SELLER = Party(
    name="Seller BV",
    country="NL",
    endpoint_id="NL123456789B01",
    endpoint_scheme="9944",
    vat_id="NL123456789B01",
    street="Keizersgracht 1",
    city="Amsterdam",
    postal_zone="1015 CJ",
    iban="NL91ABNA0417164300",
)
BUYER = Party(
    name="Acme GmbH",
    country="DE",
    endpoint_id="DE811907980",
    endpoint_scheme="9930",
    party_id="C1",
    vat_id="DE811907980",
    email="ap@acme.test",
)


def vat(rate: str) -> tuple[TaxLine, ...]:
    return (TaxLine(jurisdiction="VAT", rate=Decimal(rate), level="country"),)


def invoice() -> Invoice:
    return Invoice(
        id="INV-2026-001",
        customer_id="C1",
        issue_date=D(2026, 3, 2),
        terms="2/10 NET 30",
        po_number="PO-4711",
        lines=(
            InvoiceLine(
                id="1",
                description="Widgets",
                quantity=Decimal(3),
                unit_price=A("33.33 EUR"),
                taxes=vat("21"),
            ),
            InvoiceLine(id="2", description="Manual", unit_price=A("12.50 EUR"), taxes=vat("9")),
            InvoiceLine(id="3", description="Gadget", unit_price=A("0.99 EUR"), taxes=vat("21")),
        ),
    )


@pytest.fixture(scope="module")
def invoice_schema() -> object:
    return xmlschema.XMLSchema(str(SCHEMAS / "UBL-Invoice-2.1-subset.xsd"))


@pytest.fixture(scope="module")
def credit_note_schema() -> object:
    return xmlschema.XMLSchema(str(SCHEMAS / "UBL-CreditNote-2.1-subset.xsd"))


def test_invoice_is_valid_against_the_ubl_schema(invoice_schema: object) -> None:
    xml = invoice_to_ubl(invoice(), seller=SELLER, buyer=BUYER)
    invoice_schema.validate(xml.decode())  # type: ignore[attr-defined]


def test_out_of_order_element_fails_the_schema(invoice_schema: object) -> None:
    """The schema check can fail: DueDate moved after InvoiceTypeCode is invalid UBL."""
    xml = invoice_to_ubl(invoice(), seller=SELLER, buyer=BUYER).decode()
    due = "<cbc:DueDate>2026-04-01</cbc:DueDate>"
    assert due in xml
    moved = xml.replace(due, "").replace(
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>" + due,
    )
    assert not invoice_schema.is_valid(moved)  # type: ignore[attr-defined]


def test_invoice_carries_peppol_identifiers_and_totals() -> None:
    xml = invoice_to_ubl(invoice(), seller=SELLER, buyer=BUYER).decode()
    assert f"<cbc:CustomizationID>{CUSTOMIZATION_ID}</cbc:CustomizationID>" in xml
    # 99.99 + 12.50 + 0.99 = 113.48 net; 21 %: 21.00 + 0.21 = 21.21; 9 %: 1.13
    assert '<cbc:TaxExclusiveAmount currencyID="EUR">113.48</cbc:TaxExclusiveAmount>' in xml
    assert '<cbc:TaxAmount currencyID="EUR">22.34</cbc:TaxAmount>' in xml
    assert '<cbc:PayableAmount currencyID="EUR">135.82</cbc:PayableAmount>' in xml
    assert "<cbc:Note>2/10 NET 30</cbc:Note>" in xml


def test_invoice_round_trip_keeps_amounts_dates_and_references() -> None:
    original = invoice()
    parsed = parse_ubl(invoice_to_ubl(original, seller=SELLER, buyer=BUYER))
    back = parsed.document
    assert isinstance(back, Invoice)
    assert (back.id, back.customer_id, back.issue_date, back.due_date, back.po_number) == (
        original.id,
        "C1",
        original.issue_date,
        original.due_date,
        "PO-4711",
    )
    assert (back.total, back.net_total, back.tax_total) == (
        original.total,
        original.net_total,
        original.tax_total,
    )
    assert [line.net for line in back.lines] == [line.net for line in original.lines]
    assert [line.tax for line in back.lines] == [line.tax for line in original.lines]
    assert back.terms == original.terms
    assert parsed.seller.model_dump(exclude={"iban"}) == SELLER.model_dump(exclude={"iban"})
    assert parsed.buyer == BUYER


def test_us_sales_tax_lines_collapse_to_one_category_and_keep_the_total(
    invoice_schema: object,
) -> None:
    """6.25 % state + 1 % city + 1 % district on 99.99: 6.25 + 1.00 + 1.00 = 8.25."""
    taxes = (
        TaxLine(jurisdiction="TX", rate=Decimal("6.25"), level="state"),
        TaxLine(jurisdiction="TX-AUSTIN", rate=Decimal(1), level="city"),
        TaxLine(jurisdiction="TX-CMTA", rate=Decimal(1), level="district"),
    )
    us = Invoice(
        id="INV-US",
        customer_id="C9",
        issue_date=D(2026, 5, 4),
        lines=(InvoiceLine(id="1", quantity=Decimal(3), unit_price=A("33.33 USD"), taxes=taxes),),
    )
    xml = invoice_to_ubl(us, seller=SELLER, buyer=Party(name="Buyer Inc", country="US"))
    invoice_schema.validate(xml.decode())  # type: ignore[attr-defined]
    back = parse_ubl(xml).document
    assert back.amount == A("108.24 USD")
    assert back.customer_id == "C9"


def test_credit_note_is_valid_and_round_trips(credit_note_schema: object) -> None:
    memo = CreditMemo(
        id="CM-7",
        customer_id="C1",
        issue_date=D(2026, 3, 20),
        amount=A("24.20 EUR"),
        reason=CreditReason.RETURN,
        linked_document_id="INV-2026-001",
        tax_lines=(TaxLine(jurisdiction="VAT", rate=Decimal(21), amount=A("4.20 EUR")),),
    )
    xml = credit_note_to_ubl(memo, seller=SELLER, buyer=BUYER)
    credit_note_schema.validate(xml.decode())  # type: ignore[attr-defined]
    assert b'<cbc:LineExtensionAmount currencyID="EUR">20.00</cbc:LineExtensionAmount>' in xml
    back = parse_ubl(xml).document
    assert isinstance(back, CreditMemo)
    assert back.model_dump(exclude={"tax_lines"}) == memo.model_dump(exclude={"tax_lines"})
    assert [(t.jurisdiction, t.rate, t.amount) for t in back.tax_lines] == [
        ("VAT", Decimal(21), A("4.20 EUR"))
    ]


def test_tax_only_credit_note_has_a_zero_net_line(credit_note_schema: object) -> None:
    memo = CreditMemo(
        id="CM-T",
        customer_id="C1",
        issue_date=D(2026, 3, 20),
        amount=A("11.00 USD"),
        reason=CreditReason.TAX,
        tax_lines=(TaxLine(jurisdiction="TX-CMTA", rate=Decimal(1), amount=A("11.00 USD")),),
    )
    xml = credit_note_to_ubl(memo, seller=SELLER, buyer=BUYER)
    credit_note_schema.validate(xml.decode())  # type: ignore[attr-defined]
    back = parse_ubl(xml).document
    assert isinstance(back, CreditMemo)
    assert (back.reason, back.tax_lines[0].jurisdiction) == (CreditReason.TAX, "TX-CMTA")


def test_buyer_party_from_customer() -> None:
    customer = Customer(id="C1", name="Acme GmbH", currency="EUR", country="DE")
    party = Party.from_customer(customer, endpoint_id="DE811907980", endpoint_scheme="9930")
    assert (party.name, party.country, party.party_id) == ("Acme GmbH", "DE", "C1")


def test_customer_without_country_is_refused() -> None:
    with pytest.raises(ValueError, match="C1: country"):
        Party.from_customer(Customer(id="C1", name="Acme", currency="EUR"))


def test_invoice_without_lines_is_refused() -> None:
    bare = Invoice(id="I", customer_id="C1", issue_date=D(2026, 1, 1), total=A("5 EUR"))
    with pytest.raises(ValueError, match="I: lines"):
        invoice_to_ubl(bare, seller=SELLER, buyer=BUYER)


def test_endpoint_without_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="together"):
        Party(name="X", country="DE", endpoint_id="123")


# -- bad XML ---------------------------------------------------------------------------


def good_xml() -> str:
    return invoice_to_ubl(invoice(), seller=SELLER, buyer=BUYER).decode()


def test_doctype_is_refused() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice>&a;</Invoice>'
    with pytest.raises(ParseError, match="DTD or entities"):
        parse_ubl(evil)


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(ParseError, match="line 1"):
        parse_ubl("<Invoice><unclosed></Invoice>")


def test_oversized_file_is_refused() -> None:
    with pytest.raises(ParseError, match="more than the limit"):
        parse_ubl(good_xml(), limits=UblLimits(max_bytes=100))


def test_too_many_lines_are_refused() -> None:
    with pytest.raises(ParseError, match="more than 2 lines"):
        parse_ubl(good_xml(), limits=UblLimits(max_lines=2))


def test_missing_element_is_reported_with_its_path() -> None:
    broken = good_xml().replace("<cbc:IssueDate>2026-03-02</cbc:IssueDate>", "")
    with pytest.raises(ParseError, match="/Invoice: required element cbc:IssueDate"):
        parse_ubl(broken)


def test_bad_date_is_reported() -> None:
    broken = good_xml().replace("2026-04-01", "01/04/2026")
    with pytest.raises(ParseError, match=r"cbc:DueDate: '01/04/2026' is not a date"):
        parse_ubl(broken)


def test_amount_in_another_currency_is_refused() -> None:
    broken = good_xml().replace('PayableAmount currencyID="EUR"', 'PayableAmount currencyID="USD"')
    broken = broken.replace(
        'TaxInclusiveAmount currencyID="EUR"', 'TaxInclusiveAmount currencyID="USD"'
    )
    with pytest.raises(ParseError, match="currencyID 'USD' differs"):
        parse_ubl(broken)


def test_total_that_does_not_add_up_is_refused() -> None:
    broken = good_xml().replace(">135.82<", ">135.83<")
    with pytest.raises(ParseError, match=r"TaxInclusiveAmount 135.83 EUR is not .*BR-CO-15"):
        parse_ubl(broken)


def test_line_amount_that_is_not_quantity_times_price_is_refused() -> None:
    broken = good_xml().replace(
        'LineExtensionAmount currencyID="EUR">99.99<', 'LineExtensionAmount currencyID="EUR">99.98<'
    )
    with pytest.raises(ParseError, match=r"InvoiceLine\[1\]: LineExtensionAmount"):
        parse_ubl(broken)


def test_other_root_is_refused() -> None:
    with pytest.raises(ParseError, match=r"not a UBL 2\.1 Invoice or CreditNote"):
        parse_ubl('<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>')


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        # EN 16931-1:2017, 6.4 business rules; the good invoice: lines 113.48, tax 22.34.
        (
            '<cbc:TaxAmount currencyID="EUR">22.34<',
            '<cbc:TaxAmount currencyID="EUR">99.00<',
            "BR-CO-14",
        ),
        (
            'LineExtensionAmount currencyID="EUR">113.48<',
            'LineExtensionAmount currencyID="EUR">113.47<',
            "BR-CO-10",
        ),
        (
            'TaxExclusiveAmount currencyID="EUR">113.48<',
            'TaxExclusiveAmount currencyID="EUR">1.00<',
            "BR-CO-13",
        ),
        (
            'PayableAmount currencyID="EUR">135.82<',
            'PayableAmount currencyID="EUR">1.00<',
            "BR-CO-16",
        ),
    ],
)
def test_document_totals_that_contradict_the_lines_are_refused(
    old: str, new: str, rule: str
) -> None:
    broken = good_xml().replace(old, new, 1)
    assert broken != good_xml()
    with pytest.raises(ParseError, match=rule):
        parse_ubl(broken)


def test_total_with_more_decimals_than_the_currency_is_refused_not_rounded() -> None:
    broken = good_xml().replace(">135.82<", ">135.824<")
    with pytest.raises(ParseError, match="more decimals than EUR allows"):
        parse_ubl(broken)


def test_prepaid_amount_lowers_the_payable_amount_only() -> None:
    # BR-CO-16: payable 135.82 - prepaid 35.82 = 100.00; the invoice is still 135.82.
    xml = good_xml().replace(
        '<cbc:PayableAmount currencyID="EUR">135.82<',
        '<cbc:PrepaidAmount currencyID="EUR">35.82</cbc:PrepaidAmount>'
        '<cbc:PayableAmount currencyID="EUR">100.00<',
    )
    assert parse_ubl(xml).document.total == A("135.82 EUR")


def credit_note_xml() -> str:
    memo = CreditMemo(
        id="CM-7",
        customer_id="C1",
        issue_date=D(2026, 3, 20),
        amount=A("24.20 EUR"),
        linked_document_id="INV-2026-001",
        tax_lines=(TaxLine(jurisdiction="VAT", rate=Decimal(21), amount=A("4.20 EUR")),),
    )
    return credit_note_to_ubl(memo, seller=SELLER, buyer=BUYER).decode()


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        # The good credit note: line 20.00, tax 4.20, inclusive and payable 24.20.
        (
            'PayableAmount currencyID="EUR">24.20<',
            'PayableAmount currencyID="EUR">99.20<',
            "BR-CO-16",
        ),
        (
            'TaxInclusiveAmount currencyID="EUR">24.20<',
            'TaxInclusiveAmount currencyID="EUR">99.20<',
            "BR-CO-15",
        ),
        (
            '<cbc:TaxAmount currencyID="EUR">4.20<',
            '<cbc:TaxAmount currencyID="EUR">9.20<',
            "BR-CO-14",
        ),
    ],
)
def test_credit_note_totals_that_contradict_each_other_are_refused(
    old: str, new: str, rule: str
) -> None:
    broken = credit_note_xml().replace(old, new, 1)
    assert broken != credit_note_xml()
    with pytest.raises(ParseError, match=rule):
        parse_ubl(broken)
