"""Build the synthetic demo store: region in the area registry, population tables in Parquet and DuckDB.

Yearly batches stream into one Parquet file per table (bounded memory), then each file becomes a DuckDB table
registered in the catalogue: person-level tables as ``microdata``, dwellings and premises as ``internal``.
"""

from __future__ import annotations

import gc
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from udc.areas import geometry, registry
from udc.areas.codes import gemeente_of, wijk_of
from udc.areas.geometry import RD_NEW, WGS84, Feature
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Definition, run_defined
from udc.privacy.pseudonyms import load_key, pseudonymise_many, synthetic_bsn
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.db import Store, quote
from udc.synth.params import Params
from udc.synth.population import DWELLING_TYPE, TENURE, Sink, World, cat, day, scramble
from udc.synth.region import CROSS_BORDER, GEMEINDEN, PROVINCE, REGION, REGION_NAME, Area, build_region

DATE_COLUMNS = {"date", "start", "end", "birth_date", "death_date", "built_date"}
PERSON_BATCH = 1_000_000
LARGE = 500_000  # persons from which the simulation's arrays are worth a full garbage collection once done
STAGE = "_synth_stage_"  # tables being loaded; renamed into the catalogue when the run is complete
TABLES = {  # name: (title, sensitivity)
    "persons": ("Personen (synthetisch)", "microdata"),
    "persons_yearly": ("Personen op 1 januari (synthetisch)", "microdata"),
    "households": ("Huishoudens op 1 januari (synthetisch)", "microdata"),
    "events": ("Gebeurtenissen: geboorte, overlijden, verhuizing, huishoudenswijziging (synthetisch)", "microdata"),
    "youth_care": ("Jeugdzorgtrajecten (synthetisch)", "microdata"),
    "newborns": ("Pasgeborenen en perinatale uitkomsten (synthetisch)", "microdata"),
    "dwellings": ("Woningen (synthetisch)", "internal"),
    "dwelling_vacancy": ("Leegstandsperioden van woningen (synthetisch)", "internal"),
    "premises": ("Winkelpanden (synthetisch)", "internal"),
    "premise_vacancy": ("Leegstandsperioden van winkelpanden (synthetisch)", "internal"),
}
# Columns the indicators count by, added while loading: the year of birth, the number of risk factors and the
# child's record key (so newborn tables get the same consistent cell-key protection as the persons they are).
EXTRA_COLUMNS = {
    "newborns": "CAST(year(t.birth_date) AS INTEGER) AS year, CAST(t.risk_low_income AS INTEGER) + "
    "CAST(t.risk_single_parent AS INTEGER) + CAST(t.risk_young_mother AS INTEGER) + "
    "CAST(t.risk_youth_care_household AS INTEGER) AS risk_factors, p.record_key",
}
EXTRA_JOINS = {"newborns": "LEFT JOIN ds_synth_persons p USING (person_id)"}  # persons are adopted first
# Stock tables on 1 January of every year, derived from the building and vacancy tables (internal, like them).
STOCKS = {
    "dwelling_stock": (
        "Woningvoorraad op 1 januari met leegstand (synthetisch)",
        "dwellings",
        "dwelling_vacancy",
        "dwelling_id",
        "d.built_date IS NULL OR d.built_date <= make_date(y.year, 1, 1)",
        "d.dwelling_type, d.tenure",
    ),
    "premise_stock": (
        "Winkelpanden op 1 januari met leegstand (synthetisch)",
        "premises",
        "premise_vacancy",
        "premise_id",
        "TRUE",
        "d.kind, d.shopping_centre",
    ),
}


@dataclass
class SynthReport:
    persons: int
    seed: int
    years: tuple[int, int]
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds: simulate (and load), finish loading, catalogue


def _contract(name: str) -> dict[str, Any]:
    """The demo population is produced in the microdata contract: its tables say which contract table they are."""
    from udc.sources import contract

    if name not in contract.CONTRACT:
        return {}
    return {"contract": name, "contract_version": contract.VERSION, "registered_at": "0000 (demo)"}


def _contract_columns(name: str) -> list[catalogue.ColumnInfo]:
    """The column roles of a contract table (its snapshot period and key), none for the demo's other tables."""
    from udc.sources import contract

    return contract.CONTRACT[name].columns() if name in contract.CONTRACT else []


def parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        years = (int(first), int(last or first))
    except ValueError:
        raise UdcError(f"--years '{text}' must look like 2015-2024") from None
    if not 1990 <= years[0] <= years[1] <= 2100:
        raise UdcError(f"--years '{text}': expected first ≤ last between 1990 and 2100")
    return years


class StoreSink(Sink):
    """Yearly batches go straight into staging tables of the store, as Arrow tables; dates (days since 1970,
    -1 = none) become DATE, categorical codes text.

    Loading runs on a thread of its own (DuckDB and Arrow release the GIL), so on two cores it overlaps the next
    year's simulation instead of following it; the queue is short, so at most a few batches wait in memory.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.staged: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        self._queue: queue.Queue[tuple[str, pa.Table] | None] = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self.waited = 0.0
        self._thread = threading.Thread(target=self._drain, name="udc-synth-load", daemon=True)
        self._thread.start()
        super().__init__(self._write)

    def _write(self, name: str, frame: pd.DataFrame | dict[str, Any]) -> None:
        if self._failure is not None:
            raise self._failure
        columns = frame.items() if isinstance(frame, dict) else ((c, frame[c]) for c in frame.columns)
        arrays = {}
        for column, data in columns:
            if isinstance(data, pd.Categorical | pd.Series) and isinstance(data.dtype, pd.CategoricalDtype):
                codes = np.asarray(data.codes if isinstance(data, pd.Categorical) else data.cat.codes, np.int32)
                labels = pa.array(np.asarray(data.categories, dtype=object), pa.string())
                arrays[column] = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), labels)
                continue
            values = np.asarray(data)
            if column in DATE_COLUMNS:
                arrays[column] = pa.array(values.astype(np.int32), pa.int32(), mask=values < 0).cast(pa.date32())
            elif values.dtype == object:
                arrays[column] = pa.array(values, pa.string())
            else:
                arrays[column] = pa.array(values)
        table = pa.table(arrays)
        if table.num_rows == 0:
            return
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        began = time.perf_counter()
        self._queue.put((name, table))
        self.waited += time.perf_counter() - began  # the loader lagging behind the simulation

    def _drain(self) -> None:
        cursor = self.store.con.cursor()
        while (item := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # keep taking batches so the simulation never blocks on a full queue
            name, batch = item
            # Codes travel as dictionaries (small while queued); DuckDB decodes them into text.
            select = ", ".join(
                f'CAST("{f.name}" AS VARCHAR) AS "{f.name}"' if pa.types.is_dictionary(f.type) else f'"{f.name}"'
                for f in batch.schema
            )
            try:
                if name not in self.staged:
                    self.staged[name] = f"{STAGE}{name}"
                    cursor.execute(f"CREATE OR REPLACE TABLE {self.staged[name]} AS SELECT {select} FROM batch")
                else:
                    cursor.execute(f"INSERT INTO {self.staged[name]} BY NAME SELECT {select} FROM batch")
            except BaseException as failure:  # re-raised in the generating thread
                self._failure = failure
        cursor.close()

    def close(self) -> None:
        self.close_quietly()
        if self._failure is not None:
            raise self._failure

    def close_quietly(self) -> None:
        """Wait for the loading thread (after a failure elsewhere, whose error is the one to report)."""
        self._queue.put(None)
        self._thread.join()


def _drop_staged(store: Store) -> None:
    """Staging tables of an interrupted run (the catalogue never lists them)."""
    tables = store.con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)", [STAGE])
    for (table,) in tables.fetchall():
        store.con.execute(f"DROP TABLE {quote(table)}")


def register_region(store: Store, areas: list[Area], first_year: int) -> None:
    """The fictional region enters the registry like real areas: versions, geometry, adjacency, region."""
    registry.add_area(store, "NL01", "Nederland")
    registry.add_area(store, PROVINCE[0], PROVINCE[1], parent="NL01")
    for kind in ("GM", "WK", "BU", "kreis", "lau"):
        features = [
            Feature(
                a.code,
                a.name,
                a.kind,
                geometry.reproject(a.geometry, RD_NEW, WGS84),
                year=first_year,
                parent_code=a.parent if a.kind == "lau" else None,  # a Gemeinde's Kreis
            )
            for a in areas
            if a.kind == kind and a.geometry is not None
        ]
        registry.import_geometry(store, features, "udc synth region", first_year, open_ended=True)
    for area in areas:
        if area.geometry is None and area.kind == "lau":  # abroad without a shape ("Overig buitenland")
            registry.add_area(store, area.code, area.name)
    in_province = [a.code for a in areas if a.kind == "GM" and a.parent == PROVINCE[0]]
    registry.set_parent(store, in_province, PROVINCE[0])
    registry.define_region(store, REGION_NAME, [m.code for m in REGION], "Demoregio (fictief)")
    registry.define_region(  # one daily urban system across the border, as Parkstad and the Aachen region
        store, CROSS_BORDER, [m.code for m in REGION] + [code for code, *_ in GEMEINDEN], "Grensregio (fictief)"
    )


def _premises(world: World, areas: list[Area], years: tuple[int, int], sink: Sink) -> None:
    """Shops concentrated in the centre wijken (shopping centres), with yearly vacancy spells (a Markov chain)."""
    rng, p = world.rng, world.p
    buurten = [a for a in areas if a.kind == "BU"]
    residents = world.gm_target[world.buurt_gm] * world.buurt_share
    centre = np.array([b.code[6:8] == "00" for b in buurten])
    expected = residents / 1000 * p.shops_per_1000 * np.where(centre, 4.0, 0.4)
    counts = rng.poisson(expected)
    buurt = np.repeat(np.arange(len(buurten)), counts)
    n = len(buurt)
    x, y = _shop_points(world, buurt)
    declining = np.array(["WK" + b.code[2:8] == p.shop_decline_wijk for b in buurten])[buurt]
    sink.write(
        "premises",
        pd.DataFrame(
            {
                "premise_id": np.arange(n),
                "buurt_code": world.buurt_code[buurt],
                "kind": "shop",
                "shopping_centre": centre[buurt] & (rng.random(n) < 0.8),
                "x": x.round(1),
                "y": y.round(1),
            }
        ),
    )
    vacant_since = np.where(rng.random(n) < 0.07, day(years[0]) - rng.integers(30, 700, n), -1)
    starts, ends, ids = [], [], []
    for year in range(years[0], years[1] + 1):
        start, end = day(year), day(year + 1)
        planted = declining & (year >= p.shop_decline_from)  # the planted rise (a draw of the same size each year)
        onset_p = p.shop_vacancy_onset * np.where(centre[buurt], 1.2, 0.8) * np.where(planted, 3.0, 1.0)
        onset = (vacant_since < 0) & (rng.random(n) < onset_p)
        vacant_since = np.where(onset, rng.integers(start, end, n), vacant_since)
        closing = (vacant_since >= 0) & ~onset & (rng.random(n) < p.shop_vacancy_end * np.where(planted, 0.5, 1.0))
        close_day = np.maximum(rng.integers(start, end, n), vacant_since + 1)
        ids.append(np.flatnonzero(closing))
        starts.append(vacant_since[closing])
        ends.append(close_day[closing])
        vacant_since = np.where(closing, -1, vacant_since)
    ids.append(np.flatnonzero(vacant_since >= 0))
    starts.append(vacant_since[vacant_since >= 0])
    ends.append(np.full(len(ids[-1]), -1))
    sink.write(
        "premise_vacancy",
        pd.DataFrame({"premise_id": np.concatenate(ids), "start": np.concatenate(starts), "end": np.concatenate(ends)}),
    )


def _shop_points(world: World, buurt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A shop stands where its buurt's dwellings are (one chosen from the placing stream, a few metres off): the
    world's own stream is left as it was."""
    rng = world.place_rng
    x, y = np.zeros(len(buurt)), np.zeros(len(buurt))
    for b in np.unique(buurt):
        rows = np.flatnonzero(buurt == b)
        homes = np.flatnonzero(world.dw_buurt == b)
        pick = homes[rng.integers(0, len(homes), len(rows))] if len(homes) else np.zeros(len(rows), int)
        x[rows] = world.dw_x[pick] + rng.normal(0, 15, len(rows))
        y[rows] = world.dw_y[pick] + rng.normal(0, 15, len(rows))
    return x, y


def _static_tables(world: World, sink: Sink, key: bytes) -> None:
    w = world
    bsn = synthetic_bsn(len(w.birth), w.seed)
    # Each synthetic person has a fictional BSN (never stored); the pseudonym is what a municipal file with
    # that BSN gets at import under the same key, so the demo microdata can be linked like real data. Written in
    # batches: a pseudonym is a Python string, and 20 million at once would double the peak memory.
    for first in range(0, len(w.birth), PERSON_BATCH):
        part = np.arange(first, min(first + PERSON_BATCH, len(w.birth)))
        sink.write(
            "persons",
            pd.DataFrame(
                {
                    "person_id": scramble(part, w.seed),
                    "birth_date": w.birth[part],
                    "sex": np.where(w.sex[part] == 1, "v", "m"),
                    "death_date": w.death[part],
                    "record_key": w.record_key[part].astype(np.int64),
                    "pseudonym": pseudonymise_many(bsn[part], key),
                }
            ),
        )
    # Categorical columns (codes + labels), not a Python string per dwelling: 10 million dwellings nationally.
    wijken, wijk_of_buurt = np.unique([wijk_of(c) for c in w.buurt_code], return_inverse=True)
    gemeenten, gemeente_of_buurt = np.unique([gemeente_of(c) for c in w.buurt_code], return_inverse=True)
    sink.write(
        "dwellings",
        {
            "dwelling_id": np.arange(len(w.dw_buurt)),
            "buurt_code": cat(w.dw_buurt, w.buurt_code),
            "wijk_code": cat(wijk_of_buurt[w.dw_buurt], wijken),
            "gemeente_code": cat(gemeente_of_buurt[w.dw_buurt], gemeenten),
            "dwelling_type": cat(w.dw_type, DWELLING_TYPE),
            "tenure": cat(w.dw_tenure, TENURE),
            "woz_value": w.dw_woz,
            "built_date": w.dw_built,
            "x": w.dw_x.round(1),  # RD New metres, as the BAG gives a verblijfsobject's point
            "y": w.dw_y.round(1),
            "cell_500m": cat(w.dw_cell, np.array(w.cell_codes)),
        },
    )
    open_spells = np.flatnonzero(~w.dw_occupied & (w.dw_vacant_since >= 0))
    sink.write(
        "dwelling_vacancy",
        pd.DataFrame(
            {"dwelling_id": open_spells, "start": w.dw_vacant_since[open_spells], "end": np.full(len(open_spells), -1)}
        ),
    )


def demo_key(seed: int) -> bytes:
    """The pseudonym key of the demo: ``$UDC_PSEUDONYM_KEY`` when set, else one derived from the seed.

    A derived key is fine for fictional people only; a real Urban Data Center sets its own secret key.
    """
    try:
        return load_key()
    except UdcError:
        return f"udc-demo-key-seed-{seed}".encode()


REGION_PHASE = "region: areas and geometry"
POPULATION_PHASE = "population per year"
REGISTERS_PHASE = "registers: tables loaded and catalogued"
PHASES = (REGION_PHASE, POPULATION_PHASE, REGISTERS_PHASE)
"""What :func:`generate` tells ``progress`` as each part begins: minutes pass at national scale."""


def generate(
    store: Store,
    *,
    persons: int = 250_000,
    seed: int = 1,
    years: tuple[int, int] = (2015, 2024),
    params: Params | None = None,
    progress: Callable[[int | str], Any] | None = None,
) -> SynthReport:
    """Build (or rebuild) the synthetic region and population in ``store``.

    Snapshots are taken on 1 January of every year from ``years[0]`` to ``years[1] + 1``; events are simulated
    for ``years[0]`` … ``years[1]``, so each year's events lie between two snapshots. ``progress`` is told the name
    of each phase (:data:`PHASES`) as it begins and each year once it is simulated.
    """
    if persons < 1_000:
        raise UdcError(f"--persons {persons} is too small: at least 1000 (a household needs neighbours)")
    tell = progress or (lambda step: None)
    tell(REGION_PHASE)
    began = time.perf_counter()
    params = params or Params()
    areas = build_region(seed)
    register_region(store, areas, years[0])
    shutil.rmtree(store.path / "synth", ignore_errors=True)  # Parquet files of earlier versions
    # Hundreds of millions of rows at national scale: DuckDB spills instead of growing (the simulation's arrays
    # need the memory), and keeps no insertion order.
    store.con.execute("SET preserve_insertion_order = false")
    store.con.execute(f"SET temp_directory = '{(store.path / 'tmp').as_posix()}'")
    store.con.execute("SET memory_limit = '512MB'")
    threads = store.con.execute("SELECT current_setting('threads')").fetchone()[0]
    store.con.execute("SET threads = 1")  # loading takes the core the simulation leaves idle, not both
    _drop_staged(store)
    sink = StoreSink(store)
    tell(POPULATION_PHASE)
    world = World(areas, persons, seed, params, first_year=years[0])
    try:
        for year in range(years[0], years[1] + 1):
            h = world.snapshot(year, sink)
            world.simulate_year(year, h)
            for name, table in (
                ("events", "events"),
                ("dwelling_vacancy", "vacancies"),
                ("youth_care", "youth_care"),
                ("newborns", "newborns"),
            ):
                sink.write(name, world.drain(table))
            tell(year)
        tell(REGISTERS_PHASE)
        world.snapshot(years[1] + 1, sink)
        sink.write("youth_care", world.drain("youth_care"))
        _static_tables(world, sink, demo_key(seed))
        _premises(world, areas, years, sink)
        simulated = time.perf_counter()
        sink.close()
        loaded = time.perf_counter()
    except BaseException:
        sink.close_quietly()
        _drop_staged(store)
        raise
    finally:  # after a failure too: the connection keeps serving the caller
        store.con.execute("SET memory_limit = '3GB'")  # the catalogue's copies and joins need more
        store.con.execute(f"SET threads = {int(threads)}")  # the connection's own (RESET forgets UDC_THREADS)
    del world, h  # gigabytes of simulation arrays at national scale
    if persons >= LARGE:  # a full collection costs a quarter second in a process with a big heap (a test run)
        gc.collect()
    source = f"synthetic (udc demo, seed {seed})"
    for name, (title, sensitivity) in TABLES.items():
        catalogue.drop_dependents(store, f"synth_{name}")  # e.g. the flows' moves table: stale now
        catalogue.drop(store, f"synth_{name}")
        if name not in sink.staged:
            continue
        dataset = _dataset(
            name,
            title,
            sensitivity,
            source,
            years,
            {"seed": seed, "persons": persons, "years": list(years), **_contract(name)},
        )
        if name in EXTRA_COLUMNS:  # a small table: derived columns added in a copy
            catalogue.save_query(
                store,
                dataset,
                f"SELECT t.*, {EXTRA_COLUMNS[name]} FROM {sink.staged[name]} t {EXTRA_JOINS.get(name, '')}",
            )
            store.con.execute(f"DROP TABLE {sink.staged[name]}")
        else:  # the contract's column roles: the yearly tables' period is a snapshot, never summed over
            catalogue.adopt(store, dataset, sink.staged[name], _contract_columns(name))
    for name, (title, units, spells, key, exists, kinds) in STOCKS.items():
        catalogue.drop(store, f"synth_{name}")
        catalogue.save_query(
            store,
            _dataset(
                name,
                title,
                "internal",
                source,
                years,
                {"seed": seed, "derived_from": [f"synth_{units}", f"synth_{spells}"]},
            ),
            _stock_sql(units, spells, key, exists, kinds, years),
            inputs=[f"synth_{units}", f"synth_{spells}"],
        )
    _youth_risk(store, source, seed, years)
    _household_support(store, source, seed, years)
    catalogue.save(
        store,
        catalogue.Dataset(
            name="synth_areas",
            title="Gebiedsindeling demoregio (fictief): gemeenten, wijken, buurten",
            source=source,
            sensitivity="open",
            licence="CC0-1.0",
            period_start=str(years[0]),
            area_coverage=REGION_NAME,
            provenance={
                "generator": "udc.synth.region",
                "seed": seed,
                "geometry": "WKB, WGS84, simplified for the web",
            },
        ),
        registry.shapes_with_names(store, years[0], "99"),
    )
    done = time.perf_counter()
    phases = {
        "simulate": simulated - began,
        "of which waiting for the loader": sink.waited,
        "finish loading": loaded - simulated,
        "catalogue": done - loaded,
    }
    return SynthReport(persons, seed, years, done - began, dict(sink.rows), phases)


def _dataset(
    name: str, title: str, sensitivity: str, source: str, years: tuple[int, int], provenance: dict[str, Any]
) -> catalogue.Dataset:
    """The catalogue entry of one synthetic table (``synth_<name>``): CC0, the demo region, the simulated years."""
    provenance = {"generator": "udc.synth", **provenance}
    return catalogue.Dataset(
        name=f"synth_{name}",
        title=title,
        source=source,
        sensitivity=sensitivity,
        licence="CC0-1.0",
        period_start=str(years[0]),
        period_end=str(years[1] + 1),
        area_coverage=REGION_NAME,
        provenance=provenance,
    )


def _stock_sql(units: str, spells: str, key: str, exists: str, kinds: str, years: tuple[int, int]) -> str:
    """Every unit present on 1 January of each year, its buurt and kind, whether it stood empty then and whether
    that spell had lasted a year or longer (long-term vacancy, as CBS counts it). No OR in the join condition: with
    one, DuckDB joins block-wise in a nested loop (quadratic: a 2-million-person demo did not finish in 15 minutes);
    without it, a hash join on the key."""
    jan1 = "make_date(y.year, 1, 1)"
    return (
        f"SELECT y.year, d.{key}, d.buurt_code, {kinds}, count(v.{key}) > 0 AS vacant, "
        f"coalesce(bool_or(v.start <= make_date(y.year - 1, 1, 1)), FALSE) AS vacant_long "
        f"FROM ds_synth_{units} d CROSS JOIN (SELECT CAST(range AS INTEGER) AS year "
        f"FROM range({years[0]}, {years[1] + 2})) y "
        f"LEFT JOIN ds_synth_{spells} v ON v.{key} = d.{key} AND v.start <= {jan1} "
        f"AND coalesce(v.\"end\", DATE '9999-12-31') > {jan1} WHERE {exists} GROUP BY ALL"
    )


YOUTH_RISK = "youth_risk"


def _youth_risk(store: Store, source: str, seed: int, years: tuple[int, int]) -> None:
    """Minors at risk of starting youth care, one row per person and year: those without youth care on 1 January,
    their household's income class and type on that day, and whether a spell started in the year — the
    background studies' person-years (``udc.analysis.background``). Linked from three contract tables (persons on
    1 January, households, youth-care spells) by our own SQL; microdata, counted only through the gate (record keys:
    the persons')."""
    catalogue.drop(store, f"synth_{YOUTH_RISK}")
    if not {"ds_synth_persons_yearly", "ds_synth_households", "ds_synth_youth_care"} <= store.tables():
        return
    catalogue.save_query(
        store,
        _dataset(
            YOUTH_RISK,
            "Minderjarigen zonder jeugdzorg op 1 januari, en of jeugdzorg begon in het jaar (synthetisch)",
            "microdata",
            source,
            years,
            {"seed": seed, "derived_from": ["synth_persons_yearly", "synth_households", "synth_youth_care"]},
        ),
        "SELECT p.year, p.person_id, p.buurt_code, p.age, h.income_class, h.household_type, "
        "s.person_id IS NOT NULL AS youth_care_start, p.record_key "
        "FROM ds_synth_persons_yearly p JOIN ds_synth_households h USING (year, household_id) "
        "LEFT JOIN (SELECT DISTINCT person_id, CAST(year(start) AS SMALLINT) AS year FROM ds_synth_youth_care) s "
        "USING (person_id, year) WHERE p.age < 18 AND NOT p.youth_care",
        inputs=["synth_persons_yearly", "synth_households", "synth_youth_care"],
        # a yearly snapshot, as the tables it is linked from: a span is the sum of the years' published cells, so
        # spans of many lengths cannot be averaged into one year's true small count (each year is one fixed cell)
        columns=[catalogue.ColumnInfo("year", "snapshot"), catalogue.ColumnInfo("person_id", "key")],
    )


SUPPORT = "household_support"


def _household_support(store: Store, source: str, seed: int, years: tuple[int, int]) -> None:
    """Households on 1 January with the three kinds of support a municipality stacks — bijstand, debt help, a member
    in youth care — and how many of them (``supports``: '0', '1', '2+'): the stacking table of the background studies
    (:func:`udc.analysis.background.stacking`, area level only). Linked by our own SQL from two contract tables;
    microdata (the households' record keys), a yearly snapshot like the households."""
    catalogue.drop(store, f"synth_{SUPPORT}")
    if not {"ds_synth_persons_yearly", "ds_synth_households"} <= store.tables():
        return
    youth = "coalesce(y.youth_care, FALSE)"
    catalogue.save_query(
        store,
        _dataset(
            SUPPORT,
            "Huishoudens op 1 januari met bijstand, schuldhulp en jeugdzorg (synthetisch)",
            "microdata",
            source,
            years,
            {"seed": seed, "derived_from": ["synth_households", "synth_persons_yearly"]},
        ),
        f"SELECT h.year, h.household_id, h.buurt_code, 'WK' || substr(h.buurt_code, 3, 6) AS wijk_code, "
        "'GM' || substr(h.buurt_code, 3, 4) AS gemeente_code, "
        f"h.bijstand, h.debt_help, {youth} AS youth_care, "
        f"CASE CAST(h.bijstand AS INTEGER) + CAST(h.debt_help AS INTEGER) + CAST({youth} AS INTEGER) "
        "WHEN 0 THEN '0' WHEN 1 THEN '1' ELSE '2+' END AS supports, h.record_key FROM ds_synth_households h "
        "LEFT JOIN (SELECT year, household_id, bool_or(youth_care) AS youth_care FROM ds_synth_persons_yearly "
        "GROUP BY ALL) y USING (year, household_id)",
        inputs=["synth_households", "synth_persons_yearly"],
        columns=[catalogue.ColumnInfo("year", "snapshot"), catalogue.ColumnInfo("household_id", "key")],
    )


def summary_lines(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog) -> list[str]:
    """A first look: areas, persons, households, moves per year and the region's migration balance.

    The tables are microdata (synthetic, but treated as real): every number here comes through the gate.
    """
    areas = registry.count_by_kind(store, "99")

    def protected(name: str, dataset: str, by: list[str], filters: list[Filter]) -> pd.DataFrame:
        request = TableRequest(dataset=dataset, dimensions=by, filters=filters)
        definition = Definition(name=name, title=name, request=request, method="suppress")
        return run_defined(store, definition, user=user, audit=audit).cells

    def total(dataset: str) -> str:
        cells = protected("demo_summary", dataset, ["year"], [Filter(column="year", values=[years[0]])])
        value = cells.loc[cells.year == "Totaal", "count"].iloc[0]
        return "–" if pd.isna(value) else f"{int(value):,}"

    lines = [
        "areas: " + ", ".join(f"{n} {kind}" for kind, n in areas.items()),
        f"persons on 1 January {years[0]}: {total('synth_persons_yearly')} in {total('synth_households')} households",
        "year   moves  into region  out of region  balance",
    ]
    cells = protected("demo_moves", "synth_events", ["jaar", "richting"], [Filter(column="event", values=["move"])])
    cells = cells.rename(columns={"jaar": "y", "richting": "flow"})
    table = cells.pivot(index="y", columns="flow", values="count")
    for year, row in table.drop(index="Totaal", errors="ignore").iterrows():
        moves, inflow, outflow = (row.get(k) for k in ("Totaal", "in", "out"))
        shown = ["–" if pd.isna(v) else f"{int(v):,}" for v in (moves, inflow, outflow)]
        net = "–" if pd.isna(inflow) or pd.isna(outflow) else f"{int(inflow - outflow):+,}"
        lines.append(f"{year}  {shown[0]:>6}  {shown[1]:>11}  {shown[2]:>13}  {net:>7}")
    return lines


__all__ = ["TABLES", "SynthReport", "generate", "parse_years", "summary_lines"]
