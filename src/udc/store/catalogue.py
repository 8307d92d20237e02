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

import duckdb

from udc.errors import NotFound, UdcError
from udc.settings import current
from udc.store.db import quote

if TYPE_CHECKING:
    import pandas as pd

    from udc.store.db import Store

_FIELDS = (
    "name, title, source, sensitivity, licence, retrieved_at, period_start, period_end, area_coverage, table_name, "
    "released, provenance"
)

SENSITIVITIES = ("open", "internal", "microdata")
# Columns that hold area codes when the catalogue records no column with role 'area' (first match wins).
AREA_COLUMNS = ("buurt_code", "wijk_code", "gemeente_code", "area_code", "area", "RegioS", "code", "gebied", "gm")


class GateCapability:
    """Held only by :mod:`udc.privacy.gate`: without it, no non-microdata table can be made from microdata."""


def _guard(con: Any, dataset: Dataset, inputs: list[str] | None, capability: GateCapability | None) -> None:
    """The disclosure promise in code: a table derived from microdata stays microdata unless the gate releases it;
    and no dataset writes into a table another dataset or a release version owns."""
    _own_table(con, dataset)
    _keeps_its_kind(con, dataset, releasing=isinstance(capability, GateCapability))
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


def _keeps_its_kind(con: Any, dataset: Dataset, *, releasing: bool) -> None:
    """Refuse an import that would replace microdata with anything else (the person-level rows gone, an open table
    in their place under their name) or a gate release with rows the gate never saw (an analyst's file served as
    the release): a name is taken by what it holds."""
    found = con.execute("SELECT sensitivity, released FROM datasets WHERE name = ?", [dataset.name]).fetchone()
    if found is None:
        return
    sensitivity, released = found
    if sensitivity != dataset.sensitivity and not releasing:
        raise UdcError(
            f"'{dataset.name}' is a {sensitivity} table: an {dataset.sensitivity} table cannot replace it (choose "
            "another name)"
        )
    if released and not releasing:
        raise UdcError(
            f"'{dataset.name}' is a release of the disclosure gate: an import cannot replace it (choose another name)"
        )


def same_kind(store: Store, name: str, kind: str) -> None:
    """Refuse an import into a name that holds another kind of table (charging points over a peer table, German
    statistics over a municipal file): ``kind`` is the importer's key in the provenance it writes."""
    if not exists(store, name):
        return
    if kind not in get(store, name).provenance:
        raise UdcError(f"'{name}' holds another kind of table: choose another name for this import")


def _own_table(con: Any, dataset: Dataset) -> None:
    """Refuse a table another entry owns. Datasets live in ``ds_<name>`` and release versions in
    ``ds_<release>_v<n>``, so a dataset named ``kerncijfers_inwoners_v1`` would overwrite version 1 of the open
    release ``kerncijfers_inwoners`` (a person-level import served as that release) — or a release its namesake."""
    table = dataset.table_name
    query = "SELECT name FROM datasets WHERE table_name = ? AND name <> ?"
    other = con.execute(query, [table, dataset.name]).fetchone()
    if other is None:
        other = con.execute(
            "SELECT name || ' v' || version FROM release_versions WHERE table_name = ? AND name <> ?",
            [table, dataset.name],
        ).fetchone()
    if other is not None:
        raise UdcError(f"'{dataset.name}' would write into the table of '{other[0]}': choose another name")


def crash_point(name: str) -> None:
    """Fault injection for the atomicity tests: ``UDC_CRASH_AT=name`` kills the process here, mid-transaction."""
    if current().crash_at == name:
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
        if not re.match(r"^ds_[a-z0-9_]{1,80}$", self.table_name):  # never clobber the store's own tables
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
    actual = (
        [r[0] for r in con.execute(f"DESCRIBE {quote(dataset.table_name)}").fetchall()] if columns is not None else []
    )
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
    _bump(con)
    columns = list(record)
    con.execute(
        f"INSERT INTO datasets ({', '.join(columns)}, stamp) "
        f"VALUES ({', '.join('?' * len(columns))}, CAST(uuid() AS VARCHAR))",
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
                con.execute(f"CREATE OR REPLACE TABLE {quote(dataset.table_name)} AS SELECT * FROM _udc_rows")
            finally:
                con.unregister("_udc_rows")
        crash_point("catalogue.save")
        _record(con, dataset, columns if columns is not None else [], inputs, released)
    return dataset


def get(store: Store, name: str) -> Dataset:
    rows = store.rows(f"SELECT {_FIELDS} FROM datasets WHERE name = ?", [name])
    if not rows:
        raise NotFound(f"dataset '{name}' is not in the catalogue (see 'udc info')")
    row = rows[0]
    row.pop("released")
    row["provenance"] = json.loads(row["provenance"] or "{}")
    return Dataset(**row)


def exists(store: Store, name: str) -> bool:
    return bool(store.rows("SELECT 1 FROM datasets WHERE name = ?", [name]))


def is_released(store: Store, name: str) -> bool:
    rows = store.rows("SELECT released FROM datasets WHERE name = ?", [name])
    return bool(rows and rows[0]["released"])


def entries(store: Store, *, sensitivity: str | None = None, published: bool = False) -> list[dict[str, Any]]:
    """Catalogue rows as dicts (provenance parsed), by name; ``published``: open or released only."""
    where, params = [], []
    if sensitivity is not None:
        where.append("sensitivity = ?")
        params.append(sensitivity)
    if published:
        where.append("(sensitivity = 'open' OR released)")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = store.rows(f"SELECT {_FIELDS} FROM datasets{clause} ORDER BY name", params)
    for row in rows:
        row["provenance"] = json.loads(row["provenance"] or "{}")
        row["released"] = bool(row["released"])
    return rows


def generation(store: Store) -> str:
    """Changes whenever a dataset is added, replaced or dropped: caches of the catalogue key on it. A random stamp
    renewed in the transaction of every catalogue write (:func:`_bump`), so it never repeats, whatever the clocks
    and time zones of the processes that write. A store opened read-only before its first write by this version
    has no stamp yet: nothing has changed since, and the count and newest time of its entries stand in."""
    try:
        row = store.con.execute("SELECT stamp FROM catalogue_generation").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is not None:
        return str(row[0])
    old = store.rows("SELECT count(*) AS n, max(created_at) AS at FROM datasets")[0]
    return f"{old['n']}:{old['at']}"


def stamp(store: Store, table_name: str) -> str:
    """The version of the dataset held in ``table_name``: renewed whenever that dataset is written, so a copy made
    elsewhere (the Spark hand-over) stays valid until exactly this dataset changes. A release version's table is
    never rewritten, so its name and number are its stamp; any other table falls back to the catalogue's
    generation."""
    try:
        rows = store.rows("SELECT stamp FROM datasets WHERE table_name = ?", [table_name])
    except duckdb.BinderException:  # a store opened read-only before this version first wrote to it
        rows = []
    if rows and rows[0]["stamp"]:
        return str(rows[0]["stamp"])
    rows = store.rows("SELECT name, version, created_at FROM release_versions WHERE table_name = ?", [table_name])
    if rows:
        return f"{rows[0]['name']}-v{rows[0]['version']}-{rows[0]['created_at']}"
    return generation(store)


def _bump(con: Any) -> None:
    """A new generation stamp (inside the caller's transaction: it changes exactly when the write lands)."""
    con.execute("UPDATE catalogue_generation SET stamp = CAST(uuid() AS VARCHAR)")


def roles(store: Store, name: str) -> dict[str, str | None]:
    """Column name → role (area, period, dimension, value, label, …) as catalogued."""
    rows = store.rows("SELECT name, role FROM dataset_columns WHERE dataset = ? ORDER BY position", [name])
    return {r["name"]: r["role"] for r in rows}


def list_datasets(store: Store) -> list[dict[str, Any]]:
    """Catalogue entries with their current row counts."""
    rows = entries(store)
    existing = store.tables()
    for entry in rows:
        entry.pop("provenance")
        entry["rows"] = store.count(entry["table_name"]) if entry["table_name"] in existing else None
    return rows


def save_query(
    store: Store,
    dataset: Dataset,
    select_sql: str,
    *,
    inputs: list[str] | None = None,
    columns: list[ColumnInfo] | None = None,
) -> Dataset:
    """Add or replace a dataset whose rows come from SQL (e.g. ``SELECT * FROM read_parquet('…')``)."""
    with store.transaction() as con:
        _guard(con, dataset, inputs, None)
        con.execute(f"CREATE OR REPLACE TABLE {quote(dataset.table_name)} AS {select_sql}")
        crash_point("catalogue.save")
        _record(con, dataset, columns or [], inputs)
    return dataset


def adopt(store: Store, dataset: Dataset, table: str, columns: list[ColumnInfo] | None = None) -> Dataset:
    """Add or replace a dataset whose rows were already loaded into ``table`` (renamed, not copied: a national
    synthetic population is hundreds of millions of rows); ``columns``: their roles (a snapshot's period)."""
    with store.transaction() as con:
        _guard(con, dataset, None, None)
        con.execute(f"DROP TABLE IF EXISTS {quote(dataset.table_name)}")
        con.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(dataset.table_name)}")
        crash_point("catalogue.save")
        _record(con, dataset, columns or [])
    return dataset


def drop(store: Store, name: str) -> None:
    """Remove a dataset and its table (used when a demo store is rebuilt)."""
    with store.transaction() as con:
        rows = con.execute(
            "SELECT table_name FROM datasets WHERE name = ? UNION SELECT table_name FROM release_versions "
            "WHERE name = ?",
            [name, name],
        ).fetchall()
        for (table,) in rows:
            con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        con.execute("DELETE FROM release_versions WHERE name = ?", [name])
        con.execute("DELETE FROM datasets WHERE name = ?", [name])
        _bump(con)
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
            for r in store.rows(f"DESCRIBE {quote(entry.table_name or '')}")
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
    return {
        **asdict(entry),
        "rows": store.count(entry.table_name or ""),
        "columns": columns,
        "lineage": lineage,
        "versions": versions(store, name),
    }


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
    tagged = [column for column, role in roles(store, name).items() if role == "area"]
    if tagged:
        return tagged[0]
    columns = store.columns(get(store, name).table_name or "")
    return next((c for c in AREA_COLUMNS if c in columns), None)


def read(store: Store, name: str, version: int | None = None) -> pd.DataFrame:
    """A dataset's rows (a release's newest version, or the one asked for). Access rules live in the callers."""
    return store.query(f"SELECT * FROM {quote(table_of(store, name, version))}")


def table_of(store: Store, name: str, version: int | None = None) -> str:
    """The table holding a dataset, or one version of a release."""
    if version is None:
        return get(store, name).table_name or ""
    rows = store.rows("SELECT table_name FROM release_versions WHERE name = ? AND version = ?", [name, version])
    if not rows:
        known = ", ".join(str(v["version"]) for v in versions(store, name)) or "none"
        raise NotFound(f"'{name}' has no version {version} (versions: {known})")
    return rows[0]["table_name"]


# -- releases: versions, never overwritten silently -----------------------------------------------------------
def versions(store: Store, name: str) -> list[dict[str, Any]]:
    """A release's history, oldest first: version, created, by whom, policy version, definition hash, rows."""
    return store.rows(
        "SELECT version, created_at, title, released_by, policy_version, definition_hash, row_count AS rows, "
        "replaced_shape FROM release_versions WHERE name = ? ORDER BY version",
        [name],
    )


def shape_change(store: Store, name: str, columns: list[str]) -> str | None:
    """How ``columns`` differ from the current version of release ``name`` (None: same, or no release yet)."""
    rows = store.rows("SELECT columns FROM release_versions WHERE name = ? ORDER BY version DESC LIMIT 1", [name])
    if not rows or not rows[0]["columns"]:
        return None
    before = json.loads(rows[0]["columns"])
    if before == columns:
        return None
    gone = [c for c in before if c not in columns]
    added = [c for c in columns if c not in before]
    parts = [f"without {', '.join(gone)}" if gone else "", f"with {', '.join(added)}" if added else ""]
    return "; ".join(p for p in parts if p) or "columns reordered"


def save_release(
    store: Store,
    dataset: Dataset,
    rows: pd.DataFrame,
    *,
    columns: list[ColumnInfo],
    inputs: list[str],
    protection: dict[str, Any],
    capability: GateCapability,
    definition_hash: str | None = None,
    replace: bool = False,
) -> int:
    """Add a version of a release and make it the current one; the older versions stay. A version whose columns
    differ from the current one (dashboards read those) is refused unless ``replace`` says so. Returns the version."""
    with store.transaction() as con:
        current = con.execute(
            "SELECT version FROM release_versions WHERE name = ? ORDER BY version DESC LIMIT 1", [dataset.name]
        ).fetchone()
        version = current[0] + 1 if current else 1
        shape = list(rows.columns)
        change = shape_change(store, dataset.name, shape)
        if change and not replace:
            raise UdcError(
                f"release '{dataset.name}' v{version - 1} has other columns than this table ({change}): choose another "
                "name, or replace its shape explicitly (--replace; earlier versions stay readable)"
            )
        dataset.table_name = f"ds_{dataset.name}_v{version}"
        save(store, dataset, rows, columns=columns, inputs=inputs, released=protection, capability=capability)
        con.execute(
            "INSERT INTO release_versions (name, version, table_name, title, released_by, policy_version, "
            "definition_hash, row_count, columns, replaced_shape) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset.name,
                version,
                dataset.table_name,
                dataset.title,
                dataset.provenance.get("released_by"),
                protection.get("policy_version"),
                definition_hash,
                len(rows),
                json.dumps(shape),
                bool(replace and current),
            ],
        )
    return version
