"""Payment-behaviour profiles over dataframes: :func:`receivables.forecast.payment_profiles`
from a documents frame and an applications frame, the history aggregated in the frame's
own engine.

The rules are those of :func:`~receivables.forecast.payment_profiles`, to the last digit.
The observations are the applications of cash (the source is a payment) to invoices and
debit memos issued by ``as_of``, dated on or before it: each one converted into the report
currency at the rate of its own date and rounded half up on its own, weighted by that
amount and keyed by the days from its target's due date to the application; and, for the
documents due in the look-back window and matured, their amounts (converted at the due
date's rate) and the cash paid on them.

What runs where: filtering, joining, converting (exact Int64 arithmetic with a rate per
currency and day, joined as a small table in the frame's engine) and the sums per
customer and days late run in the engine; only those sums (one row per customer and days
late, one per customer) come to Python, where the profiles are blended by the same code
as the object model's. The reductions frame is not enough for this: it tells neither
whether a reduction is cash nor which payment it came from, and it counts discounts and
write-offs as settled; :func:`applications_to_frame` writes the ledger's applications
themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

import narwhals as nw

from receivables.errors import CurrencyMismatch
from receivables.forecast import (
    PaymentProfile,
    ProfilePolicy,
    _build_profiles,
    _History,
    _window,
)
from receivables.frames import _engine as en
from receivables.frames.convert import Backend, _build
from receivables.frames.schema import FloatMoneyColumn, FrameSchema
from receivables.ledger import Ledger
from receivables.money import FxRates, minor_units

__all__ = ["APPLICATION_COLUMNS", "applications_to_frame", "payment_profiles_frame"]

APPLICATION_COLUMNS: Final = (
    "id",
    "source_id",
    "target_id",
    "applied_on",
    "amount",
    "discount",
    "write_off",
)
"""The columns :func:`applications_to_frame` writes."""

_DEBITS: Final = ("invoice", "debit_memo")
_EPOCH: Final = date(1970, 1, 1)
_ZERO: Final = nw.lit(0, nw.Int64)
_ONE: Final = nw.lit(1, nw.Int64)
_IN: Final = 1
_MATURED: Final = 2
_OWED: Final = 4
_PAID: Final = 8


def applications_to_frame(ledger: Ledger, backend: Backend = "polars") -> Any:
    """Every application of the ledger: ``id, source_id, target_id, applied_on, amount,
    discount, write_off``.

    One row per :class:`~receivables.models.Application`: the payment or credit memo it
    applies (``source_id``), the invoice or debit memo it settles (``target_id``), its date,
    and the cash or credit applied (``amount``), the discount taken and the amount written
    off, each in Int64 minor units of the target's currency (0 when none). Sorted by date
    and id, as :attr:`Ledger.applications`. :func:`payment_profiles_frame` reads it beside
    the documents frame; :func:`ledger_from_frame` reads it back (without the discounts and
    write-offs).

    Examples:
        >>> from receivables.models import Application, Invoice, Payment
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             total="10.00 USD"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
        ...             amount="9.80 USD")]).apply([
        ...     Application(id="A1", source_id="P1", target_id="I1",
        ...                 applied_on=date(2026, 1, 9), amount="9.80 USD",
        ...                 discount="0.20 USD")])
        >>> applications_to_frame(ledger).rows()
        [('A1', 'P1', 'I1', datetime.date(2026, 1, 9), 980, 20, 0)]
    """
    data: dict[str, list[Any]] = {name: [] for name in APPLICATION_COLUMNS}
    for app in ledger.applications:
        data["id"].append(app.id)
        data["source_id"].append(app.source_id)
        data["target_id"].append(app.target_id)
        data["applied_on"].append(app.applied_on)
        data["amount"].append(app.amount.minor)
        data["discount"].append(app.discount.minor if app.discount is not None else 0)
        data["write_off"].append(app.write_off.minor if app.write_off is not None else 0)
    native = _build(data, ("applied_on",), backend)
    if ledger.applications:
        return native
    # an empty column has no type to infer: give the ids and the money theirs
    typed = nw.from_native(native, eager_only=True).with_columns(
        *(nw.col(c).cast(nw.String) for c in ("id", "source_id", "target_id")),
        *(nw.col(c).cast(nw.Int64) for c in ("amount", "discount", "write_off")),
    )
    return nw.to_native(typed)


def payment_profiles_frame(
    documents: object,
    applications: object,
    *,
    as_of: date,
    policy: ProfilePolicy | None = None,
    currency: str | None = None,
    rates: FxRates | Mapping[str, Decimal] | None = None,
    schema: FrameSchema | None = None,
    float_precision: int | None = None,
) -> tuple[PaymentProfile, ...]:
    """Payment-behaviour profiles as of ``as_of`` from frames: what
    :func:`~receivables.forecast.payment_profiles` returns for the same ledger (the
    portfolio's profile first, then each customer's, sorted).

    ``documents`` is the documents frame :func:`ledger_to_frame` writes without ``as_of``
    (``document_id, customer_id, kind, currency, issue_date, due_date, amount``; a missing
    due date is the issue date, as for an invoice without terms) and ``applications`` the
    frame :func:`applications_to_frame` writes (``source_id, target_id, applied_on,
    amount`` in minor units or decimals of the target's currency), in the same engine. An
    application counts as cash when its source is a ``payment`` row of ``documents``; its
    target must be an invoice or debit memo issued by ``as_of``.

    ``currency`` is the report currency; without it the documents must all be in one
    currency (the object model looks at the open items only; here name it when the frame
    holds several). ``rates`` converts the others: an :class:`FxRates` table (each
    application at its date's rate, each matured document at its due date's) or a mapping
    of each currency to one rate for every date. The profiles take ``policy``'s look-back
    window, maturity and credibility constant.

    Raises:
        FramesError: a missing column, a money column of another type, frames of two
            engines, an empty documents frame without ``currency``.
        FloatMoneyColumn: a float money column without ``float_precision``.
        CurrencyMismatch: several currencies without ``currency``, or amounts to convert
            without ``rates``.
        MissingRate: an amount to convert with no rate on its date.

    Examples:
        >>> import polars as pl
        >>> from receivables.forecast import payment_profiles
        >>> from receivables.frames import ledger_from_frame
        >>> docs = pl.DataFrame({"document_id": ["I1", "I2", "P1"],
        ...     "customer_id": ["C1", "C2", "C1"], "kind": ["invoice", "invoice", "payment"],
        ...     "currency": ["USD"] * 3,
        ...     "issue_date": [date(2026, 1, 1), date(2026, 1, 10), date(2026, 2, 10)],
        ...     "due_date": [date(2026, 1, 31), date(2026, 2, 9), date(2026, 2, 10)],
        ...     "amount": [10000, 5000, 10000]})
        >>> apps = pl.DataFrame({"source_id": ["P1"], "target_id": ["I1"],
        ...     "applied_on": [date(2026, 2, 10)], "amount": [10000]})
        >>> portfolio, c1, c2 = payment_profiles_frame(docs, apps, as_of=date(2026, 3, 1))
        >>> portfolio.p50_days, (c1.source, c1.documents), (c2.source, c2.documents)
        (10, ('blended', 1), ('portfolio', 0))
        >>> ledger = ledger_from_frame(docs, applications=apps.with_columns(id=pl.lit("A1")))
        >>> (portfolio, c1, c2) == payment_profiles(ledger, as_of=date(2026, 3, 1))
        True
    """
    policy = policy or ProfilePolicy()
    schema = schema or FrameSchema()
    docs = en.planned(en.from_native(documents, "documents"))
    apps = en.same_engine(docs, applications, "applications")
    doc_cols = en.dtypes(docs)
    en.require(
        doc_cols,
        [
            schema.document_id,
            schema.customer_id,
            schema.kind,
            schema.currency,
            schema.issue_date,
            schema.due_date,
            schema.amount,
        ],
        "payment_profiles_frame documents",
    )
    app_cols = en.dtypes(apps)
    en.require(
        app_cols,
        ["source_id", "target_id", "applied_on", "amount"],
        "payment_profiles_frame applications",
    )
    if app_cols["amount"].is_float() and float_precision is None:
        raise FloatMoneyColumn(
            f"applications: column 'amount' holds floats ({app_cols['amount']}), which"
            " cannot carry money exactly: store integer minor units or decimals, or pass"
            " float_precision=<decimals in the data> to convert it explicitly",
            field="amount",
        )
    docs, currencies = en.currencies(docs, schema.currency)
    report = en.report_currency(
        currencies,
        currency,
        rows="the documents",
        empty="the documents frame has no currency to take",
    )
    since, matured_by = _window(as_of, policy)

    def minor(frame: nw.LazyFrame[Any], column: str) -> nw.Expr:
        return en.minor_expr(
            en.dtypes(frame),
            column,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        )

    day = nw.col("_day")
    due = nw.col("_due_day")
    matured = (due >= en.epoch_day(since)) & (due <= en.epoch_day(matured_by))
    debits = _with_days(docs.filter(nw.col(schema.kind).is_in(_DEBITS)), doc_cols, schema)
    debits = debits.filter(nw.col("_issue_day") <= en.epoch_day(as_of)).select(
        nw.col(schema.document_id).cast(nw.String).alias("_doc"),
        nw.col(schema.customer_id).cast(nw.String).alias("_cust"),
        nw.col(schema.currency).cast(nw.String).alias(schema.currency),
        "_issue_day",
        "_due_day",
        minor(docs, schema.amount).alias("_amt"),
        matured.alias("_matured"),
    )
    payers = docs.filter(nw.col(schema.kind) == "payment").select(
        nw.col(schema.document_id).cast(nw.String).alias("_src")
    )
    cash = en.with_epoch_days(
        apps.select(
            nw.col("source_id").cast(nw.String).alias("_src"),
            nw.col("target_id").cast(nw.String).alias("_doc"),
            "applied_on",
            nw.col("amount").alias("_paid"),
        ),
        {"_day": "applied_on"},
    )
    cash = (
        cash.filter(day <= en.epoch_day(as_of))
        .join(payers, on="_src", how="inner")
        .join(debits, on="_doc", how="inner")
    )
    # what enters the profiles: cash in the window, and any cash on a matured document
    inside = day >= en.epoch_day(since)
    cash = cash.filter(inside | nw.col("_matured")).select(
        "_cust",
        "_doc",
        "_issue_day",
        schema.currency,
        day.alias("_fxday"),
        minor(cash, "_paid").alias("_v"),
        (day - due).alias("_late"),
        inside.alias("_in"),
        "_matured",
    )
    owed = debits.filter(nw.col("_matured")).select(
        "_cust", schema.currency, due.alias("_fxday"), nw.col("_amt").alias("_v")
    )
    table = _rate_table(cash, owed, report=report, rates=rates, currency_column=schema.currency)
    # every amount converted in one plan: cash by days late, in the window (_IN) or on a
    # matured document (_MATURED), and the matured documents themselves (_OWED)
    slot = nw.col("_in").cast(nw.Int64) * _IN + nw.col("_matured").cast(nw.Int64) * _MATURED
    amounts = nw.concat(
        [
            cash.select(
                "_cust", schema.currency, "_fxday", "_v", "_late", slot.alias("_slot")
            ).with_columns(_count=_ZERO),
            owed.select("_cust", schema.currency, "_fxday", "_v").with_columns(
                _late=_ZERO, _slot=nw.lit(_OWED, nw.Int64), _count=_ONE
            ),
        ],
        how="vertical",
    )
    lines = ["_cust", "_late", "_slot", "_cv", "_count"]
    windowed = cash.filter(nw.col("_in"))
    # beside the amounts, a zero line for every customer with a debit and one line per
    # document paid in the window (_PAID). The stack also keeps DuckDB from folding the
    # conversion's column steps into the sums, which makes its planning explode
    stacked = nw.concat(
        [
            _converted(amounts, table, schema.currency).select(*lines),
            debits.select("_cust").with_columns(_late=_ZERO, _slot=_ZERO, _cv=_ZERO, _count=_ZERO),
            windowed.select("_cust", "_doc")
            .unique()
            .select("_cust")
            .with_columns(_late=_ZERO, _slot=nw.lit(_PAID, nw.Int64), _cv=_ZERO, _count=_ONE),
        ],
        how="vertical",
    )
    sums = stacked.group_by("_cust", "_late", "_slot").agg(
        nw.col("_cv").sum(), nw.col("_count").sum()
    )
    # the order the days were first met does not depend on the conversion
    met = _first_met(windowed).select("_cust", "_issue_day", "_doc", "_late")
    histories = _gather(
        en.collect(sums.select(*lines)).rows(),
        en.collect(met).rows(),
        exponent=-minor_units(report),
    )
    port, profiles = _build_profiles(histories, as_of=as_of, policy=policy)
    return (port, *(profiles[c] for c in sorted(profiles)))


def _gather(
    sums: Sequence[tuple[Any, ...]], met: Sequence[tuple[Any, ...]], *, exponent: int
) -> dict[str, _History]:
    """Each customer's history from the engine's small aggregates: the sums per (customer,
    days late, slot), and the first document that met each days late."""
    cash: dict[tuple[str, int], int] = defaultdict(int)
    # per customer: matured amount, cash on matured documents, matured and paid documents
    totals: dict[str, list[int]] = {}
    for customer, late, slot, amount, count in sums:
        key, kind = str(customer), int(slot)
        line = totals.setdefault(key, [0, 0, 0, 0])
        if kind == _OWED:
            line[0] += int(amount)
            line[2] += int(count)
        elif kind == _PAID:
            line[3] += int(count)
        else:
            if kind & _IN:
                cash[(key, int(late))] += int(amount)
            if kind & _MATURED:
                line[1] += int(amount)
    days: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for customer, _, _, late in sorted(
        (str(c), int(issued), str(doc), int(late)) for c, issued, doc, late in met
    ):
        days[customer][late] = Decimal(cash[(customer, late)]).scaleb(exponent)
    return {
        customer: _History(
            days=days.get(customer, {}),
            documents=paid,
            matured_amount=Decimal(owed).scaleb(exponent),
            matured_cash=Decimal(settled).scaleb(exponent),
            matured_count=count,
        )
        for customer, (owed, settled, count, paid) in totals.items()
    }


def _with_days(
    f: nw.LazyFrame[Any], columns: Mapping[str, Any], schema: FrameSchema
) -> nw.LazyFrame[Any]:
    """Add ``_issue_day`` and ``_due_day`` (the issue date's when the due date is missing)."""
    issue, due = schema.issue_date, schema.due_date
    if columns[issue] == columns[due]:
        f = f.with_columns(_due=nw.coalesce(nw.col(due), nw.col(issue)))
        return en.with_epoch_days(f, {"_issue_day": issue, "_due_day": "_due"})
    f = en.with_epoch_days(f, {"_issue_day": issue, "_due_day": due})
    return f.with_columns(_due_day=nw.coalesce(nw.col("_due_day"), nw.col("_issue_day")))


def _rate_table(
    cash: nw.LazyFrame[Any],
    owed: nw.LazyFrame[Any],
    *,
    report: str,
    rates: FxRates | Mapping[str, Decimal] | None,
    currency_column: str,
) -> tuple[nw.LazyFrame[Any], list[str], int] | None:
    """The rate of every (currency, day) that an amount to convert needs, as a table in the
    engine (currency, ``_fxday``, limbs), with its limb columns and shift; None when every
    amount is in the report currency."""
    keys = [currency_column, "_fxday"]
    needed = en.collect(
        nw.concat([cash.select(*keys), owed.select(*keys)], how="vertical")
        .filter(nw.col(currency_column) != report)
        .unique()
    ).rows()
    if not needed:
        return None
    target = minor_units(report)
    factors: dict[tuple[str, int], tuple[int, int]] = {}
    # earliest first, so that a missing rate is reported for its first date
    for on, code in sorted((_EPOCH + timedelta(days=int(n)), str(c)) for c, n in needed):
        numerator, places = en.rate_parts(_rate(rates, code, report, on))
        factors[(code, en.epoch_day(on))] = (numerator, places + minor_units(code) - target)
    limbs, shift = en.factor_limbs(factors)
    ordered = sorted(limbs)
    names = [f"_l{k}" for k in range(len(limbs[ordered[0]]))]
    table = en.table_like(
        cash,
        {
            currency_column: [code for code, _ in ordered],
            "_fxday": [n for _, n in ordered],
            **{name: [limbs[key][k] for key in ordered] for k, name in enumerate(names)},
        },
        strings=[currency_column],
    )
    return table, names, shift


def _rate(
    rates: FxRates | Mapping[str, Decimal] | None, code: str, report: str, on: date
) -> Decimal:
    if rates is None:
        raise CurrencyMismatch(
            f"rates: amounts in {code} on {on.isoformat()} need converting into {report};"
            " pass rates (FxRates)",
            field="rates",
        )
    if isinstance(rates, FxRates):
        return rates.quote(code, report, on=on).rate
    return en.mapped_rate(rates, code, report, on)


def _converted(
    f: nw.LazyFrame[Any],
    table: tuple[nw.LazyFrame[Any], list[str], int] | None,
    currency_column: str,
) -> nw.LazyFrame[Any]:
    """Add ``_cv``: ``_v`` in the report currency, rounded half up on its own row, at the
    rate of its currency on ``_fxday`` (rows in the report currency find no rate and keep
    their amount)."""
    if table is None:
        return f.with_columns(_cv=nw.col("_v"))
    rates, names, shift = table
    # one string type on both sides (Arrow tells string from large_string)
    f = f.with_columns(nw.col(currency_column).cast(nw.String)).join(
        rates.with_columns(nw.col(currency_column).cast(nw.String)),
        on=[currency_column, "_fxday"],
        how="left",
    )
    # limbs filled with 0 stay Int64 where pandas would make NaN floats of them
    f = f.with_columns(_keep=nw.col(names[0]).is_null()).with_columns(
        *(nw.col(n).fill_null(0).cast(nw.Int64) for n in names)
    )
    f = en.multiply_limbs(f, amount="_v", out="_cv", limbs=names, shift=shift)
    return f.with_columns(
        _cv=nw.when(nw.col("_keep")).then(nw.col("_v")).otherwise(nw.col("_cv"))
    ).drop(*names, "_keep")


def _first_met(cash: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Per customer and days late, the issue day and id of the first document paid that
    many days late (``_issue_day``, ``_doc``): the least issue day, and the least id on it.

    The object model reads the history document by document (by issue date, then id) and
    each document's cash by date, and blends the days in the order it first met them; the
    blended weights are rounded, so their sum, and the last digit of every probability,
    follow that order.
    """
    keys = ["_cust", "_late"]
    firsts = cash.group_by(*keys).agg(nw.col("_issue_day").min())
    return (
        cash.select(*keys, "_issue_day", "_doc")
        .join(firsts, on=[*keys, "_issue_day"], how="inner")
        .group_by(*keys, "_issue_day")
        .agg(nw.col("_doc").min())
    )
