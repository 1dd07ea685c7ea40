"""ERP CSV import: NetSuite preset, every bad row reported by line, exact amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.erp import (
    NETSUITE_CUSTOMERS,
    NETSUITE_OPEN_ITEMS,
    CsvMapping,
    parse_amount,
    read_customers,
    read_open_items,
)
from receivables.models import CreditMemo, Invoice
from receivables.money import Money

A = Money.parse
DATA = Path(__file__).parent / "data" / "erp"


@pytest.fixture
def items_text() -> str:
    return (DATA / "netsuite_open_items.csv").read_text(encoding="utf-8")


def test_netsuite_export_reads_good_rows_and_reports_every_other_line(items_text: str) -> None:
    result = read_open_items(items_text, NETSUITE_OPEN_ITEMS)
    assert [d.id for d in result.documents] == ["INV-1001", "INV-1002", "CM-2001", "INV-1007"]
    assert result.rows_read == 13
    by_line = {i.line: i for i in result.issues}
    assert {line: i.severity for line, i in by_line.items()} == {
        5: "error",  # "(1.000,00)" is not an amount with US separators
        6: "warning",  # Journal mapped to skip
        7: "error",  # 02/30/2026
        8: "error",  # abc
        9: "error",  # INV-1001 again
        10: "error",  # invoice with a negative amount
        11: "warning",  # nothing open
        12: "error",  # Sales Order not in the type map
        15: "error",  # too few fields
        3: "warning",  # "2% 10 Net 30" is not terms text we read; the due date is kept
    }
    assert "already read on line 2" in by_line[9].message
    assert by_line[7].column == "Date"
    assert by_line[12].message.startswith("unknown document type 'Sales Order'")
    # nothing silently dropped: every data line is a document or an issue
    assert {2, 4, 13} | set(by_line) == {*range(2, 14), 15}


def test_imported_open_items_make_a_ledger_with_the_open_amounts(items_text: str) -> None:
    result = read_open_items(items_text)
    ledger = result.to_ledger()
    as_of = date(2026, 3, 31)
    # 1250.00 + 500.00 - 150.00 = 1600.00
    assert ledger.balance("C1", as_of=as_of) == A("1600.00 USD")
    assert ledger.open_amount("INV-1007", as_of=as_of) == A("1000.00 EUR")
    inv = ledger.document("INV-1001")
    assert isinstance(inv, Invoice)
    assert (inv.due_date, inv.po_number) == (date(2026, 2, 14), "PO-77")
    assert isinstance(ledger.document("CM-2001"), CreditMemo)


def test_multi_line_field_counts_its_physical_lines(items_text: str) -> None:
    result = read_open_items(items_text)
    inv = next(d for d in result.documents if d.id == "INV-1007")
    assert isinstance(inv, Invoice)
    assert inv.terms is not None
    assert inv.terms.net_days == 45
    assert any(i.line == 15 and "fields" in i.message for i in result.issues)


def test_raise_on_errors_lists_the_lines(items_text: str) -> None:
    expected = r"^line 5: 7 bad rows: line 5, column 'Amount': error: '\(1.000,00\)' is"
    with pytest.raises(ParseError, match=expected):
        read_open_items(items_text).raise_on_errors()


def test_missing_column_is_refused_at_the_header() -> None:
    with pytest.raises(ParseError, match=r"line 1: missing columns \['Amount Remaining'\]"):
        read_open_items("Date,Type,Document Number,Name,Currency,Amount\n")


def test_empty_file_is_refused() -> None:
    with pytest.raises(ParseError, match="empty"):
        read_open_items("")


def test_custom_mapping_with_european_numbers_and_iso_dates() -> None:
    mapping = CsvMapping(
        document_id="Beleg",
        customer_id="Debitor",
        document_type=None,
        issue_date="Belegdatum",
        due_date="Fällig",
        amount="Betrag",
        open_amount=None,
        currency=None,
        po_number=None,
        terms=None,
        default_currency="EUR",
        amount_basis="original",
        date_formats=("%d.%m.%Y",),
        decimal_separator=",",
        thousands_separator=".",
        delimiter=";",
    )
    text = "Beleg;Debitor;Belegdatum;Fällig;Betrag\nRE-1;D1;02.03.2026;01.04.2026;1.234,56 €\n"
    result = read_open_items(text, mapping)
    assert result.issues == ()
    assert result.documents[0].amount == A("1234.56 EUR")
    assert result.documents[0].issue_date == date(2026, 3, 2)


def test_mapping_needs_a_currency_source() -> None:
    with pytest.raises(ValueError, match="default_currency"):
        CsvMapping(currency=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", "1234.50"),
        ("(200.00)", "-200.00"),
        ("($150.00)", "-150.00"),
        ("75-", "-75"),
        ("-0.01", "-0.01"),
        ("USD 12.30", "12.30"),
        ("12.30 USD", "12.30"),
        ("€ 9", "9"),
        ("1 000.00", "1000.00"),
        ("12345678901234567.01", "12345678901234567.01"),
    ],
)
def test_amounts_are_read_exactly(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "(5", "--5", "1e5", "NaN"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


def test_customers_export_reads_and_reports_bad_rows() -> None:
    result = read_customers(
        (DATA / "netsuite_customers.csv").read_text(encoding="utf-8"), NETSUITE_CUSTOMERS
    )
    assert [c.id for c in result.customers] == ["C1", "C2"]
    acme = result.customers[0]
    assert acme.credit_limit == A("25000.00 USD")
    assert acme.contacts[0].email == "ap@acme.test"
    assert [(i.line, i.severity) for i in result.issues] == [
        (4, "error"),
        (5, "error"),
        (6, "error"),
    ]
    assert "already read on line 2" in result.issues[2].message


def test_customers_and_open_items_build_one_ledger(items_text: str) -> None:
    customers = read_customers((DATA / "netsuite_customers.csv").read_text(encoding="utf-8"))
    items = read_open_items(items_text)
    ledger = items.to_ledger(customers=customers.customers)
    assert ledger.customer("C1").name == "Acme Corp"
    assert len(ledger) == 4


@pytest.mark.parametrize("text", ["12,34", "1,2,3", "1,0000.00", "12 34"])
def test_separators_that_do_not_group_by_three_are_refused(text: str) -> None:
    # "12,34" is a decimal comma read with US separators: 12.34, never 1234.
    with pytest.raises(ValueError, match="not grouped by three"):
        parse_amount(text)


def test_european_grouping_reads_with_its_own_separators() -> None:
    assert parse_amount("1.234.567,89", decimal_separator=",", thousands_separator=".") == (
        Decimal("1234567.89")
    )


def test_amount_with_more_decimals_than_the_currency_allows_is_an_error_row() -> None:
    # JPY has no minor unit (ISO 4217 exponent 0): 1000.50 JPY must not become 1001 JPY.
    result = read_open_items(
        "Date,Type,Document Number,Name,Due Date,Currency,Amount,Amount Remaining\n"
        "02/03/2026,Invoice,INV-1,C1,,JPY,1000.50,1000.50\n"
    )
    assert result.documents == ()
    (issue,) = result.issues
    assert (issue.line, issue.severity, issue.column) == (2, "error", "Amount Remaining")
    assert "more decimals than JPY allows" in issue.message


def test_credit_limit_with_more_decimals_than_the_currency_is_an_error_row() -> None:
    # 2500.5 JPY cannot be a yen amount (ISO 4217 exponent 0); it was rounded to 2501.
    result = read_customers("ID,Name,Currency,Credit Limit\nC9,Nippon KK,JPY,2500.5\n")
    assert result.customers == ()
    (issue,) = result.issues
    assert (issue.line, issue.severity, issue.column) == (2, "error", "Credit Limit")
    assert "credit limit 2500.5 has more decimals than JPY allows" in issue.message
