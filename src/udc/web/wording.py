"""The words templates use for internal names: sensitivity, column roles, protection methods, measures,
dimensions, category values and levels — Dutch and English, from the page's language (so a page never shows
``per_1000`` or ``cellkey``). Registered as template functions by :func:`register`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup

from udc.labelling import (  # the words themselves live with the library: the CLI and Python read them too
    AREA_VALUES,
    CELL_STATUS,
    DIMENSIONS,
    GENERIC,
    HEADERS,
    KINDS,
    MEASURES,
    SPECIAL_AREAS,
    VALUES,
    area_value,
    labelled,
    period_value,
    pick,
    readable,
    value_text,
)
from udc.web.userlabels import EMPTY, Labels

__all__ = [
    "AREA_VALUES",
    "CELL_STATUS",
    "DIMENSIONS",
    "GENERIC",
    "HEADERS",
    "KINDS",
    "MEASURES",
    "SPECIAL_AREAS",
    "VALUES",
    "area_value",
    "labelled",
    "period_value",
    "register",
    "value_text",
]

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


def _first(language: str, labels: Labels, name: str, title: str | None, *tables: dict) -> str:
    """The user's labels file first; then the source's title (Dutch: StatLine and release titles are Dutch) and
    udc's own words — in English udc's words before the Dutch title; else the name made readable."""
    ours = next((text for table in tables if (text := pick(table, name, language))), None)
    chosen = (title or ours) if language == "nl" else (ours or title)
    return labels.column(name, language) or chosen or readable(name)


def measure_text(name: str, language: str, labels: Labels = EMPTY, title: str | None = None) -> str:
    """A measure's label (count → Aantal / Count)."""
    return _first(language, labels, name, title, MEASURES)


def dimension_text(name: str, language: str, labels: Labels = EMPTY, title: str | None = None) -> str:
    return _first(language, labels, name, title, DIMENSIONS)


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
    ours = next((text for table in (DIMENSIONS, MEASURES, HEADERS) if (text := pick(table, name, language))), None)
    title = column.get("title")
    if language == "nl" or ours:
        return str((title or ours) if language == "nl" else ours) if (title or ours) else readable(name)
    if title:  # the source's Dutch title on an English page, marked as Dutch (WCAG 3.1.2)
        return Markup('<span lang="nl">{}</span>').format(title)
    return readable(name)


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
