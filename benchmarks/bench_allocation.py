"""Benchmark of cash application: combination match and FIFO allocation.

Run from the repository root::

    python benchmarks/bench_allocation.py          # full run
    python benchmarks/bench_allocation.py --quick  # smaller sizes, fewer repeats

Combination match: ``n`` open invoices with random amounts (seeded), a payment equal to
the sum of three of them; the engine's median time over the repeats, and its ratio to a
naive search with ``itertools.combinations`` that, like the engine, tries every set of
sizes 1, 2, 3, ... until a size has a fit and lists all fits of that size (needed to know
the match is unique), run in the same process where it has at most ``NAIVE_LIMIT`` sets
to try.

FIFO: ``payments`` payments over ``invoices`` invoices of ``customers`` customers, each
payment allocated oldest-first against its customer's open items as left by the earlier
payments, compared with a bare loop over Decimals doing the same arithmetic (no models,
no reasons): the ratio is the price of the typed, explained result.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from math import comb

from receivables.allocation import AllocationPolicy, CombinationLimits, allocate
from receivables.ledger import OpenItem
from receivables.models import Invoice, Payment
from receivables.money import Money

NAIVE_LIMIT = 3_000_000
START = date(2025, 1, 1)


def _invoices(n: int, rng: random.Random, customer: str = "C1") -> list[Invoice]:
    return [
        Invoice(
            id=f"INV-{customer}-{i:06d}",
            customer_id=customer,
            issue_date=START + timedelta(days=rng.randrange(365)),
            total=Money.from_minor(rng.randrange(1_000, 5_000_000), "USD"),
        )
        for i in range(n)
    ]


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _naive(values: list[int], target: int, max_size: int) -> list[tuple[int, ...]]:
    """Every set of the smallest size that fits: what it takes to know the match is unique."""
    for size in range(1, max_size + 1):
        found = [
            combo
            for combo in itertools.combinations(range(len(values)), size)
            if sum(values[i] for i in combo) == target
        ]
        if found:
            return found
    return []


def bench_combination(sizes: list[int], repeats: int) -> None:
    print("combination match (payment = sum of 3 invoices), median of", repeats, "runs")
    print(f"{'candidates':>10} {'engine ms':>10} {'naive ms':>10} {'naive/engine':>12} outcome")
    policy = AllocationPolicy(
        steps=("combination",), combination=CombinationLimits(max_candidates=1000)
    )
    for n in sizes:
        rng = random.Random(n)
        docs = _invoices(n, rng)
        items = [OpenItem(d, d.amount, d.amount) for d in docs]
        chosen = rng.sample(docs, 3)
        amount = sum((d.amount for d in chosen), Money.zero("USD"))
        pay = Payment(id="PAY", customer_id="C1", received_on=date(2026, 1, 1), amount=amount)
        result = allocate(pay, items, as_of=pay.received_on, policy=policy)
        engine = _median(
            lambda pay=pay, items=items: allocate(  # type: ignore[misc]
                pay, items, as_of=pay.received_on, policy=policy
            ),
            repeats,
        )
        values = [d.amount.minor for d in docs]
        tries = sum(comb(n, k) for k in range(1, 4))
        if tries <= NAIVE_LIMIT:
            naive = _median(
                lambda values=values, target=amount.minor: _naive(values, target, 3),  # type: ignore[misc]
                max(1, repeats // 5),
            )
            naive_text, ratio = f"{naive * 1000:10.1f}", f"{naive / engine:12.1f}"
        else:
            naive_text, ratio = f"{'skipped':>10}", f"{'-':>12}"
        print(f"{n:>10} {engine * 1000:10.2f} {naive_text} {ratio} {result.outcome}")


def _fifo_book(
    customers: int, per_customer: int, rng: random.Random
) -> tuple[dict[str, list[Invoice]], list[Payment]]:
    books: dict[str, list[Invoice]] = {}
    payments: list[Payment] = []
    for c in range(customers):
        cid = f"C{c:05d}"
        docs = [
            Invoice(
                id=f"I{c:05d}-{i:03d}",
                customer_id=cid,
                issue_date=START + timedelta(days=7 * i),
                total=Money.from_minor(rng.randrange(10_000, 500_000), "USD"),
            )
            for i in range(per_customer)
        ]
        books[cid] = docs
        for i in range(per_customer):
            units = rng.randrange(10_000, 500_000)
            payments.append(
                Payment(
                    id=f"P{c:05d}-{i:03d}",
                    customer_id=cid,
                    received_on=START + timedelta(days=7 * i + 3),
                    amount=Money.from_minor(units, "USD"),
                )
            )
    payments.sort(key=lambda p: (p.received_on, p.id))
    return books, payments


def _fifo_engine(books: dict[str, list[Invoice]], payments: list[Payment]) -> int:
    policy = AllocationPolicy(steps=("oldest_first",))
    open_: dict[str, dict[str, OpenItem]] = {c: {} for c in books}
    pending = {c: list(docs) for c, docs in books.items()}
    count = 0
    for pay in payments:
        cid = pay.customer_id
        assert cid is not None
        book = open_[cid]
        while pending[cid] and pending[cid][0].issue_date <= pay.received_on:
            doc = pending[cid].pop(0)
            book[doc.id] = OpenItem(doc, doc.amount, doc.amount)
        result = allocate(pay, list(book.values()), as_of=pay.received_on, policy=policy)
        for app in result.applications:
            item = book[app.target_id]
            left = item.open - app.settled
            if left.amount:
                book[app.target_id] = OpenItem(item.document, left, item.original)
            else:
                del book[app.target_id]
            count += 1
    return count


def _fifo_baseline(books: dict[str, list[Invoice]], payments: list[Payment]) -> int:
    open_: dict[str, list[list[object]]] = {c: [] for c in books}
    pending = {c: list(docs) for c, docs in books.items()}
    count = 0
    for pay in payments:
        cid = pay.customer_id
        assert cid is not None
        book = open_[cid]
        while pending[cid] and pending[cid][0].issue_date <= pay.received_on:
            doc = pending[cid].pop(0)
            book.append([doc.issue_date, doc.id, doc.amount.amount])
        book.sort(key=lambda r: (r[0], r[1]))
        cash: Decimal = pay.amount.amount
        for row in book:
            if cash <= 0:
                break
            due = row[2]
            assert isinstance(due, Decimal)
            take = min(cash, due)
            row[2] = due - take
            cash -= take
            count += 1
        open_[cid] = [r for r in book if r[2]]
    return count


def bench_fifo(customers: int, per_customer: int) -> None:
    rng = random.Random(7)
    books, payments = _fifo_book(customers, per_customer, rng)
    n = customers * per_customer
    print(f"FIFO: {len(payments):,} payments over {n:,} invoices ({customers:,} customers)")
    t0 = time.perf_counter()
    base_apps = _fifo_baseline(books, payments)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine_apps = _fifo_engine(books, payments)
    engine = time.perf_counter() - t0
    print(f"  baseline loop: {base:8.2f} s ({base_apps:,} applications)")
    print(f"  allocate():    {engine:8.2f} s ({engine_apps:,} applications)")
    per = engine / len(payments) * 1e6
    print(f"  per payment:   {per:8.0f} us; engine/baseline {engine / base:.1f}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    args = parser.parse_args(argv)
    if args.quick:
        bench_combination([30, 100, 200], repeats=5)
        bench_fifo(customers=1_000, per_customer=10)
    else:
        bench_combination([30, 100, 200, 500], repeats=21)
        bench_fifo(customers=10_000, per_customer=10)


if __name__ == "__main__":
    main(sys.argv[1:])
