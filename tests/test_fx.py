"""Three-currency amounts, realised and unrealised FX, with worked numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.errors import InvalidDocument
from receivables.fx import (
    FxError,
    MissingViewRate,
    amounts_of,
    fx_movement,
    realised_fx,
    unrealised_fx,
)
from receivables.ledger import Ledger
from receivables.models import Application, Customer, Invoice, Payment, Refund, WriteOff
from receivables.money import FxRate, FxRates, Money

M = Money.parse
D = Decimal


def eur_usd(*points: tuple[date, str]) -> FxRates:
    return FxRates(rates=[FxRate(base="EUR", quote="USD", on=on, rate=D(r)) for on, r in points])


def test_asc_830_textbook_sale_collected_at_a_higher_rate_realises_a_gain() -> None:
    """ASC 830-20 illustration: a sale of EUR 2,000 on 1 Nov at $1.40 (AR $2,800), collected
    on 15 Dec at $1.45 ($2,900): a transaction gain of $100 (FASB ASC 830-20-35-1)."""
    rates = eur_usd((date(2025, 11, 1), "1.40"), (date(2025, 12, 15), "1.45"))
    ledger = Ledger(
        [
            Invoice(id="S1", customer_id="C", issue_date=date(2025, 11, 1), total=M("2000 EUR")),
            Payment(id="R1", customer_id="C", received_on=date(2025, 12, 15),
                    amount=M("2000 EUR")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="R1", target_id="S1",
                         applied_on=date(2025, 12, 15), amount=M("2000 EUR"))])  # fmt: skip
    (r,) = realised_fx(ledger, rates=rates, as_of=date(2025, 12, 31))
    assert (r.carrying_released, r.settled_value, r.gain) == (
        M("2800.00 USD"),
        M("2900.00 USD"),
        M("100.00 USD"),
    )
    assert r.target_rate == D("1.40")
    assert r.settlement_rate == D("1.45")


def test_a_booked_functional_rate_wins_over_the_table() -> None:
    rates = eur_usd((date(2026, 1, 5), "1.20"))
    inv = Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("100.00 EUR"),
                  functional_rate=D("1.0850"))  # fmt: skip
    amounts = amounts_of(inv, Ledger([inv], functional_currency="USD"), rates=rates)
    assert amounts.functional is not None
    assert amounts.functional.amount == M("108.50 USD")
    assert amounts.functional.source == "booked"


def test_without_a_booked_rate_the_table_rate_of_the_document_date_is_used() -> None:
    rates = eur_usd((date(2026, 1, 2), "1.10"), (date(2026, 1, 9), "1.30"))
    inv = Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("100.00 EUR"))
    amounts = amounts_of(inv, Ledger([inv], functional_currency="USD"), rates=rates)
    assert amounts.in_view("functional").amount == M("110.00 USD")
    assert amounts.in_view("functional").rate_date == date(2026, 1, 2)


def test_party_amount_is_in_the_customer_currency() -> None:
    rates = FxRates(rates=[FxRate(base="USD", quote="JPY", on=date(2026, 1, 1), rate=D("150"))])
    inv = Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("10.01 USD"))
    ledger = Ledger([inv], customers=[Customer(id="C", name="K", currency="JPY")],
                    functional_currency="USD")  # fmt: skip
    amounts = amounts_of("I1", ledger, rates=rates)
    assert amounts.in_view("party").amount == M("1502 JPY")
    assert amounts.in_view("transaction").amount == M("10.01 USD")
    assert amounts.in_view("functional").amount == M("10.01 USD")


def test_without_a_customer_record_there_is_no_party_amount() -> None:
    inv = Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("1.00 USD"))
    amounts = amounts_of(inv, Ledger([inv]))
    with pytest.raises(FxError, match="I1: party"):
        amounts.in_view("party")


def _discounted() -> tuple[Ledger, FxRates]:
    rates = eur_usd((date(2026, 1, 5), "1.10"), (date(2026, 2, 4), "1.05"))
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5),
                    total=M("1000.00 EUR")),
            Payment(id="P1", customer_id="C", received_on=date(2026, 2, 4),
                    amount=M("980.00 EUR")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 4),
                         amount=M("980.00 EUR"), discount=M("20.00 EUR"))])  # fmt: skip
    return ledger, rates


def test_a_discount_is_valued_at_the_rate_of_the_payment() -> None:
    """EUR 1,000 booked at 1.10 ($1,100); EUR 980 received at 1.05 ($1,029) with EUR 20
    discount at 1.05 ($21): realised = 1,029 + 21 - 1,100 = -$50 = 1,000 x (1.05 - 1.10)."""
    ledger, rates = _discounted()
    (r,) = realised_fx(ledger, rates=rates, as_of=date(2026, 2, 28))
    assert r.discount == M("21.00 USD")
    assert r.gain == M("-50.00 USD")


def test_two_partial_payments_each_realise_their_share() -> None:
    """EUR 1,000 at 1.10; EUR 400 paid at 1.05 (-$20), EUR 600 paid at 1.20 (+$60)."""
    rates = eur_usd((date(2026, 1, 5), "1.10"), (date(2026, 2, 4), "1.05"),
                    (date(2026, 3, 4), "1.20"))  # fmt: skip
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5),
                    total=M("1000.00 EUR")),
            Payment(id="P1", customer_id="C", received_on=date(2026, 2, 4),
                    amount=M("400.00 EUR")),
            Payment(id="P2", customer_id="C", received_on=date(2026, 3, 4),
                    amount=M("600.00 EUR")),
        ],
        functional_currency="USD",
    ).apply([
        Application(id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 4),
                    amount=M("400.00 EUR")),
        Application(id="A2", source_id="P2", target_id="I1", applied_on=date(2026, 3, 4),
                    amount=M("600.00 EUR")),
    ])  # fmt: skip
    gains = [r.gain for r in realised_fx(ledger, rates=rates, as_of=date(2026, 3, 31))]
    assert gains == [M("-20.00 USD"), M("60.00 USD")]
    assert unrealised_fx(ledger, as_of=date(2026, 3, 31), rates=rates) == ()


def test_a_payment_in_a_third_currency_realises_against_both_booked_rates() -> None:
    """GBP 100 invoice at 1.25 ($125) settled by EUR 120 booked at 1.08 ($129.60): +$4.60."""
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("100 GBP"),
                    functional_rate=D("1.25")),
            Payment(id="P1", customer_id="C", received_on=date(2026, 2, 1), amount=M("120 EUR"),
                    functional_rate=D("1.08")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 1),
                         amount=M("100 GBP"), source_amount=M("120 EUR"))])  # fmt: skip
    (r,) = realised_fx(ledger, rates=None, as_of=date(2026, 2, 28))
    assert r.gain == M("4.60 USD")


def test_unrealised_fx_revalues_the_open_part_at_the_closing_rate() -> None:
    """EUR 1,000 at 1.10, EUR 600 paid: EUR 400 open carried at $440, at 1.08 $432: -$8."""
    rates = eur_usd((date(2026, 1, 5), "1.10"), (date(2026, 3, 31), "1.08"))
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5),
                    total=M("1000.00 EUR")),
            Payment(id="P1", customer_id="C", received_on=date(2026, 2, 4),
                    amount=M("600.00 EUR"), functional_rate=D("1.10")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 4),
                         amount=M("600.00 EUR"))])  # fmt: skip
    (u,) = unrealised_fx(ledger, as_of=date(2026, 3, 31), rates=rates)
    assert (u.open, u.carrying, u.revalued, u.gain) == (
        M("400.00 EUR"),
        M("440.00 USD"),
        M("432.00 USD"),
        M("-8.00 USD"),
    )


def test_the_movement_of_a_period_reverses_the_opening_revaluation() -> None:
    """IAS 21.29: settled in a later period, each period takes its own rate change.
    EUR 1,000 booked at 1.10; closing rate on 31 Dec 1.15 (+$50 unrealised); paid on 1 Feb
    at 1.12: realised +$20 against the booked 1.10, and the $50 revaluation reverses, so the
    new period's FX is 20 - 50 = -$30 = 1,000 x (1.12 - 1.15)."""
    rates = eur_usd((date(2025, 12, 1), "1.10"), (date(2025, 12, 31), "1.15"),
                    (date(2026, 2, 1), "1.12"))  # fmt: skip
    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C", issue_date=date(2025, 12, 1),
                    total=M("1000.00 EUR")),
            Payment(id="P1", customer_id="C", received_on=date(2026, 2, 1),
                    amount=M("1000.00 EUR")),
        ],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1", applied_on=date(2026, 2, 1),
                         amount=M("1000.00 EUR"))])  # fmt: skip
    (move,) = fx_movement(ledger, rates=rates, start=date(2025, 12, 31), as_of=date(2026, 2, 28))
    assert move.opening == M("1150.00 USD")
    assert move.unrealised_opening == M("50.00 USD")
    assert move.realised == M("20.00 USD")
    assert move.unrealised == M("-50.00 USD")
    assert move.documents == M("-1120.00 USD")
    assert move.closing == M("0.00 USD")
    assert move.holds


def test_a_refund_of_a_foreign_credit_realises_the_rate_change() -> None:
    """EUR 100 overpaid at 1.10 (credit $110), refunded at 1.05 ($105): a gain of $5."""
    rates = eur_usd((date(2026, 1, 5), "1.10"), (date(2026, 2, 5), "1.05"))
    ledger = Ledger(
        [Payment(id="P1", customer_id="C", received_on=date(2026, 1, 5), amount=M("100 EUR"))],
        movements=[Refund(id="R1", customer_id="C", source_id="P1", paid_on=date(2026, 2, 5),
                          amount=M("100 EUR"))],
        functional_currency="USD",
    )  # fmt: skip
    (r,) = realised_fx(ledger, rates=rates, as_of=date(2026, 2, 28))
    assert r.kind == "refund"
    assert r.gain == M("5.00 USD")


def test_a_write_off_derecognises_at_carrying_amount_without_fx() -> None:
    rates = eur_usd((date(2026, 1, 5), "1.10"), (date(2026, 2, 5), "1.30"))
    ledger = Ledger(
        [Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("100 EUR"))],
        movements=[WriteOff(id="W1", document_id="I1", written_off_on=date(2026, 2, 5),
                            amount=M("100 EUR"), reason_code="bad_debt")],
        functional_currency="USD",
    )  # fmt: skip
    (move,) = fx_movement(ledger, rates=rates, as_of=date(2026, 2, 28))
    assert move.realised == M("0.00 USD")
    assert move.documents == M("0.00 USD")
    assert realised_fx(ledger, rates=rates, as_of=date(2026, 2, 28)) == ()


def test_rounding_happens_once_per_value_and_the_identity_holds() -> None:
    """JPY 333 three times at 0.006667: each third carried at round(333 x 0.006667) and the
    whole at round(999 x 0.006667) = 6.66; the releases telescope, nothing is lost."""
    rates = FxRates(rates=[FxRate(base="JPY", quote="USD", on=date(2026, 1, 1),
                                  rate=D("0.006667"))])  # fmt: skip
    docs: list[Invoice | Payment] = [
        Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("999 JPY"))
    ]
    apps = []
    for i in range(3):
        docs.append(Payment(id=f"P{i}", customer_id="C", received_on=date(2026, 1, 6 + i),
                            amount=M("333 JPY")))  # fmt: skip
        apps.append(Application(id=f"A{i}", source_id=f"P{i}", target_id="I1",
                                applied_on=date(2026, 1, 6 + i), amount=M("333 JPY")))  # fmt: skip
    ledger = Ledger(docs, movements=apps, functional_currency="USD")
    released = [r.carrying_released for r in realised_fx(ledger, rates=rates,
                                                         as_of=date(2026, 1, 31))]  # fmt: skip
    assert released == [M("2.22 USD"), M("2.22 USD"), M("2.22 USD")]
    assert sum(released, Money.zero("USD")) == M("6.66 USD")
    (move,) = fx_movement(ledger, rates=rates, as_of=date(2026, 1, 31))
    assert move.holds
    assert move.closing == M("0.00 USD")


def test_a_missing_rate_names_the_document_the_date_and_the_field() -> None:
    ledger = Ledger(
        [Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("1 EUR"))],
        functional_currency="USD",
    )
    with pytest.raises(MissingViewRate) as err:
        fx_movement(ledger, rates=None, as_of=date(2026, 1, 31))
    assert err.value.document_id == "invoice I1"
    assert err.value.field == "functional_rate"
    assert "2026-01-05" in str(err.value)
    assert "EUR->USD" in str(err.value)


def test_a_missing_closing_rate_names_as_of() -> None:
    ledger = Ledger(
        [Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("1 EUR"),
                 functional_rate=D("1.1"))],
        functional_currency="USD",
    )  # fmt: skip
    with pytest.raises(MissingViewRate, match="as_of: no exchange rate EUR->USD on or before"):
        unrealised_fx(ledger, as_of=date(2026, 1, 31), rates=FxRates())


def test_the_functional_view_needs_a_functional_currency() -> None:
    ledger = Ledger([Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5),
                             total=M("1 EUR"))])  # fmt: skip
    with pytest.raises(FxError, match="no functional currency"):
        fx_movement(ledger, rates=None, as_of=date(2026, 1, 31))


def test_a_booked_rate_on_a_functional_currency_document_is_refused() -> None:
    booked = Invoice(
        id="I1", customer_id="C", issue_date=date(2026, 1, 5), total=M("1 USD"),
        functional_rate=D("1.2"),
    )  # fmt: skip
    with pytest.raises(InvalidDocument) as err:
        Ledger([booked], functional_currency="USD")
    assert (err.value.document_id, err.value.field) == ("I1", "functional_rate")


def test_an_unknown_view_is_refused() -> None:
    with pytest.raises(FxError, match="unknown view"):
        fx_movement(Ledger(), rates=None, as_of=date(2026, 1, 31), view="presentation")  # type: ignore[arg-type]


def test_the_party_view_needs_customer_records() -> None:
    ledger = Ledger([Invoice(id="I1", customer_id="C", issue_date=date(2026, 1, 5),
                             total=M("1 EUR"))])  # fmt: skip
    with pytest.raises(FxError, match="no customer record"):
        fx_movement(ledger, rates=None, as_of=date(2026, 1, 31), view="party")


def test_fx_values_do_not_depend_on_the_callers_decimal_context() -> None:
    """123,456.78 EUR booked at 1.1037 carries 136,259.25 USD; 100,000.01 EUR at 1.0851
    settles 108,510.01 USD: the same figures at a caller's 5 significant digits."""
    import decimal

    ledger = Ledger(
        [
            Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 5),
                    total="123456.78 EUR", functional_rate=D("1.1037")),
            Payment(id="P1", customer_id="C1", received_on=date(2026, 2, 4),
                    amount="100000.01 EUR", functional_rate=D("1.0851")),
        ],
        customers=[Customer(id="C1", name="Kunde", currency="EUR")],
        functional_currency="USD",
    ).apply([Application(id="A1", source_id="P1", target_id="I1",
                         applied_on=date(2026, 2, 4), amount="100000.01 EUR")])  # fmt: skip
    rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 31),
                                  rate=D("1.0973"))])  # fmt: skip
    on = date(2026, 2, 28)

    def run() -> tuple[object, ...]:
        return (
            realised_fx(ledger, rates=rates, as_of=on),
            unrealised_fx(ledger, as_of=on, rates=rates),
            fx_movement(ledger, rates=rates, as_of=on, start=date(2026, 1, 31)),
            amounts_of("I1", ledger, rates=rates),
        )

    expected = run()
    assert str(expected[3].functional.amount) == "136259.25 USD"
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_DOWN):
        assert run() == expected
