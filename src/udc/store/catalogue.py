"""The catalogue: what each dataset is, where it came from and how sensitive it is.

Sensitivity is recorded here once so every later layer (the disclosure gate, the web app) can enforce it:
``open`` (publishable), ``internal`` (municipal staff), ``microdata`` (person level, only through the gate).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from udc.errors import NotFound, UdcError

if TYPE_CHECKING:
    import pandas as pd

    from udc.store.db import Store

SENSITIVITIES = ("open", "internal", "microdata")
# Columns that hold area codes when the catalogue records no column with role 'area' (first match wins).
AREA_COLUMNS = ("buurt_code", "wijk_code", "gemeente_code", "area_code", "area", "RegioS", "code", "gebied", "gm")


class GateCapability:
    """Held only by :mod:`udc.privacy.gate`: without it, no non-microdata table can be made from microdata."""


def _guard(con: Any, dataset: Dataset, inputs: list[str] | None, capability: GateCapability | None) -> None:
    """The disclosure promise in code: a table derived from microdata stays microdata unless the gate releases it."""
    if not inputs or dataset.sensitivity == "microdata":
        return
    placeholders = ", ".join("?" * len(inputs))
    rows = con.execute(
        f"SELECT name FROM datasets WHERE sensitivity = 'microdata' AND name IN ({placeholders})", list(inputs)
    ).fetchall()
    if rows and not isinstance(capability, GateCapability):
        raise UdcError(
            f"'{dataset.name}' is derived from microdata ({', '.join(r[0] for r in rows)}): only the disclosure "
            "gate can make it anything but microdata (udc gate …)"
        )


def crash_point(name: str) -> None:
    """Fault injection for the atomicity tests: ``UDC_CRASH_AT=name`` kills the process here, mid-transaction."""
    if os.environ.get("UDC_CRASH_AT") == name:
        os._exit(70)


def strictest(sensitivities: list[str]) -> str:
    """A table derived from several inputs is as sensitive as the most sensitive one."""
    return max(sensitivities, key=SENSITIVITIES.index)


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass
class Dataset:
    """One catalogue entry; ``table_name`` is the DuckDB table that holds the rows."""

    name: str
    title: str
    source: str
    sensitivity: str = "internal"
    licence: str | None = None
    retrieved_at: datetime | None = None
    period_start: str | None = None
    period_end: str | None = None
    area_coverage: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    table_name: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise UdcError(
                f"dataset name '{self.name}' is invalid: use lower-case letters, digits and '_', starting with a letter"
            )
        if self.sensitivity not in SENSITIVITIES:
            raise UdcError(f"sensitivity '{self.sensitivity}' is invalid: expected one of {', '.join(SENSITIVITIES)}")
        if self.table_name is None:
            self.table_name = f"ds_{self.name}"
        if not re.match(r"^ds_[a-z0-9_]{1,60}$", self.table_name):  # never clobber the store's own tables
            raise UdcError(f"table name '{self.table_name}' must start with 'ds_'")


@dataclass
class ColumnInfo:
    """What a column means: its role (area, period, value, …), title, unit and decimals."""

    name: str
    role: str | None = None
    title: str | None = None
    unit: str | None = None
    decimals: int | None = None
    description: str | None = None


def _record(
    con: Any,
    dataset: Dataset,
    columns: list[ColumnInfo] | None = None,
    inputs: list[str] | None = None,
    released: dict[str, Any] | None = None,
) -> None:
    con.execute("DELETE FROM dataset_columns WHERE dataset = ?", [dataset.name])
    con.execute("DELETE FROM dataset_inputs WHERE dataset = ?", [dataset.name])
    actual = [r[0] for r in con.execute(f'DESCRIBE "{dataset.table_name}"').fetchall()] if columns is not None else []
    known = {c.name: c for c in columns or []}
    for position, name in enumerate(actual):
        c = known.get(name, ColumnInfo(name))
        con.execute(
            "INSERT INTO dataset_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset.name, position, name, c.role, c.title, c.unit, c.decimals, c.description],
        )
    for source in sorted(set(inputs or [])):
        con.execute("INSERT INTO dataset_inputs VALUES (?, ?)", [dataset.name, source])
    record = asdict(dataset)
    record["provenance"] = json.dumps(dataset.provenance, sort_keys=True, default=str)
    record["released"] = released is not None
    record["protection"] = json.dumps(released, sort_keys=True, default=str) if released is not None else None
    con.execute("DELETE FROM datasets WHERE name = ?", [dataset.name])
    columns = list(record)
    con.execute(
        f"INSERT INTO datasets ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [record[c] for c in columns],
    )


def save(
    store: Store,
    dataset: Dataset,
    rows: pd.DataFrame | None = None,
    *,
    columns: list[ColumnInfo] | None = None,
    inputs: list[str] | None = None,
    released: dict[str, Any] | None = None,
    capability: GateCapability | None = None,
) -> Dataset:
    """Add or replace a dataset (its rows, column metadata and lineage) in one transaction."""
    with store.transaction() as con:
        _guard(con, dataset, inputs, capability if released is not None else None)
        if rows is not None:
            con.register("_udc_rows", rows)
            try:
                con.execute(f'CREATE OR REPLACE TABLE "{dataset.table_name}" AS SELECT * FROM _udc_rows')
            finally:
                con.unregister("_udc_rows")
        crash_point("catalogue.save")
        _record(con, dataset, columns if columns is not None else [], inputs, released)
    return dataset


def get(store: Store, name: str) -> Dataset:
    rows = store.rows(
        "SELECT name, title, source, sensitivity, licence, retrieved_at, period_start, period_end, "
        "area_coverage, provenance, table_name FROM datasets WHERE name = ?",
        [name],
    )
    if not rows:
        raise NotFound(f"dataset '{name}' is not in the catalogue (see 'udc info')")
    row = rows[0]
    row["provenance"] = json.loads(row["provenance"] or "{}")
    return Dataset(**row)


def list_datasets(store: Store) -> list[dict[str, Any]]:
    """Catalogue entries with their current row counts."""
    entries = store.rows(
        "SELECT name, title, source, sensitivity, licence, retrieved_at, period_start, period_end, "
        "area_coverage, table_name, released FROM datasets ORDER BY name"
    )
    existing = {r["table_name"] for r in store.rows("SELECT table_name FROM information_schema.tables")}
    for entry in entries:
        table = entry["table_name"]
        entry["rows"] = (
            store.con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            if table in existing
            else None
        )
    return entries


def save_query(store: Store, dataset: Dataset, select_sql: str, *, inputs: list[str] | None = None) -> Dataset:
    """Add or replace a dataset whose rows come from SQL (e.g. ``SELECT * FROM read_parquet('…')``)."""
    with store.transaction() as con:
        _guard(con, dataset, inputs, None)
        con.execute(f'CREATE OR REPLACE TABLE "{dataset.table_name}" AS {select_sql}')
        _record(con, dataset, [], inputs)
    return dataset


def drop(store: Store, name: str) -> None:
    """Remove a dataset and its table (used when a demo store is rebuilt)."""
    with store.transaction() as con:
        rows = con.execute("SELECT table_name FROM datasets WHERE name = ?", [name]).fetchall()
        for (table,) in rows:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
        con.execute("DELETE FROM datasets WHERE name = ?", [name])
        con.execute("DELETE FROM dataset_columns WHERE dataset = ?", [name])
        con.execute("DELETE FROM dataset_inputs WHERE dataset = ?", [name])


def describe(store: Store, name: str) -> dict[str, Any]:
    """``udc catalog show``: the entry, its columns and its lineage (inputs, recursively)."""
    entry = get(store, name)
    columns = store.rows(
        "SELECT name, role, title, unit, decimals, description FROM dataset_columns WHERE dataset = ? "
        "ORDER BY position",
        [name],
    )
    if not columns:  # tables saved without metadata still show their columns
        columns = [
            {"name": r["column_name"], "role": None, "title": None, "unit": None, "decimals": None, "description": None}
            for r in store.rows(f'DESCRIBE "{entry.table_name}"')
        ]
    lineage: list[dict[str, Any]] = []
    todo, seen = [name], {name}
    while todo:
        current = todo.pop()
        for row in store.rows("SELECT input FROM dataset_inputs WHERE dataset = ? ORDER BY input", [current]):
            lineage.append({"dataset": current, "input": row["input"]})
            if row["input"] not in seen:
                seen.add(row["input"])
                todo.append(row["input"])
    rows = store.con.execute(f'SELECT count(*) FROM "{entry.table_name}"').fetchone()
    return {**asdict(entry), "rows": rows[0] if rows else 0, "columns": columns, "lineage": lineage}


def drop_dependents(store: Store, name: str) -> list[str]:
    """Drop every dataset derived (directly or not) from ``name``: it is stale once its input is rebuilt."""
    dropped: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop()
        for row in store.rows("SELECT dataset FROM dataset_inputs WHERE input = ?", [current]):
            if row["dataset"] not in dropped:
                dropped.append(row["dataset"])
                todo.append(row["dataset"])
    for dataset in dropped:
        drop(store, dataset)
    return dropped


def area_column(store: Store, name: str) -> str | None:
    """The column of a dataset that holds area codes: the one catalogued with role 'area', else a known name."""
    rows = store.rows("SELECT name, role FROM dataset_columns WHERE dataset = ? ORDER BY position", [name])
    tagged = [r["name"] for r in rows if r["role"] == "area"]
    if tagged:
        return tagged[0]
    entry = get(store, name)
    columns = [r["column_name"] for r in store.rows(f'DESCRIBE "{entry.table_name}"')]
    return next((c for c in AREA_COLUMNS if c in columns), None)
