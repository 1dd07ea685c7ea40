"""cXML ``InvoiceDetailRequest`` for SAP Ariba Network, from an invoice.

:func:`invoice_detail_request` writes a PO-based invoice (a "PO flip") as cXML 1.2
(cXML.org, *cXML User's Guide* 1.2.0xx, chapter "Invoices"; element content models in
``InvoiceDetail.dtd``): the envelope (``Header`` with From/To/Sender credentials), an
``InvoiceDetailRequestHeader`` (invoice id, date, purpose, sold-to and remit-to
partners, payment terms), one ``InvoiceDetailOrder`` naming the purchase order, one
``InvoiceDetailItem`` per invoice line with its tax per jurisdiction (``TaxDetail`` with
``percentageRate`` and ``TaxLocation``), and the ``InvoiceDetailSummary``
(subtotal, tax, net and due amounts).

Payment terms map to ``PaymentTerm`` elements: the net days, and one more per
early-payment discount with ``DiscountPercent`` (cXML expresses terms as days after the
invoice date, so terms such as EOM or proximo are written by their due date's distance
from the invoice date).

Nothing here reads the clock: the payload id and timestamp are passed in.

Examples:
    >>> from datetime import date, datetime, timezone
    >>> from receivables.models import Invoice, InvoiceLine
    >>> inv = Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 3, 2),
    ...               terms="NET 30", po_number="4500012345",
    ...               lines=(InvoiceLine(id="1", unit_price="100.00 USD"),))
    >>> xml = invoice_detail_request(inv, envelope=CxmlEnvelope(
    ...     from_identity="AN01000000001", to_identity="AN01000000002",
    ...     sender_identity="AN01000000001", shared_secret="s3cret",
    ...     payload_id="1@acme.test", timestamp=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)),
    ...     remit_to="Seller Inc", sold_to="Buyer Corp")
    >>> b'<PaymentTerm payInNumberOfDays="30"' in xml
    True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, time
from decimal import Decimal
from typing import Final, Literal
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ConfigDict, Field, field_validator

from receivables.errors import ReceivablesError
from receivables.models import Invoice, TaxLine
from receivables.money import Money

__all__ = ["CXML_VERSION", "CxmlEnvelope", "CxmlError", "invoice_detail_request"]

CXML_VERSION: Final = "1.2.056"
"""The cXML version written (``cXML/@version`` and the DTD's system id)."""

_DOCTYPE: Final = (
    f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/InvoiceDetail.dtd">'
)


class CxmlError(ReceivablesError, ValueError):
    """An invoice that cannot be sent as cXML (no PO, no lines)."""


class CxmlEnvelope(BaseModel):
    """Who sends to whom: the Ariba Network ids (ANIDs) and the shared secret.

    ``timestamp`` must carry a time zone (cXML timestamps are ISO 8601 with offset).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_identity: str = Field(min_length=1)
    to_identity: str = Field(min_length=1)
    sender_identity: str = Field(min_length=1)
    shared_secret: str = Field(min_length=1, repr=False)
    payload_id: str = Field(min_length=1)
    timestamp: datetime
    domain: str = "NetworkID"
    deployment_mode: Literal["production", "test"] = "production"
    user_agent: str = "receivables"
    lang: str = "en-US"

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp needs a time zone (cXML timestamps carry an offset)")
        return value


def _el(parent: Element, tag: str, text: str | None = None, **attrs: str) -> Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _money(parent: Element, tag: str, money: Money) -> None:
    _el(_el(parent, tag), "Money", f"{money.quantize().amount:f}", currency=money.code)


def _credential(parent: Element, domain: str, identity: str) -> Element:
    cred = _el(parent, "Credential", domain=domain)
    _el(cred, "Identity", identity)
    return cred


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}"


def invoice_detail_request(
    invoice: Invoice,
    *,
    envelope: CxmlEnvelope,
    remit_to: str,
    sold_to: str,
    unit_of_measure: str = "EA",
) -> bytes:
    """The invoice as a cXML ``InvoiceDetailRequest`` document (bytes, UTF-8).

    The invoice needs lines and a purchase order number (``po_number``): Ariba matches
    the invoice to the order by it. ``unit_of_measure`` is the UN/CEFACT Rec. 20 code
    Ariba expects on each item (``EA``, each, by default).

    Examples:
        >>> from datetime import date, datetime, timezone
        >>> inv = Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 3, 2),
        ...               total="10.00 USD")
        >>> invoice_detail_request(inv, envelope=CxmlEnvelope(from_identity="A",
        ...     to_identity="B", sender_identity="A", shared_secret="x", payload_id="p",
        ...     timestamp=datetime(2026, 3, 2, tzinfo=timezone.utc)), remit_to="S", sold_to="B")
        Traceback (most recent call last):
        ...
        receivables.io.cxml.CxmlError: invoice INV-2: lines: cXML invoice items need lines
    """
    if not invoice.lines:
        raise CxmlError(
            f"invoice {invoice.id}: lines: cXML invoice items need lines",
            document_id=invoice.id,
            field="lines",
        )
    if invoice.po_number is None:
        raise CxmlError(
            f"invoice {invoice.id}: po_number: a cXML invoice is matched to its purchase order",
            document_id=invoice.id,
            field="po_number",
        )
    lang = envelope.lang
    tz = envelope.timestamp.tzinfo
    invoice_date = datetime.combine(invoice.issue_date, time(0), tzinfo=tz).isoformat()
    root = Element(
        "cXML",
        {
            "version": CXML_VERSION,
            "payloadID": envelope.payload_id,
            "timestamp": envelope.timestamp.isoformat(),
            "xml:lang": lang,
        },
    )
    header = _el(root, "Header")
    _credential(_el(header, "From"), envelope.domain, envelope.from_identity)
    _credential(_el(header, "To"), envelope.domain, envelope.to_identity)
    sender = _el(header, "Sender")
    cred = _credential(sender, envelope.domain, envelope.sender_identity)
    _el(cred, "SharedSecret", envelope.shared_secret)
    _el(sender, "UserAgent", envelope.user_agent)

    request = _el(
        _el(root, "Request", deploymentMode=envelope.deployment_mode), "InvoiceDetailRequest"
    )
    head = _el(
        request,
        "InvoiceDetailRequestHeader",
        invoiceID=invoice.id,
        purpose="standard",
        operation="new",
        invoiceDate=invoice_date,
    )
    _el(head, "InvoiceDetailHeaderIndicator")
    _el(head, "InvoiceDetailLineIndicator", isTaxInLine="yes")
    for role, name, address in (
        ("remitTo", remit_to, None),
        ("soldTo", sold_to, invoice.customer_id),
    ):
        attrs = {"role": role} if address is None else {"role": role, "addressID": address}
        _el(
            _el(_el(head, "InvoicePartner"), "Contact", **attrs), "Name", name, **{"xml:lang": lang}
        )
    if invoice.terms is not None:
        days = (invoice.due - invoice.issue_date).days
        _el(head, "PaymentTerm", payInNumberOfDays=str(days))
        for discount in invoice.terms.discounts:
            deadline = discount.deadline(invoice.issue_date)
            term = _el(
                head, "PaymentTerm", payInNumberOfDays=str((deadline - invoice.issue_date).days)
            )
            _el(_el(term, "Discount"), "DiscountPercent", percent=_rate(discount.percent))

    order = _el(request, "InvoiceDetailOrder")
    _el(_el(order, "InvoiceDetailOrderInfo"), "OrderIDInfo", orderID=invoice.po_number)
    currency = invoice.amount.code
    for n, line in enumerate(invoice.lines, start=1):
        item = _el(
            order, "InvoiceDetailItem", invoiceLineNumber=str(n), quantity=f"{line.quantity:f}"
        )
        _el(item, "UnitOfMeasure", unit_of_measure)
        _money(item, "UnitPrice", line.unit_price)
        ref = _el(
            item, "InvoiceDetailItemReference", lineNumber=line.id if line.id.isdigit() else str(n)
        )
        _el(ref, "Description", line.description or line.id, **{"xml:lang": lang})
        _money(item, "SubtotalAmount", line.net)
        if line.taxes:
            _tax(item, line.net, list(zip(line.taxes, line.tax_amounts(), strict=True)), lang)
        _money(item, "NetAmount", line.gross)

    summary = _el(request, "InvoiceDetailSummary")
    _money(summary, "SubtotalAmount", invoice.net_total)
    by_place: dict[tuple[str, Decimal], tuple[Money, Money]] = {}
    for line in invoice.lines:
        for t, amount in zip(line.taxes, line.tax_amounts(), strict=True):
            key = (t.jurisdiction, t.rate)
            base, tax = by_place.get(key, (Money.zero(currency), Money.zero(currency)))
            by_place[key] = (base + line.net, tax + amount)
    summary_tax = _el(summary, "Tax")
    _el(summary_tax, "Money", f"{invoice.tax_total.amount:f}", currency=currency)
    _el(summary_tax, "Description", "total tax", **{"xml:lang": lang})
    for (place, rate), (base, amount) in sorted(by_place.items()):
        _detail(summary_tax, place, rate, base, amount, lang)
    _money(summary, "NetAmount", invoice.amount)
    _money(summary, "DueAmount", invoice.amount)

    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{_DOCTYPE}\n{body}\n'.encode()


def _tax(parent: Element, base: Money, taxes: list[tuple[TaxLine, Money]], lang: str) -> None:
    total = sum((amount for _, amount in taxes), Money.zero(base.code))
    el = _el(parent, "Tax")
    _el(el, "Money", f"{total.amount:f}", currency=base.code)
    _el(el, "Description", "sales tax", **{"xml:lang": lang})
    for t, amount in taxes:
        _detail(el, t.jurisdiction, t.rate, base, amount, lang)


def _detail(
    parent: Element, place: str, rate: Decimal, base: Money, amount: Money, lang: str
) -> None:
    detail = _el(parent, "TaxDetail", purpose="tax", category="sales", percentageRate=_rate(rate))
    _money(detail, "TaxableAmount", base)
    _money(detail, "TaxAmount", amount)
    _el(detail, "TaxLocation", place, **{"xml:lang": lang})
