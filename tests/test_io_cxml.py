"""cXML InvoiceDetailRequest: valid against a DTD subset derived from cXML 1.2.

tests/data/cxml/InvoiceDetail-subset.dtd holds the content models of the elements the
writer uses, taken from cXML 1.2's InvoiceDetail.dtd / cXML.dtd (see its header): it is
not the official DTD.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.io.cxml import CxmlEnvelope, CxmlError, invoice_detail_request
from receivables.models import Invoice, InvoiceLine, TaxLine
from receivables.money import Money

etree = pytest.importorskip("lxml.etree")

A = Money.parse
D = date
DTD = Path(__file__).parent / "data" / "cxml" / "InvoiceDetail-subset.dtd"

ENVELOPE = CxmlEnvelope(
    from_identity="AN01000000001",
    to_identity="AN01000000002",
    sender_identity="AN01000000001",
    shared_secret="s3cret",
    payload_id="20260504.INV-1@seller.test",
    timestamp=datetime(2026, 5, 4, 9, 30, tzinfo=UTC),
)


def invoice(**extra: object) -> Invoice:
    taxes = (
        TaxLine(jurisdiction="TX", rate=Decimal("6.25"), level="state"),
        TaxLine(jurisdiction="TX-AUSTIN", rate=Decimal(1), level="city"),
    )
    data: dict[str, object] = {
        "id": "INV-1",
        "customer_id": "C1",
        "issue_date": D(2026, 5, 4),
        "terms": "2/10 NET 30",
        "po_number": "4500012345",
        "lines": (
            InvoiceLine(
                id="10",
                description="Widgets",
                quantity=Decimal(3),
                unit_price=A("33.33 USD"),
                taxes=taxes,
            ),
            InvoiceLine(id="20", description="Setup", unit_price=A("250.00 USD")),
        ),
    }
    data.update(extra)
    return Invoice.model_validate(data)


def parse(xml: bytes) -> object:
    # Our own trusted output: lxml without network or entity expansion.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(xml, parser)


def test_invoice_detail_request_is_valid_against_the_dtd() -> None:
    xml = invoice_detail_request(
        invoice(), envelope=ENVELOPE, remit_to="Seller Inc", sold_to="Buyer Corp"
    )
    dtd = etree.DTD(str(DTD))
    root = parse(xml)
    assert dtd.validate(root), dtd.error_log.filter_from_errors()


def test_dtd_check_can_fail() -> None:
    """Summary without NetAmount breaks the content model."""
    xml = invoice_detail_request(invoice(), envelope=ENVELOPE, remit_to="S", sold_to="B")
    root = parse(xml)
    summary = root.find(".//InvoiceDetailSummary")
    summary.remove(summary.find("NetAmount"))
    assert not etree.DTD(str(DTD)).validate(root)


def test_header_lines_tax_terms_and_po() -> None:
    root = parse(invoice_detail_request(invoice(), envelope=ENVELOPE, remit_to="S", sold_to="B"))
    assert root.get("payloadID") == "20260504.INV-1@seller.test"
    head = root.find(".//InvoiceDetailRequestHeader")
    assert (head.get("invoiceID"), head.get("invoiceDate")) == (
        "INV-1",
        "2026-05-04T00:00:00+00:00",
    )
    terms = [
        (t.get("payInNumberOfDays"), t.findtext("Discount/DiscountPercent"))
        for t in head.findall("PaymentTerm")
    ]
    assert [t[0] for t in terms] == ["30", "10"]
    assert head.find("PaymentTerm[2]/Discount/DiscountPercent").get("percent") == "2"
    assert root.find(".//OrderIDInfo").get("orderID") == "4500012345"
    items = root.findall(".//InvoiceDetailItem")
    assert [i.get("quantity") for i in items] == ["3", "1"]
    # 99.99 x 6.25 % = 6.249375 -> 6.25; x 1 % = 0.9999 -> 1.00
    details = items[0].findall("Tax/TaxDetail")
    assert [
        (d.get("percentageRate"), d.findtext("TaxAmount/Money"), d.findtext("TaxLocation"))
        for d in details
    ] == [
        ("6.25", "6.25", "TX"),
        ("1", "1.00", "TX-AUSTIN"),
    ]
    summary = root.find(".//InvoiceDetailSummary")
    assert summary.findtext("SubtotalAmount/Money") == "349.99"
    assert summary.findtext("Tax/Money") == "7.25"
    assert summary.findtext("DueAmount/Money") == "357.24"


def test_invoice_without_po_is_refused() -> None:
    with pytest.raises(CxmlError, match="INV-1: po_number"):
        invoice_detail_request(
            invoice(po_number=None), envelope=ENVELOPE, remit_to="S", sold_to="B"
        )


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        ENVELOPE.model_copy(update={}).model_validate(
            {**ENVELOPE.model_dump(), "timestamp": datetime(2026, 5, 4, 9, 30)}
        )
