"""Invariants of the three-currency valuation: the functional movement is the documents'
own amounts plus realised plus unrealised FX, to the minor unit, and each part agrees with
the per-application and per-document values and with the aging."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

# pytest's default (prepend) import mode puts this folder on sys.path: the ledger and
# rate strategies are shared with the roll-forward properties rather than copied.
from test_reconcile_properties import START, fx_ledgers, fx_tables

from receivables.aging import age
from receivables.fx import fx_movement, realised_fx, unrealised_fx
from receivables.ledger import Ledger
from receivables.money import FxRates, Money

periods = st.tuples(st.integers(-5, 420), st.integers(0, 420)).map(
    lambda p: (START + timedelta(days=min(p)), START + timedelta(days=max(p)))
)


def _aging_total(ledger: Ledger, on: date, rates: FxRates) -> Money:
    report = age(ledger, as_of=on, currency="USD", rates=rates, detail=False)
    return report.totals[0].total if report.totals else Money.zero("USD")


@settings(max_examples=120, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), period=periods)
def test_functional_movement_is_documents_plus_realised_plus_unrealised(
    ledger: Ledger, rates: FxRates, period: tuple[date, date]
) -> None:
    start, as_of = period
    moves = fx_movement(ledger, rates=rates, start=start, as_of=as_of)
    if not moves:
        assert _aging_total(ledger, as_of, rates).amount == 0
        return
    (move,) = moves
    assert move.holds
    assert move.closing == _aging_total(ledger, as_of, rates)
    assert move.opening == _aging_total(ledger, start, rates)
    assert move.closing - move.opening == move.documents + move.realised + move.unrealised


@settings(max_examples=80, deadline=None)
@given(ledger=fx_ledgers(), rates=fx_tables(), period=periods)
def test_realised_and_unrealised_add_up_from_their_parts(
    ledger: Ledger, rates: FxRates, period: tuple[date, date]
) -> None:
    start, as_of = period
    moves = fx_movement(ledger, rates=rates, start=None, as_of=as_of)
    realised = realised_fx(ledger, rates=rates, as_of=as_of)
    unrealised = unrealised_fx(ledger, as_of=as_of, rates=rates)
    zero = Money.zero("USD")
    if moves:
        (move,) = moves
        assert move.realised == sum((r.gain for r in realised), zero)
        assert move.unrealised_closing == sum((u.gain for u in unrealised), zero)
        assert move.closing == move.documents + move.realised + move.unrealised_closing
    for r in realised:
        assert r.gain == r.settled_value - r.carrying_released
        assert r.gain.is_quantized
    for u in unrealised:
        assert u.gain == u.revalued - u.carrying
    in_period = realised_fx(ledger, rates=rates, start=start, as_of=as_of)
    assert {r.movement_id for r in in_period} == {r.movement_id for r in realised if r.on > start}
