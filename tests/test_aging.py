"""Aging: buckets, historical aging, credits, disputes, promises, currencies and merging."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from receivables.aging import (
    AgingError,
    AgingReport,
    AgingRow,
    Bucket,
    Buckets,
    IncompatibleReports,
    age,
    merge,
)
from receivables.errors import CurrencyMismatch, MissingRate
from receivables.ledger import Ledger, OpenItem
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    DebitMemo,
    Dispute,
    DisputeResolution,
    Invoice,
    Payment,
    PromiseToPay,
)
from receivables.money import FxRate, FxRates, Money

A = Money.parse
D = date
AS_OF = D(2026, 6, 30)


def inv(
    doc_id: str, amount: str, due: date, customer: str = "C1", issued: date | None = None
) -> Invoice:
    return Invoice(
        id=doc_id,
        customer_id=customer,
        issue_date=issued or min(due, AS_OF) - timedelta(days=30),
        due_date=due,
        total=A(amount),
    )


def pay(doc_id: str, amount: str, on: date, customer: str = "C1") -> Payment:
    return Payment(id=doc_id, customer_id=customer, received_on=on, amount=A(amount))


def days_past_due(n: int) -> date:
    return AS_OF - timedelta(days=n)


def bucket_amounts(report: AgingReport, currency: str | None = None) -> dict[str, str]:
    return {b.label: str(b.open.amount) for b in report.total(currency).buckets if b.items}


# -- buckets -------------------------------------------------------------------------


def test_standard_buckets_are_current_then_30_day_bands_to_120_plus() -> None:
    buckets = Buckets.standard()
    assert buckets.labels == ("current", "1-30", "31-60", "61-90", "91-120", "120+")
    assert buckets.upper_edges == (0, 30, 60, 90, 120)


@pytest.mark.parametrize(
    ("days", "label"),
    [(-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"),
     (90, "61-90"), (120, "91-120"), (121, "120+"), (5000, "120+")],
)  # fmt: skip
def test_band_edges_are_inclusive_at_the_top(days: int, label: str) -> None:
    buckets = Buckets.standard()
    assert buckets.labels[buckets.index(days)] == label
    assert buckets.bands[buckets.index(days)].contains(days)


def test_user_defined_edges_make_labelled_bands() -> None:
    buckets = Buckets.from_edges([15, 45], labels=["young", "middle", "old"])
    assert [(b.label, b.min_days, b.max_days) for b in buckets.bands] == [
        ("young", None, 15),
        ("middle", 16, 45),
        ("old", 46, None),
    ]


def test_presets_are_named_schedules() -> None:
    assert Buckets.preset("standard") == Buckets.standard()
    assert Buckets.preset("30-60-90").labels[-1] == "90+"


def test_unknown_preset_is_refused_with_the_known_names() -> None:
    with pytest.raises(AgingError, match=r"unknown bucket preset 'weekly'.*standard"):
        Buckets.preset("weekly")


def test_unsorted_edges_are_refused() -> None:
    with pytest.raises(AgingError, match="strictly ascending: 60 is followed by 30"):
        Buckets.from_edges([0, 60, 30])


def test_repeated_edge_is_refused() -> None:
    with pytest.raises(AgingError, match="strictly ascending"):
        Buckets.from_edges([0, 30, 30])


def test_empty_edges_are_refused() -> None:
    with pytest.raises(AgingError, match="must not be empty"):
        Buckets.from_edges([])


def test_wrong_number_of_labels_is_refused() -> None:
    with pytest.raises(AgingError, match="2 edges make 3 buckets but 2 labels"):
        Buckets.from_edges([0, 30], labels=["a", "b"])


def test_overlapping_bands_are_refused() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        Buckets(
            bands=(
                Bucket(label="a", max_days=30),
                Bucket(label="b", min_days=20, max_days=60),
                Bucket(label="c", min_days=61),
            )
        )


def test_bands_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError, match="overlap or are not in ascending order"):
        Buckets(
            bands=(
                Bucket(label="a", max_days=60),
                Bucket(label="b", min_days=1, max_days=30),
                Bucket(label="c", min_days=61),
            )
        )


def test_gap_between_bands_is_refused() -> None:
    with pytest.raises(ValidationError, match="days 31 to 40 have no bucket"):
        Buckets(bands=(Bucket(label="a", max_days=30), Bucket(label="b", min_days=41)))


def test_first_band_must_be_open_below() -> None:
    with pytest.raises(ValidationError, match="first bucket must be open below"):
        Buckets(bands=(Bucket(label="a", min_days=0, max_days=30), Bucket(label="b", min_days=31)))


def test_last_band_must_be_open_above() -> None:
    with pytest.raises(ValidationError, match="last bucket must be open above"):
        Buckets(bands=(Bucket(label="a", max_days=30), Bucket(label="b", min_days=31, max_days=60)))


def test_duplicate_labels_are_refused() -> None:
    with pytest.raises(ValidationError, match="labels must be unique"):
        Buckets.from_edges([0], labels=["x", "x"])


def test_band_with_min_above_max_is_refused() -> None:
    with pytest.raises(ValidationError, match="min_days 40 is above max_days 30"):
        Bucket(label="x", min_days=40, max_days=30)


def test_buckets_round_trip_through_json() -> None:
    buckets = Buckets.standard()
    assert Buckets.model_validate_json(buckets.model_dump_json()) == buckets


# -- aging a ledger --------------------------------------------------------------------


def test_items_fall_in_the_band_of_their_days_past_due() -> None:
    ledger = Ledger(
        [
            inv("I-NOT-DUE", "100.00 USD", AS_OF + timedelta(days=5)),
            inv("I-1", "200.00 USD", days_past_due(1)),
            inv("I-45", "300.00 USD", days_past_due(45)),
            inv("I-121", "400.00 USD", days_past_due(121)),
        ]
    )
    report = age(ledger, as_of=AS_OF)
    assert bucket_amounts(report) == {
        "current": "100.00",
        "1-30": "200.00",
        "31-60": "300.00",
        "120+": "400.00",
    }
    assert report.total().total == A("1000.00 USD")


def test_invoice_date_basis_counts_days_since_invoice() -> None:
    ledger = Ledger([inv("I1", "100.00 USD", due=D(2026, 6, 29), issued=D(2026, 4, 30))])
    by_due = age(ledger, as_of=AS_OF)
    by_invoice = age(ledger, as_of=AS_OF, basis="invoice_date")
    assert by_due.documents[0].days == 1
    assert by_invoice.documents[0].days == 61
    assert bucket_amounts(by_invoice) == {"61-90": "100.00"}


def test_unknown_basis_is_a_clear_error() -> None:
    with pytest.raises(AgingError, match="unknown aging basis 'posting_date'"):
        age(Ledger(), as_of=AS_OF, basis="posting_date")  # type: ignore[arg-type]


def test_unknown_credits_mode_is_a_clear_error() -> None:
    with pytest.raises(AgingError, match="unknown credits mode 'hide'"):
        age(Ledger(), as_of=AS_OF, credits="hide")  # type: ignore[arg-type]


def test_unknown_document_kind_in_include_is_a_clear_error() -> None:
    with pytest.raises(AgingError, match=r"unknown document kinds \['proforma'\]"):
        age(Ledger(), as_of=AS_OF, include=["proforma"])  # type: ignore[list-item]


def test_empty_ledger_ages_to_nothing() -> None:
    report = age(Ledger(), as_of=AS_OF)
    assert report.totals == ()
    assert report.customers == ()
    assert report.documents == ()


def test_as_of_before_any_document_ages_to_nothing() -> None:
    ledger = Ledger([inv("I1", "100.00 USD", D(2026, 6, 1), issued=D(2026, 5, 2))])
    assert age(ledger, as_of=D(2026, 1, 1)).totals == ()


def test_historical_aging_ignores_applications_after_as_of() -> None:
    ledger = Ledger(
        [inv("I1", "500.00 EUR", D(2026, 3, 31), issued=D(2026, 3, 1)),
         pay("P1", "300.00 EUR", D(2026, 5, 10))],
        movements=[Application(id="A1", source_id="P1", target_id="I1",
                               applied_on=D(2026, 5, 10), amount=A("300.00 EUR"))],
    )  # fmt: skip
    before = age(ledger, as_of=D(2026, 5, 9))
    after = age(ledger, as_of=D(2026, 5, 10))
    assert bucket_amounts(before) == {"31-60": "500.00"}
    assert bucket_amounts(after) == {"31-60": "200.00"}


def test_credits_are_a_separate_column_by_default() -> None:
    ledger = Ledger(
        [inv("I1", "500.00 USD", days_past_due(40)),
         pay("P1", "120.00 USD", AS_OF - timedelta(days=3)),
         CreditMemo(id="CM1", customer_id="C1", issue_date=AS_OF - timedelta(days=70),
                    amount=A("30.00 USD"))]
    )  # fmt: skip
    line = age(ledger, as_of=AS_OF).total()
    assert line.credits == A("-150.00 USD")
    assert bucket_amounts(age(ledger, as_of=AS_OF)) == {"31-60": "500.00"}
    assert line.total == A("350.00 USD")


def test_netted_credits_go_into_the_bucket_of_their_date() -> None:
    ledger = Ledger(
        [inv("I1", "500.00 USD", days_past_due(40)),
         pay("P1", "120.00 USD", AS_OF - timedelta(days=3)),
         CreditMemo(id="CM1", customer_id="C1", issue_date=AS_OF - timedelta(days=70),
                    amount=A("30.00 USD"))]
    )  # fmt: skip
    report = age(ledger, as_of=AS_OF, credits="netted")
    assert bucket_amounts(report) == {"1-30": "-120.00", "31-60": "500.00", "61-90": "-30.00"}
    assert report.total().credits == A("0.00 USD")
    assert report.total().total == A("350.00 USD")


def test_include_ages_only_the_named_kinds() -> None:
    ledger = Ledger(
        [inv("I1", "500.00 USD", days_past_due(40)),
         DebitMemo(id="DM1", customer_id="C1", issue_date=D(2026, 6, 1), total=A("25.00 USD")),
         pay("P1", "120.00 USD", AS_OF - timedelta(days=3))]
    )  # fmt: skip
    report = age(ledger, as_of=AS_OF, include=["invoice"])
    assert [r.document_id for r in report.documents] == ["I1"]
    assert report.total().total == A("500.00 USD")


def test_disputed_part_is_flagged_and_not_collectable() -> None:
    ledger = Ledger([inv("I1", "500.00 USD", days_past_due(40))]).with_records(
        disputes=[Dispute(id="DS1", customer_id="C1", document_id="I1", amount=A("80.00 USD"),
                          reason_code="PRICE", opened_on=D(2026, 6, 1))]
    )  # fmt: skip
    bucket = age(ledger, as_of=AS_OF).total().bucket("31-60")
    assert (bucket.open, bucket.disputed, bucket.collectable) == (
        A("500.00 USD"),
        A("80.00 USD"),
        A("420.00 USD"),
    )
    assert age(ledger, as_of=AS_OF).documents[0].collectable == A("420.00 USD")


def test_dispute_opened_after_as_of_or_resolved_by_then_is_not_counted() -> None:
    later = Dispute(id="DS1", customer_id="C1", document_id="I1", amount=A("80.00 USD"),
                    reason_code="PRICE", opened_on=D(2026, 7, 1))  # fmt: skip
    resolved = Dispute(id="DS2", customer_id="C1", document_id="I1", amount=A("50.00 USD"),
                       reason_code="QTY", opened_on=D(2026, 5, 1), resolved_on=D(2026, 6, 15),
                       resolution=DisputeResolution.REJECTED)  # fmt: skip
    ledger = Ledger([inv("I1", "500.00 USD", days_past_due(40))]).with_records(
        disputes=[later, resolved]
    )
    assert age(ledger, as_of=AS_OF).total().disputed == A("0.00 USD")
    assert age(ledger, as_of=D(2026, 6, 1)).total().disputed == A("50.00 USD")


def test_disputed_part_is_capped_at_what_is_open() -> None:
    ledger = Ledger(
        [inv("I1", "500.00 USD", days_past_due(40)), pay("P1", "450.00 USD", D(2026, 6, 10))],
        movements=[Application(id="A1", source_id="P1", target_id="I1",
                               applied_on=D(2026, 6, 10), amount=A("450.00 USD"))],
    ).with_records(
        disputes=[Dispute(id="DS1", customer_id="C1", document_id="I1", amount=A("80.00 USD"),
                          reason_code="PRICE", opened_on=D(2026, 6, 1))]
    )  # fmt: skip
    assert age(ledger, as_of=AS_OF).total().disputed == A("50.00 USD")
    assert ledger.disputed_amount("I1", as_of=AS_OF) == A("50.00 USD")


def test_given_dispute_in_another_currency_than_its_document_is_refused() -> None:
    """A 40.00 EUR dispute on a 100.00 USD invoice cannot be 40.00 USD of it: the ledger
    refuses the record, and so must age() when the disputes are passed in."""
    ledger = Ledger([inv("I1", "100.00 USD", days_past_due(10))])
    dispute = Dispute(id="DS1", customer_id="C1", document_id="I1", amount=A("40.00 EUR"),
                      reason_code="PRICE", opened_on=D(2026, 6, 1))  # fmt: skip
    items = ledger.open_items(as_of=AS_OF)
    for source in (ledger, items):
        with pytest.raises(CurrencyMismatch, match=r"DS1.*amount.*EUR.*I1.*USD"):
            age(source, as_of=AS_OF, disputes=[dispute])


def test_given_promise_in_another_currency_than_its_document_is_refused() -> None:
    ledger = Ledger([inv("I1", "100.00 USD", days_past_due(10))])
    promise = PromiseToPay(id="PR1", customer_id="C1", document_ids=("I1",),
                           amount=A("40.00 EUR"), promised_on=D(2026, 6, 20),
                           pay_by=D(2026, 7, 10))  # fmt: skip
    with pytest.raises(CurrencyMismatch, match=r"PR1.*amount.*EUR.*I1.*USD"):
        age(ledger.open_items(as_of=AS_OF), as_of=AS_OF, promises=[promise])


def test_live_promise_covers_its_documents_oldest_due_first() -> None:
    ledger = Ledger(
        [
            inv("I-OLD", "300.00 USD", days_past_due(70)),
            inv("I-NEW", "300.00 USD", days_past_due(10)),
        ]
    ).with_records(
        promises=[PromiseToPay(id="PR1", customer_id="C1", document_ids=("I-NEW", "I-OLD"),
                               amount=A("400.00 USD"), promised_on=D(2026, 6, 20),
                               pay_by=D(2026, 7, 10))]
    )  # fmt: skip
    report = age(ledger, as_of=AS_OF)
    promised = {r.document_id: str(r.promised.amount) for r in report.documents}
    assert promised == {"I-OLD": "300.00", "I-NEW": "100.00"}
    assert report.total().bucket("61-90").promised == A("300.00 USD")
    assert report.total().promised == A("400.00 USD")


def test_promise_past_its_date_no_longer_counts() -> None:
    ledger = Ledger([inv("I1", "300.00 USD", days_past_due(70))]).with_records(
        promises=[PromiseToPay(id="PR1", customer_id="C1", document_ids=("I1",),
                               amount=A("100.00 USD"), promised_on=D(2026, 6, 1),
                               pay_by=D(2026, 6, 15))]
    )  # fmt: skip
    assert age(ledger, as_of=AS_OF).total().promised == A("0.00 USD")
    assert age(ledger, as_of=D(2026, 6, 10)).total().promised == A("100.00 USD")


def test_promise_does_not_cover_the_disputed_part() -> None:
    ledger = Ledger([inv("I1", "300.00 USD", days_past_due(70))]).with_records(
        promises=[PromiseToPay(id="PR1", customer_id="C1", document_ids=("I1",),
                               amount=A("300.00 USD"), promised_on=D(2026, 6, 20),
                               pay_by=D(2026, 7, 15))],
        disputes=[Dispute(id="DS1", customer_id="C1", document_id="I1", amount=A("100.00 USD"),
                          reason_code="PRICE", opened_on=D(2026, 6, 1))],
    )  # fmt: skip
    row = age(ledger, as_of=AS_OF).documents[0]
    assert (row.disputed, row.promised) == (A("100.00 USD"), A("200.00 USD"))


def test_customer_lines_and_group_lines_follow_parent_ids() -> None:
    customers = [
        Customer(id="ACME", name="Acme Holding", currency="USD"),
        Customer(id="ACME-E", name="Acme East", currency="USD", parent_id="ACME"),
        Customer(id="ACME-W", name="Acme West", currency="USD", parent_id="ACME"),
        Customer(id="SOLO", name="Solo Ltd", currency="USD"),
    ]
    ledger = Ledger(
        [inv("I1", "100.00 USD", days_past_due(5), "ACME-E"),
         inv("I2", "250.00 USD", days_past_due(50), "ACME-W"),
         inv("I3", "40.00 USD", days_past_due(5), "SOLO")],
        customers=customers,
    )  # fmt: skip
    report = age(ledger, as_of=AS_OF)
    assert [(c.key, c.name, str(c.total.amount)) for c in report.customers] == [
        ("ACME-E", "Acme East", "100.00"),
        ("ACME-W", "Acme West", "250.00"),
        ("SOLO", "Solo Ltd", "40.00"),
    ]
    assert [(g.key, g.name, str(g.total.amount)) for g in report.groups] == [
        ("ACME", "Acme Holding", "350.00"),
        ("SOLO", "Solo Ltd", "40.00"),
    ]
    assert report.documents[1].group_id == "ACME"


def test_percentages_are_each_bucket_share_of_the_line() -> None:
    ledger = Ledger(
        [inv("I1", "100.00 USD", days_past_due(5)), inv("I2", "200.00 USD", days_past_due(50))]
    )
    line = age(ledger, as_of=AS_OF).total()
    assert line.bucket("1-30").percent == Decimal("33.33")
    assert line.bucket("31-60").percent == Decimal("66.67")
    assert line.bucket("120+").percent == Decimal("0.00")


def test_line_without_debits_has_no_percentages() -> None:
    ledger = Ledger([pay("P1", "10.00 USD", D(2026, 6, 1))])
    assert age(ledger, as_of=AS_OF).total().bucket("current").percent is None


# -- currencies ------------------------------------------------------------------------


RATES = FxRates(
    pivot="USD",
    rates=[
        FxRate(base="EUR", quote="USD", on=D(2026, 6, 29), rate=Decimal("1.0833")),
        FxRate(base="USD", quote="JPY", on=D(2026, 6, 30), rate=Decimal("157.3")),
    ],
)


def multi_currency_ledger() -> Ledger:
    return Ledger(
        [
            inv("E1", "100.01 EUR", days_past_due(10)),
            inv("E2", "100.01 EUR", days_past_due(10)),
            inv("J1", "12345 JPY", days_past_due(40), "C2"),
            inv("U1", "50.00 USD", days_past_due(100), "C2"),
        ]
    )


def test_without_a_currency_each_currency_has_its_own_total() -> None:
    report = age(multi_currency_ledger(), as_of=AS_OF)
    assert [(t.currency, t.total) for t in report.totals] == [
        ("EUR", A("200.02 EUR")),
        ("JPY", A("12345 JPY")),
        ("USD", A("50.00 USD")),
    ]
    with pytest.raises(AgingError, match="name one"):
        report.total()


def test_revaluation_converts_each_document_once_and_records_the_rate() -> None:
    report = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES)
    rows = {r.document_id: r for r in report.documents}
    # 100.01 x 1.0833 = 108.340833 -> 108.34 per invoice; converting the 200.02 EUR
    # balance once would give 216.681666 -> 216.68, the per-document sum is 216.68 too
    assert rows["E1"].reported_open == A("108.34 USD")
    assert (rows["E1"].rate, rows["E1"].rate_date) == (Decimal("1.0833"), D(2026, 6, 29))
    # 12345 / 157.3 = 78.48061... -> 78.48
    assert rows["J1"].reported_open == A("78.48 USD")
    assert rows["U1"].rate == Decimal(1)
    assert rows["U1"].rate_date is None
    assert report.total().total == A("345.16 USD")
    assert [q.source for q in report.rates_used] == ["EUR", "JPY"]


def test_each_document_is_rounded_once_then_summed() -> None:
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=AS_OF, rate=Decimal("1.5"))])
    ledger = Ledger(
        [inv("E1", "0.01 EUR", days_past_due(3)), inv("E2", "0.01 EUR", days_past_due(3))]
    )
    report = age(ledger, as_of=AS_OF, currency="USD", rates=rates)
    # each 0.015 USD rounds half up to 0.02; the 0.02 EUR balance at once would be 0.03
    assert report.total().total == A("0.04 USD")
    assert rates.convert(A("0.02 EUR"), "USD", on=AS_OF) == A("0.03 USD")
    # the ledger's balance in one currency revalues the same way, so the two agree
    assert ledger.balance(as_of=AS_OF, currency="USD", rates=rates) == A("0.04 USD")


def test_report_total_is_the_sum_of_revalued_documents_exactly() -> None:
    report = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES)
    assert report.total().total == sum(
        (r.reported_open for r in report.documents), Money.zero("USD")
    )
    assert all(r.reported_open == RATES.convert(r.open, "USD", on=AS_OF) for r in report.documents)


def test_currency_without_a_rate_names_the_pair_and_the_date() -> None:
    rates = FxRates(
        rates=[FxRate(base="EUR", quote="USD", on=D(2026, 6, 29), rate=Decimal("1.08"))]
    )
    with pytest.raises(MissingRate, match="JPY->USD on or before 2026-06-30"):
        age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=rates)


def test_reporting_currency_without_rates_is_a_missing_rate() -> None:
    with pytest.raises(MissingRate, match="EUR->USD on or before 2026-06-30"):
        age(multi_currency_ledger(), as_of=AS_OF, currency="USD")


def test_rate_of_a_later_date_is_not_used() -> None:
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 7, 1), rate=Decimal("1.08"))])
    ledger = Ledger([inv("E1", "100.00 EUR", days_past_due(10))])
    with pytest.raises(MissingRate, match="EUR->USD on or before 2026-06-30"):
        age(ledger, as_of=AS_OF, currency="USD", rates=rates)


def test_totals_without_revaluation_equal_the_ledger_balances() -> None:
    ledger = multi_currency_ledger()
    report = age(ledger, as_of=AS_OF)
    assert {t.currency: t.total for t in report.totals} == ledger.balances(as_of=AS_OF)


# -- inputs and outputs ----------------------------------------------------------------


def test_plain_open_items_age_like_the_ledger() -> None:
    ledger = multi_currency_ledger()
    from_items = age(ledger.open_items(as_of=AS_OF), as_of=AS_OF)
    assert from_items == age(ledger, as_of=AS_OF)


def test_without_detail_the_totals_are_the_same_and_rows_are_left_out() -> None:
    ledger = multi_currency_ledger()
    full = age(ledger, as_of=AS_OF, currency="USD", rates=RATES)
    short = age(ledger, as_of=AS_OF, currency="USD", rates=RATES, detail=False)
    assert short.documents == ()
    assert short.totals == full.totals
    assert short.customers == full.customers


def test_report_round_trips_through_json_with_amounts_as_strings() -> None:
    report = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES)
    text = report.model_dump_json()
    assert '"amount":"345.16"' in text
    assert AgingReport.model_validate_json(text) == report
    assert json.loads(text)["documents"][0]["document_id"] == "E1"


def fresh_report() -> AgingReport:
    return age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES)


def validated_report() -> AgingReport:
    return AgingReport.model_validate_json(fresh_report().model_dump_json())


def test_rows_are_built_on_first_read_and_then_kept() -> None:
    report = fresh_report()
    assert "documents" not in vars(report)
    rows = report.documents
    assert [r.document_id for r in rows] == ["E1", "E2", "J1", "U1"]
    assert report.documents is rows
    assert rows == validated_report().documents


def test_report_with_rows_pending_dumps_compares_and_hashes_like_one_with_rows() -> None:
    expected = validated_report()
    assert fresh_report().model_dump() == expected.model_dump()
    assert fresh_report().model_dump_json() == expected.model_dump_json()
    assert fresh_report() == expected
    assert expected == fresh_report()
    assert fresh_report() == fresh_report()
    assert hash(fresh_report()) == hash(expected)
    assert repr(fresh_report()) == repr(expected)
    assert dict(fresh_report()) == dict(expected)


def test_report_with_rows_pending_copies_and_pickles_with_its_rows() -> None:
    expected = validated_report()
    assert copy.copy(fresh_report()) == expected
    assert copy.deepcopy(fresh_report()) == expected
    assert fresh_report().model_copy().documents == expected.documents
    restored = pickle.loads(pickle.dumps(fresh_report()))
    assert "documents" in vars(restored)
    assert restored == expected
    assert fresh_report().model_copy(update={"documents": ()}).documents == ()


def test_report_inside_another_model_dumps_its_rows() -> None:
    class Pack(BaseModel):
        report: AgingReport

    data = json.loads(Pack(report=fresh_report()).model_dump_json())
    assert [r["document_id"] for r in data["report"]["documents"]] == ["E1", "E2", "J1", "U1"]


def test_lazy_rows_keep_the_json_schema_of_the_model() -> None:
    schema = AgingReport.model_json_schema(mode="serialization")
    assert schema["properties"]["documents"]["items"] == {"$ref": "#/$defs/AgingRow"}
    assert schema == AgingReport.model_json_schema(mode="validation")


def test_copy_of_a_built_row_leaves_the_other_rows_fields_set_alone() -> None:
    first, second = fresh_report().documents[:2]
    changed = first.model_copy(update={"days": 99})
    assert changed.days == 99
    assert second.model_fields_set == set(AgingRow.model_fields)
    assert first.model_fields_set == set(AgingRow.model_fields)


def test_disputed_parts_are_the_ledgers_disputed_amounts() -> None:
    """Each debit row's disputed part is Ledger.disputed_amount on as_of (capped at open)."""
    from receivables.sample import SAMPLE_AS_OF, sample_ledger

    ledger = sample_ledger()
    for as_of in (SAMPLE_AS_OF, SAMPLE_AS_OF - timedelta(days=60)):
        rows = age(ledger, as_of=as_of).documents
        assert any(r.disputed.amount for r in rows)
        for r in rows:
            if not r.is_credit:
                assert r.disputed == ledger.disputed_amount(r.document_id, as_of=as_of)


def test_open_item_without_a_customer_is_a_clear_error() -> None:
    cash = Payment.model_construct(
        id="PAY-X", customer_id=None, received_on=D(2026, 6, 1), amount=A("5.00 USD")
    )
    item = OpenItem(cash, A("-5.00 USD"), A("-5.00 USD"))
    with pytest.raises(AgingError, match="PAY-X: customer_id"):
        age([item], as_of=AS_OF)


def test_to_rows_gives_one_plain_dict_per_line_with_bucket_columns() -> None:
    rows = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES).to_rows()
    assert rows[0] == {
        "level": "customer", "key": "C1", "name": None, "currency": "USD",
        "current": Decimal("0.00"), "1-30": Decimal("216.68"), "31-60": Decimal("0.00"),
        "61-90": Decimal("0.00"), "91-120": Decimal("0.00"), "120+": Decimal("0.00"),
        "credits": Decimal("0.00"), "total": Decimal("216.68"), "disputed": Decimal("0.00"),
        "promised": Decimal("0.00"), "collectable": Decimal("216.68"),
    }  # fmt: skip


def test_to_rows_by_document_drills_down_with_rate_and_bucket() -> None:
    report = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES)
    row = report.to_rows("document")[2]
    assert (row["document_id"], row["bucket"], row["rate"], row["reported_open"]) == (
        "J1",
        "31-60",
        report.documents[2].rate,
        Decimal("78.48"),
    )


def test_to_text_prints_a_table_with_a_total_line() -> None:
    text = age(multi_currency_ledger(), as_of=AS_OF, currency="USD", rates=RATES).to_text()
    lines = text.splitlines()
    assert lines[0] == "Aging as of 2026-06-30 by days past due"
    assert lines[1].split() == [
        "customer", "cur", "current", "1-30", "31-60", "61-90", "91-120", "120+",
        "credits", "total", "disputed",
    ]  # fmt: skip
    assert lines[-1].split()[:2] == ["TOTAL", "USD"]
    assert lines[-1].split()[-2] == "345.16"


def test_html_view_escapes_names_and_has_a_row_per_line() -> None:
    ledger = Ledger([inv("I1", "10.00 USD", days_past_due(5), "<b>")])
    html = age(ledger, as_of=AS_OF)._repr_html_()
    assert "&lt;b&gt;" in html
    assert html.count("<tr>") == 3


# -- merge -----------------------------------------------------------------------------


def us_report(**kw: object) -> AgingReport:
    ledger = Ledger([inv("I1", "100.00 USD", days_past_due(5), "ACME-US")])
    return age(ledger, as_of=AS_OF, entity="US", **kw)  # type: ignore[arg-type]


def de_report(**kw: object) -> AgingReport:
    ledger = Ledger([inv("I1", "100.00 EUR", days_past_due(45), "ACME-DE")])
    return age(ledger, as_of=AS_OF, entity="DE", **kw)  # type: ignore[arg-type]


def test_merge_revalues_into_one_currency_and_matches_customers_by_map() -> None:
    merged = merge(
        [us_report(), de_report()],
        currency="USD",
        rates=RATES,
        customer_map={"ACME-US": "ACME", "ACME-DE": "ACME"},
    )
    assert [(c.key, c.total) for c in merged.customers] == [("ACME", A("208.33 USD"))]
    assert bucket_amounts(merged) == {"1-30": "100.00", "31-60": "108.33"}
    assert merged.entities == ("DE", "US")
    assert [q.source for q in merged.rates_used] == ["EUR"]


def test_merge_is_commutative() -> None:
    a, b = us_report(), de_report()
    assert merge([a, b], currency="USD", rates=RATES) == merge([b, a], currency="USD", rates=RATES)


def test_merge_refuses_different_buckets() -> None:
    other = us_report(buckets=Buckets.preset("30-60-90"))
    with pytest.raises(IncompatibleReports, match="reports differ in buckets"):
        merge([other, de_report()], currency="USD", rates=RATES)


def test_merge_refuses_different_dates() -> None:
    ledger = Ledger([inv("I9", "1.00 USD", days_past_due(5))])
    other = age(ledger, as_of=AS_OF - timedelta(days=1), entity="X")
    with pytest.raises(IncompatibleReports, match="reports differ in as_of"):
        merge([us_report(), other])


def test_merge_of_two_currencies_needs_a_currency() -> None:
    with pytest.raises(IncompatibleReports, match="name a currency"):
        merge([us_report(currency="USD"), de_report(currency="EUR")])


def test_merge_into_a_currency_without_rates_is_a_missing_rate() -> None:
    with pytest.raises(MissingRate, match="EUR->USD"):
        merge([us_report(), de_report()], currency="USD")


def test_merge_refuses_the_same_document_twice() -> None:
    with pytest.raises(IncompatibleReports, match="document I1 of entity 'US' is in two reports"):
        merge([us_report(), us_report()])


def test_merge_refuses_reports_without_rows() -> None:
    with pytest.raises(IncompatibleReports, match="detail=False"):
        merge([us_report(detail=False), de_report()], currency="USD", rates=RATES)


def test_merge_refuses_a_chained_customer_map() -> None:
    with pytest.raises(IncompatibleReports, match="map each id straight to its final id"):
        merge([us_report()], customer_map={"ACME-US": "ACME", "ACME": "ACME-GROUP"})


def test_merge_of_nothing_is_refused() -> None:
    with pytest.raises(IncompatibleReports, match="at least one report"):
        merge([])


def test_merge_of_one_report_gives_the_same_report() -> None:
    report = us_report()
    assert merge([report]) == report


# -- the bundled sample ----------------------------------------------------------------


def test_sample_aging_totals_equal_the_sample_balances() -> None:
    from receivables.sample import SAMPLE_AS_OF, sample_ledger, sample_rates

    ledger = sample_ledger()
    report = age(ledger, as_of=SAMPLE_AS_OF)
    assert {t.currency: t.total for t in report.totals} == ledger.balances(as_of=SAMPLE_AS_OF)
    in_usd = age(ledger, as_of=SAMPLE_AS_OF, currency="USD", rates=sample_rates())
    assert in_usd.total().total == sum(
        (
            sample_rates().convert(i.open, "USD", on=SAMPLE_AS_OF)
            for i in ledger.open_items(as_of=SAMPLE_AS_OF)
        ),
        Money.zero("USD"),
    )


def test_rows_and_lines_built_without_validation_equal_validated_models() -> None:
    """The report builds its rows and lines without re-validating (for speed): each must
    carry every field and equal the same model validated from its own dump."""
    ledger = multi_currency_ledger().with_records(
        disputes=[Dispute(id="DS1", customer_id="C1", document_id="E1", amount=A("10.00 EUR"),
                          reason_code="PRICE", opened_on=D(2026, 6, 1))]
    )  # fmt: skip
    report = age(ledger, as_of=AS_OF, currency="USD", rates=RATES)
    built = [*report.documents, *report.customers, *report.groups, *report.totals]
    built += [b for line in report.totals for b in line.buckets]
    for model in built:
        assert set(model.__dict__) == set(type(model).model_fields)
        assert type(model).model_validate(model.model_dump()) == model
        assert model.model_fields_set == set(type(model).model_fields)


def test_aging_and_merge_do_not_depend_on_the_callers_decimal_context() -> None:
    """123,456.78 EUR at 1.0973 is 135,469.12 USD, plus 0.01 USD: a caller running at 5
    significant digits (rounding down) gets the same report, not an InvalidOperation."""
    import decimal

    ledger = Ledger(
        [inv("E1", "123456.78 EUR", days_past_due(45)), inv("U1", "0.01 USD", days_past_due(5))]
    )
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=AS_OF, rate=Decimal("1.0973"))])

    def run() -> tuple[object, ...]:
        report = age(ledger, as_of=AS_OF, currency="USD", rates=rates, entity="A")
        other = age(ledger, as_of=AS_OF, entity="B")
        merged = merge([report, other], currency="USD", rates=rates)
        return report, report.documents, merged, merged.documents

    expected = run()
    assert expected[0].total().total == A("135469.13 USD")
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_DOWN):
        assert run() == expected
