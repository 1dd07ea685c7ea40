"""Dunning runs: stages one at a time, skips with reasons, notices, history and actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.collections import PromiseStatus, evaluate_promise
from receivables.dunning import (
    DEFAULT_POLICY,
    Channel,
    DunningHistory,
    DunningPolicy,
    DunningStage,
    EscalateToLegal,
    StageKind,
    SuspendService,
    dunning_run,
)
from receivables.interest import (
    DE_BGB_288_B2B,
    MissingReferenceRate,
    ReferenceRate,
    ReferenceRates,
)
from receivables.ledger import Ledger
from receivables.models import (
    Application,
    Customer,
    DebitMemo,
    DebitReason,
    Dispute,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import Money


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


DUE = date(2026, 1, 31)


def inv(doc_id: str, total: str, due: date = DUE, customer: str = "C1") -> Invoice:
    return Invoice(
        id=doc_id,
        customer_id=customer,
        issue_date=min(date(2026, 1, 1), due),
        due_date=due,
        total=total,
    )


def ledger_of(*invoices: Invoice, **customer_fields: object) -> Ledger:
    customers = {i.customer_id for i in invoices} | {"C1"}
    return Ledger(
        invoices,
        customers=[
            Customer(id=c, name=f"Customer {c}", currency="EUR", **customer_fields)  # type: ignore[arg-type]
            for c in sorted(customers)
        ],
    )


def run_at(ledger: Ledger, day: date, history: DunningHistory | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return dunning_run(ledger, as_of=day, history=history, **kw)  # type: ignore[arg-type]


def test_item_ten_days_overdue_gets_the_friendly_reminder() -> None:
    run = run_at(ledger_of(inv("INV-1", "500.00 EUR")), date(2026, 2, 10))
    (p,) = run.proposals
    assert (p.stage_id, p.kind, p.channel, p.level) == (
        "reminder",
        StageKind.REMINDER,
        Channel.EMAIL,
        1,
    )
    assert p.totals == (M("500.00 EUR"),)
    assert "10 days overdue >= 7" in p.items[0].reasons[0]


def test_item_not_yet_at_the_first_stage_is_skipped_with_reason() -> None:
    run = run_at(ledger_of(inv("INV-1", "500.00 EUR")), date(2026, 2, 3))
    assert run.proposals == ()
    assert [(s.reason, s.document_id) for s in run.skips] == [("no_next_stage", "INV-1")]
    assert "first stage needs 7 days" in run.skips[0].detail


def test_long_overdue_item_never_dunned_starts_at_the_first_stage() -> None:
    """90 days overdue reaches the legal stage, but a run climbs one stage at most."""
    run = run_at(ledger_of(inv("INV-1", "5000.00 EUR")), date(2026, 5, 1))
    (p,) = run.proposals
    assert p.stage_id == "reminder"
    assert "level 0 -> 1" in p.items[0].reasons[0]


def test_next_stage_waits_for_min_days_since_previous() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR"))
    first = run_at(ledger, date(2026, 2, 20)).apply()
    too_soon = run_at(ledger, date(2026, 2, 25), first.history)
    assert too_soon.proposals == ()
    assert [s.reason for s in too_soon.skips] == ["too_soon"]
    assert (
        "5 days since the notice of 2026-02-20; second_reminder needs 10"
        in too_soon.skips[0].detail
    )
    later = run_at(ledger, date(2026, 3, 2), first.history)
    assert [p.stage_id for p in later.proposals] == ["second_reminder"]


def test_notices_sent_after_as_of_do_not_count() -> None:
    """A replay as of 10 Feb with a history that holds the notice of 20 Feb: on 10 Feb the
    item had not been dunned (level 0), so the reminder is proposed, not skipped as
    'already at level 1' or 'too soon' (-10 days since the notice)."""
    ledger = ledger_of(inv("INV-1", "500.00 EUR"))
    later = run_at(ledger, date(2026, 2, 20)).apply()
    replay = run_at(ledger, date(2026, 2, 10), later.history)
    assert [(p.stage_id, p.previous_level) for p in replay.proposals] == [("reminder", 0)]
    assert "level 0 -> 1" in replay.proposals[0].items[0].reasons[0]


def test_applying_a_run_records_every_item_and_sends_nothing() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR"), inv("INV-2", "70.00 EUR"))
    outcome = run_at(ledger, date(2026, 2, 10)).apply()
    (notice,) = outcome.notices
    assert notice.id == "DN-C1-20260210-reminder"
    assert [i.document_id for i in notice.items] == ["INV-1", "INV-2"]
    assert [(r.document_id, r.level, r.sent_on) for r in outcome.history.records] == [
        ("INV-1", 1, date(2026, 2, 10)),
        ("INV-2", 1, date(2026, 2, 10)),
    ]
    assert outcome.actions == ()


def test_fully_disputed_item_is_not_dunned() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR")).with_records(
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="INV-1",
                amount="500.00 EUR",
                reason_code="PRICE",
                opened_on=date(2026, 2, 1),
            )
        ]
    )
    run = run_at(ledger, date(2026, 2, 20))
    assert run.proposals == ()
    assert [(s.reason, s.document_id) for s in run.skips] == [("disputed", "INV-1")]


def test_partly_disputed_item_is_dunned_for_the_rest_only() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR")).with_records(
        disputes=[
            Dispute(
                id="D1",
                customer_id="C1",
                document_id="INV-1",
                amount="120.00 EUR",
                reason_code="PRICE",
                opened_on=date(2026, 2, 1),
            )
        ]
    )
    (p,) = run_at(ledger, date(2026, 2, 20)).proposals
    (item,) = p.items
    assert (item.open_amount, item.disputed, item.dunned_amount) == (
        M("500.00 EUR"),
        M("120.00 EUR"),
        M("380.00 EUR"),
    )


def promise(pay_by: date, amount: str = "500.00 EUR") -> PromiseToPay:
    return PromiseToPay(
        id="PTP-1",
        customer_id="C1",
        document_ids=("INV-1",),
        amount=amount,
        promised_on=date(2026, 2, 5),
        pay_by=pay_by,
    )


def test_pending_promise_to_pay_holds_dunning() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR")).with_records(
        promises=[promise(date(2026, 2, 28))]
    )
    run = run_at(ledger, date(2026, 2, 20))
    assert run.proposals == ()
    assert run.skips[0].reason == "promise_to_pay"
    assert "PTP-1 pending (pay by 2026-02-28)" in run.skips[0].detail


def test_promise_without_documents_holds_only_the_debits_in_its_currency() -> None:
    """A pending promise of 500.00 EUR naming no document holds INV-1 (EUR) but not INV-2
    (300.00 USD): the USD invoice is dunned, as collections and the promise's own
    evaluation (which counts only EUR cash) read the promise."""
    p = promise(date(2026, 2, 28)).model_copy(update={"document_ids": ()})
    ledger = ledger_of(inv("INV-1", "500.00 EUR"), inv("INV-2", "300.00 USD")).with_records(
        promises=[p]
    )
    run = run_at(ledger, date(2026, 2, 20))
    assert [(s.document_id, s.reason) for s in run.skips] == [("INV-1", "promise_to_pay")]
    (proposal,) = run.proposals
    assert [(i.document_id, i.dunned_amount) for i in proposal.items] == [
        ("INV-2", M("300.00 USD"))
    ]


def test_broken_promise_resumes_dunning_and_is_named() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR")).with_records(
        promises=[promise(date(2026, 2, 15))]
    )
    assert (
        evaluate_promise(ledger.promises[0], ledger, as_of=date(2026, 2, 20)).status
        is PromiseStatus.BROKEN
    )
    (p,) = run_at(ledger, date(2026, 2, 20)).proposals
    assert p.broken_promises == ("PTP-1",)
    assert any("dunning resumes" in r for r in p.reasons)


def test_promise_paid_only_in_part_by_its_date_resumes_dunning() -> None:
    pay = Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 10), amount="200.00 EUR")
    app = Application(
        id="A1",
        source_id="P1",
        target_id="INV-1",
        applied_on=date(2026, 2, 10),
        amount="200.00 EUR",
    )
    ledger = Ledger(
        [inv("INV-1", "500.00 EUR"), pay],
        customers=[Customer(id="C1", name="C", currency="EUR")],
        movements=[app],
        promises=[promise(date(2026, 2, 15))],
    )
    assert (
        evaluate_promise(ledger.promises[0], ledger, as_of=date(2026, 2, 16)).status
        is PromiseStatus.PARTLY_KEPT
    )
    kept = promise(date(2026, 2, 15), amount="200.00 EUR")
    assert evaluate_promise(kept, ledger, as_of=date(2026, 2, 16)).status is PromiseStatus.KEPT
    (p,) = run_at(ledger, date(2026, 2, 20)).proposals
    assert p.items[0].dunned_amount == M("300.00 EUR")


def test_kept_promise_holds_dunning_of_the_rest() -> None:
    pay = Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 10), amount="200.00 EUR")
    app = Application(
        id="A1",
        source_id="P1",
        target_id="INV-1",
        applied_on=date(2026, 2, 10),
        amount="200.00 EUR",
    )
    ledger = Ledger(
        [inv("INV-1", "500.00 EUR"), pay],
        customers=[Customer(id="C1", name="C", currency="EUR")],
        movements=[app],
        promises=[promise(date(2026, 2, 15), amount="200.00 EUR")],
    )
    run = run_at(ledger, date(2026, 2, 20))
    assert run.proposals == ()
    assert "PTP-1 kept" in run.skips[0].detail


def test_customer_on_dunning_block_is_skipped() -> None:
    run = run_at(ledger_of(inv("INV-1", "500.00 EUR"), dunning_block=True), date(2026, 2, 20))
    assert run.proposals == ()
    assert [(s.reason, s.customer_id, s.document_id) for s in run.skips] == [
        ("dunning_block", "C1", None)
    ]


def test_overdue_total_under_the_minimum_is_skipped() -> None:
    """Default reminder minimum is EUR 10.00: EUR 9.99 is not dunned."""
    run = run_at(ledger_of(inv("INV-1", "9.99 EUR")), date(2026, 2, 20))
    assert run.proposals == ()
    assert run.skips[0].reason == "under_threshold"
    assert "9.99 EUR is under the reminder minimum 10.00 EUR" in run.skips[0].detail


def cycle(ledger: Ledger, days: list[date], **kw: object) -> list:  # type: ignore[type-arg]
    history = DunningHistory()
    outcomes = []
    for day in days:
        outcome = run_at(ledger, day, history, **kw).apply()
        history = outcome.history
        outcomes.append(outcome)
    return outcomes


def test_full_cycle_ends_in_suspension_then_legal_with_evidence() -> None:
    ledger = ledger_of(inv("INV-1", "800.00 EUR")).with_records(
        promises=[promise(date(2026, 3, 20))]
    )
    days = [
        date(2026, 2, 10),
        date(2026, 3, 25),
        date(2026, 4, 5),
        date(2026, 4, 20),
        date(2026, 5, 5),
    ]
    outcomes = cycle(ledger, days)
    stages = [[n.stage_id for n in o.notices] for o in outcomes]
    assert stages == [[], ["reminder"], ["second_reminder"], ["final_notice"], ["suspension"]]
    (suspend,) = outcomes[4].actions
    assert isinstance(suspend, SuspendService)
    assert suspend.from_date == date(2026, 5, 5)
    assert outcomes[0].notices == ()
    final = run_at(ledger, date(2026, 5, 20), outcomes[4].history).apply()
    (legal,) = final.actions
    assert isinstance(legal, EscalateToLegal)
    assert legal.promises_broken == ("PTP-1",)
    assert [r.stage_id for r in legal.notices_sent] == [
        "reminder",
        "second_reminder",
        "final_notice",
        "suspension",
    ]
    assert "promise PTP-1 broken" in legal.evidence


def test_final_notice_fee_becomes_a_fee_debit_memo() -> None:
    ledger = ledger_of(inv("INV-1", "800.00 EUR"))
    outcomes = cycle(ledger, [date(2026, 2, 10), date(2026, 2, 25), date(2026, 3, 10)])
    (notice,) = outcomes[2].notices
    assert notice.stage_id == "final_notice"
    assert notice.fees == (M("5.00 EUR"),)
    (memo,) = notice.debit_memos()
    assert (memo.reason, memo.total, memo.customer_id) == (DebitReason.FEE, M("5.00 EUR"), "C1")


BASIS = ReferenceRates(
    rates=[
        ReferenceRate(source="DE_BASISZINSSATZ", valid_from=date(2026, 1, 1), rate=Decimal("2.00"))
    ]
)


def interest_policy() -> DunningPolicy:
    stages = tuple(
        s.model_copy(update={"charge_interest": s.kind is not StageKind.REMINDER})
        for s in DEFAULT_POLICY.stages
    )
    return DunningPolicy(id="de", stages=stages, interest_law=DE_BGB_288_B2B)


def test_interest_is_charged_as_the_increment_since_the_last_notice() -> None:
    """BGB § 288(2): 11 % on EUR 1,000. Second reminder on 2026-02-25 (25 days):
    1000 x 11 % x 25/365 = 7.53; final notice on 2026-03-10 (38 days): 11.45 to date,
    so 3.92 more. The EUR 40 Pauschale (§ 288(5)) is claimed once."""
    ledger = ledger_of(inv("INV-1", "1000.00 EUR"), dunning_policy_id="de")
    outcomes = cycle(
        ledger,
        [date(2026, 2, 10), date(2026, 2, 25), date(2026, 3, 10)],
        policies={"de": interest_policy()},
        reference_rates=BASIS,
    )
    second = outcomes[1].notices[0].items[0]
    final = outcomes[2].notices[0].items[0]
    assert (second.interest, second.compensation) == (M("7.53 EUR"), M("40.00 EUR"))
    assert (final.interest, final.compensation) == (M("3.92 EUR"), None)
    memos = outcomes[2].notices[0].debit_memos()
    assert sorted((m.reason.value, str(m.total)) for m in memos) == [
        ("fee", "5.00 EUR"),
        ("interest", "3.92 EUR"),
    ]


def test_posted_interest_and_fee_memos_earn_no_interest_themselves() -> None:
    """BGB § 289: no interest on interest. An interest memo and a fee memo posted after an
    earlier notice fall overdue with the invoice; the run charges interest on the invoice
    only and says why not on the memos."""
    memos = [
        DebitMemo(
            id=f"DM-{reason.value}",
            customer_id="C1",
            issue_date=date(2026, 1, 1),
            due_date=DUE,
            total="7.53 EUR",
            reason=reason,
            linked_document_id="INV-1",
        )
        for reason in (DebitReason.INTEREST, DebitReason.FEE)
    ]
    ledger = Ledger(
        [inv("INV-1", "1000.00 EUR"), *memos],
        customers=[Customer(id="C1", name="C1", currency="EUR", dunning_policy_id="de")],
    )
    outcomes = cycle(
        ledger,
        [date(2026, 2, 10), date(2026, 2, 25)],
        policies={"de": interest_policy()},
        reference_rates=BASIS,
    )
    items = {i.document_id: i for i in outcomes[1].notices[0].items}
    assert items["INV-1"].interest == M("7.53 EUR")
    for memo_id in ("DM-interest", "DM-fee"):
        assert items[memo_id].interest is None
        assert items[memo_id].compensation is None
    (proposal,) = run_at(
        ledger,
        date(2026, 2, 25),
        history=outcomes[0].history,
        policies={"de": interest_policy()},
        reference_rates=BASIS,
    ).proposals
    reasons = {i.document_id: i.reasons for i in proposal.items}
    assert any("BGB § 289" in r for r in reasons["DM-interest"])
    assert not any("BGB § 289" in r for r in reasons["INV-1"])


def test_interest_without_the_rate_for_the_period_names_the_date() -> None:
    ledger = ledger_of(inv("INV-1", "1000.00 EUR", due=date(2025, 12, 20)), dunning_policy_id="de")
    history = cycle(ledger, [date(2026, 1, 5)], policies={"de": interest_policy()})[0].history
    with pytest.raises(MissingReferenceRate, match="2025-12-21"):
        run_at(
            ledger,
            date(2026, 1, 20),
            history,
            policies={"de": interest_policy()},
            reference_rates=BASIS,
        )


def test_customer_policy_id_picks_the_policy() -> None:
    strict = DunningPolicy(
        id="strict",
        stages=(
            DunningStage(
                id="now",
                name="Now",
                kind=StageKind.FINAL_NOTICE,
                days_overdue=1,
                template_id="final_notice",
            ),
        ),
    )
    ledger = ledger_of(inv("INV-1", "500.00 EUR"), dunning_policy_id="strict")
    (p,) = run_at(
        ledger, date(2026, 2, 2), policies={"default": DEFAULT_POLICY, "strict": strict}
    ).proposals
    assert (p.policy_id, p.stage_id) == ("strict", "now")


def test_unknown_policy_id_is_an_error_naming_the_customer() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR"), dunning_policy_id="nope")
    with pytest.raises(ValueError, match="customer C1: dunning_policy_id: no policy 'nope'"):
        run_at(ledger, date(2026, 2, 20))


def stage(
    stage_id: str, days: int, kind: StageKind = StageKind.REMINDER, **kw: object
) -> DunningStage:
    return DunningStage(
        id=stage_id, name=stage_id, kind=kind, days_overdue=days, template_id="reminder", **kw
    )  # type: ignore[arg-type]


def test_stages_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError, match="does not come after"):
        DunningPolicy(id="p", stages=(stage("a", 20), stage("b", 10)))


def test_stages_with_the_same_threshold_overlap_and_are_refused() -> None:
    with pytest.raises(ValidationError, match="strictly increase"):
        DunningPolicy(id="p", stages=(stage("a", 10), stage("b", 10)))


def test_stage_kinds_that_de_escalate_are_refused() -> None:
    with pytest.raises(ValidationError, match="kinds must escalate"):
        DunningPolicy(id="p", stages=(stage("a", 10, StageKind.LEGAL), stage("b", 20)))


def test_policy_without_stages_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        DunningPolicy(id="p", stages=())


def test_two_minimums_in_one_currency_are_refused() -> None:
    with pytest.raises(ValidationError, match="two amounts in one currency"):
        stage("a", 10, min_overdue_amount=(M("1 EUR"), M("2 EUR")))


def test_interest_stage_without_a_law_is_refused() -> None:
    with pytest.raises(ValidationError, match="name the law"):
        DunningPolicy(id="p", stages=(stage("a", 10, charge_interest=True),))


def test_run_rows_list_dunned_items_and_skips() -> None:
    ledger = ledger_of(inv("INV-1", "500.00 EUR"), inv("INV-2", "5.00 EUR", due=date(2026, 2, 18)))
    rows = run_at(ledger, date(2026, 2, 20)).to_rows()
    assert [(r["document_id"], r["action"]) for r in rows] == [("INV-1", "dun"), ("INV-2", "skip")]


def test_sample_ledger_runs_with_the_shipped_policies() -> None:
    """The bundled sample names 'standard' and 'key_account' policies; both ship."""
    from receivables.sample import SAMPLE_AS_OF, sample_ledger

    ledger = sample_ledger()
    run = dunning_run(ledger, as_of=SAMPLE_AS_OF)
    assert run.proposals
    assert {p.policy_id for p in run.proposals} <= {"standard", "key_account"}
    assert all(s.detail for s in run.skips)
    for p in run.proposals:
        for item in p.items:
            assert item.level == 1  # the first run of a history starts everyone at stage 1
