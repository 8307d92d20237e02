"""What a table request may break a microdata table down by: published columns, and named derived dimensions.

Derived dimensions (age bands, a yes/no flag, the year of an event) are defined here as Ibis expressions — never as
SQL text from a caller — so a request names them and the gate compiles them for whichever backend runs the query.
Identifier and key columns (persons, households, dwellings, record keys, pseudonyms, BSN, exact dates, exact
addresses) can be neither dimensions nor filters: a table by them is a list of people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import ibis
import ibis.expr.types as ir

from udc.errors import Forbidden

# Column names that identify a unit or pin it down exactly; matched case-insensitively on the whole name or suffix.
IDENTIFIERS = {"person_id", "pseudonym", "household_id", "dwelling_id", "bsn", "record_key", "premise_id", "rin"}
_IDENTIFYING = re.compile(
    r"(_id|_pseudonym|_key|_bsn|^date|_date|^datum|_datum|birth|geboorte|address|adres|huisnummer|house_number|"
    r"postcode6|pc6|_x|_y|^x$|^y$|lat|lon|coordinate)$|^(bsn|rin|anr|pseudonym|address|adres|huisnummer)",
    re.IGNORECASE,
)
CATALOGUE_ROLES = {"identifier", "key", "pseudonym", "date", "address"}
# The declared value domains of categorical microdata fields (the microdata contract checks registers against them):
# a gate table by such a field lists these categories, never the values a selection happens to hold.
DOMAINS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sex": ("m", "v", "x"),
        "event": ("move", "household_change", "birth", "death"),
        "household_change": ("child_born", "moved_in_together", "separated", "widowed", "left_parental_home"),
        "role": ("reference", "partner", "child", "other"),
        "student": ("none", "mbo", "hbo", "wo"),
        "household_type": ("single", "couple", "couple_with_children", "single_parent", "other"),
        "income_class": ("low", "middle", "high"),
        "trigger": ("none", "child_born", "moved_in_together", "separated", "widowed", "left_parental_home"),
        "supports": ("0", "1", "2+"),  # how many of bijstand, debt help, youth care (the stacking table)
    }
)


def identifying(column: str, role: str | None = None) -> bool:
    """Whether a column identifies or pins down a unit (so it is never a dimension or a filter)."""
    return column.lower() in IDENTIFIERS or bool(_IDENTIFYING.search(column)) or (role or "") in CATALOGUE_ROLES


@dataclass(frozen=True)
class Derived:
    """A named derived dimension: the columns it needs and how it is built from them."""

    name: str
    title_nl: str
    title_en: str
    needs: tuple[str, ...]
    build: Callable[[ir.Table], ir.Value]
    categories: tuple[str, ...] = ()  # the declared domain (empty: the whole dataset's values, if none is rare)


AGE_BANDS = ("0-14", "15-24", "25-44", "45-64", "65+")
AGE_BANDS_5 = (*(f"{a}-{a + 4}" for a in range(0, 95, 5)), "95+")  # open at the top: the oldest are few


def _age_band(t: ir.Table) -> ir.Value:
    age = t.age
    return ibis.cases((age < 15, "0-14"), (age < 25, "15-24"), (age < 45, "25-44"), (age < 65, "45-64"), else_="65+")


def _age_band_5(t: ir.Table) -> ir.Value:
    """Five-year bands 0-4 … 90-94 and 95+ (labels sort as text, so the table builder lists them by their start)."""
    start = (t.age.clip(lower=0, upper=95) // 5 * 5).cast("int64")
    label = start.cast("string").concat("-", (start + 4).cast("string"))
    return ibis.ifelse(t.age >= 95, "95+", label)


def _yes_no(column: str) -> Callable[[ir.Table], ir.Value]:
    return lambda t: ibis.ifelse(t[column].fill_null(False), "ja", "nee")


def _direction(t: ir.Table) -> ir.Value:
    """A move relative to the region in the store: into it, out of it, or within it (areas are buurt codes)."""
    inside_from = t.from_area.notnull() & t.from_area.startswith("BU")
    inside_to = t.to_area.notnull() & t.to_area.startswith("BU")
    return ibis.cases((~inside_from, "in"), (~inside_to, "out"), else_="internal")


DERIVED: dict[str, Derived] = {
    d.name: d
    for d in (
        Derived("leeftijd", "Leeftijdsklasse", "Age band", ("age",), _age_band, AGE_BANDS),
        Derived("leeftijd5", "Leeftijd (5 jaar)", "Age (5 years)", ("age",), _age_band_5, AGE_BANDS_5),
        Derived("jeugdzorg", "Jeugdzorg", "Youth care", ("youth_care",), _yes_no("youth_care"), ("ja", "nee")),
        Derived("jaar", "Jaar", "Year", ("date",), lambda t: t.date.year().cast("string")),
        Derived("richting", "Richting", "Direction", ("from_area", "to_area"), _direction, ("in", "internal", "out")),
    )
}


def available(columns: dict[str, str], roles: dict[str, str | None] | None = None) -> list[str]:
    """Dimension names a table with ``columns`` (name → type) offers: its non-identifying columns and every derived
    dimension whose inputs it has."""
    roles = roles or {}
    own = [c for c in columns if not identifying(c, roles.get(c))]
    return own + [d.name for d in DERIVED.values() if all(n in columns for n in d.needs)]


def check(name: str, columns: dict[str, str], roles: dict[str, str | None] | None = None, *, what: str) -> None:
    """Refuse an identifying or unknown dimension/filter column with a one-line reason."""
    roles = roles or {}
    if name in columns and identifying(name, roles.get(name)):
        raise Forbidden(
            f"{what} '{name}' identifies persons, households or addresses: the gate releases only aggregates over "
            "areas and categories, never a per-person table"
        )
    if name not in available(columns, roles):
        raise Forbidden(
            f"{what} '{name}' is not a dimension of this dataset: expected one of "
            f"{', '.join(available(columns, roles))}"
        )
