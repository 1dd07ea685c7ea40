"""The ``receivables`` command: outputs, exit codes, and bad input files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receivables.aging import age
from receivables.cli import EXIT_BAD_INPUT, EXIT_USAGE, app
from receivables.ledger import Ledger
from receivables.models import Invoice
from receivables.money import Money
from receivables.report import month_periods
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def small_ledger(tmp_path: Path) -> Path:
    ledger = Ledger(
        [
            Invoice(
                id="INV-1",
                customer_id="C1",
                issue_date=date(2026, 1, 5),
                terms="NET 30",
                total=Money("500.00", "EUR"),
            ),
            Invoice(
                id="INV-2",
                customer_id="C2",
                issue_date=date(2026, 3, 1),
                terms="NET 30",
                total=Money("120.50", "EUR"),
            ),
        ]
    )
    path = tmp_path / "ledger.json"
    path.write_text(ledger.to_json())
    return path


def test_aging_total_of_the_sample_equals_the_revalued_open_items() -> None:
    code, out = run("aging", "--currency", "USD", "--level", "total", "--format", "json")
    assert code == 0
    (row,) = json.loads(out)
    expected = age(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    assert Decimal(row["total"]) == expected.total("USD").total.amount
    buckets = ("current", "1-30", "31-60", "61-90", "91-120", "120+", "credits")
    assert sum(Decimal(row[b]) for b in buckets) == Decimal(row["total"])


def test_aging_of_a_ledger_file_as_of_a_date(small_ledger: Path) -> None:
    code, out = run(
        "aging", "--ledger", str(small_ledger), "--as-of", "2026-03-15", "--format", "csv"
    )
    assert code == 0
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["C1"]["31-60"] == "500.00"
    assert rows["C2"]["current"] == "120.50"


def test_balance_csv_lists_each_customer(small_ledger: Path) -> None:
    code, out = run("balance", "-l", str(small_ledger), "--as-of", "2026-03-15", "-f", "csv")
    assert code == 0
    assert out.splitlines() == ["customer_id,currency,open", "C1,EUR,500.00", "C2,EUR,120.50"]


def test_table_output_shows_the_title_and_amounts(small_ledger: Path) -> None:
    code, out = run("balance", "-l", str(small_ledger), "--as-of", "2026-03-15")
    assert code == 0
    assert "Open balance as of 2026-03-15" in out
    assert "120.50" in out


def test_bad_date_is_a_usage_error() -> None:
    code, out = run("aging", "--as-of", "31/10/2026")
    assert code == EXIT_USAGE
    assert "is not a date" in out


def test_unknown_option_is_a_usage_error() -> None:
    code, _ = run("aging", "--frobnicate")
    assert code == EXIT_USAGE


def test_unknown_currency_is_a_usage_error() -> None:
    code, out = run("aging", "--currency", "ZZZ")
    assert code == EXIT_USAGE
    assert "unknown currency code 'ZZZ'" in out


def test_invalid_ledger_file_exits_3_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"documents": [{"kind": "invoice", "id": "I1", "customer_id": "C1"}]}')
    code, out = run("aging", "--ledger", str(bad))
    assert code == EXIT_BAD_INPUT
    assert "invoice I1: issue_date: Field required" in out


def test_ledger_file_with_a_float_amount_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "float.json"
    bad.write_text(
        '{"documents": [{"kind": "invoice", "id": "I1", "customer_id": "C1",'
        ' "issue_date": "2026-01-01", "total": {"amount": 12.5, "currency": "USD"}}]}'
    )
    code, out = run("balance", "--ledger", str(bad))
    assert code == EXIT_BAD_INPUT
    assert "send the amount as a string" in out


def test_ledger_that_breaks_a_rule_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "dup.json"
    doc = (
        '{"kind": "invoice", "id": "I1", "customer_id": "C1", "issue_date": "2026-01-01",'
        ' "total": {"amount": "%s", "currency": "USD"}}'
    )
    bad.write_text(f'{{"documents": [{doc % "1"}, {doc % "2"}]}}')
    code, out = run("balance", "--ledger", str(bad))
    assert code == EXIT_BAD_INPUT
    assert "I1" in out


def test_multi_currency_ledger_needs_a_currency_for_one_currency_reports(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.json"
    mixed.write_text(
        Ledger(
            [
                Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1), total="1 USD"),
                Invoice(id="I2", customer_id="C1", issue_date=date(2026, 1, 1), total="1 EUR"),
            ]
        ).to_json()
    )
    code, out = run("forecast", "--ledger", str(mixed), "--as-of", "2026-02-01")
    assert code == EXIT_USAGE
    assert "--currency" in out


def test_dso_by_month_has_one_row_per_month() -> None:
    code, out = run("dso", "--currency", "USD", "--months", "3", "-f", "json")
    assert code == 0
    assert [r["month"] for r in json.loads(out)] == ["2026-08", "2026-09", "2026-10"]


def test_forecast_rows_per_period() -> None:
    code, out = run("forecast", "--currency", "USD", "--horizon", "2", "-f", "json")
    assert code == 0
    assert [r["period"] for r in json.loads(out)] == ["2026-11", "2026-12"]


def test_worklist_is_ranked() -> None:
    code, out = run("worklist", "--currency", "USD", "--top", "5", "-f", "json")
    assert code == 0
    ranks = [r["rank"] for r in json.loads(out)]
    assert ranks == [1, 2, 3, 4, 5]


def test_dunning_lists_proposals_and_skips() -> None:
    code, out = run("dunning", "-f", "json")
    assert code == 0
    actions = {r["action"] for r in json.loads(out)}
    assert "dun" in actions
    assert len(actions) > 1


def test_credit_check_gives_an_outcome() -> None:
    code, out = run("credit-check", "C0001", "25000 USD", "-f", "json")
    assert code == 0
    assert json.loads(out)[0]["outcome"] in {"approve", "hold", "needs_override"}


def test_credit_check_of_an_unknown_customer_exits_3() -> None:
    code, out = run("credit-check", "NOPE", "1 USD")
    assert code == EXIT_BAD_INPUT
    assert "NOPE" in out


def test_credit_check_with_a_float_like_amount_without_currency_is_usage() -> None:
    code, _ = run("credit-check", "C0001", "25000")
    assert code == EXIT_USAGE


def test_report_writes_a_self_contained_html_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _ = run("report", "--html", str(out), "--currency", "USD", "--months", "2")
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "2,280,470.19" in page


def test_month_periods_cross_the_year() -> None:
    months = month_periods(date(2026, 2, 10), 3)
    assert [(p.start, p.end) for p in months] == [
        (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 10)),
    ]


BANK = Path(__file__).parent / "data" / "bank"


def test_allocate_matches_a_camt053_statement_to_the_sample() -> None:
    code, out = run("allocate", str(BANK / "camt053.xml"), "-f", "json")
    assert code == 0
    rows = {r["payment_id"]: r for r in json.loads(out)}
    assert rows["2026103100001"]["applied_to"] == "INV-102349"
    assert rows["2026103100006"]["status"] == "unidentified"


def test_allocate_reads_mt940() -> None:
    code, out = run("allocate", str(BANK / "mt940.txt"), "-s", "mt940", "-f", "json")
    assert code == 0
    assert json.loads(out)


def test_allocate_of_a_file_in_the_wrong_format_exits_3_with_its_line() -> None:
    code, out = run("allocate", str(BANK / "bai2.txt"), "-s", "camt053")
    assert code == EXIT_BAD_INPUT
    assert "line 1" in out


def test_csv_ledger_with_a_bad_row_exits_3_naming_the_line(tmp_path: Path) -> None:
    from receivables.io.erp import NETSUITE_OPEN_ITEMS

    good = tmp_path / "open.csv"
    header = ",".join(NETSUITE_OPEN_ITEMS.model_dump(include=set()).keys())
    del header
    good.write_text("not,a,netsuite,export\n1,2,3,4\n", encoding="utf-8")
    code, out = run("aging", "--ledger", str(good))
    assert code == EXIT_BAD_INPUT
    assert "line" in out
