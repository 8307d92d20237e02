"""Indicators across the border: German members of a region beside the Dutch ones, from their own statistics.

A region may have foreign members (a German Gemeinde ``DE_99001001``; ``udc regions define``). The Dutch members'
indicators are computed as always (protected counts through the gate); a German member's numerator and denominator
come from an imported Regionalstatistik table (open, official figures: :mod:`udc.sources.regionalstatistik`) as
the concordance (``data/crossborder.yaml``) says, and every row of an indicator the concordance covers carries its
``comparability`` and the note why. A member with no German figure is listed all the same, its status saying so —
side by side means every member, not only those that happen to have a number.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

from udc.areas import registry
from udc.areas.codes import kind_of
from udc.errors import UdcError
from udc.sources.regionalstatistik import age_bounds
from udc.store import catalogue
from udc.store.db import Store, quote

FOREIGN_KINDS = ("lau",)  # members computed from their own country's statistics: municipalities (LAU)
NO_SOURCE = "no_source"
COLUMNS = [
    "country",
    "comparability",
    "comparability_note",
]  # a foreign member's status where no imported table gives the figure


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str
    en: str


class German(BaseModel):
    """How the German figure is made from a Regionalstatistik table (see the data file's header)."""

    model_config = ConfigDict(extra="forbid")
    statistic: str
    measure: str
    ages: tuple[int, int | None]


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str | None
    topic: Words | None = None
    comparability: str
    note: Words
    de: German | None = None


@functools.cache
def concordance() -> dict[str, Topic]:
    """The concordance's topics by indicator id (topics without a udc indicator are for the docs and pages)."""
    return {t.indicator: t for t in topics() if t.indicator}


@functools.cache
def topics() -> tuple[Topic, ...]:
    """Every topic of the concordance, in its order (for docs/crossborder.md and the pages)."""
    text = (resources.files("udc.indicators") / "data" / "crossborder.yaml").read_text(encoding="utf-8")
    return tuple(Topic.model_validate(t) for t in yaml.safe_load(text)["topics"])


def foreign_members(store: Store) -> list[str]:
    """The foreign municipalities that are members of a region (sorted)."""
    members = {m for ms in registry.all_members(store).values() for m in ms}
    return sorted(m for m in members if kind_of(m) in FOREIGN_KINDS)


def _table(store: Store, statistic: str) -> str | None:
    """The imported open Regionalstatistik table holding ``statistic`` (its database table); two such tables are an
    error, not a guess — which one's figures would be published must never depend on a name's alphabetical place."""
    found = [
        e
        for e in catalogue.entries(store, sensitivity="open")
        if statistic in str(e["provenance"].get("regionalstatistik", {}).get("statistics", "")).split(", ")
    ]
    if len(found) > 1:
        names = ", ".join(e["name"] for e in found)
        raise UdcError(
            f"{len(found)} imported tables hold Regionalstatistik {statistic} ({names}): keep one (re-import into it)"
        )
    return found[0]["table_name"] if found else None


def counts(store: Store, indicator_id: str, members: list[str], years: list[int]) -> pd.DataFrame:
    """``area_code, period, n_num, n_den`` of the foreign ``members`` for an indicator the concordance computes (an
    empty frame otherwise). Age groups are summed where their bounds fall inside the indicator's ages; an age
    group with a missing value (``.``, ``/``) makes the sum unknown, never smaller."""
    topic = concordance().get(indicator_id)
    empty = pd.DataFrame({"area_code": [], "period": [], "n_num": [], "n_den": []})
    if topic is None or topic.de is None or not members:
        return empty
    table = _table(store, topic.de.statistic)
    if table is None:
        return empty
    columns = store.columns(table)
    age_column = next((c for c in columns if c.startswith("alt")), None)
    if age_column is None:
        return empty
    filters = [f"{quote(c)} = 'Totaal'" for c in columns if c.startswith("ges")]  # both sexes
    frame = store.query(
        f"SELECT area_code, period, {quote(age_column)} AS age, value FROM {quote(table)} "
        f"WHERE statistic = ? AND measure = ? AND area_code IN (SELECT unnest(?::VARCHAR[])) "
        f"AND period IN (SELECT unnest(?::VARCHAR[])) {''.join(' AND ' + f for f in filters)}",
        [topic.de.statistic, topic.de.measure, members, [str(y) for y in years]],
    )
    low, high = topic.de.ages
    bounds = frame.age.map(age_bounds)
    groups = frame[bounds.notna()].assign(bounds=bounds[bounds.notna()])
    if groups.empty:
        return empty
    inside = groups.bounds.map(lambda b: b[0] >= low and (high is None or (b[1] is not None and b[1] <= high)))
    straddles = groups.bounds.map(
        lambda b: (b[0] < low < (b[1] or 999)) or (high is not None and b[0] < high < (b[1] or 999))
    )
    if straddles.any():  # the ages do not fall on the table's groups: no figure rather than a wrong one
        return empty
    summed = (
        groups.assign(num=np.where(inside, groups.value, 0.0), missing=groups.value.isna())
        .groupby(["area_code", "period"], as_index=False)
        .agg(n_num=("num", "sum"), n_den=("value", "sum"), missing=("missing", "any"))
    )
    summed.loc[summed.missing, ["n_num", "n_den"]] = np.nan
    return summed[["area_code", "period", "n_num", "n_den"]]


def annotate(
    out: pd.DataFrame, indicator_id: str, members: list[str], regions: dict[str, str], language: str = "nl"
) -> pd.DataFrame:
    """Rows for every foreign member and year (status ``no_source`` where no figure was computed), no interval or
    funnel flag on official foreign figures, and ``country`` (a region's: its members' countries, ``DE,NL``) and
    ``comparability`` (with its note) on every row."""
    topic = concordance().get(indicator_id)
    years = sorted(set(out.period)) if len(out) else []
    have = set(zip(out.area_code, out.period, strict=True))
    missing = [(m, y) for m in members for y in years if (m, y) not in have]
    if missing:
        filler = pd.DataFrame(
            {
                "indicator": indicator_id,
                "area_code": [m for m, _ in missing],
                "level": "gemeente",
                "period": [y for _, y in missing],
                "status": NO_SOURCE,
            }
        )
        out = pd.concat([out, filler.astype({"area_code": str, "period": str})], ignore_index=True)
    foreign = out.area_code.isin(members)
    out.loc[foreign, ["ci_low", "ci_high"]] = np.nan
    out.loc[foreign, "funnel"] = None
    out.loc[foreign & out.value.isna() & (out.status == "suppressed"), "status"] = "not_available"
    out["country"] = [
        code[:2] if is_foreign else regions.get(code, None if level == "total" else "NL")
        for code, level, is_foreign in zip(out.area_code, out.level, foreign, strict=True)
    ]
    out["comparability"] = topic.comparability if topic else "not_comparable"
    out["comparability_note"] = (
        getattr(topic.note, language) if topic else _UNKNOWN[language]
    )  # the same note on every row: a program reading one row has it
    return out


_UNKNOWN = {
    "nl": "Niet in de concordantie: niet vastgesteld of de Duitse en Nederlandse cijfers vergelijkbaar zijn.",
    "en": "Not in the concordance: whether the German and Dutch figures compare is not established.",
}
