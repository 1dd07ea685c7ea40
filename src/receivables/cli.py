"""The ``receivables`` command: reports on a ledger file, the bundled sample by default.

Every command reads a ledger (``--ledger FILE``: the JSON written by
:meth:`Ledger.to_json`, or a CSV export read with ``--csv-preset``), takes ``--as-of``
(the sample's own date for the sample, else today: the command line is the only place
that reads the clock), ``--currency`` and ``--rates`` (an :class:`FxRates` JSON file),
and writes a table, CSV or JSON (``--format``).

Exit codes: 0 done, 2 a usage error, 3 an input file that could not be read (the
message names the line or the element, and the field).

Needs the ``cli`` extra: ``pip install receivables[cli]``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from receivables.aging import age
from receivables.collections import worklist as triage
from receivables.credit import check_order
from receivables.dunning import dunning_run
from receivables.errors import ReceivablesError
from receivables.forecast import forecast as cash_forecast
from receivables.ledger import Ledger
from receivables.metrics import average_days_delinquent, countback_dso
from receivables.metrics import dso as dso_metric
from receivables.money import FxRates, Money
from receivables.report import REPORT_STEPS, html_report, month_periods
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates
from receivables.tabular import format_cell, rows_to_columns

__all__ = ["EXIT_BAD_INPUT", "EXIT_USAGE", "app", "main"]

EXIT_USAGE = 2
EXIT_BAD_INPUT = 3

app = typer.Typer(
    name="receivables",
    help="Accounts receivable reports on a ledger file (the bundled sample by default).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _commands() -> None:
    """Accounts receivable reports on a ledger file (the bundled sample by default)."""


class OutputFormat(StrEnum):
    """How a command writes its result."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


LedgerOption = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        "-l",
        help="Ledger file: JSON (Ledger.to_json) or a NetSuite-style open-items CSV."
        " Default: the bundled sample ledger.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Date of the report, YYYY-MM-DD. Default: the sample's date, or today."
    ),
]
CurrencyOption = Annotated[
    str | None,
    typer.Option("--currency", "-c", help="Report in this currency (needs rates)."),
]
RatesOption = Annotated[
    Path | None,
    typer.Option(
        "--rates",
        help="FxRates JSON file. Default: the sample's rates with the sample ledger.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output: table, csv or json.")
]


@dataclass(frozen=True)
class Context:
    """What every command works on: the ledger, the date, the rates, the currency."""

    ledger: Ledger
    as_of: date
    rates: FxRates | None
    currency: str | None
    source: str


def _fail(message: str, code: int) -> NoReturn:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _describe_validation(exc: ValidationError, path: Path) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{path}: at {loc}: {err['msg']}")
    more = exc.error_count() - 5
    if more > 0:
        parts.append(f"... and {more} more")
    return "\n".join(parts)


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        _fail(_describe_validation(exc, path), EXIT_BAD_INPUT)
    except ReceivablesError as exc:
        _fail(f"{path}: {exc}", EXIT_BAD_INPUT)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: {exc}", EXIT_BAD_INPUT)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of {text!r} is not a date like 2026-10-31", EXIT_USAGE)


def read_ledger(path: Path) -> Ledger:
    """A ledger from ``path``: ``.csv`` as a NetSuite-style open-items export (every bad
    row reported with its line), anything else as the JSON of :meth:`Ledger.to_json`."""
    if path.suffix.lower() == ".csv":
        from receivables.io.erp import NETSUITE_OPEN_ITEMS, read_open_items

        result = read_open_items(path.read_text(encoding="utf-8-sig"), NETSUITE_OPEN_ITEMS)
        return result.raise_on_errors().to_ledger()
    return Ledger.from_json(path.read_bytes())


def load_context(
    ledger_path: Path | None,
    as_of: str | None,
    currency: str | None,
    rates_path: Path | None,
) -> Context:
    """Read the ledger and the rates a command needs, with exit code 3 on a bad file."""
    if ledger_path is None:
        ledger, default_day, source = sample_ledger(), SAMPLE_AS_OF, "bundled sample"
        rates: FxRates | None = sample_rates()
    else:
        with _reading(ledger_path):
            ledger = read_ledger(ledger_path)
        default_day, source, rates = date.today(), str(ledger_path), None
    if rates_path is not None:
        with _reading(rates_path):
            rates = FxRates.model_validate_json(rates_path.read_bytes())
    if currency is not None:
        try:
            currency = Money.zero(currency).code
        except ReceivablesError as exc:
            _fail(f"--currency: {exc}", EXIT_USAGE)
    day = _parse_date(as_of) if as_of is not None else default_day
    return Context(ledger=ledger, as_of=day, rates=rates, currency=currency, source=source)


def _json_default(value: object) -> object:
    if isinstance(value, (Decimal, Money, date)):
        return format_cell(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit(rows: Sequence[Mapping[str, object]], fmt: OutputFormat, *, title: str) -> None:
    """Write ``rows`` (plain dicts, one per line) as a table, CSV or JSON on stdout.

    Amounts stay exact: decimals are written as their text, never through a float.
    """
    columns = list(rows_to_columns(rows))
    if fmt is OutputFormat.JSON:
        sys.stdout.write(
            json.dumps([dict(r) for r in rows], default=_json_default, indent=2) + "\n"
        )
        return
    if fmt is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: format_cell(v) for k, v in row.items()})
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, title_justify="left")
    widths = []
    for name in columns:
        cells = [format_cell(r.get(name)) for r in rows]
        widths.append(max([len(name), *(len(c) for c in cells)]))
        numeric = any(isinstance(r.get(name), (Decimal, int, Money)) for r in rows)
        table.add_column(name, justify="right" if numeric else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(format_cell(row.get(name)) for name in columns))
    needed = sum(widths) + 3 * len(widths) + 1
    Console(width=max(needed, len(title), 80)).print(table)


def _run(action: Callable[[], None]) -> None:
    try:
        action()
    except ReceivablesError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)


@app.command()
def balance(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Open balance per customer and currency (or in one currency with --currency)."""
    ctx = load_context(ledger, as_of, currency, rates)

    def action() -> None:
        rows: list[dict[str, object]] = []
        ids = sorted({d.customer_id for d in ctx.ledger.documents if d.customer_id})
        for customer_id in ids:
            by_currency = ctx.ledger.balances(as_of=ctx.as_of, customer_id=customer_id)
            if ctx.currency is not None and by_currency:
                total = ctx.ledger.balance(
                    customer_id, as_of=ctx.as_of, currency=ctx.currency, rates=ctx.rates
                )
                by_currency = {total.code: total}
            for code, amount in by_currency.items():
                if amount.amount:
                    rows.append(
                        {"customer_id": customer_id, "currency": code, "open": amount.amount}
                    )
        emit(rows, fmt, title=f"Open balance as of {ctx.as_of.isoformat()} ({ctx.source})")

    _run(action)


def main() -> None:
    """Entry point of the ``receivables`` console script."""
    app()


BasisOption = Annotated[
    str, typer.Option("--basis", help="Age by 'due_date' (days past due) or 'invoice_date'.")
]
LevelOption = Annotated[
    str, typer.Option("--level", help="Rows per 'customer', 'group', 'total' or 'document'.")
]


def _reporting_currency(ctx: Context) -> str:
    """The currency a one-currency report uses: --currency, the only one, or functional."""
    if ctx.currency is not None:
        return ctx.currency
    codes = sorted(ctx.ledger.balances(as_of=ctx.as_of))
    if len(codes) == 1:
        return codes[0]
    if ctx.ledger.functional_currency is not None:
        return ctx.ledger.functional_currency
    _fail(f"the ledger holds {', '.join(codes)}: name one with --currency", EXIT_USAGE)


@app.command()
def aging(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    basis: BasisOption = "due_date",
    level: LevelOption = "customer",
) -> None:
    """Aging report: open items by bucket, per customer, with the collectable part."""
    ctx = load_context(ledger, as_of, currency, rates)
    if level not in ("customer", "group", "total", "document"):
        _fail(f"--level {level!r}: use customer, group, total or document", EXIT_USAGE)
    if basis not in ("due_date", "invoice_date"):
        _fail(f"--basis {basis!r}: use due_date or invoice_date", EXIT_USAGE)

    def action() -> None:
        report = age(
            ctx.ledger,
            as_of=ctx.as_of,
            basis=basis,  # type: ignore[arg-type]
            currency=ctx.currency,
            rates=ctx.rates,
            detail=level == "document",
        )
        title = f"Aging as of {ctx.as_of.isoformat()} by {basis} ({ctx.source})"
        emit(report.to_rows(level), fmt, title=title)  # type: ignore[arg-type]

    _run(action)


@app.command()
def dso(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    months: Annotated[int, typer.Option("--months", min=1, help="Months of history.")] = 12,
) -> None:
    """DSO (standard, average-AR, countback) and average days delinquent, month by month."""
    ctx = load_context(ledger, as_of, currency, rates)

    def action() -> None:
        code = _reporting_currency(ctx)
        rows: list[dict[str, object]] = []
        for period in month_periods(ctx.as_of, months):
            standard = dso_metric(ctx.ledger, period=period, currency=code, rates=ctx.rates)
            average = dso_metric(
                ctx.ledger, period=period, method="average", currency=code, rates=ctx.rates
            )
            countback = countback_dso(ctx.ledger, as_of=period.end, currency=code, rates=ctx.rates)
            add = average_days_delinquent(ctx.ledger, period=period, currency=code, rates=ctx.rates)
            rows.append(
                {
                    "month": period.start.strftime("%Y-%m"),
                    "dso": standard.value,
                    "dso_average_ar": average.value,
                    "dso_countback": countback.value,
                    "days_delinquent": add.value,
                    "currency": code,
                }
            )
        emit(rows, fmt, title=f"DSO by month to {ctx.as_of.isoformat()} ({ctx.source})")

    _run(action)


@app.command()
def dunning(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The dunning run due on the date: proposed notices per customer, and every skip."""
    ctx = load_context(ledger, as_of, None, None)

    def action() -> None:
        run = dunning_run(ctx.ledger, as_of=ctx.as_of)
        emit(run.to_rows(), fmt, title=f"Dunning run of {ctx.as_of.isoformat()} ({ctx.source})")

    _run(action)


@app.command()
def forecast(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    period: Annotated[
        str, typer.Option("--period", help="'week', 'month' or 'quarter'.")
    ] = "month",
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Number of periods.")] = 6,
) -> None:
    """Expected cash receipts per period, with low and high bands."""
    ctx = load_context(ledger, as_of, currency, rates)
    if period not in ("week", "month", "quarter"):
        _fail(f"--period {period!r}: use week, month or quarter", EXIT_USAGE)

    def action() -> None:
        result = cash_forecast(
            ctx.ledger,
            as_of=ctx.as_of,
            horizon=horizon,
            period=period,
            currency=_reporting_currency(ctx),
            rates=ctx.rates,
        )
        title = f"Cash forecast from {ctx.as_of.isoformat()} ({ctx.source})"
        emit(result.to_rows(), fmt, title=title)

    _run(action)


@app.command()
def worklist(
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    top: Annotated[int, typer.Option("--top", min=1, help="Show the first N customers.")] = 25,
) -> None:
    """The collector's worklist: customers ranked by a weighted triage score."""
    ctx = load_context(ledger, as_of, currency, rates)

    def action() -> None:
        result = triage(
            ctx.ledger, as_of=ctx.as_of, currency=_reporting_currency(ctx), rates=ctx.rates
        )
        title = f"Worklist of {ctx.as_of.isoformat()} ({ctx.source})"
        emit(result.to_rows()[:top], fmt, title=title)

    _run(action)


@app.command("credit-check")
def credit_check(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    amount: Annotated[str, typer.Argument(help="Order amount, e.g. '25000 USD'.")],
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check a new order against the customer's credit: approve, hold or needs override."""
    ctx = load_context(ledger, as_of, None, rates)
    try:
        order = Money.parse(amount)
    except ReceivablesError as exc:
        _fail(f"amount: {exc}", EXIT_USAGE)

    def action() -> None:
        decision = check_order(
            ctx.ledger.customer(customer),
            order,
            ledger=ctx.ledger,
            as_of=ctx.as_of,
            rates=ctx.rates,
        )
        rows: list[dict[str, object]] = [
            {"customer_id": customer, "order": str(order), "outcome": decision.outcome}
        ]
        rows.extend({"customer_id": customer, **r} for r in decision.to_rows())
        emit(rows, fmt, title=f"Credit check of {ctx.as_of.isoformat()} ({ctx.source})")

    _run(action)


@app.command()
def report(
    html: Annotated[Path, typer.Option("--html", help="Write the report to this HTML file.")],
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
    months: Annotated[int, typer.Option("--months", min=1, help="Months of DSO trend.")] = 12,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Months of forecast.")] = 6,
) -> None:
    """One self-contained HTML page for a manager: aging, overdue, DSO, forecast, dunning."""
    ctx = load_context(ledger, as_of, currency, rates)

    def action() -> None:
        code = _reporting_currency(ctx)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("report", total=len(REPORT_STEPS))

            def advance(name: str) -> None:
                done = REPORT_STEPS.index(name)
                bar.update(task, description=name, completed=done)

            page = html_report(
                ctx.ledger,
                as_of=ctx.as_of,
                currency=code,
                rates=ctx.rates,
                months=months,
                horizon=horizon,
                progress=advance,
            )
            bar.update(task, completed=len(REPORT_STEPS))
        html.write_text(page, encoding="utf-8")
        Console(stderr=True).print(f"wrote {html} ({len(page):,} bytes)", highlight=False)

    _run(action)


class StatementFormat(StrEnum):
    """Bank statement formats the ``allocate`` command reads."""

    CAMT053 = "camt053"
    CAMT054 = "camt054"
    BAI2 = "bai2"
    MT940 = "mt940"


@app.command()
def allocate(
    statement: Annotated[
        Path,
        typer.Argument(help="Bank statement file.", exists=True, dir_okay=False, readable=True),
    ],
    statement_format: Annotated[
        StatementFormat, typer.Option("--statement-format", "-s", help="The file's format.")
    ] = StatementFormat.CAMT053,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    rates: RatesOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Match a bank statement's receipts to customers and propose what each one pays."""
    from receivables.io.bai2 import read_bai2
    from receivables.io.camt import read_camt053, read_camt054
    from receivables.io.mt940 import read_mt940
    from receivables.unposted import match_statement

    ctx = load_context(ledger, as_of, None, rates)
    reader = {
        StatementFormat.CAMT053: read_camt053,
        StatementFormat.CAMT054: read_camt054,
        StatementFormat.BAI2: read_bai2,
        StatementFormat.MT940: read_mt940,
    }[statement_format]
    with _reading(statement):
        parsed = reader(statement.read_bytes())

    def action() -> None:
        match = match_statement(parsed, ctx.ledger, as_of=ctx.as_of, rates=ctx.rates)
        title = f"Receipts of {statement.name} against {ctx.source} as of {ctx.as_of}"
        emit(match.to_rows(), fmt, title=title)

    _run(action)
