"""The words templates use for internal names: sensitivity, column roles, protection methods, measures,
dimensions, category values and levels — Dutch and English, from the page's language (so a page never shows
``per_1000`` or ``cellkey``). Registered as template functions by :func:`register`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup

from udc.web.userlabels import EMPTY, Labels

SENSITIVITY = {
    "open": ("open data", "open data"),
    "internal": ("intern", "internal"),
    "microdata": ("microdata (alleen via de poort)", "microdata (through the gate only)"),
}
ROLES = {
    "dimension": ("indeling", "dimension"),
    "value": ("waarde", "value"),
    "area": ("gebied", "area"),
    "period": ("periode", "period"),
    "label": ("toelichting", "label"),
    "key": ("sleutel", "key"),
    "identifier": ("identificatie", "identifier"),
    "date": ("datum", "date"),
    "snapshot": ("peiljaar (een stand per jaar)", "snapshot year (one count per year)"),
    None: ("–", "–"),
}


METHODS = {
    "cellkey": ("beschermd met de cell-key-methode", "protected by the cell-key method"),
    "suppress": ("beschermd met (secundaire) onderdrukking", "protected by (secondary) suppression"),
    "derived": ("afgeleid van beschermde tabellen", "derived from protected tables"),
}


MEASURES = {
    "count": ("Aantal", "Count"),
    "per_1000": ("Per 1 000 inwoners", "Per 1,000 residents"),
    "value": ("Waarde", "Value"),
    "total": ("Totaal", "Total"),
}
VALUES = {  # category values of the microdata contract and the demo registers
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
}


def _readable(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _pair(table: dict[str, tuple[str, str]], name: str, language: str) -> str | None:
    pair = table.get(name)
    return (pair[0] if language == "nl" else pair[1]) if pair else None


def _first(language: str, labels: Labels, name: str, title: str | None, *tables: dict) -> str:
    """The user's labels file first; then the source's title (Dutch: StatLine and release titles are Dutch) and
    udc's own words — in English udc's words before the Dutch title; else the name made readable."""
    ours = next((text for table in tables if (text := _pair(table, name, language))), None)
    chosen = (title or ours) if language == "nl" else (ours or title)
    return labels.column(name, language) or chosen or _readable(name)


def measure_text(name: str, language: str, labels: Labels = EMPTY, title: str | None = None) -> str:
    """A measure's label (count → Aantal / Count)."""
    return _first(language, labels, name, title, MEASURES)


def dimension_text(name: str, language: str, labels: Labels = EMPTY, title: str | None = None) -> str:
    return _first(language, labels, name, title, DIMENSIONS)


def value_text(dimension: str, value: object, language: str, labels: Labels = EMPTY) -> str:
    """A category's label where the labels file or udc knows it (target groups, directions, triggers), else the
    value itself."""
    from udc.web.labels import GROUPS, RATE_MEASURES, TRIGGERS

    if value is None or str(value) in ("None", "nan", "", "<NA>"):
        return "onbekend" if language == "nl" else "unknown"
    table = {"group": GROUPS, "direction": RATE_MEASURES, "measure": RATE_MEASURES, "trigger": TRIGGERS, **VALUES}.get(
        dimension, {}
    )
    text = str(value)
    found = labels.value(dimension, text, language) or _pair(table, text, language)
    return found or _pair(GENERIC, text, language) or text


GENERIC = {  # values any table may hold: the total row, yes/no flags
    "Totaal": ("Totaal", "Total"),
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
}


def header_text(name: str, language: str, labels: Labels = EMPTY, title: str | None = None) -> str:
    """A download's column header when labels are asked for (``koppen=labels``)."""
    return _first(language, labels, name, title, DIMENSIONS, MEASURES, HEADERS)


def _labels(context: Any) -> Labels:
    found = context.get("user_labels")
    return found() if callable(found) else EMPTY


@pass_context
def measure_label(context: Any, name: str, title: str | None = None) -> str:
    return measure_text(name, context.get("lang", "nl"), _labels(context), title)


@pass_context
def dimension_label(context: Any, name: str, title: str | None = None) -> str:
    return dimension_text(name, context.get("lang", "nl"), _labels(context), title)


@pass_context
def header_label(context: Any, name: str, title: str | None = None) -> str:
    return header_text(name, context.get("lang", "nl"), _labels(context), title)


@pass_context
def value_label(context: Any, dimension: str, value: str) -> str:
    return value_text(dimension, value, context.get("lang", "nl"), _labels(context))


@pass_context
def level_label(context: Any, level: str) -> str:
    from udc.web.labels import LEVELS, label

    return label(LEVELS, level, context.get("lang", "nl"))


@pass_context
def method_label(context: Any, value: str | None) -> str:
    pair = METHODS.get(value or "", (value or "–", value or "–"))
    return pair[0] if context.get("lang", "nl") == "nl" else pair[1]


@pass_context
def sensitivity_label(context: Any, value: str) -> str:
    pair = SENSITIVITY.get(value)
    return (pair[0] if context.get("lang", "nl") == "nl" else pair[1]) if pair else value


@pass_context
def role_label(context: Any, value: str | None) -> str:
    pair = ROLES.get(value, (value or "–", value or "–"))
    return pair[0] if context.get("lang", "nl") == "nl" else pair[1]


@pass_context
def column_label(context: Any, column: dict[str, Any]) -> str:
    """A column's title, else its name made readable (underscores as spaces, first letter capital)."""
    name, language = str(column.get("name", "")), context.get("lang", "nl")
    user = _labels(context).column(name, language)
    if user:
        return user
    ours = next((text for table in (DIMENSIONS, MEASURES, HEADERS) if (text := _pair(table, name, language))), None)
    title = column.get("title")
    if language == "nl" or ours:
        return str((title or ours) if language == "nl" else ours) if (title or ours) else _readable(name)
    if title:  # the source's Dutch title on an English page, marked as Dutch (WCAG 3.1.2)
        return Markup('<span lang="nl">{}</span>').format(title)
    return _readable(name)


CELL_STATUS = {
    "published": ("gepubliceerd", "published"),
    "perturbed": ("met ruis (cell key)", "with noise (cell key)"),
    "suppressed": ("afgeschermd", "withheld"),
    "no_population": ("geen inwoners", "no population"),
    "derived": ("afgeleid van beschermde aantallen", "derived from protected counts"),
}


@pass_context
def status_label(context: Any, value: object) -> str:
    pair = CELL_STATUS.get(str(value))
    return (pair[0] if context.get("lang", "nl") == "nl" else pair[1]) if pair else str(value or "")


def register(env: Environment, labels: Callable[[], Labels] | None = None) -> None:
    """The label functions as template globals; ``labels`` reads the store's labels file (see userlabels)."""
    env.globals.update(
        user_labels=labels,
        sensitivity_label=sensitivity_label,
        role_label=role_label,
        column_label=column_label,
        method_label=method_label,
        measure_label=measure_label,
        dimension_label=dimension_label,
        value_label=value_label,
        header_label=header_label,
        level_label=level_label,
        status_label=status_label,
    )


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
    "ZZ_BUITENLAND": ("buitenland (overig)", "abroad (other countries)"),
    "ZZ_ONBEKEND": ("onbekend", "unknown"),
    "Totaal": ("Totaal", "Total"),
}


def area_value(code: object, language: str, names: dict[str, str]) -> str:
    """An area as a person reads it: ``Kernstad (GM9901)``; a foreign area by its name; the special codes and the
    total in words."""
    text = str(code)
    special = _pair(SPECIAL_AREAS, text, language)
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
    labels: Labels = EMPTY,
    extra: dict[str, dict[str, str]] | None = None,
) -> Any:
    """A table with its values as a person reads them (``koppen=labels`` downloads): areas as name + code, periods as
    years, statuses, levels, classes and categories in the language; ``extra``: per column a mapping udc does not
    hold here (an indicator's title). Numbers are untouched."""
    from udc.web.labels import CLASSES, FUNNEL, LEVELS

    per_column = {"status": CELL_STATUS, "level": LEVELS, "funnel": FUNNEL, "other_class": CLASSES, "kind": KINDS}
    out = frame.copy()
    names = {**_own_names(frame), **names}
    for column in out.columns:
        if out[column].dtype.kind in "iufb":
            continue
        out[column] = out[column].map(lambda v: _pair(SPECIAL_AREAS, v, language) if v == "Totaal" else v)
        if column in (extra or {}):
            mapping = extra[column]
            out[column] = out[column].map(lambda v, m=mapping: m.get(str(v), v))
        elif column in AREA_VALUES:
            out[column] = out[column].map(lambda v: area_value(v, language, names) if v is not None else v)
        elif column in ("period", "year", "jaar"):
            out[column] = out[column].map(lambda v: period_value(v) if v is not None else v)
        elif column in per_column:
            table = per_column[column]
            out[column] = out[column].map(lambda v, t=table: _pair(t, str(v), language) or v)
        else:
            out[column] = out[column].map(
                lambda v, c=column: value_text(c, v, language, labels) if v is not None else v
            )
    return out
