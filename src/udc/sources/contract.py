"""The microdata contract: the tables and columns the studies read, whatever the register files are called.

A real Urban Data Center gets person-level registers under CBS's names (RINPERSOON, GBAGEBOORTEDATUM, …) or a
municipality's own. ``register`` maps such a catalogued table onto a contract table — checking types, keys, required
values and value domains in DuckDB — and catalogues the result as ``microdata`` with the contract it fulfils. Studies
ask :func:`find` for a contract table, never for a file name; the demo population is produced in the same contract.
See docs/microdata.md for how the public descriptions of CBS register files map onto it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from udc.errors import InputError, NotFound, UdcError
from udc.privacy.actions import performs
from udc.privacy.dimensions import DOMAINS
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store, quote

VERSION = 1


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # BIGINT, DATE, VARCHAR, SMALLINT
    required: bool = True
    domain: tuple[str, ...] = ()  # allowed values (NULL allowed when not required)
    pattern: str | None = None  # a regular expression text values must match
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    derived: dict[str, str] = field(default_factory=dict)  # field → how udc derives it when the source lacks it
    snapshot: str | None = None  # the period of a stock table: each unit has one row per value (never summed over)

    def columns(self) -> list[ColumnInfo]:
        """The catalogue's column roles: the snapshot period (``udc.privacy.snapshots``), else the key fields."""
        return [
            ColumnInfo(
                f.name,
                "snapshot" if f.name == self.snapshot else "key" if f.name in self.key else None,
                f.description or None,
            )
            for f in self.fields
        ]


AREA = r"^(BU\d{8}|WK\d{6}|GM\d{4}|[A-Z]{2}_[0-9A-Z_]+)$"  # foreign LAU (DE_05334002), ZZ_BUITENLAND
CONTRACT: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "persons",
            "One row per person: who and when born (the population register's person file).",
            (
                Field(
                    "person_id",
                    "BIGINT",
                    description="Person number (RINPERSOON or a municipal key), the same in every contract table",
                ),
                Field("birth_date", "DATE", False, description="Date of birth (unknown for some who moved in)"),
                Field("sex", "VARCHAR", False, DOMAINS["sex"], description="Sex as registered (GBA 1/2 recoded m/v)"),
                Field("record_key", "BIGINT", description="The person's cell-key record key, 0 … 2³²−1"),
            ),
            ("person_id",),
            {"record_key": "a keyed hash of person_id (secret per store)"},
        ),
        Table(
            "events",
            "Life events with a date: moves between addresses, household changes, births, deaths.",
            (
                Field("person_id", "BIGINT"),
                Field("date", "DATE"),
                Field("event", "VARCHAR", domain=DOMAINS["event"]),
                Field("household_change", "VARCHAR", False, DOMAINS["household_change"]),
                Field(
                    "from_area",
                    "VARCHAR",
                    False,
                    pattern=AREA,
                    description="Buurt before a move (BU + 8 digits; a "
                    "wijk or gemeente code when only that is known; a foreign LAU code), "
                    "or ZZ_BUITENLAND / ZZ_ONBEKEND",
                ),
                Field("to_area", "VARCHAR", False, pattern=AREA, description="Buurt after a move"),
            ),
            (),
        ),
        Table(
            "persons_yearly",
            "Every person living in the area on 1 January of each year, with household and situation on that day.",
            (
                Field("year", "SMALLINT"),
                Field("person_id", "BIGINT"),
                Field("household_id", "BIGINT"),
                Field("buurt_code", "VARCHAR", pattern=r"^BU\d{8}$"),
                Field("role", "VARCHAR", domain=DOMAINS["role"], description="Place in the household"),
                Field("age", "SMALLINT"),
                Field("student", "VARCHAR", domain=DOMAINS["student"]),
                Field("record_key", "BIGINT"),
            ),
            ("year", "person_id"),
            {"record_key": "taken from persons"},
            snapshot="year",
        ),
        Table(
            "households",
            "Households on 1 January of each year: type and income class.",
            (
                Field("year", "SMALLINT"),
                Field("household_id", "BIGINT"),
                Field("household_type", "VARCHAR", domain=DOMAINS["household_type"]),
                Field("income_class", "VARCHAR", False, DOMAINS["income_class"]),
                Field(
                    "verblijfsobject",
                    "VARCHAR",
                    False,
                    pattern=r"^\d{16}$",
                    description="The BAG verblijfsobject the household lives in (16 digits): links it to the BAG",
                ),
                Field("record_key", "BIGINT", description="The household's cell-key record key, 0 … 2³²−1"),
            ),
            ("year", "household_id"),
            {"record_key": "a keyed hash of household_id (secret per store)"},
            snapshot="year",
        ),
    )
}


def describe() -> list[dict[str, Any]]:
    """The contract as rows (``udc microdata contract``)."""
    return [
        {
            "table": t.name,
            "field": f.name,
            "type": f.type,
            "required": f.required,
            "values": ", ".join(f.domain) or (f.pattern or ""),
            "key": f.name in t.key,
            "description": f.description or t.derived.get(f.name, ""),
        }
        for t in CONTRACT.values()
        for f in t.fields
    ]


def find(store: Store, table: str) -> str:
    """The catalogued dataset registered as contract table ``table`` (the newest registration)."""
    if table not in CONTRACT:
        raise UdcError(f"'{table}' is not a contract table: expected one of {', '.join(CONTRACT)}")
    found = [e for e in catalogue.entries(store, sensitivity="microdata") if e["provenance"].get("contract") == table]
    if not found:
        raise NotFound(
            f"no dataset is registered as contract table '{table}': register one with 'udc microdata register "
            f"DATASET --as {table} --map field=column,…' (docs/microdata.md), or build the demo ('udc demo')"
        )
    return max(found, key=lambda e: (str(e["provenance"].get("registered_at", "")), e["name"]))["name"]


def check(store: Store, dataset: str, table: str, mapping: dict[str, str] | None = None) -> None:
    """Whether catalogued ``dataset`` (columns named as the contract, or ``mapping``) fulfils contract ``table``."""
    spec = CONTRACT[table]
    columns = store.columns(catalogue.get(store, dataset).table_name or "")
    full = {f.name: (mapping or {}).get(f.name, f.name) for f in spec.fields}
    _check(
        store,
        catalogue.get(store, dataset).table_name or "",
        spec,
        {f: c for f, c in full.items() if c in columns},
        dataset,
    )


def _check(store: Store, source_table: str, spec: Table, mapping: dict[str, str], dataset: str) -> None:
    """Types, required values, domains, patterns and the key: the first problem as one line with a count and an
    example (row numbers of the source table are not stable, values are)."""
    t = quote(source_table)
    for f in spec.fields:
        if f.name not in mapping:
            continue
        column = quote(mapping[f.name])
        where = f"contract field '{f.name}' (column '{mapping[f.name]}' of {dataset})"
        bad = store.rows(
            f"SELECT count(*) AS n, any_value({column}::VARCHAR) AS example FROM {t} "
            f"WHERE {column} IS NOT NULL AND TRY_CAST({column} AS {f.type}) IS NULL"
        )[0]
        if bad["n"]:
            raise InputError(f"{where}: {bad['n']} value(s) are not {f.type}, e.g. '{bad['example']}'")
        if f.required:
            empty = store.rows(f"SELECT count(*) AS n FROM {t} WHERE {column} IS NULL")[0]["n"]
            if empty:
                raise InputError(f"{where}: {empty} row(s) without a value; the field is required")
        if f.domain:
            odd = store.rows(
                f"SELECT {column}::VARCHAR AS v, count(*) AS n FROM {t} WHERE {column} IS NOT NULL AND "
                f"{column}::VARCHAR NOT IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1 ORDER BY 2 DESC "
                "LIMIT 3",
                [list(f.domain)],
            )
            if odd:
                shown = ", ".join(f"'{r['v']}' ({r['n']}×)" for r in odd)
                raise InputError(f"{where}: values outside {', '.join(f.domain)}: {shown}; recode them first")
        if f.pattern:
            odd = store.rows(
                f"SELECT {column}::VARCHAR AS v, count(*) AS n FROM {t} WHERE {column} IS NOT NULL AND "
                f"NOT regexp_full_match({column}::VARCHAR, ?) GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
                [f.pattern.strip("^$")],
            )
            if odd:
                shown = ", ".join(f"'{r['v']}' ({r['n']}×)" for r in odd)
                raise InputError(f"{where}: values not like {f.pattern}: {shown}")
    if spec.key:
        cols = ", ".join(quote(mapping[k]) for k in spec.key)
        twice = store.rows(f"SELECT {cols}, count(*) AS n FROM {t} GROUP BY ALL HAVING count(*) > 1 LIMIT 1")
        if twice:
            shown = ", ".join(f"{k}={twice[0][mapping[k]]}" for k in spec.key)
            raise InputError(f"{dataset}: the key ({', '.join(spec.key)}) repeats: {shown} occurs {twice[0]['n']}×")


@performs(
    "microdata.register",
    lambda source, table, mapping, **kw: {"source": source, "as": table, "map": mapping, "name": kw.get("name")},
    lambda d: {"dataset": d.name},
)
def register(
    store: Store, source: str, table: str, mapping: dict[str, str], *, name: str | None = None, salt: bytes
) -> Dataset:
    """Map catalogued table ``source`` onto contract table ``table`` (``mapping``: contract field → source column;
    fields named alike need no mapping), check it, and catalogue the result as microdata fulfilling the contract."""
    if table not in CONTRACT:
        raise UdcError(f"--as {table}: expected one of {', '.join(CONTRACT)}")
    spec = CONTRACT[table]
    entry = catalogue.get(store, source)
    if entry.sensitivity not in ("microdata", "internal"):
        raise UdcError(f"'{source}' is {entry.sensitivity}: the contract is for person-level registers")
    columns = store.columns(entry.table_name or "")
    unknown = [f for f in mapping if f not in {x.name for x in spec.fields}]
    if unknown:
        raise UdcError(
            f"--map {unknown[0]}=…: '{unknown[0]}' is not a field of {table} ({', '.join(f.name for f in spec.fields)})"
        )
    full = {f.name: mapping.get(f.name, f.name) for f in spec.fields}
    absent = [f for f, c in full.items() if c not in columns]
    derivable = [f for f in absent if f in spec.derived]
    missing = [f for f in absent if f not in derivable and next(x for x in spec.fields if x.name == f).required]
    if missing:
        raise UdcError(
            f"'{source}' has no column for contract field(s) {', '.join(missing)} of {table} "
            f"(its columns: {', '.join(columns)}): map them with --map field=column"
        )
    present = {f: c for f, c in full.items() if c in columns}
    _check(store, entry.table_name or "", spec, present, source)
    select = [
        f"TRY_CAST({quote(c)} AS {next(x.type for x in spec.fields if x.name == f)}) AS {quote(f)}"
        for f, c in present.items()
    ]
    joins_key = table == "persons_yearly" and "record_key" not in present
    for f in [f for f in absent if f not in present and not (joins_key and f == "record_key")]:
        select.append(_derived(table, f, present, salt))
    target = name or f"{table}_{source}"[:63]
    dataset = Dataset(
        name=target,
        title=f"{spec.description.split(':')[0]} (contract {table}, from {source})",
        source=f"udc microdata register: {source}",
        sensitivity="microdata",
        provenance={
            "contract": table,
            "contract_version": VERSION,
            "source": source,
            "map": present,
            "derived": [f for f in absent if f not in present],
            "registered_at": _now(),
        },
    )
    body = f"SELECT {', '.join(select)} FROM {quote(entry.table_name or '')}"
    inputs = [source]
    if joins_key:  # the person's record key, so that a person's cells get the same noise in every table
        persons = find(store, "persons")
        inputs.append(persons)
        body = (
            f"SELECT s.*, p.record_key FROM ({body}) s LEFT JOIN "
            f"{quote(catalogue.get(store, persons).table_name or '')} p USING (person_id)"
        )
    catalogue.save_query(store, dataset, body, inputs=inputs, columns=spec.columns())
    return dataset


def _derived(table: str, field_name: str, present: dict[str, str], salt: bytes) -> str:
    """SQL for a contract field the source lacks: a person's record key from a keyed hash of its number."""
    unit = {"persons": "person_id", "households": "household_id"}.get(table)
    if field_name == "record_key" and unit is not None:
        return f"(hash({quote(present[unit])}::VARCHAR || '{salt.hex()}') % 4294967296)::BIGINT AS record_key"
    field = next(f for f in CONTRACT[table].fields if f.name == field_name)
    return f"NULL::{field.type} AS {quote(field_name)}"  # an optional field the source does not have


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
