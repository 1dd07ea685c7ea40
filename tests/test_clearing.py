"""Clearing orders: BGB § 367, § 366(2), § 497(3) and principal first, cent by cent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from receivables.clearing import (
    BGB_366_2,
    BGB_367,
    BGB_497_3,
    CLEARING_ORDERS,
    PRINCIPAL_FIRST,
    Claim,
    ClearingOrder,
    Component,
    InvalidClearingInput,
    UnknownClearingComponent,
    clear_payment,
)
from receivables.errors import CurrencyMismatch
from receivables.money import Money

AS_OF = date(2026, 6, 30)


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


def claim(
    doc: str,
    principal: str,
    *,
    interest: str = "0.00 EUR",
    costs: str = "0.00 EUR",
    arose: date = date(2026, 1, 1),
    due: date | None = None,
) -> Claim:
    return Claim(
        document_id=doc,
        due_date=due if due is not None else arose + timedelta(days=30),
        arose_on=arose,
        principal=M(principal),
        interest=M(interest),
        costs=M(costs),
    )


def placed(result: object) -> list[tuple[str, str, str]]:
    from receivables.clearing import Clearing

    assert isinstance(result, Clearing)
    return [(p.document_id, p.component.value, str(p.amount)) for p in result.placements]


DEBT = claim("INV-1", "1000.00 EUR", interest="12.50 EUR", costs="5.00 EUR")


def test_bgb_367_clears_costs_then_interest_then_principal() -> None:
    """BGB § 367(1): "zunächst auf die Kosten, dann auf die Zinsen und zuletzt auf die
    Hauptleistung": EUR 100 on costs 5.00, interest 12.50, principal 1,000 -> 5.00, 12.50, 82.50."""
    result = clear_payment(M("100.00 EUR"), [DEBT], order=BGB_367, as_of=AS_OF)
    assert placed(result) == [
        ("INV-1", "costs", "5.00 EUR"),
        ("INV-1", "interest", "12.50 EUR"),
        ("INV-1", "principal", "82.50 EUR"),
    ]
    assert result.remaining[0].principal == M("917.50 EUR")
    assert result.remaining[0].interest == M("0.00 EUR")


def test_bgb_367_small_payment_leaves_principal_untouched() -> None:
    """A payment below costs + interest never reaches the principal under § 367(1)."""
    result = clear_payment(M("10.00 EUR"), [DEBT], order=BGB_367, as_of=AS_OF)
    assert placed(result) == [("INV-1", "costs", "5.00 EUR"), ("INV-1", "interest", "5.00 EUR")]
    assert result.remaining[0].principal == M("1000.00 EUR")
    assert result.remaining[0].interest == M("7.50 EUR")


def test_bgb_497_3_clears_costs_then_principal_then_interest() -> None:
    """BGB § 497(3) sentence 1 (consumer loans): costs of enforcement, then the other amount
    owed, and interest last."""
    result = clear_payment(M("100.00 EUR"), [DEBT], order=BGB_497_3, as_of=AS_OF)
    assert placed(result) == [("INV-1", "costs", "5.00 EUR"), ("INV-1", "principal", "95.00 EUR")]
    assert result.remaining[0].interest == M("12.50 EUR")


def test_principal_first_clears_principal_before_interest_and_costs() -> None:
    result = clear_payment(M("1010.00 EUR"), [DEBT], order=PRINCIPAL_FIRST, as_of=AS_OF)
    assert placed(result) == [
        ("INV-1", "principal", "1000.00 EUR"),
        ("INV-1", "interest", "10.00 EUR"),
    ]


def test_each_placement_names_its_rule() -> None:
    result = clear_payment(M("10.00 EUR"), [DEBT], order=BGB_367, as_of=AS_OF)
    first = result.placements[0]
    assert first.debt_rule == "sole"
    assert first.component_rule.startswith("BGB § 367(1): costs is #1")
    assert result.to_rows()[1]["component"] == "interest"


def test_bgb_366_2_due_debt_before_one_not_yet_due_even_if_older() -> None:
    """§ 366(2): "zunächst die fällige Schuld"."""
    not_due = claim("A", "500.00 EUR", arose=date(2026, 1, 1), due=date(2026, 12, 31))
    due = claim("B", "500.00 EUR", arose=date(2026, 5, 1), due=date(2026, 5, 31))
    result = clear_payment(M("600.00 EUR"), [not_due, due], order=BGB_366_2, as_of=AS_OF)
    assert placed(result) == [("B", "principal", "500.00 EUR"), ("A", "principal", "100.00 EUR")]
    assert result.placements[0].debt_rule == "due"


def test_bgb_366_2_less_secured_debt_first_when_security_is_given() -> None:
    """§ 366(2): among due debts "diejenige, welche dem Gläubiger geringere Sicherheit bietet"
    (a guarantee, a lien, a title: Prütting/Wegen/Weinreich, BGB, § 366 Rn 24)."""
    secured = claim("A", "800.00 EUR", arose=date(2026, 1, 1))
    unsecured = claim("B", "600.00 EUR", arose=date(2026, 2, 1))
    result = clear_payment(
        M("700.00 EUR"),
        [secured, unsecured],
        order=BGB_366_2,
        as_of=AS_OF,
        security={"A": 1},
    )
    assert placed(result) == [("B", "principal", "600.00 EUR"), ("A", "principal", "100.00 EUR")]
    assert result.placements[0].debt_rule == "security"


def test_bgb_366_2_more_burdensome_debt_first_among_equally_secured() -> None:
    """§ 366(2): "unter mehreren gleich sicheren die dem Schuldner lästigere", e.g. the one
    bearing the higher interest rate."""
    cheap = claim("A", "500.00 EUR", arose=date(2026, 1, 1))
    costly = claim("B", "500.00 EUR", arose=date(2026, 2, 1))
    result = clear_payment(
        M("500.00 EUR"), [cheap, costly], order=BGB_366_2, as_of=AS_OF, burden={"B": "9.12"}
    )
    assert placed(result) == [("B", "principal", "500.00 EUR")]
    assert result.placements[0].debt_rule == "burden"


def test_bgb_366_2_without_security_or_burden_falls_back_to_age_and_says_so() -> None:
    """§ 366(2): "unter mehreren gleich lästigen die ältere Schuld"; security and burden not
    given are skipped, and the reasons say so."""
    old = claim("A", "300.00 EUR", arose=date(2026, 1, 1))
    new = claim("B", "300.00 EUR", arose=date(2026, 2, 1))
    result = clear_payment(M("400.00 EUR"), [new, old], order=BGB_366_2, as_of=AS_OF)
    assert placed(result) == [("A", "principal", "300.00 EUR"), ("B", "principal", "100.00 EUR")]
    assert [p.debt_rule for p in result.placements] == ["age", "age"]
    assert any("security criterion is skipped" in r for r in result.reasons)
    assert any("burden criterion is skipped" in r for r in result.reasons)


def test_bgb_366_2_debts_of_equal_age_are_cleared_proportionally() -> None:
    """§ 366(2): "bei gleichem Alter jede Schuld verhältnismäßig": 200 on 300 and 100 -> 150, 50."""
    a = claim("A", "300.00 EUR")
    b = claim("B", "100.00 EUR")
    result = clear_payment(M("200.00 EUR"), [a, b], order=BGB_366_2, as_of=AS_OF)
    assert placed(result) == [("A", "principal", "150.00 EUR"), ("B", "principal", "50.00 EUR")]
    assert {p.debt_rule for p in result.placements} == {"proportional"}


def test_proportional_share_inside_a_debt_follows_bgb_367() -> None:
    """Within each tied debt's share, § 367(1) still puts costs and interest first."""
    a = claim("A", "290.00 EUR", interest="10.00 EUR")
    b = claim("B", "100.00 EUR")
    result = clear_payment(M("200.00 EUR"), [a, b], order=BGB_366_2, as_of=AS_OF)
    assert placed(result) == [
        ("A", "interest", "10.00 EUR"),
        ("A", "principal", "140.00 EUR"),
        ("B", "principal", "50.00 EUR"),
    ]


def test_proportional_split_keeps_every_cent() -> None:
    """Three equal debts and EUR 0.10: largest remainder gives 0.04, 0.03, 0.03."""
    debts = [claim(d, "1.00 EUR") for d in ("A", "B", "C")]
    result = clear_payment(M("0.10 EUR"), debts, order=BGB_366_2, as_of=AS_OF)
    assert [str(p.amount) for p in result.placements] == ["0.04 EUR", "0.03 EUR", "0.03 EUR"]
    assert result.placed == M("0.10 EUR")


def test_by_component_grouping_clears_all_costs_first() -> None:
    order = BGB_366_2.model_copy(update={"id": "all_costs_first", "grouping": "by_component"})
    a = claim("A", "100.00 EUR", costs="5.00 EUR", arose=date(2026, 1, 1))
    b = claim("B", "100.00 EUR", costs="7.00 EUR", arose=date(2026, 2, 1))
    result = clear_payment(M("20.00 EUR"), [a, b], order=order, as_of=AS_OF)
    assert placed(result) == [
        ("A", "costs", "5.00 EUR"),
        ("B", "costs", "7.00 EUR"),
        ("A", "principal", "8.00 EUR"),
    ]


def test_overpayment_stays_unapplied_with_a_reason() -> None:
    result = clear_payment(M("1100.00 EUR"), [DEBT], order=BGB_367, as_of=AS_OF)
    assert result.unapplied == M("82.50 EUR")
    assert {p.debt_rule for p in result.placements} == {"in_full"}
    assert any("unapplied" in r for r in result.reasons)


def test_result_does_not_depend_on_claim_order() -> None:
    debts = [claim(d, "100.00 EUR", interest="1.00 EUR") for d in ("C", "A", "B")]
    one = clear_payment(M("150.00 EUR"), debts, order=BGB_366_2, as_of=AS_OF)
    two = clear_payment(M("150.00 EUR"), debts[::-1], order=BGB_366_2, as_of=AS_OF)
    assert one == two


def test_presets_are_listed_by_id_and_round_trip_through_json() -> None:
    assert sorted(CLEARING_ORDERS) == ["bgb_366_2", "bgb_367", "bgb_497_3", "principal_first"]
    assert ClearingOrder.model_validate_json(BGB_366_2.model_dump_json()) == BGB_366_2
    assert BGB_366_2.component_order == (Component.COSTS, Component.INTEREST, Component.PRINCIPAL)


# -- bad input ------------------------------------------------------------------------------


def test_order_naming_an_unknown_component_is_a_clear_error() -> None:
    with pytest.raises(
        UnknownClearingComponent, match="clearing order x: components: unknown component 'fees'"
    ) as info:
        ClearingOrder(id="x", title="t", citation="c", components=("fees", "interest", "principal"))
    assert info.value.field == "components"


def test_order_from_json_naming_an_unknown_component_is_the_same_error() -> None:
    text = (
        '{"id": "x", "title": "t", "citation": "c",'
        ' "components": ["costs", "penalty", "principal"]}'
    )
    with pytest.raises(UnknownClearingComponent, match="'penalty'"):
        ClearingOrder.model_validate_json(text)


def test_order_naming_an_unknown_criterion_is_a_clear_error() -> None:
    with pytest.raises(UnknownClearingComponent, match="criteria: unknown criterion 'size'"):
        ClearingOrder(id="x", title="t", citation="c", criteria=("size",))


def test_order_leaving_out_a_component_is_refused() -> None:
    with pytest.raises(ValidationError, match="exactly once"):
        ClearingOrder(id="x", title="t", citation="c", components=("costs", "principal"))


def test_order_naming_a_criterion_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="names one twice"):
        ClearingOrder(id="x", title="t", citation="c", criteria=("age", "age"))


def test_claim_in_another_currency_than_the_payment_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="INV-1: principal: the claim is in EUR"):
        clear_payment(M("10.00 USD"), [DEBT], order=BGB_367, as_of=AS_OF)


def test_claim_mixing_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="claim A: interest: is in USD"):
        claim("A", "10.00 EUR", interest="1.00 USD")


def test_negative_component_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"claim A: costs: -1\.00 EUR must not be negative"):
        claim("A", "10.00 EUR", costs="-1.00 EUR")


def test_two_claims_for_one_document_are_refused() -> None:
    with pytest.raises(InvalidClearingInput, match="A: document_id: two claims"):
        clear_payment(
            M("10.00 EUR"),
            [claim("A", "1.00 EUR"), claim("A", "2.00 EUR")],
            order=BGB_367,
            as_of=AS_OF,
        )


def test_security_score_for_an_unknown_document_is_refused() -> None:
    with pytest.raises(InvalidClearingInput, match="ZZ: security: a score for a document"):
        clear_payment(M("10.00 EUR"), [DEBT], order=BGB_366_2, as_of=AS_OF, security={"ZZ": 1})


def test_float_score_is_refused() -> None:
    with pytest.raises(InvalidClearingInput, match=r"burden: score 1\.5"):
        clear_payment(M("10.00 EUR"), [DEBT], order=BGB_366_2, as_of=AS_OF, burden={"INV-1": 1.5})  # type: ignore[dict-item]


@pytest.mark.parametrize("score", ["high", "NaN", "Infinity"])
def test_score_that_is_not_a_finite_number_is_refused_naming_the_document(score: str) -> None:
    with pytest.raises(InvalidClearingInput, match="INV-1: security: score") as refused:
        clear_payment(
            M("10.00 EUR"), [DEBT], order=BGB_366_2, as_of=AS_OF, security={"INV-1": score}
        )
    assert (refused.value.document_id, refused.value.field) == ("INV-1", "security")


def test_payment_below_the_minor_unit_is_refused() -> None:
    with pytest.raises(InvalidClearingInput, match=r"payment: 0\.001 EUR"):
        clear_payment(Money("0.001", "EUR"), [DEBT], order=BGB_367, as_of=AS_OF)


def test_claim_due_before_it_arose_is_refused() -> None:
    with pytest.raises(ValidationError, match="due_date: 2026-01-01 is before the debt arose"):
        claim("A", "1.00 EUR", arose=date(2026, 2, 1), due=date(2026, 1, 1))
