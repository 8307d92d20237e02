"""Labels people read for the internal names of udc's tables — target groups, directions, triggers, category
values, statuses, levels, areas as name + code, periods — in Dutch and English, and :func:`labelled`, which turns a
table's values into them. One set of words for every door: web pages and downloads, the CLI's tables and the Python
results' labelled view (``Udc.labelled``)."""

from __future__ import annotations

import re
from typing import Any

GROUPS = {
    "adults": ("Volwassenen (18+)", "Adults (18+)"),
    "young-families": ("Jonge gezinnen", "Young families"),
    "middle-income": ("Middeninkomens", "Middle incomes"),
    "students": ("Studenten", "Students"),
    "seniors": ("Senioren (65+)", "Seniors (65+)"),
}
CLASSES = {
    "neighbour": ("buurgemeente", "neighbouring municipality"),
    "rest_of_region": ("rest van de regio", "rest of the region"),
    "rest_of_province": ("rest van de provincie", "rest of the province"),
    "rest_of_country": ("rest van Nederland", "rest of the country"),
    "germany": ("Duitsland", "Germany"),
    "belgium": ("België", "Belgium"),
    "abroad": ("overig buitenland", "rest of the world"),
}
TRIGGERS = {
    "none": ("geen verandering", "no change"),
    "left_parental_home": ("uit huis gegaan", "left the parental home"),
    "moved_in_together": ("gaan samenwonen", "moved in together"),
    "separated": ("uit elkaar", "separated"),
    "child_born": ("kind geboren", "child born"),
    "widowed": ("partner overleden", "widowed"),
}
RATE_MEASURES = {
    "in": ("vestiging", "in"),
    "out": ("vertrek", "out"),
    "within": ("binnen de gemeente", "within"),
    "net": ("saldo", "net"),
    "residents": ("inwoners (persoonsjaren)", "residents (person-years)"),
}


def label(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    pair = table.get(key)
    return (pair[0] if language == "nl" else pair[1]) if pair else key


THEMES = {
    "armoede_schulden": ("Armoede en schulden", "Poverty and debt"),
    "jeugd": ("Jeugd", "Youth"),
    "wonen_leegstand": ("Wonen en leegstand", "Housing and vacancy"),
    "mobiliteit": ("Mobiliteit", "Mobility"),
    "bevolking": ("Bevolking", "Population"),
    "werk_onderwijs": ("Werk en onderwijs", "Work and education"),
    "veiligheid": ("Veiligheid", "Safety"),
    "zorg": ("Zorg", "Care"),
    "participatie": ("Meldingen en participatie", "Reports and participation"),
    "energie": ("Energie", "Energy"),
    "economie": ("Economie", "Economy"),
}
SECTORS = {  # SBI 2008 sections (Dutch, English)
    "C": ("industrie", "manufacturing"),
    "F": ("bouw", "construction"),
    "G": ("handel", "trade"),
    "I": ("horeca", "hospitality"),
    "M": ("specialistische zakelijke diensten", "professional services"),
    "N": ("verhuur en overige zakelijke diensten", "rental and business support"),
    "P": ("onderwijs", "education"),
    "Q": ("gezondheids- en welzijnszorg", "health and social work"),
    "S": ("overige dienstverlening", "other services"),
}
STATUS = {
    "published": ("gepubliceerd", "published"),
    "suppressed": ("afgeschermd (te klein aantal)", "withheld (count too small)"),
    "no_population": ("geen inwoners", "no population"),
    "no figure": ("geen cijfer", "no figure"),
}
EXPECTED = {  # an area against what its composition predicts (udc.analysis.background)
    "above": ("meer dan verwacht gezien de samenstelling", "more than expected given the composition"),
    "as_expected": ("zoals verwacht", "as expected"),
    "below": ("minder dan verwacht gezien de samenstelling", "less than expected given the composition"),
}
OUTCOMES = {  # the background studies' outcomes (udc.analysis.background)
    "youth_care": ("jeugdhulp", "youth care"),
    "bijstand": ("bijstand", "income support"),
    "debt_help": ("schuldhulp", "debt help"),
}
FUNNEL = {
    "above_998": ("duidelijk hoger dan het totaal (99,8 %)", "clearly above the total (99.8 %)"),
    "above_95": ("hoger dan het totaal (95 %)", "above the total (95 %)"),
    "within": ("niet te onderscheiden van het totaal", "not distinguishable from the total"),
    "below_95": ("lager dan het totaal (95 %)", "below the total (95 %)"),
    "below_998": ("duidelijk lager dan het totaal (99,8 %)", "clearly below the total (99.8 %)"),
}
LEVELS = {
    "buurt": ("buurt", "neighbourhood"),
    "wijk": ("wijk", "district"),
    "gemeente": ("gemeente", "municipality"),
    "region": ("regio", "region"),
    "total": ("totaal", "total"),
    "gemeinde": ("gemeente (Duitsland)", "municipality (Germany)"),
    "kreis": ("Kreis (Duitsland)", "district (Germany)"),
    "land": ("deelstaat (Duitsland)", "federal state (Germany)"),
    "deutschland": ("Duitsland", "Germany"),
}


MEASURES = {
    "count": ("Aantal", "Count"),
    "establishments": ("Vestigingen", "Establishments"),
    "jobs": ("Banen", "Jobs"),
    "openings": ("Nieuwe vestigingen", "Establishments opened"),
    "closures": ("Opgeheven vestigingen", "Establishments closed"),
    "per_1000": ("Per 1 000 inwoners", "Per 1,000 residents"),
    "value": ("Waarde", "Value"),
    "total": ("Totaal", "Total"),
}
VALUES = {  # category values of the microdata contract and the demo registers
    "ges": {"GESM": ("man", "male"), "GESW": ("vrouw", "female")},
    "scenario": {"laag": ("laag", "low"), "midden": ("midden", "mid"), "hoog": ("hoog", "high")},
    "sector": SECTORS,
    "access": {
        "public": ("publiek", "public"),
        "semi_public": ("semipubliek", "semi-public"),
        "private": ("privé", "private"),
    },
    "comparability": {
        "comparable": ("vergelijkbaar", "comparable"),
        "with_caveats": ("vergelijkbaar met kanttekeningen", "comparable with caveats"),
        "not_comparable": ("niet vergelijkbaar", "not comparable"),
    },
    "country": {
        "NL": ("Nederland", "the Netherlands"),
        "DE": ("Duitsland", "Germany"),
        "BE": ("België", "Belgium"),
        "DE,NL": ("Nederland en Duitsland", "the Netherlands and Germany"),
        "BE,NL": ("Nederland en België", "the Netherlands and Belgium"),
    },
    "income_class": {"low": ("laag", "low"), "middle": ("midden", "middle"), "high": ("hoog", "high")},
    "education": {"low": ("laag", "low"), "middle": ("middelbaar", "middle"), "high": ("hoog", "high")},
    "household_type": {
        "single": ("eenpersoons", "single person"),
        "couple": ("paar zonder kinderen", "couple"),
        "couple_with_children": ("paar met kinderen", "couple with children"),
        "couple_kids": ("paar met kinderen", "couple with children"),
        "single_parent": ("eenouder", "single parent"),
        "other": ("overig", "other"),
    },
    "tenure": {
        "owner": ("koop", "owner-occupied"),
        "social_rent": ("sociale huur", "social rent"),
        "private_rent": ("particuliere huur", "private rent"),
    },
    "role": {
        "reference": ("referentiepersoon", "reference person"),
        "partner": ("partner", "partner"),
        "child": ("kind", "child"),
        "other": ("overig", "other"),
    },
    "student": {"none": ("geen", "none")},
    "event": {
        "birth": ("geboorte", "birth"),
        "death": ("overlijden", "death"),
        "move": ("verhuizing", "move"),
        "household_change": ("huishoudenswijziging", "household change"),
    },
    "sex": {"m": ("man", "male"), "v": ("vrouw", "female"), "f": ("vrouw", "female")},
}
DIMENSIONS = {
    "leeftijd": ("Leeftijdsklasse", "Age band"),
    "jeugdzorg": ("Jeugdzorg", "Youth care"),
    "group": ("Doelgroep", "Target group"),
    "direction": ("Richting", "Direction"),
    "measure": ("Onderwerp", "Measure"),
    "trigger": ("Aanleiding", "Trigger"),
    "period": ("Periode", "Period"),
    "year": ("Jaar", "Year"),
    "jaar": ("Jaar", "Year"),
    "variable": ("Variabele", "Variable"),  # a long series' (udc kwb import)
    "buurt_code": ("Buurt", "Neighbourhood"),
    "from_gm": ("Van gemeente", "From municipality"),
    "to_gm": ("Naar gemeente", "To municipality"),
    "from_wk": ("Van wijk", "From district"),
    "to_wk": ("Naar wijk", "To district"),
    "household_type": ("Soort huishouden", "Household type"),
    "income_class": ("Inkomensklasse", "Income class"),
    "education": ("Opleidingsniveau", "Education"),
    "richting": ("Richting", "Direction"),
    "age": ("Leeftijd", "Age"),
    "role": ("Positie in het huishouden", "Position in the household"),
    "tenure": ("Eigendom", "Tenure"),
    "event": ("Gebeurtenis", "Event"),
    "sex": ("Geslacht", "Sex"),
    "youth_care": ("Jeugdzorg", "Youth care"),
    "employed": ("Werkzaam", "Employed"),
    "student": ("Studerend", "Student"),
    "leeftijd5": ("Leeftijdsklasse (5 jaar)", "Age band (5 years)"),
}


def readable(name: str) -> str:
    """An internal name as words (``parent_code`` → ``Parent code``): the last resort when no label exists."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def pick(table: dict[str, tuple[str, str]], name: str, language: str) -> str | None:
    """The Dutch or English word of ``name`` in ``table``, or None when the table has none."""
    pair = table.get(name)
    return (pair[0] if language == "nl" else pair[1]) if pair else None


def value_text(dimension: str, value: object, language: str, labels: Any = None) -> str:
    """A category's label where the labels file or udc knows it (target groups, directions, triggers), else the
    value itself."""
    if value is None or str(value) in ("None", "nan", "", "<NA>"):
        return "onbekend" if language == "nl" else "unknown"
    table = {"group": GROUPS, "direction": RATE_MEASURES, "measure": RATE_MEASURES, "trigger": TRIGGERS, **VALUES}.get(
        dimension, {}
    )
    text = str(value)
    found = (labels.value(dimension, text, language) if labels is not None else None) or pick(table, text, language)
    return found or pick(GENERIC, text, language) or _age_group(text, language) or text


def _age_group(code: str, language: str) -> str | None:
    """A GENESIS age group in words (``ALT065B75`` → 65 tot 75 jaar, ``ALT075UM`` → 75 jaar en ouder)."""
    found = re.match(r"^ALT(\d{3})(?:B(\d{2,3})|UM)$", code)
    if not found:
        return None
    low = int(found[1])
    if found[2] is None:
        return f"{low} jaar en ouder" if language == "nl" else f"{low} and over"
    return f"{low} tot {int(found[2])} jaar" if language == "nl" else f"{low} to {int(found[2])} years"


GENERIC = {  # values any table may hold: the total row, yes/no flags
    "Totaal": ("Totaal", "Total"),
    "Nederland": ("Nederland", "Netherlands"),
    "ja": ("ja", "yes"),
    "nee": ("nee", "no"),
    "true": ("ja", "yes"),
    "false": ("nee", "no"),
    "True": ("ja", "yes"),
    "False": ("nee", "no"),
}
HEADERS = {
    "area": ("Gebied", "Area"),
    "name": ("Naam", "Name"),
    "status": ("Status", "Status"),
    "rules": ("Reden afscherming", "Reason withheld"),
    "gm_code": ("Gemeente", "Municipality"),
    "wk_code": ("Wijk", "District"),
    "area_code": ("Gebied", "Area"),
    "gemeente_code": ("Gemeente", "Municipality"),
    "ci_low": ("Ondergrens", "Lower bound"),
    "ci_high": ("Bovengrens", "Upper bound"),
    "unit": ("Eenheid", "Unit"),
    "note": ("Opmerking", "Note"),
    "other_class": ("Soort herkomst of bestemming", "Kind of origin or destination"),
    "other_gm": ("Herkomst of bestemming", "Origin or destination"),
    "from_gm": ("Van", "From"),
    "to_gm": ("Naar", "To"),
    "level": ("Niveau", "Level"),
    "kind": ("Soort gebied", "Kind of area"),
    "naam": ("Naam", "Name"),
    "inwoners": ("Inwoners", "Residents"),
    "stedelijkheid": ("Stedelijkheid", "Urbanisation"),
    "regio": ("In de regio", "In the region"),
    "numerator": ("Teller", "Numerator"),
    "denominator": ("Noemer", "Denominator"),
    "funnel": ("Ten opzichte van het totaal", "Compared with the total"),
    "outcome": ("Uitkomst", "Outcome"),
    "observed": ("Werkelijk", "Observed"),
    "expected": ("Verwacht", "Expected"),
    "ratio": ("Verhouding werkelijk / verwacht", "Ratio observed / expected"),
    "flag": ("Ten opzichte van de verwachting", "Compared with the expectation"),
    "country": ("Land", "Country"),
    "scenario": ("Scenario", "Scenario"),
    "sector": ("Sector (SBI)", "Sector (SBI)"),
    "establishments": ("Vestigingen", "Establishments"),
    "jobs": ("Banen", "Jobs"),
    "openings": ("Nieuwe vestigingen", "Establishments opened"),
    "closures": ("Opgeheven vestigingen", "Establishments closed"),
    "source": ("Bron", "Source"),
    "point_id": ("Laadpunt", "Charging point"),
    "lon": ("Lengtegraad", "Longitude"),
    "lat": ("Breedtegraad", "Latitude"),
    "access": ("Toegang", "Access"),
    "connectors": ("Aansluitingen", "Connectors"),
    "max_power_kw": ("Hoogste vermogen (kW)", "Highest power (kW)"),
    "outside": ("Buiten elk gebied", "Outside every area"),
    "cell_500m": ("Vierkant (500 m)", "Cell (500 m)"),
    "evs": ("Elektrische auto's", "Electric cars"),
    "needed": ("Nodige publieke aansluitingen", "Public connectors needed"),
    "present": ("Aanwezige aansluitingen", "Connectors present"),
    "public": ("Publieke aansluitingen", "Public connectors"),
    "semi_public": ("Semipublieke aansluitingen", "Semi-public connectors"),
    "gap": ("Tekort", "Gap"),
    "evs_per_public_connector": ("Elektrische auto's per publieke aansluiting", "Electric cars per public connector"),
    "public_share_with_private_parking": (
        "Aandeel met eigen oprit dat publiek laadt",
        "Share with a driveway charging in public",
    ),
    "semi_public_weight": ("Gewicht semipubliek", "Weight of semi-public"),
    "cell": ("Vierkant (500 m)", "Cell (500 m)"),
    "households": ("Huishoudens", "Households"),
    "nearest_m": ("Afstand tot laadpunt (m)", "Distance to a charging point (m)"),
    "flagged": ("Zonder laadpunt binnen bereik", "No charging point within reach"),
    "comparability": ("Vergelijkbaarheid", "Comparability"),
    "comparability_note": ("Vergelijkbaarheid: toelichting", "Comparability: note"),
    "statistic": ("Statistiek", "Statistic"),
    "date": ("Peildatum in de bron", "Reference date in the source"),
    "reference": ("Peildatum (uitgelijnd)", "Reference date (aligned)"),
    "measure": ("Grootheid", "Measure"),
    "ges": ("Geslacht", "Sex"),
    "altx17": ("Leeftijdsgroep", "Age group"),
}


CELL_STATUS = {
    "published": ("gepubliceerd", "published"),
    "perturbed": ("met ruis (cell key)", "with noise (cell key)"),
    "suppressed": ("afgeschermd", "withheld"),
    "no_population": ("geen inwoners", "no population"),
    "derived": ("afgeleid van beschermde aantallen", "derived from protected counts"),
    "no_source": ("geen bron in dit land", "no source in this country"),
    "not_available": ("niet beschikbaar", "not available"),
    # the statuses of foreign statistics (udc.sources.regionalstatistik, udc.sources.eurostat)
    "nothing (exactly zero)": ("niets (precies 0)", "nothing (exactly zero)"),
    "unknown or secret": ("onbekend of geheim", "unknown or secret"),
    "not applicable": ("niet van toepassing", "not applicable"),
    "not reliable enough": ("niet betrouwbaar genoeg", "not reliable enough"),
    "not yet available": ("nog niet beschikbaar", "not yet available"),
    "confidential": ("vertrouwelijk", "confidential"),
    "not available": ("niet beschikbaar", "not available"),
    "provisional": ("voorlopig", "provisional"),
    "estimated": ("geschat", "estimated"),
    "break in time series": ("breuk in de reeks", "break in time series"),
}


AREA_VALUES = (
    "buurt_code",
    "wijk_code",
    "gemeente_code",
    "area_code",
    "area",
    "code",
    "gebied",
    "gm",
    "gm_code",
    "wk_code",
    "other_gm",
    "from_gm",
    "to_gm",
    "other",
    "parent_code",
    "parent",
)
KINDS = {
    "BU": ("buurt", "neighbourhood"),
    "WK": ("wijk", "district"),
    "GM": ("gemeente", "municipality"),
    "PV": ("provincie", "province"),
    "NL": ("land", "country"),
}
SPECIAL_AREAS = {
    "NL01": ("Nederland", "Netherlands"),
    "ZZ_BUITENLAND": ("buitenland (overig)", "abroad (other countries)"),
    "ZZ_ONBEKEND": ("onbekend", "unknown"),
    "Totaal": ("Totaal", "Total"),
}


def header(name: str, language: str, title: str | None = None) -> str:
    """A column's header as people read it: udc's word in the language, else the source's title, else the name
    made readable."""
    ours = next((text for table in (DIMENSIONS, MEASURES, HEADERS) if (text := pick(table, name, language))), None)
    return ours or title or readable(name)


def area_value(code: object, language: str, names: dict[str, str]) -> str:
    """An area as a person reads it: ``Kernstad (GM9901)``; a foreign area by its name; the special codes and the
    total in words."""
    text = str(code)
    special = pick(SPECIAL_AREAS, text, language)
    if special:
        return special
    name = names.get(text)
    if name is None:
        return text
    return f"{name} ({text})" if text[:2] in ("GM", "WK", "BU", "PV") else name


def period_value(value: object) -> str:
    """``2019-2019`` is the year 2019; a span ``2019-2021`` with a dash."""
    first, sep, last = str(value).partition("-")
    if sep and first == last:
        return first
    return f"{first}–{last}" if sep and first.isdigit() and last.isdigit() else str(value)


def _own_names(frame: Any) -> dict[str, str]:
    """A table that names its own areas (a code and a ``naam`` column: municipalities outside the region)."""
    code = next((c for c in AREA_VALUES if c in frame.columns), None)
    name = next((c for c in ("naam", "name", "gemeentenaam", "statnaam") if c in frame.columns), None)
    if code is None or name is None:
        return {}
    return {str(k): str(v) for k, v in zip(frame[code], frame[name], strict=True) if v is not None and v == v}


def labelled(
    frame: Any,
    language: str,
    names: dict[str, str],
    labels: Any = None,
    extra: dict[str, dict[str, str]] | None = None,
) -> Any:
    """A table with its values as a person reads them (``koppen=labels`` downloads): areas as name + code, periods as
    years, statuses, levels, classes and categories in the language; ``extra``: per column a mapping udc does not
    hold here (an indicator's title). Numbers are untouched."""
    per_column = {
        "status": CELL_STATUS,
        "level": LEVELS,
        "funnel": FUNNEL,
        "other_class": CLASSES,
        "kind": KINDS,
        "flag": EXPECTED,
        "outcome": OUTCOMES,
    }
    out = frame.copy()
    names = {**_own_names(frame), **names}
    for column in out.columns:
        if out[column].dtype.kind in "iufb":
            continue
        out[column] = out[column].map(lambda v: pick(SPECIAL_AREAS, v, language) if v == "Totaal" else v)
        if column in (extra or {}):
            mapping = extra[column]
            out[column] = out[column].map(lambda v, m=mapping: m.get(str(v), v))
        elif column in AREA_VALUES:
            out[column] = out[column].map(lambda v: area_value(v, language, names) if v is not None else v)
        elif column in ("period", "year", "jaar"):
            out[column] = out[column].map(lambda v: period_value(v) if v is not None else v)
        elif column in per_column:
            table = per_column[column]
            out[column] = out[column].map(lambda v, t=table: pick(t, str(v), language) or v)
        else:
            out[column] = out[column].map(
                lambda v, c=column: value_text(c, v, language, labels) if v is not None else v
            )
    return out
