"""Leegstand from linked registers (issue 33, item 2): BAG verblijfsobjecten with a woonfunctie in the stock, linked to
the households registered on 1 January, as CBS counts vacancy — a dwelling without registered residents; long-term
when it was also empty on the 1 January before. Objects under construction, withdrawn or never built are not in the
stock (the BAG status, :mod:`udc.sources.bag`).

The link is person-level information (who lives where), so the linked table is microdata: each object carries a
record key (a keyed hash of its identificatie, secret per store) and leaves only as gate tables — vacant dwellings per
buurt, wijk or gemeente, cell-key protected like every count.
"""

from __future__ import annotations

import pandas as pd

from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Protected, crosstab, release_derived
from udc.privacy.request import Filter, TableRequest
from udc.sources import contract
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store, quote

BAG = "bag_verblijfsobjecten"
HOUSEHOLDS = "synth_households"
LINKED = "bag_bewoning"
LEVELS = {"buurt": "buurt_code", "wijk": "wijk_code", "gemeente": "gemeente_code"}


def link(store: Store, *, salt: bytes, bag: str = BAG, households: str = HOUSEHOLDS) -> str:
    """The linked table ``bag_bewoning`` (microdata): per dwelling of the BAG's stock on its 1 January, whether a
    household was registered there then (``vacant``) and on the 1 January before (``vacant_long``).

    Only the store's own BAG (``bag_verblijfsobjecten``, which only an admin imports) and households: a reviewer
    imported a BAG of made-up objects around one real address and, comparing the gate's vacant cell with and
    without it, read whether anybody lived there — the cell key's noise is a function of the records in a cell, so
    whoever chooses the records chooses the noise."""
    registered = contract.find(store, "households")
    if households == HOUSEHOLDS and households != registered:
        households = registered  # the registers' households table, as the microdata contract names it
    if bag != BAG or households != registered:
        raise UdcError(f"the link reads the store's own BAG ({BAG}) and the registered households ({registered}) only")
    for name in (bag, households):
        if not catalogue.exists(store, name):
            raise UdcError(f"no '{name}' table: import the BAG (udc bag import) and register the households first")
    entry = catalogue.get(store, bag)
    year = int(str(entry.period_start)[:4])
    homes = catalogue.get(store, households)
    if "verblijfsobject" not in store.columns(homes.table_name or ""):
        raise UdcError(f"'{households}' has no verblijfsobject column: the households cannot be linked to the BAG")
    sql = f"""
        WITH home AS (
            SELECT DISTINCT year, verblijfsobject::VARCHAR AS identificatie FROM {quote(homes.table_name or "")}
            WHERE year IN ({year}, {year - 1}) AND verblijfsobject IS NOT NULL
        )
        SELECT b.identificatie, b.buurt_code, b.wijk_code, b.gemeente_code, b.cell_500m, {year} AS year,
               now.identificatie IS NULL AS vacant,
               now.identificatie IS NULL AND before.identificatie IS NULL AS vacant_long,
               (hash(b.identificatie || '{salt.hex()}') % 4294967296)::BIGINT AS record_key
        FROM {quote(entry.table_name or "")} b
        LEFT JOIN home now ON now.identificatie = b.identificatie AND now.year = {year}
        LEFT JOIN home before ON before.identificatie = b.identificatie AND before.year = {year - 1}
        WHERE b.woon AND b.in_stock AND b.gemeente_code IS NOT NULL
    """
    dataset = Dataset(
        name=LINKED,
        title="BAG-woningen gekoppeld aan de huishoudens op 1 januari (leegstand)",
        source=f"udc leegstand link: {bag} × {households}",
        sensitivity="microdata",
        provenance={"linked": {"bag": bag, "households": households, "year": year}},
    )
    catalogue.save_query(
        store, dataset, sql, inputs=[bag, households], columns=[ColumnInfo("buurt_code", "area", "Buurt")]
    )
    return LINKED


def dwellings(
    store: Store, area: str | None, *, level: str = "buurt", user: User, audit: AuditLog
) -> tuple[pd.DataFrame, list[Protected]]:
    """Vacant dwellings per area of ``level`` (within ``area``: a gemeente code, or all): stock, vacant, long-term
    vacant and the rates, each count from a gate table (cell key)."""
    if level not in LEVELS:
        raise UdcError(f"--level {level}: expected buurt, wijk or gemeente")
    if not catalogue.exists(store, LINKED):
        raise UdcError("no linked table: run 'udc leegstand link' first")
    column = LEVELS[level]
    filters = [Filter(column="gemeente_code", values=[area])] if area and area.startswith("GM") else []
    tables, frames = [], {}
    for flag in ("vacant", "vacant_long"):
        area_column = column if level == "buurt" else None  # a wijk or gemeente table is that level, not buurt
        request = TableRequest(dataset=LINKED, dimensions=[column, flag], filters=filters, area=area_column)
        protected = crosstab(store, request, user=user, audit=audit)
        tables.append(protected)
        cells = protected.cells
        prefix = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}[level]
        cells = cells[cells[column].astype(str).str.startswith(prefix)]  # the level asked, not the gate's roll-ups
        value = cells["count"].where(cells["status"] != "suppressed")
        frames[flag] = pd.DataFrame(
            {"area_code": cells[column].astype(str), "flag": cells[flag].astype(str), "n": value}
        )
    vacant = frames["vacant"].pivot_table(index="area_code", columns="flag", values="n", aggfunc="first")
    long = frames["vacant_long"].pivot_table(index="area_code", columns="flag", values="n", aggfunc="first")
    out = pd.DataFrame(
        {
            "stock": vacant.get("Totaal"),
            "vacant": vacant.get("true"),
            "vacant_long": long.get("true"),
        }
    ).reset_index()
    stock = out.stock.where(out.stock > 0)
    out["rate"] = (out.vacant / stock * 100).round(1)
    out["rate_long"] = (out.vacant_long / stock * 100).round(1)
    year = int(catalogue.get(store, LINKED).provenance["linked"]["year"])
    return _beside_kwb(store, out, year).sort_values("area_code").reset_index(drop=True), tables


def _beside_kwb(store: Store, frame: pd.DataFrame, year: int, series: str = "kwb") -> pd.DataFrame:
    """CBS's own "% onbewoonde woningen" (the Kerncijfers wijken en buurten, ``udc kwb import``) beside the register
    figure, where the series has the area: its newest year up to the register's (CBS publishes it a year or two
    late), as ``kwb_year`` and ``kwb_pct_onbewoond``."""
    out = frame.assign(kwb_year=None, kwb_pct_onbewoond=None)
    if not catalogue.exists(store, series):
        return out
    table = quote(catalogue.get(store, series).table_name or "")
    published = store.query(
        f"SELECT area_code, max(year) AS kwb_year, arg_max(value, year) AS kwb_pct_onbewoond FROM {table} "
        "WHERE variable = 'pct_onbewoond' AND status = 'published' AND value IS NOT NULL AND year <= ? GROUP BY 1",
        [year],
    )
    if published.empty:
        return out
    joined = frame.merge(published, on="area_code", how="left")
    return joined.astype({"kwb_year": object, "kwb_pct_onbewoond": object}).where(joined.notna(), None)


RELEASE = "leegstand_woningen"
RELEASE_COLUMNS = [
    ColumnInfo("area_code", "area", "Gebied"),
    ColumnInfo("level", "label", "Niveau"),
    ColumnInfo("year", "period", "Jaar"),
    ColumnInfo("stock", "value", "Woningvoorraad"),
    ColumnInfo("vacant", "value", "Leegstaande woningen"),
    ColumnInfo("vacant_long", "value", "Langdurig leegstaand"),
    ColumnInfo("rate", "value", "Leegstand (%)"),
    ColumnInfo("rate_long", "value", "Langdurige leegstand (%)"),
]


def release(store: Store, *, user: User, audit: AuditLog, name: str = RELEASE) -> int:
    """Vacant dwellings per buurt, wijk and gemeente as one open table, derived by the gate from the protected
    tables this run asked for (the leegstand theme page reads it). Returns the version."""
    frames, tables = [], []
    year = int(str(catalogue.get(store, LINKED).provenance["linked"]["year"]))
    for level in LEVELS:
        frame, asked = dwellings(store, None, level=level, user=user, audit=audit)
        frames.append(frame.assign(level=level, year=year))
        tables += asked
    rows = pd.concat(frames, ignore_index=True)
    return release_derived(
        store,
        rows,
        name,
        title="Leegstaande woningen per gebied (BAG gekoppeld aan de huishoudens)",
        inputs=[LINKED],
        derived_from=tables,
        columns=RELEASE_COLUMNS,
        user=user,
        audit=audit,
        definition={"linked": LINKED, "year": year},
    )
