"""``python -m receivables``: the open balance and aging of the bundled sample ledger.

Until the ``receivables`` command lands, this prints, as of the sample's date, the
open balance per currency and the open items by days past due, revalued into USD at the
sample's rates.
"""

from __future__ import annotations

from collections import defaultdict

from receivables.money import Money
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

_BUCKETS = ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90"), (120, "91-120"))


def _bucket(days_past_due: int) -> str:
    for upper, name in _BUCKETS:
        if days_past_due <= upper:
            return name
    return "120+"


def main() -> None:
    """Print the sample ledger's open balance and its aging."""
    ledger, rates, as_of = sample_ledger(), sample_rates(), SAMPLE_AS_OF
    print(f"Sample ledger as of {as_of.isoformat()}: {len(ledger)} documents")
    print("\nOpen balance by currency")
    for code, amount in ledger.balances(as_of=as_of).items():
        print(f"  {code}  {amount.amount:>16,}")
    totals: dict[str, Money] = defaultdict(lambda: Money.zero("USD"))
    for item in ledger.open_items(as_of=as_of):
        name = "unapplied credit" if item.is_credit else _bucket((as_of - item.due_date).days)
        totals[name] += rates.convert(item.open, "USD", on=as_of)
    print("\nAging by days past due (USD at the rates of the day)")
    order = [name for _, name in _BUCKETS] + ["120+", "unapplied credit"]
    grand = Money.zero("USD")
    for name in order:
        amount = totals.get(name, Money.zero("USD"))
        grand += amount
        print(f"  {name:<17}{amount.amount:>16,}")
    print(f"  {'total':<17}{grand.amount:>16,}")


if __name__ == "__main__":
    main()
