"""The walkthrough of docs/how-the-numbers-tie-out.md: its identities hold, its figures are
the ones printed, and the page shows exactly the code and output of
tests/walkthrough_tie_out.py (so the page cannot drift from the code)."""

from __future__ import annotations

import itertools
import re
import textwrap
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from receivables.aging import age
from receivables.fx import fx_movement
from receivables.models import DebitMemo, DebitReason
from receivables.money import Money
from walkthrough_tie_out import Walkthrough, walk

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "how-the-numbers-tie-out.md"
MODULE = ROOT / "tests" / "walkthrough_tie_out.py"
D = date


@pytest.fixture(scope="module")
def story() -> Walkthrough:
    return walk()


def test_the_year_rolls_forward_to_the_aging_total(story: Walkthrough) -> None:
    row = story.year.total()
    assert story.year.balanced
    report = age(story.ledger, as_of=D(2026, 12, 31), currency="USD", rates=story.rates)
    assert row.closing.amount == report.totals[0].total == Money("5229.86", "USD")
    assert row.opening.amount == Money("0.00", "USD")


def test_the_quarters_chain_and_add_up_to_the_year(story: Walkthrough) -> None:
    totals = [q.total() for q in story.quarters]
    assert all(q.balanced for q in story.quarters)
    for before, after in itertools.pairwise(totals):
        assert before.closing.amount == after.opening.amount
    year = story.year.total()
    lines = [name for name, _ in year.figures()][1:-1]
    for line in lines:
        summed = sum((getattr(t, line).amount for t in totals), Money.zero("USD"))
        assert summed == getattr(year, line).amount, line


def test_realised_and_unrealised_fx_add_up_to_the_functional_movement(story: Walkthrough) -> None:
    """IAS 21.28-29: the functional movement is the documents' own amounts plus the
    exchange differences realised on settlement and the revaluation of what is open."""
    (m,) = fx_movement(story.ledger, rates=story.rates, start=D(2025, 12, 31),
                       as_of=D(2026, 12, 31))  # fmt: skip
    assert m.holds
    assert m.closing - m.opening == m.documents + m.realised + m.unrealised_closing
    assert (m.documents, m.realised, m.unrealised_closing) == (
        Money("5141.82", "USD"),
        Money("15.69", "USD"),
        Money("72.35", "USD"),
    )


def test_the_disputed_part_is_not_dunned(story: Walkthrough) -> None:
    lines = [line for line in story.output["dunning"] if line.startswith("  INV-1001")]
    assert len(lines) == 3
    for line in lines:
        assert "open 11900.00 EUR, disputed 2380.00 EUR, dunned 9520.00 EUR" in line


def test_the_disputed_part_earns_no_interest(story: Walkthrough) -> None:
    """BGB § 288(2): Basiszinssatz 1.27 % + 9 points = 10.27 % a year, on 9,520.00 (the
    11,900.00 less the disputed 2,380.00) for 14 Feb - 6 Mar (21 days): 56.25."""
    exact = Decimal("9520.00") * Decimal("10.27") / 100 * 21 / 365
    assert exact.quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("56.25")
    assert "interest 56.25 EUR, compensation 40.00 EUR" in story.output["dunning"][3]
    account = story.accounts["2026-06-30"]
    for period in account.periods:
        open_dispute = period.last_day <= D(2026, 5, 20)
        assert period.disputed == Money("2380.00" if open_dispute else "0.00", "EUR")
        assert period.earning == period.principal - period.disputed


def test_each_payment_is_cleared_costs_then_interest_then_principal(story: Walkthrough) -> None:
    """BGB § 367(1): "zunächst auf die Kosten, dann auf die Zinsen und zuletzt auf die
    Hauptleistung"."""
    expected = {
        "PAY-1": [("costs", "45.00"), ("interest", "128.57"), ("principal", "4826.43")],
        "PAY-2": [("interest", "131.27"), ("principal", "3868.73")],
    }
    account = story.accounts["2026-06-30"]
    payments = [e for e in account.events if e.kind == "payment"]
    for event in payments:
        assert event.clearing is not None
        got = [(p.component, str(p.amount.amount)) for p in event.clearing.placements]
        assert got == expected[event.id]
        assert sum((p.amount for p in event.clearing.placements), Money.zero("EUR")) == (
            event.amount
        )


def test_the_interest_account_ties_to_the_ledger(story: Walkthrough) -> None:
    """Interest and costs posted as debit memos are exactly what the account accrued and
    charged, every memo was paid, and the invoice's open amount is the principal left."""
    ledger = story.ledger
    account = story.accounts["2026-06-30"]
    memos = [d for d in ledger.documents if isinstance(d, DebitMemo)]
    interest = sum((m.amount for m in memos if m.reason is DebitReason.INTEREST), Money.zero("EUR"))
    costs = sum((m.amount for m in memos if m.reason is DebitReason.FEE), Money.zero("EUR"))
    assert interest == account.interest_accrued == account.interest_paid == Money("259.84", "EUR")
    assert costs == Money("45.00", "EUR")
    assert all(ledger.open_amount(m.id, as_of=D(2026, 6, 30)).amount == 0 for m in memos)
    first = story.accounts["2026-04-02"]
    assert ledger.open_amount("INV-1001", as_of=D(2026, 4, 2)) == first.principal
    assert ledger.open_amount("INV-1001", as_of=D(2026, 12, 31)) == account.principal
    assert account.principal == Money("2014.84", "EUR")


def test_figures_quoted_in_the_prose_are_the_printed_ones(story: Walkthrough) -> None:
    out = story.output
    assert out["setup"][2] == "functional     13804.00 USD  rate 1.1600 (table)"
    assert (
        "INV-1001: open 11900.00 EUR, disputed 2380.00 EUR, collectable 9520.00 EUR"
        in (out["dispute"])
    )
    assert out["resolution"][0] == (
        "outcome resumed: credited 1190.00 EUR, collectable again 1190.00 EUR, open 5883.57 EUR"
    )
    assert out["kpis"][0].startswith("dso                       90.00 days")
    assert out["kpis"][2].startswith("dso                       72.21 days")
    assert out["tieout"][0].endswith("difference 0.00 USD, tied True")
    assert out["tieout"][1].endswith("explained -2892.65 USD, tied True")
    assert out["fx"][-1] == (
        "movement 5229.86 USD = documents 5141.82 USD + realised 15.69 USD"
        " + unrealised 72.35 USD: True"
    )


# -- the page shows this module's code and output --------------------------------------------


def _sections() -> dict[str, str]:
    source = MODULE.read_text(encoding="utf-8")
    found = re.findall(
        r"^[ ]*# --8<-- \[start:(\w+)\]\n(.*?)^[ ]*# --8<-- \[end:\1\]\n", source, re.M | re.S
    )
    return {name: textwrap.dedent(body).strip("\n") for name, body in found}


def _page_blocks(kind: str) -> dict[str, str]:
    page = PAGE.read_text(encoding="utf-8")
    lang = "python" if kind == "code" else "text"
    found = re.findall(rf"<!-- {kind}: (\w+) -->\n```{lang}\n(.*?)\n```", page, re.S)
    return dict(found)


def test_every_step_is_on_the_page(story: Walkthrough) -> None:
    sections = _sections()
    assert set(story.output) <= set(sections)
    assert set(_page_blocks("code")) == set(sections)
    assert set(_page_blocks("output")) == set(story.output)


def test_the_page_shows_the_code_that_ran() -> None:
    sections = _sections()
    for name, shown in _page_blocks("code").items():
        assert shown == sections[name], f"code block {name} differs from the module"


def test_the_page_shows_the_output_the_code_printed(story: Walkthrough) -> None:
    for name, shown in _page_blocks("output").items():
        assert shown == "\n".join(story.output[name]), f"output block {name} differs"
