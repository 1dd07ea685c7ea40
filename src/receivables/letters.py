"""Letters: dunning notices and statements of account, in the customer's language.

Texts are plain :class:`string.Template` files shipped in ``receivables/templates/<lang>/``
(English, German, French), one per template id (``reminder``, ``second_reminder``,
``final_notice``, ``suspension``, ``legal``, ``statement``). A caller may pass its own
template text instead. Dates and amounts are formatted with babel in the customer's
locale, amounts always with the ISO 4217 number of decimals (CLDR shows IQD with 0 and
JPY with 0; ISO 4217 gives IQD 3), so a letter never hides money by rounding.

A locale without templates falls back to English and says so in the letter.

Placeholders of a notice template: ``$customer_name``, ``$date``, ``$notice_id``,
``$stage_name``, ``$items`` (one line per item), ``$total``, ``$charges`` (fee, interest,
compensation lines, or nothing), ``$amount_due``, ``$fallback_note``. Of a statement:
``$customer_name``, ``$date``, ``$items``, ``$balance``, ``$rate_note`` (one line per
exchange rate used when the statement converts, else nothing), ``$fallback_note``.

Examples:
    >>> format_money(Money("1234.5", "IQD"), "en_US")
    'IQD1,234.500'
    >>> format_money(Money("1234.5", "EUR"), "de_DE")
    '1.234,50\\xa0€'
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from pydantic import BaseModel, ConfigDict

from receivables.dunning import DunningNotice
from receivables.errors import ReceivablesError
from receivables.fx import View
from receivables.ledger import Ledger
from receivables.models import Customer
from receivables.money import FxRates, Money, minor_units
from receivables.statements import Statement, statement_of_account

__all__ = [
    "LANGUAGES",
    "Letter",
    "TemplateError",
    "format_day",
    "format_money",
    "load_template",
    "render_notice",
    "render_statement",
]

LANGUAGES: tuple[str, ...] = ("de", "en", "fr")
"""Languages with bundled templates."""

_FALLBACK = "en"
_NUMBER = re.compile(r"0(?:\.0+)?")


class TemplateError(ReceivablesError, ValueError):
    """A template that is missing or names a placeholder the letter does not have."""


class Letter(BaseModel):
    """A rendered letter: its text, the language used and whether it fell back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: str
    requested_locale: str
    locale: str
    fell_back: bool
    note: str | None = None
    text: str


@lru_cache(maxsize=64)
def _currency_pattern(locale: str, digits: int) -> str:
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    fraction = "." + "0" * digits if digits else ""
    return _NUMBER.sub("0" + fraction, pattern)


def format_money(money: Money, locale: str) -> str:
    """``money`` in ``locale``'s currency format with the ISO 4217 decimals.

    Examples:
        >>> format_money(Money("1234.567", "KWD"), "en_US")
        'KWD1,234.567'
        >>> format_money(Money("5", "JPY"), "fr_FR")
        '5\\xa0JPY'
    """
    digits = minor_units(money.code)
    return str(
        format_currency(
            money.quantize().amount,
            money.code,
            format=_currency_pattern(locale, digits),
            locale=locale,
            currency_digits=False,
        )
    )


def format_day(day: date, locale: str) -> str:
    """A date in ``locale``'s medium format (``Mar 1, 2026``, ``01.03.2026``).

    Examples:
        >>> format_day(date(2026, 3, 1), "de_DE")
        '01.03.2026'
    """
    return str(format_date(day, format="medium", locale=locale))


def _language(locale: str) -> tuple[str, str, str | None]:
    """(formatting locale, template language, fallback note) for a requested locale."""
    try:
        parsed = Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return (
            _FALLBACK,
            _FALLBACK,
            f"Note: locale {locale!r} is unknown; this letter is in English.",
        )
    if parsed.language in LANGUAGES:
        return str(parsed), parsed.language, None
    name = Locale("en").languages.get(parsed.language, parsed.language)
    return (
        _FALLBACK,
        _FALLBACK,
        f"Note: no {name} ({locale}) template; this letter is in English.",
    )


def load_template(template_id: str, language: str) -> str:
    """The bundled template text for ``template_id`` in ``language``.

    Examples:
        >>> "$items" in load_template("statement", "fr")
        True
    """
    if not re.fullmatch(r"[a-z0-9_]+", template_id) or language not in LANGUAGES:
        raise TemplateError(
            f"no bundled template {template_id!r} in {language!r}", field="template_id"
        )
    path = files("receivables") / "templates" / language / f"{template_id}.txt"
    if not path.is_file():
        raise TemplateError(
            f"no bundled template {template_id!r} in {language!r}; pass template text",
            field="template_id",
        )
    return path.read_text(encoding="utf-8")


def _fill(template_id: str, text: str, values: dict[str, str]) -> str:
    try:
        return string.Template(text).substitute(values)
    except KeyError as exc:
        raise TemplateError(
            f"template {template_id}: unknown placeholder ${exc.args[0]}; available:"
            f" {', '.join('$' + k for k in sorted(values))}",
            field="template",
        ) from None
    except ValueError as exc:
        raise TemplateError(f"template {template_id}: {exc}", field="template") from None


_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "issued": "issued",
        "due": "due",
        "days": "days overdue",
        "fee": "Fee",
        "interest": "Interest on",
        "compensation": "Fixed compensation for",
        "open": "open",
        "credit": "credit",
        "colon": ":",
        "converted": "Amounts converted at {pair} on {day}.",
    },
    "de": {
        "issued": "vom",
        "due": "fällig",
        "days": "Tage überfällig",
        "fee": "Mahngebühr",
        "interest": "Verzugszinsen auf",
        "compensation": "Pauschale für",
        "open": "offen",
        "credit": "Guthaben",
        "colon": ":",
        "converted": "Beträge umgerechnet zum Kurs {pair} vom {day}.",
    },
    "fr": {
        "issued": "du",
        "due": "échéance",
        "days": "jours de retard",
        "fee": "Frais",
        "interest": "Intérêts de retard sur",
        "compensation": "Indemnité forfaitaire pour",
        "open": "restant dû",
        "credit": "avoir",
        "colon": "\u00a0:",
        "converted": "Montants convertis au cours de {pair} du {day}.",
    },
}


def _sum_lines(amounts: Iterable[Money], locale: str) -> str:
    totals: dict[str, Money] = {}
    for m in amounts:
        totals[m.code] = totals[m.code] + m if m.code in totals else m
    return " + ".join(format_money(totals[c], locale) for c in sorted(totals))


def render_notice(
    notice: DunningNotice,
    *,
    customer: Customer | None = None,
    locale: str | None = None,
    template: str | None = None,
) -> Letter:
    """The letter for a dunning notice, in the customer's locale (or ``locale``).

    ``template`` replaces the bundled text of ``notice.template_id``.

    Examples:
        >>> from receivables.dunning import Channel, NoticeItem, StageKind
        >>> item = NoticeItem(document_id="INV-7", issue_date=date(2026, 1, 2),
        ...     due_date=date(2026, 2, 1), days_overdue=9, open_amount=Money("80.00", "EUR"),
        ...     dunned_amount=Money("80.00", "EUR"), level=1)
        >>> notice = DunningNotice(id="DN-1", customer_id="C1", issued_on=date(2026, 2, 10),
        ...     policy_id="default", stage_id="reminder", stage_name="Reminder",
        ...     kind=StageKind.REMINDER, level=1, channel=Channel.EMAIL, template_id="reminder",
        ...     items=(item,), totals=(Money("80.00", "EUR"),))
        >>> letter = render_notice(notice, locale="es_ES", template="$items|$fallback_note")
        >>> letter.fell_back, letter.text.split("|")[1]
        (True, 'Note: no Spanish (es_ES) template; this letter is in English.')
    """
    requested = locale or (customer.locale if customer is not None else "en_US")
    fmt, lang, note = _language(requested)
    labels = _LABELS[lang]
    text = template if template is not None else load_template(notice.template_id, lang)
    lines = [
        f"  {i.document_id}  {labels['issued']} {format_day(i.issue_date, fmt)}"
        f"  {labels['due']} {format_day(i.due_date, fmt)}"
        f"  {i.days_overdue} {labels['days']}  {format_money(i.dunned_amount, fmt)}"
        for i in notice.items
    ]
    colon = labels["colon"]
    charges = [f"  {labels['fee']}{colon} {format_money(f, fmt)}" for f in notice.fees]
    for i in notice.items:
        if i.interest is not None and i.interest.amount > 0:
            charges.append(
                f"  {labels['interest']} {i.document_id}{colon} {format_money(i.interest, fmt)}"
            )
        if i.compensation is not None and i.compensation.amount > 0:
            charges.append(
                f"  {labels['compensation']} {i.document_id}{colon}"
                f" {format_money(i.compensation, fmt)}"
            )
    due = [*notice.totals, *notice.charges()]
    values = {
        "customer_name": customer.name if customer is not None else notice.customer_id,
        "date": format_day(notice.issued_on, fmt),
        "notice_id": notice.id,
        "stage_name": notice.stage_name,
        "items": "\n".join(lines),
        "total": _sum_lines(notice.totals, fmt),
        "charges": "\n".join(charges),
        "amount_due": _sum_lines(due, fmt),
        "fallback_note": note or "",
    }
    return Letter(
        template_id=notice.template_id,
        requested_locale=requested,
        locale=fmt,
        fell_back=note is not None,
        note=note,
        text=_fill(notice.template_id, text, values),
    )


def _rate_lines(statement: Statement, fmt: str, labels: dict[str, str]) -> str:
    """One sentence per conversion of the statement, or nothing in the transaction view."""
    out = []
    for r in statement.rates:
        # six significant digits, as rate tables publish them; the value keeps the exact rate
        shown = r.rate.quantize(Decimal(1).scaleb(min(0, r.rate.adjusted() - 5))).normalize()
        pair = (
            f"1 {r.source} = {format_decimal(shown, locale=fmt, decimal_quantization=False)}"
            f" {r.target}"
        )
        out.append(
            labels["converted"].format(pair=pair, day=format_day(r.rate_date or r.on, fmt)) + "\n"
        )
    return "".join(out)


def render_statement(
    ledger: Ledger,
    customer_id: str,
    *,
    as_of: date,
    locale: str | None = None,
    template: str | None = None,
    view: View = "transaction",
    rates: FxRates | None = None,
) -> Letter:
    """A statement of account: every open item of the customer on ``as_of`` and the balance.

    The amounts are those of :func:`receivables.statements.statement_of_account` in
    ``view``: in the transaction view each item in its own currency and one balance per
    currency; in the party or functional view every item in that currency at the closing
    rate of ``as_of`` (the item's own amount in brackets when it differs) and one balance,
    followed by one ``$rate_note`` line per rate used ("Amounts converted at 1 USD =
    0.925926 EUR on Oct 31, 2026.", the rate shown to six significant digits, the date of
    the table entry).

    Raises:
        FxError: an unknown view, no party or functional currency for the view.
        MissingViewRate: no rate for an item on ``as_of``.

    Examples:
        >>> from decimal import Decimal
        >>> from receivables.models import Customer, Invoice
        >>> from receivables.money import FxRate
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")],
        ...                 customers=[Customer(id="C1", name="Acme", currency="EUR",
        ...                                     locale="fr_FR")])
        >>> render_statement(ledger, "C1", as_of=date(2026, 2, 1),
        ...                  template="$balance").text
        '100,00\\xa0€'
        >>> rates = FxRates(rates=[FxRate(base="EUR", quote="USD", on=date(2026, 1, 30),
        ...                               rate=Decimal("1.08"))])
        >>> render_statement(ledger.add([Invoice(id="I2", customer_id="C1",
        ...     issue_date=date(2026, 1, 9), total="10.00 USD")]), "C1", as_of=date(2026, 2, 1),
        ...     view="party", rates=rates, template="$balance|$rate_note").text
        '109,26\\xa0€|Montants convertis au cours de 1 USD = 0,925926 EUR du 30 janv. 2026.\\n'
    """
    statement = statement_of_account(ledger, customer_id, as_of=as_of, view=view, rates=rates)
    customer = ledger.customers.get(customer_id)
    requested = locale or (customer.locale if customer is not None else "en_US")
    fmt, lang, note = _language(requested)
    labels = _LABELS[lang]
    text = template if template is not None else load_template("statement", lang)
    lines = []
    for i in statement.lines:
        tag = labels["credit"] if i.is_credit else f"{labels['due']} {format_day(i.due_date, fmt)}"
        own = (
            f" ({format_money(i.transaction_open, fmt)})"
            if i.transaction_currency != i.currency
            else ""
        )
        lines.append(
            f"  {i.document_id}  {labels['issued']} {format_day(i.issue_date, fmt)}  {tag}"
            f"  {labels['open']} {format_money(i.open, fmt)}{own}"
        )
    balance = (
        _sum_lines(statement.totals, fmt)
        if statement.totals
        else format_money(Money.zero(customer.currency if customer else "EUR"), fmt)
    )
    values = {
        "customer_name": customer.name if customer is not None else customer_id,
        "date": format_day(as_of, fmt),
        "items": "\n".join(lines),
        "balance": balance,
        "rate_note": _rate_lines(statement, fmt, labels),
        "fallback_note": note or "",
    }
    return Letter(
        template_id="statement",
        requested_locale=requested,
        locale=fmt,
        fell_back=note is not None,
        note=note,
        text=_fill("statement", text, values),
    )
