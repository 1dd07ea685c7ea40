"""Unposted bank cash: who paid, and what it pays.

A receipt read from a bank statement is *unposted cash*: money on the bank account that
the ledger does not know yet, because nobody has said which customer sent it. The
cash-application clerk identifies the customer from three kinds of evidence, in this
order of strength (Institute of Finance & Management, *Accounts Receivable Best
Practices*; Bragg, *Billing and Collections Best Practices*, 2005, ch. 9 "Cash
Application"):

1. **Payer account** — the debtor's bank account is on file for one customer (on the
   customer master, passed as ``accounts``, or seen on that customer's earlier payments).
2. **References** — the remittance names documents of the ledger (``"INV-000123"``,
   ``"inv 123"``, ``"123"``: compared without case, punctuation and leading zeros).
3. **Name** — the payer's name resembles a customer's name.

Name similarity is the Ratcliff/Obershelp measure of :class:`difflib.SequenceMatcher`
(Ratcliff and Metzener, "Pattern Matching: The Gestalt Approach", *Dr. Dobb's Journal*,
July 1988): $\\mathrm{sim}(a, b) = 2M / (|a| + |b|)$ where $M$ counts the characters in
matching blocks, computed on names normalised by removing accents, case, punctuation
and legal forms ("GmbH", "Inc.", "S.A."). The score is the best of the whole names, the
names with their words sorted, and the customer's name cut to the payer's length (ACH
and wire formats truncate names to 16 or 35 characters), truncated (never rounded up) to
four decimals, so a threshold is never passed by rounding. difflib is in the standard
library and exact enough for a few thousand customers; the core takes no extra
dependency for it.

Evidence that points to two customers is never resolved by a guess: the receipt is
reported as ``conflict`` or ``ambiguous`` with every candidate and why.

Examples:
    >>> from datetime import date
    >>> from receivables.models import Customer, Payment
    >>> customers = [Customer(id="C1", name="Hanse Baustoffe GmbH", currency="EUR"),
    ...              Customer(id="C2", name="Brackley Energy Ltd", currency="EUR")]
    >>> pay = Payment(id="P1", customer_id=None, received_on=date(2026, 3, 2),
    ...               amount="100.00 EUR", payer_name="HANSE BAUSTOFFE")
    >>> ident = identify_customer(pay, customers)
    >>> ident.status, ident.customer_id, ident.method, ident.score
    ('identified', 'C1', 'name', Decimal('1.0000'))
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
from difflib import SequenceMatcher
from typing import Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from receivables.allocation import DEFAULT_POLICY, AllocationPolicy, AllocationResult, allocate
from receivables.ledger import Ledger, OpenItem, is_debit
from receivables.models import Customer, Payment, RemittanceLine
from receivables.money import ExactDecimal, FxRates, Money
from receivables.tabular import Tabular

__all__ = [
    "DEFAULT_IDENTIFICATION",
    "UNSTRUCTURED_NOTE",
    "Evidence",
    "Identification",
    "IdentificationPolicy",
    "ReceiptMatch",
    "ReceiptStatus",
    "StatementLike",
    "StatementMatch",
    "identify_customer",
    "match_statement",
    "name_similarity",
    "normalise_account",
    "normalise_name",
    "reference_keys",
]

UNSTRUCTURED_NOTE: Final = "unstructured"
"""The ``note`` of a :class:`~receivables.models.RemittanceLine` that carries free text.

Free-text remittance (camt ``Ustrd``, an MT940 ``:86:`` field, BAI2 text) states no amount
per document, so a reader puts the whole text in one line whose amount is the whole
receipt and marks it with this note; :func:`match_statement` decides which documents the
text names.
"""

Method = Literal["account", "reference", "name"]
Status = Literal["identified", "ambiguous", "conflict", "unmatched"]

_STRENGTH: Final[tuple[Method, ...]] = ("account", "reference", "name")
_FOUR: Final = Decimal("0.0001")
_LEGAL_FORMS: Final = (
    "ab",
    "ag",
    "aktiengesellschaft",
    "as",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "limited",
    "llc",
    "llp",
    "ltd",
    "nv",
    "ohg",
    "oy",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "spa",
    "srl",
    "the",
)


class IdentificationPolicy(BaseModel):
    """How sure identification must be.

    ``name_threshold``: the least name similarity (0 to 1) that counts as a match.
    ``name_margin``: how far the best name must lead the second best, so that two
    customers with similar names ("Falcon Logistics" and "Falcon Logistics West") are
    reported as ambiguous rather than guessed. ``min_reference_digits``: a reference is
    compared by its digits alone only when it has at least this many, so a "12" in free
    text does not name invoice 12. ``truncation_widths``: payer names exactly this long
    are taken as cut by the payment format (NACHA ACH name fields are 16 and 22
    characters, SWIFT name lines 35) and are also compared with the same-length prefix of
    a customer's name. ``legal_forms``: words dropped from names before comparing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_threshold: ExactDecimal = Field(default=Decimal("0.85"), ge=0, le=1)
    name_margin: ExactDecimal = Field(default=Decimal("0.05"), ge=0, le=1)
    min_reference_digits: int = Field(default=3, ge=1)
    truncation_widths: tuple[int, ...] = (16, 22, 35)
    legal_forms: tuple[str, ...] = _LEGAL_FORMS


DEFAULT_IDENTIFICATION = IdentificationPolicy()


class Evidence(BaseModel):
    """One piece of evidence that a receipt came from ``customer_id``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Method
    customer_id: str
    score: ExactDecimal = Field(ge=0, le=1)
    detail: str


class Identification(BaseModel):
    """Who paid a receipt, how sure, and why.

    ``status`` is ``identified`` (``customer_id`` set), ``ambiguous`` (one kind of
    evidence fits several customers), ``conflict`` (kinds of evidence disagree) or
    ``unmatched`` (no evidence). ``method`` and ``score`` are those of the strongest
    evidence for the identified customer; ``reasons`` say it in words.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    payment_id: str
    status: Status
    customer_id: str | None = None
    method: Method | None = None
    score: ExactDecimal | None = None
    evidence: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()


def normalise_account(account: str) -> str:
    """An account number as compared: no spaces, dashes or dots, upper case.

    Examples:
        >>> normalise_account("de44 5001-0517 5407 3249 31")
        'DE44500105175407324931'
    """
    return re.sub(r"[\s.\-/]", "", account).upper()


def normalise_name(name: str, *, legal_forms: Iterable[str] = _LEGAL_FORMS) -> str:
    """A party name as compared: no accents, case, punctuation or legal form.

    Examples:
        >>> normalise_name("Laboratoires Vendôme S.A.R.L.")
        'laboratoires vendome'
        >>> normalise_name("Smith & Sons, Inc.")
        'smith and sons'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("&", " and ")
    # "S.A.R.L." and "S.A." are written with dots: join single letters before dropping.
    plain = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", ""), plain)
    forms = set(legal_forms)
    words = [w for w in re.split(r"[^0-9a-z]+", plain) if w and w not in forms]
    return " ".join(words)


def _ratio(a: str, b: str) -> Decimal:
    if not a or not b:
        return Decimal(0)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return (Decimal(2 * matched) / Decimal(len(a) + len(b))).quantize(_FOUR, ROUND_DOWN)


def name_similarity(
    payer: str, customer: str, *, policy: IdentificationPolicy = DEFAULT_IDENTIFICATION
) -> Decimal:
    """Similarity of two party names, 0 to 1, after :func:`normalise_name`.

    The best of: the whole names, the names with words sorted ("Energy Brackley" and
    "Brackley Energy"), and the customer's name cut to the payer's length when the payer
    name is as long as a format's name field (see :class:`IdentificationPolicy`).

    Examples:
        >>> name_similarity("BRACKLEY ENERGY", "Brackley Energy Ltd")
        Decimal('1.0000')
        >>> name_similarity("CANYON RETAIL GR", "Canyon Retail Group Inc.")
        Decimal('1.0000')
        >>> name_similarity("Quintessa Trading", "Brackley Energy Ltd") < Decimal("0.5")
        True
    """
    a = normalise_name(payer, legal_forms=policy.legal_forms)
    b = normalise_name(customer, legal_forms=policy.legal_forms)
    best = _ratio(a, b)
    if best < 1:
        best = max(best, _ratio(" ".join(sorted(a.split())), " ".join(sorted(b.split()))))
    if best < 1 and len(payer.strip()) in policy.truncation_widths and len(a) < len(b):
        best = max(best, _ratio(a, b[: len(a)]))
    return best


def reference_keys(text: str, *, min_digits: int = 3) -> frozenset[str]:
    """The keys a reference or free text is looked up by.

    Each word (letters and digits, split on anything else) gives its upper-case form;
    a word with at least ``min_digits`` significant digits also gives its digits without
    leading zeros; a word of letters followed by a word of digits ("inv 123") gives both joined.
    So "INV-000123", "inv 123" and "000123" all share the key ``"123"`` (with
    ``min_digits=3``).

    Examples:
        >>> sorted(reference_keys("INV-000123", min_digits=3))
        ['000123', '123', 'INV', 'INV000123']
        >>> sorted(reference_keys("inv 123", min_digits=3))
        ['123', 'INV', 'INV123']
    """
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text.upper()) if w]
    keys: set[str] = set(words)
    keys.add("".join(words))
    for i, word in enumerate(words):
        significant = re.sub(r"\D", "", word).lstrip("0")
        if len(significant) >= min_digits:
            keys.add(significant)
        if i + 1 < len(words) and word.isalpha() and words[i + 1].isdigit():
            keys.add(word + words[i + 1])
    keys.discard("")
    return frozenset(keys)


def _document_index(
    ledger: Ledger, as_of: date, min_digits: int
) -> dict[str, set[tuple[str, str]]]:
    """Lookup key -> (document id, customer id) of the ledger's debit documents."""
    index: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for doc in ledger.documents:
        if not is_debit(doc) or doc.issue_date > as_of or doc.customer_id is None:
            continue
        normalised = re.sub(r"[^0-9A-Z]", "", doc.id.upper())
        digits = re.sub(r"\D", "", doc.id).lstrip("0")
        for key in (normalised, digits if len(digits) >= min_digits else ""):
            if key:
                index[key].add((doc.id, doc.customer_id))
    return index


def _known_accounts(
    ledger: Ledger | None, accounts: Mapping[str, str] | None
) -> dict[str, dict[str, str]]:
    """Normalised account -> customer id -> where it is known from."""
    known: dict[str, dict[str, str]] = defaultdict(dict)
    for account, customer_id in sorted((accounts or {}).items()):
        known[normalise_account(account)].setdefault(customer_id, "the customer's bank details")
    if ledger is not None:
        for doc in ledger.documents:
            if isinstance(doc, Payment) and doc.payer_account and doc.customer_id:
                known[normalise_account(doc.payer_account)].setdefault(
                    doc.customer_id, f"payment {doc.id}"
                )
    return known


def _account_evidence(payment: Payment, known: Mapping[str, Mapping[str, str]]) -> list[Evidence]:
    if not payment.payer_account:
        return []
    account = normalise_account(payment.payer_account)
    return [
        Evidence(
            method="account",
            customer_id=customer_id,
            score=Decimal(1),
            detail=f"payer account {account} is known for {customer_id} from {source}",
        )
        for customer_id, source in sorted(known.get(account, {}).items())
    ]


def _reference_evidence(
    payment: Payment, index: Mapping[str, set[tuple[str, str]]], min_digits: int
) -> list[Evidence]:
    named: dict[str, set[str]] = defaultdict(set)
    for line in payment.remittance:
        keys = reference_keys(line.reference, min_digits=min_digits)
        if line.document_id:
            keys |= {re.sub(r"[^0-9A-Z]", "", line.document_id.upper())}
        for key in keys:
            for doc_id, customer_id in index.get(key, ()):
                named[customer_id].add(doc_id)
    total = sum(len(docs) for docs in named.values())
    return [
        Evidence(
            method="reference",
            customer_id=customer_id,
            score=(Decimal(len(docs)) / Decimal(total)).quantize(_FOUR, ROUND_DOWN),
            detail=f"remittance names {', '.join(sorted(docs))} of {customer_id}",
        )
        for customer_id, docs in sorted(named.items())
    ]


def _name_evidence(
    payment: Payment, customers: Iterable[Customer], policy: IdentificationPolicy
) -> list[Evidence]:
    if not payment.payer_name or not normalise_name(payment.payer_name, legal_forms=()):
        return []
    scored = [
        (name_similarity(payment.payer_name, c.name, policy=policy), c)
        for c in sorted(customers, key=lambda c: c.id)
    ]
    return [
        Evidence(
            method="name",
            customer_id=c.id,
            score=score,
            detail=f"payer name {payment.payer_name!r} is {score} similar to {c.name!r}"
            f" (threshold {policy.name_threshold})",
        )
        for score, c in sorted(scored, key=lambda sc: (-sc[0], sc[1].id))
        if score >= policy.name_threshold
    ]


def _decide(
    method: Method, evidence: list[Evidence], policy: IdentificationPolicy
) -> tuple[str | None, str | None]:
    """The customer one kind of evidence points to, or why it points to none."""
    if not evidence:
        return None, None
    customers = sorted({e.customer_id for e in evidence})
    if len(customers) == 1:
        return customers[0], None
    if method == "name":
        best, second = evidence[0], evidence[1]
        if best.score - second.score >= policy.name_margin:
            return best.customer_id, None
        return None, (
            f"name: {best.customer_id} ({best.score}) and {second.customer_id}"
            f" ({second.score}) are within the margin {policy.name_margin}"
        )
    return None, f"{method}: points to {', '.join(customers)}"


class _Context:
    """What identification looks things up in, built once for a batch of receipts."""

    __slots__ = ("accounts", "customers", "index", "policy")

    def __init__(
        self,
        customers: Iterable[Customer],
        ledger: Ledger | None,
        accounts: Mapping[str, str] | None,
        as_of: date | None,
        policy: IdentificationPolicy,
    ) -> None:
        listed = sorted(customers, key=lambda c: c.id)
        if not listed and ledger is not None:
            listed = list(ledger.customers.values())
        self.customers = listed
        self.policy = policy
        self.accounts = _known_accounts(ledger, accounts)
        self.index = (
            _document_index(ledger, as_of or date.max, policy.min_reference_digits)
            if ledger is not None
            else {}
        )


def identify_customer(
    payment: Payment,
    customers: Iterable[Customer],
    *,
    ledger: Ledger | None = None,
    accounts: Mapping[str, str] | None = None,
    as_of: date | None = None,
    policy: IdentificationPolicy = DEFAULT_IDENTIFICATION,
) -> Identification:
    """Identify the customer who sent an unposted receipt.

    Args:
        payment: the receipt (its ``customer_id`` is ignored).
        customers: the customer accounts to choose from (empty: the ledger's customers).
        ledger: gives payer accounts seen on posted payments and the documents that
            remittance references may name; without it only ``accounts`` and names count.
        accounts: bank account -> customer id from the customer master.
        as_of: documents issued after this date are not named (default: the receipt date).
        policy: thresholds and margins.

    Each kind of evidence (account, references, name) is decided alone; when the decided
    kinds agree the customer is identified by the strongest, when they disagree the
    result is a ``conflict``; nothing is guessed.

    Examples:
        >>> from datetime import date
        >>> from receivables.models import Customer, Payment
        >>> pay = Payment(id="P9", customer_id=None, received_on=date(2026, 3, 2),
        ...               amount="5.00 EUR", payer_name="Nobody Known", payer_account="X1")
        >>> ident = identify_customer(pay, [Customer(id="C1", name="Acme", currency="EUR")])
        >>> ident.status
        'unmatched'
        >>> ident.reasons[-1]
        'no payer account on file, no reference to a document, no name at or above 0.85'
    """
    context = _Context(customers, ledger, accounts, as_of or payment.received_on, policy)
    return _identify(payment, context)


def _identify(payment: Payment, context: _Context) -> Identification:
    policy = context.policy
    customers = context.customers
    by_method: dict[Method, list[Evidence]] = {
        "account": _account_evidence(payment, context.accounts),
        "reference": _reference_evidence(payment, context.index, policy.min_reference_digits),
        "name": _name_evidence(payment, customers, policy),
    }
    evidence = tuple(e for method in _STRENGTH for e in by_method[method])
    reasons = [e.detail for e in evidence]
    decided: dict[Method, str] = {}
    troubles: list[str] = []
    for method in _STRENGTH:
        customer_id, trouble = _decide(method, by_method[method], policy)
        if customer_id is not None:
            decided[method] = customer_id
        if trouble is not None:
            troubles.append(trouble)
    chosen = set(decided.values())
    if len(chosen) > 1:
        said = "; ".join(f"{m} says {c}" for m, c in decided.items())
        return Identification(
            payment_id=payment.id,
            status="conflict",
            evidence=evidence,
            reasons=(*reasons, f"evidence disagrees: {said}"),
        )
    if chosen:
        method = next(m for m in _STRENGTH if m in decided)
        customer_id = decided[method]
        score = max(e.score for e in by_method[method] if e.customer_id == customer_id)
        return Identification(
            payment_id=payment.id,
            status="identified",
            customer_id=customer_id,
            method=method,
            score=score,
            evidence=evidence,
            reasons=(*reasons, *troubles, f"identified as {customer_id} by {method}"),
        )
    if troubles:
        return Identification(
            payment_id=payment.id,
            status="ambiguous",
            evidence=evidence,
            reasons=(*reasons, *troubles),
        )
    return Identification(
        payment_id=payment.id,
        status="unmatched",
        evidence=evidence,
        reasons=(
            *reasons,
            *_closest_name(payment, customers, policy),
            "no payer account on file, no reference to a document, no name at or above"
            f" {policy.name_threshold}",
        ),
    )


def _closest_name(
    payment: Payment, customers: list[Customer], policy: IdentificationPolicy
) -> tuple[str, ...]:
    """Say how close the best name came, so a clerk sees why it was not enough."""
    if not payment.payer_name or not customers:
        return ()
    score, customer = max(
        ((name_similarity(payment.payer_name, c.name, policy=policy), c) for c in customers),
        key=lambda sc: (sc[0], [-ord(ch) for ch in sc[1].id]),
    )
    return (
        f"closest name: {customer.name!r} ({customer.id}) at {score}, below"
        f" {policy.name_threshold}",
    )


# --------------------------------------------------------------------------------------
# A whole statement
# --------------------------------------------------------------------------------------

ReceiptStatus = Literal["proposed", "unidentified", "already_posted", "not_yet"]


class ReceiptMatch(BaseModel):
    """What to do with one receipt of a statement.

    ``status``: ``proposed`` (customer identified, ``allocation`` proposed; the payment
    carries the customer), ``unidentified`` (see ``identification`` for why),
    ``already_posted`` (the ledger holds a payment with this id) or ``not_yet``
    (received after ``as_of``). ``notes`` say how free-text remittance was read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    payment: Payment
    status: ReceiptStatus
    identification: Identification | None = None
    allocation: AllocationResult | None = None
    notes: tuple[str, ...] = ()


class StatementMatch(BaseModel, Tabular):
    """The proposals for every receipt of a statement, in (receipt date, id) order.

    Receipts are allocated one after the other against the open items left by the ones
    before, so two receipts never propose to pay the same cent twice; :meth:`apply_to`
    posts it all as one batch.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    statement_id: str
    as_of: date
    receipts: tuple[ReceiptMatch, ...]

    @property
    def proposed(self) -> tuple[ReceiptMatch, ...]:
        """The receipts with an identified customer and a proposed allocation."""
        return tuple(r for r in self.receipts if r.status == "proposed")

    @property
    def unmatched(self) -> tuple[ReceiptMatch, ...]:
        """The receipts left for a person: not identified, or received after ``as_of``."""
        return tuple(r for r in self.receipts if r.status in ("unidentified", "not_yet"))

    def apply_to(self, ledger: Ledger) -> Ledger:
        """The ledger with the identified receipts posted and their allocations applied.

        One batch: the payments are added, then every application; any failure raises
        and the given ledger is unchanged (ledgers are values). Applying the same match
        twice changes nothing the second time (same ids, same content).
        """
        payments = [r.payment for r in self.proposed]
        applications = [
            a for r in self.proposed if r.allocation is not None for a in r.allocation.applications
        ]
        return ledger.add(payments).apply(applications)

    def to_rows(self) -> list[dict[str, str | None]]:
        """One plain row per receipt: who paid, how sure, what it pays, or why not."""
        rows: list[dict[str, str | None]] = []
        for r in self.receipts:
            ident = r.identification
            alloc = r.allocation
            rows.append(
                {
                    "payment_id": r.payment.id,
                    "amount": str(r.payment.amount.amount),
                    "currency": r.payment.amount.code,
                    "payer_name": r.payment.payer_name,
                    "status": r.status,
                    "customer_id": r.payment.customer_id,
                    "method": ident.method if ident else None,
                    "score": str(ident.score) if ident and ident.score is not None else None,
                    "outcome": alloc.outcome if alloc else None,
                    "applied_to": ", ".join(a.target_id for a in alloc.applications)
                    if alloc
                    else None,
                    "unapplied": str(alloc.unapplied.amount) if alloc else None,
                    "why": "; ".join(ident.reasons[-1:]) if ident else "; ".join(r.notes),
                }
            )
        return rows


def _read_free_text(
    payment: Payment, open_items: Sequence[OpenItem], min_digits: int
) -> tuple[Payment, tuple[str, ...]]:
    """Turn free-text remittance into per-document lines where the text allows it.

    A free-text line names documents but states no amount per document. When it names
    open documents of the customer whose open amounts add up to the line's amount, each
    becomes a line of its open amount; when it names one document, that document gets
    the whole line. Otherwise the line is dropped and the amount-based steps decide
    (a line the remittance step cannot read would otherwise stop them).
    """
    notes: list[str] = []
    lines: list[RemittanceLine] = []
    by_key: dict[str, set[str]] = defaultdict(set)
    items = {item.id: item for item in open_items}
    for item in open_items:
        for key in _document_keys(item.id, min_digits):
            by_key[key].add(item.id)
    for line in payment.remittance:
        if line.note != UNSTRUCTURED_NOTE:
            lines.append(line)
            continue
        named = sorted(
            {d for k in reference_keys(line.reference, min_digits=min_digits) for d in by_key[k]}
        )
        opens = [items[d].open for d in named]
        same = all(o.code == line.amount.code for o in opens)
        if len(named) == 1:
            lines.append(
                RemittanceLine(
                    reference=named[0], amount=line.amount, document_id=named[0], note=line.note
                )
            )
            notes.append(f"free text {line.reference!r} names {named[0]}: the whole line pays it")
        elif named and same and sum(opens, Money.zero(line.amount.code)) == line.amount:
            lines.extend(
                RemittanceLine(reference=d, amount=o, document_id=d, note=line.note)
                for d, o in zip(named, opens, strict=True)
            )
            notes.append(
                f"free text {line.reference!r} names {', '.join(named)} whose open amounts"
                f" add up to {line.amount}"
            )
        else:
            why = (
                f"names {', '.join(named)} but their open amounts do not add up to {line.amount}"
                if named
                else "names no open document of the customer"
            )
            notes.append(f"free text {line.reference!r} {why}: left to the amount-based steps")
    return payment.model_copy(update={"remittance": tuple(lines)}), tuple(notes)


def _still_open(items: Sequence[OpenItem], settled: Mapping[str, Money]) -> list[OpenItem]:
    still: list[OpenItem] = []
    for item in items:
        taken = settled.get(item.id)
        remaining = item.open if taken is None else item.open - taken
        if remaining.amount > 0:
            still.append(OpenItem(item.document, remaining, item.original))
    return still


def _document_keys(doc_id: str, min_digits: int) -> tuple[str, ...]:
    normalised = re.sub(r"[^0-9A-Z]", "", doc_id.upper())
    digits = re.sub(r"\D", "", doc_id).lstrip("0")
    return (normalised, digits) if len(digits) >= min_digits else (normalised,)


class StatementLike(Protocol):
    """What :func:`match_statement` needs of a bank statement (the io readers'
    ``BankStatement`` is one): an id and the receipts, as unidentified payments."""

    @property
    def statement_id(self) -> str:
        """The statement's id."""
        ...

    @property
    def receipts(self) -> tuple[Payment, ...]:
        """The booked credits of the statement."""
        ...


def match_statement(
    statement: StatementLike,
    ledger: Ledger,
    *,
    as_of: date,
    policy: AllocationPolicy = DEFAULT_POLICY,
    identification: IdentificationPolicy = DEFAULT_IDENTIFICATION,
    accounts: Mapping[str, str] | None = None,
    rates: FxRates | None = None,
) -> StatementMatch:
    """Identify the customer of every receipt of a statement and propose its allocation.

    For each receipt, in (receipt date, id) order: skip it when the ledger already holds
    it or when it was received after ``as_of``; identify the customer
    (:func:`identify_customer`); read free-text remittance against the customer's open
    items; then :func:`~receivables.allocation.allocate` it over the open items left by
    the receipts before. Nothing is posted: :meth:`StatementMatch.apply_to` does that.

    Examples:
        >>> from datetime import date
        >>> from receivables.io.statement import BankStatement  # any StatementLike
        >>> from receivables.models import Customer, Invoice, Payment
        >>> ledger = Ledger([Invoice(id="INV-7", customer_id="C1", issue_date=date(2026, 3, 1),
        ...                          total="80.00 EUR")],
        ...                 customers=[Customer(id="C1", name="Acme GmbH", currency="EUR")])
        >>> st = BankStatement(format="camt.053", statement_id="S1", account="DE1", receipts=(
        ...     Payment(id="B1", customer_id=None, received_on=date(2026, 3, 9),
        ...             amount="80.00 EUR", payer_name="ACME"),))
        >>> match = match_statement(st, ledger, as_of=date(2026, 3, 9))
        >>> [(r.payment.customer_id, r.allocation.outcome) for r in match.proposed]
        [('C1', 'fully_applied')]
        >>> match.apply_to(ledger).open_amount("INV-7", as_of=date(2026, 3, 9))
        Money('0.00', 'EUR')
    """
    context = _Context(ledger.customers.values(), ledger, accounts, as_of, identification)
    # What earlier receipts of this statement propose to settle, per document, so a later
    # receipt sees only what is still open (without rebuilding the ledger each time).
    settled: dict[str, Money] = {}
    results: list[ReceiptMatch] = []
    for receipt in sorted(statement.receipts, key=lambda p: (p.received_on, p.id)):
        if receipt.id in ledger:
            results.append(
                ReceiptMatch(
                    payment=receipt,
                    status="already_posted",
                    notes=(f"the ledger already holds a payment {receipt.id}",),
                )
            )
            continue
        if receipt.received_on > as_of:
            results.append(
                ReceiptMatch(
                    payment=receipt,
                    status="not_yet",
                    notes=(
                        f"received on {receipt.received_on.isoformat()}, after {as_of.isoformat()}",
                    ),
                )
            )
            continue
        ident = _identify(receipt, context)
        if ident.customer_id is None:
            results.append(
                ReceiptMatch(payment=receipt, status="unidentified", identification=ident)
            )
            continue
        payment = receipt.model_copy(update={"customer_id": ident.customer_id})
        items = _still_open(
            ledger.open_items(as_of=as_of, customer_id=ident.customer_id, include_credits=False),
            settled,
        )
        to_allocate, notes = _read_free_text(payment, items, identification.min_reference_digits)
        result = allocate(to_allocate, items, as_of=as_of, policy=policy, rates=rates)
        for app in result.applications:
            before = settled.get(app.target_id)
            settled[app.target_id] = app.settled if before is None else before + app.settled
        results.append(
            ReceiptMatch(
                payment=payment,
                status="proposed",
                identification=ident,
                allocation=result,
                notes=notes,
            )
        )
    return StatementMatch(statement_id=statement.statement_id, as_of=as_of, receipts=tuple(results))
