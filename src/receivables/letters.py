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
``$customer_name``, ``$date``, ``$items``, ``$balance``, ``$fallback_note``.

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
from functools import lru_cache
from importlib.resources import files

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from pydantic import BaseModel, ConfigDict

from receivables.dunning import DunningNotice
from receivables.errors import ReceivablesError
from receivables.ledger import Ledger
from receivables.models import Customer
from receivables.money import Money, minor_units

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


def render_statement(
    ledger: Ledger,
    customer_id: str,
    *,
    as_of: date,
    locale: str | None = None,
    template: str | None = None,
) -> Letter:
    """A statement of account: every open item of the customer on ``as_of`` and the balance.

    Examples:
        >>> from receivables.models import Customer, Invoice
        >>> ledger = Ledger([Invoice(id="I1", customer_id="C1", issue_date=date(2026, 1, 1),
        ...                          total="100.00 EUR")],
        ...                 customers=[Customer(id="C1", name="Acme", currency="EUR",
        ...                                     locale="fr_FR")])
        >>> render_statement(ledger, "C1", as_of=date(2026, 2, 1),
        ...                  template="$balance").text
        '100,00\\xa0€'
    """
    customer = ledger.customers.get(customer_id)
    requested = locale or (customer.locale if customer is not None else "en_US")
    fmt, lang, note = _language(requested)
    labels = _LABELS[lang]
    text = template if template is not None else load_template("statement", lang)
    items = ledger.open_items(as_of=as_of, customer_id=customer_id)
    lines = []
    for i in items:
        tag = labels["credit"] if i.is_credit else f"{labels['due']} {format_day(i.due_date, fmt)}"
        lines.append(
            f"  {i.id}  {labels['issued']} {format_day(i.issue_date, fmt)}  {tag}"
            f"  {labels['open']} {format_money(i.open, fmt)}"
        )
    balances = ledger.balances(as_of=as_of, customer_id=customer_id)
    balance = (
        _sum_lines(balances.values(), fmt)
        if balances
        else format_money(Money.zero(customer.currency if customer else "EUR"), fmt)
    )
    values = {
        "customer_name": customer.name if customer is not None else customer_id,
        "date": format_day(as_of, fmt),
        "items": "\n".join(lines),
        "balance": balance,
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
