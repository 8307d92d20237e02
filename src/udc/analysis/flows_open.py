"""Verhuisstromen from aggregated open data, where no microdata exist: a CBS 81734NED-shaped table.

81734NED ("Tussen gemeenten verhuisde personen") counts persons per origin (RegioVanVertrek) × destination
(RegioVanVestiging) × year. It holds only moves *between* municipalities, and region rows (NL, LD, PV, CR) that are
sums of the municipal cells — so only GM × GM rows are used, or every move would count twice. Codes of earlier years
are re-based to one boundary year through the area registry's crosswalk (Onderbanken → Beekdaelen …); moves between
municipalities that later merged then become moves within the merged one. The figures are published open data: no
gate, status ``published``; the views and margins have the same shape as the microdata study's.
"""

from __future__ import annotations

import itertools

import pandas as pd

from udc.analysis.flows import FlowTable, _members, classes
from udc.areas.crosswalk import crosswalk
from udc.errors import UdcError
from udc.store import catalogue
from udc.store.db import Store, quote

TOTAL = "Totaal"
OPEN_VIEWS = ("balance", "destinations", "origins", "od", "trend")


def load(
    store: Store,
    dataset: str,
    *,
    years: tuple[int, int] | None = None,
    boundary_year: int | None = None,
    origin: str = "RegioVanVertrek",
    destination: str = "RegioVanVestiging",
    value: str = "Value",
) -> tuple[pd.DataFrame, list[str]]:
    """``from_gm, to_gm, year, count`` (GM × GM rows, re-based to ``boundary_year``) and notes on what changed."""
    entry = catalogue.get(store, dataset)
    columns = {r["column_name"] for r in store.rows(f"DESCRIBE {quote(entry.table_name)}")}
    missing = [c for c in (origin, destination, value, "year") if c not in columns]
    if missing:
        raise UdcError(
            f"dataset '{dataset}' has no {missing} column(s): expected an 81734NED-shaped table "
            f"({origin} × {destination} × Perioden, {value})"
        )
    span = f"AND year BETWEEN {int(years[0])} AND {int(years[1])}" if years else ""
    frame = store.query(
        f"SELECT trim({quote(origin)}) AS from_gm, trim({quote(destination)}) AS to_gm, year::INTEGER AS year, "
        f"sum({quote(value)})::DOUBLE AS count FROM {quote(entry.table_name)} "
        f"WHERE {quote(origin)} LIKE 'GM%' AND {quote(destination)} LIKE 'GM%' "
        f"AND {quote(value)} IS NOT NULL {span} "
        "GROUP BY ALL"
    )
    if frame.empty:
        raise UdcError(f"dataset '{dataset}' has no municipality × municipality rows for {years}")
    boundary = boundary_year or int(frame.year.max())
    notes: list[str] = []
    parts = []
    for year, part in frame.groupby("year"):
        if year == boundary:
            parts.append(part)
            continue
        codes = sorted(set(part.from_gm) | set(part.to_gm))
        links = pd.DataFrame(
            [(x.from_code, x.to_code, x.share) for x in crosswalk(store, int(year), boundary, codes=codes)],
            columns=["code", "new", "share"],
        )
        changed = links[links.code != links.new]
        if not changed.empty:
            notes.append(f"{year}: {', '.join(sorted(set(changed.code)))} re-based to {boundary} boundaries")
        part = part.merge(links.rename(columns={"code": "from_gm"}), on="from_gm")
        part = part.assign(from_gm=part.new, count=part["count"] * part.share).drop(columns=["new", "share"])
        part = part.merge(links.rename(columns={"code": "to_gm"}), on="to_gm")
        part = part.assign(to_gm=part.new, count=part["count"] * part.share).drop(columns=["new", "share"])
        parts.append(part.groupby(["from_gm", "to_gm", "year"], as_index=False)["count"].sum())
    return pd.concat(parts, ignore_index=True), notes


def _margins(leaves: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Leaves plus every combination of Totaal, like the gate's tables."""
    parts = []
    for r in range(len(by), -1, -1):
        for kept in itertools.combinations(by, r):
            if kept:
                part = leaves.groupby(list(kept), as_index=False)["count"].sum()
            else:
                part = pd.DataFrame({"count": [leaves["count"].sum()]})
            for d in by:
                if d not in kept:
                    part[d] = TOTAL
            parts.append(part[[*by, "count"]])
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].round().astype("int64")
    out["status"] = "published"
    return out


def flows(
    store: Store,
    dataset: str,
    area: str,
    *,
    view: str = "balance",
    years: tuple[int, int],
    boundary_year: int | None = None,
) -> FlowTable:
    """The balance, destinations, origins, od or trend view of ``area`` from an aggregated OD table."""
    if view not in OPEN_VIEWS:
        raise UdcError(
            f"view '{view}' needs microdata; from aggregated data: {', '.join(OPEN_VIEWS)} (no groups, no triggers)"
        )
    members = _members(store, area)
    first = years[0] if view != "trend" else None
    frame, notes = load(store, dataset, years=(first or 0, years[1]), boundary_year=boundary_year or years[1])
    frame["from_in"], frame["to_in"] = frame.from_gm.isin(members), frame.to_gm.isin(members)
    frame = frame[frame.from_in | frame.to_in]
    both = frame.from_in & frame.to_in
    frame["direction"] = "within"
    frame.loc[~both & frame.to_in, "direction"] = "in"
    frame.loc[~both & frame.from_in, "direction"] = "out"
    in_span = frame.year.between(*years)
    if view == "balance":
        cells = _margins(frame[in_span], ["direction"])
    elif view == "trend":
        cells = _margins(frame.assign(year=frame.year.astype(str)), ["year", "direction"])
    elif view in ("destinations", "origins"):
        side, other = ("from_in", "to_gm") if view == "destinations" else ("to_in", "from_gm")
        part = frame[in_span & frame[side] & ~both]
        lookup = classes(store, area)
        part = part.assign(
            other_gm=part[other], other_class=part[other].map(lambda c: lookup.get(c, "rest_of_country"))
        )
        cells = _margins(part, ["other_class", "other_gm"])
    else:
        part = frame[in_span & (both if len(members) > 1 else True)]
        cells = _margins(part, ["from_gm", "to_gm"])
    notes = [f"members: {', '.join(members)}", "81734NED: moves between municipalities only", *notes]
    return FlowTable(view, area, years, "all", None, notes, open_cells=cells)
