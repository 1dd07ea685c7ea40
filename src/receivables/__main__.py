"""``python -m receivables``: the open balance and aging of the bundled sample ledger.

Prints, as of the sample's date, the open balance per currency and the aging by days
past due, every document revalued into USD at the sample's rates. The full command line
(``receivables``, extra ``cli``) has the other reports.
"""

from __future__ import annotations

from receivables.aging import age
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates


def main() -> None:
    """Print the sample ledger's open balance per currency and its aging in USD."""
    ledger, as_of = sample_ledger(), SAMPLE_AS_OF
    print(f"Sample ledger as of {as_of.isoformat()}: {len(ledger)} documents")
    print("\nOpen balance by currency")
    for code, amount in ledger.balances(as_of=as_of).items():
        print(f"  {code}  {amount.amount:>16,}")
    report = age(ledger, as_of=as_of, currency="USD", rates=sample_rates(), detail=False)
    print()
    print(report.to_text(level="total"))


if __name__ == "__main__":
    main()
