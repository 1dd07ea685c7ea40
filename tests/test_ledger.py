"""The ledger: historical open amounts, balances, and every refusal."""

from __future__ import annotations

from datetime import date

import pytest

from receivables.errors import (
    ConflictingApplication,
    CurrencyMismatch,
    DuplicateDocument,
    InvalidApplication,
    InvalidDocument,
    OverApplication,
    UnknownDocument,
)
from receivables.ledger import Ledger, reductions
from receivables.models import (
    Application,
    CreditMemo,
    Customer,
    Dispute,
    Invoice,
    Payment,
    ProformaInvoice,
    PromiseToPay,
    Refund,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money

A = Money.parse
D = date


def inv(doc_id: str, amount: str, issued: date = D(2026, 1, 5), customer: str = "C1") -> Invoice:
    return Invoice(
        id=doc_id, customer_id=customer, issue_date=issued, terms="NET 30", total=A(amount)
    )


def pay(doc_id: str, amount: str, on: date = D(2026, 2, 1), customer: str = "C1") -> Payment:
    return Payment(id=doc_id, customer_id=customer, received_on=on, amount=A(amount))


def app(
    app_id: str, source: str, target: str, amount: str, on: date = D(2026, 2, 1), **extra: object
) -> Application:
    return Application.model_validate(
        {
            "id": app_id,
            "source_id": source,
            "target_id": target,
            "applied_on": on,
            "amount": A(amount),
            **extra,
        }
    )


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(
        [
            inv("INV-1", "500.00 EUR"),
            inv("INV-2", "300.00 EUR", D(2026, 1, 20)),
            pay("PAY-1", "600.00 EUR"),
        ]
    )


def test_open_amount_ignores_applications_after_as_of(ledger: Ledger) -> None:
    applied = ledger.apply([app("A1", "PAY-1", "INV-1", "200.00 EUR", D(2026, 2, 10))])
    assert applied.open_amount("INV-1", as_of=D(2026, 2, 9)) == A("500.00 EUR")
    assert applied.open_amount("INV-1", as_of=D(2026, 2, 10)) == A("300.00 EUR")


def test_document_not_yet_issued_has_no_open_amount(ledger: Ledger) -> None:
    assert ledger.open_amount("INV-2", as_of=D(2026, 1, 19)) == A("0 EUR")


def test_credit_open_amount_is_negative(ledger: Ledger) -> None:
    applied = ledger.apply([app("A1", "PAY-1", "INV-1", "500.00 EUR")])
    assert applied.open_amount("PAY-1", as_of=D(2026, 2, 1)) == A("-100.00 EUR")


def test_balance_is_the_sum_of_signed_open_amounts(ledger: Ledger) -> None:
    applied = ledger.apply(
        [app("A1", "PAY-1", "INV-1", "500.00 EUR"), app("A2", "PAY-1", "INV-2", "50.00 EUR")]
    )
    assert applied.balance("C1", as_of=D(2026, 2, 1)) == A("200.00 EUR")
    assert applied.balance("C1", as_of=D(2026, 1, 31)) == A("800.00 EUR")


def test_open_items_are_sorted_and_skip_settled_documents(ledger: Ledger) -> None:
    applied = ledger.apply([app("A1", "PAY-1", "INV-1", "500.00 EUR")])
    items = applied.open_items(as_of=D(2026, 2, 1))
    assert [(i.id, i.open) for i in items] == [
        ("INV-2", A("300.00 EUR")),
        ("PAY-1", A("-100.00 EUR")),
    ]
    assert [i.id for i in applied.open_items(as_of=D(2026, 2, 1), include_credits=False)] == [
        "INV-2"
    ]


def test_discount_and_write_off_reduce_the_target_but_not_the_source(ledger: Ledger) -> None:
    applied = ledger.apply(
        [
            app(
                "A1",
                "PAY-1",
                "INV-1",
                "490.00 EUR",
                discount=A("9.95 EUR"),
                write_off=A("0.05 EUR"),
            )
        ]
    )
    assert applied.open_amount("INV-1", as_of=D(2026, 2, 1)) == A("0.00 EUR")
    assert applied.open_amount("PAY-1", as_of=D(2026, 2, 1)) == A("-110.00 EUR")


def test_credit_memo_applies_like_a_payment() -> None:
    memo = CreditMemo(id="CM-1", customer_id="C1", issue_date=D(2026, 1, 10), amount=A("50 EUR"))
    ledger = Ledger([inv("INV-1", "500.00 EUR"), memo]).apply(
        [app("A1", "CM-1", "INV-1", "50 EUR", D(2026, 1, 10))]
    )
    assert ledger.balance("C1", as_of=D(2026, 1, 10)) == A("450.00 EUR")


def test_write_off_and_refund_are_movements(ledger: Ledger) -> None:
    applied = ledger.apply(
        [
            app("A1", "PAY-1", "INV-1", "500.00 EUR"),
            WriteOff(
                id="W1",
                document_id="INV-2",
                written_off_on=D(2026, 3, 1),
                amount=A("300.00 EUR"),
                reason_code="BAD_DEBT",
            ),
            Refund(
                id="R1",
                customer_id="C1",
                source_id="PAY-1",
                paid_on=D(2026, 3, 2),
                amount=A("100.00 EUR"),
            ),
        ]
    )
    assert applied.balance("C1", as_of=D(2026, 3, 2)) == A("0.00 EUR")
    assert applied.open_items(as_of=D(2026, 3, 2)) == []
    assert [m.id for m in applied.movements_of("PAY-1")] == ["A1", "R1"]


def test_reapplying_the_same_application_changes_nothing(ledger: Ledger) -> None:
    a1 = app("A1", "PAY-1", "INV-1", "100.00 EUR")
    once = ledger.apply([a1])
    assert once.apply([a1]) == once
    assert ledger.apply([a1, a1]) == once


def test_same_application_id_with_other_content_conflicts(ledger: Ledger) -> None:
    once = ledger.apply([app("A1", "PAY-1", "INV-1", "100.00 EUR")])
    with pytest.raises(ConflictingApplication, match="A1: id: already used"):
        once.apply([app("A1", "PAY-1", "INV-1", "100.01 EUR")])


def test_over_application_of_the_target_is_refused_and_nothing_applies(ledger: Ledger) -> None:
    with pytest.raises(OverApplication, match="A2: target_id: would take invoice INV-1 beyond"):
        ledger.apply(
            [app("A1", "PAY-1", "INV-1", "300.00 EUR"), app("A2", "PAY-1", "INV-1", "200.01 EUR")]
        )
    assert ledger.movements == []


def test_over_application_of_the_source_is_refused(ledger: Ledger) -> None:
    with pytest.raises(OverApplication, match="source_id: would take payment PAY-1 beyond"):
        ledger.apply(
            [app("A1", "PAY-1", "INV-1", "500.00 EUR"), app("A2", "PAY-1", "INV-2", "100.01 EUR")]
        )


def test_application_before_the_target_exists_is_refused(ledger: Ledger) -> None:
    early = Payment(id="PAY-0", customer_id="C1", received_on=D(2026, 1, 1), amount=A("5 EUR"))
    with pytest.raises(InvalidApplication, match="dated 2026-01-01, before invoice INV-1"):
        ledger.add([early]).apply([app("A1", "PAY-0", "INV-1", "5 EUR", D(2026, 1, 1))])


def test_application_in_another_currency_than_the_target_is_refused(ledger: Ledger) -> None:
    with pytest.raises(CurrencyMismatch, match="A1: amount: is in USD"):
        ledger.apply([app("A1", "PAY-1", "INV-1", "5 USD")])


def test_cross_currency_application_needs_the_source_amount() -> None:
    ledger = Ledger([inv("INV-1", "500.00 EUR"), pay("PAY-1", "600.00 USD")])
    with pytest.raises(CurrencyMismatch, match="give source_amount in USD"):
        ledger.apply([app("A1", "PAY-1", "INV-1", "100.00 EUR")])
    applied = ledger.apply(
        [app("A1", "PAY-1", "INV-1", "100.00 EUR", source_amount=A("108.00 USD"))]
    )
    assert applied.open_amount("PAY-1", as_of=D(2026, 2, 1)) == A("-492.00 USD")
    assert applied.open_amount("INV-1", as_of=D(2026, 2, 1)) == A("400.00 EUR")


def test_same_currency_source_amount_must_match(ledger: Ledger) -> None:
    with pytest.raises(InvalidApplication, match="source_amount"):
        ledger.apply([app("A1", "PAY-1", "INV-1", "5 EUR", source_amount=A("6 EUR"))])


def test_application_from_an_invoice_is_refused(ledger: Ledger) -> None:
    with pytest.raises(InvalidApplication, match="source_id: invoice INV-2 is not a payment"):
        ledger.apply([app("A1", "INV-2", "INV-1", "5 EUR")])


def test_application_to_a_payment_is_refused() -> None:
    ledger = Ledger([pay("PAY-1", "5 EUR"), pay("PAY-2", "5 EUR")])
    with pytest.raises(InvalidApplication, match="target_id: payment PAY-2 is not an invoice"):
        ledger.apply([app("A1", "PAY-1", "PAY-2", "5 EUR")])


def test_application_to_an_unknown_document_is_refused(ledger: Ledger) -> None:
    with pytest.raises(UnknownDocument, match="A1: target_id: unknown document 'INV-404'"):
        ledger.apply([app("A1", "PAY-1", "INV-404", "5 EUR")])


def test_application_across_unrelated_customers_is_refused() -> None:
    ledger = Ledger([inv("INV-1", "5 EUR", customer="C2"), pay("PAY-1", "5 EUR")])
    with pytest.raises(InvalidApplication, match="not in one customer group"):
        ledger.apply([app("A1", "PAY-1", "INV-1", "5 EUR")])


def test_application_within_a_customer_group_is_accepted() -> None:
    customers = [
        Customer(id="P", name="Parent", currency="EUR"),
        Customer(id="C1", name="Child one", currency="EUR", parent_id="P"),
        Customer(id="C2", name="Child two", currency="EUR", parent_id="P"),
    ]
    ledger = Ledger(
        [inv("INV-1", "5 EUR", customer="C2"), pay("PAY-1", "5 EUR")], customers=customers
    ).apply([app("A1", "PAY-1", "INV-1", "5 EUR")])
    assert ledger.balance("C2", as_of=D(2026, 2, 1)) == A("0.00 EUR")


def test_duplicate_document_ids_are_refused() -> None:
    with pytest.raises(DuplicateDocument, match="INV-1: id"):
        Ledger([inv("INV-1", "5 EUR"), inv("INV-1", "6 EUR")])


def test_identical_document_twice_is_kept_once() -> None:
    assert len(Ledger([inv("INV-1", "5 EUR"), inv("INV-1", "5 EUR")])) == 1


def test_document_of_unknown_customer_is_refused() -> None:
    with pytest.raises(UnknownDocument, match="customer_id: unknown customer 'C9'"):
        Ledger(
            [inv("INV-1", "5 EUR", customer="C9")],
            customers=[Customer(id="C1", name="Acme", currency="EUR")],
        )


def test_proforma_is_never_posted() -> None:
    proforma = ProformaInvoice(
        id="PF-1", customer_id="C1", issue_date=D(2026, 1, 1), total=A("5 EUR")
    )
    with pytest.raises(InvalidDocument, match="never posted"):
        Ledger([proforma])  # type: ignore[list-item]


def test_unidentified_cash_is_not_posted() -> None:
    cash = Payment(id="PAY-9", customer_id=None, received_on=D(2026, 1, 1), amount=A("5 EUR"))
    with pytest.raises(InvalidDocument, match="PAY-9: customer_id: unidentified cash"):
        Ledger([cash])


def test_dispute_larger_than_its_document_is_refused(ledger: Ledger) -> None:
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="INV-1",
        amount=A("500.01 EUR"),
        reason_code="PRICE",
        opened_on=D(2026, 1, 10),
    )
    with pytest.raises(InvalidDocument, match=r"D1: amount: .* is more than INV-1"):
        ledger.with_records(disputes=[dispute])


def test_disputed_amount_is_capped_at_what_is_open(ledger: Ledger) -> None:
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="INV-1",
        amount=A("400.00 EUR"),
        reason_code="PRICE",
        opened_on=D(2026, 1, 10),
    )
    applied = ledger.apply([app("A1", "PAY-1", "INV-1", "200.00 EUR")]).with_records(
        disputes=[dispute]
    )
    assert applied.disputed_amount("INV-1", as_of=D(2026, 1, 9)) == A("0 EUR")
    assert applied.disputed_amount("INV-1", as_of=D(2026, 1, 31)) == A("400.00 EUR")
    assert applied.disputed_amount("INV-1", as_of=D(2026, 2, 1)) == A("300.00 EUR")


def test_promise_for_an_unknown_document_is_refused(ledger: Ledger) -> None:
    promise = PromiseToPay(
        id="P1",
        customer_id="C1",
        document_ids=("INV-404",),
        amount=A("5 EUR"),
        promised_on=D(2026, 2, 1),
        pay_by=D(2026, 2, 10),
    )
    with pytest.raises(UnknownDocument, match="P1: document: unknown document 'INV-404'"):
        ledger.with_records(promises=[promise])


def test_multi_currency_balance_needs_a_currency_and_rates() -> None:
    ledger = Ledger([inv("INV-1", "100.00 EUR"), inv("INV-2", "100.00 USD")])
    with pytest.raises(CurrencyMismatch, match="name a currency and pass rates"):
        ledger.balance("C1", as_of=D(2026, 2, 1))
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 1, 1), rate="1.10")])
    assert ledger.balance("C1", as_of=D(2026, 2, 1), currency="USD", rates=rates) == A("210.00 USD")
    assert ledger.balances(as_of=D(2026, 2, 1)) == {
        "EUR": A("100.00 EUR"),
        "USD": A("100.00 USD"),
    }


def test_balance_of_a_customer_with_nothing_open_is_zero_in_its_currency() -> None:
    ledger = Ledger([], customers=[Customer(id="C1", name="Acme", currency="JPY")])
    assert ledger.balance("C1", as_of=D(2026, 1, 1)) == A("0 JPY")


def test_unknown_document_lookup_names_the_id(ledger: Ledger) -> None:
    with pytest.raises(UnknownDocument, match="'INV-404'"):
        ledger.open_amount("INV-404", as_of=D(2026, 1, 1))


def test_ledger_round_trips_json(ledger: Ledger) -> None:
    applied = ledger.apply([app("A1", "PAY-1", "INV-1", "200.00 EUR")])
    assert Ledger.from_json(applied.to_json()) == applied


def test_functional_rate_other_than_one_in_the_functional_currency_is_refused() -> None:
    booked = Invoice(
        id="INV-1",
        customer_id="C1",
        issue_date=D(2026, 1, 5),
        total=A("5 USD"),
        functional_rate="1.1",
    )
    with pytest.raises(InvalidDocument, match="INV-1: functional_rate"):
        Ledger([booked], functional_currency="USD")
    assert len(Ledger([booked], functional_currency="EUR")) == 1


def test_balance_in_one_currency_revalues_document_by_document() -> None:
    # Three 0.01 EUR items at 1.5: each converts to 0.015 -> 0.02 USD (half up), so the
    # balance is 0.06 USD, where converting the 0.03 EUR total once would give 0.05.
    ledger = Ledger([inv(f"INV-{i}", "0.01 EUR") for i in range(3)])
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=D(2026, 1, 1), rate="1.5")])
    assert ledger.balance("C1", as_of=D(2026, 2, 1), currency="USD", rates=rates) == A("0.06 USD")


def test_reductions_of_a_cross_currency_application_are_each_in_its_documents_currency() -> None:
    """A USD payment settling 1,000.00 EUR with a 20.00 EUR discount: the invoice loses
    1,020.00 EUR (cash + discount), the payment loses the 1,085.00 USD it gave."""
    app = Application(
        id="A1",
        source_id="PAY-1",
        target_id="INV-1",
        applied_on=D(2026, 2, 1),
        amount=A("1000.00 EUR"),
        discount=A("20.00 EUR"),
        source_amount=A("1085.00 USD"),
    )
    assert reductions(app) == (
        ("INV-1", A("1020.00 EUR").amount),
        ("PAY-1", A("1085.00 USD").amount),
    )


def test_reductions_of_a_refund_take_the_credit_it_pays_out() -> None:
    refund = Refund(
        id="R1", source_id="CM-1", customer_id="C1", paid_on=D(2026, 3, 1), amount=A("40.00 EUR")
    )
    assert reductions(refund) == (("CM-1", A("40.00 EUR").amount),)


def test_to_frame_gives_the_open_items_in_minor_units(ledger: Ledger) -> None:
    pl = pytest.importorskip("polars", reason="the frames extra is not installed")
    frame = ledger.to_frame("polars", as_of=D(2026, 2, 1))
    assert isinstance(frame, pl.DataFrame)
    rows = {r["document_id"]: r["open_amount"] for r in frame.to_dicts()}
    assert rows == {"INV-1": 50000, "INV-2": 30000, "PAY-1": -60000}


def test_dispute_of_a_payment_is_refused(ledger: Ledger) -> None:
    dispute = Dispute(
        id="D1",
        customer_id="C1",
        document_id="PAY-1",
        amount=A("10.00 EUR"),
        reason_code="PRICE",
        opened_on=D(2026, 2, 2),
    )
    with pytest.raises(InvalidDocument, match="D1: document_id: PAY-1 is a payment"):
        ledger.with_records(disputes=[dispute])


def test_customers_cannot_be_changed_through_the_ledger() -> None:
    from receivables.models import Customer

    ledger = Ledger(customers=[Customer(id="C1", name="Acme", currency="USD")])
    with pytest.raises(TypeError):
        ledger.customers["C2"] = Customer(id="C2", name="Other", currency="USD")  # type: ignore[index]
    assert list(ledger.customers) == ["C1"]


def test_open_amounts_do_not_depend_on_the_callers_decimal_context(ledger: Ledger) -> None:
    import decimal

    big = Ledger([inv("INV-1", "123456.78 EUR")])
    with decimal.localcontext(prec=5):
        assert big.open_amount("INV-1", as_of=D(2026, 2, 1)) == A("123456.78 EUR")
        assert big.balances(as_of=D(2026, 2, 1)) == {"EUR": A("123456.78 EUR")}
