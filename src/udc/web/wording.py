"""The words templates use for internal names: sensitivity, column roles, protection methods, measures,
dimensions, category values and levels — Dutch and English, from the page's language (so a page never shows
``per_1000`` or ``cellkey``). Registered as template functions by :func:`register`."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context

SENSITIVITY = {"open": ("open data", "open data"), "internal": ("intern", "internal"),
               "microdata": ("microdata (alleen via de poort)", "microdata (through the gate only)")}  # fmt: skip
ROLES = {"dimension": ("indeling", "dimension"), "value": ("waarde", "value"), "area": ("gebied", "area"),
         "period": ("periode", "period"), "label": ("toelichting", "label"), "key": ("sleutel", "key"),
         "identifier": ("identificatie", "identifier"), "date": ("datum", "date"), None: ("–", "–")}  # fmt: skip


METHODS = {"cellkey": ("beschermd met de cell-key-methode", "protected by the cell-key method"),
           "suppress": ("beschermd met (secundaire) onderdrukking", "protected by (secondary) suppression"),
           "derived": ("afgeleid van beschermde tabellen", "derived from protected tables")}  # fmt: skip


MEASURES = {"count": ("Aantal", "Count"), "per_1000": ("Per 1 000 inwoners", "Per 1,000 residents"),
            "value": ("Waarde", "Value"), "total": ("Totaal", "Total")}  # fmt: skip
VALUES = {  # category values of the microdata contract and the demo registers
    "income_class": {"low": ("laag", "low"), "middle": ("midden", "middle"), "high": ("hoog", "high")},
    "education": {"low": ("laag", "low"), "middle": ("middelbaar", "middle"), "high": ("hoog", "high")},
    "household_type": {"single": ("eenpersoons", "single person"), "couple": ("paar zonder kinderen", "couple"),
                       "couple_kids": ("paar met kinderen", "couple with children"),
                       "single_parent": ("eenouder", "single parent"), "other": ("overig", "other")},
    "tenure": {"owner": ("koop", "owner-occupied"), "social_rent": ("sociale huur", "social rent"),
               "private_rent": ("particuliere huur", "private rent")},
    "role": {"reference": ("referentiepersoon", "reference person"), "partner": ("partner", "partner"),
             "child": ("kind", "child"), "other": ("overig", "other")},
    "student": {"none": ("geen", "none")},
    "event": {"birth": ("geboorte", "birth"), "death": ("overlijden", "death"), "move": ("verhuizing", "move"),
              "household_change": ("huishoudenswijziging", "household change")},
    "sex": {"m": ("man", "male"), "v": ("vrouw", "female"), "f": ("vrouw", "female")},
}  # fmt: skip
DIMENSIONS = {"leeftijd": ("Leeftijdsklasse", "Age band"), "jeugdzorg": ("Jeugdzorg", "Youth care"),
              "group": ("Doelgroep", "Target group"), "direction": ("Richting", "Direction"),
              "measure": ("Onderwerp", "Measure"), "trigger": ("Aanleiding", "Trigger"),
              "period": ("Periode", "Period"), "year": ("Jaar", "Year"), "jaar": ("Jaar", "Year"),
              "buurt_code": ("Buurt", "Neighbourhood"), "from_gm": ("Van gemeente", "From municipality"),
              "to_gm": ("Naar gemeente", "To municipality"), "from_wk": ("Van wijk", "From district"),
              "to_wk": ("Naar wijk", "To district"), "household_type": ("Soort huishouden", "Household type"),
              "income_class": ("Inkomensklasse", "Income class"), "education": ("Opleidingsniveau", "Education"),
              "richting": ("Richting", "Direction"), "age": ("Leeftijd", "Age"), "role": ("Positie in het "
              "huishouden", "Position in the household"), "tenure": ("Eigendom", "Tenure"),
              "event": ("Gebeurtenis", "Event"), "sex": ("Geslacht", "Sex")}  # fmt: skip


def _readable(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@pass_context
def measure_label(context: Any, name: str) -> str:
    """A measure's label (count → Aantal), else its name made readable."""
    pair = MEASURES.get(name)
    return (pair[0] if context.get("lang", "nl") == "nl" else pair[1]) if pair else _readable(name)


@pass_context
def dimension_label(context: Any, name: str) -> str:
    pair = DIMENSIONS.get(name)
    return (pair[0] if context.get("lang", "nl") == "nl" else pair[1]) if pair else _readable(name)


@pass_context
def value_label(context: Any, dimension: str, value: str) -> str:
    """A category's label where udc knows it (target groups, directions, triggers), else the value itself."""
    from udc.web.labels import GROUPS, RATE_MEASURES, TRIGGERS, label

    language = context.get("lang", "nl")
    if value is None or str(value) in ("None", "nan", ""):
        return "onbekend" if language == "nl" else "unknown"
    table = {"group": GROUPS, "direction": RATE_MEASURES, "measure": RATE_MEASURES, "trigger": TRIGGERS,
             **VALUES}.get(dimension)  # fmt: skip
    return label(table, str(value), language) if table else str(value)


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
    title = column.get("title")
    if title:
        return str(title)
    name = str(column.get("name", "")).replace("_", " ").strip()
    return name[:1].upper() + name[1:]


CELL_STATUS = {"published": ("gepubliceerd", "published"),
               "perturbed": ("met ruis (cell key)", "with noise (cell key)"),
               "suppressed": ("afgeschermd", "withheld"), "no_population": ("geen inwoners", "no population")}
RULES = {"threshold": ("te klein aantal", "count too small"), "nk": ("dominantie (n,k)", "dominance (n,k)"),
         "p_percent": ("p%-regel", "p% rule"), "secondary": ("secundair", "secondary")}  # fmt: skip


@pass_context
def status_label(context: Any, value: object) -> str:
    pair = CELL_STATUS.get(str(value))
    return (pair[0] if context.get("lang", "nl") == "nl" else pair[1]) if pair else str(value or "")


@pass_context
def rules_label(context: Any, value: object) -> str:
    """The disclosure rules a cell failed ("threshold,nk" → "te klein aantal, dominantie (n,k)")."""
    index = 0 if context.get("lang", "nl") == "nl" else 1
    return ", ".join(RULES.get(r, (r, r))[index] for r in str(value or "").split(",") if r)


def register(env: Environment) -> None:
    env.globals.update(
        sensitivity_label=sensitivity_label, role_label=role_label, column_label=column_label,
        method_label=method_label, measure_label=measure_label, dimension_label=dimension_label,
        value_label=value_label, level_label=level_label, status_label=status_label, rules_label=rules_label,
    )
