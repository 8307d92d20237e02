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
DIMENSIONS = {"leeftijd": ("Leeftijdsklasse", "Age band"), "jeugdzorg": ("Jeugdzorg", "Youth care"),
              "group": ("Doelgroep", "Target group"), "direction": ("Richting", "Direction"),
              "measure": ("Onderwerp", "Measure"), "trigger": ("Aanleiding", "Trigger"),
              "period": ("Periode", "Period"), "year": ("Jaar", "Year")}  # fmt: skip


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

    table = {"group": GROUPS, "direction": RATE_MEASURES, "measure": RATE_MEASURES, "trigger": TRIGGERS}.get(dimension)
    return label(table, value, context.get("lang", "nl")) if table else value


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


def register(env: Environment) -> None:
    env.globals.update(
        sensitivity_label=sensitivity_label, role_label=role_label, column_label=column_label,
        method_label=method_label, measure_label=measure_label, dimension_label=dimension_label,
        value_label=value_label, level_label=level_label,
    )
