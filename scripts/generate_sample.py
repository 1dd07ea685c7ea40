"""Generate the bundled sample ledger and exchange rates of :mod:`receivables`.

Writes two files, deterministically, from the seed ``random.Random(20261123)`` (``SEED``),
with no clock and no float anywhere (amounts are drawn as integers of minor units and built
with ``Money.from_minor``; rates are ``Decimal``):

- ``src/receivables/data/sample_ledger.json``: a :class:`~receivables.ledger.Ledger` as
  ``Ledger.to_json()`` (compact), functional currency USD. About 70 customers (USD, EUR,
  GBP, CAD, JPY, KWD; locales en_US, de_DE, fr_FR, en_GB, en_CA, ja_JP, ar_KW; customer
  groups, credit limits, contacts, collectors alice / bruno / chen), ~2,400 invoices issued
  from 2025-05-01 to 2026-10-31 (some with lines and sales tax or VAT), ~1,900 payments
  with remittance advice, their applications (with early-payment discounts where the terms
  allow), credit and debit memos, write-offs, refunds, disputes and promises to pay.
- ``src/receivables/data/sample_rates.json``: an :class:`~receivables.money.FxRates`
  table pivoting on USD, one USD->EUR, GBP, JPY, CAD, CHF, KWD, AUD, MXN rate per business
  day from 2025-04-01 to the as-of date (a mean-reverting random walk around plausible
  levels).

The sample is as of ``SAMPLE_AS_OF`` = **2026-10-31**: nothing in it is dated later (except
the due dates of promises still pending). Customers behave like real ones: prompt payers,
payers 10-20 days late, chronic payers 45-90 days late, partial payers and discount
takers; wires arrive short of bank charges, remittance references are mangled, some cash
waits unapplied, some old invoices are long overdue.

Run from the repository root (regenerates byte-identical files)::

    python scripts/generate_sample.py

``tests/test_sample_data.py`` checks the bundled files against this script.
"""

from __future__ import annotations

import calendar
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal

from receivables.ledger import Ledger, Movement
from receivables.models import (
    Application,
    Contact,
    ContactRole,
    CreditMemo,
    CreditReason,
    Customer,
    DebitMemo,
    DebitReason,
    Dispute,
    DisputeResolution,
    Document,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PromiseToPay,
    Refund,
    RemittanceLine,
    TaxExemption,
    TaxLine,
    WriteOff,
)
from receivables.money import FxRate, FxRates, Money, minor_units

SEED: Final = 20261123
"""Seed of every random draw: the sample is a pure function of it."""

SAMPLE_AS_OF: Final = date(2026, 10, 31)
"""The date the sample describes: the natural ``as_of`` of reports over it."""

FIRST_ISSUE: Final = date(2025, 5, 1)
LAST_ISSUE: Final = SAMPLE_AS_OF
RATES_FROM: Final = date(2025, 4, 1)
FUNCTIONAL_CURRENCY: Final = "USD"

ROOT: Final = Path(__file__).resolve().parents[1]
DATA_DIR: Final = ROOT / "src" / "receivables" / "data"
LEDGER_PATH: Final = DATA_DIR / "sample_ledger.json"
RATES_PATH: Final = DATA_DIR / "sample_rates.json"

Behaviour = Literal["prompt", "late", "chronic", "partial", "discount"]
TaxLevel = Literal["country", "state", "county", "city", "district", "other"]
TaxRule = tuple[str, str, TaxLevel]
Channel = Literal["phone", "email", "letter", "portal", "meeting", "other"]

COLLECTORS: Final = ("alice", "bruno", "chen")

# --------------------------------------------------------------------------------------
# Reference data: regions, names, catalogue
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """Where in the country a customer sits: phone area and the sales taxes charged."""

    code: str
    area: str
    taxes: tuple[TaxRule, ...]


@dataclass(frozen=True)
class Region:
    """A customer country: its currency, language, naming, usual terms and payment habits."""

    country: str
    currency: str
    locale: str
    count: int
    first_words: tuple[str, ...]
    second_words: tuple[str, ...]
    suffixes: tuple[str, ...]
    second_first: bool
    given_names: tuple[str, ...]
    family_names: tuple[str, ...]
    ap_mailbox: str
    terms: tuple[str, ...]
    methods: tuple[PaymentMethod, ...]
    states: tuple[State, ...]
    phone: str
    tld: str
    collectors: tuple[str, ...]
    per_usd_cent: tuple[int, int]
    """Minor units of the currency per US cent, as a fraction (numerator, denominator)."""


_EN_GIVEN: Final = (
    "Maria", "James", "Priya", "Robert", "Linda", "Michael", "Sarah", "David",
    "Jennifer", "Carlos", "Emily", "Daniel", "Aisha", "Kevin", "Rachel", "Tom",
)  # fmt: skip
_EN_FAMILY: Final = (
    "Johnson", "Patel", "Nguyen", "Garcia", "Smith", "Brown", "Miller", "Davis",
    "Wilson", "Taylor", "Anderson", "Thomas", "Okafor", "Kowalski", "Reyes", "Chen",
)  # fmt: skip
_EN_FIRST: Final = (
    "Northwind", "Bluewater", "Granite", "Summit", "Redwood", "Ironbridge", "Lakeshore",
    "Pioneer", "Harbor", "Cedar", "Silverline", "Keystone", "Prairie", "Atlas", "Beacon",
    "Copperfield", "Evergreen", "Falcon", "Highland", "Liberty", "Meridian", "Orchard",
    "Pinnacle", "Riverbend", "Sterling", "Tidewater", "Vanguard", "Westbrook", "Canyon",
    "Frontier", "Juniper", "Magnolia",
)  # fmt: skip
_EN_SECOND: Final = (
    "Logistics", "Foods", "Industrial Supply", "Manufacturing", "Health Systems",
    "Retail Group", "Construction", "Packaging", "Energy", "Distribution", "Hospitality",
    "Pharma", "Software", "Automotive", "Textiles", "Paper Products", "Electronics",
    "Building Materials", "Marine", "Agritech",
)  # fmt: skip

_US_STATES: Final = (
    State("TX", "512", (("US-TX", "6.25", "state"), ("US-TX-AUSTIN", "1.00", "city"),
                        ("US-TX-CAPMETRO", "1.00", "district"))),
    State("CA", "213", (("US-CA", "7.25", "state"), ("US-CA-LOS-ANGELES", "2.25", "county"))),
    State("NY", "212", (("US-NY", "4.00", "state"), ("US-NY-NYC", "4.50", "city"),
                        ("US-NY-MCTD", "0.375", "district"))),
    State("IL", "312", (("US-IL", "6.25", "state"), ("US-IL-COOK", "1.75", "county"),
                        ("US-IL-CHICAGO", "1.25", "city"))),
    State("WA", "206", (("US-WA", "6.50", "state"), ("US-WA-SEATTLE", "3.85", "city"))),
    State("GA", "404", (("US-GA", "4.00", "state"), ("US-GA-FULTON", "3.75", "county"))),
    State("MA", "617", (("US-MA", "6.25", "state"),)),
    State("OR", "503", ()),
)  # fmt: skip

REGIONS: Final = (
    Region(
        country="US", currency="USD", locale="en_US", count=44,
        first_words=_EN_FIRST, second_words=_EN_SECOND,
        suffixes=("Inc.", "Inc.", "LLC", "Corp.", "Co."), second_first=False,
        given_names=_EN_GIVEN, family_names=_EN_FAMILY, ap_mailbox="Accounts Payable",
        terms=("NET 30",) * 6 + ("NET 45", "NET 45", "NET 60", "2/10 NET 30", "2/10 NET 30",
                                 "1/10 EOM NET 30", "DUE ON RECEIPT", "NET 30 EOM"),
        methods=(PaymentMethod.ACH,) * 3 + (PaymentMethod.CHECK,) * 2 + (PaymentMethod.WIRE,),
        states=_US_STATES, phone="+1 {area} 555 01{nn:02d}", tld="com",
        collectors=("alice", "alice", "chen"), per_usd_cent=(1, 1),
    ),
    Region(
        country="DE", currency="EUR", locale="de_DE", count=6,
        first_words=("Rhein", "Müller", "Nordstern", "Elbtal", "Schwarzwald", "Hanse",
                     "Becker", "Spree"),
        second_words=("Logistik", "Maschinenbau", "Lebensmittel", "Verpackung",
                      "Elektrotechnik", "Baustoffe"),
        suffixes=("GmbH", "GmbH", "AG", "GmbH & Co. KG"), second_first=False,
        given_names=("Anna", "Jonas", "Katrin", "Lukas", "Sabine", "Felix", "Jürgen"),
        family_names=("Müller", "Schmidt", "Fischer", "Wagner", "Becker", "Klein", "Schäfer"),
        ap_mailbox="Kreditorenbuchhaltung",
        terms=("NET 30", "NET 30", "NET 60", "2/10 NET 30", "NET 45"),
        methods=(PaymentMethod.SEPA,) * 4 + (PaymentMethod.WIRE,),
        states=(State("BE", "30", (("DE", "19", "country"),)),),
        phone="+49 {area} 23125 {nnn:03d}", tld="de",
        collectors=("bruno",), per_usd_cent=(88, 100),
    ),
    Region(
        country="FR", currency="EUR", locale="fr_FR", count=5,
        first_words=("Garonne", "Lumière", "Provence", "Atlantique", "Mistral", "Bastide",
                     "Vendôme"),
        second_words=("Transports", "Laboratoires", "Groupe", "Ateliers", "Emballages",
                      "Distribution"),
        suffixes=("SAS", "SA", "SARL"), second_first=True,
        given_names=("Camille", "Julien", "Sophie", "Nicolas", "Élodie", "Mathieu"),
        family_names=("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre"),
        ap_mailbox="Service comptabilité fournisseurs",
        terms=("NET 30", "NET 45", "NET 60", "10 PROX"),
        methods=(PaymentMethod.SEPA,) * 4 + (PaymentMethod.WIRE,),
        states=(State("IDF", "1", (("FR", "20", "country"),)),),
        phone="+33 {area} 99 00 {nn:02d} {mm:02d}", tld="fr",
        collectors=("bruno",), per_usd_cent=(88, 100),
    ),
    Region(
        country="GB", currency="GBP", locale="en_GB", count=7,
        first_words=("Thames", "Pennine", "Kingsway", "Ashford", "Cotswold", "Mersey",
                     "Brackley", "Tyneside"),
        second_words=_EN_SECOND,
        suffixes=("Ltd", "Ltd", "plc", "LLP"), second_first=False,
        given_names=("Oliver", "Amelia", "Harry", "Isla", "George", "Sophie", "Rajesh"),
        family_names=("Hughes", "Clarke", "Walker", "Wright", "Shah", "Evans", "Turner"),
        ap_mailbox="Purchase Ledger",
        terms=("NET 30", "NET 30", "NET 30 EOM", "NET 30 EOM", "NET 60"),
        methods=(PaymentMethod.WIRE,),
        states=(State("LDN", "20", (("GB", "20", "country"),)),),
        phone="+44 {area} 7946 0{nnn:03d}", tld="co.uk",
        collectors=("bruno",), per_usd_cent=(78, 100),
    ),
    Region(
        country="CA", currency="CAD", locale="en_CA", count=5,
        first_words=("Maple", "Laurentian", "Fraser", "Muskoka", "Prairie", "Boreal"),
        second_words=_EN_SECOND,
        suffixes=("Inc.", "Ltd.", "Corp."), second_first=False,
        given_names=_EN_GIVEN, family_names=("Tremblay", "Roy", "Gagnon", "MacDonald",
                                             "Singh", "Campbell"),
        ap_mailbox="Accounts Payable",
        terms=("NET 30", "NET 30", "NET 45", "2/10 NET 30"),
        methods=(PaymentMethod.WIRE, PaymentMethod.ACH, PaymentMethod.CHECK),
        states=(
            State("ON", "416", (("CA-ON", "13", "state"),)),
            State("BC", "604", (("CA", "5", "country"), ("CA-BC", "7", "state"))),
            State("QC", "514", (("CA", "5", "country"), ("CA-QC", "9.975", "state"))),
        ),
        phone="+1 {area} 555 01{nn:02d}", tld="ca",
        collectors=("chen",), per_usd_cent=(138, 100),
    ),
    Region(
        country="JP", currency="JPY", locale="ja_JP", count=4,
        first_words=("Sakura", "Hoshino", "Aozora", "Fujimoto", "Kawaguchi", "Tsubame"),
        second_words=("Shoji", "Seiki", "Electronics", "Logistics"),
        suffixes=("Co., Ltd.", "K.K."), second_first=False,
        given_names=("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina"),
        family_names=("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
        ap_mailbox="Keiri-bu (Accounting)",
        terms=("NET 30 EOM", "NET 30 EOM", "10 PROX"),
        methods=(PaymentMethod.WIRE,),
        states=(State("13", "3", (("JP", "10", "country"),)),),
        phone="+81 {area} 5555 {nnnn:04d}", tld="co.jp",
        collectors=("chen",), per_usd_cent=(150, 100),
    ),
    Region(
        country="KW", currency="KWD", locale="ar_KW", count=2,
        first_words=("Al Noor", "Gulf Horizon", "Al Bahar", "Sahara Star"),
        second_words=("General Trading", "Contracting", "Logistics"),
        suffixes=("W.L.L.", "K.S.C.C."), second_first=False,
        given_names=("Ahmad", "Fatima", "Yousef", "Mariam", "Khaled", "Noura"),
        family_names=("Al-Mutairi", "Al-Ajmi", "Al-Rashidi", "Al-Enezi", "Al-Kandari"),
        ap_mailbox="Accounts Payable",
        terms=("NET 60", "NET 45"),
        methods=(PaymentMethod.WIRE,),
        states=(State("KU", "2", ()),),
        phone="+965 {area}222 {nnnn:04d}", tld="com.kw",
        collectors=("chen",), per_usd_cent=(307, 100),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class CatalogueItem:
    """Something sold on an invoice line: a price range in US cents and a quantity unit."""

    description: str
    low_cents: int
    high_cents: int
    max_quantity: int
    halves: bool = False


CATALOGUE: Final = (
    CatalogueItem("Pallet racking, heavy duty bay", 18_000, 45_000, 40),
    CatalogueItem("Field service technician (hours)", 9_500, 16_500, 80, halves=True),
    CatalogueItem("Replacement parts kit", 2_500, 12_000, 20),
    CatalogueItem("Annual software subscription", 250_000, 1_200_000, 1),
    CatalogueItem("Freight and handling", 5_000, 60_000, 1),
    CatalogueItem("Corrugated shipping boxes (case of 50)", 3_500, 6_000, 200),
    CatalogueItem("Consulting services (days)", 95_000, 180_000, 15),
    CatalogueItem("Industrial lubricant, 208 l drum", 45_000, 90_000, 12),
    CatalogueItem("Safety gloves (box of 100)", 1_200, 2_800, 300),
    CatalogueItem("LED high-bay fixture", 14_000, 32_000, 60),
    CatalogueItem("Calibration service (hours)", 12_000, 19_000, 24, halves=True),
    CatalogueItem("Stainless fasteners assortment", 800, 4_500, 500),
)

DISPUTE_REASONS: Final = (
    ("PRICING", "Price differs from the agreed contract price"),
    ("SHORT_SHIPMENT", "Fewer units received than invoiced"),
    ("DAMAGED_GOODS", "Goods arrived damaged"),
    ("PO_MISMATCH", "Invoice does not match the purchase order"),
    ("DUPLICATE_BILLING", "Customer says this was billed twice"),
    ("TAX_EXEMPT", "Customer holds an exemption certificate"),
    ("SERVICE_NOT_RENDERED", "Service visit disputed"),
)

# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def chance(rng: random.Random, per_mille: int) -> bool:
    """True with probability ``per_mille`` / 1000 (integers only, no float)."""
    return rng.randrange(1000) < per_mille


def business_day(d: date) -> date:
    """``d``, or the next Monday when it falls on a weekend."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def business_day_before(d: date) -> date:
    """``d``, or the Friday before when it falls on a weekend."""
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def days(n: int) -> timedelta:
    return timedelta(days=n)


def next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def ascii_slug(text: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = ["".join(ch for ch in w if ch.isalnum()) for w in plain.lower().split()]
    return sep.join(w for w in words if w)


def local_minor(usd_cents: int, region: Region) -> int:
    """An amount of US cents as minor units of the region's currency (roughly, rounded)."""
    num, den = region.per_usd_cent
    return max(1, (usd_cents * num + den // 2) // den)


def money(units: int, currency: str) -> Money:
    return Money.from_minor(units, currency)


# --------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------


@dataclass
class Account:
    """A customer while the sample is simulated: its data and how it pays."""

    id: str
    name: str
    region: Region
    state: State
    terms: str
    behaviour: Behaviour
    per_month: int
    typical_minor: int
    recurring_minor: int | None
    uses_lines: bool
    po_style: Literal["none", "sap", "po", "blanket"]
    run_weekday: int | None
    starts: date
    ends: date | None
    collector: str
    credit_limit_major: int
    domain: str
    contacts: tuple[Contact, ...]
    payer_account: str
    exemption: TaxExemption | None = None
    parent: Account | None = None
    central_ap: bool = False
    defunct: bool = False
    dunning_block: bool = False
    credit_hold: bool = False

    @property
    def currency(self) -> str:
        return self.region.currency

    @property
    def payer(self) -> Account:
        """Who sends the money: the parent when the group pays centrally."""
        return self.parent if self.parent is not None and self.central_ap else self

    @property
    def ap_contact(self) -> str:
        for c in self.contacts:
            if ContactRole.ACCOUNTS_PAYABLE in c.roles:
                return c.name
        return self.contacts[0].name

    def customer(self) -> Customer:
        limit = money(self.credit_limit_major * 10 ** minor_units(self.currency), self.currency)
        return Customer(
            id=self.id,
            name=self.name,
            currency=self.currency,
            locale=self.region.locale,
            terms=self.terms,
            credit_limit=limit,
            contacts=self.contacts,
            parent_id=self.parent.id if self.parent is not None else None,
            dunning_policy_id="key_account" if self.per_month >= 5 else "standard",
            dunning_block=self.dunning_block,
            credit_hold=self.credit_hold,
            collector=self.collector,
            country=self.region.country,
            tax_exemptions=(self.exemption,) if self.exemption is not None else (),
        )


def credit_limit(minor: int, region: Region) -> int:
    """A round credit limit, in major units, of about ``minor`` minor units."""
    scale: int = 10 ** minor_units(region.currency)
    major = minor // scale
    step = 100_000 if region.currency == "JPY" else 1000
    return (major // step + 1) * step


def _person(rng: random.Random, region: Region) -> tuple[str, str, str]:
    given = rng.choice(region.given_names)
    family = rng.choice(region.family_names)
    return given, family, f"{given} {family}"


def _phone(rng: random.Random, region: Region, state: State) -> str:
    return region.phone.format(
        area=state.area,
        nn=rng.randint(0, 99),
        mm=rng.randint(0, 99),
        nnn=rng.randint(0, 999),
        nnnn=rng.randint(0, 9999),
    )


def _contacts(rng: random.Random, region: Region, state: State, domain: str) -> tuple[Contact, ...]:
    # One role per contact: Contact.roles is a frozenset, which pydantic serialises in
    # string-hash order, so several roles would make the JSON differ from run to run.
    locale = region.locale
    given, family, full = _person(rng, region)
    contacts = [
        Contact(
            name=full,
            email=f"{ascii_slug(given)}.{ascii_slug(family, '-')}@{domain}",
            phone=_phone(rng, region, state),
            roles=frozenset({ContactRole.ACCOUNTS_PAYABLE}),
            locale=locale,
        ),
        Contact(
            name=region.ap_mailbox,
            email=f"{rng.choice(('ap', 'invoices', 'accounts.payable'))}@{domain}",
            roles=frozenset({ContactRole.BILLING}),
            locale=locale,
        ),
    ]
    if chance(rng, 550):
        given, family, full = _person(rng, region)
        contacts.append(
            Contact(
                name=full,
                email=f"{ascii_slug(given)}.{ascii_slug(family, '-')}@{domain}",
                phone=_phone(rng, region, state),
                roles=frozenset({ContactRole.ESCALATION}),
                locale=locale,
            )
        )
    if chance(rng, 300):
        given, family, full = _person(rng, region)
        contacts.append(
            Contact(
                name=full,
                email=f"{ascii_slug(given)}.{ascii_slug(family, '-')}@{domain}",
                roles=frozenset({ContactRole.PURCHASING}),
                locale=locale,
            )
        )
    return tuple(contacts)


_BEHAVIOURS: Final[tuple[Behaviour, ...]] = (
    ("prompt",) * 12 + ("late",) * 9 + ("chronic",) * 4 + ("partial",) * 4
)
_TYPICAL_CENTS: Final = (45_000, 120_000, 250_000, 420_000, 800_000, 1_500_000, 3_800_000)
_PER_MONTH: Final = (1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5)


def make_accounts(rng: random.Random) -> list[Account]:
    """The customers, C0001 onwards, grouped by region."""
    accounts: list[Account] = []
    names: set[str] = set()
    behaviours = list(_BEHAVIOURS)
    rng.shuffle(behaviours)
    for region in REGIONS:
        # Terms are dealt from a shuffled deck so that every kind of terms occurs.
        deck = list(region.terms)
        rng.shuffle(deck)
        for k in range(region.count):
            while True:
                first = rng.choice(region.first_words)
                second = rng.choice(region.second_words)
                base = f"{second} {first}" if region.second_first else f"{first} {second}"
                if base not in names:
                    names.add(base)
                    break
            name = f"{base} {rng.choice(region.suffixes)}"
            state = region.states[k % len(region.states)]
            terms = deck[k % len(deck)]
            behaviour: Behaviour
            if "/" in terms and chance(rng, 750):
                behaviour = "discount"
            else:
                behaviour = behaviours[len(accounts) % len(behaviours)]
            per_month = rng.choice(_PER_MONTH)
            typical = local_minor(rng.choice(_TYPICAL_CENTS), region)
            recurring = None
            if per_month == 1 and chance(rng, 350):
                recurring = typical * rng.randint(40, 120) // 100
            starts = FIRST_ISSUE
            if chance(rng, 120):
                starts = date(2025, rng.randint(7, 12), 1)
            domain = f"{ascii_slug(base, '-')}.example"
            cid = f"C{len(accounts) + 1:04d}"
            accounts.append(
                Account(
                    id=cid,
                    name=name,
                    region=region,
                    state=state,
                    terms=terms,
                    behaviour=behaviour,
                    per_month=per_month,
                    typical_minor=typical,
                    recurring_minor=recurring,
                    uses_lines=chance(rng, 300),
                    po_style=rng.choice(("none", "none", "sap", "po", "blanket")),
                    run_weekday=None if behaviour == "discount" else rng.choice((1, 3, 4)),
                    starts=starts,
                    ends=None,
                    collector=rng.choice(region.collectors),
                    credit_limit_major=credit_limit(typical * rng.randint(6, 30), region),
                    domain=domain,
                    contacts=_contacts(rng, region, state, domain),
                    payer_account=f"****{rng.randint(1000, 9999)}",
                )
            )
    _make_groups(rng, accounts)
    _make_special_cases(rng, accounts)
    return accounts


def _make_groups(rng: random.Random, accounts: list[Account]) -> None:
    """A few parent / subsidiary groups; two of them pay from one central AP."""
    suffix_words = {
        "US": ("West", "East", "Midwest", "Services", "Retail"),
        "DE": ("Süd", "Nord", "Service", "Vertrieb"),
    }
    plans = (("US", 2, True), ("US", 1, False), ("US", 3, True), ("DE", 1, False))
    used: set[str] = set()
    for country, n_children, central in plans:
        pool = [a for a in accounts if a.region.country == country and a.id not in used]
        parent = pool[0]
        used.add(parent.id)
        children = [a for a in pool[1:] if a.behaviour == parent.behaviour][:n_children]
        if len(children) < n_children:
            children = pool[1 : 1 + n_children]
        stem = parent.name.rsplit(" ", 1)[0]
        for child in children:
            used.add(child.id)
            child.parent = parent
            child.central_ap = central
            words = suffix_words[child.region.country]
            child.name = f"{stem} {rng.choice(words)} {rng.choice(child.region.suffixes)}"
            child.collector = parent.collector
            child.terms = parent.terms
            if child.behaviour == "discount" and "/" not in child.terms:
                child.behaviour = "late"
                child.run_weekday = parent.run_weekday or 3
            if central:
                child.behaviour = parent.behaviour
                child.run_weekday = parent.run_weekday


def _make_special_cases(rng: random.Random, accounts: list[Account]) -> None:
    """A customer that goes under, blocks and holds, tax-exempt resellers."""
    us = [a for a in accounts if a.region.country == "US" and a.parent is None]
    chronic = [a for a in us if a.behaviour == "chronic"]
    defunct = chronic[-1]
    defunct.defunct = True
    defunct.ends = date(2026, 2, 28)
    defunct.dunning_block = True
    defunct.credit_hold = True
    chronic[0].credit_hold = True
    late = [a for a in accounts if a.behaviour == "late" and a.region.country != "US"]
    if late:
        late[0].dunning_block = True
    for acc in [a for a in us if a.state.taxes and a.behaviour == "prompt"][:3]:
        jurisdiction = acc.state.taxes[0][0]
        acc.exemption = TaxExemption(
            certificate_id=f"{jurisdiction}-RESALE-{rng.randint(100000, 999999)}",
            jurisdictions=frozenset({jurisdiction}),
            issued_on=date(2024, rng.randint(1, 12), 1),
            expires_on=date(2027, 12, 31),
        )


# --------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------


def _issue_day(rng: random.Random, month: date) -> date:
    last = calendar.monthrange(month.year, month.month)[1]
    d = date(month.year, month.month, rng.randint(1, last))
    if d > LAST_ISSUE:
        d = LAST_ISSUE
    moved = business_day(d)
    if moved.month != d.month or moved > LAST_ISSUE:
        moved = business_day_before(d)
    return moved


def _lines(rng: random.Random, acc: Account) -> tuple[InvoiceLine, ...]:
    currency = acc.currency
    taxes: tuple[TaxLine, ...] = ()
    if acc.exemption is None:
        taxes = tuple(
            TaxLine(jurisdiction=j, rate=Decimal(r), level=level) for j, r, level in acc.state.taxes
        )
    lines: list[InvoiceLine] = []
    for k, item in enumerate(rng.sample(CATALOGUE, rng.choice((1, 1, 2, 2, 3, 4))), start=1):
        if item.halves:
            quantity = Decimal(rng.randint(2, 2 * item.max_quantity)) / 2
        else:
            quantity = Decimal(rng.randint(1, item.max_quantity))
        unit = local_minor(rng.randint(item.low_cents, item.high_cents), acc.region)
        lines.append(
            InvoiceLine(
                id=str(k),
                description=item.description,
                quantity=quantity,
                unit_price=money(unit, currency),
                taxes=taxes,
            )
        )
    return tuple(lines)


def _po_number(rng: random.Random, acc: Account, issued: date) -> str | None:
    if acc.po_style == "none" or chance(rng, 250):
        return None
    if acc.po_style == "sap":
        return f"45{rng.randint(0, 99_999_999):08d}"
    if acc.po_style == "po":
        return f"PO-{rng.randint(10000, 99999)}"
    return f"BPO-{issued.year}-{int(acc.id[1:]):03d}"


def make_invoices(rng: random.Random, accounts: list[Account]) -> list[Invoice]:
    """Invoices of every account, month by month, numbered in date order."""
    drafts: list[tuple[date, str, int, Account]] = []
    for acc in accounts:
        month = FIRST_ISSUE
        while month <= LAST_ISSUE:
            active = acc.starts <= month and (acc.ends is None or month <= acc.ends)
            if active:
                if acc.recurring_minor is not None:
                    count = 1
                elif acc.per_month >= 2:
                    count = max(0, acc.per_month + rng.choice((-1, 0, 0, 1)))
                else:
                    count = rng.choice((0, 1, 1, 1, 1, 2))
                for _ in range(count):
                    if acc.recurring_minor is not None:
                        issued = business_day(month)
                    else:
                        issued = _issue_day(rng, month)
                    drafts.append((issued, acc.id, len(drafts), acc))
            month = next_month(month)
    drafts.sort(key=lambda d: (d[0], d[1], d[2]))
    invoices: list[Invoice] = []
    for n, (issued, _, _, acc) in enumerate(drafts, start=100001):
        common = {
            "id": f"INV-{n}",
            "customer_id": acc.id,
            "issue_date": issued,
            "terms": acc.terms,
            "currency": acc.currency,
            "po_number": _po_number(rng, acc, issued),
        }
        if acc.recurring_minor is not None:
            invoice = Invoice(**common, total=money(acc.recurring_minor, acc.currency))
        elif (acc.uses_lines and chance(rng, 800)) or chance(rng, 60):
            invoice = Invoice(**common, lines=_lines(rng, acc))
        else:
            units = acc.typical_minor * rng.randint(35, 190) // 100
            invoice = Invoice(**common, total=money(max(units, 1), acc.currency))
        invoices.append(invoice)
    return invoices


# --------------------------------------------------------------------------------------
# Simulation plans (ids are given at the end, in date order)
# --------------------------------------------------------------------------------------


@dataclass
class CreditPlan:
    account: Account
    issued: date
    units: int
    reason: CreditReason
    target: Invoice
    applied: bool
    tax_lines: tuple[TaxLine, ...] = ()
    doc: CreditMemo | None = None


@dataclass
class DebitPlan:
    account: Account
    issued: date
    units: int
    reason: DebitReason
    target: Invoice
    doc: DebitMemo | None = None


Target = Invoice | DebitPlan


@dataclass
class Portion:
    """Part of a payment meant for one document."""

    target: Target
    cash: int
    discount: int = 0
    claimed: int = 0
    """A discount the payer deducted after its window: not granted, left open."""
    fee: int = 0
    """Bank charges taken off the way: the payer sent ``cash``, less arrived."""


@dataclass
class PayPlan:
    payer: Account
    received_on: date
    portions: list[Portion] = field(default_factory=list)
    applied: bool = True
    extra: int = 0
    references: tuple[str, ...] = ()
    id: str = ""
    method: PaymentMethod = PaymentMethod.OTHER
    note: str | None = None

    @property
    def total(self) -> int:
        return sum(p.cash for p in self.portions) - sum(p.fee for p in self.portions) + self.extra


@dataclass
class WriteOffPlan:
    target: Invoice | PayPlan
    on: date
    units: int
    reason_code: str
    approved_by: str


@dataclass
class RefundPlan:
    source: PayPlan
    on: date
    units: int


@dataclass
class DisputePlan:
    invoice: Invoice
    account: Account
    units: int
    full: bool
    reason_code: str
    note: str
    opened_on: date
    line_ids: tuple[str, ...] = ()
    resolved_on: date | None = None
    resolution: DisputeResolution | None = None


@dataclass
class PromisePlan:
    account: Account
    targets: tuple[Invoice, ...]
    units: int
    promised_on: date
    pay_by: date
    channel: Channel


@dataclass
class World:
    """Everything the simulation decided, before ids are given and models built."""

    accounts: list[Account]
    invoices: list[Invoice]
    credits: list[CreditPlan] = field(default_factory=list)
    debits: list[DebitPlan] = field(default_factory=list)
    payments: dict[tuple[str, date], PayPlan] = field(default_factory=dict)
    extra_payments: list[PayPlan] = field(default_factory=list)
    write_offs: list[WriteOffPlan] = field(default_factory=list)
    refunds: list[RefundPlan] = field(default_factory=list)
    disputes: dict[str, DisputePlan] = field(default_factory=dict)
    promises: list[PromisePlan] = field(default_factory=list)
    paid: dict[str, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))
    open_units: dict[str, int] = field(default_factory=dict)
    _by_id: dict[str, Account] = field(default_factory=dict, init=False, repr=False)

    def account(self, customer_id: str) -> Account:
        return self._by_id[customer_id]

    def __post_init__(self) -> None:
        self._by_id = {a.id: a for a in self.accounts}
        for inv in self.invoices:
            self.open_units[inv.id] = inv.amount.minor


def _run_date(acc: Account, intended: date) -> date:
    """When the payer's next payment run after ``intended`` sends the money."""
    payer = acc.payer
    if payer.run_weekday is None:
        return business_day(intended)
    return intended + days((payer.run_weekday - intended.weekday()) % 7)


def _pay(world: World, acc: Account, target: Target, on: date, portion: Portion) -> None:
    """Book a portion into the payer's payment of that day (if it happens by the as-of date)."""
    if on > SAMPLE_AS_OF:
        return
    payer = acc.payer
    plan = world.payments.get((payer.id, on))
    if plan is None:
        plan = world.payments[(payer.id, on)] = PayPlan(payer=payer, received_on=on)
    plan.portions.append(portion)
    if isinstance(target, Invoice):
        world.open_units[target.id] -= portion.cash + portion.discount
        world.paid[target.id].append((on, portion.cash))


def _delay(rng: random.Random, behaviour: Behaviour) -> int:
    if behaviour == "prompt":
        return rng.randint(-10, 0)
    if behaviour == "late":
        return rng.randint(6, 24)
    if behaviour == "chronic":
        return rng.randint(35, 95)
    return rng.randint(0, 25)


def _schedule(
    rng: random.Random, world: World, acc: Account, inv: Invoice, units: int, earliest: date
) -> None:
    """Pay ``units`` of ``inv`` the way the account pays."""
    if units <= 0:
        return
    currency = inv.amount.code
    assert inv.terms is not None
    if acc.behaviour == "discount":
        deadline = inv.terms.discount_deadline(inv.issue_date)
        assert deadline is not None
        unearned = chance(rng, 45)
        if unearned:
            intended = deadline + days(rng.randint(3, 15))
        elif chance(rng, 100):
            intended = inv.due + days(rng.randint(-5, 3))
        else:
            window = max(1, (deadline - inv.issue_date).days - 3)
            intended = inv.issue_date + days(rng.randint(1, window))
        on = _run_date(acc, max(intended, earliest))
        base = money(units, currency)
        discount = inv.terms.discount_for(base, inv.issue_date, on).minor
        if unearned and discount == 0:
            claimed = inv.terms.discount_for(base, inv.issue_date, inv.issue_date).minor
            _pay(world, acc, inv, on, Portion(inv, units - claimed, claimed=claimed))
        else:
            _pay(world, acc, inv, on, Portion(inv, units - discount, discount))
        return
    delay = _delay(rng, acc.behaviour)
    if chance(rng, 30):
        delay += rng.randint(25, 60)
    intended = inv.due + days(delay)
    if intended <= inv.issue_date:
        intended = inv.issue_date + days(rng.randint(1, 6))
    on = _run_date(acc, max(intended, earliest))
    if acc.behaviour == "partial" and chance(rng, 550) and units >= 10:
        first = units * rng.randint(30, 70) // 100
        _pay(world, acc, inv, on, Portion(inv, first))
        rest = units - first
        later = on + days(rng.randint(21, 60))
        if chance(rng, 300) and rest >= 10:
            second = rest // 2
            _pay(world, acc, inv, _run_date(acc, later), Portion(inv, second))
            rest -= second
            later += days(rng.randint(14, 40))
        _pay(world, acc, inv, _run_date(acc, later), Portion(inv, rest))
        return
    _pay(world, acc, inv, on, Portion(inv, units))


def _credit_memo(rng: random.Random, world: World, acc: Account, inv: Invoice) -> int:
    """Maybe issue a credit memo against ``inv``; return the units the customer deducts."""
    units = inv.amount.minor
    issued = inv.issue_date + days(rng.randint(2, 12))
    if issued > SAMPLE_AS_OF:
        return 0
    tax = inv.tax_total.minor
    roll = rng.randrange(100)
    tax_lines: tuple[TaxLine, ...] = ()
    if tax > 0 and roll < 20:
        reason = CreditReason.TAX
        amount = tax
        totals: dict[tuple[str, Decimal, TaxLevel], int] = {}
        for line in inv.lines:
            for t, value in zip(line.taxes, line.tax_amounts(), strict=True):
                key = (t.jurisdiction, t.rate, t.level)
                totals[key] = totals.get(key, 0) + value.minor
        tax_lines = tuple(
            TaxLine(
                jurisdiction=j,
                rate=r,
                level=level,
                amount=money(v, inv.amount.code),
            )
            for (j, r, level), v in totals.items()
            if v > 0
        )
    elif roll < 60:
        reason = CreditReason.RETURN
        gross = [line.gross.minor for line in inv.lines if line.gross.minor < units]
        amount = rng.choice(gross) if gross else units * rng.randint(10, 40) // 100
    else:
        reason = CreditReason.PRICING
        amount = units * rng.randint(2, 15) // 100
    if amount <= 0:
        return 0
    applied = chance(rng, 880)
    world.credits.append(CreditPlan(acc, issued, amount, reason, inv, applied, tax_lines))
    if applied:
        world.open_units[inv.id] -= amount
    return amount


def _late_fee(rng: random.Random, world: World, acc: Account, inv: Invoice) -> None:
    """A debit memo for a late fee on an invoice paid (or still open) far past due."""
    issued = business_day(inv.due + days(45))
    if issued > SAMPLE_AS_OF:
        return
    currency = acc.currency
    if currency == "EUR":
        reason, units = DebitReason.FEE, 4000
    elif currency == "GBP":
        reason, units = DebitReason.FEE, 7000
    else:
        reason = DebitReason.INTEREST
        units = max(inv.amount.minor * 15 // 1000, local_minor(2500, acc.region))
    plan = DebitPlan(acc, issued, units, reason, inv)
    world.debits.append(plan)
    paid = [on for on, _ in world.paid.get(inv.id, []) if on >= issued]
    if paid and chance(rng, 650):
        _pay(world, acc, plan, max(paid), Portion(plan, units))


def choose_disputes(rng: random.Random, world: World) -> None:
    """Disputes: most on recent invoices and still open; some old, some resolved."""
    candidates = [
        inv
        for inv in world.invoices
        if not world.account(inv.customer_id).defunct
        and world.account(inv.customer_id).recurring_minor is None
    ]
    recent = [i for i in candidates if date(2026, 4, 1) <= i.issue_date <= SAMPLE_AS_OF - days(20)]
    older = [i for i in candidates if date(2025, 6, 1) <= i.issue_date < date(2026, 4, 1)]
    picks = [(inv, True) for inv in rng.sample(recent, 26)]
    old = rng.sample(older, 20)
    picks += [(inv, k < 6) for k, inv in enumerate(old)]
    resolutions = (
        DisputeResolution.CREDIT_MEMO,
        DisputeResolution.CREDIT_MEMO,
        DisputeResolution.REJECTED,
        DisputeResolution.WITHDRAWN,
        DisputeResolution.UPHELD_IN_PART,
    )
    for inv, stays_open in sorted(picks, key=lambda p: p[0].id):
        acc = world.account(inv.customer_id)
        code, note = rng.choice(DISPUTE_REASONS)
        units = inv.amount.minor
        line_ids: tuple[str, ...] = ()
        full = chance(rng, 400)
        if full:
            disputed = units
        elif inv.lines and len(inv.lines) > 1:
            line = rng.choice(inv.lines)
            disputed, line_ids = line.gross.minor, (line.id,)
        else:
            disputed = max(1, units * rng.randint(10, 50) // 100)
        opened = min(inv.issue_date + days(rng.randint(5, 25)), SAMPLE_AS_OF - days(2))
        plan = DisputePlan(inv, acc, disputed, full, code, note, opened, line_ids)
        resolved = opened + days(rng.randint(12, 75))
        if not stays_open and resolved <= SAMPLE_AS_OF:
            plan.resolved_on = resolved
            plan.resolution = rng.choice(resolutions)
        world.disputes[inv.id] = plan


def _settle_disputed(rng: random.Random, world: World, acc: Account, inv: Invoice) -> None:
    plan = world.disputes[inv.id]
    units = inv.amount.minor
    undisputed = units - plan.units
    earliest = inv.issue_date + days(1)
    _schedule(rng, world, acc, inv, undisputed, earliest)
    if plan.resolved_on is None or plan.resolution is None:
        return
    credit = 0
    if plan.resolution is DisputeResolution.CREDIT_MEMO:
        credit = plan.units
    elif plan.resolution is DisputeResolution.UPHELD_IN_PART:
        credit = plan.units // 2
    if credit:
        damaged = plan.reason_code == "DAMAGED_GOODS"
        reason = CreditReason.RETURN if damaged else CreditReason.PRICING
        world.credits.append(CreditPlan(acc, plan.resolved_on, credit, reason, inv, True))
        world.open_units[inv.id] -= credit
    rest = plan.units - credit
    if rest > 0:
        on = _run_date(acc, plan.resolved_on + days(rng.randint(3, 20)))
        _pay(world, acc, inv, on, Portion(inv, rest))


def simulate(rng: random.Random, world: World) -> None:
    """Decide every credit memo, payment, fee and write-off, invoice by invoice."""
    choose_disputes(rng, world)
    stuck_pool = [
        inv
        for inv in world.invoices
        if inv.issue_date <= date(2026, 4, 30)
        and inv.id not in world.disputes
        and world.account(inv.customer_id).behaviour in ("late", "chronic")
    ]
    stuck = {inv.id for inv in rng.sample(stuck_pool, 16)}
    for inv in world.invoices:
        acc = world.account(inv.customer_id)
        if acc.defunct and inv.issue_date >= date(2025, 12, 1):
            continue
        if inv.id in stuck:
            if chance(rng, 300) and inv.due + days(45) <= SAMPLE_AS_OF and len(world.debits) < 14:
                _late_fee(rng, world, acc, inv)
            continue
        if inv.id in world.disputes:
            _settle_disputed(rng, world, acc, inv)
            continue
        deducted = 0
        earliest = inv.issue_date + days(1)
        if chance(rng, 36):
            deducted = _credit_memo(rng, world, acc, inv)
            if deducted:
                earliest = world.credits[-1].issued + days(1)
        _schedule(rng, world, acc, inv, inv.amount.minor - deducted, earliest)
        paid = world.paid.get(inv.id, [])
        if (
            acc.behaviour == "chronic"
            and paid
            and (max(on for on, _ in paid) - inv.due).days >= 50
            and chance(rng, 90)
            and len(world.debits) < 14
        ):
            _late_fee(rng, world, acc, inv)
    _defaults(world)
    _small_balances(rng, world)


def _defaults(world: World) -> None:
    """The defunct customer's largest unpaid invoices are written off as bad debt."""
    for acc in world.accounts:
        if not acc.defunct:
            continue
        unpaid = [
            inv
            for inv in world.invoices
            if inv.customer_id == acc.id and world.open_units[inv.id] == inv.amount.minor
        ]
        for inv in sorted(unpaid, key=lambda i: (-i.amount.minor, i.id))[:3]:
            units = world.open_units[inv.id]
            world.write_offs.append(
                WriteOffPlan(inv, date(2026, 9, 30), units, "BAD_DEBT", "controller")
            )
            world.open_units[inv.id] = 0


def _small_balances(rng: random.Random, world: World) -> None:
    """Unearned discounts left open, or written off when small."""
    for plan in list(world.payments.values()):
        for portion in plan.portions:
            target = portion.target
            if not portion.claimed or not isinstance(target, Invoice):
                continue
            on = plan.received_on + days(rng.randint(20, 60))
            small = portion.claimed <= local_minor(10_000, plan.payer.region)
            if on <= SAMPLE_AS_OF and small and chance(rng, 800):
                world.write_offs.append(
                    WriteOffPlan(target, on, portion.claimed, "SMALL_BALANCE", plan.payer.collector)
                )
                world.open_units[target.id] -= portion.claimed


def cash_events(rng: random.Random, world: World) -> None:
    """Bank charges, overpayments, duplicates, cash on account, refunds."""
    plans = sorted(world.payments.values(), key=lambda p: (p.received_on, p.payer.id))
    fees = 0
    for plan in plans:
        plan.method = rng.choice(plan.payer.region.methods)
        if plan.method is PaymentMethod.WIRE and fees < 12 and chance(rng, 40):
            portion = max(plan.portions, key=lambda p: p.cash)
            fee = local_minor(rng.choice((1500, 2000, 2500, 3500)), plan.payer.region)
            target = portion.target
            if portion.cash > 3 * fee and isinstance(target, Invoice):
                portion.fee = fee
                fees += 1
                world.open_units[target.id] += fee
                on = plan.received_on + days(rng.randint(10, 40))
                if on <= SAMPLE_AS_OF and chance(rng, 700):
                    world.write_offs.append(
                        WriteOffPlan(target, on, fee, "BANK_CHARGES", plan.payer.collector)
                    )
                    world.open_units[target.id] -= fee
    over = [p for p in plans if p.received_on <= SAMPLE_AS_OF - days(60)]
    for k, plan in enumerate(rng.sample(over, 7)):
        cents = (37, 150, 420, 1250, 10000, 25000, 50000)[k]
        plan.extra = local_minor(cents, plan.payer.region)
        plan.note = "overpaid"
        if k < 2:
            on = plan.received_on + days(rng.randint(25, 45))
            world.write_offs.append(
                WriteOffPlan(plan, on, plan.extra, "SMALL_BALANCE", plan.payer.collector)
            )
        elif k == 6:
            on = business_day(plan.received_on + days(rng.randint(20, 40)))
            world.refunds.append(RefundPlan(plan, on, plan.extra))
    for k, plan in enumerate(rng.sample([p for p in over if p.extra == 0], 4)):
        dup = PayPlan(
            payer=plan.payer,
            received_on=business_day(plan.received_on + days(rng.randint(5, 25))),
            portions=[Portion(p.target, p.cash, p.discount, p.claimed) for p in plan.portions],
            applied=False,
            method=plan.method,
            note="duplicate",
        )
        world.extra_payments.append(dup)
        if k == 0:
            on = business_day(dup.received_on + days(rng.randint(15, 35)))
            world.refunds.append(RefundPlan(dup, on, dup.total))
    _unapplied_cash(rng, world)


def _unapplied_cash(rng: random.Random, world: World) -> None:
    """Recent payments the cash application team has not matched yet, and advances."""
    open_invoices = [
        inv
        for inv in world.invoices
        if world.open_units[inv.id] == inv.amount.minor
        and inv.id not in world.disputes
        and inv.due <= SAMPLE_AS_OF
        and inv.issue_date >= date(2026, 8, 1)
        and not world.account(inv.customer_id).defunct
    ]
    seen: set[str] = set()
    picked: list[Invoice] = []
    for inv in rng.sample(open_invoices, len(open_invoices)):
        if inv.customer_id not in seen:
            seen.add(inv.customer_id)
            picked.append(inv)
        if len(picked) == 7:
            break
    for inv in sorted(picked, key=lambda i: i.id):
        acc = world.account(inv.customer_id)
        on = business_day_before(SAMPLE_AS_OF - days(rng.randint(0, 10)))
        vague = rng.choice(("PAYMENT", "REMITTANCE TO FOLLOW", f"ACCT {acc.id}", "SEE EMAIL"))
        world.extra_payments.append(
            PayPlan(
                payer=acc.payer,
                received_on=max(on, inv.issue_date),
                portions=[Portion(inv, inv.amount.minor)],
                applied=False,
                references=(vague,),
                method=rng.choice(acc.payer.region.methods),
            )
        )
    usual = [a for a in world.accounts if not a.defunct and a.currency in ("USD", "EUR")]
    for acc in rng.sample(usual, 2):
        units = local_minor(rng.randint(20, 150) * 10_000, acc.region)
        world.extra_payments.append(
            PayPlan(
                payer=acc,
                received_on=business_day(date(2026, rng.randint(6, 10), rng.randint(1, 28))),
                extra=units,
                applied=False,
                references=(f"ADVANCE PAYMENT PO-{rng.randint(10000, 99999)}",),
                method=PaymentMethod.WIRE,
            )
        )


def choose_promises(rng: random.Random, world: World) -> None:
    """Promises to pay: kept (a payment followed), broken (none by the date), pending."""
    kept: list[PromisePlan] = []
    broken: list[PromisePlan] = []
    pending: list[PromisePlan] = []
    channels: tuple[Channel, ...] = ("phone", "phone", "email", "portal")
    for inv in world.invoices:
        acc = world.account(inv.customer_id)
        if acc.behaviour not in ("late", "chronic", "partial") or inv.id in world.disputes:
            continue
        paid = world.paid.get(inv.id, [])
        open_units = world.open_units[inv.id]
        if paid:
            last, cash = max(paid)
            late = (last - inv.due).days
            if late >= 12 and chance(rng, 60):
                promised = last - days(rng.randint(3, min(12, late - 1)))
                if promised > inv.due:
                    pay_by = last + days(rng.randint(0, 3))
                    kept.append(
                        PromisePlan(acc, (inv,), cash, promised, pay_by, rng.choice(channels))
                    )
            elif late >= 40 and len(paid) == 1 and chance(rng, 90):
                pay_by = inv.due + days(rng.randint(10, late - 20))
                promised = pay_by - days(rng.randint(3, 9))
                if promised > inv.due:
                    units = sum(c for _, c in paid)
                    broken.append(
                        PromisePlan(acc, (inv,), units, promised, pay_by, rng.choice(channels))
                    )
        if open_units > 0 and not acc.defunct and inv.due < SAMPLE_AS_OF - days(5):
            if paid or chance(rng, 350):
                promised = max(inv.due + days(1), SAMPLE_AS_OF - days(rng.randint(0, 12)))
                pay_by = SAMPLE_AS_OF + days(rng.randint(2, 21))
                pending.append(
                    PromisePlan(acc, (inv,), open_units, promised, pay_by, rng.choice(channels))
                )
            elif inv.due < SAMPLE_AS_OF - days(40) and chance(rng, 500):
                pay_by = SAMPLE_AS_OF - days(rng.randint(5, 30))
                promised = pay_by - days(rng.randint(3, 9))
                if promised > inv.due:
                    broken.append(
                        PromisePlan(acc, (inv,), open_units, promised, pay_by, rng.choice(channels))
                    )
    world.promises = (
        rng.sample(kept, min(len(kept), 24))
        + rng.sample(broken, min(len(broken), 16))
        + rng.sample(pending, min(len(pending), 14))
    )


# --------------------------------------------------------------------------------------
# Building the models
# --------------------------------------------------------------------------------------


def _mangle(rng: random.Random, doc_id: str, po: str | None) -> str:
    """A reference as payers write it: often exact, sometimes not quite."""
    prefix, _, number = doc_id.partition("-")
    roll = rng.randrange(100)
    if roll < 62:
        return doc_id
    if roll < 70:
        return number
    if roll < 76:
        return f"{prefix.lower()} {number}"
    if roll < 81:
        return f"{prefix}{number}"
    if roll < 86:
        return f"000{number}"
    if roll < 90:
        return f"Invoice #{number}"
    if roll < 93 and len(number) > 2:
        return f"{prefix}-{number[:-2]}{number[-1]}{number[-2]}"
    if po is not None:
        return po if po.startswith("PO") else f"PO {po}"
    return f"REF {number}{rng.choice(('', ' PAYMENT', ' INV'))}"


def _bank_reference(rng: random.Random, method: PaymentMethod, on: date) -> str:
    if method is PaymentMethod.ACH:
        return f"{rng.randint(10**14, 10**15 - 1)}"
    if method is PaymentMethod.CHECK:
        return f"CHK {rng.randint(1001, 99999)}"
    if method is PaymentMethod.SEPA:
        if chance(rng, 150):
            return "NOTPROVIDED"
        return f"E2E{on:%y%m%d}{rng.randint(0, 10**9 - 1):09d}"
    return f"{on:%Y%m%d}B1Q8{rng.choice(('021', '026', '031'))}C{rng.randint(1, 999999):06d}"


def _payer_name(acc: Account, method: PaymentMethod) -> str:
    if method is PaymentMethod.ACH:
        return acc.name.upper()[:16].rstrip()
    if method in (PaymentMethod.WIRE, PaymentMethod.SEPA):
        return acc.name.upper()[:35].rstrip()
    return acc.name


def _doc_of(target: Target) -> Invoice | DebitMemo:
    if isinstance(target, Invoice):
        return target
    assert target.doc is not None
    return target.doc


def build(rng: random.Random, world: World) -> Ledger:
    """Give ids in date order and build the ledger from the plans."""
    documents: list[Document] = list(world.invoices)
    movements: list[Movement] = []
    raw_applications: list[tuple[date, str, str, Application]] = []

    def application(source: str, target: str, on: date, **fields: object) -> None:
        raw_applications.append(
            (
                on,
                source,
                target,
                Application(id="TBD", source_id=source, target_id=target, applied_on=on, **fields),
            )
        )

    credits = sorted(world.credits, key=lambda c: (c.issued, c.account.id, c.target.id))
    for n, cm in enumerate(credits, start=500001):
        currency = cm.account.currency
        cm.doc = CreditMemo(
            id=f"CM-{n}",
            customer_id=cm.account.id,
            issue_date=cm.issued,
            amount=money(cm.units, currency),
            reason=cm.reason,
            linked_document_id=cm.target.id,
            tax_lines=cm.tax_lines,
        )
        documents.append(cm.doc)
        if cm.applied:
            application(
                cm.doc.id, cm.target.id, cm.issued, amount=cm.doc.amount, reason="CREDIT_MEMO"
            )
    debits = sorted(world.debits, key=lambda d: (d.issued, d.account.id, d.target.id))
    for n, dm in enumerate(debits, start=700001):
        dm.doc = DebitMemo(
            id=f"DM-{n}",
            customer_id=dm.account.id,
            issue_date=dm.issued,
            terms="DUE ON RECEIPT",
            total=money(dm.units, dm.account.currency),
            reason=dm.reason,
            linked_document_id=dm.target.id,
        )
        documents.append(dm.doc)
    plans = sorted(
        [*world.payments.values(), *world.extra_payments],
        key=lambda p: (p.received_on, p.payer.id, p.applied, p.total),
    )
    for n, plan in enumerate(plans, start=300001):
        plan.id = f"PAY-{n}"
        payer = plan.payer
        currency = payer.currency
        if plan.method is PaymentMethod.OTHER:
            plan.method = rng.choice(payer.region.methods)
        remittance: list[RemittanceLine] = []
        no_advice = plan.method is PaymentMethod.CHECK and chance(rng, 60)
        if plan.references:
            share = plan.total // len(plan.references)
            remittance = [
                RemittanceLine(reference=ref, amount=money(share, currency))
                for ref in plan.references
            ]
        elif not no_advice:
            for p in plan.portions:
                doc = _doc_of(p.target)
                remittance.append(
                    RemittanceLine(
                        reference=_mangle(rng, doc.id, doc.po_number),
                        amount=money(p.cash, currency),
                        document_id=doc.id if plan.applied else None,
                        discount_taken=money(p.discount + p.claimed, currency)
                        if p.discount or p.claimed
                        else None,
                    )
                )
        value_date = plan.received_on
        if plan.method is PaymentMethod.CHECK:
            value_date = business_day(plan.received_on + days(rng.randint(1, 2)))
        payment = Payment(
            id=plan.id,
            customer_id=payer.id,
            received_on=plan.received_on,
            value_date=value_date,
            amount=money(plan.total, currency),
            method=plan.method,
            bank_reference=_bank_reference(rng, plan.method, plan.received_on),
            payer_name=_payer_name(payer, plan.method),
            payer_account=payer.payer_account,
            remittance=tuple(remittance),
        )
        documents.append(payment)
        if not plan.applied:
            continue
        advice: list[RemittanceLine | None] = [*remittance] or [None] * len(plan.portions)
        for p, line in zip(plan.portions, advice, strict=True):
            doc = _doc_of(p.target)
            reason = "REFERENCE"
            if line is None:
                reason = "AMOUNT_MATCH"
            elif line.reference != doc.id:
                reason = "FUZZY_REFERENCE"
            if p.fee:
                reason = "SHORT_PAID_BANK_CHARGES"
            application(
                plan.id,
                doc.id,
                plan.received_on,
                amount=money(p.cash - p.fee, currency),
                discount=money(p.discount, currency) if p.discount else None,
                reason=reason,
            )
    raw_applications.sort(key=lambda a: (a[0], a[1], a[2]))
    for n, (_, _, _, app) in enumerate(raw_applications, start=1):
        movements.append(app.model_copy(update={"id": f"APP-{n:07d}"}))
    write_offs = sorted(
        world.write_offs,
        key=lambda w: (w.on, w.target.id),
    )
    for n, wo in enumerate(write_offs, start=1):
        target = wo.target
        currency = target.amount.code if isinstance(target, Invoice) else target.payer.currency
        movements.append(
            WriteOff(
                id=f"WO-{n:05d}",
                document_id=wo.target.id,
                written_off_on=wo.on,
                amount=money(wo.units, currency),
                reason_code=wo.reason_code,
                approved_by=wo.approved_by,
            )
        )
    for n, rf in enumerate(sorted(world.refunds, key=lambda r: (r.on, r.source.id)), start=1):
        movements.append(
            Refund(
                id=f"RF-{n:05d}",
                customer_id=rf.source.payer.id,
                source_id=rf.source.id,
                paid_on=rf.on,
                amount=money(rf.units, rf.source.payer.currency),
                reference=f"REFUND {rf.source.id}",
            )
        )
    disputes = sorted(world.disputes.values(), key=lambda d: (d.opened_on, d.invoice.id))
    dispute_models = [
        Dispute(
            id=f"DSP-{n:05d}",
            customer_id=d.account.id,
            document_id=d.invoice.id,
            amount=money(d.units, d.account.currency),
            reason_code=d.reason_code,
            opened_on=d.opened_on,
            line_ids=d.line_ids,
            owner=d.account.collector,
            resolved_on=d.resolved_on,
            resolution=d.resolution,
            note=d.note,
        )
        for n, d in enumerate(disputes, start=1)
    ]
    promises = sorted(world.promises, key=lambda p: (p.promised_on, p.targets[0].id))
    promise_models = [
        PromiseToPay(
            id=f"PTP-{n:05d}",
            customer_id=p.account.id,
            document_ids=tuple(t.id for t in p.targets),
            amount=money(p.units, p.account.currency),
            promised_on=p.promised_on,
            pay_by=p.pay_by,
            contact=p.account.ap_contact,
            channel=p.channel,
            collector=p.account.collector,
        )
        for n, p in enumerate(promises, start=1)
    ]
    return Ledger(
        documents,
        customers=[a.customer() for a in world.accounts],
        movements=movements,
        promises=promise_models,
        disputes=dispute_models,
        functional_currency=FUNCTIONAL_CURRENCY,
    )


def build_ledger() -> Ledger:
    """The sample ledger, as of ``SAMPLE_AS_OF``, from ``SEED``."""
    rng = random.Random(SEED)
    accounts = make_accounts(rng)
    world = World(accounts=accounts, invoices=make_invoices(rng, accounts))
    simulate(rng, world)
    cash_events(rng, world)
    choose_promises(rng, world)
    return build(rng, world)


# --------------------------------------------------------------------------------------
# Exchange rates
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateWalk:
    """A USD->quote rate walking around ``anchor`` (integers of the last decimal place)."""

    quote: str
    places: int
    start: int
    anchor: int
    low: int
    high: int
    step: int


RATE_WALKS: Final = (
    RateWalk("EUR", 4, 8870, 8800, 8450, 9350, 28),
    RateWalk("GBP", 4, 7530, 7550, 7250, 7900, 22),
    RateWalk("JPY", 2, 14520, 14900, 13900, 15900, 70),
    RateWalk("CAD", 4, 13850, 13800, 13450, 14250, 32),
    RateWalk("CHF", 4, 8290, 8200, 7800, 8800, 26),
    RateWalk("KWD", 5, 30650, 30680, 30500, 30850, 9),
    RateWalk("AUD", 4, 15420, 15300, 14800, 16200, 45),
    RateWalk("MXN", 4, 192500, 190000, 182000, 206000, 650),
)


def build_rates() -> FxRates:
    """One rate per business day and currency, USD as base and pivot."""
    rng = random.Random(SEED)
    levels = {w.quote: w.start for w in RATE_WALKS}
    rates: list[FxRate] = []
    day = RATES_FROM
    while day <= SAMPLE_AS_OF:
        if day.weekday() < 5:
            for w in RATE_WALKS:
                level = levels[w.quote]
                level += rng.randint(-w.step, w.step) + (w.anchor - level) // 40
                level = min(max(level, w.low), w.high)
                levels[w.quote] = level
                rates.append(
                    FxRate(
                        base="USD",
                        quote=w.quote,
                        on=day,
                        rate=Decimal(level).scaleb(-w.places),
                    )
                )
        day += days(1)
    return FxRates(rates=tuple(rates), pivot="USD")


def render() -> dict[Path, str]:
    """The content of each generated file."""
    return {
        LEDGER_PATH: build_ledger().to_json() + "\n",
        RATES_PATH: build_rates().model_dump_json() + "\n",
    }


def main() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in render().items():
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(ROOT)} ({len(text.encode('utf-8')):,} bytes)")


if __name__ == "__main__":
    main()
