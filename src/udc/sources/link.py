"""Linking catalogued tables: by area and period (re-based to one boundary year) or by person pseudonym.

The result is a new catalogued dataset whose lineage names both inputs and whose sensitivity is the stricter one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from udc.areas.harmonise import harmonise
from udc.errors import UdcError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store


@dataclass
class LinkReport:
    dataset: str
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _load(store: Store, name: str) -> tuple[Dataset, pd.DataFrame, dict[str, str]]:
    entry = catalogue.get(store, name)
    return entry, catalogue.read(store, name), catalogue.roles(store, name)


@performs(
    "link.areas",
    lambda left, right, out, **kw: {"left": left, "right": right, "out": out},
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def link_areas(
    store: Store,
    left: str,
    right: str,
    out: str,
    *,
    to_year: int,
    weight: str = "inwoners",
    rates: dict[str, str] | None = None,
) -> LinkReport:
    """Join two area tables on (area_code, year) after re-basing both to the boundaries of ``to_year``."""
    parts = []
    notes = []
    entries = []
    for name in (left, right):
        entry, frame, roles = _load(store, name)
        entries.append(entry)
        area = next((c for c, r in roles.items() if r == "area"), "area_code" if "area_code" in frame else None)
        if area is None or "year" not in frame.columns:
            raise UdcError(f"dataset '{name}' has no area and year columns to link on")
        values = [
            c
            for c in frame.columns
            if c not in (area, "year")
            and pd.api.types.is_numeric_dtype(frame[c])
            and roles.get(c) not in ("area", "period")
        ]
        table = frame[[area, "year", *values]].rename(columns={area: "area_code"})
        table = table[table.area_code.notna()]
        mine = {k: v for k, v in (rates or {}).items() if k in values and v in values}
        result = harmonise(store, table, to_year, weight=weight, rates=mine, source=name)
        converted = result.report[result.report.method != "unchanged"]
        notes.append(f"{name}: {len(converted)} of {len(result.report)} rows re-based to {to_year}")
        parts.append(result.table.rename(columns={c: f"{name}.{c}" for c in values}))
    merged = parts[0].merge(parts[1], on=["area_code", "year"], how="outer", indicator=True)
    counts = merged["_merge"].value_counts().to_dict()
    report_counts = {
        "both": int(counts.get("both", 0)),
        f"only_{left}": int(counts.get("left_only", 0)),
        f"only_{right}": int(counts.get("right_only", 0)),
    }
    merged = merged.drop(columns="_merge")
    merged.columns = [c.replace(".", "__") for c in merged.columns]
    dataset = Dataset(
        name=out,
        title=f"{entries[0].title} × {entries[1].title}",
        source=f"udc link: {left} + {right}",
        sensitivity=catalogue.strictest([e.sensitivity for e in entries]),
        period_start=str(int(merged.year.min())) if len(merged) else None,
        period_end=str(int(merged.year.max())) if len(merged) else None,
        area_coverage=f"{merged.area_code.nunique()} areas on {to_year} boundaries",
        provenance={
            "operation": "link areas",
            "to_year": to_year,
            "weight": weight,
            "counts": report_counts,
            "notes": notes,
        },
    )
    catalogue.save(
        store,
        dataset,
        merged,
        columns=[ColumnInfo("area_code", "area"), ColumnInfo("year", "period")],
        inputs=[left, right],
    )
    return LinkReport(out, len(merged), report_counts, notes)


@performs(
    "link.persons",
    lambda left, right, out, **kw: {"left": left, "right": right, "out": out},
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def link_persons(store: Store, left: str, right: str, out: str, *, on: str = "pseudonym") -> LinkReport:
    """Join two person-level tables on their pseudonym; reports matched, unmatched and duplicate keys."""
    frames = []
    entries = []
    counts: dict[str, int] = {}
    for name in (left, right):
        entry, frame, _ = _load(store, name)
        if on not in frame.columns:
            raise UdcError(f"dataset '{name}' has no column '{on}' (pseudonymise an identifier at import)")
        entries.append(entry)
        counts[f"duplicates_{name}"] = int(frame[on].duplicated().sum())
        frames.append(frame)
    keys = [set(f[on].dropna()) for f in frames]
    both = keys[0] & keys[1]
    counts["matched"] = len(both)
    counts[f"unmatched_{left}"] = len(keys[0] - both)
    counts[f"unmatched_{right}"] = len(keys[1] - both)
    merged = frames[0].merge(frames[1], on=on, how="inner", suffixes=(f"__{left}", f"__{right}"))
    dataset = Dataset(
        name=out,
        title=f"{entries[0].title} × {entries[1].title} (gekoppeld op pseudoniem)",
        source=f"udc link: {left} + {right}",
        sensitivity="microdata",
        provenance={"operation": "link persons", "on": on, "counts": counts},
    )
    catalogue.save(store, dataset, merged, columns=[ColumnInfo(on, "key")], inputs=[left, right])
    rate = counts["matched"] / max(len(keys[0]), 1)
    return LinkReport(out, len(merged), counts, [f"{rate:.1%} of {left} linked"])
