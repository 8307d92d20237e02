"""The synthetic population: deterministic, internally consistent, and showing the seeded phenomena."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from udc.areas import registry
from udc.errors import UdcError
from udc.store import Store, catalogue
from udc.synth.generate import generate, parse_years


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's population, built once and closed: a test that rebuilds over a population works on a copy."""
    path = tmp_path_factory.mktemp("synth") / "store"
    with Store(path) as store:
        generate(store, persons=12_000, seed=7, years=(2015, 2020))
    return path


@pytest.fixture(scope="module")
def synth(population: Path) -> Iterator[Store]:
    with Store(population, read_only=True) as store:
        yield store


def one(store: Store, sql: str) -> object:
    return store.con.execute(sql).fetchone()[0]  # type: ignore[index]


def test_tables_are_catalogued_with_sensitivity(synth: Store) -> None:
    entries = {e["name"]: e for e in catalogue.list_datasets(synth)}
    assert entries["synth_events"]["sensitivity"] == "microdata"
    assert entries["synth_persons_yearly"]["sensitivity"] == "microdata"
    assert entries["synth_dwellings"]["sensitivity"] == "internal"
    assert entries["synth_areas"]["sensitivity"] == "open" and entries["synth_areas"]["rows"] > 200
    assert entries["synth_events"]["source"] == "synthetic (udc demo, seed 7)"
    assert all(e["rows"] > 0 for e in entries.values())


def test_region_is_registered_like_real_areas(synth: Store) -> None:
    counts = {k: len(registry.list_areas(synth, kind=k, year=2018, within="demoregio")) for k in ("WK", "BU")}
    assert 35 <= counts["WK"] <= 55 and 150 <= counts["BU"] <= 250
    assert len(registry.region_members(synth, "demoregio")) == 7
    assert registry.neighbours(synth, "GM9901", 2015)  # the core city has neighbours
    codes = {r["code"] for r in registry.list_areas(synth)}
    assert not {c for c in codes if c.startswith(("GM", "WK", "BU")) and c[2:4] != "99"}  # fictional codes only
    versions = synth.rows("SELECT code, count(*) AS n FROM areas GROUP BY code HAVING count(*) > 1")
    assert versions == []  # one version per area: the region does not change over the years


def test_population_size_and_snapshots(synth: Store) -> None:
    first = one(synth, "SELECT count(*) FROM ds_synth_persons_yearly WHERE year = 2015")
    assert 11_000 <= first <= 13_000
    years = [r["year"] for r in synth.rows("SELECT DISTINCT year FROM ds_synth_persons_yearly ORDER BY 1")]
    assert years == list(range(2015, 2022))  # 1 January 2015 … 2021: events of 2015-2020 lie in between


def test_same_seed_same_tables_other_seed_differs(tmp_path: Path) -> None:
    """Determinism does not depend on size: three small runs (two of one seed, one of another) show it."""
    stores = [Store(tmp_path / name) for name in ("first", "again", "other")]
    with stores[0] as first, stores[1] as again, stores[2] as other:
        for store, seed in ((first, 7), (again, 7), (other, 8)):
            generate(store, persons=3_000, seed=seed, years=(2015, 2017))
        for table in ("ds_synth_events", "ds_synth_households"):
            a = first.query(f"SELECT * FROM {table} ORDER BY ALL")
            b = again.query(f"SELECT * FROM {table} ORDER BY ALL")
            pd.testing.assert_frame_equal(a, b)
            c = other.query(f"SELECT * FROM {table} ORDER BY ALL")
            assert not a.equals(c)


def test_every_move_starts_at_the_previous_address(synth: Store) -> None:
    bad = one(
        synth,
        """
        WITH home AS (
            SELECT p.person_id, p.year, h.dwelling_id FROM ds_synth_persons_yearly p
            JOIN ds_synth_households h USING (household_id, year)),
        born AS (SELECT person_id, year(date) AS year, to_dwelling AS dwelling_id FROM ds_synth_events
                 WHERE event = 'birth')
        SELECT count(*) FROM ds_synth_events e
        LEFT JOIN home ON home.person_id = e.person_id AND home.year = year(e.date)
        LEFT JOIN born ON born.person_id = e.person_id AND born.year = year(e.date)
        WHERE e.event = 'move' AND e.from_dwelling >= 0
          AND e.from_dwelling IS DISTINCT FROM coalesce(home.dwelling_id, born.dwelling_id)""",
    )
    assert bad == 0
    moves = one(synth, "SELECT count(*) FROM ds_synth_events WHERE event = 'move'")
    assert moves > 3_000
    assert (
        one(
            synth,
            "SELECT max(n) FROM (SELECT count(*) n FROM ds_synth_events WHERE event = 'move' "
            "GROUP BY person_id, year(date))",
        )
        == 1
    )


def test_snapshots_follow_from_the_events(synth: Store) -> None:
    mismatches = one(
        synth,
        """
        WITH home AS (
            SELECT p.person_id, p.year, h.dwelling_id FROM ds_synth_persons_yearly p
            JOIN ds_synth_households h USING (household_id, year)),
        moved AS (SELECT person_id, year(date) AS year, arg_max(to_dwelling, date) AS to_dwelling
                  FROM ds_synth_events WHERE event IN ('move', 'birth') GROUP BY ALL)
        SELECT count(*) FROM home a JOIN home b ON b.person_id = a.person_id AND b.year = a.year + 1
        LEFT JOIN moved m ON m.person_id = a.person_id AND m.year = a.year
        WHERE b.dwelling_id <> coalesce(m.to_dwelling, a.dwelling_id)""",
    )
    assert mismatches == 0
    # Whoever disappears from the register between two snapshots died or left the region that year.
    vanished = one(
        synth,
        """
        SELECT count(*) FROM ds_synth_persons_yearly a
        LEFT JOIN ds_synth_persons_yearly b ON b.person_id = a.person_id AND b.year = a.year + 1
        WHERE b.person_id IS NULL AND a.year < 2021 AND NOT EXISTS (
            SELECT 1 FROM ds_synth_events e WHERE e.person_id = a.person_id AND year(e.date) = a.year
            AND (e.event = 'death' OR (e.event = 'move' AND e.to_dwelling < 0)))""",
    )
    assert vanished == 0


def test_no_one_acts_after_death(synth: Store) -> None:
    assert (
        one(
            synth,
            """SELECT count(*) FROM ds_synth_events e JOIN ds_synth_persons p USING (person_id)
                         WHERE p.death_date IS NOT NULL AND e.date > p.death_date""",
        )
        == 0
    )


def test_children_live_with_a_parent(synth: Store) -> None:
    orphans = one(
        synth,
        """
        SELECT count(*) FROM ds_synth_persons_yearly c WHERE c.age < 18 AND NOT EXISTS (
            SELECT 1 FROM ds_synth_persons_yearly a WHERE a.household_id = c.household_id AND a.year = c.year
            AND a.age >= 18 AND a.role IN ('reference', 'partner'))""",
    )
    assert orphans == 0


def test_counts_per_buurt_add_up_through_the_registry(synth: Store) -> None:
    per_buurt = synth.query("""SELECT h.buurt_code, count(*) AS n FROM ds_synth_persons_yearly p
                               JOIN ds_synth_households h USING (household_id, year) WHERE year = 2018 GROUP BY 1""")
    parents = {r["code"]: r["parent_code"] for r in registry.list_areas(synth, year=2018)}
    per_buurt["wijk"] = per_buurt.buurt_code.map(parents)
    per_buurt["gemeente"] = per_buurt.wijk.map(parents)
    assert per_buurt.wijk.notna().all() and per_buurt.gemeente.notna().all()
    by_gm = per_buurt.groupby("gemeente").n.sum()
    direct = (
        synth.query("""SELECT 'GM' || substr(h.buurt_code, 3, 4) AS gm, count(*) AS n
                            FROM ds_synth_persons_yearly p JOIN ds_synth_households h USING (household_id, year)
                            WHERE year = 2018 GROUP BY 1""")
        .set_index("gm")
        .n
    )
    assert by_gm.sort_index().tolist() == direct.sort_index().tolist()
    assert by_gm.sum() == one(synth, "SELECT count(*) FROM ds_synth_persons_yearly WHERE year = 2018")


def test_young_families_leave_the_core_city_for_the_villages(synth: Store) -> None:
    flows = (
        synth.query("""
        SELECT substr(e.from_area, 3, 4) = '9901' AS from_core, count(*) AS n FROM ds_synth_events e
        JOIN ds_synth_persons_yearly p ON p.person_id = e.person_id AND p.year = year(e.date)
        JOIN ds_synth_households h ON h.household_id = p.household_id AND h.year = p.year
        WHERE e.event = 'move' AND h.household_type = 'couple_with_children'
          AND e.household_change IS NULL -- the whole household moves (not a child leaving home)
          AND e.from_area LIKE 'BU99%' AND e.to_area LIKE 'BU99%'
          AND (substr(e.from_area, 3, 4) = '9901') <> (substr(e.to_area, 3, 4) = '9901')
        GROUP BY 1""")
        .set_index("from_core")
        .n
    )
    assert flows[True] > 1.2 * flows[False] > 0  # net outflow from the core city, and some come back


def test_students_leave_for_university_cities(synth: Store) -> None:
    destinations = synth.query("""
        SELECT e.to_area, count(*) AS n FROM ds_synth_events e
        JOIN ds_synth_persons_yearly p ON p.person_id = e.person_id AND p.year = year(e.date)
        WHERE e.event = 'move' AND p.student IN ('hbo', 'wo') GROUP BY 1 ORDER BY 2 DESC""")
    top = destinations.iloc[0]
    assert top.to_area in ("GM9921", "GM9922", "GM9923")
    university = destinations[destinations.to_area.str.startswith("GM992")].n.sum()
    assert university > 0.6 * destinations.n.sum()


def test_most_adult_movers_change_household_around_the_move(synth: Store) -> None:
    share = one(
        synth,
        """
        WITH m AS (SELECT e.person_id, e.date FROM ds_synth_events e JOIN ds_synth_persons p USING (person_id)
                   WHERE e.event = 'move' AND date_diff('year', p.birth_date, e.date) >= 18),
             c AS (SELECT person_id, date FROM ds_synth_events WHERE event = 'household_change')
        SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM c WHERE c.person_id = m.person_id
                                     AND abs(date_diff('day', c.date, m.date)) <= 365) THEN 1 ELSE 0 END) FROM m""",
    )
    assert share > 0.5


def test_low_income_goes_with_youth_care(synth: Store) -> None:
    rates = (
        synth.query("""SELECT h.income_class, avg(p.youth_care::INT) AS rate FROM ds_synth_persons_yearly p
                           JOIN ds_synth_households h USING (household_id, year) WHERE p.age < 18
                           GROUP BY 1""")
        .set_index("income_class")
        .rate
    )
    assert rates["low"] > 1.4 * rates["high"]


def test_bad_arguments() -> None:
    with pytest.raises(UdcError, match="--years '2024-2015'"):
        parse_years("2024-2015")
    with pytest.raises(UdcError, match="too small"):
        generate(Store.__new__(Store), persons=10)


def test_an_interrupted_run_keeps_the_earlier_population_and_no_half_loaded_tables(
    population: Path, tmp_path: Path
) -> None:
    """Yearly batches load into staging tables while the simulation runs; only a complete run replaces the tables."""
    shutil.copytree(population, tmp_path / "s")
    with Store(tmp_path / "s") as store:
        before = {t: store.count(t) for t in ("ds_synth_persons_yearly", "ds_synth_events", "ds_synth_persons")}
        threads = store.con.execute("SELECT current_setting('threads')").fetchone()[0]

        def interrupt(year: int) -> None:
            if year == 2016:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            generate(store, persons=4_000, seed=3, years=(2015, 2018), progress=interrupt)
        assert {t: store.count(t) for t in before} == before
        staged = store.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '%stage%'")
        assert staged.empty
        assert store.con.execute("SELECT current_setting('threads')").fetchone()[0] == threads  # reset afterwards
