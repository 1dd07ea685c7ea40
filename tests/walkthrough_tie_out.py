"""How the numbers tie out: one customer through 2026, computed step by step.

This module is the source of ``docs/how-the-numbers-tie-out.md``: the page shows the code
between the ``# --8<-- [start:NAME]`` and ``# --8<-- [end:NAME]`` markers of :func:`walk`
and, below each, the lines that step printed. ``tests/test_tie_out_walkthrough.py`` runs
:func:`walk`, checks the identities the page claims, and checks that every code and output
block on the page is exactly what this module holds and prints, so the page cannot drift
from the code.

The story: a US seller (books in USD) invoices Müller Maschinenbau GmbH in EUR under
German law. Part of the invoice is disputed, the rest is dunned with statutory interest
(BGB § 288(2)), two partial payments are cleared by BGB § 367(1), the dispute ends upheld
in part, and at the year end the roll-forward proves the balance in USD.

Run it with ``python tests/walkthrough_tie_out.py`` to print every step.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from receivables.accrual import (
    CostCharge,
    InterestAccount,
    PartialPayment,
    PrincipalCredit,
    accrue_interest,
)
from receivables.aging import age
from receivables.clearing import BGB_367, Clearing
from receivables.disputes import (
    apply_resolution,
    collectable_split,
    dispute_lines,
    open_dispute,
    resolve_dispute,
)
from receivables.dunning import (
    DEFAULT_POLICY,
    DunningHistory,
    DunningPolicy,
    StageKind,
    dunning_run,
)
from receivables.fx import amounts_of, fx_movement, realised_fx, unrealised_fx
from receivables.interest import DE_BGB_288_B2B, ReferenceRate, ReferenceRates
from receivables.ledger import Ledger
from receivables.metrics import Period, average_days_delinquent, dso
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    DebitMemo,
    DebitReason,
    DisputeResolution,
    Invoice,
    InvoiceLine,
    Payment,
    TaxLine,
)
from receivables.money import FxRate, FxRates, Money
from receivables.reconcile import GlPosting, RollForward, reconcile, tie_out

EUR = "EUR"


# --8<-- [start:book_clearing]
def book_clearing(ledger: Ledger, payment: Payment, clearing: Clearing) -> Ledger:
    """Book a payment on the documents the way the clearing order placed it.

    The host posts costs and interest as debit memos (fee, interest); a placement on
    ``costs`` pays the open fee memos, on ``interest`` the open interest memos, oldest
    first, and on ``principal`` the invoice itself. Each application names its rule.
    """
    memo_reason = {"costs": DebitReason.FEE, "interest": DebitReason.INTEREST}
    applications: list[Application] = []
    for placement in clearing.placements:
        if placement.component == "principal":
            targets = [placement.document_id]
        else:
            targets = [
                doc.id
                for doc in ledger.documents
                if isinstance(doc, DebitMemo)
                and doc.reason is memo_reason[placement.component]
                and doc.linked_document_id in (placement.document_id, None)
                and doc.customer_id == payment.customer_id
            ]
        left = placement.amount
        for target in targets:
            take = min(left, ledger.open_amount(target, as_of=clearing.as_of))
            if take.amount > 0:
                applications.append(
                    Application(
                        id=f"{payment.id}-{len(applications) + 1}",
                        source_id=payment.id,
                        target_id=target,
                        applied_on=clearing.as_of,
                        amount=take,
                        reason=f"{clearing.citation}: {placement.component}",
                    )
                )
                left -= take
        if left.amount:
            raise ValueError(f"{payment.id}: {left} of {placement.component} has no document")
    return ledger.apply(applications)


# --8<-- [end:book_clearing]


@dataclass
class Walkthrough:
    """Everything the walk computed: the ledger, the interest accounts, the reports, and
    the lines each step printed (by step name)."""

    ledger: Ledger
    rates: FxRates
    accounts: dict[str, InterestAccount]
    year: RollForward
    quarters: list[RollForward]
    output: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def walk() -> Walkthrough:
    """Build the customer's year step by step and print what each step shows."""
    output: dict[str, list[str]] = defaultdict(list)
    accounts: dict[str, InterestAccount] = {}

    def show(step: str, *lines: object) -> None:
        output[step].extend(str(line).rstrip() for line in lines)

    # fmt: off

    # --8<-- [start:setup]
    customer = Customer(
        id="MUELLER", name="Müller Maschinenbau GmbH", currency="EUR", locale="de_DE",
        country="DE", dunning_policy_id="de",
    )
    vat = (TaxLine(jurisdiction="DE", rate=Decimal("19"), level="country"),)
    invoice = Invoice(
        id="INV-1001", customer_id="MUELLER", issue_date=date(2026, 1, 14),
        due_date=date(2026, 2, 13),
        lines=(
            InvoiceLine(id="L1", description="Spindle unit", unit_price="8000.00 EUR", taxes=vat),
            InvoiceLine(id="L2", description="Installation", unit_price="2000.00 EUR", taxes=vat),
        ),
    )
    ledger = Ledger([invoice], customers=[customer], functional_currency="USD")
    # EUR -> USD spot and closing rates (illustrative), and the Basiszinssatz (BGB § 247).
    rates = FxRates(rates=[
        FxRate(base="EUR", quote="USD", on=on, rate=Decimal(rate)) for on, rate in [
            (date(2026, 1, 14), "1.1600"), (date(2026, 3, 6), "1.1550"),
            (date(2026, 3, 20), "1.1500"), (date(2026, 3, 31), "1.1480"),
            (date(2026, 4, 2), "1.1450"), (date(2026, 5, 20), "1.1700"),
            (date(2026, 6, 30), "1.1800"), (date(2026, 9, 30), "1.1650"),
            (date(2026, 12, 15), "1.1850"), (date(2026, 12, 31), "1.1900"),
        ]
    ])
    basiszins = ReferenceRates(rates=[
        ReferenceRate(source="DE_BASISZINSSATZ", valid_from=date(2026, 1, 1),
                      rate=Decimal("1.27"), valid_to=date(2026, 6, 30)),
    ])
    amounts = amounts_of(invoice, ledger, rates=rates)
    for view in (amounts.transaction, amounts.party, amounts.functional):
        assert view is not None
        show("setup", f"{view.view:<12} {view.amount!s:>14}  rate {view.rate} ({view.source})")
    show("setup", f"due {invoice.due}, net {invoice.net_total}, VAT {invoice.tax_total}")
    # --8<-- [end:setup]

    # --8<-- [start:dispute]
    dispute = dispute_lines(
        invoice, ["L2"], dispute_id="DSP-7", reason_code="INSTALLATION_INCOMPLETE",
        opened_on=date(2026, 2, 10),
    )
    ledger = open_dispute(ledger, dispute)
    for item in collectable_split(ledger, as_of=date(2026, 2, 10)).items:
        show("dispute", f"{item.document_id}: open {item.open}, disputed {item.disputed},"
                        f" collectable {item.collectable}")
    # --8<-- [end:dispute]

    # --8<-- [start:dunning]
    german = DunningPolicy(
        id="de", name="B2B Deutschland", interest_law=DE_BGB_288_B2B,
        stages=tuple(s.model_copy(update={"charge_interest": s.kind is not StageKind.REMINDER})
                     for s in DEFAULT_POLICY.stages),
    )
    history = DunningHistory()
    for day in (date(2026, 2, 20), date(2026, 3, 6), date(2026, 3, 20)):
        run = dunning_run(ledger, as_of=day, policies={"de": german}, history=history,
                          reference_rates=basiszins)
        for proposal in run.proposals:
            show("dunning", f"{day} {proposal.stage_id}, fees {[str(f) for f in proposal.fees]}")
            for i in proposal.items:
                show("dunning", f"  {i.document_id}: open {i.open_amount}, disputed {i.disputed},"
                                f" dunned {i.dunned_amount}, interest {i.interest},"
                                f" compensation {i.compensation}")
        outcome = run.apply()
        history = outcome.history
        memos = [memo for notice in outcome.notices for memo in notice.debit_memos()]
        ledger = ledger.add(memos)
        for memo in memos:
            show("dunning", f"  posted {memo.id}: {memo.reason.value} {memo.total}")
    # --8<-- [end:dunning]

    # --8<-- [start:payment1]
    fee_memos = [d for d in ledger.documents
                 if isinstance(d, DebitMemo) and d.reason is DebitReason.FEE]
    costs = [CostCharge(id=m.id, charged_on=m.issue_date, amount=m.amount) for m in fee_memos]
    notices = [date(2026, 3, 6), date(2026, 3, 20)]  # interest charged on these notices
    pay1 = Payment(id="PAY-1", customer_id="MUELLER", received_on=date(2026, 4, 2),
                   amount="5000.00 EUR")
    account = accrue_interest(
        "INV-1001", principal=invoice.amount, start=invoice.due, as_of=pay1.received_on,
        law=DE_BGB_288_B2B, rates=basiszins, order=BGB_367, costs=costs,
        payments=[PartialPayment(id=pay1.id, received_on=pay1.received_on, amount=pay1.amount)],
        disputes=ledger.disputes, postings=notices, arose_on=invoice.issue_date,
    )
    accounts["2026-04-02"] = account
    for p in account.periods:
        show("payment1", f"{p.first_day} .. {p.last_day} {p.days:>3} days on {p.earning}"
                         f" (principal {p.principal} - disputed {p.disputed}):"
                         f" {p.interest_exact:.4f}")
    event = account.events[-1]
    assert event.clearing is not None
    for placement in event.clearing.placements:
        show("payment1", f"{placement.amount!s:>12} -> {placement.component:<9}"
                         f" {placement.component_rule}")
    # Interest of the days since the last notice becomes a claim the host posts now.
    catch_up = DebitMemo(id="INT-INV-1001-20260402", customer_id="MUELLER",
                         issue_date=pay1.received_on, total=event.interest_posted,
                         reason=DebitReason.INTEREST, linked_document_id="INV-1001")
    ledger = book_clearing(ledger.add([catch_up, pay1]), pay1, event.clearing)
    for a in ledger.applications:
        if a.source_id == pay1.id:
            show("payment1", f"{a.id}: {a.target_id} {a.amount}")
    show("payment1", f"principal left {account.principal}; ledger open on INV-1001"
                     f" {ledger.open_amount('INV-1001', as_of=pay1.received_on)}")
    # --8<-- [end:payment1]

    # --8<-- [start:resolution]
    record = resolve_dispute(
        ledger, "DSP-7", on=date(2026, 5, 20), resolution=DisputeResolution.UPHELD_IN_PART,
        upheld=Money("1190.00", EUR), credit_memo_id="CM-1001-1",
        note="installation half done: half of it credited",
    )
    ledger = apply_resolution(ledger, record)
    show("resolution", f"outcome {record.outcome}: credited {record.credited},"
                       f" collectable again {record.resumed}, open {record.open_after}",
         *record.reasons)
    # --8<-- [end:resolution]

    # --8<-- [start:payment2]
    pay2 = Payment(id="PAY-2", customer_id="MUELLER", received_on=date(2026, 6, 30),
                   amount="4000.00 EUR")
    credit_memo = record.credit_memo
    assert isinstance(credit_memo, CreditMemo)
    account = accrue_interest(
        "INV-1001", principal=invoice.amount, start=invoice.due, as_of=pay2.received_on,
        law=DE_BGB_288_B2B, rates=basiszins, order=BGB_367, costs=costs,
        payments=[PartialPayment(id=p.id, received_on=p.received_on, amount=p.amount)
                  for p in (pay1, pay2)],
        credits=[PrincipalCredit(id=credit_memo.id, credited_on=credit_memo.issue_date,
                                 amount=record.credited, reason="dispute upheld in part")],
        disputes=ledger.disputes, postings=notices, arose_on=invoice.issue_date,
    )
    accounts["2026-06-30"] = account
    for p in account.periods[3:]:
        show("payment2", f"{p.first_day} .. {p.last_day} {p.days:>3} days on {p.earning}"
                         f" (principal {p.principal} - disputed {p.disputed}):"
                         f" {p.interest_exact:.4f}")
    event = account.events[-1]
    assert event.clearing is not None
    for placement in event.clearing.placements:
        show("payment2", f"{placement.amount!s:>12} -> {placement.component:<9}"
                         f" {placement.component_rule}")
    posted = sum((d.amount for d in ledger.documents if isinstance(d, DebitMemo)
                  and d.reason is DebitReason.INTEREST), Money.zero(EUR))
    catch_up = DebitMemo(id="INT-INV-1001-20260630", customer_id="MUELLER",
                         issue_date=pay2.received_on, total=account.interest_accrued - posted,
                         reason=DebitReason.INTEREST, linked_document_id="INV-1001")
    ledger = book_clearing(ledger.add([catch_up, pay2]), pay2, event.clearing)
    show("payment2", f"interest accrued {account.interest_accrued}, paid"
                     f" {account.interest_paid}; principal left {account.principal};"
                     f" ledger open on INV-1001"
                     f" {ledger.open_amount('INV-1001', as_of=pay2.received_on)}")
    # --8<-- [end:payment2]

    # --8<-- [start:aging]
    ledger = ledger.add([Invoice(id="INV-1057", customer_id="MUELLER",
                                 issue_date=date(2026, 12, 15), terms="NET 30",
                                 total="2380.00 EUR")])
    for as_of in (date(2026, 3, 31), date(2026, 12, 31)):
        report = age(ledger, as_of=as_of, currency="USD", rates=rates)
        line = report.totals[0]
        show("aging", f"as of {as_of}: total {line.total}, disputed {line.disputed},"
                      f" collectable {line.collectable}")
        for bucket in line.buckets:
            if bucket.items:
                show("aging", f"  {bucket.label:<8} {bucket.open!s:>14}"
                              f"  ({bucket.items} items, disputed {bucket.disputed})")
    # --8<-- [end:aging]

    # --8<-- [start:rollforward]
    year = reconcile(ledger, start=date(2025, 12, 31), as_of=date(2026, 12, 31),
                     view="functional", rates=rates)
    row = year.total()
    for name, figure in row.figures():
        show("rollforward", f"{name:<14}{figure.amount!s:>14}  {', '.join(figure.documents)}")
    show("rollforward", f"{'aging total':<14}{row.aging_total!s:>14}", f"balanced {year.balanced}")
    # --8<-- [end:rollforward]

    # --8<-- [start:quarters]
    ends = [date(2025, 12, 31), date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30),
            date(2026, 12, 31)]
    quarters = [reconcile(ledger, start=start, as_of=end, view="functional", rates=rates)
                for start, end in itertools.pairwise(ends)]
    names = ("opening", "invoices", "debit_memos", "credit_memos", "cash", "realised_fx",
             "unrealised_fx", "closing")
    show("quarters", "quarter  " + " ".join(f"{n:>13}" for n in names) + "  aging total")
    for q, rf in enumerate(quarters, start=1):
        total_row = rf.total()
        figures = dict(total_row.figures())
        show("quarters", f"Q{q} 2026 " + " ".join(f"{figures[n].amount.amount:>13}" for n in names)
                         + f"  {total_row.aging_total.amount:>11} {rf.balanced}")
    # --8<-- [end:quarters]

    # --8<-- [start:fx]
    for r in realised_fx(ledger, rates=rates, as_of=date(2026, 12, 31)):
        show("fx", f"realised   {r.movement_id:<14} {r.target_id:<47} {r.gain!s:>10}")
    for u in unrealised_fx(ledger, rates=rates, as_of=date(2026, 12, 31)):
        show("fx", f"unrealised {u.document_id}: {u.open} carried {u.carrying},"
                   f" at {u.closing_rate} {u.revalued}: {u.gain}")
    (m,) = fx_movement(ledger, rates=rates, start=date(2025, 12, 31), as_of=date(2026, 12, 31))
    show("fx", f"movement {m.closing - m.opening} = documents {m.documents}"
               f" + realised {m.realised} + unrealised"
               f" {m.unrealised_closing - m.unrealised_opening}: {m.holds}")
    # --8<-- [end:fx]

    # --8<-- [start:kpis]
    q1 = Period.quarter(2026, 1)
    for exclude in (False, True):
        for metric in (dso(ledger, period=q1, exclude_disputed=exclude),
                       average_days_delinquent(ledger, period=q1, exclude_disputed=exclude)):
            show("kpis", f"{metric.name:<24} {metric.value!s:>6} days  ending AR"
                         f" {metric.inputs['ending_ar']}, credit sales"
                         f" {metric.inputs['credit_sales']}")
            if metric.reason:
                show("kpis", f"  {metric.reason}")
    # --8<-- [end:kpis]

    # --8<-- [start:tieout]
    clean = tie_out(ledger, as_of=date(2026, 12, 31), control_balance=row.closing.amount,
                    rates=rates)
    show("tieout", f"control {clean.control_balance} vs ledger {clean.ledger_balance}:"
                   f" difference {clean.difference}, tied {clean.tied}")
    # A GL that does not revalue (IAS 21.23 done by a separate journal) and that posted
    # INV-1057 only on 4 January 2027: it shows INV-1001 at its booked rate.
    late = tie_out(ledger, as_of=date(2026, 12, 31), control_balance=Money("2337.21", "USD"),
                   rates=rates, gl_revaluation="none",
                   gl_postings=[GlPosting(reference="INV-1057", posted_on=date(2027, 1, 4),
                                          amount=Money("2820.30", "USD"))])
    show("tieout", f"control {late.control_balance} vs ledger {late.ledger_balance}:"
                   f" difference {late.difference}, explained {late.explained}, tied {late.tied}")
    for why in late.items:
        show("tieout", f"  {why.kind:<14} {why.reference} {why.amount!s:>12}: {why.reason}")
    # --8<-- [end:tieout]
    # fmt: on

    return Walkthrough(
        ledger=ledger, rates=rates, accounts=accounts, year=year, quarters=quarters, output=output
    )


if __name__ == "__main__":
    for step, lines in walk().output.items():
        print(f"--- {step}")
        print("\n".join(lines))
