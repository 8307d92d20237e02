"""The regional economy from the business register (issue 33, item 4): establishments (vestigingen) and jobs per
gemeente, sector (SBI section) and year, with the openings and closures of the year — the figures CBS publishes as
81575NED per gemeente, made from the municipality's own register. Establishments are businesses, not people; the
table is released per gemeente and sector, never per establishment."""

from __future__ import annotations

import pandas as pd

from udc.errors import UdcError
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store, quote

REGISTER = "synth_vestigingen"
RELEASE = "vestigingen"
COLUMNS = [
    ColumnInfo("gemeente_code", "area", "Gemeente"),
    ColumnInfo("year", "period", "Jaar"),
    ColumnInfo("sector", "dimension", "Sector (SBI)"),
    ColumnInfo("establishments", "value", "Vestigingen"),
    ColumnInfo("openings", "value", "Nieuwe vestigingen"),
    ColumnInfo("closures", "value", "Opgeheven vestigingen"),
]


def by_gemeente(store: Store, register: str = REGISTER) -> pd.DataFrame:
    """Per gemeente, year and sector (and ``Totaal``): establishments active in the year, their jobs, the openings and
    closures of the year."""
    if not catalogue.exists(store, register):
        raise UdcError(f"no '{register}' table: register the establishments first")
    table = quote(catalogue.get(store, register).table_name or "")
    return store.query(
        f"""
        WITH years AS (SELECT unnest(range(min(opened) + 1, greatest(max(opened), max(closed)) + 1)) AS year
                       FROM {table}),
             e AS (SELECT 'GM' || substr(buurt_code, 3, 4) AS gemeente_code, * FROM {table})
        SELECT gemeente_code, y.year::INTEGER AS year, coalesce(sector, 'Totaal') AS sector,
               count(*) FILTER (WHERE opened <= y.year AND (closed = -1 OR closed > y.year))::BIGINT AS establishments,
               coalesce(sum(jobs) FILTER (WHERE opened <= y.year AND (closed = -1 OR closed > y.year)), 0)::BIGINT
                   AS jobs,
               count(*) FILTER (WHERE opened = y.year)::BIGINT AS openings,
               count(*) FILTER (WHERE closed = y.year)::BIGINT AS closures
        FROM e CROSS JOIN years y
        GROUP BY GROUPING SETS ((gemeente_code, y.year, sector), (gemeente_code, y.year))
        ORDER BY 1, 2, 3
        """
    )


def release(store: Store, register: str = REGISTER) -> pd.DataFrame:
    """The table as open data (``vestigingen``): establishments, openings and closures — public in the
    Handelsregister — without the jobs: a reviewer read single businesses' staff exactly from the jobs of a year with
    one opening or closure minus the year before. A new version replaces the table whole."""
    frame = by_gemeente(store, register).drop(columns="jobs")
    entry = Dataset(
        name=RELEASE,
        title="Vestigingen en banen per gemeente, sector en jaar (bedrijvenregister)",
        source=f"udc economie: {register}",
        sensitivity="open",
        period_start=str(int(frame.year.min())),
        period_end=str(int(frame.year.max())),
        provenance={"economy": {"register": register}},
    )
    catalogue.same_kind(store, RELEASE, "economy")
    catalogue.save(store, entry, frame, columns=COLUMNS, inputs=[register])
    return frame
