"""The HTML report: self-contained, right totals, and rendered by a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from receivables.aging import age
from receivables.report import html_report
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates


@pytest.fixture(scope="module")
def page() -> str:
    return html_report(
        sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates(), months=3
    )


def test_report_shows_the_aging_total_of_the_ledger(page: str) -> None:
    report = age(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    total = report.total("USD").total.amount
    assert f"{total:,.2f}" in page


def test_report_needs_no_network(page: str) -> None:
    without_svg_namespace = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"(src|href)=", without_svg_namespace)
    assert "http" not in without_svg_namespace


def test_report_has_each_section(page: str) -> None:
    for heading in ("Aging by bucket", "Top 10 overdue", "DSO trend", "Cash forecast", "Dunning"):
        assert heading in page
    assert page.count("<svg") == 3


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_renders_in_a_headless_browser(page: str, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        common = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}"]
        subprocess.run(
            [*common, "--window-size=1200,2400", f"--screenshot={shot}", html.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        dom = subprocess.run(
            [*common, "--dump-dom", html.as_uri()],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000, "a blank page compresses to a few kilobytes"
    assert "2,280,470.19 USD" in dom
    assert dom.count("<svg") == 3


def test_report_announces_each_step_in_order() -> None:
    from receivables.report import REPORT_STEPS

    seen: list[str] = []
    html_report(
        sample_ledger(),
        as_of=SAMPLE_AS_OF,
        currency="USD",
        rates=sample_rates(),
        months=1,
        horizon=1,
        progress=seen.append,
    )
    assert tuple(seen) == REPORT_STEPS


def test_dso_trend_of_the_current_month_stops_at_as_of() -> None:
    """As of 15 January, the invoice of 20 January does not exist yet: January's DSO is
    the month to date, 100.00 open / 100.00 sold x 15 days = 15.00 days."""
    from datetime import date

    from receivables.ledger import Ledger
    from receivables.models import Invoice

    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5), total="100.00 USD"),
            Invoice(id="I2", customer_id="C1", issue_date=date(2026, 1, 20), total="900.00 USD"),
        ]
    )
    page = html_report(ledger, as_of=date(2026, 1, 15), currency="USD", months=1, horizon=1)
    assert '<td>2026-01</td><td class="n">15.00</td>' in page


def test_month_periods_end_the_last_month_on_as_of() -> None:
    from datetime import date

    from receivables.report import month_periods

    months = month_periods(date(2026, 2, 10), 2)
    assert [(p.start, p.end) for p in months] == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 10)),
    ]
