"""Letters: notices and statements in the customer's locale, ISO digits, own templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.dunning import DunningHistory, dunning_run
from receivables.fx import FxError
from receivables.ledger import Ledger
from receivables.letters import (
    LANGUAGES,
    TemplateError,
    format_money,
    load_template,
    render_notice,
    render_statement,
)
from receivables.models import Application, Customer, Invoice, Payment
from receivables.money import FxRate, FxRates, Money


def M(text: str) -> Money:  # noqa: N802 - the terse money constructor of DESIGN.md
    return Money.parse(text)


def book(locale: str, currency: str = "EUR", total: str = "1234.50") -> Ledger:
    return Ledger(
        [
            Invoice(
                id="INV-1",
                customer_id="C1",
                issue_date=date(2026, 1, 2),
                due_date=date(2026, 2, 1),
                total=f"{total} {currency}",
            )
        ],
        customers=[Customer(id="C1", name="Müller GmbH", currency=currency, locale=locale)],
    )


def notice_for(ledger: Ledger):  # type: ignore[no-untyped-def]
    return dunning_run(ledger, as_of=date(2026, 2, 10), history=DunningHistory()).apply().notices[0]


def test_german_customer_gets_a_german_letter_with_german_numbers_and_dates() -> None:
    ledger = book("de_DE")
    letter = render_notice(notice_for(ledger), customer=ledger.customer("C1"))
    assert (letter.locale, letter.fell_back) == ("de_DE", False)
    assert "Sehr geehrte Damen und Herren (Müller GmbH)" in letter.text
    assert "Überfällig gesamt: 1.234,50\xa0€" in letter.text
    assert "fällig 01.02.2026" in letter.text
    assert "10.02.2026" in letter.text


def test_french_customer_gets_a_french_letter() -> None:
    ledger = book("fr_FR")
    letter = render_notice(notice_for(ledger), customer=ledger.customer("C1"))
    assert "Total échu : 1\u202f234,50\xa0€" in letter.text
    assert "Madame, Monsieur" in letter.text


def test_english_letter_for_an_american_customer() -> None:
    ledger = book("en_US", "USD")
    letter = render_notice(notice_for(ledger), customer=ledger.customer("C1"))
    assert "Total overdue: $1,234.50" in letter.text
    assert "due Feb 1, 2026" in letter.text


def test_amounts_show_iso_digits_not_cldr_digits() -> None:
    """ISO 4217 gives IQD three decimals; CLDR displays none and would show 1,235."""
    ledger = book("en_US", "IQD", "1234.567")
    letter = render_notice(notice_for(ledger), customer=ledger.customer("C1"))
    assert "IQD1,234.567" in letter.text
    assert format_money(M("5 JPY"), "de_DE") == "5\xa0¥"
    assert format_money(M("1.5 KWD"), "en_US") == "KWD1.500"


def test_unknown_language_falls_back_to_english_and_says_so() -> None:
    ledger = book("es_ES")
    letter = render_notice(notice_for(ledger), customer=ledger.customer("C1"))
    assert letter.fell_back
    assert letter.locale == "en"
    assert letter.text.startswith("Note: no Spanish (es_ES) template; this letter is in English.")
    assert "Total overdue: €1,234.50" in letter.text


def test_user_template_replaces_the_bundled_text() -> None:
    ledger = book("de_DE")
    letter = render_notice(
        notice_for(ledger), customer=ledger.customer("C1"), template="$customer_name: $amount_due"
    )
    assert letter.text == "Müller GmbH: 1.234,50\xa0€"


def test_user_template_with_an_unknown_placeholder_is_refused() -> None:
    ledger = book("de_DE")
    with pytest.raises(TemplateError, match=r"unknown placeholder \$iban"):
        render_notice(notice_for(ledger), customer=ledger.customer("C1"), template="$iban")


def test_every_bundled_template_exists_in_every_language() -> None:
    ids = ("reminder", "second_reminder", "final_notice", "suspension", "legal", "statement")
    for lang in LANGUAGES:
        for template_id in ids:
            assert "$" in load_template(template_id, lang)


def test_unknown_template_id_is_refused() -> None:
    with pytest.raises(TemplateError, match="no bundled template 'nope'"):
        load_template("nope", "en")


def test_statement_lists_open_items_and_credits_with_the_balance() -> None:
    ledger = book("de_DE").add(
        [Payment(id="PAY-1", customer_id="C1", received_on=date(2026, 2, 5), amount="200.00 EUR")]
    )
    ledger = ledger.apply(
        [
            Application(
                id="A1",
                source_id="PAY-1",
                target_id="INV-1",
                applied_on=date(2026, 2, 5),
                amount="100.00 EUR",
            )
        ]
    )
    letter = render_statement(ledger, "C1", as_of=date(2026, 2, 28))
    assert "Kontoauszug für Müller GmbH zum 28.02.2026" in letter.text
    assert "INV-1  vom 02.01.2026  fällig 01.02.2026  offen 1.134,50\xa0€" in letter.text
    assert "PAY-1  vom 05.02.2026  Guthaben  offen -100,00\xa0€" in letter.text
    assert "Saldo: 1.034,50\xa0€" in letter.text


def usd_invoice_for_a_eur_customer(locale: str) -> tuple[Ledger, FxRates]:
    ledger = Ledger(
        [
            Invoice(id="INV-1", customer_id="C1", issue_date=date(2026, 9, 1),
                    due_date=date(2026, 10, 1), total="1000.00 USD"),
            Invoice(id="INV-2", customer_id="C1", issue_date=date(2026, 9, 15),
                    due_date=date(2026, 10, 15), total="500.00 EUR",
                    functional_rate=Decimal("1.10")),
        ],
        customers=[Customer(id="C1", name="Müller GmbH", currency="EUR", locale=locale)],
        functional_currency="USD",
    )  # fmt: skip
    rates = FxRates(
        rates=[FxRate(base="EUR", quote="USD", on=date(2026, 10, 30), rate=Decimal("1.08"))]
    )
    return ledger, rates


def test_party_view_statement_converts_and_says_at_which_rate() -> None:
    """USD 1,000.00 / 1.08 = EUR 925.93; the rate line names the rate and its date."""
    ledger, rates = usd_invoice_for_a_eur_customer("de_DE")
    letter = render_statement(ledger, "C1", as_of=date(2026, 10, 31), view="party", rates=rates)
    assert "INV-1  vom 01.09.2026  fällig 01.10.2026  offen 925,93\xa0€ (1.000,00\xa0$)" in (
        letter.text
    )
    assert "INV-2  vom 15.09.2026  fällig 15.10.2026  offen 500,00\xa0€\n" in letter.text
    rate_line = "Beträge umgerechnet zum Kurs 1 USD = 0,925926 EUR vom 30.10.2026."
    assert f"Saldo: 1.425,93\xa0€\n{rate_line}\n" in letter.text


def test_functional_view_statement_in_english_and_french() -> None:
    ledger, rates = usd_invoice_for_a_eur_customer("en_US")
    letter = render_statement(
        ledger, "C1", as_of=date(2026, 10, 31), view="functional", rates=rates
    )
    assert "INV-2  issued Sep 15, 2026  due Oct 15, 2026  open $540.00 (€500.00)" in letter.text
    assert "Balance: $1,540.00\nAmounts converted at 1 EUR = 1.08 USD on Oct 30, 2026.\n" in (
        letter.text
    )
    french = render_statement(
        ledger, "C1", as_of=date(2026, 10, 31), view="functional", rates=rates, locale="fr_FR"
    )
    assert "Montants convertis au cours de 1 EUR = 1,08 USD du 30 oct. 2026." in french.text


def test_transaction_view_statement_has_no_rate_line() -> None:
    ledger, rates = usd_invoice_for_a_eur_customer("en_US")
    letter = render_statement(ledger, "C1", as_of=date(2026, 10, 31), rates=rates)
    assert letter == render_statement(
        ledger, "C1", as_of=date(2026, 10, 31), view="transaction", rates=rates
    )
    assert letter.text.endswith("Balance: €500.00 + $1,000.00\n")
    assert "converted" not in letter.text


def test_statement_in_jpy_and_kwd_shows_iso_digits() -> None:
    """USD 10.05 x 151.237 = JPY 1,519.93 -> 1,520; EUR 100.00 x 0.123445 -> KWD 12.345."""
    ledger = Ledger(
        [
            Invoice(id="J1", customer_id="JP", issue_date=date(2026, 10, 1), total="10.05 USD"),
            Invoice(id="K1", customer_id="KW", issue_date=date(2026, 10, 1), total="100.00 EUR"),
        ],
        customers=[
            Customer(id="JP", name="Nihon KK", currency="JPY", locale="en_US"),
            Customer(id="KW", name="Kuwait Co", currency="KWD", locale="en_US"),
        ],
    )
    rates = FxRates(
        rates=[
            FxRate(base="USD", quote="JPY", on=date(2026, 10, 31), rate=Decimal("151.237")),
            FxRate(base="EUR", quote="KWD", on=date(2026, 10, 31), rate=Decimal("0.123445")),
        ]
    )
    jp = render_statement(ledger, "JP", as_of=date(2026, 10, 31), view="party", rates=rates)
    assert "Balance: ¥1,520\nAmounts converted at 1 USD = 151.237 JPY on Oct 31, 2026." in jp.text
    kw = render_statement(ledger, "KW", as_of=date(2026, 10, 31), view="party", rates=rates)
    assert "open KWD12.345 (€100.00)" in kw.text
    assert "Amounts converted at 1 EUR = 0.123445 KWD on Oct 31, 2026." in kw.text


def test_statement_in_an_unknown_view_is_refused() -> None:
    ledger, _ = usd_invoice_for_a_eur_customer("en_US")
    with pytest.raises(FxError, match="unknown view 'group'"):
        render_statement(ledger, "C1", as_of=date(2026, 10, 31), view="group")  # type: ignore[arg-type]
