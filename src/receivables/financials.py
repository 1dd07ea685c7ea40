"""Financial statement analysis for credit: ratios and Altman's Z-scores.

A credit analyst reads a customer's balance sheet and income statement before granting
or raising a limit. :class:`FinancialStatements` holds the lines that analysis needs
(every line optional, all in one currency); each ratio function names the lines it
needs and raises :class:`MissingStatementLine` naming the first one that is absent.
A zero denominator is not an error: the ratio comes back with ``value=None`` and a
reason, never an infinity.

Precision: ratios are computed exactly with :class:`~decimal.Decimal` (60 digits) and
rounded once, half up, to 4 decimal places (:data:`RATIO_PLACES`); day counts (DSO, DPO,
DIO) to 2 places. Altman scores sum the *unrounded* ratios times their coefficients; the
zone is decided on that exact score and the score is reported to 4 places.

Examples:
    >>> fs = FinancialStatements(currency="USD", current_assets="850000",
    ...                          current_liabilities="300000")
    >>> current_ratio(fs).value
    Decimal('2.8333')
    >>> current_ratio(FinancialStatements(currency="USD", current_assets="1",
    ...                                   current_liabilities="0")).reason
    'current_liabilities is zero: the ratio is undefined'
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from receivables.errors import InvalidDocument, ReceivablesError
from receivables.money import CurrencyCode, ExactDecimal, Money, to_decimal

__all__ = [
    "DAY_PLACES",
    "RATIO_PLACES",
    "AltmanComponent",
    "AltmanModel",
    "AltmanResult",
    "FinancialStatements",
    "MissingStatementLine",
    "Ratio",
    "StatementLine",
    "altman_z",
    "altman_z_from_ratios",
    "cash_ratio",
    "current_ratio",
    "days_inventory_outstanding",
    "days_payables_outstanding",
    "days_sales_outstanding",
    "debt_ratio",
    "debt_to_equity",
    "gross_margin",
    "interest_coverage",
    "net_margin",
    "quick_ratio",
    "ratio_table",
    "return_on_assets",
    "tangible_net_worth",
    "working_capital",
]

RATIO_PLACES: Final = 4
"""Decimal places of a reported ratio (rounded half up once, at the end)."""

DAY_PLACES: Final = 2
"""Decimal places of a reported day count (DSO, DPO, DIO)."""

_Q_RATIO: Final = Decimal(1).scaleb(-RATIO_PLACES)
_Q_DAYS: Final = Decimal(1).scaleb(-DAY_PLACES)

StatementLine = Literal[
    "cash",
    "marketable_securities",
    "accounts_receivable",
    "inventory",
    "current_assets",
    "intangible_assets",
    "total_assets",
    "accounts_payable",
    "current_liabilities",
    "total_liabilities",
    "total_equity",
    "retained_earnings",
    "market_value_of_equity",
    "revenue",
    "cost_of_goods_sold",
    "ebit",
    "interest_expense",
    "net_income",
]
"""The name of a line of :class:`FinancialStatements`."""


class MissingStatementLine(ReceivablesError, ValueError):
    """A ratio needs a statement line that was not given; ``field`` names the line."""

    def __init__(self, line: str, *, ratio: str, statement_id: str | None) -> None:
        where = f"statements {statement_id}: " if statement_id else ""
        super().__init__(
            f"{where}{line}: needed for {ratio} but not given",
            document_id=statement_id,
            field=line,
        )
        self.line = line
        self.ratio = ratio


class FinancialStatements(BaseModel):
    """A customer's balance sheet (at ``period_end``) and income statement (for the
    ``period_days`` ending then), in one currency.

    Every line is optional: give what the customer supplied. Liabilities and expenses
    are positive amounts; ``retained_earnings``, ``ebit`` and ``net_income`` may be
    negative (accumulated deficit, operating loss, net loss).

    Examples:
        >>> fs = FinancialStatements(id="ACME-2025", currency="EUR", cash="1200.50")
        >>> fs.cash
        Money('1200.50', 'EUR')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None = Field(default=None, description="A name for the set, e.g. 'ACME FY2025'.")
    currency: CurrencyCode
    period_end: date | None = None
    period_days: int = Field(
        default=365, gt=0, strict=True, description="Days the income statement covers."
    )
    cash: Money | None = None
    marketable_securities: Money | None = None
    accounts_receivable: Money | None = None
    inventory: Money | None = None
    current_assets: Money | None = None
    intangible_assets: Money | None = None
    total_assets: Money | None = None
    accounts_payable: Money | None = None
    current_liabilities: Money | None = None
    total_liabilities: Money | None = None
    total_equity: Money | None = Field(default=None, description="Book value of equity.")
    retained_earnings: Money | None = None
    market_value_of_equity: Money | None = None
    revenue: Money | None = Field(default=None, description="Net sales for the period.")
    cost_of_goods_sold: Money | None = None
    ebit: Money | None = Field(default=None, description="Earnings before interest and taxes.")
    interest_expense: Money | None = None
    net_income: Money | None = None

    @model_validator(mode="before")
    @classmethod
    def _attach_currency(cls, data: object) -> object:
        # Plain numbers are amounts in the statements' currency, so a user can write
        # cash="1200.50" instead of repeating the currency on every line.
        if not isinstance(data, dict) or "currency" not in data:
            return data
        code = data["currency"]
        out = dict(data)
        for name in _LINES:
            value = out.get(name)
            if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
                text = str(value).strip()
                if isinstance(value, str) and len(text.split()) > 1:
                    continue
                out[name] = {"amount": text, "currency": code}
        return out

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in _LINES:
            value: Money | None = getattr(self, name)
            if value is None:
                continue
            if value.code != self.currency:
                raise ValueError(
                    f"statements {self.id or ''}: {name}: is in {value.code} but the"
                    f" statements are in {self.currency}"
                )
            if name in _NON_NEGATIVE and value.amount < 0:
                raise ValueError(
                    f"statements {self.id or ''}: {name}: {value} must not be negative"
                )
        return self

    def line(self, name: StatementLine, *, ratio: str) -> Money:
        """The line ``name``; :class:`MissingStatementLine` when it was not given."""
        value: Money | None = getattr(self, name)
        if value is None:
            raise MissingStatementLine(name, ratio=ratio, statement_id=self.id)
        return value


_LINES: Final[tuple[str, ...]] = get_args(StatementLine)
_NON_NEGATIVE: Final = frozenset(_LINES) - {"retained_earnings", "ebit", "net_income"}


class Ratio(BaseModel):
    """One ratio: its value (None when undefined), the arithmetic, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: ExactDecimal | None
    formula: str
    numerator: ExactDecimal
    denominator: ExactDecimal
    unit: Literal["ratio", "days"] = "ratio"
    reason: str | None = Field(default=None, description="Why the value is None.")
    source: str

    def to_row(self) -> dict[str, str | None]:
        """The ratio as a plain dict (values as strings)."""
        return {
            "name": self.name,
            "value": None if self.value is None else str(self.value),
            "formula": self.formula,
            "numerator": str(self.numerator),
            "denominator": str(self.denominator),
            "unit": self.unit,
            "reason": self.reason,
        }


_SRC_RATIOS: Final = (
    "Brealey, Myers & Allen, Principles of Corporate Finance, 13th ed. (2020), ch. 28"
    " 'Financial Analysis'"
)


def _divide(
    name: str,
    numerator: Decimal,
    denominator: Decimal,
    *,
    formula: str,
    zero_name: str,
    unit: Literal["ratio", "days"] = "ratio",
    scale: Decimal = Decimal(1),
    source: str = _SRC_RATIOS,
) -> Ratio:
    if denominator == 0:
        return Ratio(
            name=name,
            value=None,
            formula=formula,
            numerator=numerator,
            denominator=denominator,
            unit=unit,
            reason=f"{zero_name} is zero: the ratio is undefined",
            source=source,
        )
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        exact = numerator * scale / denominator
    places = _Q_DAYS if unit == "days" else _Q_RATIO
    return Ratio(
        name=name,
        value=exact.quantize(places, rounding=ROUND_HALF_UP),
        formula=formula,
        numerator=numerator,
        denominator=denominator,
        unit=unit,
        source=source,
    )


def _amount(fs: FinancialStatements, line: StatementLine, ratio: str) -> Decimal:
    return fs.line(line, ratio=ratio).amount


def current_ratio(fs: FinancialStatements) -> Ratio:
    """Current assets / current liabilities: short-term assets per unit of short-term debt.

    Examples:
        >>> fs = FinancialStatements(currency="USD", current_assets="18720",
        ...                          current_liabilities="17089")
        >>> current_ratio(fs).value
        Decimal('1.0954')
    """
    n = "current_ratio"
    return _divide(
        n,
        _amount(fs, "current_assets", n),
        _amount(fs, "current_liabilities", n),
        formula="current_assets / current_liabilities",
        zero_name="current_liabilities",
    )


def quick_ratio(fs: FinancialStatements) -> Ratio:
    """(Current assets - inventory) / current liabilities (the acid test).

    Examples:
        >>> fs = FinancialStatements(currency="USD", current_assets="18720",
        ...                          inventory="3581", current_liabilities="17089")
        >>> quick_ratio(fs).value
        Decimal('0.8859')
    """
    n = "quick_ratio"
    return _divide(
        n,
        _amount(fs, "current_assets", n) - _amount(fs, "inventory", n),
        _amount(fs, "current_liabilities", n),
        formula="(current_assets - inventory) / current_liabilities",
        zero_name="current_liabilities",
    )


def cash_ratio(fs: FinancialStatements) -> Ratio:
    """(Cash + marketable securities) / current liabilities.

    Marketable securities count as zero when the line is absent (many small companies
    hold none); cash itself is required.

    Examples:
        >>> fs = FinancialStatements(currency="USD", cash="150", current_liabilities="300")
        >>> cash_ratio(fs).value
        Decimal('0.5000')
    """
    n = "cash_ratio"
    securities = fs.marketable_securities.amount if fs.marketable_securities else Decimal(0)
    return _divide(
        n,
        _amount(fs, "cash", n) + securities,
        _amount(fs, "current_liabilities", n),
        formula="(cash + marketable_securities) / current_liabilities",
        zero_name="current_liabilities",
    )


def debt_to_equity(fs: FinancialStatements) -> Ratio:
    """Total liabilities / book equity. Undefined (None) when equity is zero; negative
    when equity is negative (liabilities exceed assets), which a reader must not take
    for low leverage.

    Examples:
        >>> fs = FinancialStatements(currency="USD", total_liabilities="52344",
        ...                          total_equity="22294")
        >>> debt_to_equity(fs).value
        Decimal('2.3479')
    """
    n = "debt_to_equity"
    return _divide(
        n,
        _amount(fs, "total_liabilities", n),
        _amount(fs, "total_equity", n),
        formula="total_liabilities / total_equity",
        zero_name="total_equity",
    )


def debt_ratio(fs: FinancialStatements) -> Ratio:
    """Total liabilities / total assets.

    Examples:
        >>> fs = FinancialStatements(currency="USD", total_liabilities="52344",
        ...                          total_assets="74638")
        >>> debt_ratio(fs).value
        Decimal('0.7013')
    """
    n = "debt_ratio"
    return _divide(
        n,
        _amount(fs, "total_liabilities", n),
        _amount(fs, "total_assets", n),
        formula="total_liabilities / total_assets",
        zero_name="total_assets",
    )


def interest_coverage(fs: FinancialStatements) -> Ratio:
    """EBIT / interest expense (times interest earned). None when there is no interest.

    Examples:
        >>> fs = FinancialStatements(currency="USD", ebit="300000", interest_expense="20000")
        >>> interest_coverage(fs).value
        Decimal('15.0000')
    """
    n = "interest_coverage"
    return _divide(
        n,
        _amount(fs, "ebit", n),
        _amount(fs, "interest_expense", n),
        formula="ebit / interest_expense",
        zero_name="interest_expense",
    )


def gross_margin(fs: FinancialStatements) -> Ratio:
    """(Revenue - cost of goods sold) / revenue.

    Examples:
        >>> fs = FinancialStatements(currency="USD", revenue="65492",
        ...                          cost_of_goods_sold="31291")
        >>> gross_margin(fs).value
        Decimal('0.5222')
    """
    n = "gross_margin"
    revenue = _amount(fs, "revenue", n)
    return _divide(
        n,
        revenue - _amount(fs, "cost_of_goods_sold", n),
        revenue,
        formula="(revenue - cost_of_goods_sold) / revenue",
        zero_name="revenue",
    )


def net_margin(fs: FinancialStatements) -> Ratio:
    """Net income / revenue.

    Examples:
        >>> fs = FinancialStatements(currency="USD", net_income="6214", revenue="65492")
        >>> net_margin(fs).value
        Decimal('0.0949')
    """
    n = "net_margin"
    return _divide(
        n,
        _amount(fs, "net_income", n),
        _amount(fs, "revenue", n),
        formula="net_income / revenue",
        zero_name="revenue",
    )


def return_on_assets(fs: FinancialStatements) -> Ratio:
    """Net income / total assets (period-end assets; annualise the income first when
    the statement covers less than a year).

    Examples:
        >>> fs = FinancialStatements(currency="USD", net_income="50", total_assets="1000")
        >>> return_on_assets(fs).value
        Decimal('0.0500')
    """
    n = "return_on_assets"
    return _divide(
        n,
        _amount(fs, "net_income", n),
        _amount(fs, "total_assets", n),
        formula="net_income / total_assets",
        zero_name="total_assets",
    )


def working_capital(fs: FinancialStatements) -> Money:
    """Current assets - current liabilities, in the statements' currency.

    Examples:
        >>> working_capital(FinancialStatements(currency="USD", current_assets="850000",
        ...                                     current_liabilities="700000"))
        Money('150000.00', 'USD')
    """
    n = "working_capital"
    return fs.line("current_assets", ratio=n) - fs.line("current_liabilities", ratio=n)


def tangible_net_worth(fs: FinancialStatements) -> Money:
    """Book equity - intangible assets (intangibles count as zero when absent).

    Examples:
        >>> tangible_net_worth(FinancialStatements(currency="USD", total_equity="500",
        ...                                        intangible_assets="120"))
        Money('380.00', 'USD')
    """
    equity = fs.line("total_equity", ratio="tangible_net_worth")
    intangibles = fs.intangible_assets or Money.zero(fs.currency)
    return equity - intangibles


def _average(
    fs: FinancialStatements, prior: FinancialStatements | None, line: StatementLine, ratio: str
) -> tuple[Decimal, str]:
    closing = _amount(fs, line, ratio)
    if prior is None:
        return closing, line
    if prior.currency != fs.currency:
        raise InvalidDocument(
            f"statements {prior.id or ''}: currency: prior statements are in"
            f" {prior.currency}, these in {fs.currency}; {ratio} needs one currency",
            document_id=prior.id,
            field="currency",
        )
    opening = _amount(prior, line, ratio)
    return (opening + closing) / 2, f"average {line}"


def _days_outstanding(
    name: str,
    fs: FinancialStatements,
    prior: FinancialStatements | None,
    *,
    balance: StatementLine,
    flow: StatementLine,
) -> Ratio:
    """``balance`` (averaged with ``prior``) / ``flow`` x the statement's days."""
    amount, label = _average(fs, prior, balance, name)
    return _divide(
        name,
        amount,
        _amount(fs, flow, name),
        formula=f"{label} / {flow} x {fs.period_days}",
        zero_name=flow,
        unit="days",
        scale=Decimal(fs.period_days),
    )


def days_sales_outstanding(
    fs: FinancialStatements, *, prior: FinancialStatements | None = None
) -> Ratio:
    """DSO = accounts receivable / revenue x days in the period.

    Days are the statement's ``period_days`` (365 by default: a calendar year, not 360).
    With ``prior`` (the statements a period earlier) the receivable is the average of
    opening and closing balances.

    Examples:
        >>> fs = FinancialStatements(currency="USD", accounts_receivable="3000",
        ...                          revenue="16000")
        >>> days_sales_outstanding(fs).value
        Decimal('68.44')
    """
    return _days_outstanding(
        "days_sales_outstanding", fs, prior, balance="accounts_receivable", flow="revenue"
    )


def days_payables_outstanding(
    fs: FinancialStatements, *, prior: FinancialStatements | None = None
) -> Ratio:
    """DPO = accounts payable / cost of goods sold x days in the period (see DSO).

    Examples:
        >>> fs = FinancialStatements(currency="USD", accounts_payable="1200",
        ...                          cost_of_goods_sold="4000")
        >>> days_payables_outstanding(fs).value
        Decimal('109.50')
    """
    return _days_outstanding(
        "days_payables_outstanding",
        fs,
        prior,
        balance="accounts_payable",
        flow="cost_of_goods_sold",
    )


def days_inventory_outstanding(
    fs: FinancialStatements, *, prior: FinancialStatements | None = None
) -> Ratio:
    """DIO = inventory / cost of goods sold x days in the period (see DSO).

    Examples:
        >>> fs = FinancialStatements(currency="USD", inventory="2050",
        ...                          cost_of_goods_sold="4000")
        >>> days_inventory_outstanding(fs).value
        Decimal('187.06')
    """
    return _days_outstanding(
        "days_inventory_outstanding", fs, prior, balance="inventory", flow="cost_of_goods_sold"
    )


_RATIO_FUNCTIONS: Final[tuple[Callable[[FinancialStatements], Ratio], ...]] = (
    current_ratio,
    quick_ratio,
    cash_ratio,
    debt_to_equity,
    debt_ratio,
    interest_coverage,
    gross_margin,
    net_margin,
    return_on_assets,
    days_sales_outstanding,
    days_payables_outstanding,
    days_inventory_outstanding,
)


def ratio_table(fs: FinancialStatements) -> tuple[tuple[Ratio, ...], tuple[str, ...]]:
    """Every ratio the statements allow, and for the others which line is missing.

    Examples:
        >>> ratios, skipped = ratio_table(FinancialStatements(
        ...     currency="USD", current_assets="200", current_liabilities="100"))
        >>> [r.name for r in ratios], skipped[0]
        (['current_ratio'], 'quick_ratio: inventory: needed for quick_ratio but not given')
    """
    computed: list[Ratio] = []
    skipped: list[str] = []
    for function in _RATIO_FUNCTIONS:
        try:
            computed.append(function(fs))
        except MissingStatementLine as exc:
            skipped.append(f"{exc.ratio}: {exc.message}")
    return tuple(computed), tuple(skipped)


# --------------------------------------------------------------------------------------
# Altman Z-scores
# --------------------------------------------------------------------------------------


class AltmanModel(StrEnum):
    """Which of Altman's discriminant functions to apply.

    - ``Z``: public manufacturers (Altman 1968).
    - ``Z_PRIME``: private firms, book equity in X4 (Altman 1983; restated 2000).
    - ``Z_DOUBLE_PRIME``: non-manufacturers, four variables, no sales/assets (Altman 2000).
    - ``Z_DOUBLE_PRIME_EM``: the emerging-market score, Z'' + 3.25 (Altman, Hartzell &
      Peck 1995).
    """

    Z = "Z"
    Z_PRIME = "Z'"
    Z_DOUBLE_PRIME = "Z''"
    Z_DOUBLE_PRIME_EM = "Z''-EM"


_ALTMAN_SOURCE: Final = {
    AltmanModel.Z: (
        "Altman, E. I. (1968), 'Financial Ratios, Discriminant Analysis and the Prediction"
        " of Corporate Bankruptcy', Journal of Finance 23(4), 589-609, p. 594; coefficients"
        " with X1-X4 as fractions as restated in Altman (2000), 'Predicting Financial"
        " Distress of Companies: Revisiting the Z-Score and ZETA Models', NYU Stern"
    ),
    AltmanModel.Z_PRIME: (
        "Altman, E. I. (2000), 'Predicting Financial Distress of Companies: Revisiting the"
        " Z-Score and ZETA Models', NYU Stern, section 'A Revised Z-Score Model' (private"
        " firms; first in Altman, Corporate Financial Distress, Wiley, 1983)"
    ),
    AltmanModel.Z_DOUBLE_PRIME: (
        "Altman, E. I. (2000), 'Predicting Financial Distress of Companies: Revisiting the"
        " Z-Score and ZETA Models', NYU Stern, section 'Adaptation for Non-Manufacturers"
        " and Emerging Markets'"
    ),
    AltmanModel.Z_DOUBLE_PRIME_EM: (
        "Altman, E. I., Hartzell, J. & Peck, M. (1995), 'Emerging Markets Corporate Bonds:"
        " A Scoring System', Salomon Brothers; restated in Altman (2000) and Altman (2005),"
        " 'An emerging market credit scoring system for corporate bonds', Emerging Markets"
        " Review 6(4), 311-323"
    ),
}

# (coefficients for X1..X5, constant, distress-below, safe-above)
_ALTMAN: Final[dict[AltmanModel, tuple[tuple[Decimal, ...], Decimal, Decimal, Decimal]]] = {
    AltmanModel.Z: (
        (Decimal("1.2"), Decimal("1.4"), Decimal("3.3"), Decimal("0.6"), Decimal("1.0")),
        Decimal(0),
        Decimal("1.81"),
        Decimal("2.99"),
    ),
    AltmanModel.Z_PRIME: (
        (
            Decimal("0.717"),
            Decimal("0.847"),
            Decimal("3.107"),
            Decimal("0.420"),
            Decimal("0.998"),
        ),
        Decimal(0),
        Decimal("1.23"),
        Decimal("2.90"),
    ),
    AltmanModel.Z_DOUBLE_PRIME: (
        (Decimal("6.56"), Decimal("3.26"), Decimal("6.72"), Decimal("1.05")),
        Decimal(0),
        Decimal("1.10"),
        Decimal("2.60"),
    ),
    AltmanModel.Z_DOUBLE_PRIME_EM: (
        (Decimal("6.56"), Decimal("3.26"), Decimal("6.72"), Decimal("1.05")),
        Decimal("3.25"),
        Decimal("4.35"),
        Decimal("5.85"),
    ),
}

_X_NAMES: Final = (
    ("X1", "working_capital / total_assets"),
    ("X2", "retained_earnings / total_assets"),
    ("X3", "ebit / total_assets"),
    ("X4", "equity / total_liabilities"),
    ("X5", "revenue / total_assets"),
)


class AltmanComponent(BaseModel):
    """One term of a Z-score: the ratio, its coefficient and their product (unrounded)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    formula: str
    ratio: ExactDecimal
    coefficient: ExactDecimal
    contribution: ExactDecimal


class AltmanResult(BaseModel):
    """A Z-score with its zone, thresholds, the arithmetic, and the source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: AltmanModel
    score: ExactDecimal = Field(description=f"Rounded half up to {RATIO_PLACES} places.")
    exact_score: ExactDecimal
    zone: Literal["safe", "grey", "distress"]
    distress_below: ExactDecimal
    safe_above: ExactDecimal
    constant: ExactDecimal
    components: tuple[AltmanComponent, ...]
    source: str

    def to_rows(self) -> list[dict[str, str]]:
        """The terms as plain dicts, then the constant and the total."""
        rows = [
            {
                "term": c.name,
                "formula": c.formula,
                "ratio": str(c.ratio),
                "coefficient": str(c.coefficient),
                "contribution": str(c.contribution),
            }
            for c in self.components
        ]
        rows.append(
            {
                "term": "constant",
                "formula": "",
                "ratio": "",
                "coefficient": "",
                "contribution": str(self.constant),
            }
        )
        rows.append(
            {
                "term": "score",
                "formula": "",
                "ratio": "",
                "coefficient": "",
                "contribution": str(self.score),
            }
        )
        return rows


def altman_z_from_ratios(
    model: AltmanModel,
    *,
    x1: Decimal | int | str,
    x2: Decimal | int | str,
    x3: Decimal | int | str,
    x4: Decimal | int | str,
    x5: Decimal | int | str | None = None,
) -> AltmanResult:
    """Score already-computed Altman ratios (as fractions, e.g. ``0.2``, not 20%).

    Z = 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5 (Altman 1968, X4 = market value of
    equity / total liabilities); Z' = 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5
    (X4 = book equity / total liabilities); Z'' = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4
    (no X5); Z''-EM = 3.25 + Z''. Zones: distress below, safe above, grey in between
    (inclusive): Z 1.81 / 2.99, Z' 1.23 / 2.90, Z'' 1.10 / 2.60, Z''-EM 4.35 / 5.85
    (the Z'' cut-offs shifted by the constant).

    Examples:
        >>> r = altman_z_from_ratios(AltmanModel.Z, x1="0.2", x2="0", x3="-0.20",
        ...                          x4="0.10", x5="2.0")
        >>> r.score, r.zone
        (Decimal('1.6400'), 'distress')
    """
    coefficients, constant, low, high = _ALTMAN[model]
    values = [x1, x2, x3, x4] + ([] if len(coefficients) == 4 else [x5])
    if len(coefficients) == 5 and x5 is None:
        raise MissingStatementLine("revenue", ratio=f"Altman {model.value} X5", statement_id=None)
    if len(coefficients) == 4 and x5 is not None:
        raise InvalidDocument(
            f"Altman {model.value} has no X5 (sales / total assets); omit x5", field="x5"
        )
    components: list[AltmanComponent] = []
    total = constant
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        for (name, formula), coefficient, raw in zip(_X_NAMES, coefficients, values, strict=False):
            ratio = to_decimal(raw, what=f"Altman {name}")
            contribution = coefficient * ratio
            total += contribution
            components.append(
                AltmanComponent(
                    name=name,
                    formula=formula,
                    ratio=ratio,
                    coefficient=coefficient,
                    contribution=contribution,
                )
            )
    zone: Literal["safe", "grey", "distress"] = (
        "distress" if total < low else "safe" if total > high else "grey"
    )
    return AltmanResult(
        model=model,
        score=total.quantize(_Q_RATIO, rounding=ROUND_HALF_UP),
        exact_score=total,
        zone=zone,
        distress_below=low,
        safe_above=high,
        constant=constant,
        components=tuple(components),
        source=_ALTMAN_SOURCE[model],
    )


def altman_z(fs: FinancialStatements, model: AltmanModel = AltmanModel.Z) -> AltmanResult:
    """Altman's Z-score of ``fs`` with ``model`` (see :func:`altman_z_from_ratios`).

    X1 = working capital / total assets, X2 = retained earnings / total assets,
    X3 = EBIT / total assets, X4 = market value of equity / total liabilities for ``Z``
    and book equity / total liabilities for the other models, X5 = revenue / total assets.
    Zero total assets or total liabilities raise
    :class:`~receivables.errors.InvalidDocument` (a ``ValueError``) naming the statements
    and the line (a score needs every term; there is no partial Z).

    Examples:
        >>> fs = FinancialStatements(currency="USD", current_assets="200",
        ...     current_liabilities="100", total_assets="1000", retained_earnings="100",
        ...     ebit="100", total_liabilities="500", total_equity="500", revenue="1500")
        >>> altman_z(fs, AltmanModel.Z_PRIME).score
        Decimal('2.3841')
    """
    n = f"Altman {model.value}"
    assets = _amount(fs, "total_assets", n)
    liabilities = _amount(fs, "total_liabilities", n)
    working = working_capital(fs).amount
    retained = _amount(fs, "retained_earnings", n)
    ebit = _amount(fs, "ebit", n)
    equity_line: StatementLine = (
        "market_value_of_equity" if model is AltmanModel.Z else "total_equity"
    )
    equity = _amount(fs, equity_line, n)
    sales = _amount(fs, "revenue", n) if len(_ALTMAN[model][0]) == 5 else None
    for name, value in (("total_assets", assets), ("total_liabilities", liabilities)):
        if value == 0:
            raise InvalidDocument(
                f"statements {fs.id or ''}: {name}: is zero, so {n} is undefined",
                document_id=fs.id,
                field=name,
            )
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return altman_z_from_ratios(
            model,
            x1=working / assets,
            x2=retained / assets,
            x3=ebit / assets,
            x4=equity / liabilities,
            x5=None if sales is None else sales / assets,
        )
