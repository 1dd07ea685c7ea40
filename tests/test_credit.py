"""Exposure, order checks, overrides, payment behaviour, scorecard and limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.credit import (
    BehaviourPolicy,
    BureauReport,
    CreditFile,
    CreditOverride,
    CreditPolicy,
    InvalidCreditInput,
    LimitPolicy,
    OpenOrder,
    ScorecardPolicy,
    average_monthly_sales,
    check_order,
    exposure,
    next_review_date,
    paydex_style_score,
    payment_behaviour,
    recommend_limit,
    score_customer,
)
from receivables.errors import CurrencyMismatch
from receivables.financials import AltmanModel, FinancialStatements, altman_z_from_ratios
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    Invoice,
    Payment,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money

D = Decimal
AS_OF = date(2026, 6, 30)


def M(text: str) -> Money:  # noqa: N802 - reads like the ledger it describes
    """'12.30 USD' -> Money."""
    return Money.parse(text)


ACME = Customer(id="C1", name="Acme", currency="USD", credit_limit="10000.00 USD")


def ledger_of(*docs: Invoice | Payment | CreditMemo, customers: tuple[Customer, ...] = (ACME,)):
    return Ledger(docs, customers=customers)


def inv(doc_id: str, amount: str, issued: date, customer: str = "C1", terms: str = "NET 30"):
    return Invoice(id=doc_id, customer_id=customer, issue_date=issued, terms=terms, total=amount)


def override(**changes: object) -> CreditOverride:
    data: dict[str, object] = {
        "id": "OV-1",
        "customer_id": "C1",
        "approved_by": "CFO",
        "approved_on": date(2026, 6, 1),
        "reason": "seasonal peak",
        "amount": "2000.00 USD",
        "expires_on": date(2026, 7, 31),
    }
    data.update(changes)
    return CreditOverride.model_validate(data)


# --- exposure -------------------------------------------------------------------------


def test_exposure_adds_ar_orders_and_new_order_less_unapplied_cash_and_credit_memos() -> None:
    """6,000 open AR + 1,500 open order + 2,000 new order - 500 cash - 300 memo = 8,700."""
    ledger = ledger_of(
        inv("I1", "6000.00 USD", date(2026, 6, 1)),
        Payment(id="P1", customer_id="C1", received_on=date(2026, 6, 20), amount="500.00 USD"),
        CreditMemo(id="CM1", customer_id="C1", issue_date=date(2026, 6, 21), amount="300.00 USD"),
    )
    orders = [
        OpenOrder(id="SO-1", customer_id="C1", amount="1500.00 USD", ordered_on=date(2026, 6, 25))
    ]
    e = exposure(ACME, ledger=ledger, as_of=AS_OF, open_orders=orders, new_order=M("2000 USD"))
    assert e.total == M("8700.00 USD")
    assert [(c.kind, c.id) for c in e.components] == [
        ("open_invoice", "I1"),
        ("open_order", "SO-1"),
        ("new_order", "new order"),
        ("unapplied_cash", "P1"),
        ("open_credit_memo", "CM1"),
    ]
    assert e.subtotal("unapplied_cash") == M("-500.00 USD")


def test_credit_memos_do_not_reduce_exposure_when_the_policy_says_so() -> None:
    ledger = ledger_of(
        inv("I1", "6000.00 USD", date(2026, 6, 1)),
        CreditMemo(id="CM1", customer_id="C1", issue_date=date(2026, 6, 21), amount="300.00 USD"),
    )
    policy = CreditPolicy(credit_memos_reduce_exposure=False)
    e = exposure(ACME, ledger=ledger, as_of=AS_OF, policy=policy)
    assert e.total == M("6000.00 USD")
    assert e.skipped == (
        "CM1: open credit memo -300.00 USD not deducted"
        " (policy.credit_memos_reduce_exposure is off)",
    )


def test_invoiced_cancelled_and_future_orders_are_skipped_with_reasons() -> None:
    orders = [
        OpenOrder(
            id="SO-1",
            customer_id="C1",
            amount="100.00 USD",
            ordered_on=date(2026, 6, 1),
            status="invoiced",
        ),
        OpenOrder(
            id="SO-2",
            customer_id="C1",
            amount="100.00 USD",
            ordered_on=date(2026, 6, 1),
            status="cancelled",
        ),
        OpenOrder(id="SO-3", customer_id="C1", amount="100.00 USD", ordered_on=date(2026, 7, 1)),
        OpenOrder(
            id="SO-4",
            customer_id="C1",
            amount="100.00 USD",
            ordered_on=date(2026, 6, 2),
            status="uninvoiced",
        ),
        OpenOrder(id="SO-9", customer_id="OTHER", amount="100.00 USD", ordered_on=date(2026, 6, 2)),
    ]
    e = exposure(ACME, ledger=ledger_of(), as_of=AS_OF, open_orders=orders)
    assert e.total == M("100.00 USD")
    assert e.skipped == (
        "SO-1: status invoiced: already in receivables",
        "SO-2: status cancelled: no commitment",
        "SO-3: ordered 2026-07-01, after as_of",
    )


def test_exposure_converts_each_component_and_records_the_rate() -> None:
    """500 EUR at 1.10 on 2026-06-01 = 550 USD."""
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 6, 1), rate=D("1.10"))])
    ledger = ledger_of(inv("I1", "500.00 EUR", date(2026, 6, 1)))
    e = exposure(ACME, ledger=ledger, as_of=AS_OF, rates=rates)
    (c,) = e.components
    assert (c.amount, c.converted, c.rate, c.rate_date) == (
        M("500.00 EUR"),
        M("550.00 USD"),
        D("1.10"),
        date(2026, 6, 1),
    )


def test_exposure_in_another_currency_without_rates_names_the_document() -> None:
    ledger = ledger_of(inv("I1", "500.00 EUR", date(2026, 6, 1)))
    with pytest.raises(CurrencyMismatch, match="I1: amount: is in EUR"):
        exposure(ACME, ledger=ledger, as_of=AS_OF)


def test_group_exposure_adds_the_parent_and_its_children() -> None:
    parent = Customer(id="P", name="Holding", currency="USD", credit_limit="5000.00 USD")
    child = Customer(
        id="C1", name="Acme", currency="USD", credit_limit="10000.00 USD", parent_id="P"
    )
    sibling = Customer(id="C2", name="Beta", currency="USD", parent_id="P")
    ledger = ledger_of(
        inv("I1", "1000.00 USD", date(2026, 6, 1)),
        inv("I2", "2000.00 USD", date(2026, 6, 1), customer="C2"),
        inv("I3", "400.00 USD", date(2026, 6, 1), customer="P"),
        customers=(parent, child, sibling),
    )
    e = exposure(child, ledger=ledger, as_of=AS_OF, group=True)
    assert (e.party_id, e.customer_ids, e.total) == ("P", ("C1", "C2", "P"), M("3400.00 USD"))


def test_exposure_refuses_duplicate_order_ids_with_different_content() -> None:
    a = OpenOrder(id="SO-1", customer_id="C1", amount="1.00 USD", ordered_on=date(2026, 6, 1))
    b = a.model_copy(update={"amount": M("2.00 USD")})
    with pytest.raises(InvalidCreditInput, match="SO-1"):
        exposure(ACME, ledger=ledger_of(), as_of=AS_OF, open_orders=[a, b])


# --- order check ----------------------------------------------------------------------


def test_order_within_limit_is_approved() -> None:
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(ACME, M("4000.00 USD"), ledger=ledger, as_of=AS_OF)
    assert (d.outcome, d.reasons, d.excess) == ("approve", (), M("0.00 USD"))
    assert d.summary == "approve: no rule breached"


def test_order_over_limit_needs_override_and_says_by_how_much() -> None:
    """6,000 open + 4,500 order = 10,500 against 10,000: 500 over."""
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(ACME, M("4500.00 USD"), ledger=ledger, as_of=AS_OF)
    assert d.outcome == "needs_override"
    assert d.excess == M("500.00 USD")
    (r,) = d.reasons
    assert r.rule == "over_limit"
    assert r.message == "exposure 10500.00 USD exceeds the limit 10000.00 USD by 500.00 USD"


def test_customer_on_credit_hold_is_held() -> None:
    held = ACME.model_copy(update={"credit_hold": True})
    d = check_order(held, M("1.00 USD"), ledger=ledger_of(customers=(held,)), as_of=AS_OF)
    assert d.outcome == "hold"
    assert [r.rule for r in d.reasons] == ["credit_hold"]


def test_item_overdue_beyond_the_policy_days_holds() -> None:
    """Due 2026-04-01, as of 2026-06-30: 90 days overdue > 60."""
    ledger = ledger_of(inv("I1", "100.00 USD", date(2026, 3, 2)))
    d = check_order(ACME, M("1.00 USD"), ledger=ledger, as_of=AS_OF)
    assert d.outcome == "hold"
    (r,) = d.reasons
    assert (r.rule, r.actual, r.threshold) == ("overdue_days", "90", "60")


def test_overdue_amount_above_the_policy_amount_holds() -> None:
    """Two invoices 10 and 5 days overdue, 700 + 400 = 1,100 > 1,000."""
    ledger = ledger_of(
        inv("I1", "700.00 USD", date(2026, 5, 21)),
        inv("I2", "400.00 USD", date(2026, 5, 26)),
    )
    policy = CreditPolicy(max_overdue_amount=M("1000.00 USD"))
    d = check_order(ACME, M("1.00 USD"), ledger=ledger, as_of=AS_OF, policy=policy)
    assert d.outcome == "hold"
    assert [(r.rule, r.actual) for r in d.reasons] == [("overdue_amount", "1100.00 USD")]


def test_expired_review_and_risk_class_come_from_the_credit_file() -> None:
    file = CreditFile(customer_id="C1", risk_class="D", next_review_on=date(2026, 6, 1))
    d = check_order(ACME, M("1.00 USD"), ledger=ledger_of(), as_of=AS_OF, credit_file=file)
    assert d.outcome == "needs_override"
    assert [r.rule for r in d.reasons] == ["review_expired", "risk_class"]


def test_risk_class_e_holds() -> None:
    file = CreditFile(customer_id="C1", risk_class="E")
    d = check_order(ACME, M("1.00 USD"), ledger=ledger_of(), as_of=AS_OF, credit_file=file)
    assert d.outcome == "hold"


def test_customer_without_limit_needs_override() -> None:
    bare = Customer(id="C1", name="Acme", currency="USD")
    d = check_order(bare, M("1.00 USD"), ledger=ledger_of(customers=(bare,)), as_of=AS_OF)
    assert (d.outcome, d.reasons[0].rule, d.limit) == ("needs_override", "no_credit_limit", None)


def test_group_limit_breach_is_reported() -> None:
    parent = Customer(id="P", name="Holding", currency="USD", credit_limit="2000.00 USD")
    child = ACME.model_copy(update={"parent_id": "P"})
    sibling = Customer(id="C2", name="Beta", currency="USD", parent_id="P")
    ledger = ledger_of(
        inv("I2", "1800.00 USD", date(2026, 6, 1), customer="C2"),
        customers=(parent, child, sibling),
    )
    d = check_order(child, M("500.00 USD"), ledger=ledger, as_of=AS_OF)
    assert d.outcome == "needs_override"
    assert d.group_excess == M("300.00 USD")
    assert [r.rule for r in d.reasons] == ["group_over_limit"]


def test_override_within_amount_and_validity_approves_and_keeps_the_breach() -> None:
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(ACME, M("5000.00 USD"), ledger=ledger, as_of=AS_OF, overrides=[override()])
    assert d.outcome == "approve"
    assert d.override_id == "OV-1"
    assert d.excess == M("1000.00 USD")
    assert d.limit == M("10000.00 USD")
    assert d.reasons[0].rule == "over_limit"
    assert d.reasons[0].overridden_by == "OV-1"
    assert d.summary.startswith("approve: approved by override OV-1, breaches remain: exposure")


def test_override_is_not_honoured_beyond_its_amount() -> None:
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(ACME, M("6000.01 USD"), ledger=ledger, as_of=AS_OF, overrides=[override()])
    assert d.outcome == "needs_override"
    assert d.override_notes == (
        "OV-1: not applied: the excess 2000.01 USD is above the approved 2000.00 USD",
    )


def test_override_is_not_honoured_after_expiry_or_before_approval() -> None:
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    late = check_order(
        ACME, M("5000.00 USD"), ledger=ledger, as_of=date(2026, 8, 1), overrides=[override()]
    )
    early = check_order(
        ACME,
        M("5000.00 USD"),
        ledger=ledger,
        as_of=date(2026, 6, 1),
        overrides=[override(approved_on=date(2026, 6, 2))],
    )
    assert late.outcome == early.outcome == "needs_override"
    assert late.override_notes == ("OV-1: not applied: expired on 2026-07-31",)


def test_override_for_another_order_does_not_apply() -> None:
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(
        ACME,
        M("5000.00 USD"),
        ledger=ledger,
        as_of=AS_OF,
        order_id="SO-2",
        overrides=[override(order_id="SO-1")],
    )
    assert d.outcome == "needs_override"
    ok = check_order(
        ACME,
        M("5000.00 USD"),
        ledger=ledger,
        as_of=AS_OF,
        order_id="SO-1",
        overrides=[override(order_id="SO-1")],
    )
    assert ok.outcome == "approve"


def test_override_never_lifts_a_hold() -> None:
    held = ACME.model_copy(update={"credit_hold": True})
    d = check_order(
        held,
        M("1.00 USD"),
        ledger=ledger_of(customers=(held,)),
        as_of=AS_OF,
        overrides=[override()],
    )
    assert d.outcome == "hold"
    assert d.override_notes == (
        "OV-1: not applied: the decision is a hold, which no override lifts",
    )


def test_override_in_another_currency_is_converted() -> None:
    """1,000 EUR at 1.10 = 1,100 USD of headroom; excess 1,000 USD fits."""
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 1), rate=D("1.10"))])
    ledger = ledger_of(inv("I1", "6000.00 USD", date(2026, 6, 1)))
    d = check_order(
        ACME,
        M("5000.00 USD"),
        ledger=ledger,
        as_of=AS_OF,
        rates=rates,
        overrides=[override(amount="1000.00 EUR")],
    )
    assert d.outcome == "approve"


def test_decision_rows_list_every_reason() -> None:
    file = CreditFile(customer_id="C1", next_review_on=date(2026, 1, 1))
    ledger = ledger_of(inv("I1", "9000.00 USD", date(2026, 6, 1)))
    d = check_order(ACME, M("2000.00 USD"), ledger=ledger, as_of=AS_OF, credit_file=file)
    assert [row["rule"] for row in d.to_rows()] == ["over_limit", "review_expired"]


# --- bad input ------------------------------------------------------------------------


def test_non_positive_order_amount_is_refused() -> None:
    with pytest.raises(InvalidCreditInput, match="amount"):
        check_order(ACME, M("-1.00 USD"), ledger=ledger_of(), as_of=AS_OF)


def test_negative_credit_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="credit_limit"):
        Customer(id="C9", name="X", currency="USD", credit_limit="-1.00 USD")


def test_negative_override_amount_and_backwards_expiry_are_refused() -> None:
    with pytest.raises(ValidationError, match="must not be negative"):
        override(amount="-1.00 USD")
    with pytest.raises(ValidationError, match="expires_on"):
        override(expires_on=date(2026, 5, 1))


def test_non_positive_open_order_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be positive"):
        OpenOrder(id="SO", customer_id="C1", amount="0.00 USD", ordered_on=AS_OF)


def test_negative_overdue_amount_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_overdue_amount"):
        CreditPolicy(max_overdue_amount=M("-5.00 USD"))


def test_credit_file_of_another_customer_is_refused() -> None:
    with pytest.raises(InvalidCreditInput, match="belongs to C2"):
        check_order(
            ACME,
            M("1.00 USD"),
            ledger=ledger_of(),
            as_of=AS_OF,
            credit_file=CreditFile(customer_id="C2"),
        )


def test_policy_round_trips_through_json() -> None:
    policy = CreditPolicy(max_overdue_amount=M("1000.00 USD"))
    assert CreditPolicy.model_validate_json(policy.model_dump_json()) == policy


# --- payment behaviour ----------------------------------------------------------------


def paid_ledger() -> Ledger:
    """Three invoices, NET 30: I1 1,000 paid 15 days late (in the prior months), I2 3,000
    paid on the due date, I3 1,000 paid 30 days late (recent), I4 written off."""
    docs = [
        inv("I1", "1000.00 USD", date(2026, 1, 1)),  # due 01-31
        inv("I2", "3000.00 USD", date(2026, 2, 1)),  # due 03-03
        inv("I3", "1000.00 USD", date(2026, 4, 1)),  # due 05-01
        inv("I4", "50.00 USD", date(2026, 4, 1)),
        Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 15), amount="1000.00 USD"),
        Payment(id="P2", customer_id="C1", received_on=date(2026, 3, 3), amount="3000.00 USD"),
        Payment(id="P3", customer_id="C1", received_on=date(2026, 5, 31), amount="1000.00 USD"),
    ]
    return Ledger(docs, customers=[ACME]).apply(
        [
            Application(
                id="A1",
                source_id="P1",
                target_id="I1",
                applied_on=date(2026, 2, 15),
                amount="1000.00 USD",
            ),
            Application(
                id="A2",
                source_id="P2",
                target_id="I2",
                applied_on=date(2026, 3, 3),
                amount="3000.00 USD",
            ),
            Application(
                id="A3",
                source_id="P3",
                target_id="I3",
                applied_on=date(2026, 5, 31),
                amount="1000.00 USD",
            ),
            WriteOff(
                id="W1",
                document_id="I4",
                written_off_on=date(2026, 6, 1),
                amount="50.00 USD",
                reason_code="small balance",
            ),
        ]
    )


def test_behaviour_weights_days_beyond_terms_by_amount() -> None:
    """(1,000 x 15 + 3,000 x 0 + 1,000 x 30) / 5,000 = 9 days -> score 74 (80 at 0 days,
    70 at 15: 80 - 10 x 9 / 15 = 74)."""
    b = payment_behaviour("C1", ledger=paid_ledger(), as_of=AS_OF)
    assert b.weighted_days_beyond_terms == D("9.00")
    assert b.score == 74
    assert b.on_time_share == D("0.6000")
    assert b.skipped == ("I4: closed by a write-off, not by payment",)
    assert [row["days_beyond_terms"] for row in b.to_rows()] == [15, 0, 30]


def test_behaviour_trend_compares_last_three_months_with_the_prior_ones() -> None:
    """Recent (after 2026-03-30): I3 at 30 days; prior: (15,000 + 0) / 4,000 = 3.75."""
    b = payment_behaviour("C1", ledger=paid_ledger(), as_of=AS_OF)
    assert (b.recent_days_beyond_terms, b.prior_days_beyond_terms) == (D("30.00"), D("3.75"))
    assert b.trend_days == D("26.25")


def test_behaviour_without_history_has_no_score_and_says_why() -> None:
    b = payment_behaviour("C1", ledger=ledger_of(), as_of=AS_OF)
    assert (b.score, b.reason) == (None, "no invoice settled in the look-back window")


def test_behaviour_ignores_payments_outside_the_window() -> None:
    b = payment_behaviour("C1", ledger=paid_ledger(), as_of=date(2027, 3, 15))
    assert [i.id for i in b.invoices] == ["I3"]


@pytest.mark.parametrize(
    ("days", "score"),
    [(-30, 100), (0, 80), (15, 70), (30, 50), (60, 40), (90, 30), (120, 20), (-45, 100)],
)
def test_paydex_style_anchors_follow_the_published_key(days: int, score: int) -> None:
    """D&B's published PAYDEX key (dandb.com glossary 'PAYDEX'; SAIF 'Credit Q&A part 3'):
    100 = 30 days sooner than terms, 80 = prompt, 70 = 15 days beyond, 50 = 30 days,
    40 = 60, 30 = 90, 20 = 120 days beyond."""
    assert paydex_style_score(D(days)) == score


@pytest.mark.parametrize(
    ("days", "score"),
    [(-20, 90), (-10, 85), (22, 60), (23, 59), (26, 55), (33, 49), (45, 45)],
)
def test_paydex_style_score_matches_the_published_value_chart_between_anchors(
    days: int, score: int
) -> None:
    """D&B's PAYDEX Value Chart (dandb.com glossary 'PAYDEX'): 90 = 20 days sooner than
    terms, 85 = 10 days sooner, 59 = 23 days beyond, 55 = 26, 49 = 33, 45 = 45 days beyond;
    so the key has an anchor at 90 / 20 days early and 60 / 22 days beyond, not a straight
    line from 100 to 80 and from 70 to 50."""
    assert paydex_style_score(D(days)) == score


def test_behaviour_policy_refuses_rising_scores() -> None:
    with pytest.raises(ValidationError, match="anchors"):
        BehaviourPolicy(anchors=((0, 50), (10, 60)))


# --- bureau, scorecard, limit, review -------------------------------------------------


def test_bureau_report_refuses_out_of_range_paydex() -> None:
    with pytest.raises(ValidationError, match="paydex"):
        BureauReport(customer_id="C1", reported_on=AS_OF, paydex=101)


def test_scorecard_shows_the_arithmetic() -> None:
    """current ratio 2.0 -> 100 x 10; debt ratio 0.5 -> 70 x 10; Z' safe -> 100 x 20;
    behaviour 74 x 25; PAYDEX 80 x 10: (1000 + 700 + 2000 + 1850 + 800) / 75 = 84.67 -> A.
    """
    statements = FinancialStatements(
        currency="USD",
        current_assets="200",
        current_liabilities="100",
        total_liabilities="500",
        total_assets="1000",
    )
    altman = altman_z_from_ratios(AltmanModel.Z_PRIME, x1="0.5", x2="0.5", x3="0.3", x4="1", x5="1")
    card = score_customer(
        "C1",
        as_of=AS_OF,
        statements=statements,
        altman=altman,
        behaviour=payment_behaviour("C1", ledger=paid_ledger(), as_of=AS_OF),
        bureau=BureauReport(customer_id="C1", reported_on=date(2026, 6, 1), paydex=80),
    )
    assert card.score == D("84.67")
    assert card.risk_class == "A"
    assert card.next_review_on == date(2027, 6, 30)
    assert card.arithmetic == (
        "(100 x 10 + 70 x 10 + 100 x 20 + 74 x 25 + 80 x 10) / 75 = 84.67 -> class A"
    )
    skipped = {row["factor"]: row["reason"] for row in card.to_rows() if row["points"] is None}
    assert skipped == {
        "interest_coverage": "ebit: needed for interest_coverage but not given",
        "net_margin": "net_income: needed for net_margin but not given",
        "failure_score": "bureau report has no failure_score",
    }


def test_scorecard_without_any_factor_is_refused() -> None:
    with pytest.raises(InvalidCreditInput, match="no factor has a value"):
        score_customer("C1", as_of=AS_OF)


def test_scorecard_refuses_a_bureau_report_from_the_future() -> None:
    with pytest.raises(InvalidCreditInput, match="reported_on"):
        score_customer(
            "C1", as_of=AS_OF, bureau=BureauReport(customer_id="C1", reported_on=date(2026, 7, 1))
        )


def test_scorecard_policy_refuses_bad_class_floors() -> None:
    with pytest.raises(ValidationError, match="class_floors"):
        ScorecardPolicy(class_floors=(("A", D(50)), ("B", D(60))))


def test_recommended_limit_shows_each_step() -> None:
    """TNW (600,000 - 100,000) x 10% = 50,000; WC 150,000 x 20% = 30,000; base 30,000;
    cap 12,000 x 2 = 24,000; class B x 0.8 = 19,200."""
    fs = FinancialStatements(
        currency="USD",
        total_equity="600000",
        intangible_assets="100000",
        current_assets="400000",
        current_liabilities="250000",
    )
    rec = recommend_limit("C1", statements=fs, risk_class="B", average_monthly_sales=M("12000 USD"))
    assert [(s.step, s.amount) for s in rec.steps] == [
        ("net_worth_basis", M("50000.00 USD")),
        ("working_capital_basis", M("30000.00 USD")),
        ("base", M("30000.00 USD")),
        ("sales_cap", M("24000.00 USD")),
        ("capped", M("24000.00 USD")),
        ("risk_adjusted", M("19200.00 USD")),
        ("limit", M("19200.00 USD")),
    ]


def test_recommended_limit_is_never_negative_and_rounds_down() -> None:
    """Negative working capital counts as 0; 12,345.67 x 1.0 rounds down to 12,300."""
    weak = FinancialStatements(
        currency="USD", total_equity="100000", current_assets="1", current_liabilities="5"
    )
    assert recommend_limit("C1", statements=weak, risk_class="A").limit == M("0.00 USD")
    fs = FinancialStatements(currency="USD", total_equity="123456.70")
    assert recommend_limit("C1", statements=fs, risk_class="A").limit == M("12300.00 USD")


def test_limit_policy_refuses_negative_factors() -> None:
    with pytest.raises(ValidationError, match="class_factors"):
        LimitPolicy(class_factors={"A": D("-1")})


def test_average_monthly_sales_counts_the_last_twelve_months() -> None:
    ledger = ledger_of(
        inv("I0", "9999.00 USD", date(2025, 6, 30)),
        inv("I1", "12000.00 USD", date(2025, 7, 1)),
        inv("I2", "12000.00 USD", date(2026, 6, 30)),
    )
    assert average_monthly_sales("C1", ledger=ledger, as_of=AS_OF, currency="USD") == M(
        "2000.00 USD"
    )


def test_review_schedule_by_risk_class() -> None:
    assert next_review_date("A", as_of=AS_OF) == date(2027, 6, 30)
    assert next_review_date("D", as_of=AS_OF) == date(2026, 9, 30)
    with pytest.raises(InvalidCreditInput, match="unknown risk class"):
        next_review_date("Z", as_of=AS_OF)


# --- the bundled sample ---------------------------------------------------------------


def test_check_order_runs_on_the_sample_ledger_group_customer() -> None:
    from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

    ledger = sample_ledger()
    d = check_order(
        "C0006", Money("1000.00", "USD"), ledger=ledger, as_of=SAMPLE_AS_OF, rates=sample_rates()
    )
    assert d.group_exposure is not None
    assert d.group_exposure.party_id == "C0001"
    assert d.exposure.total == sum(
        (c.converted for c in d.exposure.components), Money.zero(d.exposure.currency)
    )


def test_the_how_to_runs() -> None:
    """docs/credit-check-howto.md is runnable: its Python blocks execute in order."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "credit-check-howto.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 4
    namespace: dict[str, object] = {"print": lambda *args: None}
    for block in blocks:
        exec(compile(block, "credit-check-howto.md", "exec"), namespace)
