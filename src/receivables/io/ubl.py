"""UBL 2.1 invoices and credit notes in the Peppol BIS Billing 3.0 profile, out and back.

:func:`invoice_to_ubl` and :func:`credit_note_to_ubl` write an
:class:`~receivables.models.Invoice` or :class:`~receivables.models.CreditMemo` as an
OASIS UBL 2.1 ``Invoice`` / ``CreditNote`` (OASIS, *Universal Business Language
Version 2.1*, 2013, sections 3.2 and 3.2.1) carrying the Peppol BIS Billing 3.0
customization and profile identifiers (OpenPeppol, *Peppol BIS Billing 3.0*, 2017-2024,
section 5 "Identifiers"), the syntax e-invoicing networks (Peppol access points,
Tungsten Network, Pagero ...) accept. :func:`parse_ubl` reads such a document back into
the models, through defusedxml (no DTD, no entities, size and count caps).

What the mapping does, and does not, carry:

- Each line's taxes become one ``ClassifiedTaxCategory`` whose percent is the sum of the
  line's rates (EN 16931 allows one tax category per line, BT-151/BT-152): category ``S``
  above zero, ``Z`` at zero. The document's ``TaxTotal`` has one ``TaxSubtotal`` per
  category and percent, whose amount is the sum of the lines' taxes as the invoice
  rounded them (per line, half up), so the XML total equals the ledger's total to the
  cent. Parsing back splits each subtotal's tax over its lines in proportion to their net
  (largest remainder), so totals survive the round trip exactly; a line with several
  jurisdictions comes back as one tax line (``jurisdiction`` = the tax scheme, ``VAT``).
- A credit note carries the memo as one line: the net (amount less its tax lines) and
  one ``TaxSubtotal`` per tax line with the jurisdiction as the category name; the
  linked document becomes ``BillingReference/InvoiceDocumentReference`` (BT-25) and the
  reason a note ``Reason: <reason>``.
- The purchase order becomes ``OrderReference`` (BT-13) and the ``BuyerReference``
  (BT-10, which Peppol requires when there is no order reference); payment terms become
  ``PaymentTerms/Note`` (BT-20).

Examples:
    >>> from datetime import date
    >>> from receivables.models import Invoice, InvoiceLine, TaxLine
    >>> seller = Party(name="Seller BV", country="NL", endpoint_id="NL123456789B01",
    ...                endpoint_scheme="9944", vat_id="NL123456789B01")
    >>> buyer = Party(name="Acme GmbH", country="DE", endpoint_id="DE811907980",
    ...               endpoint_scheme="9930", party_id="C1")
    >>> inv = Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 3, 2),
    ...               terms="NET 30", po_number="PO-77", lines=(InvoiceLine(
    ...               id="1", unit_price="100.00 EUR",
    ...               taxes=(TaxLine(jurisdiction="VAT", rate="21"),)),))
    >>> xml = invoice_to_ubl(inv, seller=seller, buyer=buyer)
    >>> parse_ubl(xml).document.total
    Money('121.00', 'EUR')
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final, Self
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from receivables.errors import ParseError, ReceivablesError
from receivables.models import (
    CreditMemo,
    CreditReason,
    Customer,
    Invoice,
    InvoiceLine,
    TaxLine,
)
from receivables.money import Money, split
from receivables.terms import PaymentTerms

__all__ = [
    "CUSTOMIZATION_ID",
    "PROFILE_ID",
    "Party",
    "UblDocument",
    "UblLimits",
    "credit_note_to_ubl",
    "invoice_to_ubl",
    "parse_ubl",
]

CUSTOMIZATION_ID: Final = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
"""Peppol BIS Billing 3.0 customization identifier (BT-24)."""
PROFILE_ID: Final = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""Peppol BIS Billing 3.0 business process (BT-23): billing."""

NS_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

ET.register_namespace("cac", NS_CAC)
ET.register_namespace("cbc", NS_CBC)

_UNIT_ONE: Final = "C62"  # UN/ECE Recommendation 20 code for "one" (a unit count)
_REASON_RE: Final = re.compile(r"^Reason: ([a-z_]+)$")


class UblError(ReceivablesError, ValueError):
    """A document that cannot be written as UBL (no lines, unknown parties)."""


class UblLimits(BaseModel):
    """Caps on an untrusted UBL file: bytes and lines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_lines: int = Field(default=10_000, gt=0)


class Party(BaseModel):
    """A trading party as e-invoicing needs it: seller (AccountingSupplierParty) or buyer
    (AccountingCustomerParty).

    ``endpoint_id``/``endpoint_scheme`` are the Peppol electronic address (BT-34/BT-49,
    scheme from the EAS code list, e.g. ``0088`` GLN, ``9930`` German VAT);
    ``party_id`` is the buyer's account id at the seller (our customer id).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    endpoint_id: str | None = None
    endpoint_scheme: str | None = Field(default=None, pattern=r"^\d{4}$")
    party_id: str | None = None
    vat_id: str | None = None
    legal_id: str | None = None
    street: str | None = None
    city: str | None = None
    postal_zone: str | None = None
    email: str | None = None
    iban: str | None = None

    @model_validator(mode="after")
    def _endpoint(self) -> Self:
        if (self.endpoint_id is None) != (self.endpoint_scheme is None):
            raise ValueError(f"party {self.name!r}: give endpoint_id and endpoint_scheme together")
        return self

    @classmethod
    def from_customer(cls, customer: Customer, **fields: str) -> Party:
        """The buyer party of ``customer`` (name, country, id, billing e-mail), plus
        ``fields`` such as ``endpoint_id``.

        Examples:
            >>> c = Customer(id="C1", name="Acme GmbH", currency="EUR", country="DE")
            >>> Party.from_customer(c, city="Berlin").party_id
            'C1'
        """
        if customer.country is None and "country" not in fields:
            raise UblError(
                f"customer {customer.id}: country: e-invoices need the buyer's country",
                document_id=customer.id,
                field="country",
            )
        billing = next((c.email for c in customer.contacts if c.email), None)
        data: dict[str, str | None] = {
            "name": customer.name,
            "country": customer.country,
            "party_id": customer.id,
            "email": billing,
        }
        data.update(fields)
        return cls.model_validate(data)


class UblDocument(BaseModel):
    """A parsed UBL document: the model, both parties, and what the XML said."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: Invoice | CreditMemo
    seller: Party
    buyer: Party
    customization_id: str | None = None
    profile_id: str | None = None


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _cbc(parent: Element, tag: str, text: str, **attrs: str) -> Element:
    el = ET.SubElement(parent, f"{{{NS_CBC}}}{tag}", attrs)
    el.text = text
    return el


def _cac(parent: Element, tag: str) -> Element:
    return ET.SubElement(parent, f"{{{NS_CAC}}}{tag}")


def _amount(parent: Element, tag: str, money: Money) -> None:
    _cbc(parent, tag, f"{money.quantize().amount:f}", currencyID=money.code)


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _party(parent: Element, role: str, party: Party) -> None:
    el = _cac(_cac(parent, role), "Party")
    if party.endpoint_id is not None and party.endpoint_scheme is not None:
        _cbc(el, "EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    if party.party_id is not None:
        _cbc(_cac(el, "PartyIdentification"), "ID", party.party_id)
    _cbc(_cac(el, "PartyName"), "Name", party.name)
    address = _cac(el, "PostalAddress")
    if party.street is not None:
        _cbc(address, "StreetName", party.street)
    if party.city is not None:
        _cbc(address, "CityName", party.city)
    if party.postal_zone is not None:
        _cbc(address, "PostalZone", party.postal_zone)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    if party.vat_id is not None:
        scheme = _cac(el, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(el, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.legal_id is not None:
        _cbc(legal, "CompanyID", party.legal_id)
    if party.email is not None:
        _cbc(_cac(el, "Contact"), "ElectronicMail", party.email)


def _category(parent: Element, tag: str, percent: Decimal, name: str | None = None) -> None:
    el = _cac(parent, tag)
    _cbc(el, "ID", "S" if percent > 0 else "Z")
    if name is not None:
        _cbc(el, "Name", name)
    _cbc(el, "Percent", _percent(percent))
    _cbc(_cac(el, "TaxScheme"), "ID", "VAT")


def _payment_means(root: Element, seller: Party, reference: str) -> None:
    if seller.iban is None:
        return
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", "58" if seller.country != "US" else "30")
    _cbc(means, "PaymentID", reference)
    _cbc(_cac(means, "PayeeFinancialAccount"), "ID", seller.iban)


def _with_account(buyer: Party, customer_id: str) -> Party:
    # The buyer's account id travels as PartyIdentification so parsing finds the customer.
    return (
        buyer if buyer.party_id is not None else buyer.model_copy(update={"party_id": customer_id})
    )


def _to_bytes(root: Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def invoice_to_ubl(invoice: Invoice, *, seller: Party, buyer: Party) -> bytes:
    """The invoice as a UBL 2.1 ``Invoice`` in the Peppol BIS Billing 3.0 profile.

    The invoice needs lines (an invoice line, BG-25, is mandatory in EN 16931).

    Examples:
        >>> from receivables.models import InvoiceLine
        >>> inv = Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 3, 2),
        ...               lines=(InvoiceLine(id="1", unit_price="10.00 EUR"),))
        >>> b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>" in invoice_to_ubl(
        ...     inv, seller=Party(name="S", country="NL"), buyer=Party(name="B", country="DE"))
        True
    """
    if not invoice.lines:
        raise UblError(
            f"invoice {invoice.id}: lines: an e-invoice needs at least one line",
            document_id=invoice.id,
            field="lines",
        )
    currency = invoice.amount.code
    buyer = _with_account(buyer, invoice.customer_id)
    # The document namespace as the default one, as UBL instances are usually written.
    root = Element("Invoice", {"xmlns": NS_INVOICE})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.id)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    _cbc(root, "DueDate", invoice.due.isoformat())
    _cbc(root, "InvoiceTypeCode", "380")
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.po_number or buyer.party_id or invoice.customer_id)
    if invoice.po_number is not None:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.po_number)
    _party(root, "AccountingSupplierParty", seller)
    _party(root, "AccountingCustomerParty", buyer)
    _payment_means(root, seller, invoice.id)
    if invoice.terms is not None:
        _cbc(_cac(root, "PaymentTerms"), "Note", str(invoice.terms))

    groups: dict[Decimal, tuple[Money, Money]] = {}
    for line in invoice.lines:
        rate = sum((t.rate for t in line.taxes), Decimal(0))
        net, tax = groups.get(rate, (Money.zero(currency), Money.zero(currency)))
        groups[rate] = (net + line.net, tax + line.tax)
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.tax_total)
    for rate in sorted(groups):
        net, tax = groups[rate]
        sub = _cac(tax_total, "TaxSubtotal")
        _amount(sub, "TaxableAmount", net)
        _amount(sub, "TaxAmount", tax)
        _category(sub, "TaxCategory", rate)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", invoice.net_total)
    _amount(totals, "TaxExclusiveAmount", invoice.net_total)
    _amount(totals, "TaxInclusiveAmount", invoice.amount)
    _amount(totals, "PayableAmount", invoice.amount)

    for line in invoice.lines:
        el = _cac(root, "InvoiceLine")
        _cbc(el, "ID", line.id)
        _cbc(el, "InvoicedQuantity", f"{line.quantity:f}", unitCode=_UNIT_ONE)
        _amount(el, "LineExtensionAmount", line.net)
        item = _cac(el, "Item")
        _cbc(item, "Name", line.description or line.id)
        _category(item, "ClassifiedTaxCategory", sum((t.rate for t in line.taxes), Decimal(0)))
        price = _cac(el, "Price")
        _cbc(price, "PriceAmount", f"{line.unit_price.amount:f}", currencyID=currency)
    return _to_bytes(root)


def credit_note_to_ubl(memo: CreditMemo, *, seller: Party, buyer: Party) -> bytes:
    """The credit memo as a UBL 2.1 ``CreditNote`` (type 381) in the Peppol BIS profile.

    Examples:
        >>> memo = CreditMemo(id="CM-1", customer_id="C1", issue_date=date(2026, 3, 9),
        ...                   amount="50.00 EUR", linked_document_id="INV-1")
        >>> doc = parse_ubl(credit_note_to_ubl(memo, seller=Party(name="S", country="NL"),
        ...                                    buyer=Party(name="B", country="DE")))
        >>> doc.document == memo
        True
    """
    currency = memo.currency
    tax = sum((_memo_tax(memo, i) for i in range(len(memo.tax_lines))), Money.zero(currency))
    net = memo.amount - tax
    if net.amount < 0:
        raise UblError(
            f"credit memo {memo.id}: tax_lines: tax {tax} exceeds the amount {memo.amount}",
            document_id=memo.id,
            field="tax_lines",
        )
    buyer = _with_account(buyer, memo.customer_id)
    root = Element("CreditNote", {"xmlns": NS_CREDIT_NOTE})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", memo.id)
    _cbc(root, "IssueDate", memo.issue_date.isoformat())
    _cbc(root, "CreditNoteTypeCode", "381")
    _cbc(root, "Note", f"Reason: {memo.reason.value}")
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", buyer.party_id or memo.customer_id)
    if memo.linked_document_id is not None:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", memo.linked_document_id)
    _party(root, "AccountingSupplierParty", seller)
    _party(root, "AccountingCustomerParty", buyer)
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", tax)
    if memo.tax_lines:
        for i, t in enumerate(memo.tax_lines):
            sub = _cac(tax_total, "TaxSubtotal")
            _amount(sub, "TaxableAmount", net)
            _amount(sub, "TaxAmount", _memo_tax(memo, i))
            _category(sub, "TaxCategory", t.rate, name=t.jurisdiction)
    else:
        sub = _cac(tax_total, "TaxSubtotal")
        _amount(sub, "TaxableAmount", net)
        _amount(sub, "TaxAmount", Money.zero(currency))
        _category(sub, "TaxCategory", Decimal(0))
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", net)
    _amount(totals, "TaxExclusiveAmount", net)
    _amount(totals, "TaxInclusiveAmount", memo.amount)
    _amount(totals, "PayableAmount", memo.amount)
    line = _cac(root, "CreditNoteLine")
    _cbc(line, "ID", "1")
    _cbc(line, "CreditedQuantity", "1", unitCode=_UNIT_ONE)
    _amount(line, "LineExtensionAmount", net)
    item = _cac(line, "Item")
    _cbc(item, "Name", f"{memo.reason.value} credit")
    _category(item, "ClassifiedTaxCategory", sum((t.rate for t in memo.tax_lines), Decimal(0)))
    _amount(_cac(line, "Price"), "PriceAmount", net)
    return _to_bytes(root)


def _memo_tax(memo: CreditMemo, i: int) -> Money:
    t = memo.tax_lines[i]
    if t.amount is None:
        raise UblError(
            f"credit memo {memo.id}: tax_lines[{i}].amount: give the tax amount",
            document_id=memo.id,
            field=f"tax_lines[{i}].amount",
        )
    return t.amount


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


class _Node:
    """An element with its path, for error messages that say where."""

    __slots__ = ("el", "path")

    def __init__(self, el: Element, path: str) -> None:
        self.el = el
        self.path = path

    def _tag(self, name: str) -> str:
        prefix, _, local = name.partition(":")
        return f"{{{NS_CAC if prefix == 'cac' else NS_CBC}}}{local}"

    def find(self, name: str) -> _Node | None:
        el = self.el.find(self._tag(name))
        return None if el is None else _Node(el, f"{self.path}/{name}")

    def all(self, name: str) -> Iterator[_Node]:
        for i, el in enumerate(self.el.findall(self._tag(name)), start=1):
            yield _Node(el, f"{self.path}/{name}[{i}]")

    def need(self, name: str) -> _Node:
        node = self.find(name)
        if node is None:
            raise ParseError(f"required element {name} is missing", location=self.path)
        return node

    def text(self, name: str) -> str | None:
        node = self.find(name)
        if node is None or node.el.text is None or not node.el.text.strip():
            return None
        return node.el.text.strip()

    def need_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise ParseError(f"required element {name} is missing or empty", location=self.path)
        return value

    def date(self, name: str) -> date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ParseError(
                f"{value!r} is not a date (YYYY-MM-DD)", location=f"{self.path}/{name}"
            ) from None

    def decimal(self, name: str) -> Decimal:
        value = self.need_text(name)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ParseError(f"{value!r} is not a number", location=f"{self.path}/{name}") from None
        if not number.is_finite():
            raise ParseError(f"{value!r} is not a number", location=f"{self.path}/{name}")
        return number

    def money(self, name: str, currency: str, *, exact: bool = True) -> Money:
        """The amount of element ``name``; ``exact`` refuses digits below the minor unit
        (an amount, EN 16931 BR-DEC rules) rather than rounding them away."""
        node = self.need(name)
        code = node.el.get("currencyID")
        if code != currency:
            raise ParseError(
                f"currencyID {code!r} differs from the document currency {currency}",
                location=node.path,
            )
        money = Money(self.decimal(name), currency)
        if exact and not money.is_quantized:
            raise ParseError(
                f"{money.amount} has more decimals than {currency} allows", location=node.path
            )
        return money.quantize()

    def optional_money(self, name: str, currency: str) -> Money:
        """The amount of element ``name``, zero when the element is absent."""
        if self.find(name) is None:
            return Money.zero(currency)
        return self.money(name, currency)


def _read_party(node: _Node) -> Party:
    p = node.need("cac:Party")
    endpoint = p.find("cbc:EndpointID")
    address = p.need("cac:PostalAddress")
    ident = p.find("cac:PartyIdentification")
    tax = p.find("cac:PartyTaxScheme")
    legal = p.find("cac:PartyLegalEntity")
    contact = p.find("cac:Contact")
    name = p.find("cac:PartyName")
    try:
        return Party(
            name=(name.need_text("cbc:Name") if name is not None else None)
            or (legal.need_text("cbc:RegistrationName") if legal is not None else ""),
            country=address.need("cac:Country").need_text("cbc:IdentificationCode"),
            endpoint_id=(endpoint.el.text or "").strip() or None if endpoint is not None else None,
            endpoint_scheme=endpoint.el.get("schemeID") if endpoint is not None else None,
            party_id=ident.text("cbc:ID") if ident is not None else None,
            vat_id=tax.text("cbc:CompanyID") if tax is not None else None,
            legal_id=legal.text("cbc:CompanyID") if legal is not None else None,
            street=address.text("cbc:StreetName"),
            city=address.text("cbc:CityName"),
            postal_zone=address.text("cbc:PostalZone"),
            email=contact.text("cbc:ElectronicMail") if contact is not None else None,
        )
    except ValidationError as exc:
        raise ParseError(_first_error(exc), location=p.path) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def _parse_root(data: bytes | str, limits: UblLimits) -> Element:
    try:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading UBL needs defusedxml: pip install 'receivables[io]'") from exc
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > limits.max_bytes:
        raise ParseError(
            f"{len(raw)} bytes is more than the limit of {limits.max_bytes}", location="ubl"
        )
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise ParseError(
            f"refused: the file declares a DTD or entities ({type(exc).__name__})",
            location="ubl",
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise ParseError(
            f"malformed XML: {exc}", location=f"ubl line {line} column {column}"
        ) from None
    return root


def parse_ubl(data: bytes | str, *, limits: UblLimits | None = None) -> UblDocument:
    """Read a UBL 2.1 ``Invoice`` or ``CreditNote`` into an :class:`UblDocument`.

    The invoice's customer id is the buyer's ``PartyIdentification/ID``, else its
    endpoint id. Raises :class:`~receivables.errors.ParseError` with the element path for
    anything missing or malformed, and when the lines do not add up to the stated total.

    Examples:
        >>> parse_ubl(b"<Invoice/>")
        Traceback (most recent call last):
        ...
        receivables.errors.ParseError: ubl: not a UBL 2.1 Invoice or CreditNote: root is 'Invoice'
    """
    limits = limits or UblLimits()
    root = _parse_root(data, limits)
    if root.tag == f"{{{NS_INVOICE}}}Invoice":
        return _read_invoice(_Node(root, "/Invoice"), limits)
    if root.tag == f"{{{NS_CREDIT_NOTE}}}CreditNote":
        return _read_credit_note(_Node(root, "/CreditNote"), limits)
    raise ParseError(f"not a UBL 2.1 Invoice or CreditNote: root is {root.tag!r}", location="ubl")


def _currency(root: _Node) -> str:
    code = root.need_text("cbc:DocumentCurrencyCode")
    try:
        return Money.zero(code).code
    except ReceivablesError as exc:
        raise ParseError(exc.message, location=f"{root.path}/cbc:DocumentCurrencyCode") from None


def _customer_id(buyer: Party, where: str) -> str:
    customer_id = buyer.party_id or buyer.endpoint_id
    if customer_id is None:
        raise ParseError(
            "the buyer has neither PartyIdentification/ID nor EndpointID", location=where
        )
    return customer_id


def _read_invoice(root: _Node, limits: UblLimits) -> UblDocument:
    currency = _currency(root)
    seller = _read_party(root.need("cac:AccountingSupplierParty"))
    buyer_node = root.need("cac:AccountingCustomerParty")
    buyer = _read_party(buyer_node)
    order = root.find("cac:OrderReference")
    terms_node = root.find("cac:PaymentTerms")
    terms: PaymentTerms | None = None
    if terms_node is not None and terms_node.text("cbc:Note"):
        note = terms_node.need_text("cbc:Note")
        try:
            terms = PaymentTerms.parse(note)
        except ReceivablesError:
            terms = None  # free-text terms are kept out; the due date still binds
    nodes = list(root.all("cac:InvoiceLine"))
    if not nodes:
        raise ParseError("an invoice needs at least one InvoiceLine", location=root.path)
    if len(nodes) > limits.max_lines:
        raise ParseError(f"more than {limits.max_lines} lines", location=root.path)
    raw_lines: list[tuple[str, str, Decimal, Money, Money, Decimal, str]] = []
    for node in nodes:
        item = node.need("cac:Item")
        category = item.need("cac:ClassifiedTaxCategory")
        scheme = category.need("cac:TaxScheme").need_text("cbc:ID")
        percent = (
            category.decimal("cbc:Percent")
            if category.find("cbc:Percent") is not None
            else Decimal(0)
        )
        quantity = node.decimal("cbc:InvoicedQuantity")
        # A unit price may carry more digits than the currency (EN 16931 BT-146); the
        # line amount below is what binds.
        price = node.need("cac:Price").money("cbc:PriceAmount", currency, exact=False)
        net = node.money("cbc:LineExtensionAmount", currency)
        if (price * quantity).quantize() != net:
            raise ParseError(
                f"LineExtensionAmount {net} is not quantity x price {price} x {quantity}",
                location=node.path,
            )
        raw_lines.append(
            (
                node.need_text("cbc:ID"),
                item.text("cbc:Name") or "",
                quantity,
                price,
                net,
                percent,
                scheme,
            )
        )
    by_rate: dict[Decimal, list[int]] = defaultdict(list)
    for i, raw in enumerate(raw_lines):
        by_rate[raw[5]].append(i)
    tax_node = root.need("cac:TaxTotal")
    line_tax: dict[int, Money] = {}
    subtotal_tax = Money.zero(currency)
    for sub in tax_node.all("cac:TaxSubtotal"):
        cat = sub.need("cac:TaxCategory")
        rate = cat.decimal("cbc:Percent") if cat.find("cbc:Percent") is not None else Decimal(0)
        members = by_rate.get(rate)
        if not members:
            raise ParseError(f"TaxSubtotal at {rate}% has no line at that rate", location=sub.path)
        tax = sub.money("cbc:TaxAmount", currency)
        subtotal_tax += tax
        weights = [raw_lines[i][4].amount for i in members]
        if sum(weights) > 0:
            parts = split(tax, weights)
        else:
            parts = [tax] + [Money.zero(currency)] * (len(members) - 1)
        for i, part in zip(members, parts, strict=True):
            line_tax[i] = part
    lines = []
    for i, (line_id, name, quantity, price, _net, percent, scheme) in enumerate(raw_lines):
        taxes: tuple[TaxLine, ...] = ()
        if percent > 0 or line_tax.get(i, Money.zero(currency)).amount:
            taxes = (
                TaxLine(
                    jurisdiction=scheme,
                    rate=percent,
                    amount=line_tax.get(i, Money.zero(currency)),
                    level="country",
                ),
            )
        lines.append(
            InvoiceLine(
                id=line_id,
                description=name if name != line_id else "",
                quantity=quantity,
                unit_price=price,
                taxes=taxes,
            )
        )
    totals = root.need("cac:LegalMonetaryTotal")
    payable = totals.money("cbc:TaxInclusiveAmount", currency)
    _check_totals(
        totals,
        tax_node,
        line_net=sum((raw[4] for raw in raw_lines), Money.zero(currency)),
        subtotal_tax=subtotal_tax,
        currency=currency,
    )
    try:
        invoice = Invoice(
            id=root.need_text("cbc:ID"),
            customer_id=_customer_id(buyer, buyer_node.path),
            issue_date=_need_date(root, "cbc:IssueDate"),
            due_date=root.date("cbc:DueDate"),
            terms=terms,
            currency=currency,
            lines=tuple(lines),
            total=payable,
            po_number=order.text("cbc:ID") if order is not None else None,
        )
    except ValidationError as exc:
        raise ParseError(_first_error(exc), location=root.path) from None
    return UblDocument(
        document=invoice,
        seller=seller,
        buyer=buyer,
        customization_id=root.text("cbc:CustomizationID"),
        profile_id=root.text("cbc:ProfileID"),
    )


def _check_totals(
    totals: _Node,
    tax_node: _Node | None,
    *,
    line_net: Money,
    subtotal_tax: Money,
    currency: str,
) -> None:
    """The document totals agree with the lines and the tax breakdown, as EN 16931-1:2017
    section 6.4 requires (business rules BR-CO-10, -13, -14, -15 and -16); a total that
    contradicts them is refused, never silently replaced by the lines' sum."""
    tax_total = (
        tax_node.money("cbc:TaxAmount", currency) if tax_node is not None else Money.zero(currency)
    )
    net = totals.money("cbc:LineExtensionAmount", currency)
    exclusive = totals.money("cbc:TaxExclusiveAmount", currency)
    inclusive = totals.money("cbc:TaxInclusiveAmount", currency)
    payable = totals.money("cbc:PayableAmount", currency)
    allowances = totals.optional_money("cbc:AllowanceTotalAmount", currency)
    charges = totals.optional_money("cbc:ChargeTotalAmount", currency)
    prepaid = totals.optional_money("cbc:PrepaidAmount", currency)
    rounding = totals.optional_money("cbc:PayableRoundingAmount", currency)
    rules = (
        (
            tax_node or totals,
            "BR-CO-14",
            "TaxAmount",
            tax_total,
            subtotal_tax,
            "the TaxSubtotal amounts",
        ),
        (totals, "BR-CO-10", "LineExtensionAmount", net, line_net, "the lines' net amounts"),
        (
            totals,
            "BR-CO-13",
            "TaxExclusiveAmount",
            exclusive,
            net - allowances + charges,
            "LineExtensionAmount - AllowanceTotalAmount + ChargeTotalAmount",
        ),
        (
            totals,
            "BR-CO-15",
            "TaxInclusiveAmount",
            inclusive,
            exclusive + tax_total,
            "TaxExclusiveAmount + TaxTotal/TaxAmount",
        ),
        (
            totals,
            "BR-CO-16",
            "PayableAmount",
            payable,
            inclusive - prepaid + rounding,
            "TaxInclusiveAmount - PrepaidAmount + PayableRoundingAmount",
        ),
    )
    for node, rule, name, stated, expected, formula in rules:
        if stated != expected:
            raise ParseError(
                f"{name} {stated} is not {formula} = {expected} (EN 16931 {rule})",
                location=f"{node.path}/cbc:{name}",
            )


def _need_date(root: _Node, name: str) -> date:
    value = root.date(name)
    if value is None:
        raise ParseError(f"required element {name} is missing", location=root.path)
    return value


def _read_credit_note(root: _Node, limits: UblLimits) -> UblDocument:
    currency = _currency(root)
    seller = _read_party(root.need("cac:AccountingSupplierParty"))
    buyer_node = root.need("cac:AccountingCustomerParty")
    buyer = _read_party(buyer_node)
    reason = CreditReason.OTHER
    for note in root.all("cbc:Note"):
        match = _REASON_RE.match((note.el.text or "").strip())
        if match and match.group(1) in CreditReason.__members__.values():
            reason = CreditReason(match.group(1))
    linked: str | None = None
    billing = root.find("cac:BillingReference")
    if billing is not None:
        linked = billing.need("cac:InvoiceDocumentReference").need_text("cbc:ID")
    tax_lines: list[TaxLine] = []
    subtotal_tax = Money.zero(currency)
    tax_node = root.find("cac:TaxTotal")
    if tax_node is not None:
        for sub in tax_node.all("cac:TaxSubtotal"):
            amount = sub.money("cbc:TaxAmount", currency)
            subtotal_tax += amount
            cat = sub.need("cac:TaxCategory")
            if amount.amount == 0:
                continue
            tax_lines.append(
                TaxLine(
                    jurisdiction=cat.text("cbc:Name")
                    or cat.need("cac:TaxScheme").need_text("cbc:ID"),
                    rate=cat.decimal("cbc:Percent")
                    if cat.find("cbc:Percent") is not None
                    else Decimal(0),
                    amount=amount,
                )
            )
    line_nodes = list(root.all("cac:CreditNoteLine"))
    if len(line_nodes) > limits.max_lines:
        raise ParseError(f"more than {limits.max_lines} lines", location=root.path)
    totals = root.need("cac:LegalMonetaryTotal")
    _check_totals(
        totals,
        tax_node,
        line_net=sum(
            (n.money("cbc:LineExtensionAmount", currency) for n in line_nodes),
            Money.zero(currency),
        ),
        subtotal_tax=subtotal_tax,
        currency=currency,
    )
    try:
        memo = CreditMemo(
            id=root.need_text("cbc:ID"),
            customer_id=_customer_id(buyer, buyer_node.path),
            issue_date=_need_date(root, "cbc:IssueDate"),
            amount=totals.money("cbc:PayableAmount", currency),
            reason=reason,
            linked_document_id=linked,
            tax_lines=tuple(tax_lines),
        )
    except ValidationError as exc:
        raise ParseError(_first_error(exc), location=root.path) from None
    return UblDocument(
        document=memo,
        seller=seller,
        buyer=buyer,
        customization_id=root.text("cbc:CustomizationID"),
        profile_id=root.text("cbc:ProfileID"),
    )
