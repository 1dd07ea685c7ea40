"""Aging at scale: the frames path through narwhals against the same computation written
natively, on Polars and on pandas; and the object model against the frames path.

Part 1 ages N synthetic open items (seeded; 20,000 customers, USD, integer minor units,
95% invoices and 5% unapplied payments, due from 200 days before as-of to 60 after) into
customer lines of the standard buckets with a separate credits column. Each case runs in
a fresh child process; its peak memory is the resident set sampled every 2 ms during the
first (untimed) run, less the resident set once the data is built. Resident memory counts
Polars' and Arrow's native buffers, which tracemalloc does not see. ``ratio`` is frames
time over native time (target 1.2x at most). Native Polars is timed eagerly (each step
materialised, as notebook code usually runs) and as one lazy query; the frames path runs an
eager input as one lazy query in the same engine. Times are the best of three runs.

Part 2 ages the same items with ``receivables.aging.age`` over ``OpenItem`` objects (built
with ``model_construct``: validating a million generated models would measure pydantic)
and with ``age_frame`` on a Polars frame, to say when a frame pays off.

    python benchmarks/bench_frames.py            # 1M and 10M items; object model at 1M
    python benchmarks/bench_frames.py --quick    # 100k items; object model at 100k
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

AS_OF = date(2026, 6, 30)
CUSTOMERS = 20_000
EDGES = (0, 30, 60, 90, 120)
LABELS = ("current", "1-30", "31-60", "61-90", "91-120", "120+")


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _PeakSampler:
    """Samples the resident set every 2 ms in a thread: the peak of one computation."""

    def __init__(self) -> None:
        self.peak = _rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mib())
            time.sleep(0.002)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mib())


def polars_items(n: int) -> Any:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(20261031)
    due_offset = rng.integers(-200, 61, n)
    is_payment = rng.random(n) < 0.05
    amount = rng.integers(1_000, 5_000_000, n)
    due = np.datetime64(AS_OF, "D") + due_offset.astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "document_id": pl.int_range(n, eager=True).cast(pl.String),
            "customer_id": pl.Series(rng.integers(0, CUSTOMERS, n)).cast(pl.String),
            "kind": np.where(is_payment, "payment", "invoice"),
            "currency": pl.repeat("USD", n, eager=True),
            "issue_date": pl.Series(due - np.timedelta64(30, "D")).cast(pl.Date),
            "due_date": pl.Series(due).cast(pl.Date),
            "open_amount": np.where(is_payment, -amount, amount).astype("int64"),
        }
    )


def native_polars(items: Any) -> Any:
    """The aging written directly in Polars: days and bucket index computed once, then
    one conditional column per bucket and one group-by."""
    import polars as pl

    credit = pl.col("kind").is_in(["credit_memo", "payment"])
    start = pl.when(credit).then(pl.col("issue_date")).otherwise(pl.col("due_date"))
    staged = items.with_columns(_credit=credit, _days=(pl.lit(AS_OF) - start).dt.total_days())
    index = sum(((pl.col("_days") > e).cast(pl.Int64) for e in EDGES), pl.lit(0, pl.Int64))
    staged = staged.with_columns(_index=index)
    amount, is_credit = pl.col("open_amount"), pl.col("_credit")
    buckets = [
        pl.when(~is_credit & (pl.col("_index") == i)).then(amount).otherwise(0).alias(label)
        for i, label in enumerate(LABELS)
    ]
    lines = (
        staged.with_columns(*buckets, credits=pl.when(is_credit).then(amount).otherwise(0))
        .group_by("customer_id", "currency")
        .agg(*(pl.col(c).sum() for c in [*LABELS, "credits"]), pl.len().alias("items"))
        .with_columns(total=pl.sum_horizontal(*LABELS, "credits"))
    )
    return lines.sort("customer_id", "currency")


def native_pandas(items: Any) -> Any:
    """The aging written directly in pandas and numpy, with one group-by."""
    import numpy as np

    credit = items["kind"].isin(["credit_memo", "payment"]).to_numpy()
    start = np.where(credit, items["issue_date"].to_numpy(), items["due_date"].to_numpy())
    days = (np.datetime64(AS_OF, "D") - start.astype("datetime64[D]")).astype("int64")
    index = np.searchsorted(np.array(EDGES), days, side="left")
    amount = items["open_amount"].to_numpy()
    columns = {label: np.where(~credit & (index == i), amount, 0) for i, label in enumerate(LABELS)}
    columns["credits"] = np.where(credit, amount, 0)
    frame = items[["customer_id", "currency"]].assign(**columns)
    sums = {c: (c, "sum") for c in [*LABELS, "credits"]}
    lines = frame.groupby(["customer_id", "currency"], sort=True).agg(
        **sums, items=("credits", "size")
    )
    lines["total"] = lines[[*LABELS, "credits"]].sum(axis=1)
    return lines.reset_index()


def frames_path(items: Any) -> Any:
    from receivables.frames import age_frame

    return age_frame(items, as_of=AS_OF)


def _case(args: tuple[str, str, int]) -> tuple[float, float]:
    """(best of three seconds, peak MiB above the data) of one case, in this process."""
    engine, path, n = args
    items = polars_items(n)
    if engine == "pandas":
        items = items.to_pandas()
        items["issue_date"] = items["issue_date"].astype("datetime64[s]")
        items["due_date"] = items["due_date"].astype("datetime64[s]")
    base = _rss_mib()
    func: Callable[[Any], Any] = {
        ("polars", "frames"): frames_path,
        ("polars", "native"): native_polars,
        ("polars", "native-lazy"): lambda frame: native_polars(frame.lazy()).collect(),
        ("pandas", "frames"): frames_path,
        ("pandas", "native"): native_pandas,
    }[(engine, path)]
    with _PeakSampler() as sampler:
        func(items)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        func(items)
        best = min(best, time.perf_counter() - started)
    return best, max(0.0, sampler.peak - base)


def run_case(engine: str, path: str, n: int) -> tuple[float, float]:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.map(_case, [(engine, path, n)])[0]


def check_same(n: int) -> None:
    """The four computations give the same lines before anything is timed."""
    import polars as pl

    items = polars_items(n)
    want = native_polars(items).select("customer_id", *LABELS, "credits", "total")
    got = frames_path(items).select("customer_id", *LABELS, "credits", "total")
    assert got.equals(want), "frames path on Polars differs from native Polars"
    pd_items = items.to_pandas()
    got_pd = pl.from_pandas(frames_path(pd_items)).select(want.columns)
    assert got_pd.equals(want), "frames path on pandas differs"
    native_pd = pl.from_pandas(native_pandas(pd_items)).select(want.columns)
    assert native_pd.equals(want), "native pandas differs"


def part_one(sizes: list[int]) -> None:
    check_same(min(sizes))
    print("Part 1: customer lines of N open items (best of 3; peak RSS above the data)")
    print(
        f"{'engine':14} {'N':>11} {'native s':>9} {'frames s':>9} {'ratio':>6}"
        f" {'native MiB':>11} {'frames MiB':>11}"
    )
    for n in sizes:
        frames = {engine: run_case(engine, "frames", n) for engine in ("polars", "pandas")}
        for engine, path in (("polars", "native"), ("polars", "native-lazy"), ("pandas", "native")):
            native_s, native_mib = run_case(engine, path, n)
            frames_s, frames_mib = frames[engine]
            name = engine if path == "native" else f"{engine} (lazy)"
            print(
                f"{name:14} {n:>11,} {native_s:>9.3f} {frames_s:>9.3f}"
                f" {frames_s / native_s:>5.2f}x {native_mib:>11.0f} {frames_mib:>11.0f}",
                flush=True,
            )


def part_two(n: int) -> None:
    from receivables.aging import age
    from receivables.ledger import OpenItem
    from receivables.models import Invoice, Payment
    from receivables.money import Money

    items = polars_items(n)
    started = time.perf_counter()
    objects = []
    for doc_id, customer, kind, issued, due, amount in items.select(
        "document_id", "customer_id", "kind", "issue_date", "due_date", "open_amount"
    ).iter_rows():
        money = Money(Decimal(abs(amount)).scaleb(-2), "USD")
        if kind == "invoice":
            doc: Any = Invoice.model_construct(
                id=doc_id,
                customer_id=customer,
                issue_date=issued,
                due_date=due,
                currency="USD",
                total=money,
            )
            objects.append(OpenItem(doc, money, money))
        else:
            doc = Payment.model_construct(
                id=doc_id, customer_id=customer, received_on=issued, amount=money
            )
            objects.append(OpenItem(doc, -money, -money))
    built = time.perf_counter() - started
    started = time.perf_counter()
    age(objects, as_of=AS_OF, detail=False)
    object_s = time.perf_counter() - started
    frames_s = min(_timed(lambda: frames_path(items)) for _ in range(3))
    print(f"\nPart 2: {n:,} open items, object model vs frames (Polars)")
    print(f"  building {n:,} OpenItem objects (not in the ratio): {built:.2f} s")
    print(f"  age(items, detail=False):     {object_s:8.3f} s")
    print(f"  age_frame(polars frame):      {frames_s:8.3f} s")
    print(f"  object model / frames:        {object_s / frames_s:8.1f}x")


def _timed(func: Callable[[], Any]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="100k items only")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [1_000_000, 10_000_000]
    part_one(sizes)
    part_two(100_000 if args.quick else 1_000_000)


if __name__ == "__main__":
    main()
