"""Collections: collectable amounts, worklist triage, promises, disputes, contacts, targets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from receivables.collections import (
    CollectionsError,
    CollectionTarget,
    ContactRecord,
    PromiseStatus,
    TriageWeights,
    collectable_items,
    dispute_aging,
    evaluate_promise,
    evaluate_promises,
    last_contact,
    next_actions_due,
    suggest_target,
    target_progress,
    worklist,
)
from receivables.disputes import collectable_split
from receivables.errors import CurrencyMismatch
from receivables.forecast import forecast
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    Dispute,
    DisputeResolution,
    Document,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import FxRate, FxRates, Money

A = Money.parse
D = date


def inv(doc_id: str, amount: str, due: date, customer: str = "C1") -> Invoice:
    return Invoice(
        id=doc_id,
        customer_id=customer,
        issue_date=due - timedelta(days=30),
        due_date=due,
        total=A(amount),
    )


def cash(
    doc: Invoice, on: date, amount: str, *, pay_id: str | None = None
) -> tuple[Payment, Application]:
    pid = pay_id or f"P-{doc.id}-{on.isoformat()}"
    payment = Payment(id=pid, customer_id=doc.customer_id, received_on=on, amount=A(amount))
    return payment, Application(
        id=f"A-{pid}", source_id=pid, target_id=doc.id, applied_on=on, amount=A(amount)
    )


def customers(*specs: tuple[str, str | None], blocked: str | None = None) -> list[Customer]:
    return [
        Customer(
            id=cid,
            name=f"Customer {cid}",
            currency="USD",
            collector=who,
            dunning_block=cid == blocked,
        )
        for cid, who in specs
    ]


def ledger_of(
    docs: list[Document],
    moves: list[tuple[Payment, Application]] = (),  # type: ignore[assignment]
    **extra: object,
) -> Ledger:
    return Ledger(
        [*docs, *(p for p, _ in moves)],
        movements=[a for _, a in moves],
        **extra,  # type: ignore[arg-type]
    )


def promise(
    amount: str, promised_on: date, pay_by: date, docs: tuple[str, ...] = ("I1",), **extra: object
) -> PromiseToPay:
    return PromiseToPay.model_validate(
        {
            "id": extra.pop("id", "PTP1"),
            "customer_id": extra.pop("customer_id", "C1"),
            "document_ids": docs,
            "amount": A(amount),
            "promised_on": promised_on,
            "pay_by": pay_by,
            **extra,
        }
    )


# -- contact log ---------------------------------------------------------------------------


def test_last_contact_ignores_contacts_after_as_of() -> None:
    log = [
        ContactRecord(
            id="K1", customer_id="C1", on=D(2026, 3, 2), channel="call", outcome="no_answer"
        ),
        ContactRecord(
            id="K2", customer_id="C1", on=D(2026, 3, 9), channel="email", outcome="reached"
        ),
        ContactRecord(
            id="K3", customer_id="C2", on=D(2026, 3, 3), channel="letter", outcome="other"
        ),
    ]
    assert last_contact(log, "C1", as_of=D(2026, 3, 8)).id == "K1"  # type: ignore[union-attr]
    assert last_contact(log, "C1", as_of=D(2026, 3, 9)).id == "K2"  # type: ignore[union-attr]
    assert last_contact(log, "C9", as_of=D(2026, 3, 9)) is None


def test_a_later_contact_supersedes_the_next_action_of_an_earlier_one() -> None:
    log = [
        ContactRecord(
            id="K1",
            customer_id="C1",
            on=D(2026, 3, 2),
            channel="call",
            outcome="reached",
            next_action_date=D(2026, 3, 5),
        ),
        ContactRecord(
            id="K2",
            customer_id="C1",
            on=D(2026, 3, 6),
            channel="call",
            outcome="promise_made",
            next_action_date=D(2026, 3, 20),
        ),
        ContactRecord(
            id="K3",
            customer_id="C2",
            on=D(2026, 3, 1),
            channel="meeting",
            outcome="reached",
            next_action_date=D(2026, 3, 4),
        ),
    ]
    assert [c.id for c in next_actions_due(log, as_of=D(2026, 3, 5))] == ["K3", "K1"]
    assert [c.id for c in next_actions_due(log, as_of=D(2026, 3, 10))] == ["K3"]


def test_next_action_before_the_contact_is_refused() -> None:
    with pytest.raises(ValueError, match="next_action_date"):
        ContactRecord(
            id="K1",
            customer_id="C1",
            on=D(2026, 3, 2),
            channel="call",
            outcome="reached",
            next_action_date=D(2026, 3, 1),
        )


def test_unknown_contact_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        ContactRecord(id="K1", customer_id="C1", on=D(2026, 3, 2), channel="fax", outcome="reached")  # type: ignore[arg-type]


# -- promises ------------------------------------------------------------------------------


def test_promise_is_kept_when_the_cash_reaches_the_amount() -> None:
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1))
    ledger = ledger_of(
        [i1], [cash(i1, D(2026, 2, 8), "300.00 USD"), cash(i1, D(2026, 2, 12), "200.00 USD")]
    )
    p = promise("500.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    result = evaluate_promise(p, ledger, as_of=D(2026, 2, 13))
    assert result.status is PromiseStatus.KEPT
    assert result.paid == A("500.00 USD")
    assert len(result.applications) == 2


def test_promise_is_pending_until_the_deadline_then_partly_kept() -> None:
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1))
    ledger = ledger_of([i1], [cash(i1, D(2026, 2, 8), "300.00 USD")])
    p = promise("500.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    assert evaluate_promise(p, ledger, as_of=D(2026, 2, 15)).status is PromiseStatus.PENDING
    late = evaluate_promise(p, ledger, as_of=D(2026, 2, 16))
    assert late.status is PromiseStatus.PARTLY_KEPT
    assert late.shortfall == A("200.00 USD")


def test_promise_with_no_cash_by_the_deadline_is_broken() -> None:
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1))
    p = promise("500.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    assert evaluate_promise(p, ledger_of([i1]), as_of=D(2026, 3, 1)).status is PromiseStatus.BROKEN


def test_grace_days_extend_the_deadline() -> None:
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1))
    ledger = ledger_of([i1], [cash(i1, D(2026, 2, 17), "500.00 USD")])
    p = promise("500.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    assert evaluate_promise(p, ledger, as_of=D(2026, 3, 1)).status is PromiseStatus.BROKEN
    graced = evaluate_promise(p, ledger, as_of=D(2026, 3, 1), grace_days=3)
    assert graced.status is PromiseStatus.KEPT
    assert graced.deadline == D(2026, 2, 18)


def test_cash_before_the_promise_or_a_credit_memo_does_not_keep_it() -> None:
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1))
    memo = CreditMemo(id="CM1", customer_id="C1", issue_date=D(2026, 2, 6), amount=A("500.00 USD"))
    credit = Application(
        id="A-CM1",
        source_id="CM1",
        target_id="I1",
        applied_on=D(2026, 2, 6),
        amount=A("500.00 USD"),
    )
    before = cash(i1, D(2026, 2, 1), "100.00 USD")
    ledger = Ledger([i1, memo, before[0]], movements=[credit, before[1]])
    p = promise("500.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    assert evaluate_promise(p, ledger, as_of=D(2026, 3, 1)).status is PromiseStatus.BROKEN


def test_promise_without_documents_counts_cash_on_all_the_customers_debits() -> None:
    i1 = inv("I1", "100.00 USD", D(2026, 2, 1))
    i2 = inv("I2", "100.00 USD", D(2026, 2, 1))
    ledger = ledger_of([i1, i2], [cash(i2, D(2026, 2, 10), "100.00 USD")])
    p = promise("100.00 USD", D(2026, 2, 5), D(2026, 2, 15), docs=())
    assert evaluate_promise(p, ledger, as_of=D(2026, 3, 1)).status is PromiseStatus.KEPT


def test_a_promise_not_made_yet_cannot_be_judged() -> None:
    p = promise("100.00 USD", D(2026, 2, 5), D(2026, 2, 15))
    with pytest.raises(CollectionsError, match="not made yet"):
        evaluate_promise(
            p, ledger_of([inv("I1", "100.00 USD", D(2026, 2, 1))]), as_of=D(2026, 2, 1)
        )


def test_negative_grace_days_are_refused() -> None:
    with pytest.raises(CollectionsError, match="grace_days"):
        evaluate_promises(ledger_of([]), as_of=D(2026, 2, 1), grace_days=-1)


def test_kept_rate_per_collector_counts_decided_promises_only() -> None:
    """ann: one kept, one broken, one pending: kept rate 1/2 = 50.00%, amount rate
    100/(100+300) = 25.00%. bob (from the customer record): one broken: 0.00%."""
    i1 = inv("I1", "1000.00 USD", D(2026, 2, 1), "C1")
    i2 = inv("I2", "1000.00 USD", D(2026, 2, 1), "C2")
    ledger = ledger_of(
        [i1, i2],
        [cash(i1, D(2026, 2, 10), "100.00 USD")],
        customers=customers(("C1", "ann"), ("C2", "bob")),
        promises=[
            promise("100.00 USD", D(2026, 2, 5), D(2026, 2, 15), id="P1"),
            promise("300.00 USD", D(2026, 2, 16), D(2026, 2, 20), id="P2"),
            promise("50.00 USD", D(2026, 2, 25), D(2026, 3, 15), id="P3"),
            promise(
                "70.00 USD", D(2026, 2, 5), D(2026, 2, 15), docs=("I2",), id="P4", customer_id="C2"
            ),
        ],
    )
    report = evaluate_promises(ledger, as_of=D(2026, 3, 1))
    ann, bob = report.by_collector
    assert (ann.key, ann.kept, ann.broken, ann.pending) == ("ann", 1, 1, 1)
    assert ann.rate == Decimal("50.00")
    assert ann.amount_rate == Decimal("25.00")
    assert (bob.key, bob.rate) == ("bob", Decimal("0.00"))
    assert [r.key for r in report.by_customer] == ["C1", "C2"]
    assert len(report.to_rows()) == 4


def test_no_decided_promise_means_no_rate_and_a_note() -> None:
    ledger = ledger_of(
        [inv("I1", "100.00 USD", D(2026, 2, 1))],
        promises=[promise("100.00 USD", D(2026, 2, 5), D(2026, 3, 15))],
    )
    rate = evaluate_promises(ledger, as_of=D(2026, 3, 1)).by_customer[0]
    assert rate.rate is None
    assert rate.note is not None


# -- disputes and what is collectable ------------------------------------------------------


def _disputed_ledger() -> Ledger:
    i1 = inv("I1", "1000.00 USD", D(2026, 1, 31))
    i2 = inv("I2", "200.00 USD", D(2026, 1, 31))
    return ledger_of(
        [i1, i2],
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="I1",
                amount=A("300.00 USD"),
                reason_code="PRICE",
                opened_on=D(2026, 1, 10),
                owner="sales",
            ),
            Dispute(
                id="D2",
                customer_id="C1",
                document_id="I2",
                amount=A("200.00 USD"),
                reason_code="DAMAGED",
                opened_on=D(2026, 2, 20),
                owner="ops",
            ),
            Dispute(
                id="D3",
                customer_id="C1",
                document_id="I2",
                amount=A("50.00 USD"),
                reason_code="PRICE",
                opened_on=D(2026, 1, 5),
                owner="sales",
                resolved_on=D(2026, 1, 25),
                resolution=DisputeResolution.REJECTED,
            ),
        ],
    )


def test_dispute_aging_buckets_and_summaries() -> None:
    """On 1 March D1 is 50 days open (31-60), D2 9 days (0-30); D3 was rejected."""
    aging = dispute_aging(_disputed_ledger(), as_of=D(2026, 3, 1))
    assert [(r.dispute_id, r.days_open, r.bucket) for r in aging.rows] == [
        ("D1", 50, "31-60"),
        ("D2", 9, "0-30"),
    ]
    assert [(s.key, s.count, s.amounts) for s in aging.by_owner] == [
        ("ops", 1, (A("200.00 USD"),)),
        ("sales", 1, (A("300.00 USD"),)),
    ]
    assert [s.key for s in aging.by_reason] == ["DAMAGED", "PRICE"]
    assert [s.key for s in aging.by_bucket] == ["0-30", "31-60"]
    assert aging.excluded_from_collectable == (A("500.00 USD"),)
    assert aging.resolved == (("rejected", 1),)
    assert aging.to_rows()[0]["bucket"] == "31-60"


def test_disputes_never_exclude_more_than_is_open() -> None:
    i1 = inv("I1", "100.00 USD", D(2026, 1, 31))
    ledger = ledger_of(
        [i1],
        [cash(i1, D(2026, 2, 5), "60.00 USD")],
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="I1",
                amount=A("30.00 USD"),
                reason_code="PRICE",
                opened_on=D(2026, 1, 10),
            ),
            Dispute(
                id="D2",
                customer_id="C1",
                document_id="I1",
                amount=A("30.00 USD"),
                reason_code="QTY",
                opened_on=D(2026, 1, 11),
            ),
        ],
    )
    aging = dispute_aging(ledger, as_of=D(2026, 3, 1))
    assert [r.excluded for r in aging.rows] == [A("30.00 USD"), A("10.00 USD")]
    assert collectable_items(ledger, as_of=D(2026, 3, 1))[0].collectable == A("0.00 USD")


def test_bad_dispute_buckets_are_refused() -> None:
    with pytest.raises(CollectionsError, match="buckets"):
        dispute_aging(_disputed_ledger(), as_of=D(2026, 3, 1), buckets=(60, 30))


def test_partial_dispute_leaves_the_rest_collectable() -> None:
    """Issue 12 section 4: 300 of 1000 disputed, 700 collectable; I2 disputed in full."""
    items = collectable_items(_disputed_ledger(), as_of=D(2026, 3, 1))
    assert [(i.document_id, str(i.collectable), i.status) for i in items] == [
        ("I1", "700.00 USD", "collectable"),
        ("I2", "0.00 USD", "disputed"),
    ]
    assert items[0].disputed == A("300.00 USD")


def test_collectable_items_agree_with_the_dispute_split_item_by_item() -> None:
    """One rule: with no promise and no block, collections' figures are the dispute split's
    (I1: 1000 open, 300 disputed, 700 collectable; I2: 200 open, 200 disputed, 0)."""
    ledger = _disputed_ledger()
    split = collectable_split(ledger, as_of=D(2026, 3, 1)).items
    items = collectable_items(ledger, as_of=D(2026, 3, 1))
    assert [(i.document_id, i.open, i.disputed, i.collectable) for i in items] == [
        (s.document_id, s.open, s.disputed, s.collectable) for s in split
    ]
    assert [str(i.collectable) for i in items] == ["700.00 USD", "0.00 USD"]


def test_running_promise_and_dunning_block_set_items_aside() -> None:
    i1 = inv("I1", "100.00 USD", D(2026, 2, 1), "C1")
    i2 = inv("I2", "100.00 USD", D(2026, 2, 1), "C2")
    i3 = inv("I3", "100.00 USD", D(2026, 3, 25), "C3")
    ledger = ledger_of(
        [i1, i2, i3],
        customers=customers(("C1", None), ("C2", None), ("C3", None), blocked="C2"),
        promises=[promise("50.00 USD", D(2026, 2, 20), D(2026, 3, 10))],
    )
    items = collectable_items(ledger, as_of=D(2026, 3, 1))
    assert [(i.document_id, i.status, str(i.collectable)) for i in items] == [
        ("I1", "promised", "0.00 USD"),
        ("I2", "blocked", "0.00 USD"),
        ("I3", "not_due", "100.00 USD"),
    ]
    assert items[2].overdue_collectable == A("0.00 USD")
    after = collectable_items(ledger, as_of=D(2026, 3, 11))
    assert after[0].status == "collectable"


# -- worklist ------------------------------------------------------------------------------


def _worklist_ledger() -> Ledger:
    """C1: 900 overdue 60 days; C2: 300 overdue 10 days with a broken promise;
    C3: all disputed; C4 not due."""
    return ledger_of(
        [
            inv("I1", "900.00 USD", D(2026, 1, 1), "C1"),
            inv("I2", "300.00 USD", D(2026, 2, 19), "C2"),
            inv("I3", "500.00 USD", D(2026, 1, 1), "C3"),
            inv("I4", "500.00 USD", D(2026, 4, 1), "C4"),
        ],
        customers=customers(("C1", "ann"), ("C2", "ann"), ("C3", "bob"), ("C4", "bob")),
        promises=[
            promise("300.00 USD", D(2026, 2, 1), D(2026, 2, 10), docs=("I2",), customer_id="C2")
        ],
        disputes=[
            Dispute(
                id="D1",
                customer_id="C3",
                document_id="I3",
                amount=A("500.00 USD"),
                reason_code="PRICE",
                opened_on=D(2026, 1, 5),
            )
        ],
    )


def test_worklist_ranks_by_the_weighted_score_and_shows_each_contribution() -> None:
    """On 2 March, default weights. C1: amount 900/900 x 40 = 40, days 60/90 x 20 = 13.33,
    never contacted 5, stage 2/4 x 5 = 2.50: 60.83. C2: amount 300/900 x 40 = 13.33,
    days 11/90 x 20 = 2.44, risk 0.8 x 15 = 12, one broken promise 1/3 x 10 = 3.33,
    contacted 5 days ago 5/30 x 5 = 0.83: 31.93."""
    contacts = [
        ContactRecord(
            id="K1", customer_id="C2", on=D(2026, 2, 25), channel="call", outcome="left_message"
        )
    ]
    wl = worklist(
        _worklist_ledger(),
        as_of=D(2026, 3, 2),
        risk_scores={"C2": "0.8"},
        dunning_stages={"C1": 2},
        contacts=contacts,
    )
    assert [(r.rank, r.customer_id, r.score) for r in wl.rows] == [
        (1, "C1", Decimal("60.83")),
        (2, "C2", Decimal("31.93")),
    ]
    c2 = {f.factor: f.contribution for f in wl.rows[1].factors}
    assert c2 == {
        "amount_overdue": Decimal("13.33"),
        "days_overdue": Decimal("2.44"),
        "risk": Decimal("12.00"),
        "broken_promises": Decimal("3.33"),
        "disputes": Decimal("0.00"),
        "days_since_contact": Decimal("0.83"),
        "dunning_stage": Decimal("0.00"),
    }
    assert wl.rows[0].why.startswith("amount_overdue 40.00 + days_overdue 13.33")
    assert wl.rows[0].collector == "ann"
    assert wl.to_rows()[1]["score_risk"] == Decimal("12.00")


def test_worklist_skips_customers_with_nothing_collectable_and_says_why() -> None:
    wl = worklist(_worklist_ledger(), as_of=D(2026, 3, 2))
    assert [(s.customer_id, s.reason) for s in wl.skipped] == [
        ("C3", "overdue items are all set aside: disputed"),
    ]
    assert "C4" not in {r.customer_id for r in wl.rows}


def test_weights_are_data_and_change_the_order() -> None:
    """All weight on risk: C2 (risk 0.8) comes before C1."""
    weights = TriageWeights(
        amount_overdue=0,
        days_overdue=0,
        risk=100,
        broken_promises=0,
        disputes=0,
        days_since_contact=0,
        dunning_stage=0,
    )
    wl = worklist(
        _worklist_ledger(), as_of=D(2026, 3, 2), weights=weights, risk_scores={"C2": "0.8"}
    )
    assert [r.customer_id for r in wl.rows] == ["C2", "C1"]
    assert TriageWeights.model_validate_json(weights.model_dump_json()) == weights


def test_worklist_in_several_currencies_needs_a_currency_and_rates() -> None:
    ledger = ledger_of(
        [inv("I1", "100.00 USD", D(2026, 1, 1), "C1"), inv("I2", "100.00 EUR", D(2026, 1, 1), "C2")]
    )
    with pytest.raises(CurrencyMismatch, match="name a currency"):
        worklist(ledger, as_of=D(2026, 3, 2))
    with pytest.raises(CurrencyMismatch, match="pass rates"):
        worklist(ledger, as_of=D(2026, 3, 2), currency="USD")
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 1, 1), rate=Decimal("1.2"))])
    wl = worklist(ledger, as_of=D(2026, 3, 2), currency="USD", rates=rates)
    assert [(r.customer_id, r.amount_overdue) for r in wl.rows] == [
        ("C2", A("120.00 USD")),
        ("C1", A("100.00 USD")),
    ]


def test_risk_scores_outside_zero_to_one_or_floats_are_refused() -> None:
    with pytest.raises(CollectionsError, match=r"risk_scores\[C1\]"):
        worklist(_worklist_ledger(), as_of=D(2026, 3, 2), risk_scores={"C1": "1.5"})
    with pytest.raises(TypeError, match="float"):
        worklist(_worklist_ledger(), as_of=D(2026, 3, 2), risk_scores={"C1": 0.5})  # type: ignore[dict-item]


def test_negative_dunning_stage_is_refused() -> None:
    with pytest.raises(CollectionsError, match="dunning_stages"):
        worklist(_worklist_ledger(), as_of=D(2026, 3, 2), dunning_stages={"C1": -1})


def test_negative_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="risk"):
        TriageWeights(risk=Decimal(-1))


# -- targets -------------------------------------------------------------------------------


def _target_ledger() -> Ledger:
    i1 = inv("I1", "1000.00 USD", D(2026, 3, 1), "C1")
    i2 = inv("I2", "500.00 USD", D(2026, 3, 1), "C2")
    i3 = inv("I3", "800.00 USD", D(2026, 3, 20), "C1")
    return ledger_of(
        [i1, i2, i3],
        [
            cash(i1, D(2026, 2, 27), "100.00 USD"),
            cash(i1, D(2026, 3, 5), "400.00 USD"),
            cash(i2, D(2026, 3, 6), "500.00 USD"),
        ],
        customers=customers(("C1", "ann"), ("C2", "bob")),
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="I3",
                amount=A("200.00 USD"),
                reason_code="PRICE",
                opened_on=D(2026, 3, 1),
            )
        ],
    )


def test_target_progress_counts_cash_applied_in_the_period_to_the_collectors_customers() -> None:
    """ann's March target 2000: 400 collected (the 100 of February does not count),
    gap 1600, 20.00%; 10 of 31 days gone. Open: 500 + 800, of which 200 disputed."""
    target = CollectionTarget(
        id="T1", owner="ann", period="month", start=D(2026, 3, 1), amount=A("2000.00 USD")
    )
    p = target_progress(target, _target_ledger(), as_of=D(2026, 3, 10))
    assert (p.collected, p.gap, p.percent) == (A("400.00 USD"), A("1600.00 USD"), Decimal("20.00"))
    assert p.elapsed_percent == Decimal("32.26")
    assert (p.open_portfolio, p.disputed, p.collectable_portfolio) == (
        A("1300.00 USD"),
        A("200.00 USD"),
        A("1100.00 USD"),
    )
    assert any("excluded from the collectable portfolio" in n for n in p.notes)
    assert any("smaller than the gap" in n for n in p.notes)


def test_target_progress_can_include_disputed_amounts_when_asked() -> None:
    target = CollectionTarget(
        id="T1", owner="ann", period="month", start=D(2026, 3, 1), amount=A("2000.00 USD")
    )
    p = target_progress(target, _target_ledger(), as_of=D(2026, 3, 10), exclude_disputed=False)
    assert p.collectable_portfolio == A("1300.00 USD")
    assert any("included" in n for n in p.notes)


def test_team_target_sums_its_collectors_and_the_gap_never_goes_negative() -> None:
    target = CollectionTarget(
        id="T2",
        owner="team-a",
        collectors=frozenset({"ann", "bob"}),
        period="quarter",
        start=D(2026, 1, 1),
        amount=A("500.00 USD"),
    )
    p = target_progress(target, _target_ledger(), as_of=D(2026, 3, 31))
    assert p.collected == A("1000.00 USD")
    assert p.gap == A("0.00 USD")
    assert p.percent == Decimal("200.00")
    assert p.customers == ("C1", "C2")


def test_target_in_another_currency_needs_rates() -> None:
    target = CollectionTarget(
        id="T3", owner="ann", period="month", start=D(2026, 3, 1), amount=A("2000.00 EUR")
    )
    with pytest.raises(CurrencyMismatch, match="pass rates"):
        target_progress(target, _target_ledger(), as_of=D(2026, 3, 10))


@pytest.mark.parametrize(
    ("period", "start"), [("month", D(2026, 3, 2)), ("quarter", D(2026, 2, 1))]
)
def test_target_must_start_on_the_first_day_of_its_period(period: str, start: date) -> None:
    with pytest.raises(ValueError, match="is not the first day"):
        CollectionTarget(
            id="T",
            owner="ann",
            period=period,
            start=start,  # type: ignore[arg-type]
            amount=A("1.00 USD"),
        )


def test_target_amount_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        CollectionTarget(
            id="T", owner="ann", period="month", start=D(2026, 3, 1), amount=A("0.00 USD")
        )


def test_suggested_target_is_collected_so_far_plus_forecast_and_excludes_disputes() -> None:
    """On 10 March, no payment history (cash on due date): ann's customers still owe I1
    500 (due 1 March: past due, later than 'every payment' of the terms profile, so not
    expected) and I3 800 of which 200 disputed: 600 expected on 20 March. Collected so far
    400. Suggestion with a 5% uplift: (400 + 600) x 1.05 = 1050.00."""
    ledger = _target_ledger()
    fc = forecast(ledger, as_of=D(2026, 3, 10), horizon=1)
    s = suggest_target(
        ledger, forecast=fc, owner="ann", period="month", start=D(2026, 3, 1), uplift_percent=5
    )
    assert (s.already_collected, s.forecast_receipts) == (A("400.00 USD"), A("600.00 USD"))
    assert s.target.amount == A("1050.00 USD")
    assert any("disputed amounts excluded" in r for r in s.reasons)


def test_suggestion_needs_a_forecast_that_covers_the_period() -> None:
    ledger = _target_ledger()
    fc = forecast(ledger, as_of=D(2026, 3, 10), horizon=1)
    with pytest.raises(CollectionsError, match="horizon"):
        suggest_target(ledger, forecast=fc, owner="ann", period="quarter", start=D(2026, 4, 1))


def test_worklist_rows_keep_the_overdue_amount_apart_from_its_score() -> None:
    ledger = Ledger(
        [
            Invoice(
                id="I1",
                customer_id="C1",
                issue_date=D(2026, 1, 1),
                terms="NET 30",
                total=A("1234.56 USD"),
            )
        ]
    )
    (row,) = worklist(ledger, as_of=D(2026, 3, 1)).to_rows()
    assert row["amount_overdue"] == Decimal("1234.56")
    assert row["days_overdue"] == 29
    assert "score_amount_overdue" in row
