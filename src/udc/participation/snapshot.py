"""Reports as a source for neighbourhood figures: a snapshot of the operational reports into the store as the
dataset ``meldingen`` — one row per report (merged duplicates left out), with its buurt, year, month, category,
whether it was closed within its service-level term and whether it was reopened — catalogued as **microdata**, so
every figure from it leaves through the gate (cell key), like any other register about residents."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from udc.participation import workflow
from udc.participation.db import CATEGORIES, HISTORY, REPORTS
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

NAME = "meldingen"


def frame(engine: sa.Engine, key: bytes) -> pd.DataFrame:
    """One row per report; ``key`` makes the cell-key record keys unguessable from report numbers."""
    query = (
        sa.select(
            REPORTS.c.id,
            REPORTS.c.category,
            CATEGORIES.c.parent,
            CATEGORIES.c.term_days,
            REPORTS.c.buurt,
            REPORTS.c.status,
            REPORTS.c.created_at,
            REPORTS.c.closed_at,
        )
        .join(CATEGORIES, CATEGORIES.c.code == REPORTS.c.category)
        .where(REPORTS.c.duplicate_of.is_(None))
    )
    reopened = sa.select(HISTORY.c.report_id).where(HISTORY.c.to_status == "heropend").distinct()
    with engine.connect() as con:
        rows = pd.DataFrame(
            [dict(r._mapping) for r in con.execute(query)],
            columns=["id", "category", "parent", "term_days", "buurt", "status", "created_at", "closed_at"],
        )
        again = {r[0] for r in con.execute(reopened)}
    rows = rows[rows.buurt.notna()]
    created = pd.to_datetime(rows.created_at.str[:10])
    closed = rows.status.isin(workflow.CLOSED) & rows.closed_at.notna()
    ends = pd.to_datetime(rows.closed_at.fillna(rows.created_at).str[:10])
    days = np.busday_count(created.to_numpy(dtype="datetime64[D]"), ends.to_numpy(dtype="datetime64[D]"))
    within = closed & (days <= rows.term_days.to_numpy())
    return pd.DataFrame(
        {
            "record_key": [
                int.from_bytes(hmac.new(key, str(i).encode(), hashlib.sha256).digest()[:4], "big") for i in rows.id
            ],
            "buurt_code": rows.buurt.to_numpy(),
            "year": created.dt.year.astype("int32").to_numpy(),
            "month": created.dt.month.astype("int32").to_numpy(),
            "category": rows.category.to_numpy(),
            "main_category": rows.parent.to_numpy(),
            "closed": np.where(closed, "true", "false"),
            "within_term": np.where(within, "true", "false"),
            "reopened": np.where(rows.id.isin(again), "true", "false"),
        }
    )


def save(store: Store, engine: sa.Engine, key: bytes, years: tuple[int, int] | None = None) -> int:
    """Replace the ``meldingen`` dataset with the current reports (one catalogue transaction); ``years``: only
    reports made in those years (the demo: its own years, so the same seed gives the same dataset whenever run)."""
    rows = frame(engine, key)
    if years is not None:
        rows = rows[rows.year.between(*years)].reset_index(drop=True)
    years = sorted(rows.year.unique()) if len(rows) else [date.today().year]
    dataset = Dataset(
        name=NAME,
        title="Meldingen openbare ruimte (per melding)",
        source="udc participation",
        sensitivity="microdata",
        period_start=str(years[0]),
        period_end=str(years[-1]),
        provenance={"from": "participation_reports"},
    )
    columns = [
        ColumnInfo("record_key", "key"),
        ColumnInfo("buurt_code", "area", "Buurt"),
        ColumnInfo("year", "period", "Jaar"),
        ColumnInfo("month", "dimension", "Maand"),
        ColumnInfo("category", "dimension", "Soort melding"),
        ColumnInfo("main_category", "dimension", "Hoofdcategorie"),
        ColumnInfo("closed", "dimension", "Afgehandeld"),
        ColumnInfo("within_term", "dimension", "Binnen de termijn afgehandeld"),
        ColumnInfo("reopened", "dimension", "Heropend"),
    ]
    catalogue.save(store, dataset, rows, columns=columns)
    return len(rows)
