"""The roll-forward and the GL tie-out, with worked numbers and the bundled sample."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.aging import age
from receivables.fx import MissingViewRate
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    DebitMemo,
    Invoice,
    Payment,
    Refund,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money
from receivables.reconcile import GlPosting, ReconcileError, reconcile, tie_out
from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

M = Money.parse
D = Decimal
JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def usd_book() -> Ledger:
    """Opening INV-1 1,000; in February INV-2 500, DM-1 50, CM-1 -100, PAY-1 -780 applied
    to INV-1 with a 20 discount, WO-1 writes off 200 of INV-1, PAY-2 -300 partly refunded."""
    return Ledger(
        [
            Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 1, 10),
                    total=M("1000.00 USD")),
            Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 2, 3),
                    total=M("500.00 USD")),
            DebitMemo(id="DM-1", customer_id="C1", issue_date=date(2026, 2, 5),
                      total=M("50.00 USD")),
            CreditMemo(id="CM-1", customer_id="C1", issue_date=date(2026, 2, 6),
                       amount=M("100.00 USD")),
            Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 2, 10),
                    amount=M("780.00 USD")),
            Payment(id="PAY-2", customer_id="C1", received_on=date(2026, 2, 11),
                    amount=M("300.00 USD")),
            Payment(id="PAY-3", customer_id="C1", received_on=date(2026, 3, 2),
                    amount=M("500.00 USD")),
        ],
        movements=[
            Application(id="A1", source_id="PAY-1", target_id="INV-1",
                        applied_on=date(2026, 2, 10), amount=M("780.00 USD"),
                        discount=M("20.00 USD")),
            WriteOff(id="WO-1", document_id="INV-1", written_off_on=date(2026, 2, 12),
                     amount=M("200.00 USD"), reason_code="small_balance"),
            Refund(id="RF-1", customer_id="C1", source_id="PAY-2", paid_on=date(2026, 2, 20),
                   amount=M("120.00 USD")),
            Application(id="A2", source_id="PAY-3", target_id="INV-2",
                        applied_on=date(2026, 3, 2), amount=M("500.00 USD")),
        ],
        functional_currency="USD",
    )  # fmt: skip


def test_each_figure_carries_its_amount_and_documents() -> None:
    row = reconcile(usd_book(), start=JAN, as_of=FEB).total()
    figures = {name: (f.amount.amount, f.documents) for name, f in row.figures()}
    assert figures["opening"] == (D("1000.00"), ("INV-1",))
    assert figures["invoices"] == (D("500.00"), ("INV-2",))
    assert figures["debit_memos"] == (D("50.00"), ("DM-1",))
    assert figures["credit_memos"] == (D("-100.00"), ("CM-1",))
    assert figures["cash"] == (D("-1080.00"), ("PAY-1", "PAY-2"))
    assert figures["discounts"] == (D("-20.00"), ("A1",))
    assert figures["write_offs"] == (D("-200.00"), ("WO-1",))
    assert figures["refunds"] == (D("120.00"), ("RF-1",))
    assert figures["closing"][0] == D("270.00")
    assert row.aging_total == M("270.00 USD")
    assert row.balanced


def test_an_as_of_roll_forward_reopens_what_was_paid_after_as_of() -> None:
    """PAY-3 pays INV-2 on 2 March: as of 28 February INV-2 is still open in full."""
    rf = reconcile(usd_book(), start=JAN, as_of=FEB)
    assert "INV-2" in rf.total().closing.documents
    assert "PAY-3" not in rf.total().cash.documents


def test_without_start_the_roll_forward_runs_from_nothing() -> None:
    row = reconcile(usd_book(), as_of=FEB).total()
    assert row.opening.amount == M("0.00 USD")
    assert row.invoices.amount == M("1500.00 USD")
    assert row.balanced


def test_start_after_as_of_is_refused() -> None:
    with pytest.raises(ReconcileError, match="start: 2026-02-28 is after as_of 2026-01-31"):
        reconcile(usd_book(), start=FEB, as_of=JAN)


def test_an_application_between_customers_of_a_group_is_a_transfer_that_cancels() -> None:
    customers = [
        Customer(id="P", name="Parent", currency="USD"),
        Customer(id="S", name="Sub", currency="USD", parent_id="P"),
    ]
    ledger = Ledger(
        [
            Invoice(id="I", customer_id="S", issue_date=date(2026, 1, 5), total=M("90 USD")),
            Payment(id="C", customer_id="P", received_on=date(2026, 1, 9), amount=M("90 USD")),
        ],
        customers=customers,
        movements=[Application(id="A", source_id="C", target_id="I",
                               applied_on=date(2026, 1, 9), amount=M("90 USD"))],
    )  # fmt: skip
    rf = reconcile(ledger, as_of=JAN)
    (parent,) = rf.customer("P")
    (sub,) = rf.customer("S")
    assert parent.transfers.amount == M("90.00 USD")
    assert sub.transfers.amount == M("-90.00 USD")
    assert rf.total().transfers.amount == M("0.00 USD")
    assert rf.balanced


def test_cross_currency_cash_is_a_transfer_between_currency_rows() -> None:
    """EUR 120 pays GBP 100: in the transaction view GBP loses 100, EUR gets 120 back."""
    ledger = Ledger(
        [
            Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 5), total=M("100 GBP")),
            Payment(id="P", customer_id="C", received_on=date(2026, 1, 9), amount=M("120 EUR")),
        ],
        movements=[Application(id="A", source_id="P", target_id="I", applied_on=date(2026, 1, 9),
                               amount=M("100 GBP"), source_amount=M("120 EUR"))],
    )  # fmt: skip
    rf = reconcile(ledger, as_of=JAN)
    assert rf.total("GBP").transfers.amount == M("-100.00 GBP")
    assert rf.total("EUR").transfers.amount == M("120.00 EUR")
    assert rf.balanced
    assert [r.currency for r in reconcile(ledger, as_of=JAN, currency="EUR").totals] == ["EUR"]


def test_the_functional_view_shows_realised_and_unrealised_fx() -> None:
    """EUR 1,000 at 1.10; EUR 600 paid at 1.05 (realised -30); EUR 400 open revalued from
    440 to 432 at 1.08 (unrealised -8): 1,100 - 630 - 30 - 8 = 432."""
    rates = FxRates(rates=[
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 5), rate=D("1.10")),
        FxRate(base="EUR", quote="USD", on=date(2026, 2, 4), rate=D("1.05")),
        FxRate(base="EUR", quote="USD", on=date(2026, 3, 31), rate=D("1.08")),
    ])  # fmt: skip
    ledger = Ledger(
        [
            Invoice(id="I", customer_id="C", issue_date=date(2026, 1, 5), total=M("1000 EUR")),
            Payment(id="P", customer_id="C", received_on=date(2026, 2, 4), amount=M("600 EUR")),
        ],
        movements=[Application(id="A", source_id="P", target_id="I", applied_on=date(2026, 2, 4),
                               amount=M("600 EUR"))],
        functional_currency="USD",
    )  # fmt: skip
    row = reconcile(ledger, as_of=date(2026, 3, 31), view="functional", rates=rates).total()
    assert row.invoices.amount == M("1100.00 USD")
    assert row.cash.amount == M("-630.00 USD")
    assert (row.realised_fx.amount, row.realised_fx.documents) == (M("-30.00 USD"), ("A",))
    assert (row.unrealised_fx.amount, row.unrealised_fx.documents) == (M("-8.00 USD"), ("I",))
    assert row.closing.amount == row.aging_total == M("432.00 USD")


def test_a_missing_rate_for_a_currency_view_names_document_date_and_field() -> None:
    ledger = Ledger(
        [Invoice(id="I9", customer_id="C", issue_date=date(2026, 1, 5), total=M("1 EUR"))],
        functional_currency="USD",
    )
    with pytest.raises(MissingViewRate, match=r"invoice I9: functional_rate: .*2026-01-05"):
        reconcile(ledger, as_of=JAN, view="functional")


def test_the_sample_ledger_rolls_forward_to_its_aging_total() -> None:
    """The bundled sample (functional USD): from 2025-12-31 to SAMPLE_AS_OF, every
    customer row and the total end on the aging, in all three views."""
    ledger, rates = sample_ledger(), sample_rates()
    for view in ("transaction", "party", "functional"):
        rf = reconcile(ledger, start=date(2025, 12, 31), as_of=SAMPLE_AS_OF, view=view,
                       rates=rates)  # type: ignore[arg-type]  # fmt: skip
        assert rf.balanced, view
    total = rf.total()
    report = age(ledger, as_of=SAMPLE_AS_OF, currency="USD", rates=rates, detail=False)
    assert total.closing.amount == report.total().total


# -- tie-out ---------------------------------------------------------------------------


def test_a_control_balance_equal_to_the_aging_ties_out_at_zero() -> None:
    result = tie_out(usd_book(), as_of=FEB, control_balance=M("270.00 USD"))
    assert (result.difference, result.items, result.tied) == (M("0.00 USD"), (), True)


def test_gl_postings_explain_the_difference() -> None:
    """GL 320 = ledger 270 + JE-7 (100, not in the ledger) - PAY-3 (500, the GL posted the
    receipt on 27 Feb, the ledger on 2 Mar) + INV-2 (posted at 1,000, not 500) - DM-1 (50,
    the GL posted it on 1 Mar)."""
    postings = [
        GlPosting(reference="JE-7", posted_on=date(2026, 2, 15), amount=M("100.00 USD")),
        GlPosting(reference="PAY-3", posted_on=date(2026, 2, 27), amount=M("-500.00 USD")),
        GlPosting(reference="INV-2", posted_on=date(2026, 2, 3), amount=M("1000.00 USD")),
        GlPosting(reference="DM-1", posted_on=date(2026, 3, 1), amount=M("50.00 USD")),
    ]
    result = tie_out(usd_book(), as_of=FEB, control_balance=M("320.00 USD"),
                     gl_postings=postings)  # fmt: skip
    kinds = {(i.kind, i.reference, i.amount.amount) for i in result.items}
    assert kinds == {
        ("amount_differs", "INV-2", D("500.00")),
        ("not_in_ledger", "JE-7", D("100.00")),
        ("dated_after_as_of", "PAY-3", D("-500.00")),
        ("not_yet_in_gl", "DM-1", D("-50.00")),
    }
    assert result.difference == M("50.00 USD")
    assert result.tied


def test_applications_after_as_of_are_listed_as_suspects() -> None:
    result = tie_out(usd_book(), as_of=FEB, control_balance=M("270.00 USD"))
    assert [(i.reference, i.amount.amount) for i in result.after_as_of] == [
        ("A2", D("0.00")),
        ("PAY-3", D("-500.00")),
    ]


def _eur_book(closing: str) -> tuple[Ledger, FxRates]:
    rates = FxRates(rates=[
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 5), rate=D("1.10")),
        FxRate(base="EUR", quote="USD", on=date(2026, 1, 31), rate=D(closing)),
    ])  # fmt: skip
    ledger = Ledger(
        [Invoice(id=f"I{i}", customer_id="C", issue_date=date(2026, 1, 5),
                 total=M("0.10 EUR")) for i in range(3)],
        functional_currency="USD",
    )  # fmt: skip
    return ledger, rates


def test_a_gl_that_did_not_revalue_is_explained_document_by_document() -> None:
    """Three EUR 0.10 invoices carried at 0.11 each (1.10); at the closing 1.20, 0.12 each:
    the ledger says 0.36, a GL at booked rates 0.33, each invoice explains -0.01."""
    ledger, rates = _eur_book("1.20")
    result = tie_out(ledger, as_of=JAN, control_balance=M("0.33 USD"), rates=rates,
                     gl_revaluation="none")  # fmt: skip
    assert result.difference == M("-0.03 USD")
    assert [(i.kind, i.reference, i.amount.amount) for i in result.items] == [
        ("not_revalued", f"I{i}", D("-0.01")) for i in range(3)
    ]
    assert result.tied


def test_a_gl_that_revalued_the_currency_balance_once_differs_by_the_rounding() -> None:
    """EUR 0.30 x 1.08125 = 0.324375 -> 0.32 once; 0.108125 -> 0.11 three times = 0.33."""
    ledger, rates = _eur_book("1.08125")
    result = tie_out(ledger, as_of=JAN, control_balance=M("0.32 USD"), rates=rates,
                     gl_revaluation="per_currency")  # fmt: skip
    assert result.difference == M("-0.01 USD")
    assert [(i.kind, i.reference) for i in result.items] == [("revaluation_rounding", "EUR")]
    assert result.tied


def test_a_control_balance_in_the_wrong_currency_is_refused() -> None:
    with pytest.raises(ReconcileError) as err:
        tie_out(usd_book(), as_of=FEB, control_balance=M("270.00 EUR"))
    assert err.value.field == "control_balance"
    assert "2026-02-28" in str(err.value)


def test_a_gl_posting_in_the_wrong_currency_is_refused() -> None:
    posting = GlPosting(reference="JE-1", posted_on=FEB, amount=M("1.00 EUR"))
    with pytest.raises(ReconcileError) as err:
        tie_out(usd_book(), as_of=FEB, control_balance=M("270.00 USD"), gl_postings=[posting])
    assert (err.value.document_id, err.value.field) == ("JE-1", "amount")


def test_an_unexplained_difference_is_reported() -> None:
    result = tie_out(usd_book(), as_of=FEB, control_balance=M("275.00 USD"))
    assert result.unexplained == M("5.00 USD")
    assert not result.tied


def _fx_ledger() -> tuple[Ledger, FxRates]:
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
                    total="123456.78 EUR", functional_rate=D("1.1037")),
            Invoice(id="I2", customer_id="C1", issue_date=date(2026, 1, 6), total="0.01 USD"),
            Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 4),
                    amount="100000.01 EUR", functional_rate=D("1.0851")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1",
                         applied_on=date(2026, 2, 4), amount="100000.01 EUR")])  # fmt: skip
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 31),
                                  rate=D("1.0973"))])  # fmt: skip
    return ledger, rates


def test_roll_forward_and_tie_out_do_not_depend_on_the_callers_decimal_context() -> None:
    """123,456.78 EUR at 1.1037 is 136,259.25 USD: a caller running at 5 significant
    digits (rounding down) must get the same roll-forward, not 136,250 or an error."""
    import decimal

    ledger, rates = _fx_ledger()

    def run() -> tuple[object, ...]:
        return (
            reconcile(ledger, start=date(2026, 1, 31), as_of=date(2026, 2, 28),
                      view="functional", rates=rates),
            tie_out(ledger, as_of=date(2026, 2, 28), rates=rates,
                    control_balance=Money("25000.00", "USD"), gl_revaluation="per_currency"),
        )  # fmt: skip

    expected = run()
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_DOWN):
        assert run() == expected
