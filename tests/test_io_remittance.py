"""Remittance advice readers: CSV, JSON lines and an ANSI X12 820 written from the 820
(004010) segment layout (BPR, TRN, CUR, N1, RMR), with bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from receivables.errors import ParseError
from receivables.io.remittance import (
    RemittanceAdvice,
    read_remittance_csv,
    read_remittance_jsonl,
    read_x12_820,
)
from receivables.io.statement import ParseLimits
from receivables.models import Payment, RemittanceLine
from receivables.money import Money

DATA = Path(__file__).parent / "data" / "bank"


def test_csv_groups_lines_by_payment_reference_sorted() -> None:
    advices = read_remittance_csv((DATA / "remittance.csv").read_bytes())
    assert [a.payment_reference for a in advices] == ["ACH0001", "CHK-1042", "FW0002"]
    chk = advices[1]
    assert (chk.payer_name, chk.payment_date) == ("Liberty Construction Co.", date(2026, 10, 29))
    assert [(r.reference, r.amount, r.discount_taken) for r in chk.lines] == [
        ("INV-102500", Money("980.00", "USD"), Money("20.00", "USD")),
        ("INV-102512", Money("1500.00", "USD"), None),
    ]
    assert chk.lines[0].note == "2/10 discount taken"


def test_csv_without_currency_column_takes_the_given_currency() -> None:
    (advice,) = read_remittance_csv("reference,amount\nINV-1,1000\n", currency="JPY")
    assert advice.lines[0].amount == Money("1000", "JPY")
    assert advice.payment_reference is None


def test_csv_bad_amount_names_its_line() -> None:
    text = "reference,amount,currency\nINV-1,10.00,EUR\nINV-2,1.234,00,EUR\n"
    with pytest.raises(ParseError) as err:
        read_remittance_csv(text)
    assert err.value.location == "line 3"


def test_csv_more_decimals_than_the_currency_is_refused() -> None:
    with pytest.raises(ParseError, match="more decimals than EUR allows"):
        read_remittance_csv("reference,amount,currency\nINV-1,10.005,EUR\n")


def test_csv_missing_columns() -> None:
    with pytest.raises(ParseError, match="the header lacks amount") as err:
        read_remittance_csv("reference,sum\nINV-1,10\n")
    assert err.value.location == "line 1"


def test_csv_without_currency_anywhere() -> None:
    with pytest.raises(ParseError, match="no currency column and none given"):
        read_remittance_csv("reference,amount\nINV-1,10\n")


def test_csv_conflicting_payment_heads() -> None:
    text = (
        "payment_reference,payment_date,reference,amount,currency\n"
        "P1,2026-10-01,INV-1,10.00,EUR\nP1,2026-10-02,INV-2,10.00,EUR\n"
    )
    with pytest.raises(ParseError, match="differ from an earlier line") as err:
        read_remittance_csv(text)
    assert err.value.location == "line 3"


def test_csv_row_cap() -> None:
    text = "reference,amount,currency\n" + "INV-1,1.00,EUR\n" * 3
    with pytest.raises(ParseError, match="more than 2 lines"):
        read_remittance_csv(text, limits=ParseLimits(max_entries=2))


def test_jsonl_reads_string_and_integer_amounts() -> None:
    text = (
        '{"reference": "INV-1", "amount": "12.30", "currency": "EUR"}\n'
        "\n"
        '{"reference": "INV-2", "amount": 5, "currency": "EUR", "document_id": "INV-2"}\n'
    )
    (advice,) = read_remittance_jsonl(text)
    assert [(r.reference, r.amount, r.document_id) for r in advice.lines] == [
        ("INV-1", Money("12.30", "EUR"), None),
        ("INV-2", Money("5.00", "EUR"), "INV-2"),
    ]


def test_jsonl_refuses_a_fractional_json_number() -> None:
    text = '{"reference": "INV-1", "amount": "1.00", "currency": "EUR"}\n'
    text += '{"reference": "INV-2", "amount": 12345678901234567.01, "currency": "EUR"}\n'
    with pytest.raises(ParseError, match="send the amount as a string") as err:
        read_remittance_jsonl(text)
    assert err.value.location == "line 2"


def test_jsonl_refuses_nan_and_non_objects_and_broken_json() -> None:
    with pytest.raises(ParseError, match="float"):
        read_remittance_jsonl('{"reference": "I", "amount": NaN, "currency": "EUR"}')
    with pytest.raises(ParseError, match="must be a JSON object"):
        read_remittance_jsonl("[1, 2]")
    with pytest.raises(ParseError, match="not JSON") as err:
        read_remittance_jsonl('{"reference": "I",')
    assert err.value.location == "line 1"


def test_jsonl_refuses_a_bool_amount() -> None:
    with pytest.raises(ParseError, match="amount: True is not text"):
        read_remittance_jsonl('{"reference": "I", "amount": true, "currency": "EUR"}')


def test_x12_820_payment_and_rmr_lines() -> None:
    (advice,) = read_x12_820((DATA / "x12_820.edi").read_bytes())
    assert advice.payment_reference == "0009876543210"
    assert advice.payer_name == "VANGUARD SOFTWARE INC"
    assert (advice.payment_amount, advice.payment_date, advice.method) == (
        Money("9200.00", "USD"),
        date(2026, 10, 30),
        "ACH",
    )
    assert [(r.reference, r.amount, r.discount_taken) for r in advice.lines] == [
        ("INV-102665", Money("5920.00", "USD"), None),
        ("102723", Money("3280.00", "USD"), None),
    ]


def test_x12_820_wrong_segment_count_names_the_se_segment() -> None:
    text = (DATA / "x12_820.edi").read_text().replace("SE*12*", "SE*11*")
    with pytest.raises(ParseError, match="SE01 says 11 segments, the set has 12") as err:
        read_x12_820(text)
    assert err.value.location == "segment 14 (SE)"


def test_x12_820_bad_rmr_amount_names_the_segment() -> None:
    text = (DATA / "x12_820.edi").read_text().replace("**3280.00*", "**32,80*")
    with pytest.raises(ParseError) as err:
        read_x12_820(text)
    assert err.value.location == "segment 12 (RMR)"


def test_x12_820_without_bpr_or_se() -> None:
    text = (DATA / "x12_820.edi").read_text()
    lines = text.splitlines()
    without_bpr = "\n".join(line for line in lines if not line.startswith("BPR"))
    with pytest.raises(ParseError, match="no BPR segment"):
        read_x12_820(without_bpr.replace("SE*12*", "SE*11*"))
    without_se = "\n".join(line for line in lines if not line.startswith(("SE", "GE", "IEA")))
    with pytest.raises(ParseError, match="no SE trailer"):
        read_x12_820(without_se)


def test_x12_other_transaction_set_is_refused() -> None:
    text = (DATA / "x12_820.edi").read_text().replace("ST*820*", "ST*810*")
    with pytest.raises(ParseError, match="is not an 820"):
        read_x12_820(text)


def test_attach_puts_the_lines_on_the_payment() -> None:
    pay = Payment(id="B1", customer_id=None, received_on=date(2026, 10, 30), amount="9200.00 USD")
    (advice,) = read_x12_820((DATA / "x12_820.edi").read_bytes())
    attached = advice.attach(pay)
    assert [r.reference for r in attached.remittance] == ["INV-102665", "102723"]


def test_attach_refuses_another_amount_or_currency() -> None:
    pay = Payment(id="B1", customer_id=None, received_on=date(2026, 10, 30), amount="10.00 EUR")
    with pytest.raises(ParseError, match=r"the advice states 9200\.00 USD"):
        read_x12_820((DATA / "x12_820.edi").read_bytes())[0].attach(pay)
    advice = RemittanceAdvice(lines=(RemittanceLine(reference="I", amount="10.00 USD"),))
    with pytest.raises(ParseError, match="remittance"):
        advice.attach(pay)


def test_x12_820_payment_amount_below_the_cent_is_refused_not_rounded() -> None:
    text = (DATA / "x12_820.edi").read_text().replace("BPR*C*9200.00*", "BPR*C*9200.004*")
    with pytest.raises(
        ParseError, match=r"BPR02 amount 9200\.004 has more decimals than USD"
    ) as err:
        read_x12_820(text)
    assert err.value.location == "segment 4 (BPR)"


def test_x12_820_negative_payment_amount_is_refused() -> None:
    text = (DATA / "x12_820.edi").read_text().replace("BPR*C*9200.00*", "BPR*C*-9200.00*")
    with pytest.raises(ParseError, match=r"BPR02 amount -9200\.00 is negative") as err:
        read_x12_820(text)
    assert err.value.location == "segment 4 (BPR)"
