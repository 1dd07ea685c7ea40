"""DSO over dataframes: :func:`receivables.metrics.dso` and
:func:`receivables.metrics.countback_dso` computed in the frame's own engine.

The figures are read as :mod:`receivables.metrics` reads them from a ledger: the ending AR
is the net open balance (debits less open credits) at the end of a date, built from the
documents frame less the reductions frame dated on or before it; credit sales are invoices
and debit memos issued in the period less credit memos issued in it. Every line is one
customer (or the whole frame) in one currency: the documents' own, or with ``currency=``
and ``rates=`` the report currency, converted as the object model converts (each sale at
the rate of its own date, each open item at the rate of the balance date, every amount
rounded half up on its own before the sums). With ``exclude_disputed=True`` and the
disputes frame, the parts under open dispute on each balance date, capped at what is open,
are left out of the receivables; credit sales stay as invoiced.

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

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar

import narwhals as nw
from dateutil.relativedelta import relativedelta

from receivables.errors import MissingRate
from receivables.frames import _engine as en
from receivables.frames.schema import FrameSchema, FramesError
from receivables.metrics import MetricError, Period
from receivables.money import FxRates, Money, minor_units

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
    currency: str | None = None,
    rates: FxRates | Mapping[str, Decimal] | None = None,
    disputes: object | None = None,
    exclude_disputed: bool = False,
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

    ``currency`` reports one line per customer (or one total) in that currency, as the
    object model's ``currency=`` does: each sale at the rate of its own date, each open item
    at the rate of the balance date, every document rounded half up on its own. ``rates``
    is an :class:`FxRates` table or a mapping of each currency to one rate into
    ``currency`` for every date. ``exclude_disputed=True`` takes out of each balance the
    parts under open dispute on its date, read from ``disputes`` (the frame
    :func:`disputes_to_frame` writes); credit sales stay as invoiced. The amounts taken
    out are the ``disputed_ending_ar`` (and ``disputed_beginning_ar``) columns.

    Raises:
        MetricError: a missing period or ``as_of``, a bad method or ``months``.
        FramesError: a missing column, a money column of another type, frames of two
            engines, ``rates`` without ``currency``, disputes without
            ``exclude_disputed`` or the reverse.
        UnknownCurrency: ``currency`` is not an ISO 4217 code.
        MissingRate: an amount to convert has no rate on its date.

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
        >>> disputed = pl.DataFrame({"document_id": ["I2"], "opened_on": [date(2026, 9, 5)],
        ...     "resolved_on": pl.Series([None], dtype=pl.Date), "amount": [60000]})
        >>> dso_frame(docs, paid, period=Period.quarter(2026, 3), currency="EUR",
        ...     rates={"USD": Decimal("0.9")}, disputes=disputed, exclude_disputed=True).select(
        ...     "currency", "ending_ar", "disputed_ending_ar", "credit_sales", "dso_hundredths"
        ...     ).rows()
        [('EUR', 81000, 54000, 540000, 1380)]
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
    if currency is not None:
        currency = Money.zero(currency).code
    elif rates is not None:
        raise FramesError(
            "rates convert into a report currency: pass currency= as well", field="rates"
        )
    if exclude_disputed and disputes is None:
        raise FramesError(
            "exclude_disputed needs the disputes frame (disputes_to_frame writes it)",
            field="disputes",
        )
    if disputes is not None and not exclude_disputed:
        raise FramesError(
            "a disputes frame is only read with exclude_disputed=True", field="disputes"
        )
    given = en.from_native(documents, "documents")
    docs = en.planned(given)
    reds = en.same_engine(docs, reductions, "reductions")
    dsp = en.same_engine(docs, disputes, "disputes") if disputes is not None else None
    doc_cols = en.dtypes(docs)
    red_cols = en.dtypes(reds)
    keys_all = [schema.document_id, schema.customer_id, schema.kind, schema.currency]
    en.require(doc_cols, [*keys_all, schema.issue_date, schema.amount], "dso_frame documents")
    en.require(
        red_cols, [schema.document_id, schema.reduced_on, schema.reduction], "dso_frame reductions"
    )
    if dsp is not None:
        en.require(en.dtypes(dsp), _dispute_columns(schema), "dso_frame disputes")
    currencies = None
    if (
        currency is not None
        or en.needs_currencies(doc_cols, [schema.amount])
        or en.needs_currencies(red_cols, [schema.reduction])
        or (dsp is not None and en.needs_currencies(en.dtypes(dsp), [schema.amount]))
    ):
        docs, currencies = en.currencies(docs, schema.currency)
    keys = [schema.customer_id, schema.currency] if level == "customer" else [schema.currency]

    def minor(frame: nw.LazyFrame[Any], column: str) -> nw.Expr:
        return en.minor_expr(
            en.dtypes(frame),
            column,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        )

    kind = nw.col(schema.kind)
    sign = nw.when(kind.is_in(_CREDITS)).then(nw.lit(-1, nw.Int64)).otherwise(nw.lit(1, nw.Int64))
    d = en.with_epoch_days(docs, {"_day": schema.issue_date}).with_columns(
        _amt=minor(docs, schema.amount), _sign=sign
    )
    owners = d.select(schema.document_id, schema.currency)
    per = d.select(*keys, schema.document_id, schema.kind, "_day", "_amt", "_sign").join(
        _reduced(reds, owners, balance_dates, schema, minor),
        on=schema.document_id,
        how="left",
    )
    per = per.with_columns(
        *(
            nw.when(nw.col("_day") <= en.epoch_day(on))
            .then((nw.col("_amt") - _filled(f"_r{i}")) * nw.col("_sign"))
            .otherwise(_ZERO)
            .alias(f"_o{i}")
            for i, on in enumerate(balance_dates)
        )
    )
    if dsp is not None:
        per = per.join(
            _disputed(dsp, owners, balance_dates, schema, minor),
            on=schema.document_id,
            how="left",
        ).with_columns(
            *(
                _capped(_filled(f"_n{i}"), nw.col(f"_o{i}").abs(), kind.is_in(_DEBITS)).alias(
                    f"_q{i}"
                )
                for i in range(len(balance_dates))
            )
        )
    slots = [f"_o{i}" for i in range(len(balance_dates))]
    if dsp is not None:
        slots += [f"_q{i}" for i in range(len(balance_dates))]
    if currency is None:
        sums = _sums(
            per, keys, balance_dates, sales_periods, kind=schema.kind, disputed=dsp is not None
        )
    else:
        assert currencies is not None
        sums = _converted_sums(
            per,
            keys,
            slots,
            balance_dates,
            sales_periods,
            currency=currency,
            currencies=currencies,
            rates=rates,
            schema=schema,
            disputed=dsp is not None,
        )
    disputed_cols = (
        [nw.col(f"_dq{i}").alias(f"disputed_{name}") for i, name in _balance_names(balance_dates)]
        if dsp is not None
        else []
    )
    if method == "countback":
        result = _countback(sums, sales_periods)
        result = result.select(
            *keys,
            nw.col("_bal0").alias("ending_ar"),
            *disputed_cols,
            "lower_bound",
            "dso_hundredths",
        )
    else:
        assert period is not None
        result = _ratio(sums, method, period.days).select(
            *keys,
            nw.col("_bal0").alias("ending_ar"),
            *([nw.col("_bal1").alias("beginning_ar")] if method == "average" else []),
            *disputed_cols,
            nw.col("_s0").alias("credit_sales"),
            nw.lit(period.days, nw.Int64).alias("days"),
            "dso_hundredths",
        )
    native: NativeFrame = en.finish(result.sort(keys), given)
    return native


_ZERO: Final = nw.lit(0, nw.Int64)


def _balance_names(balance_dates: list[date]) -> list[tuple[int, str]]:
    return [(i, "ending_ar" if i == 0 else "beginning_ar") for i in range(len(balance_dates))]


def _dispute_columns(schema: FrameSchema) -> list[str]:
    return [schema.document_id, "opened_on", "resolved_on", schema.amount]


def _filled(column: str) -> nw.Expr:
    """A sum brought by a left join: 0 where the document had none (pandas turns the
    missing Int64 values into float NaN; the sums are whole numbers well below 2**53)."""
    return nw.col(column).fill_null(0).cast(nw.Int64)


def _capped(disputed: nw.Expr, open_now: nw.Expr, is_debit: nw.Expr) -> nw.Expr:
    """What is under dispute of a debit, at most what is open of it; nothing of a credit."""
    smaller = nw.when(disputed < open_now).then(disputed).otherwise(open_now)
    return nw.when(is_debit).then(smaller).otherwise(_ZERO)


def _reduced(
    reds: nw.LazyFrame[Any],
    owners: nw.LazyFrame[Any],
    balance_dates: list[date],
    schema: FrameSchema,
    minor: Any,
) -> nw.LazyFrame[Any]:
    """Per document, ``_r{i}``: what reduced it on or before each balance date."""
    r = reds.select(schema.document_id, schema.reduced_on, schema.reduction).join(
        owners, on=schema.document_id, how="inner"
    )
    r = en.with_epoch_days(r, {"_rday": schema.reduced_on}).with_columns(
        _red=minor(r, schema.reduction)
    )
    r = r.with_columns(
        *(
            nw.when(nw.col("_rday") <= en.epoch_day(on))
            .then(nw.col("_red"))
            .otherwise(_ZERO)
            .alias(f"_r{i}")
            for i, on in enumerate(balance_dates)
        )
    )
    names = [f"_r{i}" for i in range(len(balance_dates))]
    return en.int64(r.group_by(schema.document_id).agg(*(nw.col(n).sum() for n in names)), names)


def _disputed(
    dsp: nw.LazyFrame[Any],
    owners: nw.LazyFrame[Any],
    balance_dates: list[date],
    schema: FrameSchema,
    minor: Any,
) -> nw.LazyFrame[Any]:
    """Per document, ``_n{i}``: the sum of its disputes open on each balance date (opened
    on or before it and not resolved by then, :meth:`Dispute.is_open`)."""
    q = dsp.select(schema.document_id, "opened_on", "resolved_on", schema.amount).join(
        owners, on=schema.document_id, how="inner"
    )
    # an open dispute's missing date takes the opening date only to get a day number (Dask
    # cannot make one of a missing date); whether it is open is read from the column itself
    q = q.with_columns(_until=nw.coalesce(nw.col("resolved_on"), nw.col("opened_on")))
    q = en.with_epoch_days(q, {"_opened": "opened_on", "_resolved": "_until"})
    q = q.with_columns(_disp=minor(q, schema.amount))
    q = q.with_columns(
        *(
            nw.when(
                (nw.col("_opened") <= en.epoch_day(on))
                & (nw.col("resolved_on").is_null() | (nw.col("_resolved") > en.epoch_day(on)))
            )
            .then(nw.col("_disp"))
            .otherwise(_ZERO)
            .alias(f"_n{i}")
            for i, on in enumerate(balance_dates)
        )
    )
    names = [f"_n{i}" for i in range(len(balance_dates))]
    return en.int64(q.group_by(schema.document_id).agg(*(nw.col(n).sum() for n in names)), names)


def _sums(
    per: nw.LazyFrame[Any],
    keys: list[str],
    balance_dates: list[date],
    sales_periods: list[Period],
    *,
    kind: str,
    disputed: bool,
) -> nw.LazyFrame[Any]:
    """The figures in each document's own currency: plain sums per key."""
    columns: dict[str, nw.Expr] = {}
    for i in range(len(balance_dates)):
        ending = nw.col(f"_o{i}")
        columns[f"_bal{i}"] = ending - nw.col(f"_q{i}") if disputed else ending
        if disputed:
            columns[f"_dq{i}"] = nw.col(f"_q{i}")
    for j, p in enumerate(sales_periods):
        columns[f"_s{j}"] = _sales(p, nw.col(kind))
    sums = per.select(*keys, **columns).group_by(keys).agg(*(nw.col(v).sum() for v in columns))
    return en.int64(sums, list(columns))


def _converted_sums(
    per: nw.LazyFrame[Any],
    keys: list[str],
    slots: list[str],
    balance_dates: list[date],
    sales_periods: list[Period],
    *,
    currency: str,
    currencies: list[str],
    rates: FxRates | Mapping[str, Decimal] | None,
    schema: FrameSchema,
    disputed: bool,
) -> nw.LazyFrame[Any]:
    """The figures in ``currency``: every amount that enters them (a sale on its date, an
    open item or a disputed part on a balance date) converted and rounded on its own row.

    The amounts are stacked one per row with the day whose rate applies; a small table of
    the rate of each currency on each of those days, built in the same engine, is joined
    on (currency, day), and :func:`_engine.multiply_limbs` multiplies exactly. Rows are
    only those with something to convert, so the join stays as small as the open items.
    """
    kind = nw.col(schema.kind)
    first = min(p.start for p in sales_periods)
    last = max(p.end for p in sales_periods)
    day = nw.col("_day")
    inside = (day >= en.epoch_day(first)) & (day <= en.epoch_day(last))
    sale = (
        nw.when(inside & kind.is_in(_DEBITS))
        .then(nw.col("_amt"))
        .otherwise(nw.when(inside & (kind == "credit_memo")).then(-nw.col("_amt")))
    )
    row_keys = [k for k in keys if k != schema.currency]
    index = [*row_keys, schema.currency, "_day"]
    wide = per.select(
        *index,
        sale.alias("_sale"),
        *(nw.when(nw.col(s) != 0).then(nw.col(s)).alias(s) for s in slots),
    )
    long = (
        wide.unpivot(on=["_sale", *slots], index=index, variable_name="_slot", value_name="_v")
        .filter(~nw.col("_v").is_null())
        .with_columns(nw.col("_v").cast(nw.Int64))
    )
    slot = nw.col("_slot")
    fxday: nw.Expr = day
    for i, on in enumerate(balance_dates):
        fxday = (
            nw.when(slot.is_in([f"_o{i}", f"_q{i}"]))
            .then(nw.lit(en.epoch_day(on), nw.Int64))
            .otherwise(fxday)
        )
    long = long.with_columns(_fxday=fxday)
    days = _rate_days(first, last, balance_dates)
    factors, missing = _factors(currencies, currency, rates, days, balance_dates[0])
    if factors:
        limbs, shift = en.factor_limbs(factors)
        width = len(next(iter(limbs.values())))
        names = [f"_l{k}" for k in range(width)]
        ordered = sorted(limbs)
        table = en.table_like(
            long,
            {
                schema.currency: [code for code, _ in ordered],
                "_fxday": [en.epoch_day(on) for _, on in ordered],
                **{n: [limbs[key][k] for key in ordered] for k, n in enumerate(names)},
            },
            strings=[schema.currency],
        )
        # one string type on both sides (Arrow tells string from large_string)
        long = long.with_columns(nw.col(schema.currency).cast(nw.String)).join(
            table.with_columns(nw.col(schema.currency).cast(nw.String)),
            on=[schema.currency, "_fxday"],
            how="left",
        )
        # a row without a rate keeps its amount (the report currency's own rows); limbs
        # filled with 0 stay Int64 where pandas would make NaN floats of them
        long = long.with_columns(_keep=nw.col("_l0").is_null()).with_columns(
            *(_filled(n) for n in names)
        )
    else:
        long = long.with_columns(_keep=nw.lit(True, nw.Boolean))
    unmatched = (nw.col(schema.currency) != currency) & nw.col("_keep")
    if missing:
        _raise_missing(long.filter(unmatched), schema.currency, currency)
    if factors:
        long = en.multiply_limbs(long, amount="_v", out="_cv", limbs=names, shift=shift)
        long = long.with_columns(
            _cv=nw.when(nw.col("_keep")).then(nw.col("_v")).otherwise(nw.col("_cv"))
        )
    else:
        long = long.with_columns(_cv=nw.col("_v"))
    value = nw.col("_cv")
    columns: dict[str, nw.Expr] = {}
    for i in range(len(balance_dates)):
        less = -value if disputed else _ZERO
        columns[f"_bal{i}"] = (
            nw.when(slot == f"_o{i}")
            .then(value)
            .otherwise(nw.when(slot == f"_q{i}").then(less).otherwise(_ZERO))
        )
        if disputed:
            columns[f"_dq{i}"] = nw.when(slot == f"_q{i}").then(value).otherwise(_ZERO)
    for j, p in enumerate(sales_periods):
        inside_j = (day >= en.epoch_day(p.start)) & (day <= en.epoch_day(p.end))
        columns[f"_s{j}"] = nw.when((slot == "_sale") & inside_j).then(value).otherwise(_ZERO)
    report = nw.lit(currency, nw.String).alias(schema.currency)
    converted = long.select(*row_keys, report, **columns)
    # every key of the documents keeps its line, even with nothing to convert
    zeros = per.select(*row_keys, report, **dict.fromkeys(columns, _ZERO))
    sums = (
        nw.concat([converted, zeros], how="vertical")
        .group_by(keys)
        .agg(*(nw.col(v).sum() for v in columns))
    )
    return en.int64(sums, list(columns))


def _rate_days(first: date, last: date, balance_dates: list[date]) -> list[date]:
    """Every day of the sales periods and the balance dates: the days a rate may apply."""
    days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return sorted(days | set(balance_dates))


def _factors(
    currencies: list[str],
    currency: str,
    rates: FxRates | Mapping[str, Decimal] | None,
    days: list[date],
    on: date,
) -> tuple[dict[tuple[str, date], tuple[int, int]], bool]:
    """(numerator, shift) taking minor units of each currency on each day into those of
    ``currency``, and whether some (currency, day) has no rate. A mapping gives one rate
    for every day, and must name every currency of the frame."""
    target = minor_units(currency)
    result: dict[tuple[str, date], tuple[int, int]] = {}
    missing = False
    for code in currencies:
        if code == currency:
            continue
        adjust = minor_units(code) - target
        if rates is not None and not isinstance(rates, FxRates):
            numerator, places = en.rate_parts(en.mapped_rate(rates, code, currency, on))
            result.update({(code, day): (numerator, places + adjust) for day in days})
            continue
        for day in days:
            if rates is None:
                missing = True
                break
            try:
                quote = rates.quote(code, currency, on=day).rate
            except MissingRate:
                missing = True
                continue
            numerator, places = en.rate_parts(quote)
            result[(code, day)] = (numerator, places + adjust)
    return result, missing


def _raise_missing(unmatched: nw.LazyFrame[Any], currency_column: str, currency: str) -> None:
    """MissingRate for the earliest amount that needs a rate the table does not have."""
    first = en.collect(unmatched.group_by(currency_column).agg(nw.col("_fxday").min()))
    found = sorted((int(day), str(code)) for code, day in first.iter_rows())
    if found:
        day, code = found[0]
        raise MissingRate(code, currency, date(1970, 1, 1) + timedelta(days=day))


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
    non-zero before the guard picks the rows with positive sales. The average-AR variant
    is $(b + e) / 2 / s \\times 100 d = (b + e) \\times 50 d / s$, the same fraction. The
    product is never formed (:func:`_engine.mul_div_half_up`): AR of 4e14 minor units
    (IDR 4 trillion) times 36,500 hundredths of a day would leave 64 bits.
    """
    sales = nw.col("_s0")
    if method == "average":
        receivables = nw.col("_bal0") + nw.col("_bal1")
        factor = days * 50
    else:
        receivables = nw.col("_bal0")
        factor = days * 100
    f = frame.with_columns(
        _safe=nw.when(sales > 0).then(sales).otherwise(nw.lit(1, nw.Int64)),
        _rec=receivables,
    )
    f = en.mul_div_half_up(f, value="_rec", factor=factor, divisor="_safe", out="_ratio")
    defined = (sales > 0) | ((receivables == 0) & (sales == 0))
    value = nw.when(sales > 0).then(nw.col("_ratio")).otherwise(nw.lit(0, nw.Int64))
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
        # the one partial period's AR left, sales and hundredths of days, divided at the
        # end without forming their product
        _pleft=zero,
        _psales=nw.lit(1, nw.Int64),
        _pdays=zero,
    )
    for j, period in enumerate(periods):
        sales = nw.col(f"_s{j}")
        left = nw.col("_left")
        active = ~nw.col("_done") & (left > 0)
        stop = active & (sales <= 0)
        full = active & (sales > 0) & (left >= sales)
        part = active & (sales > 0) & (left < sales)
        f = f.with_columns(
            _h=nw.col("_h")
            + nw.when(full).then(nw.lit(period.days * 100, nw.Int64)).otherwise(zero),
            _pleft=nw.when(part).then(left).otherwise(nw.col("_pleft")),
            _psales=nw.when(part).then(sales).otherwise(nw.col("_psales")),
            _pdays=nw.when(part)
            .then(nw.lit(period.days * 100, nw.Int64))
            .otherwise(nw.col("_pdays")),
            _left=nw.when(full)
            .then(left - sales)
            .otherwise(nw.when(part).then(zero).otherwise(left)),
            _done=nw.col("_done") | stop | part | ~(left > 0),
            _stopped=nw.col("_stopped") | stop,
        )
    bits = max(p.days * 100 for p in periods).bit_length()
    f = en.mul_div_half_up(
        f, value="_pleft", factor="_pdays", divisor="_psales", out="_part", factor_bits=bits
    )
    return f.with_columns(
        lower_bound=nw.col("_stopped") | (~nw.col("_done") & (nw.col("_left") > 0)),
        dso_hundredths=nw.col("_h") + nw.col("_part"),
    )
