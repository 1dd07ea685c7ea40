"""The cash forecast over a dataframe: :func:`receivables.forecast.forecast` computed in the
frame's own engine.

The rules are those of :func:`~receivables.forecast.forecast`, to the minor unit. Each open
debit item's amount, converted at the rate on ``as_of`` (half up, once per document), is
split into the part under open dispute (held back), the parts of pending promises to pay
(on their dates) and the model part, timed by the customer's payment profile. The model
part is spread over the periods, "beyond the horizon" and "not expected" by whole weights
in parts per billion (:class:`~receivables.forecast.ItemWeigher`) and cumulative rounding
(:func:`~receivables.forecast.spread`), so the engine's integer arithmetic gives the cents
of the object model.

What runs where: the weights depend only on the customer's profile and the item's due
date, so they are computed once per distinct (customer, due date) pair in Python and
joined to the items as a small table in the engine; promises, which are few, are capped
against their documents in Python the same way. Every per-item step (conversion,
splitting, summing) runs in the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar

import narwhals as nw

from receivables.errors import CurrencyMismatch
from receivables.forecast import (
    PARTS,
    ItemWeigher,
    PaymentProfile,
    PeriodName,
    PromisedPart,
    forecast_periods,
)
from receivables.frames import _engine as en
from receivables.frames.aging import _factors, _quotes
from receivables.frames.schema import FrameSchema, FramesError
from receivables.money import FxRates

__all__ = ["ForecastLevel", "forecast_frame"]

ForecastLevel = Literal["period", "document", "customer", "total"]
"""The rows of a forecast frame: one per period, or wide rows per document, customer or in
total."""

NativeFrame = TypeVar("NativeFrame")

DEBIT_KINDS: Final = ("invoice", "debit_memo")
_EPOCH: Final = date(1970, 1, 1)
_NONE: Final = -1


def _profiles_by_customer(
    profiles: Sequence[PaymentProfile],
) -> tuple[PaymentProfile, dict[str, PaymentProfile]]:
    portfolio = [p for p in profiles if p.customer_id is None]
    if len(portfolio) != 1:
        raise FramesError(
            f"profiles: {len(portfolio)} portfolio profiles (customer_id None); pass the"
            " profiles payment_profiles() returns, with exactly one portfolio profile",
            field="profiles",
        )
    by_customer: dict[str, PaymentProfile] = {}
    for profile in profiles:
        if profile.customer_id is None:
            continue
        if profile.customer_id in by_customer:
            raise FramesError(
                f"profiles: two profiles for customer {profile.customer_id!r}",
                field="profiles",
            )
        by_customer[profile.customer_id] = profile
    return portfolio[0], by_customer


def _convert_minor(units: int, factor: tuple[int, int] | None) -> int:
    """``units * numerator / 10**shift`` rounded half up, as :func:`_engine.revalue` does."""
    if factor is None:
        return units
    numerator, shift = factor
    if shift <= 0:
        return units * numerator * int(10 ** (-shift))
    unit = int(10**shift)
    magnitude, rest = divmod(abs(units) * numerator, unit)
    magnitude += int(2 * rest >= unit)
    return magnitude if units >= 0 else -magnitude


def _problems(schema: FrameSchema, has_disputes: bool) -> list[tuple[nw.Expr, str, str]]:
    """What the object model cannot hold in an open debit: (test, column, what is wrong)."""
    problems = [
        (nw.col("_doc").is_null(), schema.document_id, "has no document id"),
        (nw.col("_cust").is_null(), schema.customer_id, "has no customer"),
        (nw.col(schema.currency).is_null(), schema.currency, "has no currency"),
        (nw.col(schema.due_date).is_null(), schema.due_date, "has no due date"),
        (nw.col("_open").is_null(), schema.open_amount, "has no open amount"),
        (nw.col("_open") < 0, schema.open_amount, "has a negative open amount"),
    ]
    if has_disputes:
        problems.append((nw.col("_held_n") < 0, schema.disputed, "has a negative disputed amount"))
    return problems


def _flagged(problems: Sequence[tuple[nw.Expr, str, str]]) -> nw.Expr:
    """``_bad``: 1 + the index of a row's first problem, 0 for a sound row."""
    flag = nw.lit(0, nw.Int64)
    for index in range(len(problems) - 1, -1, -1):
        flag = nw.when(problems[index][0]).then(nw.lit(index + 1, nw.Int64)).otherwise(flag)
    return flag


def _refuse(
    f: nw.LazyFrame[Any], flags: Sequence[int], problems: Sequence[tuple[nw.Expr, str, str]]
) -> None:
    """FramesError naming the column (and a document) of the first problem found."""
    first = min(flags)
    _, column, what = problems[first - 1]
    found = en.collect(f.filter(nw.col("_bad") == first).select("_doc").head(1)).rows()
    doc_id = found[0][0] if found and found[0][0] is not None else None
    named = f"document {doc_id}" if doc_id is not None else "a debit"
    raise FramesError(
        f"column {column!r}: {named} {what}; an open debit needs a document id, customer,"
        " currency, due date and an open amount, none of them negative",
        document_id=doc_id,
        field=column,
    )


def _weights_table(
    f: nw.LazyFrame[Any],
    *,
    pairs: Sequence[tuple[str, int]],
    profiles: Sequence[PaymentProfile],
    as_of: date,
    spans: Sequence[tuple[date, date]],
) -> nw.LazyFrame[Any]:
    """The weights of every distinct (customer, due day) of ``f``, as a table in its engine."""
    portfolio, by_customer = _profiles_by_customer(profiles)
    n = len(spans)
    data: dict[str, list[str | int]] = defaultdict(list)
    weighers: dict[str | None, ItemWeigher] = {}
    for customer, due_day in sorted(pairs):
        key = customer if customer in by_customer else None
        weigh = weighers.get(key)
        if weigh is None:
            profile = by_customer[customer] if key is not None else portfolio
            weigh = weighers[key] = ItemWeigher(profile, as_of=as_of, periods=spans)
        weights = weigh(_EPOCH + timedelta(days=due_day))
        data["_cust"].append(customer)
        data["_due_day"].append(due_day)
        running = 0
        for j, part in enumerate(weights.parts):
            running += part
            data[f"_c{j}"].append(running)
        data["_lo"].append(_NONE if weights.low is None else weights.low)
        data["_hi"].append(_NONE if weights.high is None else weights.high)
    if not pairs:
        data = {"_cust": [], "_due_day": [], **{f"_c{j}": [] for j in range(n + 2)}}
        data |= {"_lo": [], "_hi": []}
    return en.table_like(f, data, strings=["_cust"])


def _promises_table(
    f: nw.LazyFrame[Any],
    *,
    promises: Sequence[PromisedPart],
    as_of: date,
    spans: Sequence[tuple[date, date]],
    factors: Mapping[str, tuple[int, int]],
    schema: FrameSchema,
) -> nw.LazyFrame[Any] | None:
    """Per promised document: the promised amount in each period, beyond and in all, in
    report minor units, capped at what is collectable as :func:`forecast` caps it."""
    by_document: dict[str, list[PromisedPart]] = defaultdict(list)
    for part in promises:
        if not isinstance(part, PromisedPart):
            raise FramesError(
                f"promises: {type(part).__name__} is not a PromisedPart (see"
                " receivables.forecast.promise_schedule)",
                field="promises",
            )
        by_document[part.document_id].append(part)
    if not by_document:
        return None
    rows = en.collect(
        f.filter(nw.col("_doc").is_in(sorted(by_document))).select(
            "_doc", schema.currency, "_open_r", "_held"
        )
    ).rows()
    n = len(spans)
    data: dict[str, list[str | int]] = defaultdict(list)
    for doc_id, code, open_r, held in sorted(rows):
        room = open_r - held
        amounts = [0] * (n + 1)
        for part in sorted(by_document[doc_id], key=lambda p: (p.on, p.promise_id)):
            if part.amount.code != code:
                raise CurrencyMismatch(
                    f"promises: promise {part.promise_id} on {doc_id} is in"
                    f" {part.amount.code}, the document in {code}",
                    document_id=doc_id,
                    field="promises",
                )
            amount = min(_convert_minor(part.amount.minor, factors.get(code)), room)
            room -= amount
            index = next((i for i, (s, e) in enumerate(spans) if s <= part.on <= e), n)
            if part.on < spans[0][0]:
                index = 0
            amounts[index] += amount
        data["_doc"].append(doc_id)
        for j, amount in enumerate(amounts):
            data[f"_p{j}"].append(amount)
        data["_pt"].append(sum(amounts))
    if not rows:
        return None
    return en.table_like(f, data, strings=["_doc"])


def _spread(n_parts: int) -> list[nw.Expr]:
    """The model part ``_M`` split by cumulative rounding over the running sums ``_c0..``
    of its weights (the last is PARTS): :func:`receivables.forecast.spread` in Int64.

    With $M = 10^9 M_1 + M_0$, $R(M C / 10^9) = M_1 C + \\lfloor (2 M_0 C + 10^9) / (2 \\cdot
    10^9) \\rfloor$ for a running sum $C \\le 10^9$, so no product leaves 64 bits; each part
    is the difference of two such roundings.
    """
    high = nw.col("_M") // PARTS
    low = nw.col("_M") % PARTS
    rounded = [
        high * nw.col(f"_c{j}") + (low * nw.col(f"_c{j}") * 2 + PARTS) // (2 * PARTS)
        for j in range(n_parts)
    ]
    parts = [rounded[0].alias("_s0")]
    parts += [(rounded[j] - rounded[j - 1]).alias(f"_s{j}") for j in range(1, n_parts)]
    return parts


def forecast_frame(
    frame: NativeFrame,
    *,
    as_of: date,
    horizon: int,
    profiles: Sequence[PaymentProfile],
    period: PeriodName = "month",
    currency: str | None = None,
    rates: FxRates | Mapping[str, Decimal] | None = None,
    promises: Sequence[PromisedPart] = (),
    level: ForecastLevel = "period",
    schema: FrameSchema | None = None,
    float_precision: int | None = None,
) -> NativeFrame:
    """Expected cash receipts per period from an open-items frame; a frame of the same kind
    comes back.

    ``frame`` is an open-items frame (see :class:`FrameSchema`; credits are left out, as in
    :func:`~receivables.forecast.forecast`) with an optional ``disputed`` column.
    ``profiles`` are the payment profiles to time the items by, as
    :func:`~receivables.forecast.payment_profiles` returns them (the portfolio's, for
    customers without one of their own, and each customer's); ``promises`` the pending
    promises, as :func:`~receivables.forecast.promise_schedule` returns them. The result,
    by ``level``:

    * ``"period"``: one row per period with ``index``, ``label``, ``start``, ``end``,
      ``low``, ``expected``, ``high``, ``promised``, ``cumulative_expected`` and
      ``currency``, like :attr:`CashForecast.periods <receivables.forecast.CashForecast>`;
    * ``"document"``: one row per item like :class:`~receivables.forecast.ItemForecast`:
      ``document_id``, ``customer_id``, ``due_date``, ``days_past_due``, ``currency``,
      ``open``, ``held_back``, ``promised``, ``model_amount``, then per period label
      ``expected_<label>``, ``low_<label>``, ``high_<label>`` and ``promised_<label>``,
      then ``beyond_horizon`` and ``not_expected``; sorted by due date and id;
    * ``"customer"`` and ``"total"``: the same amounts summed per customer (or in all), with
      ``expected`` (the periods' sum) and ``items``.

    Amounts are Int64 minor units of the report ``currency`` (the items' one currency when
    not given). Lazy frames stay lazy except for three small reads the engine answers: the
    distinct currencies, the distinct (customer, due date) pairs and, when ``promises`` are
    given, the open and disputed amounts of the promised documents (one row each).

    Raises:
        ForecastError: an unknown period or a horizon below one (as :func:`forecast`).
        FramesError: a missing column, a money column of another type, bad profiles; a
            debit without a document id, customer, currency, due date or open amount, or
            with a negative open or disputed amount (named by its column and document).
        CurrencyMismatch: items in several currencies and no report currency.
        MissingRate: a currency with no rate to ``currency`` on ``as_of``.

    Examples:
        >>> import polars as pl
        >>> from receivables.forecast import ProfilePoint
        >>> portfolio = PaymentProfile(
        ...     customer_id=None, source="portfolio", documents=4, credibility=1,
        ...     matured_documents=4, share_credibility=1, share_paid=Decimal(1),
        ...     distribution=(ProfilePoint(days=10, probability=Decimal(1)),),
        ...     mean_days=10, p25_days=10, p50_days=10, p75_days=10)
        >>> items = pl.DataFrame({
        ...     "document_id": ["I1", "I2"], "customer_id": ["C1", "C2"],
        ...     "kind": ["invoice"] * 2, "currency": ["USD"] * 2,
        ...     "issue_date": [date(2026, 1, 5), date(2026, 2, 1)],
        ...     "due_date": [date(2026, 2, 4), date(2026, 3, 3)],
        ...     "open_amount": [50000, 20000]})
        >>> forecast_frame(items, as_of=date(2026, 2, 10), horizon=2,
        ...     profiles=[portfolio]).select("label", "expected").rows()
        [('2026-02', 50000), ('2026-03', 20000)]
    """
    periods = forecast_periods(as_of, period=period, horizon=horizon)
    if level not in ("period", "document", "customer", "total"):
        raise FramesError(
            f"unknown level {level!r}: use 'period', 'document', 'customer' or 'total'",
            field="level",
        )
    schema = schema or FrameSchema()
    spans = [(start, end) for start, end, _ in periods]
    labels = [label for *_, label in periods]
    n = len(periods)
    given = en.from_native(frame, "frame")
    f = en.planned(given)
    columns = en.dtypes(f)
    en.require(
        columns,
        [
            schema.document_id,
            schema.customer_id,
            schema.kind,
            schema.currency,
            schema.due_date,
            schema.open_amount,
        ],
        "forecast_frame",
    )
    has_disputes = schema.disputed in columns
    f = f.filter(nw.col(schema.kind).is_in(DEBIT_KINDS))
    f, currencies = en.currencies(f, schema.currency)
    report = en.report_currency(
        currencies,
        currency,
        rows="the open items",
        empty="the frame has no open debit items to take a currency from",
    )
    factors = _factors(_quotes(currencies, report, rates, as_of), report)

    def minor(column: str) -> nw.Expr:
        return en.minor_expr(
            columns,
            column,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        )

    zero = nw.lit(0, nw.Int64)
    f = f.with_columns(
        _open=minor(schema.open_amount),
        _held_n=minor(schema.disputed).fill_null(0) if has_disputes else zero,
        _cust=nw.col(schema.customer_id).cast(nw.String),
        _doc=nw.col(schema.document_id).cast(nw.String),
    )
    problems = _problems(schema, has_disputes)
    f = f.with_columns(_bad=_flagged(problems)).filter(
        (nw.col("_open").fill_null(0) != 0) | (nw.col("_bad") != 0)
    )
    f = en.revalue(f, amount="_open", out="_open_r", currency=schema.currency, factors=factors)
    f = en.revalue(f, amount="_held_n", out="_held_r", currency=schema.currency, factors=factors)
    f = en.with_epoch_days(f, {"_due_day": schema.due_date})
    f = f.with_columns(
        _held=nw.when(nw.col("_held_r") < nw.col("_open_r"))
        .then(nw.col("_held_r"))
        .otherwise(nw.col("_open_r"))
    )
    # the one read of the pairs also tells whether any row is unsound
    found = en.collect(f.select("_cust", "_due_day", "_bad").unique()).rows()
    flags = [flag for _, _, flag in found if flag]
    if flags:
        _refuse(f, flags, problems)
    pairs = [(customer, due_day) for customer, due_day, _ in found]
    weights = _weights_table(f, pairs=pairs, profiles=profiles, as_of=as_of, spans=spans)
    f = f.join(weights, on=["_cust", "_due_day"], how="inner")
    promised = _promises_table(
        f, promises=promises, as_of=as_of, spans=spans, factors=factors, schema=schema
    )
    promise_columns = [f"_p{j}" for j in range(n + 1)] + ["_pt"]
    if promised is None:
        f = f.with_columns(*(zero.alias(c) for c in promise_columns))
    else:
        # An inner join and an anti join, not a left join: a left join's nulls would turn
        # pandas' Int64 columns into floats.
        order = [*en.dtypes(f), *promise_columns]
        with_promises = f.join(promised, on="_doc", how="inner")
        without = f.join(promised.select("_doc"), on="_doc", how="anti").with_columns(
            *(zero.alias(c) for c in promise_columns)
        )
        f = nw.concat([with_promises.select(order), without.select(order)], how="vertical")
    f = f.with_columns(_model=nw.col("_open_r") - nw.col("_held") - nw.col("_pt"))
    f = f.with_columns(_M=nw.when(nw.col("_model") > 0).then(nw.col("_model")).otherwise(zero))
    f = f.with_columns(*_spread(n + 2))
    out: dict[str, nw.Expr] = {
        "open": nw.col("_open_r"),
        "held_back": nw.col("_held"),
        "promised": nw.col("_pt"),
        "model_amount": nw.col("_model"),
    }
    for j, label in enumerate(labels):
        out[f"expected_{label}"] = nw.col(f"_s{j}") + nw.col(f"_p{j}")
    for band, column in (("low", "_lo"), ("high", "_hi")):
        for j, label in enumerate(labels):
            hit = nw.when(nw.col(column) == j).then(nw.col("_M")).otherwise(zero)
            out[f"{band}_{label}"] = nw.col(f"_p{j}") + hit
    for j, label in enumerate(labels):
        out[f"promised_{label}"] = nw.col(f"_p{j}")
    out["beyond_horizon"] = nw.col(f"_s{n}") + nw.col(f"_p{n}")
    out["not_expected"] = nw.col(f"_s{n + 1}")
    money = list(out)
    report_lit = nw.lit(report, nw.String)
    if level == "document":
        rows = f.with_columns(
            days_past_due=nw.lit(en.epoch_day(as_of), nw.Int64) - nw.col("_due_day"),
            **out,
        ).select(
            schema.document_id,
            schema.customer_id,
            schema.due_date,
            "days_past_due",
            report_lit.alias("currency"),
            *money,
        )
        return en.finish(  # type: ignore[no-any-return]
            rows.sort([schema.due_date, schema.document_id]), given
        )
    f = f.with_columns(**out)
    keys = [schema.customer_id] if level == "customer" else []
    totals = [nw.col(c).sum() for c in money]
    if keys:
        sums = f.group_by(keys).agg(*totals, nw.len().alias("items"))
    else:
        sums = f.select(*totals, nw.len().alias("items"))
    sums = en.int64(sums, money)
    sums = sums.with_columns(
        nw.col("items").cast(nw.Int64),
        expected=en._sum([nw.col(f"expected_{label}") for label in labels]),
    )
    if level == "period":
        return en.finish(_periods(sums, periods, report_lit), given)  # type: ignore[no-any-return]
    lines = sums.select(
        *keys,
        report_lit.alias("currency"),
        "items",
        *money[:4],
        "expected",
        *money[4:],
    )
    return en.finish(lines.sort(keys) if keys else lines, given)  # type: ignore[no-any-return]


def _periods(
    sums: nw.LazyFrame[Any],
    periods: Sequence[tuple[date, date, str]],
    report: nw.Expr,
) -> nw.LazyFrame[Any]:
    """One row per period from the one-row totals, with the running expected total.

    The totals row is joined with a small table of the period indexes and each column picks
    its period's value: one copy of the plan, where a union of one select per period would
    make lazy engines (DuckDB, Spark) plan and run the whole forecast once per period.
    """
    labels = [label for *_, label in periods]
    sums = sums.with_columns(nw.col(f"expected_{labels[0]}").alias("_cum0"))
    for j in range(1, len(labels)):
        sums = sums.with_columns(
            (nw.col(f"_cum{j - 1}") + nw.col(f"expected_{labels[j]}")).alias(f"_cum{j}")
        )
    indexes = en.table_like(sums, {"index": list(range(len(periods)))})
    rows = sums.join(indexes, how="cross")

    def pick(values: Sequence[nw.Expr]) -> nw.Expr:
        chosen = values[-1]
        for j in range(len(values) - 2, -1, -1):
            chosen = nw.when(nw.col("index") == j).then(values[j]).otherwise(chosen)
        return chosen

    def each(template: str) -> nw.Expr:
        return pick([nw.col(template.format(label=label)) for label in labels])

    return rows.select(
        nw.col("index").cast(nw.Int64),
        pick([nw.lit(label, nw.String) for label in labels]).alias("label"),
        pick([nw.lit(start, nw.Date) for start, _, _ in periods]).alias("start"),
        pick([nw.lit(end, nw.Date) for _, end, _ in periods]).alias("end"),
        each("low_{label}").alias("low"),
        each("expected_{label}").alias("expected"),
        each("high_{label}").alias("high"),
        each("promised_{label}").alias("promised"),
        pick([nw.col(f"_cum{j}") for j in range(len(labels))]).alias("cumulative_expected"),
        report.alias("currency"),
    ).sort("index")
