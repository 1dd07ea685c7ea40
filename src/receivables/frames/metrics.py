"""DSO over dataframes: :func:`receivables.metrics.dso` and
:func:`receivables.metrics.countback_dso` computed in the frame's own engine.

The figures are read as :mod:`receivables.metrics` reads them from a ledger: the ending AR
is the net open balance (debits less open credits) at the end of a date, built from the
documents frame less the reductions frame dated on or before it; credit sales are invoices
and debit memos issued in the period less credit memos issued in it. Every line is one
customer (or the whole frame) **in one currency**: the frames path does not convert
(convert the frames first, or use the object model with ``currency=`` and ``rates=``).

Standard DSO (Credit Research Foundation, *National Summary of Domestic Trade
Receivables*, "Definitions and calculations"):
$DSO = \\frac{\\text{ending AR}}{\\text{credit sales}} \\times \\text{days}$; the
average-AR variant (Weygandt, Kimmel & Kieso, *Financial Accounting*, 11th ed., 2019,
ch. 8) uses $(\\text{beginning AR} + \\text{ending AR}) / 2$. Countback (Oracle, *Hyperion
Financial Management Administrator's Guide* 11.2, "DSO", exhaustion method): count back
whole periods while the AR left covers their sales, the last one pro rata.

Values are exact and rounded once, half up, to hundredths of a day, returned as Int64
``dso_hundredths`` (3067 is 30.67 days; ``Decimal(n).scaleb(-2)`` is the decimal view).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final, Literal, TypeVar

import narwhals as nw
from dateutil.relativedelta import relativedelta

from receivables.frames import _engine as en
from receivables.frames.schema import FrameSchema, FramesError
from receivables.metrics import MetricError, Period

__all__ = ["DsoMethod", "dso_frame"]

DsoMethod = Literal["standard", "average", "countback"]
"""The DSO definitions :func:`dso_frame` computes."""

NativeFrame = TypeVar("NativeFrame")

_DEBITS: Final = ("invoice", "debit_memo")
_CREDITS: Final = ("credit_memo", "payment")


def _countback_periods(as_of: date, months: int) -> list[Period]:
    """Month to date of ``as_of``, then the ``months - 1`` calendar months before it."""
    periods = [Period(start=as_of.replace(day=1), end=as_of)]
    for k in range(1, months):
        first = as_of.replace(day=1) - relativedelta(months=k)
        periods.append(Period.month(first.year, first.month))
    return periods


def dso_frame(
    documents: NativeFrame,
    reductions: object,
    *,
    method: DsoMethod = "standard",
    period: Period | None = None,
    as_of: date | None = None,
    months: int = 12,
    level: Literal["customer", "total"] = "customer",
    schema: FrameSchema | None = None,
    float_precision: int | None = None,
) -> NativeFrame:
    """DSO per customer and currency (or per currency) of a documents frame.

    ``documents`` and ``reductions`` are the frames :func:`ledger_to_frame` (without
    ``as_of``) and :func:`reductions_to_frame` write, in the same engine. ``standard`` and
    ``average`` need ``period``; ``countback`` needs ``as_of`` and counts back through the
    month to date and the ``months - 1`` months before it. The result (same kind of frame
    as ``documents``) has the key columns and ``ending_ar``, then ``credit_sales`` and
    ``days`` (and ``beginning_ar`` for ``average``), or ``lower_bound`` (True when the
    count stopped at a period without sales or ran out of periods) for ``countback``; and
    ``dso_hundredths``. A DSO with no meaning (no credit sales while AR is open) is null,
    as the object model's value is None (pandas with numpy dtypes shows NaN, a float column
    whose other values are still exact integers); no sales and no AR is 0.

    Raises:
        MetricError: a missing period or ``as_of``, a bad method or ``months``.
        FramesError: a missing column or a money column of another type.

    Examples:
        >>> import polars as pl
        >>> docs = pl.DataFrame({"document_id": ["I1", "I2"], "customer_id": ["C1", "C1"],
        ...     "kind": ["invoice"] * 2, "currency": ["USD"] * 2,
        ...     "issue_date": [date(2026, 7, 10), date(2026, 9, 1)], "amount": [450000, 150000]})
        >>> paid = pl.DataFrame({"document_id": ["I1"], "reduced_on": [date(2026, 8, 9)],
        ...     "reduction": [450000]})
        >>> dso_frame(docs, paid, period=Period.quarter(2026, 3)).select(
        ...     "ending_ar", "credit_sales", "dso_hundredths").rows()
        [(150000, 600000, 2300)]
    """
    if method not in ("standard", "average", "countback"):
        raise MetricError(
            f"unknown DSO method {method!r}: use 'standard', 'average' or 'countback'",
            field="method",
        )
    if level not in ("customer", "total"):
        raise FramesError(f"unknown level {level!r}: use 'customer' or 'total'", field="level")
    schema = schema or FrameSchema()
    if method == "countback":
        if as_of is None:
            raise MetricError("countback DSO needs as_of", field="as_of")
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise MetricError(f"months must be 1 or more, not {months!r}", field="months")
        sales_periods = _countback_periods(as_of, months)
        balance_dates = [as_of]
    else:
        if period is None:
            raise MetricError("DSO from frames needs a period", field="period")
        sales_periods = [period]
        balance_dates = [period.end]
        if method == "average":
            balance_dates.append(period.start - timedelta(days=1))
    given = en.from_native(documents, "documents")
    docs = en.planned(given)
    reds = en.planned(en.from_native(reductions, "reductions"))
    if docs.implementation != reds.implementation:
        raise FramesError(
            f"documents is a {docs.implementation} frame and reductions a"
            f" {reds.implementation} one: pass both in one engine",
            field="reductions",
        )
    doc_cols = en.dtypes(docs)
    red_cols = en.dtypes(reds)
    keys_all = [schema.document_id, schema.customer_id, schema.kind, schema.currency]
    en.require(doc_cols, [*keys_all, schema.issue_date, schema.amount], "dso_frame documents")
    en.require(
        red_cols, [schema.document_id, schema.reduced_on, schema.reduction], "dso_frame reductions"
    )
    currencies = None
    if en.needs_currencies(doc_cols, [schema.amount]) or en.needs_currencies(
        red_cols, [schema.reduction]
    ):
        currencies = en.distinct(docs, schema.currency)
    keys = [schema.customer_id, schema.currency] if level == "customer" else [schema.currency]
    kind = nw.col(schema.kind)
    sign = nw.when(kind.is_in(_CREDITS)).then(nw.lit(-1, nw.Int64)).otherwise(nw.lit(1, nw.Int64))
    zero = nw.lit(0, nw.Int64)
    amount = en.minor_expr(
        doc_cols,
        schema.amount,
        currency=schema.currency,
        currencies=currencies,
        float_precision=float_precision,
    )
    d = en.with_epoch_days(docs, {"_day": schema.issue_date}).with_columns(_amt=amount, _sign=sign)
    doc_part = d.with_columns(
        *(
            nw.when(nw.col("_day") <= en.epoch_day(on))
            .then(nw.col("_amt") * nw.col("_sign"))
            .otherwise(zero)
            .alias(f"_bal{i}")
            for i, on in enumerate(balance_dates)
        ),
        *(_sales(p, kind).alias(f"_s{j}") for j, p in enumerate(sales_periods)),
    ).select(*keys, *_value_names(balance_dates, sales_periods))
    owners = d.select(schema.document_id, schema.customer_id, schema.currency, "_day", "_sign")
    r = reds.select(schema.document_id, schema.reduced_on, schema.reduction).join(
        owners,
        on=schema.document_id,
        how="inner",
    )
    r = en.with_epoch_days(r, {"_rday": schema.reduced_on}).with_columns(
        _red=en.minor_expr(
            en.dtypes(r),
            schema.reduction,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        ),
    )
    red_part = r.with_columns(
        *(
            nw.when((nw.col("_rday") <= en.epoch_day(on)) & (nw.col("_day") <= en.epoch_day(on)))
            .then(-nw.col("_red") * nw.col("_sign"))
            .otherwise(zero)
            .alias(f"_bal{i}")
            for i, on in enumerate(balance_dates)
        ),
        *(zero.alias(f"_s{j}") for j in range(len(sales_periods))),
    ).select(*keys, *_value_names(balance_dates, sales_periods))
    values = _value_names(balance_dates, sales_periods)
    sums = (
        nw.concat([doc_part, red_part], how="vertical")
        .group_by(keys)
        .agg(*(nw.col(v).sum() for v in values))
    )
    if method == "countback":
        result = _countback(sums, sales_periods)
        result = result.select(
            *keys,
            nw.col("_bal0").alias("ending_ar"),
            "lower_bound",
            "dso_hundredths",
        )
    else:
        assert period is not None
        result = _ratio(sums, method, period.days).select(
            *keys,
            nw.col("_bal0").alias("ending_ar"),
            *([nw.col("_bal1").alias("beginning_ar")] if method == "average" else []),
            nw.col("_s0").alias("credit_sales"),
            nw.lit(period.days, nw.Int64).alias("days"),
            "dso_hundredths",
        )
    native: NativeFrame = en.finish(result.sort(keys), given)
    return native


def _value_names(balance_dates: list[date], sales_periods: list[Period]) -> list[str]:
    return [f"_bal{i}" for i in range(len(balance_dates))] + [
        f"_s{j}" for j in range(len(sales_periods))
    ]


def _sales(period: Period, kind: nw.Expr) -> nw.Expr:
    inside = (nw.col("_day") >= en.epoch_day(period.start)) & (
        nw.col("_day") <= en.epoch_day(period.end)
    )
    return (
        nw.when(inside & kind.is_in(_DEBITS))
        .then(nw.col("_amt"))
        .otherwise(
            nw.when(inside & (kind == "credit_memo"))
            .then(-nw.col("_amt"))
            .otherwise(nw.lit(0, nw.Int64))
        )
    )


def _ratio(frame: nw.LazyFrame[Any], method: str, days: int) -> nw.LazyFrame[Any]:
    """``receivables / sales x days`` in hundredths, half up; 0 for nothing over nothing.

    Engines evaluate both branches of a condition on every row, so the divisor is made
    non-zero before the guard picks the rows with positive sales.
    """
    sales = nw.col("_s0")
    if method == "average":
        receivables = nw.col("_bal0") + nw.col("_bal1")
        divisor = nw.col("_safe") * 2
    else:
        receivables = nw.col("_bal0")
        divisor = nw.col("_safe")
    f = frame.with_columns(_safe=nw.when(sales > 0).then(sales).otherwise(nw.lit(1, nw.Int64)))
    defined = (sales > 0) | ((receivables == 0) & (sales == 0))
    value = (
        nw.when(sales > 0)
        .then(en.div_half_up(receivables * (days * 100), divisor))
        .otherwise(nw.lit(0, nw.Int64))
    )
    # no otherwise: null where DSO has no meaning (NaN in numpy-backed pandas columns)
    return f.with_columns(_value=value).with_columns(
        dso_hundredths=nw.when(defined).then(nw.col("_value"))
    )


def _countback(frame: nw.LazyFrame[Any], periods: list[Period]) -> nw.LazyFrame[Any]:
    """The exhaustion loop unrolled over the periods, latest first, one step a column set."""
    zero = nw.lit(0, nw.Int64)
    f = frame.with_columns(
        _left=nw.col("_bal0"),
        _done=nw.lit(False, nw.Boolean),
        _stopped=nw.lit(False, nw.Boolean),
        _h=zero,
    )
    for j, period in enumerate(periods):
        sales = nw.col(f"_s{j}")
        left = nw.col("_left")
        active = ~nw.col("_done") & (left > 0)
        stop = active & (sales <= 0)
        full = active & (sales > 0) & (left >= sales)
        part = active & (sales > 0) & (left < sales)
        safe = nw.when(sales > 0).then(sales).otherwise(nw.lit(1, nw.Int64))
        partial = en.div_half_up(left * (period.days * 100), safe)
        f = f.with_columns(
            _h=nw.col("_h")
            + nw.when(full)
            .then(nw.lit(period.days * 100, nw.Int64))
            .otherwise(nw.when(part).then(partial).otherwise(zero)),
            _left=nw.when(full)
            .then(left - sales)
            .otherwise(nw.when(part).then(zero).otherwise(left)),
            _done=nw.col("_done") | stop | part | ~(left > 0),
            _stopped=nw.col("_stopped") | stop,
        )
    return f.with_columns(
        lower_bound=nw.col("_stopped") | (~nw.col("_done") & (nw.col("_left") > 0)),
        dso_hundredths=nw.col("_h"),
    )
