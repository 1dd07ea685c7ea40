"""MT940 reader: a sample written from the SWIFT MT 940 field layout (with a German
structured :86: and a /NAME/IBAN/REMI/ one), and bad fields with their line numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.mt940 import read_mt940, read_mt940_statements
from receivables.io.statement import ParseLimits
from receivables.models import PaymentMethod
from receivables.money import Money

SAMPLE = Path(__file__).parent / "data" / "bank" / "mt940.txt"


def sample() -> str:
    return SAMPLE.read_text()


def replace_line(number: int, text: str) -> str:
    lines = sample().splitlines()
    lines[number - 1] = text
    return "\n".join(lines)


def test_statement_header_and_balances() -> None:
    st = read_mt940(sample())
    assert (st.format, st.statement_id, st.account, st.currency) == (
        "mt940",
        "STMT20261031/212",
        "DE89370400440532013000",
        "EUR",
    )
    assert (st.opening_balance, st.closing_balance) == (
        Money("12500.00", "EUR"),
        Money("16699.44", "EUR"),
    )
    assert (st.from_date, st.to_date) == (date(2026, 10, 30), date(2026, 10, 31))


def test_credit_lines_become_payments_with_exact_amounts() -> None:
    st = read_mt940(sample())
    assert [(p.id, p.amount) for p in st.receipts] == [
        ("2026103100001", Money("2175.36", "EUR")),
        ("2026103100003", Money("1774.08", "EUR")),
        ("2026103100006", Money("500.00", "EUR")),
    ]
    assert all(isinstance(p.amount.amount, Decimal) for p in st.receipts)
    assert st.receipts[0].received_on == date(2026, 10, 31)
    assert st.receipts[0].method is PaymentMethod.WIRE


def test_german_structured_details_give_payer_and_purpose() -> None:
    """?20-?29 purpose (SVWZ+), ?31 payer IBAN, ?32 payer name, wrapped over two lines."""
    p = read_mt940(sample()).receipts[0]
    assert (p.payer_name, p.payer_account) == ("Hanse Baustoffe GmbH", "DE44500105175407324931")
    assert p.remittance[0].reference == "INV-102349"


def test_slash_keyword_details_give_payer_and_remittance() -> None:
    p = read_mt940(sample()).receipts[1]
    assert (p.payer_name, p.payer_account) == ("Hanse Lebensmittel AG", "DE02120300000000202051")
    assert p.remittance[0].reference == "Rechnung INV-102746"


def test_free_text_details_stay_whole() -> None:
    p = read_mt940(sample()).receipts[2]
    assert (p.payer_name, p.remittance[0].reference) == (
        None,
        "Quintessa Trading SARL Order 7781",
    )


def test_debit_line_is_kept_apart() -> None:
    (debit,) = read_mt940(sample()).other_entries
    assert (debit.id, debit.direction, debit.amount, debit.text) == (
        "2026103100004",
        "debit",
        Money("250.00", "EUR"),
        "Office supplies October",
    )


def test_statement_information_after_the_closing_balance_is_not_a_transaction_detail() -> None:
    last = read_mt940(sample()).receipts[-1]
    assert "End of statement" not in last.remittance[0].reference


def test_reversal_of_a_debit_is_not_a_receipt() -> None:
    text = replace_line(14, ":61:2610311031RDR500,00NTRFORDER7781//2026103100006")
    st = read_mt940(text)
    assert [e.reason for e in st.other_entries] == [
        "debit: money out, not a receipt",
        "reversal",
    ]


def test_own_reference_stands_in_when_there_is_no_detail() -> None:
    lines = sample().splitlines()
    del lines[14]  # the :86: of the last :61: (line 15)
    p = read_mt940("\n".join(lines)).receipts[-1]
    assert p.remittance[0].reference == "ORDER7781"


def test_two_statements_need_the_plural_reader() -> None:
    body = sample().replace("-}", "")
    second = body.replace("STMT20261031", "STMT20261101").replace("//2026", "//X2026")
    with pytest.raises(ParseError, match="holds 2 statements"):
        read_mt940(body + second)
    assert len(read_mt940_statements(body + second)) == 2


# -- bad input -------------------------------------------------------------------------


def test_bad_amount_in_a_statement_line_names_its_line() -> None:
    with pytest.raises(ParseError) as err:
        read_mt940(replace_line(6, ":61:2610311031CRABC,00NTRFNONREF//2026103100001"))
    assert err.value.location == "line 6"
    assert "field :61:" in str(err.value)


def test_impossible_date_names_its_line() -> None:
    with pytest.raises(ParseError) as err:
        read_mt940(replace_line(5, ":60F:C261330EUR12500,00"))
    assert err.value.location == "line 5"


def test_text_outside_a_field_names_its_line() -> None:
    with pytest.raises(ParseError, match="text outside a field") as err:
        read_mt940(replace_line(4, "28C:212/1"))
    assert err.value.location == "line 4"


def test_unknown_field_names_its_line() -> None:
    with pytest.raises(ParseError, match="unknown field :99X:") as err:
        read_mt940(replace_line(4, ":99X:1"))
    assert err.value.location == "line 4"


def test_missing_opening_balance() -> None:
    with pytest.raises(ParseError, match="no :60F: or :60M: opening balance") as err:
        read_mt940(replace_line(5, ":28C:212/2"))
    assert err.value.location == "statement at line 2"


def test_more_decimals_than_the_currency_has() -> None:
    text = sample().replace("EUR", "JPY").replace("2175,36", "2175,5")
    with pytest.raises(ParseError, match="more decimals than JPY allows") as err:
        read_mt940(text)
    assert err.value.location == "line 6"


def test_field_before_the_first_reference() -> None:
    with pytest.raises(ParseError, match="before the first :20:"):
        read_mt940(":25:DE89\n" + sample())


def test_duplicate_bank_references() -> None:
    text = sample().replace("//2026103100003", "//2026103100001")
    with pytest.raises(ParseError, match="share the bank reference") as err:
        read_mt940(text)
    assert err.value.location == "line 9"


def test_size_and_line_caps() -> None:
    with pytest.raises(ParseError, match="limit of 20 bytes"):
        read_mt940(sample(), limits=ParseLimits(max_bytes=20))
    with pytest.raises(ParseError, match="4 statement lines; the limit is 3"):
        read_mt940(sample(), limits=ParseLimits(max_entries=3))
