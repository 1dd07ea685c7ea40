"""A manager's report as one self-contained HTML page.

:func:`html_report` gathers the aging by bucket (a bar chart), the top overdue customers,
the DSO trend, the cash forecast with its bands and the dunning proposals, and renders
them as a single HTML document: charts are inline SVG, styles are inline, nothing is
fetched, so the file opens anywhere, offline. It is a pure function of the ledger, the
date and the rates: it returns text and writes nothing.

Examples:
    >>> from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates
    >>> page = html_report(sample_ledger(), as_of=SAMPLE_AS_OF, currency="USD",
    ...                    rates=sample_rates(), months=2, horizon=2)
    >>> page.startswith("<!DOCTYPE html>") and "<svg" in page
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from html import escape

from receivables.aging import AgingReport, age
from receivables.collections import Worklist, worklist
from receivables.dunning import DunningRun, dunning_run
from receivables.forecast import CashForecast, forecast
from receivables.ledger import Ledger
from receivables.metrics import Period, average_days_delinquent, dso
from receivables.money import FxRates, Money, minor_units

__all__ = ["REPORT_STEPS", "DsoPoint", "html_report", "month_periods"]

REPORT_STEPS = ("aging", "worklist", "DSO trend", "forecast", "dunning")
"""The steps :func:`html_report` reports to its ``progress`` callback, in order."""

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1f2933}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
.sub{color:#52606d;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:flex;gap:1rem;flex-wrap:wrap}
.kpi{border:1px solid #d9e2ec;border-radius:6px;padding:.6rem 1rem;min-width:10rem}
.kpi b{display:block;font-size:1.3rem}
svg text{font-family:inherit;font-size:11px;fill:#334e68}
"""

DsoPoint = tuple[str, Decimal | None, Decimal | None]
"""A month label, its DSO and its average days delinquent."""


def month_periods(as_of: date, months: int) -> list[Period]:
    """The ``months`` calendar months ending with the month of ``as_of``, oldest first.

    The last one is the month to date: it ends on ``as_of``, because a sale or a
    payment dated after ``as_of`` has not happened yet on the report's date.

    Examples:
        >>> [(p.start.isoformat(), p.end.isoformat())
        ...  for p in month_periods(date(2026, 1, 15), 2)]
        [('2025-12-01', '2025-12-31'), ('2026-01-01', '2026-01-15')]
    """
    result: list[Period] = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        result.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if result:
        result[0] = Period.custom(result[0].start, as_of)
    return list(reversed(result))


def _fmt(amount: Money) -> str:
    digits = minor_units(amount.code)
    return f"{amount.amount:,.{digits}f}"


def _num(value: Decimal | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value}{suffix}"


def _bar_chart(labels: Sequence[str], values: Sequence[Decimal], *, title: str) -> str:
    width, height, left, bottom, top = 640, 260, 70, 40, 20
    peak = max([abs(v) for v in values] + [Decimal(1)])
    step = (width - left - 10) / max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = float(abs(value) / peak) * (height - top - bottom)
        x = left + i * step + step * 0.15
        y = height - bottom - h
        colour = "#c81e1e" if value < 0 else ("#2f855a" if i == 0 else "#dd6b20")
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}"'
            f' fill="{colour}"><title>{escape(label)}: {value:,}</title></rect>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}"'
            f' text-anchor="middle">{escape(label)}</text>'
        )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}"'
        ' stroke="#9aa5b1"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak:,.0f}</text>'
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>'
    )
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{axis}{''.join(bars)}</svg>"
    )


def _line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Decimal | None]]],
    *,
    title: str,
) -> str:
    width, height, left, bottom, top = 640, 260, 70, 40, 20
    known = [v for _, _, values in series for v in values if v is not None]
    peak = max([*known, Decimal(1)])
    step = (width - left - 20) / max(len(labels) - 1, 1)

    def point(i: int, v: Decimal) -> str:
        y = height - bottom - float(v / peak) * (height - top - bottom)
        return f"{left + i * step:.1f},{y:.1f}"

    lines = []
    for n, (name, colour, values) in enumerate(series):
        pts = " ".join(point(i, v) for i, v in enumerate(values) if v is not None)
        lines.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}">'
            f"<title>{escape(name)}</title></polyline>"
            f'<text x="{width - 150}" y="{top + 14 * n}" style="fill:{colour}">'
            f"{escape(name)}</text>"
        )
    ticks = "".join(
        f'<text x="{left + i * step:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
    )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}"'
        ' stroke="#9aa5b1"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak:,.0f}</text>'
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>'
    )
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{axis}{ticks}{''.join(lines)}</svg>"
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _aging_section(report: AgingReport, currency: str) -> str:
    total = report.total(currency)
    labels = [b.label for b in total.buckets] + ["credits"]
    values = [b.open.amount for b in total.buckets] + [total.credits.amount]
    rows = [
        [b.label, _fmt(b.open), _fmt(b.disputed), _fmt(b.collectable), str(b.items)]
        for b in total.buckets
    ]
    rows.append(["credits", _fmt(total.credits), "", "", ""])
    rows.append(["total", _fmt(total.total), _fmt(total.disputed), _fmt(total.collectable), ""])
    return (
        f"<h2>Aging by bucket ({escape(currency)})</h2>"
        + _bar_chart(labels, values, title="Open amount by days past due")
        + _table(["bucket", "open", "disputed", "collectable", "items"], rows, {1, 2, 3, 4})
    )


def _overdue_section(work: Worklist, top: int) -> str:
    rows = [
        [
            str(r.rank),
            r.customer_id,
            r.customer_name or "",
            r.collector,
            _fmt(r.amount_overdue),
            str(r.days_overdue),
            r.why,
        ]
        for r in work.rows[:top]
    ]
    headers = ["rank", "customer", "name", "collector", "overdue", "days", "why"]
    return f"<h2>Top {top} overdue customers</h2>" + _table(headers, rows, {0, 4, 5})


def _dso_section(points: Sequence[DsoPoint]) -> str:
    labels = [p[0] for p in points]
    chart = _line_chart(
        labels,
        [
            ("DSO", "#2b6cb0", [p[1] for p in points]),
            ("Days delinquent", "#c05621", [p[2] for p in points]),
        ],
        title="DSO trend",
    )
    rows = [[p[0], _num(p[1]), _num(p[2])] for p in points]
    return (
        "<h2>DSO trend</h2>"
        + chart
        + _table(["month", "DSO (days)", "days delinquent"], rows, {1, 2})
    )


def _forecast_section(cash: CashForecast) -> str:
    labels = [p.label for p in cash.periods]
    chart = _line_chart(
        labels,
        [
            ("low", "#a0aec0", [p.low.amount for p in cash.periods]),
            ("expected", "#2f855a", [p.expected.amount for p in cash.periods]),
            ("high", "#4a5568", [p.high.amount for p in cash.periods]),
        ],
        title="Expected receipts per period",
    )
    rows = [
        [p.label, _fmt(p.low), _fmt(p.expected), _fmt(p.high), _fmt(p.promised)]
        for p in cash.periods
    ]
    return (
        f"<h2>Cash forecast ({escape(cash.currency)})</h2>"
        + chart
        + _table(["period", "low", "expected", "high", "promised"], rows, {1, 2, 3, 4})
    )


def _dunning_section(run: DunningRun) -> str:
    rows = [
        [
            p.customer_id,
            p.stage_name,
            p.channel,
            str(len(p.items)),
            ", ".join(f"{_fmt(t)} {t.code}" for t in p.totals),
        ]
        for p in run.proposals
    ]
    return (
        f"<h2>Dunning proposals ({len(run.proposals)} notices, {len(run.skips)} skips)</h2>"
        + _table(["customer", "stage", "channel", "items", "dunned"], rows, {3, 4})
    )


def html_report(
    ledger: Ledger,
    *,
    as_of: date,
    currency: str,
    rates: FxRates | None = None,
    months: int = 12,
    horizon: int = 6,
    top: int = 10,
    title: str = "Accounts receivable",
    progress: Callable[[str], None] | None = None,
) -> str:
    """The manager's report on ``ledger`` as of ``as_of``, in ``currency``, as HTML text.

    Sections: headline figures (open balance, overdue, DSO), aging by bucket, the ``top``
    overdue customers with why they rank there, DSO and days delinquent for the last
    ``months`` months, the monthly cash forecast for ``horizon`` months with its bands,
    and the dunning run due on ``as_of``. Amounts show the currency's ISO 4217 digits.
    ``progress``, when given, is called with the name of each step as it starts (the
    command line shows it as a progress bar); it changes nothing in the result.
    """
    step = progress or (lambda _name: None)
    step("aging")
    report = age(ledger, as_of=as_of, currency=currency, rates=rates, detail=False)
    step("worklist")
    work = worklist(ledger, as_of=as_of, currency=currency, rates=rates)
    step("DSO trend")
    points: list[DsoPoint] = []
    for period in month_periods(as_of, months):
        value = dso(ledger, period=period, currency=currency, rates=rates).value
        late = average_days_delinquent(ledger, period=period, currency=currency, rates=rates)
        points.append((period.start.strftime("%Y-%m"), value, late.value))
    step("forecast")
    cash = forecast(ledger, as_of=as_of, horizon=horizon, currency=currency, rates=rates)
    step("dunning")
    run = dunning_run(ledger, as_of=as_of)
    total = report.total(currency)
    overdue = Money.zero(currency)
    for bucket in total.buckets[1:]:
        overdue += bucket.open
    kpis = [
        ("Open balance", f"{_fmt(total.total)} {currency}"),
        ("Overdue", f"{_fmt(overdue)} {currency}"),
        ("Disputed", f"{_fmt(total.disputed)} {currency}"),
        ("DSO (last month)", f"{_num(points[-1][1])} days" if points else "n/a"),
        ("Expected next period", f"{_fmt(cash.periods[0].expected)} {currency}"),
    ]
    kpi_html = "".join(f'<div class="kpi">{escape(k)}<b>{escape(v)}</b></div>' for k, v in kpis)
    return (
        "<!DOCTYPE html>"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} as of {as_of.isoformat()}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="sub">As of {as_of.isoformat()}, in {escape(currency)};'
        f" {len(ledger)} documents.</p>"
        f'<div class="kpis">{kpi_html}</div>'
        + _aging_section(report, currency)
        + _overdue_section(work, top)
        + _dso_section(points)
        + _forecast_section(cash)
        + _dunning_section(run)
        + "</body></html>\n"
    )
