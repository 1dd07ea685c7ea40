"""The cash forecast through the frames path: where its time goes, against aging.

``forecast_frame`` has two parts: the weights of each distinct (customer, due date) pair,
computed in Python from the payment profiles (``ItemWeigher``), and the per-item work in
the engine (conversion, the join, the integer split into periods, the sums). This script
times both on N synthetic open items (the items of ``bench_frames.py``: seeded, 20,000
customers, USD minor units, due from 200 days before as-of to 60 after), each customer
with a profile of its own (60 timing points, a share paid between 0.80 and 1), with a
monthly horizon of 3. The baseline, measured in the same run on the same frame, is
``age_frame``: the ratio says what a forecast costs next to an aging. Times are the best of
two (three for the aging).

    python benchmarks/bench_forecast_frames.py            # 1M items
    python benchmarks/bench_forecast_frames.py --quick    # 100k items
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench_frames import AS_OF, CUSTOMERS, polars_items

HORIZON = 3


def profiles(seed: int = 20261031) -> list[Any]:
    """A portfolio profile and one per customer, built directly (not learned from a ledger)."""
    from receivables.forecast import PaymentProfile, ProfilePoint

    rng = random.Random(seed)

    def profile(customer_id: str | None) -> PaymentProfile:
        days = sorted(rng.sample(range(-15, 120), 60))
        raw = [Decimal(rng.randint(1, 1000)) for _ in days]
        total = sum(raw)
        pairs = zip(days, raw, strict=True)
        points = tuple(ProfilePoint(days=d, probability=w / total) for d, w in pairs)
        return PaymentProfile(
            customer_id=customer_id,
            source="blended" if customer_id else "portfolio",
            documents=10,
            credibility=Decimal("0.5"),
            matured_documents=10,
            share_credibility=Decimal("0.5"),
            share_paid=Decimal(rng.randint(800, 1000)) / 1000,
            distribution=points,
            mean_days=Decimal(0),
            p25_days=days[15],
            p50_days=days[30],
            p75_days=days[45],
        )

    return [profile(None), *(profile(str(c)) for c in range(CUSTOMERS))]


def best_of(runs: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def weights_only(items: Any, all_profiles: list[Any]) -> int:
    """The Python part alone: the weights of every distinct (customer, due date)."""
    from receivables.forecast import ItemWeigher, forecast_periods

    spans = [(s, e) for s, e, _ in forecast_periods(AS_OF, period="month", horizon=HORIZON)]
    by_customer = {p.customer_id: p for p in all_profiles}
    pairs = items.select("customer_id", "due_date").unique().rows()
    weighers: dict[str, Any] = {}
    for customer, due in pairs:
        weigh = weighers.get(customer)
        if weigh is None:
            profile = by_customer.get(customer, by_customer[None])
            weigh = weighers[customer] = ItemWeigher(profile, as_of=AS_OF, periods=spans)
        weigh(due)
    return len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k items")
    args = parser.parse_args()
    from receivables.frames import age_frame, forecast_frame

    n = 100_000 if args.quick else 1_000_000
    items = polars_items(n)
    all_profiles = profiles()
    print(f"{n:,} items, {CUSTOMERS:,} customers, as of {AS_OF}, {HORIZON} months")

    def forecast_polars() -> Any:
        return forecast_frame(items, as_of=AS_OF, horizon=HORIZON, profiles=all_profiles)

    def aging_polars() -> Any:
        return age_frame(items, as_of=AS_OF)

    pairs = weights_only(items, all_profiles)
    t_age = best_of(3, aging_polars)
    t_forecast = best_of(2, forecast_polars)
    t_weights = best_of(2, lambda: weights_only(items, all_profiles))
    pandas_items = items.to_pandas()
    t_age_pd = best_of(3, lambda: age_frame(pandas_items, as_of=AS_OF))
    t_forecast_pd = best_of(
        2,
        lambda: forecast_frame(pandas_items, as_of=AS_OF, horizon=HORIZON, profiles=all_profiles),
    )
    print(f"distinct (customer, due date) pairs: {pairs:,}")
    print("| engine | age_frame s | forecast_frame s | forecast / aging | weights in Python s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for engine, aging, fc in (
        ("Polars", t_age, t_forecast),
        ("pandas", t_age_pd, t_forecast_pd),
    ):
        print(f"| {engine} | {aging:.3f} | {fc:.3f} | {fc / aging:.1f}x | {t_weights:.3f} |")
    check = forecast_polars().select("expected").to_series().sum()
    total = items.filter(items["kind"] == "invoice").select("open_amount").to_series().sum()
    print(f"expected in {HORIZON} months: {check:,} of {total:,} open (minor units)")


if __name__ == "__main__":
    main()
