"""Ledger to frames and back: the bridge between the object model and the engines.

:func:`ledger_to_frame` writes the open-items frame on a date (what :func:`age_frame`
reads) or the documents frame; :func:`reductions_to_frame` writes the reductions frame (what
:func:`dso_frame` reads beside the documents). Money is written as Int64 minor units of
each row's currency, dates as dates. :func:`ledger_from_frame` reads a documents frame
(and optionally an applications frame) back into a :class:`~receivables.ledger.Ledger`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from receivables.aging import promised_by_document
from receivables.frames import _engine as en
from receivables.frames.schema import FrameSchema, FramesError
from receivables.ledger import Ledger, document_date, is_debit, movement_date, reductions
from receivables.models import (
    Application,
    CreditMemo,
    DebitMemo,
    Document,
    Invoice,
    Payment,
)
from receivables.money import FIXED_CONTEXT, Money, minor_units

__all__ = ["Backend", "ledger_from_frame", "ledger_to_frame", "reductions_to_frame"]

Backend = Literal["pandas", "polars", "pyarrow"]
"""The eager dataframe libraries the converters can write."""

_DATE_COLUMNS = ("issue_date", "due_date", "reduced_on", "applied_on")


def _minor(amount: Decimal, code: str) -> int:
    return int(amount.scaleb(minor_units(code)))


def _due(doc: Document) -> date:
    return doc.due if isinstance(doc, (Invoice, DebitMemo)) else document_date(doc)


def _group(ledger: Ledger, customer_id: str) -> str:
    customer = ledger.customers.get(customer_id)
    if customer is not None and customer.parent_id is not None:
        return customer.parent_id
    return customer_id


# Money and counts: Int64 even when a frame has no rows (an empty list says no type)
_INT_COLUMNS = frozenset(
    ("amount", "open_amount", "disputed", "promised", "reduction", "discount", "write_off")
)


def _is_int_column(name: str, values: list[Any]) -> bool:
    return _is_int(values) or (not values and name in _INT_COLUMNS)


def _build(data: Mapping[str, list[Any]], dates: Sequence[str], backend: str) -> Any:
    """An eager native frame of ``data`` (strings, dates, Int64 money), typed even when
    it has no rows."""
    if backend == "polars":
        import polars as pl

        overrides = dict.fromkeys(dates, pl.Date) | {
            c: pl.Int64 if _is_int_column(c, v) else pl.String
            for c, v in data.items()
            if c not in dates and (_is_int_column(c, v) or not v)
        }
        return pl.DataFrame(dict(data), schema_overrides=overrides)
    if backend == "pyarrow":
        pa: Any = importlib.import_module("pyarrow")

        arrays = {
            c: pa.array(v, type=pa.date32())
            if c in dates
            else pa.array(v, type=pa.int64())
            if _is_int_column(c, v)
            else pa.array(v, type=None if v else pa.string())
            for c, v in data.items()
        }
        return pa.table(arrays)
    if backend == "pandas":
        pd: Any = importlib.import_module("pandas")

        columns: dict[str, Any] = {}
        for c, v in data.items():
            if c in dates:
                columns[c] = pd.to_datetime(pd.Series(v, dtype=object)).astype("datetime64[ms]")
            elif _is_int_column(c, v):
                columns[c] = pd.Series(v, dtype="int64")
            else:
                columns[c] = pd.Series(v, dtype=object if not v else None)
        return pd.DataFrame(columns)
    raise FramesError(
        f"unknown backend {backend!r}: use 'pandas', 'polars' or 'pyarrow' (convert to any"
        " other engine from one of these)",
        field="backend",
    )


def _is_int(values: list[Any]) -> bool:
    return bool(values) and all(type(v) is int for v in values)


def ledger_to_frame(
    ledger: Ledger,
    backend: Backend = "polars",
    *,
    as_of: date | None = None,
) -> Any:
    """The ledger as a frame: open items on ``as_of``, or every document without it.

    Open items (``as_of`` given): ``document_id, customer_id, group_id, kind, currency,
    issue_date, due_date, amount`` (original, signed like the open amount),
    ``open_amount`` (signed: credits negative), ``disputed`` (the part of a debit under
    open dispute on ``as_of``, capped at what is open) and ``promised`` (the part of a
    debit's collectable amount covered by a live promise to pay, spread as
    :func:`receivables.aging.age` spreads it), sorted by customer, date and id, as
    :meth:`Ledger.open_items`. Documents (``as_of`` None): the same columns but
    ``amount`` is the document's unsigned amount and there is no ``open_amount``,
    ``disputed`` or ``promised``. Money in Int64 minor units of ``currency``.

    Examples:
        >>> from receivables.models import Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...                          terms="NET 30", total="12.34 USD")])
        >>> ledger_to_frame(ledger, "polars", as_of=date(2026, 2, 1)).select(
        ...     "document_id", "due_date", "open_amount").rows()
        [('I1', datetime.date(2026, 2, 4), 1234)]
    """
    data: dict[str, list[Any]] = {
        "document_id": [],
        "customer_id": [],
        "group_id": [],
        "kind": [],
        "currency": [],
        "issue_date": [],
        "due_date": [],
        "amount": [],
    }
    if as_of is not None:
        data["open_amount"] = []
        data["disputed"] = []
        items = ledger.open_items(as_of=as_of)
        collectable: dict[str, Decimal] = {}
        for item in items:
            doc = item.document
            code = item.open.code
            _common(data, ledger, doc, item.customer_id)
            data["amount"].append(_minor(item.original.amount, code))
            data["open_amount"].append(_minor(item.open.amount, code))
            disputed = ledger.disputed_amount(doc.id, as_of=as_of).amount if is_debit(doc) else 0
            data["disputed"].append(_minor(Decimal(disputed), code))
            if is_debit(doc):
                collectable[doc.id] = FIXED_CONTEXT.subtract(item.open.amount, disputed)
        promised = promised_by_document(
            ledger.promises,
            as_of=as_of,
            collectable=collectable,
            dues={item.document.id: _due(item.document) for item in items},
        )
        data["promised"] = [
            _minor(promised.get(item.document.id, Decimal(0)), item.open.code) for item in items
        ]
    else:
        docs = sorted(ledger.documents, key=lambda d: (d.customer_id or "", document_date(d), d.id))
        for doc in docs:
            _common(data, ledger, doc, doc.customer_id or "")
            data["amount"].append(_minor(doc.amount.amount, doc.amount.code))
    return _build(data, ("issue_date", "due_date"), backend)


def _common(data: dict[str, list[Any]], ledger: Ledger, doc: Document, customer: str) -> None:
    data["document_id"].append(doc.id)
    data["customer_id"].append(customer)
    data["group_id"].append(_group(ledger, customer))
    data["kind"].append(doc.kind)
    data["currency"].append(doc.amount.code)
    data["issue_date"].append(document_date(doc))
    data["due_date"].append(_due(doc))


def reductions_to_frame(ledger: Ledger, backend: Backend = "polars") -> Any:
    """Every dated reduction of a document: ``document_id, reduced_on, movement_id,
    reduction``.

    The ledger's own rule (:func:`receivables.ledger.reductions`): an application reduces
    its target by what it settles (amount, discount and write-off) and its source by what
    it uses; a write-off reduces its document and a refund the credit it pays out. Amounts
    in minor units of the document's currency; sorted by document, date, movement id.

    Examples:
        >>> from receivables.models import Invoice, Payment, Application
        >>> ledger = Ledger([
        ...     Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
        ...             total="10.00 USD"),
        ...     Payment(id="P1", customer_id="C1", received_on=date(2026, 1, 9),
        ...             amount="10.00 USD")]).apply([
        ...     Application(id="A1", source_id="P1", target_id="I1",
        ...                 applied_on=date(2026, 1, 9), amount="10.00 USD")])
        >>> reductions_to_frame(ledger).select("document_id", "reduction").rows()
        [('I1', 1000), ('P1', 1000)]
    """
    rows: list[tuple[str, date, str, int]] = []
    for m in ledger.movements:
        on = movement_date(m)
        for doc_id, amount in reductions(m):
            code = ledger.document(doc_id).amount.code
            rows.append((doc_id, on, m.id, _minor(amount, code)))
    rows.sort()
    data: dict[str, list[Any]] = {
        "document_id": [r[0] for r in rows],
        "reduced_on": [r[1] for r in rows],
        "movement_id": [r[2] for r in rows],
        "reduction": [r[3] for r in rows],
    }
    return _build(data, ("reduced_on",), backend)


def _as_date(value: object, doc_id: str, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise FramesError(
        f"document {doc_id}: {field} is {value!r}, not a date", document_id=doc_id, field=field
    )


def ledger_from_frame(
    frame: Any,
    *,
    applications: Any | None = None,
    schema: FrameSchema | None = None,
    functional_currency: str | None = None,
    float_precision: int | None = None,
) -> Ledger:
    """A :class:`Ledger` of the documents in ``frame`` (and the applications, if given).

    ``frame`` needs ``document_id, customer_id, kind, currency, issue_date, amount``
    (unsigned; minor units or decimals) and, for invoices and debit memos, ``due_date``;
    other columns are ignored. ``applications`` needs ``id, source_id, target_id,
    applied_on, amount`` (minor units of the target's currency). This collects the frame
    into Python: it is for frames of the size a ledger holds in memory.

    Raises:
        FramesError: a missing column, an unknown kind or a bad date.

    Examples:
        >>> import polars as pl
        >>> docs = pl.DataFrame({"document_id": ["I1"], "customer_id": ["C1"],
        ...     "kind": ["invoice"], "currency": ["JPY"], "issue_date": [date(2026, 1, 5)],
        ...     "due_date": [date(2026, 2, 4)], "amount": [5000]})
        >>> ledger_from_frame(docs).open_amount("I1", as_of=date(2026, 3, 1))
        Money('5000', 'JPY')
    """
    schema = schema or FrameSchema()
    view = en.from_native(frame, "frame")
    columns = en.dtypes(view)
    names = [
        schema.document_id,
        schema.customer_id,
        schema.kind,
        schema.currency,
        schema.issue_date,
        schema.amount,
    ]
    en.require(columns, names, "ledger_from_frame")
    currencies = (
        en.distinct(view, schema.currency)
        if en.needs_currencies(columns, [schema.amount])
        else None
    )
    due = schema.due_date if schema.due_date in columns else None
    view = view.select(
        *names[:5],
        *([due] if due else []),
        en.minor_expr(
            columns,
            schema.amount,
            currency=schema.currency,
            currencies=currencies,
            float_precision=float_precision,
        ).alias(schema.amount),
    )
    documents: list[Document] = []
    for row in en.collect(view).iter_rows(named=True):
        documents.append(_document(row, schema, due))
    ledger = Ledger(documents, functional_currency=functional_currency)
    if applications is None:
        return ledger
    return ledger.apply(_applications(applications, ledger))


def _document(row: Mapping[str, Any], schema: FrameSchema, due: str | None) -> Document:
    doc_id = str(row[schema.document_id])
    code = str(row[schema.currency])
    amount = Money(Decimal(int(row[schema.amount])).scaleb(-minor_units(code)), code)
    issued = _as_date(row[schema.issue_date], doc_id, schema.issue_date)
    customer = row[schema.customer_id]
    kind = row[schema.kind]
    if kind in ("invoice", "debit_memo"):
        due_date = row.get(due) if due else None
        cls = Invoice if kind == "invoice" else DebitMemo
        return cls(
            id=doc_id,
            customer_id=customer,
            issue_date=issued,
            due_date=_as_date(due_date, doc_id, schema.due_date) if due_date is not None else None,
            total=amount,
        )
    if kind == "credit_memo":
        return CreditMemo(id=doc_id, customer_id=customer, issue_date=issued, amount=amount)
    if kind == "payment":
        return Payment(id=doc_id, customer_id=customer, received_on=issued, amount=amount)
    raise FramesError(
        f"document {doc_id}: kind {kind!r} is not one of invoice, debit_memo, credit_memo, payment",
        document_id=doc_id,
        field=schema.kind,
    )


def _applications(frame: Any, ledger: Ledger) -> list[Application]:
    view = en.from_native(frame, "applications")
    columns = en.dtypes(view)
    names = ["id", "source_id", "target_id", "applied_on", "amount"]
    en.require(columns, names, "ledger_from_frame applications")
    if not columns["amount"].is_integer():
        raise FramesError(
            "applications: amount must be integer minor units of the target's currency",
            field="amount",
        )
    result: list[Application] = []
    for row in en.collect(view.select(*names)).iter_rows(named=True):
        app_id = str(row["id"])
        target = ledger.document(str(row["target_id"]))
        code = target.amount.code
        result.append(
            Application(
                id=app_id,
                source_id=str(row["source_id"]),
                target_id=target.id,
                applied_on=_as_date(row["applied_on"], app_id, "applied_on"),
                amount=Money(Decimal(int(row["amount"])).scaleb(-minor_units(code)), code),
            )
        )
    return result
