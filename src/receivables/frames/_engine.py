"""Exact arithmetic as narwhals expressions: day numbers, minor units, half-up rounding.

Everything here builds expressions that the backend evaluates in its own engine on 64-bit
integers, so no amount passes through a float and no row is collected to Python.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias

import narwhals as nw
from narwhals.dtypes import DType

from receivables.errors import CurrencyMismatch, MissingRate, UnknownCurrency
from receivables.frames.schema import FloatMoneyColumn, FramesError
from receivables.money import Money, minor_units

Frame: TypeAlias = "nw.DataFrame[Any] | nw.LazyFrame[Any]"

_EPOCH = date(1970, 1, 1)
_BASE = 10**6
_INT64_SAFE = 2**62
_INT_CASTS_DATES = (nw.Implementation.POLARS, nw.Implementation.PYARROW)


def from_native(native: object, what: str) -> Frame:
    """The narwhals view of a native frame, or a FramesError naming the argument."""
    try:
        frame = nw.from_native(native)  # type: ignore[call-overload]
    except TypeError:
        raise FramesError(
            f"{what}: {type(native).__name__} is not a dataframe narwhals knows (pandas,"
            " Polars, PyArrow, DuckDB, Dask, PySpark, ...)",
            field=what,
        ) from None
    if not isinstance(frame, nw.DataFrame | nw.LazyFrame):
        raise FramesError(f"{what}: expected a dataframe, got a series", field=what)
    return frame


def dtypes(frame: Frame) -> dict[str, DType]:
    """Column name to narwhals dtype, without computing anything."""
    return dict(frame.collect_schema().items())


def require(columns: Mapping[str, DType], names: Iterable[str], what: str) -> None:
    """Raise FramesError naming the first missing column."""
    for name in names:
        if name not in columns:
            raise FramesError(
                f"{what}: column {name!r} is missing (the frame has {sorted(columns)});"
                " name the column through FrameSchema",
                field=name,
            )


def planned(frame: Frame) -> nw.LazyFrame[Any]:
    """The frame as a lazy plan in its own engine: an eager Polars frame then runs the whole
    calculation through Polars' optimiser (common subexpressions, projections) at once."""
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def finish(result: nw.LazyFrame[Any], like: Frame) -> Any:
    """The native result, eager again when the input was eager."""
    return nw.to_native(result.collect() if isinstance(like, nw.DataFrame) else result)


def collect(frame: Frame) -> nw.DataFrame[Any]:
    """An eager frame (a lazy one is computed by its own engine)."""
    return frame.collect() if isinstance(frame, nw.LazyFrame) else frame


def distinct(frame: Frame, column: str) -> list[str]:
    """The distinct non-null values of a (small-cardinality) string column, sorted (a
    missing value of a pandas object column is NaN, not None: it is left out too)."""
    values = collect(frame.select(nw.col(column)).unique()).get_column(column).to_list()
    return sorted(str(v) for v in values if v is not None and v == v)


def currencies(frame: nw.LazyFrame[Any], column: str) -> tuple[nw.LazyFrame[Any], list[str]]:
    """The frame with its currency codes in ISO form (``" usd"`` becomes ``"USD"``, as
    :class:`~receivables.money.Money` reads them), and its distinct codes, sorted.

    One small read (the distinct codes); the column is rewritten only where a code is not
    already in ISO form. An unknown code raises :class:`UnknownCurrency` naming the column.
    """
    canonical: dict[str, str] = {}
    for raw in distinct(frame, column):
        try:
            canonical[raw] = Money.zero(raw).code
        except UnknownCurrency:
            raise UnknownCurrency(raw, field=column) from None
    fixes = {raw: code for raw, code in canonical.items() if raw != code}
    if fixes:
        expr = nw.col(column)
        for raw in sorted(fixes, reverse=True):
            iso = nw.lit(fixes[raw], nw.String)
            expr = nw.when(nw.col(column) == raw).then(iso).otherwise(expr)
        frame = frame.with_columns(expr.alias(column))
    return frame, sorted(set(canonical.values()))


def same_engine(docs: nw.LazyFrame[Any], native: object, what: str) -> nw.LazyFrame[Any]:
    """The second frame of a calculation (``what``) as a plan, refused when its engine is not
    that of the documents frame: a join cannot cross engines."""
    frame = planned(from_native(native, what))
    if frame.implementation != docs.implementation:
        raise FramesError(
            f"documents is a {docs.implementation} frame and {what} a"
            f" {frame.implementation} one: pass them in one engine",
            field=what,
        )
    return frame


def report_currency(
    currencies: Sequence[str], currency: str | None, *, rows: str, empty: str
) -> str:
    """The report currency: ``currency`` when given, else the one currency of the ``rows``;
    several currencies without ``currency`` are a :class:`CurrencyMismatch`, none (the
    ``empty`` case) a :class:`FramesError` asking for one."""
    if currency is not None:
        return Money.zero(currency).code
    if len(currencies) > 1:
        raise CurrencyMismatch(
            f"currency: {rows} are in {', '.join(currencies)}; name a report currency and"
            " pass rates",
            field="currency",
        )
    if not currencies:
        raise FramesError(f"currency: {empty}; name the report currency", field="currency")
    return currencies[0]


def mapped_rate(rates: Mapping[str, Decimal], code: str, report: str, on: date) -> Decimal:
    """The rate from ``code`` into ``report`` out of a mapping of one rate per currency (for
    every date): :class:`MissingRate` when it names none, a :class:`FramesError` when the
    rate is not a ``Decimal``."""
    if code not in rates:
        raise MissingRate(code, report, on)
    rate = rates[code]
    if not isinstance(rate, Decimal):
        raise FramesError(
            f"rate {code}->{report} is {type(rate).__name__}: give a Decimal", field="rates"
        )
    return rate


def epoch_day(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
_CASTS_TIMESTAMPS = (nw.Implementation.PANDAS, *_INT_CASTS_DATES)


def with_epoch_days(frame: nw.LazyFrame[Any], columns: Mapping[str, str]) -> nw.LazyFrame[Any]:
    """Add, for each ``out: column``, the days since 1970-01-01 of a date column (Int64).

    Polars and Arrow store dates as day numbers, and pandas, Polars and Arrow timestamps as
    counts of their unit, so a cast (and a floor division) is exact and cheap there.
    Elsewhere the civil date is turned into a day number with integer arithmetic
    (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", 2013,
    ``days_from_civil``), which every engine can run; the year, month and day are
    materialised first so that engines without common-subexpression elimination read
    each once.
    """
    types = dtypes(frame)
    direct: dict[str, nw.Expr] = {}
    civil: dict[str, str] = {}
    for out, column in columns.items():
        dtype = types[column]
        col = nw.col(column)
        if frame.implementation in _INT_CASTS_DATES and dtype == nw.Date:
            direct[out] = col.cast(nw.Int32).cast(nw.Int64)
        elif (
            frame.implementation in _CASTS_TIMESTAMPS
            and isinstance(dtype, nw.Datetime)
            and dtype.time_zone is None
            and dtype.time_unit in _PER_DAY
        ):
            direct[out] = col.cast(nw.Int64) // _PER_DAY[dtype.time_unit]
        else:
            civil[out] = column
    if direct:
        frame = frame.with_columns(**direct)
    if not civil:
        return frame
    frame = frame.with_columns(
        *(
            expr
            for out, column in civil.items()
            for expr in (
                nw.col(column).dt.year().cast(nw.Int64).alias(f"{out}_y"),
                nw.col(column).dt.month().cast(nw.Int64).alias(f"{out}_m"),
                nw.col(column).dt.day().cast(nw.Int64).alias(f"{out}_d"),
            )
        )
    )
    frame = frame.with_columns(
        *(
            (nw.col(f"{out}_y") - (nw.col(f"{out}_m") <= 2).cast(nw.Int64)).alias(f"{out}_y")
            for out in civil
        )
    )
    exprs = []
    for out in civil:
        y, month, day = nw.col(f"{out}_y"), nw.col(f"{out}_m"), nw.col(f"{out}_d")
        era = y // 400
        yoe = y - era * 400
        doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        exprs.append((era * 146097 + doe - 719468).alias(out))
    frame = frame.with_columns(*exprs)
    return frame.drop([f"{out}_{part}" for out in civil for part in "ymd"])


def by_currency(currency: str, cases: Mapping[str, nw.Expr], default: nw.Expr) -> nw.Expr:
    """``cases[code]`` on rows in currency ``code``, ``default`` elsewhere."""
    expr = default
    for code in sorted(cases, reverse=True):
        expr = nw.when(nw.col(currency) == code).then(cases[code]).otherwise(expr)
    return expr


def sign_of(value: nw.Expr) -> nw.Expr:
    """-1 for negative values, 1 otherwise."""
    return nw.when(value < 0).then(nw.lit(-1, nw.Int64)).otherwise(nw.lit(1, nw.Int64))


def div_half_up(numerator: nw.Expr, denominator: nw.Expr) -> nw.Expr:
    """``numerator / denominator`` rounded half away from zero (Decimal's ROUND_HALF_UP);
    the denominator must be positive: $\\lfloor (2|n| + d) / 2d \\rfloor$ with n's sign."""
    magnitude = (numerator.abs() * 2 + denominator) // (denominator * 2)
    return magnitude * sign_of(numerator)


def mul_div_half_up(
    frame: nw.LazyFrame[Any],
    *,
    value: str,
    factor: int | str,
    divisor: str,
    out: str,
    factor_bits: int = 0,
) -> nw.LazyFrame[Any]:
    """Add column ``out``: ``value * factor / divisor`` rounded half away from zero, exactly,
    without forming the product (a DSO of 4e14 minor units over a year is 4e14 x 36,500).

    With $|v| = qd + r$, $|v| k / d = qk + rk/d$, and $\\lfloor rk/d \\rfloor$ is built bit
    by bit of $k$, most significant first (double, add $r$ where the bit is set, take $d$
    out whenever the remainder reaches it), so no step exceeds $2d$. ``divisor`` must be
    positive and below 2**62, ``|value|`` below 2**62, the result must fit 62 bits;
    ``factor`` is an integer >= 0 or an Int64 column of them below ``2**factor_bits``.

    Examples:
        >>> import polars as pl
        >>> f = nw.from_native(pl.LazyFrame({"v": [4 * 10**14, -7], "d": [4 * 10**14, 2]}))
        >>> mul_div_half_up(f, value="v", factor=36_500, divisor="d", out="x").collect()[
        ...     "x"].to_list()
        [36500, -127750]
    """
    if isinstance(factor, int):
        if factor < 0:
            raise FramesError(f"factor {factor} must be 0 or more", field="factor")
        bits = factor.bit_length()
        k: nw.Expr = nw.lit(factor, nw.Int64)
    else:
        bits = factor_bits
        k = nw.col(factor)
    d = nw.col(divisor)
    magnitude = nw.col(value).abs()
    # scratch names distinct whatever their case: DuckDB's column names are case-insensitive
    frame = frame.with_columns(
        (magnitude // d).alias("_md_quot"),
        (magnitude % d).alias("_md_rem"),
        sign_of(nw.col(value)).alias("_md_sign"),
        nw.lit(0, nw.Int64).alias("_md_acc"),
        nw.lit(0, nw.Int64).alias("_md_rest"),
    )
    for i in range(bits - 1, -1, -1):
        # one column step a bit (Dask's graph grows with every step): double, then add
        doubled = nw.col("_md_rest") * 2
        first = (doubled >= d).cast(nw.Int64)
        if isinstance(factor, int):
            added = doubled - first * d + (nw.col("_md_rem") if (factor >> i) & 1 else 0)
        else:
            added = doubled - first * d + nw.col("_md_rem") * ((k // 2**i) % 2)
        second = (added >= d).cast(nw.Int64)
        frame = frame.with_columns(
            (nw.col("_md_acc") * 2 + first + second).alias("_md_acc"),
            (added - second * d).alias("_md_rest"),
        )
    up = (nw.col("_md_rest") * 2 >= d).cast(nw.Int64)
    result = (nw.col("_md_quot") * k + nw.col("_md_acc") + up) * nw.col("_md_sign")
    return frame.with_columns(result.alias(out)).drop(
        "_md_quot", "_md_rem", "_md_sign", "_md_acc", "_md_rest"
    )


def _limbs(value: int) -> list[int]:
    digits: list[int] = []
    while value:
        value, low = divmod(value, _BASE)
        digits.append(low)
    return digits or [0]


def scaled(amount: nw.Expr, numerator: int, shift: int) -> nw.Expr:
    """``amount * numerator / 10**shift`` rounded half up, for a power-of-ten numerator.

    Used to move between decimal places (a stated float precision to a currency's minor
    unit): $\\operatorname{round}(x / 10^s) = \\lfloor x / 10^s \\rfloor +
    [2 (x \\bmod 10^s) \\ge 10^s]$ on $|x|$, with x's sign.
    """
    while shift > 0 and numerator % 10 == 0:
        numerator //= 10
        shift -= 1
    if shift <= 0:
        multiplied: nw.Expr = amount * (numerator * 10 ** (-shift))
        return multiplied
    if numerator != 1:
        raise FramesError(f"scale factor {numerator} must be a power of ten", field="rates")
    magnitude = amount.abs()
    unit = 10**shift
    rounded = magnitude // unit + ((magnitude % unit) * 2 >= unit).cast(nw.Int64)
    signed: nw.Expr = rounded * sign_of(amount)
    return signed


def revalue(
    frame: nw.LazyFrame[Any],
    *,
    amount: str,
    out: str,
    currency: str,
    factors: Mapping[str, tuple[int, int]],
) -> nw.LazyFrame[Any]:
    """Add column ``out``: ``amount * numerator / 10**shift`` rounded half up, exactly.

    ``factors`` maps each currency to ``(numerator, shift)``; a currency not in it keeps
    its amount. ``numerator`` is an integer of any size (a 28-digit rate is fine): every
    currency's factor is brought to one common shift, the product is formed in
    base-10^6 limbs held in Int64 columns (so no partial product leaves 64 bits), carried,
    and divided by ``10**(shift - 1)`` limb-wise; the last digit decides the rounding:
    $\\operatorname{round}(x / 10^s) = \\lfloor(\\lfloor x / 10^{s-1}\\rfloor + 5)
    / 10\\rfloor$ for $x \\ge 0$, with the amount's sign. The work is a fixed number of
    column steps whatever the number of currencies, so the plan stays small for SQL
    engines. The result must fit 62 bits.
    """
    if not factors:
        return frame.with_columns(nw.col(amount).alias(out))
    limbs, common = factor_limbs(factors)
    identity = _limbs(10**common)
    width = max(len(identity), *(len(digits) for digits in limbs.values()))
    identity += [0] * (width - len(identity))
    limbs = {code: digits + [0] * (width - len(digits)) for code, digits in limbs.items()}
    frame = frame.with_columns(
        *(
            by_currency(
                currency,
                {code: nw.lit(digits[j], nw.Int64) for code, digits in limbs.items()},
                nw.lit(identity[j], nw.Int64),
            ).alias(f"_p{j}")
            for j in range(width)
        )
    )
    names = [f"_p{j}" for j in range(width)]
    frame = multiply_limbs(frame, amount=amount, out=out, limbs=names, shift=common)
    return frame.drop(names)


def int64(frame: nw.LazyFrame[Any], columns: Sequence[str]) -> nw.LazyFrame[Any]:
    """``columns`` cast to Int64 after a group-by: DuckDB sums Int64 into Int128, and every
    engine should hand back Int64 minor units (the cast comes after the aggregation, so
    pandas keeps its fast group-by path)."""
    return frame.with_columns(*(nw.col(c).cast(nw.Int64) for c in columns))


def _sum(terms: Sequence[nw.Expr]) -> nw.Expr:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def rate_parts(rate: Decimal) -> tuple[int, int]:
    """(integer numerator, decimal places) of a positive exact rate."""
    sign, digit_tuple, exponent = rate.as_tuple()
    if sign or not isinstance(exponent, int) or rate <= 0:
        raise FramesError(f"rate {rate} must be a positive finite number", field="rates")
    numerator = int("".join(map(str, digit_tuple)))
    if exponent >= 0:
        return numerator * 10**exponent, 0
    return numerator, -exponent


def minor_expr(
    columns: Mapping[str, DType],
    column: str,
    *,
    currency: str,
    currencies: Sequence[str] | None,
    float_precision: int | None,
) -> nw.Expr:
    """The money column as Int64 minor units of each row's currency.

    Integers are taken as minor units already. Decimals are scaled by ``10**exponent`` of
    the row's currency (exact for amounts quantised to it, as :class:`Money` is). Floats are
    refused unless ``float_precision`` states how many decimals they carry: they are then
    rounded to that many decimals and rescaled half up to the currency's minor unit.
    """
    dtype = columns[column]
    col = nw.col(column)
    if dtype == nw.Int64:
        return col
    if dtype.is_integer():
        return col.cast(nw.Int64)
    if dtype.is_float():
        if float_precision is None:
            raise FloatMoneyColumn(
                f"column {column!r} holds floats ({dtype}), which cannot carry money"
                " exactly: store integer minor units (amount * 10**exponent) or decimals,"
                " or pass float_precision=<decimals in the data> to convert it explicitly",
                field=column,
            )
        if isinstance(float_precision, bool) or not 0 <= float_precision <= 9:
            raise FramesError(
                f"float_precision must be 0 to 9 decimals, not {float_precision!r}",
                field="float_precision",
            )
        stated = (col * 10**float_precision).round(0).cast(nw.Int64)
        assert currencies is not None
        cases = {
            code: scaled(
                stated,
                10 ** max(0, minor_units(code) - float_precision),
                max(0, float_precision - minor_units(code)),
            )
            for code in currencies
        }
        return by_currency(currency, cases, nw.lit(None, nw.Int64))
    if isinstance(dtype, nw.Decimal):
        assert currencies is not None
        cases = {code: (col * 10 ** minor_units(code)).cast(nw.Int64) for code in currencies}
        return by_currency(currency, cases, nw.lit(None, nw.Int64))
    raise FramesError(
        f"column {column!r} holds {dtype}: money columns must be integer minor units or decimals",
        field=column,
    )


def needs_currencies(columns: Mapping[str, DType], money: Iterable[str]) -> bool:
    """True when converting these money columns needs each row's currency exponent."""
    return any(not columns[c].is_integer() for c in money if c in columns)


def factor_limbs(
    factors: Mapping[Any, tuple[int, int]],
) -> tuple[dict[Any, list[int]], int]:
    """Each ``(numerator, shift)`` factor as base-10^6 limbs (least significant first) of a
    numerator over one common ``10**shift``, every list of the same length: the per-row form
    of the factors :func:`multiply_limbs` reads from columns (a join puts them on the rows).

    Examples:
        >>> factor_limbs({"EUR": (108, 2), "JPY": (7, 3)})
        ({'EUR': [1080], 'JPY': [7]}, 3)
        >>> factor_limbs({"USD": (1125112511251125112511251125, 27)})
        ({'USD': [251125, 112511, 251125, 112511, 1125]}, 27)
    """
    common = max(1, *(shift for _, shift in factors.values())) if factors else 1
    numerators = {key: n * 10 ** (common - shift) for key, (n, shift) in factors.items()}
    if any(n <= 0 for n in numerators.values()):
        raise FramesError("rates must be positive", field="rates")
    width = max((len(_limbs(n)) for n in numerators.values()), default=1)
    limbs = {key: _limbs(n) + [0] * (width - len(_limbs(n))) for key, n in numerators.items()}
    return limbs, common


def multiply_limbs(
    frame: nw.LazyFrame[Any],
    *,
    amount: str,
    out: str,
    limbs: Sequence[str],
    shift: int,
) -> nw.LazyFrame[Any]:
    """Add column ``out``: ``amount * N / 10**shift`` rounded half up, exactly, where each
    row's numerator N is held in the Int64 columns ``limbs`` (base 10^6, least significant
    first, as :func:`factor_limbs` writes them); a row with a null first limb gets null.

    The arithmetic of :func:`revalue` with the factor read from the row instead of picked
    by currency, so one plan serves any number of rates (one per currency and date, say):
    the amount is cut into four limbs, the partial products summed per weight, carried, and
    cut at ``10**(shift - 1)``; the last digit rounds, with the amount's sign. ``shift``
    must be 1 or more; the result must fit 62 bits.
    """
    if shift < 1:
        raise FramesError(f"shift must be 1 or more, not {shift}", field="rates")
    width = len(limbs)
    col = nw.col(amount)
    frame = frame.with_columns(col.abs().alias("_m"), sign_of(col).alias("_sg"))
    a_width = 4
    frame = frame.with_columns(
        *(((nw.col("_m") // _BASE**i) % _BASE).alias(f"_a{i}") for i in range(a_width - 1)),
        (nw.col("_m") // _BASE ** (a_width - 1)).alias(f"_a{a_width - 1}"),
    )
    n_products = a_width + width - 1
    frame = frame.with_columns(
        *(
            _sum(
                [
                    nw.col(f"_a{i}") * nw.col(limbs[k - i])
                    for i in range(a_width)
                    if 0 <= k - i < width
                ]
            ).alias(f"_c{k}")
            for k in range(n_products)
        )
    )
    frame = frame.with_columns(nw.lit(0, nw.Int64).alias("_carry"))
    for k in range(n_products):
        value = nw.col(f"_c{k}") + nw.col("_carry")
        frame = frame.with_columns(
            (value % _BASE).alias(f"_d{k}"), (value // _BASE).alias("_carry")
        )
    frame = frame.with_columns(nw.col("_carry").alias(f"_d{n_products}"))
    q, t = divmod(shift - 1, 6)
    parts: list[nw.Expr] = []
    if q <= n_products:
        parts.append(nw.col(f"_d{q}") // 10**t)
    for k in range(q + 1, n_products + 1):
        weight = _BASE ** (k - q - 1) * 10 ** (6 - t)
        if weight > _INT64_SAFE:
            break
        parts.append(nw.col(f"_d{k}") * weight)
    truncated = _sum(parts) if parts else nw.lit(0, nw.Int64)
    scratch = [
        *(f"_a{i}" for i in range(a_width)),
        *(f"_c{k}" for k in range(n_products)),
        *(f"_d{k}" for k in range(n_products + 1)),
        "_m",
        "_sg",
        "_carry",
    ]
    frame = frame.with_columns((((truncated + 5) // 10) * nw.col("_sg")).alias(out))
    return frame.drop(scratch)


def table_like(
    like: nw.LazyFrame[Any],
    data: Mapping[str, Sequence[str | int]],
    *,
    strings: Sequence[str] = (),
) -> nw.LazyFrame[Any]:
    """A small table of ``data`` in the engine of ``like`` (its Spark session, its DuckDB
    connection), to be joined with it: columns named in ``strings`` are strings, the others
    Int64. This is how literal values (a rate per currency and date) reach every row without
    one branch of a condition per value.

    Raises:
        FramesError: an engine this cannot build a table in (only pandas-like, Polars,
            PyArrow, DuckDB, Dask and PySpark).

    Examples:
        >>> import polars as pl
        >>> table_like(nw.from_native(pl.LazyFrame({"x": [1]})), {"c": ["EUR"], "n": [7]},
        ...     strings=["c"]).collect().rows()
        [('EUR', 7)]
    """
    names = list(data)
    schema = {n: nw.String() if n in strings else nw.Int64() for n in names}
    rows = list(zip(*(data[n] for n in names), strict=True))
    impl = like.implementation
    eager = (
        nw.Implementation.POLARS,
        nw.Implementation.PANDAS,
        nw.Implementation.PYARROW,
        nw.Implementation.MODIN,
        nw.Implementation.CUDF,
    )
    if impl in eager:
        return nw.from_dict(dict(data), schema=schema, backend=impl).lazy()
    if impl is nw.Implementation.DASK:
        import importlib

        dd: Any = importlib.import_module("dask.dataframe")
        pandas = nw.from_dict(dict(data), schema=schema, backend="pandas").to_native()
        dask_frame: nw.LazyFrame[Any] = nw.from_native(dd.from_pandas(pandas, npartitions=1))
        return dask_frame
    native: Any = like.to_native()
    if impl is nw.Implementation.DUCKDB:
        kinds = {n: "VARCHAR" if n in strings else "BIGINT" for n in names}
        scanned = _duckdb_scan(native, data, kinds)
        if scanned is not None:
            return scanned
        values = ", ".join(
            "(" + ", ".join(_sql_literal(v) for v in row) + ")"
            for row in rows or [_blank(names, strings)]
        )
        select = ", ".join(f'CAST("{n}" AS {kinds[n]}) AS "{n}"' for n in names)
        columns = ", ".join(f'"{n}"' for n in names)
        sql = f"SELECT {select} FROM (VALUES {values}) AS t({columns})"
        if not rows:
            sql += " WHERE FALSE"
        relation: nw.LazyFrame[Any] = nw.from_native(native.query("_receivables_like", sql))
        return relation
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        ddl = ", ".join(f"`{n}` {'string' if n in strings else 'bigint'}" for n in names)
        spark_frame: nw.LazyFrame[Any] = nw.from_native(
            native.sparkSession.createDataFrame(rows, schema=ddl)
        )
        return spark_frame
    raise FramesError(
        f"a {impl} frame cannot take a table of rates here: use pandas, Polars, PyArrow,"
        " DuckDB, Dask or PySpark",
        field="rates",
    )


def _duckdb_scan(
    native: Any, data: Mapping[str, Sequence[str | int]], kinds: Mapping[str, str]
) -> nw.LazyFrame[Any] | None:
    """The table as a scan of an Arrow table on the relation's own connection (DuckDB reads
    a Python variable named in a query: its replacement scan), so a table of a million
    rows costs a copy, not a million-row SQL text; None without pyarrow."""
    try:
        pyarrow: Any = importlib.import_module("pyarrow")
    except ImportError:  # pragma: no cover - pyarrow is in the dev extra
        return None
    _receivables_table = pyarrow.table(
        {
            name: pyarrow.array(
                values, type=pyarrow.string() if kinds[name] == "VARCHAR" else pyarrow.int64()
            )
            for name, values in data.items()
        }
    )
    select = ", ".join(f'CAST("{n}" AS {kinds[n]}) AS "{n}"' for n in data)
    relation = native.query("_receivables_like", f"SELECT {select} FROM _receivables_table")
    scanned: nw.LazyFrame[Any] = nw.from_native(relation.set_alias("_receivables_table"))
    return scanned


def _sql_literal(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _blank(names: Sequence[str], strings: Sequence[str]) -> tuple[str | int, ...]:
    return tuple("" if n in strings else 0 for n in names)
