"""Aging at scale: the frames path through narwhals against the same computation written
natively, on Polars and on pandas; and the object model against the frames path.

Part 1 ages N synthetic open items (seeded; 20,000 customers, USD, integer minor units,
95% invoices and 5% unapplied payments, due from 200 days before as-of to 60 after) into
customer lines of the standard buckets with a separate credits column. Three pairs are
timed: native Polars written step by step on an eager frame against ``age_frame`` on
that eager frame; native Polars as one lazy query against ``age_frame`` on the lazy frame
(both collected); native pandas and numpy against ``age_frame`` on the pandas frame.

Timing is built for a shared machine, where another job can take a core for seconds:
each pair runs in one fresh child process, warmed up once, then ``--rounds`` rounds each
timing native and frames back to back (the order alternating round by round), so a
burst of load hits both sides of a round. ``ratio`` is the median over rounds of frames
time / native time of the same round (target 1.2x at most); ``spread`` the lowest and
highest of those per-round ratios; ``best`` the fastest frames run over the fastest native
run. Times shown are medians. Peak memory is measured apart, one fresh process per path:
the resident set sampled every 2 ms during one run, less the resident set once the data
is built and the modules imported (it counts Polars' and Arrow's native buffers, which
tracemalloc does not see).

Part 2 ages the same items with ``receivables.aging.age`` over ``OpenItem`` objects (built
with ``model_construct``: validating a million generated models would measure pydantic)
and with ``age_frame`` on a Polars frame, to say when a frame pays off.

    python benchmarks/bench_frames.py              # 1M and 10M items; object model at 1M
    python benchmarks/bench_frames.py --quick      # 100k items; object model at 100k
    python benchmarks/bench_frames.py --rounds 21  # more rounds on a busy machine
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


def _native_lazy(items: Any) -> Any:
    return native_polars(items.lazy()).collect()


def _frames_lazy(items: Any) -> Any:
    return frames_path(items.lazy()).collect()


ENGINES: dict[str, str] = {
    "polars": "Polars (eager steps)",
    "polars-lazy": "Polars (lazy query)",
    "pandas": "pandas",
}
PATHS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("polars", "native"): native_polars,
    ("polars", "frames"): frames_path,
    ("polars-lazy", "native"): _native_lazy,
    ("polars-lazy", "frames"): _frames_lazy,
    ("pandas", "native"): native_pandas,
    ("pandas", "frames"): frames_path,
}


def _data(engine: str, n: int) -> Any:
    items = polars_items(n)
    if engine == "pandas":
        items = items.to_pandas()
        items["issue_date"] = items["issue_date"].astype("datetime64[s]")
        items["due_date"] = items["due_date"].astype("datetime64[s]")
    return items


def _rounds(args: tuple[str, int, int]) -> tuple[list[float], list[float]]:
    """(native seconds, frames seconds) of each round, in this process."""
    engine, n, rounds = args
    items = _data(engine, n)
    native, frames = PATHS[(engine, "native")], PATHS[(engine, "frames")]
    native(items)
    frames(items)
    times: dict[str, list[float]] = {"native": [], "frames": []}
    for i in range(rounds):
        order = [("native", native), ("frames", frames)]
        for path, func in order if i % 2 == 0 else order[::-1]:
            times[path].append(_timed(lambda func=func: func(items)))
    return times["native"], times["frames"]


def _peak(args: tuple[str, str, int]) -> float:
    """Peak MiB above the data of one run of one path, in this process."""
    engine, path, n = args
    import receivables.frames  # noqa: F401  (its import is not the computation's memory)

    items = _data(engine, n)
    base = _rss_mib()
    with _PeakSampler() as sampler:
        PATHS[(engine, path)](items)
    return max(0.0, sampler.peak - base)


def _in_child(func: Callable[[Any], Any], args: Any) -> Any:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.map(func, [args])[0]


def check_same(n: int) -> None:
    """The six computations give the same lines before anything is timed."""
    import polars as pl

    items = polars_items(n)
    columns = ["customer_id", *LABELS, "credits", "total"]
    want = native_polars(items).select(columns)
    for engine in ENGINES:
        data = _data(engine, n)
        for path in ("native", "frames"):
            got = PATHS[(engine, path)](data)
            got = pl.from_pandas(got) if engine == "pandas" else got
            assert got.select(columns).equals(want), f"{engine} {path} differs from native Polars"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def part_one(sizes: list[int], rounds: int) -> None:
    check_same(min(sizes))
    print(
        f"Part 1: customer lines of N open items ({rounds} interleaved rounds; median"
        " seconds; peak RSS above the data)"
    )
    print(
        f"{'engine':21} {'N':>11} {'native s':>9} {'frames s':>9} {'ratio':>6}"
        f" {'spread':>12} {'best':>6} {'native MiB':>11} {'frames MiB':>11}"
    )
    for n in sizes:
        for engine, name in ENGINES.items():
            native, frames = _in_child(_rounds, (engine, n, rounds))
            ratios = [f / t for f, t in zip(frames, native, strict=True)]
            native_mib = _in_child(_peak, (engine, "native", n))
            frames_mib = _in_child(_peak, (engine, "frames", n))
            spread = f"{min(ratios):.2f}-{max(ratios):.2f}x"
            print(
                f"{name:21} {n:>11,} {_median(native):>9.3f} {_median(frames):>9.3f}"
                f" {_median(ratios):>5.2f}x {spread:>12} {min(frames) / min(native):>5.2f}x"
                f" {native_mib:>11.0f} {frames_mib:>11.0f}",
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
    parser.add_argument("--rounds", type=int, default=11, help="timed rounds per pair")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    sizes = [100_000] if args.quick else [1_000_000, 10_000_000]
    part_one(sizes, args.rounds)
    part_two(100_000 if args.quick else 1_000_000)


if __name__ == "__main__":
    main()
