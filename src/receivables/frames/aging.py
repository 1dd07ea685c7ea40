"""Aging over a dataframe: :func:`receivables.aging.age` computed in the frame's own engine.

The rules are those of :func:`receivables.aging.age`, to the minor unit: an item's age is
``as_of - due_date`` in days (``basis="due_date"``; a credit ages from its own date) or
``as_of - issue_date`` (``basis="invoice_date"``); it falls in the bucket whose upper edge
is the first at or above its age (Weygandt, Kimmel & Kieso, *Financial Accounting*, 11th
ed., 2019, ch. 8, "aging the accounts receivable"); credits go to their own column or into
the bucket of their date; with ``currency`` each document's open amount is converted at
the rate on ``as_of`` and rounded half up to the minor unit, once per document, and the
lines are sums of those rounded amounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar

import narwhals as nw
from narwhals.dtypes import DType

from receivables.aging import ALL_KINDS, AgingError, Basis, Buckets, CreditsMode, DocumentKind
from receivables.errors import MissingRate
from receivables.frames import _engine as en
from receivables.frames.schema import FrameSchema, FramesError
from receivables.money import FxRates, Money, minor_units

__all__ = ["AgingLevel", "age_frame", "merge_aging_frames"]

AgingLevel = Literal["customer", "group", "total", "document"]
"""The rows of an aging frame: one per customer, group or currency total, or per document."""

NativeFrame = TypeVar("NativeFrame")

CREDIT_KINDS: Final = ("credit_memo", "payment")
_LINE_COLUMNS: Final = ("credits", "total", "disputed", "promised", "collectable", "items")


def _quotes(
    currencies: Sequence[str],
    currency: str,
    rates: FxRates | Mapping[str, Decimal] | None,
    as_of: date,
) -> dict[str, tuple[int, int]]:
    """(numerator, decimal places) of the rate from each currency to ``currency``."""
    result: dict[str, tuple[int, int]] = {}
    for code in currencies:
        if code == currency:
            continue
        if rates is None:
            raise MissingRate(code, currency, as_of)
        if isinstance(rates, FxRates):
            rate = rates.quote(code, currency, on=as_of).rate
        else:
            rate = en.mapped_rate(rates, code, currency, as_of)
        result[code] = en.rate_parts(rate)
    return result


def _factors(quotes: Mapping[str, tuple[int, int]], currency: str) -> dict[str, tuple[int, int]]:
    """(numerator, shift) taking minor units of each currency to those of ``currency``."""
    target = minor_units(currency)
    return {
        code: (numerator, places + minor_units(code) - target)
        for code, (numerator, places) in quotes.items()
    }


def _with_start_day(
    f: nw.LazyFrame[Any], columns: Mapping[str, DType], basis: str, schema: FrameSchema
) -> nw.LazyFrame[Any]:
    """Add ``_start_day``, the day number an item ages from: with ``basis="due_date"`` a
    debit's due date (its issue date when it has none, and a credit's own date), else the
    issue date. ``_credit`` must be on the frame.

    The date is picked first and turned into a day number once: a cast on Polars, Arrow
    and pandas, but a dozen integer steps on engines where the date is taken apart (see
    :func:`_engine.with_epoch_days`). Two date columns of different types are each turned
    into day numbers before the pick instead.
    """
    if basis != "due_date":
        return en.with_epoch_days(f, {"_start_day": schema.issue_date})
    issue, due = schema.issue_date, schema.due_date
    as_days = columns[issue] != columns[due]
    if as_days:
        f = en.with_epoch_days(f, {"_issue_day": issue, "_due_day": due})
        issue, due = "_issue_day", "_due_day"
    # a missing due date is filled afterwards rather than tested for on every row: Polars
    # and Arrow pass a column without nulls through untouched
    start = nw.when(nw.col("_credit")).then(nw.col(issue)).otherwise(nw.col(due))
    f = f.with_columns(_start=start.fill_null(nw.col(issue)))
    if as_days:
        return f.rename({"_start": "_start_day"}).drop("_issue_day", "_due_day")
    return en.with_epoch_days(f, {"_start_day": "_start"}).drop("_start")


def _check_labels(buckets: Buckets, schema: FrameSchema) -> None:
    taken = {*_LINE_COLUMNS, schema.customer_id, schema.group_id, schema.currency}
    for label in buckets.labels:
        if label in taken:
            raise FramesError(
                f"bucket label {label!r} is also a column of the aging frame: rename the bucket",
                field="buckets",
            )


def _check_options(basis: str, credits: str, include: Sequence[str]) -> frozenset[str]:
    if basis not in ("due_date", "invoice_date"):
        raise AgingError(
            f"unknown aging basis {basis!r}: use 'due_date' (days past due) or"
            " 'invoice_date' (days since invoice)",
            field="basis",
        )
    if credits not in ("separate", "netted"):
        raise AgingError(
            f"unknown credits mode {credits!r}: use 'separate' or 'netted'", field="credits"
        )
    kinds = frozenset(include)
    unknown = sorted(kinds - set(ALL_KINDS))
    if unknown:
        raise AgingError(
            f"unknown document kinds {unknown} in include: use {list(ALL_KINDS)}",
            field="include",
        )
    return kinds


def age_frame(
    frame: NativeFrame,
    *,
    as_of: date,
    buckets: Buckets | None = None,
    basis: Basis = "due_date",
    credits: CreditsMode = "separate",
    currency: str | None = None,
    rates: FxRates | Mapping[str, Decimal] | None = None,
    include: Sequence[DocumentKind] = ALL_KINDS,
    level: AgingLevel = "customer",
    schema: FrameSchema | None = None,
    float_precision: int | None = None,
) -> NativeFrame:
    """Age an open-items frame on ``as_of``; a frame of the same kind comes back.

    The frame holds one row per open document (see :class:`FrameSchema`): ``open_amount``
    signed (credits negative) in minor units of ``currency`` (or decimals). The result, by
    ``level``:

    * ``"customer"`` / ``"group"``: one row per customer (or ``group_id``) and currency,
      with a column per bucket label, ``credits``, ``total`` (buckets plus credits),
      ``disputed``, ``promised`` (the part of the collectable amount under a live promise
      to pay), ``collectable`` (buckets less disputed; ``disputed`` and ``promised`` are
      zero when the frame has no such column) and ``items`` (documents counted);
    * ``"total"``: the same per currency;
    * ``"document"``: the drill-down, with ``days``, ``bucket``, ``is_credit``,
      ``promised``, ``reported_currency``, ``reported_open`` and ``reported_promised``.

    Amounts are Int64 minor units of the row's ``currency`` (the report currency when
    ``currency`` is given); ``Decimal(n).scaleb(-minor_units(currency))`` is the decimal
    view. Sorted by the key columns. Lazy frames stay lazy; the only eager step is reading
    the distinct currencies when a rate or a decimal column needs them.

    Raises:
        AgingError: an unknown basis, credits mode or document kind (as :func:`age`).
        FramesError: a missing column or a money column of another type.
        FloatMoneyColumn: a float money column without ``float_precision``.
        MissingRate: a currency with no rate to ``currency`` on ``as_of``.

    Examples:
        >>> import polars as pl
        >>> items = pl.DataFrame({
        ...     "document_id": ["I1", "I2", "P1"], "customer_id": ["C1", "C1", "C1"],
        ...     "kind": ["invoice", "invoice", "payment"], "currency": ["EUR"] * 3,
        ...     "issue_date": [date(2026, 1, 5), date(2026, 3, 1), date(2026, 3, 20)],
        ...     "due_date": [date(2026, 2, 4), date(2026, 3, 31), date(2026, 3, 20)],
        ...     "open_amount": [50000, 20000, -5000]})
        >>> age_frame(items, as_of=date(2026, 3, 31)).select("current", "31-60", "credits",
        ...     "total").rows()
        [(20000, 50000, -5000, 65000)]
    """
    kinds = _check_options(basis, credits, include)
    if level not in ("customer", "group", "total", "document"):
        raise FramesError(
            f"unknown level {level!r}: use 'customer', 'group', 'total' or 'document'",
            field="level",
        )
    schema = schema or FrameSchema()
    buckets = buckets if buckets is not None else Buckets.standard()
    _check_labels(buckets, schema)
    if currency is not None:
        currency = Money.zero(currency).code
    given = en.from_native(frame, "frame")
    f = en.planned(given)
    columns = en.dtypes(f)
    needed = [schema.customer_id, schema.kind, schema.currency, schema.issue_date]
    needed += [schema.open_amount]
    if basis == "due_date":
        needed.append(schema.due_date)
    if level == "document":
        needed.append(schema.document_id)
    if level == "group":
        needed.append(schema.group_id)
    en.require(columns, needed, "age_frame")
    if len(kinds) < len(ALL_KINDS):
        f = f.filter(nw.col(schema.kind).is_in(sorted(kinds)))
    parts = {"_disputed": schema.disputed, "_promised": schema.promised}
    parts = {out: column for out, column in parts.items() if column in columns}
    money = [schema.open_amount, *parts.values()]
    currencies: list[str] | None = None
    if currency is not None or en.needs_currencies(columns, money):
        f, currencies = en.currencies(f, schema.currency)
    quotes = _quotes(currencies or [], currency, rates, as_of) if currency else {}

    def minor(column: str) -> nw.Expr:
        return en.minor_expr(
            columns,
            column,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        )

    is_credit = nw.col(schema.kind).is_in(CREDIT_KINDS)
    zero = nw.lit(0, nw.Int64)
    staged = {"_open": minor(schema.open_amount), "_credit": is_credit}
    for out, column in parts.items():
        staged[out] = nw.when(is_credit).then(zero).otherwise(minor(column).fill_null(0))
    f = f.with_columns(**staged)
    f = _with_start_day(f, columns, basis, schema)
    f = f.with_columns(_days=nw.lit(en.epoch_day(as_of), nw.Int64) - nw.col("_start_day"))
    factors = _factors(quotes, currency) if currency else {}
    # each amount in the report currency: the same column when nothing is converted
    reported = {name: f"{name}_reported" if factors else name for name in ("_open", *parts)}
    if factors:
        for name, out in reported.items():
            f = en.revalue(f, amount=name, out=out, currency=schema.currency, factors=factors)
    out_currency = nw.lit(currency, nw.String) if currency else nw.col(schema.currency)
    edges = buckets.upper_edges
    if level == "document":
        return en.finish(_documents(f, schema, buckets, out_currency, reported), given)  # type: ignore[no-any-return]
    keys = {
        "customer": [schema.customer_id],
        "group": [schema.group_id],
        "total": [],
    }[level]
    position = nw.lit(0, nw.Int64)
    for edge in edges:
        position = position + (nw.col("_days") > edge).cast(nw.Int64)
    f = f.with_columns(_index=position)
    index = nw.col("_index")
    netted = credits == "netted"
    bucket_exprs = {}
    for i, label in enumerate(buckets.labels):
        hit = index == i
        if not netted:
            hit = hit & ~nw.col("_credit")
        bucket_exprs[label] = nw.when(hit).then(nw.col(reported["_open"])).otherwise(zero)
    credit_expr = zero if netted else nw.when(nw.col("_credit")).then(nw.col(reported["_open"]))
    if not netted:
        credit_expr = credit_expr.otherwise(zero)  # type: ignore[attr-defined]
    extra = {name[1:]: nw.col(reported[name]) for name in parts}
    if currency:
        extra[schema.currency] = out_currency
    f = f.with_columns(**bucket_exprs, credits=credit_expr, **extra)
    group_keys = [*keys, schema.currency]
    labels = list(buckets.labels)
    summed = [*labels, "credits", *(name[1:] for name in parts)]
    lines = en.int64(
        f.group_by(group_keys).agg(*(nw.col(c).sum() for c in summed), nw.len().alias("items")),
        summed,
    )
    absent = {name: zero for name in ("disputed", "promised") if f"_{name}" not in parts}
    if absent:
        lines = lines.with_columns(**absent)
    bucketed = en._sum([nw.col(label) for label in labels])
    lines = lines.with_columns(
        total=bucketed + nw.col("credits"),
        collectable=bucketed - nw.col("disputed"),
    )
    lines = lines.select(
        *group_keys,
        *labels,
        "credits",
        "total",
        "disputed",
        "promised",
        "collectable",
        nw.col("items").cast(nw.Int64),
    )
    return en.finish(lines.sort(group_keys), given)  # type: ignore[no-any-return]


def _documents(
    f: Any,
    schema: FrameSchema,
    buckets: Buckets,
    out_currency: nw.Expr,
    reported: Mapping[str, str],
) -> Any:
    label = nw.lit(buckets.labels[-1], nw.String)
    for band in reversed(buckets.bands[:-1]):
        assert band.max_days is not None
        label = (
            nw.when(nw.col("_days") <= band.max_days)
            .then(nw.lit(band.label, nw.String))
            .otherwise(label)
        )
    zero = nw.lit(0, nw.Int64)
    promised = "_promised" in reported
    rows = f.with_columns(
        days=nw.col("_days"),
        bucket=label,
        is_credit=nw.col("_credit"),
        reported_currency=out_currency,
        reported_open=nw.col(reported["_open"]),
        reported_promised=nw.col(reported["_promised"]) if promised else zero,
        **{
            schema.open_amount: nw.col("_open"),
            schema.promised: nw.col("_promised") if promised else zero,
        },
    ).select(
        schema.document_id,
        schema.customer_id,
        schema.kind,
        schema.currency,
        schema.issue_date,
        *([schema.due_date] if schema.due_date in en.dtypes(f) else []),
        "days",
        "bucket",
        "is_credit",
        schema.open_amount,
        schema.promised,
        "reported_currency",
        "reported_open",
        "reported_promised",
    )
    return rows.sort([schema.customer_id, schema.currency, schema.issue_date, schema.document_id])


def merge_aging_frames(
    frames: Sequence[NativeFrame],
    *,
    customer_map: Mapping[str, str] | None = None,
    schema: FrameSchema | None = None,
) -> NativeFrame:
    """One aging from the aging frames of several entities (the merged ageing report).

    The frames must come from :func:`age_frame` at the same level (customer, group or
    total) with the same ``as_of``, buckets, basis and report currency: that is what makes
    lines additive, since each document was rounded once. Rows with the same key after
    ``customer_map`` renames ids are added column by column. Merging is associative and
    commutative. Frames of different kinds, or with different columns, are refused.

    Examples:
        >>> import polars as pl
        >>> us = pl.DataFrame({"customer_id": ["ACME-US"], "currency": ["USD"],
        ...                    "current": [100], "total": [100]})
        >>> ca = pl.DataFrame({"customer_id": ["ACME"], "currency": ["USD"],
        ...                    "current": [50], "total": [50]})
        >>> merge_aging_frames([us, ca], customer_map={"ACME-US": "ACME"}).rows()
        [('ACME', 'USD', 150, 150)]
    """
    if not frames:
        raise FramesError("merge_aging_frames needs at least one frame", field="frames")
    schema = schema or FrameSchema()
    views = [en.from_native(native, f"frames[{i}]") for i, native in enumerate(frames)]
    first = en.dtypes(views[0])
    for i, view in enumerate(views[1:], start=1):
        if type(view) is not type(views[0]) or view.implementation != views[0].implementation:
            raise FramesError(
                f"frames[{i}] is a {view.implementation} frame, frames[0] a"
                f" {views[0].implementation} one: merge frames of one kind",
                field="frames",
            )
        if list(en.dtypes(view)) != list(first):
            raise FramesError(
                f"frames[{i}] has columns {list(en.dtypes(view))}, frames[0] {list(first)}:"
                " merge agings made with the same buckets and level",
                field="frames",
            )
    if "document_id" in first or schema.document_id in first:
        raise FramesError(
            "merge_aging_frames merges customer, group or total lines; concatenate document"
            " rows with your engine",
            field="frames",
        )
    keys = [c for c in (schema.customer_id, schema.group_id, schema.currency) if c in first]
    if schema.currency not in keys:
        raise FramesError(
            f"the frames have no {schema.currency!r} column: merge aging frames",
            field="frames",
        )
    values = [c for c in first if c not in keys]
    merged = nw.concat(views, how="vertical")  # type: ignore[type-var]
    mapping = dict(customer_map or {})
    for key in keys[:-1]:
        if mapping:
            renamed = nw.col(key)
            for source in sorted(mapping, reverse=True):
                renamed = (
                    nw.when(nw.col(key) == source)
                    .then(nw.lit(mapping[source], nw.String))
                    .otherwise(renamed)
                )
            merged = merged.with_columns(renamed.alias(key))
    result = merged.group_by(keys).agg(*(nw.col(c).sum() for c in values))
    result = result.with_columns(*(nw.col(c).cast(nw.Int64) for c in values))
    result = result.select(*keys, *values).sort(keys)
    return nw.to_native(result)  # type: ignore[no-any-return]
