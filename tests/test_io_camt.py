"""camt.053 / camt.054 reader: sample files shaped after the ISO 20022 message definitions
(Bank-to-Customer Cash Management, camt.053.001.02 and camt.054.001.08), and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.camt import (
    read_camt053,
    read_camt053_statements,
    read_camt054,
)
from receivables.io.statement import UNSTRUCTURED_NOTE, ParseLimits
from receivables.models import PaymentMethod
from receivables.money import Money

DATA = Path(__file__).parent / "data" / "bank"
NS2 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS8 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def camt053() -> bytes:
    return (DATA / "camt053.xml").read_bytes()


def doc(entries: str, ns: str = NS2, stmts: int = 1) -> bytes:
    stmt = (
        "<Stmt><Id>S{n}</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id>"
        "<Ccy>EUR</Ccy></Acct>{entries}</Stmt>"
    )
    body = "".join(stmt.format(n=n, entries=entries) for n in range(1, stmts + 1))
    return (
        f'<Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        f"{body}</BkToCstmrStmt></Document>"
    ).encode()


def entry(amount: str = '<Amt Ccy="EUR">10.00</Amt>', extra: str = "") -> str:
    return (
        f"<Ntry>{amount}<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>2026-03-02</Dt></BookgDt>{extra}</Ntry>"
    )


# -- the sample statement --------------------------------------------------------------


def test_statement_header_account_period_and_balances() -> None:
    st = read_camt053(camt053())
    assert st.format == "camt.053"
    assert st.statement_id == "DE89370400440532013000-2026-10-31"
    assert st.account == "DE89370400440532013000"
    assert st.currency == "EUR"
    assert (st.from_date, st.to_date) == (date(2026, 10, 31), date(2026, 10, 31))
    assert st.opening_balance == Money("12500.00", "EUR")
    assert st.closing_balance == Money("18948.25", "EUR")


def test_booked_credits_become_unidentified_payments() -> None:
    st = read_camt053(camt053())
    assert [p.id for p in st.receipts] == [
        "2026103100001",
        "2026103100002",
        "2026103100003",
        "2026103100005",
        "2026103100006",
    ]
    assert all(p.customer_id is None for p in st.receipts)


def test_debit_and_pending_entries_are_kept_apart_with_reasons() -> None:
    st = read_camt053(camt053())
    debit, pending = st.other_entries
    assert (debit.direction, debit.amount, debit.counterparty) == (
        "debit",
        Money("250.00", "EUR"),
        "Buero Meyer KG",
    )
    assert debit.reason.startswith("debit")
    assert (pending.status, pending.reason) == ("pending", "entry status pending")


def test_opening_plus_booked_eur_movements_equals_closing_balance() -> None:
    """12,500.00 + 2,175.36 + 2,248.81 + 1,774.08 + 500.00 - 250.00 = 18,948.25 EUR."""
    st = read_camt053(camt053())
    assert st.opening_balance is not None
    total = st.opening_balance
    for p in st.receipts:
        if p.amount.code == "EUR":
            total += p.amount
    for e in st.other_entries:
        if e.status == "booked":
            total -= e.amount
    assert total == st.closing_balance


def test_structured_remittance_gives_reference_and_remitted_amount() -> None:
    p = read_camt053(camt053()).receipts[0]
    (line,) = p.remittance
    assert (line.reference, line.amount, line.note) == (
        "INV-102349",
        Money("2175.36", "EUR"),
        None,
    )
    assert (p.payer_name, p.payer_account) == ("Hanse Baustoffe GmbH", "DE44500105175407324931")
    assert p.method is PaymentMethod.SEPA
    assert p.received_on == date(2026, 10, 31)


def test_unstructured_remittance_is_one_line_for_the_whole_receipt() -> None:
    p = read_camt053(camt053()).receipts[1]
    (line,) = p.remittance
    assert line.reference == "Rechnungen inv 102434 und 102581"
    assert line.amount == p.amount == Money("2248.81", "EUR")
    assert line.note == UNSTRUCTURED_NOTE


def test_entry_in_another_currency_keeps_its_currency_and_other_account_id() -> None:
    p = read_camt053(camt053()).receipts[3]
    assert p.amount == Money("2016.00", "USD")
    assert p.payer_account == "000123456789"


def test_amounts_are_exact_decimals_from_the_text() -> None:
    p = read_camt053(camt053()).receipts[1]
    assert isinstance(p.amount.amount, Decimal)
    assert str(p.amount.amount) == "2248.81"


def test_end_to_end_id_stands_in_for_missing_remittance() -> None:
    xml = doc(
        entry(
            extra="<NtryDtls><TxDtls><Refs><EndToEndId>INV-77</EndToEndId></Refs>"
            "</TxDtls></NtryDtls>"
        )
    )
    (line,) = read_camt053(xml).receipts[0].remittance
    assert (line.reference, line.note) == ("INV-77", UNSTRUCTURED_NOTE)


def test_version_08_shapes_are_read() -> None:
    xml = doc(
        "<Ntry><Amt Ccy='EUR'>98.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        "<BookgDt><DtTm>2026-03-02T09:00:00</DtTm></BookgDt><NtryDtls><TxDtls>"
        "<RltdPties><Dbtr><Pty><Nm>Acme</Nm></Pty></Dbtr></RltdPties><RmtInf><Strd>"
        "<RfrdDocInf><Nb>INV-1</Nb></RfrdDocInf><RfrdDocAmt>"
        "<DuePyblAmt Ccy='EUR'>100.00</DuePyblAmt>"
        "<DscntApldAmt><Amt Ccy='EUR'>2.00</Amt></DscntApldAmt></RfrdDocAmt>"
        "</Strd></RmtInf></TxDtls></NtryDtls></Ntry>",
        ns=NS8,
    )
    p = read_camt053(xml).receipts[0]
    (line,) = p.remittance
    assert p.payer_name == "Acme"
    assert p.received_on == date(2026, 3, 2)
    # Without RmtdAmt the paid amount is the amount due less the discount: 100 - 2 = 98.
    assert (line.amount, line.discount_taken) == (Money("98.00", "EUR"), Money("2.00", "EUR"))


def test_version_02_discount_without_amt_wrapper() -> None:
    xml = doc(
        entry(
            '<Amt Ccy="EUR">49.00</Amt>',
            "<NtryDtls><TxDtls><RmtInf><Strd><RfrdDocInf><Nb>INV-2</Nb></RfrdDocInf>"
            "<RfrdDocAmt><DscntApldAmt Ccy='EUR'>1.00</DscntApldAmt>"
            "<RmtdAmt Ccy='EUR'>49.00</RmtdAmt></RfrdDocAmt></Strd></RmtInf></TxDtls>"
            "</NtryDtls>",
        )
    )
    (line,) = read_camt053(xml).receipts[0].remittance
    assert line.discount_taken == Money("1.00", "EUR")


def test_reversal_of_a_credit_is_not_a_receipt() -> None:
    xml = doc(entry(extra="<RvslInd>true</RvslInd>"))
    st = read_camt053(xml)
    assert st.receipts == ()
    assert st.other_entries[0].reason == "reversal"


def test_batch_entry_with_amounts_per_transaction_gives_one_payment_each() -> None:
    st = read_camt054((DATA / "camt054.xml").read_bytes())
    assert st.format == "camt.054"
    assert [(p.id, p.amount) for p in st.receipts] == [
        ("20261030-B77-1", Money("1012.00", "EUR")),
        ("20261030-B77-2", Money("2342.81", "EUR")),
    ]
    second = st.receipts[1].remittance
    assert [(r.reference, r.amount, r.discount_taken) for r in second] == [
        ("INV-102650", Money("1315.16", "EUR"), Money("26.84", "EUR")),
        ("102581", Money("1027.65", "EUR"), None),
    ]


def test_several_statements_need_the_plural_reader() -> None:
    xml = doc(entry(), stmts=2)
    with pytest.raises(ParseError, match="holds 2 statements"):
        read_camt053(xml)
    assert [s.statement_id for s in read_camt053_statements(xml)] == ["S1", "S2"]


# -- bad input -------------------------------------------------------------------------


def test_external_entity_is_refused() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="' + NS2.encode() + b'">&x;</Document>'
    )
    with pytest.raises(ParseError, match="refused"):
        read_camt053(xml)


def test_billion_laughs_is_refused_before_expansion() -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = f'<!DOCTYPE d [<!ENTITY l0 "lol">{lol}]><Document>&l9;</Document>'.encode()
    with pytest.raises(ParseError, match="DTD or entities"):
        read_camt053(xml)


def test_malformed_xml_names_line_and_column() -> None:
    with pytest.raises(ParseError) as err:
        read_camt053(b"<Document>\n<BkToCstmrStmt>\n</Document>")
    assert err.value.location == "camt.053 line 3 column 2"


def test_missing_amount_names_the_element_path() -> None:
    with pytest.raises(ParseError) as err:
        read_camt053(doc(entry(amount="")))
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry"
    assert "Amt is missing" in str(err.value)


def test_amount_with_comma_names_the_amount_element() -> None:
    with pytest.raises(ParseError) as err:
        read_camt053(doc(entry(amount='<Amt Ccy="EUR">10,50</Amt>') + entry()))
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt"


def test_amount_below_the_minor_unit_is_refused_not_rounded() -> None:
    with pytest.raises(ParseError, match="more decimals than the 2 of EUR"):
        read_camt053(doc(entry(amount='<Amt Ccy="EUR">10.005</Amt>')))


def test_unknown_currency_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unknown currency code 'ZZZ'"):
        read_camt053(doc(entry(amount='<Amt Ccy="ZZZ">1.00</Amt>')))


def test_unknown_status_names_the_status_element() -> None:
    xml = doc(entry().replace("<Sts>BOOK</Sts>", "<Sts>DONE</Sts>"))
    with pytest.raises(ParseError) as err:
        read_camt053(xml)
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry/Sts"


def test_other_message_type_is_refused() -> None:
    with pytest.raises(ParseError, match=r"not a camt\.053 document"):
        read_camt053((DATA / "camt054.xml").read_bytes())


def test_duplicate_bank_references_are_refused() -> None:
    one = entry(extra="<AcctSvcrRef>R1</AcctSvcrRef>")
    with pytest.raises(ParseError, match="two movements share the reference 'R1'"):
        read_camt053(doc(one + one))


def test_size_cap() -> None:
    with pytest.raises(ParseError, match="more than the limit of 100 bytes"):
        read_camt053(camt053(), limits=ParseLimits(max_bytes=100))


def test_entry_count_cap() -> None:
    with pytest.raises(ParseError, match="the limit is 3"):
        read_camt053(camt053(), limits=ParseLimits(max_entries=3))


def test_remittance_line_cap() -> None:
    strd = "<Strd><RfrdDocInf><Nb>I</Nb></RfrdDocInf><RfrdDocAmt><RmtdAmt Ccy='EUR'>1.00"
    strd += "</RmtdAmt></RfrdDocAmt></Strd>"
    xml = doc(entry(extra=f"<NtryDtls><TxDtls><RmtInf>{strd * 3}</RmtInf></TxDtls></NtryDtls>"))
    with pytest.raises(ParseError, match="3 remittance lines; the limit is 2"):
        read_camt053(xml, limits=ParseLimits(max_remittance_lines=2))


def test_remittance_in_another_currency_than_the_entry_is_a_parse_error() -> None:
    strd = "<Strd><RfrdDocInf><Nb>I</Nb></RfrdDocInf><RfrdDocAmt><RmtdAmt Ccy='USD'>1.00"
    strd += "</RmtdAmt></RfrdDocAmt></Strd>"
    xml = doc(entry(extra=f"<NtryDtls><TxDtls><RmtInf>{strd}</RmtInf></TxDtls></NtryDtls>"))
    with pytest.raises(ParseError) as err:
        read_camt053(xml)
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry/NtryDtls/TxDtls"


def test_zero_receipt_is_a_parse_error_at_the_entry() -> None:
    with pytest.raises(ParseError, match="must be positive") as err:
        read_camt053(doc(entry(amount='<Amt Ccy="EUR">0.00</Amt>')))
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry"


def _split_entry(*amounts: str) -> str:
    details = "".join(
        f"<TxDtls><Refs><AcctSvcrRef>T{k}</AcctSvcrRef></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{a}</Amt></TxAmt></AmtDtls></TxDtls>'
        for k, a in enumerate(amounts, start=1)
    )
    return entry(extra=f"<NtryDtls>{details}</NtryDtls>")


def test_batch_split_whose_parts_do_not_add_up_to_the_entry_is_refused() -> None:
    # The entry books 10.00 EUR; two details of 7.00 would post 14.00 of receipts.
    with pytest.raises(ParseError, match=r"add up to 7.00 EUR \+ 7.00 EUR, not the entry's 10.00"):
        read_camt053(doc(_split_entry("7.00", "7.00")))


def test_batch_split_that_adds_up_gives_one_receipt_per_detail() -> None:
    st = read_camt053(doc(_split_entry("3.00", "7.00")))
    assert [(p.id, p.amount) for p in st.receipts] == [
        ("T1", Money("3.00", "EUR")),
        ("T2", Money("7.00", "EUR")),
    ]
