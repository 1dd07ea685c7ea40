"""BAI2 reader: a sample file written from the BAI2 record layout (BAI, Cash Management
Balance Reporting Specifications Version 2), and bad records with their line numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.bai2 import read_bai2, read_bai2_statements
from receivables.io.statement import ParseLimits
from receivables.models import PaymentMethod
from receivables.money import Money
from receivables.unposted import UNSTRUCTURED_NOTE

SAMPLE = Path(__file__).parent / "data" / "bank" / "bai2.txt"


def sample() -> str:
    return SAMPLE.read_text()


def test_account_balances_are_minor_units_of_the_currency() -> None:
    """03 record: 010 opening ledger 1500000 -> 15,000.00; 015 closing 3099234 -> 30,992.34."""
    st = read_bai2(sample())
    assert (st.format, st.account, st.currency) == ("bai2", "1234567890", "USD")
    assert st.opening_balance == Money("15000.00", "USD")
    assert st.closing_balance == Money("30992.34", "USD")
    assert st.from_date == st.to_date == date(2026, 10, 30)


def test_receipt_type_codes_become_payments() -> None:
    st = read_bai2(sample())
    assert [(p.id, p.amount, p.method) for p in st.receipts] == [
        ("ACH0001", Money("7980.00", "USD"), PaymentMethod.ACH),
        ("FW0002", Money("5920.00", "USD"), PaymentMethod.WIRE),
        ("DEP0003", Money("3280.00", "USD"), PaymentMethod.CHECK),
    ]
    assert all(p.received_on == date(2026, 10, 30) for p in st.receipts)


def test_continuation_record_extends_the_text() -> None:
    (line,) = read_bai2(sample()).receipts[0].remittance
    assert line.reference.endswith("IND ID:INV-102404")
    assert line.note == UNSTRUCTURED_NOTE


def test_payer_name_from_nacha_and_wire_labels() -> None:
    st = read_bai2(sample())
    assert [p.payer_name for p in st.receipts] == [
        "FALCON LOGISTICS",
        "VANGUARD SOFTWARE INC",
        None,
    ]


def test_value_dated_funds_give_the_value_date() -> None:
    assert read_bai2(sample()).receipts[1].value_date == date(2026, 10, 30)


def test_debits_and_non_receipt_credits_are_kept_apart() -> None:
    st = read_bai2(sample())
    assert [(e.id, e.direction, e.amount) for e in st.other_entries] == [
        ("CHK9001", "debit", Money("1200.00", "USD")),
        ("INT0005", "credit", Money("12.34", "USD")),
    ]
    assert "354 (Interest Credit)" in st.other_entries[1].reason


def test_receipt_codes_are_configurable() -> None:
    st = read_bai2(sample(), receipt_codes={"354"})
    assert [p.id for p in st.receipts] == ["INT0005"]


def test_opening_plus_movements_equals_closing() -> None:
    st = read_bai2(sample())
    assert st.opening_balance is not None
    total = st.opening_balance + sum((p.amount for p in st.receipts), Money.zero("USD"))
    for e in st.other_entries:
        total += e.amount if e.direction == "credit" else -e.amount
    assert total == st.closing_balance


def test_currency_of_the_account_sets_the_minor_unit() -> None:
    text = sample().replace("03,1234567890,USD", "03,1234567890,JPY")
    assert read_bai2(text).opening_balance == Money("1500000", "JPY")


# -- bad input -------------------------------------------------------------------------


def test_unknown_record_code_names_its_line() -> None:
    lines = sample().splitlines()
    lines[4] = "17,165,1,Z,X,,"
    with pytest.raises(ParseError) as err:
        read_bai2("\n".join(lines))
    assert err.value.location == "line 5"


def test_bad_amount_names_the_line_of_its_record() -> None:
    lines = sample().splitlines()
    lines[5] = lines[5].replace("592000", "5920.00")
    with pytest.raises(ParseError) as err:
        read_bai2("\n".join(lines))
    assert err.value.location == "line 6"


def test_unsupported_type_code_names_its_line() -> None:
    lines = sample().splitlines()
    lines[6] = lines[6].replace("16,301", "16,901")
    with pytest.raises(ParseError, match="901") as err:
        read_bai2("\n".join(lines))
    assert err.value.location == "line 7"


def test_wrong_account_control_total_names_the_account_trailer() -> None:
    text = sample().replace("49,6438468,8/", "49,6438469,8/")
    with pytest.raises(ParseError, match="control total") as err:
        read_bai2(text)
    assert err.value.location == "line 10"


def test_wrong_file_record_count_names_the_file_trailer() -> None:
    text = sample().replace("99,6438468,1,12/", "99,6438468,1,13/")
    with pytest.raises(ParseError, match="number of records") as err:
        read_bai2(text)
    assert err.value.location == "line 12"


def test_truncated_file_is_a_parse_error_not_a_hang() -> None:
    text = "\n".join(sample().splitlines()[:5])
    with pytest.raises(ParseError, match="ends after a 16 record") as err:
        read_bai2(text)
    assert err.value.location == "line 4"


def test_record_out_of_place_names_its_line() -> None:
    lines = sample().splitlines()
    lines.insert(4, "02,RCVDEMO,026009593,1,261030,2300,USD,2/")
    with pytest.raises(ParseError, match="record 02 is out of place: expected 16 or 49") as err:
        read_bai2("\n".join(lines))
    assert err.value.location == "line 5"


def test_missing_file_header() -> None:
    with pytest.raises(ParseError, match="record 02 is out of place: expected 01") as err:
        read_bai2("\n".join(sample().splitlines()[1:]))
    assert err.value.location == "line 1"


def test_size_and_record_caps() -> None:
    with pytest.raises(ParseError, match="limit of 10 bytes"):
        read_bai2(sample(), limits=ParseLimits(max_bytes=10))
    with pytest.raises(ParseError, match="12 records; the limit is 5"):
        read_bai2(sample(), limits=ParseLimits(max_entries=5))


def two_accounts(second: list[str]) -> str:
    lines = sample().splitlines()
    body = [lines[0], lines[1], *lines[2:10], *second, "98,12876936,2,18/", "99,12876936,1,20/"]
    return "\n".join(body)


def test_several_accounts_need_the_plural_reader() -> None:
    second = [
        re.sub(
            r"\b(ACH|FW|DEP|CHK|INT)(\d)", r"\g<1>7\g<2>", line.replace("1234567890", "9999999999")
        )
        for line in sample().splitlines()[2:10]
    ]
    text = two_accounts(second)
    with pytest.raises(ParseError, match="holds 2 statements"):
        read_bai2(text)
    assert [s.account for s in read_bai2_statements(text)] == ["1234567890", "9999999999"]


def test_bank_reference_repeated_in_the_file_is_refused() -> None:
    with pytest.raises(ParseError, match="share the bank reference 'ACH0001'") as err:
        read_bai2_statements(two_accounts(sample().splitlines()[2:10]))
    assert err.value.location == "line 12"
