"""The microdata contract: the demo population fulfils it, a register under other names mapped onto it gives the
flows study exactly the demo's answer, and a register that breaks it is refused in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import udc as api
from cli_runner import udc
from udc.errors import NotFound
from udc.store import Store, catalogue

RENAMED = {  # contract table: (demo table, {contract field: register column})
    "persons": (
        "synth_persons",
        {"person_id": "rinpersoon", "birth_date": "gbageboortedatum", "sex": "geslacht", "record_key": "sleutel"},
    ),
    "events": (
        "synth_events",
        {
            "person_id": "rinpersoon",
            "date": "datum",
            "event": "soort",
            "household_change": "hh_wijziging",
            "from_area": "van_buurt",
            "to_area": "naar_buurt",
        },
    ),
    "persons_yearly": (
        "synth_persons_yearly",
        {
            "year": "jaar",
            "person_id": "rinpersoon",
            "household_id": "hh_nr",
            "buurt_code": "buurt",
            "role": "positie",
            "age": "leeftijd",
            "student": "onderwijs",
            "record_key": "sleutel",
        },
    ),
    "households": (
        "synth_households",
        {"year": "jaar", "household_id": "hh_nr", "household_type": "hh_type", "income_class": "inkomensklasse"},
    ),
}


def test_the_demo_population_fulfils_the_contract(demo_store: Path) -> None:
    from udc.sources import contract

    with Store(demo_store, read_only=True) as store:
        assert {t: contract.find(store, t) for t in contract.CONTRACT} == {t: d for t, (d, _) in RENAMED.items()}
        for table, (demo, _) in RENAMED.items():
            contract.check(store, demo, table)  # types, key, required values, domains: raises on any breach


def test_a_register_under_other_names_gives_the_same_flows(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    s = api.open(store)
    before = s.flows.table("demoregio", years="2020-2021", group="young-families", view="destinations").frame
    with Store(store, read_only=True) as raw:  # the registers arrive as files with their own column names
        for table, (demo, names) in RENAMED.items():
            frame = catalogue.read(raw, demo)[list(names)].rename(columns=names)
            frame.to_parquet(tmp_path / f"{table}.parquet", index=False)
    for table, (_, names) in RENAMED.items():
        udc(
            "--store",
            str(store),
            "import",
            str(tmp_path / f"{table}.parquet"),
            "--dataset",
            f"register_{table}",
            "--sensitivity",
            "microdata",
        )
        mapping = ",".join(f"{field}={column}" for field, column in names.items())
        out = udc(
            "--store", str(store), "microdata", "register", f"register_{table}", "--as", table, "--map", mapping
        ).stdout
        assert f"{table}_register_{table}: registered as contract table {table}" in out
    after = s.flows.table("demoregio", years="2020-2021", group="young-families", view="destinations", rebuild=True)
    pd.testing.assert_frame_equal(after.frame.reset_index(drop=True), before.reset_index(drop=True))
    lineage = {r["input"] for r in api.open(store).describe("flows_moves")["lineage"]}
    assert {f"{t}_register_{t}" for t in RENAMED} <= lineage  # the study read the registered tables


def test_a_register_that_breaks_the_contract_is_refused(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    with Store(store, read_only=True) as raw:
        households = catalogue.read(raw, "synth_households")[["year", "household_id", "household_type", "income_class"]]
    households.loc[households.index[:3], "income_class"] = "modaal"
    households.to_parquet(tmp_path / "hh.parquet", index=False)
    udc("--store", str(store), "import", str(tmp_path / "hh.parquet"), "--dataset", "hh", "--sensitivity", "microdata")
    refused = udc("--store", str(store), "microdata", "register", "hh", "--as", "households", check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert (
        "contract field 'income_class' (column 'income_class' of hh): values outside low, middle, high: "
        "'modaal' (3×)" in refused.stderr
    )
    unknown = udc("--store", str(store), "microdata", "register", "hh", "--as", "huishoudens", check=False)
    assert "--as huishoudens: expected one of persons, events, persons_yearly, households" in unknown.stderr


def test_a_study_without_its_contract_tables_says_which_one_is_missing(tmp_path: Path) -> None:
    from udc.analysis import flows

    with (
        Store(tmp_path / "empty") as store,
        pytest.raises(NotFound, match="no dataset is registered as contract table 'events'"),
    ):
        flows.prepare(store)
