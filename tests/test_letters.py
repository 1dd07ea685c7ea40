"""Letters: notices and statements in the customer's locale, ISO digits, own templates."""

from __future__ import annotations

from datetime import date

import pytest

from receivables.dunning import DunningHistory, dunning_run
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
from receivables.money import Money


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
