"""The ISO 37120 report of a municipality: every indicator of the catalogue (``data/iso37120.yaml``) marked
computed (value, year, formula — from a definition that carries its ISO number), computable (a definition exists
but its data are not imported, or the data that would compute it), or not applicable — with the coverage.

Each row also carries a finer ``state`` (a key a page words in its own language: ``available``, ``no_value``,
``not_imported``, ``no_source``, ``not_applicable``) and the catalogue's ``source``/``source_nl``: the data that
would complete the indicator, named as a person reads it, so no page shows the English ``detail`` on a Dutch page."""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from udc import yamltext
from udc.indicators.model import Indicator


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """The ISO 37120:2018 themes and indicators this project lists (package data, read once)."""
    text = (resources.files("udc.indicators") / "data" / "iso37120.yaml").read_text(encoding="utf-8")
    return yamltext.safe_load(text)


def _source(entry: dict[str, Any]) -> dict[str, str | None]:
    """What would complete the entry (or why it does not apply) in both languages — a page picks its own; the
    Dutch falls back on the English where the catalogue has none."""
    english = entry.get("sources") or entry.get("not_applicable")
    dutch = entry.get("sources_nl") or entry.get("not_applicable_nl") or english
    return {"source": english, "source_nl": dutch}


def report(
    indicators: list[Indicator],
    values: pd.DataFrame | None,
    missing: dict[str, list[str]],
    area: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows per catalogue indicator and a summary. ``values``: computed rows of the area (every year asked; None
    when nothing could be computed); ``missing``: indicator id → datasets this store lacks for it."""
    data = catalogue()
    if values is None:
        values = pd.DataFrame(columns=["indicator", "area_code", "status", "period", "value"])
    found = set(values.indicator[(values.area_code == area) & (values.status == "published")])
    by_key: dict[str, Indicator] = {}
    for i in sorted((i for i in indicators if i.iso37120), key=lambda i: (i.id not in found, missing.get(i.id) or [])):
        assert i.iso37120 is not None
        by_key.setdefault(i.iso37120.number or i.iso37120.title or "", i)  # one with a value first
    rows = []
    for entry in data["indicators"]:
        number = entry.get("number")
        row: dict[str, Any] = {
            "number": number or "",
            "theme": data["themes"][entry["theme"]]["nl"],
            "theme_en": data["themes"][entry["theme"]]["en"],
            "title": entry["nl"],
            "title_en": entry["en"],
            "value": None,
            "year": None,
            "formula": None,
            "indicator": None,
        }
        definition = by_key.get(number) if number else by_key.get(entry["en"])
        row |= _source(entry)
        if entry.get("not_applicable"):
            row |= {"status": "not_applicable", "state": "not_applicable", "detail": entry["not_applicable"]}
        elif definition is not None and not missing.get(definition.id):
            own = values[
                (values.indicator == definition.id) & (values.area_code == area) & (values.status == "published")
            ].sort_values("period")
            row |= {"indicator": definition.id, "formula": definition.iso37120.formula if definition.iso37120 else None}
            if len(own):
                last = own.iloc[-1]
                row |= {
                    "status": "computed",
                    "state": "available",
                    "value": _rounded(float(last.value)),
                    "year": str(last.period),
                    "detail": definition.title.nl,
                }
            else:
                row |= {
                    "status": "computable",
                    "state": "no_value",
                    "detail": "defined, but no published value for this area",
                }
        elif definition is not None:
            row |= {
                "status": "computable",
                "state": "not_imported",
                "indicator": definition.id,
                "detail": "import " + ", ".join(missing[definition.id]),
            }
        else:
            row |= {
                "status": "computable",
                "state": "no_source",
                "detail": f"data not yet imported: {entry.get('sources', 'unknown')}",
            }
        rows.append(row)
    applicable = [r for r in rows if r["status"] != "not_applicable"]
    computed = sum(r["status"] == "computed" for r in applicable)
    coverage = round(100 * computed / max(len(applicable), 1), 1)
    summary = {
        "area_code": area,
        "edition": data["edition"],
        "listed": len(rows),
        "applicable": len(applicable),
        "computed": computed,
        "coverage_percent": coverage,
    }
    return rows, summary


WCCD_COLUMNS = ["iso_number", "theme", "indicator", "value", "unit", "year", "source", "formula", "area_code"]


def wccd(rows: list[dict[str, Any]], indicators: dict[str, Indicator], area: str) -> list[dict[str, Any]]:
    """The computed rows in the shape a WCCD (World Council on City Data) submission asks per indicator: ISO
    number, theme, the indicator's ISO title, value, unit, year, the data source and how it was computed. Entries
    whose number no public source confirmed carry no number (``iso_number`` empty): match them against the
    purchased standard before submitting."""
    out = []
    for r in rows:
        if r["status"] != "computed":
            continue
        definition = indicators[r["indicator"]]
        out.append(
            {
                "iso_number": r["number"] or None,
                "theme": r["theme_en"],
                "indicator": r["title_en"],
                "value": r["value"],
                "unit": definition.unit,
                "year": r["year"],
                "source": definition.source,
                "formula": r["formula"],
                "area_code": area,
            }
        )
    return out


def _rounded(value: float) -> float:
    """Two decimals, or four significant digits below 1 (motorcycles per inhabitant 0.03761, not 0.04)."""
    if value == 0 or abs(value) >= 1 or not math.isfinite(value):
        return round(value, 2)
    return round(value, 3 - math.floor(math.log10(abs(value))))
