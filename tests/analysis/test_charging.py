"""The laadpalen prognosis (issue 32): every buurt with electric cars, needed and present public connectors and the
gap, each count a function of the gate's protected counts; the NAL check finds exactly the planted cells; a release
records scenario and parameters in its hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import udc
from cli_runner import udc as run_udc
from udc import demo
from udc.analysis import charging
from udc.errors import UdcError
from udc.store import Store, catalogue
from udc.synth import charging as synthetic
from udc.synth.generate import generate

pytestmark = pytest.mark.slow  # a population of 100 000 and a study of ten years: seconds that the main step spares

KEYS = {"area_code", "evs", "needed", "present", "gap"}


def strict(text: str) -> list:
    """JSON as a program reads it: NaN or Infinity is an error, not a number."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 000 synthetic persons over 2019-2024 (the test demo's 12 000 fill no 500 m cell with 125 households) and
    the demo's charging points and release, as ``udc demo`` makes them."""
    path = tmp_path_factory.mktemp("laden") / "store"
    with Store(path) as store:
        generate(store, persons=100_000, seed=6, years=(2019, 2024))
    s = udc.open(path)
    with Store(path) as store:
        assert demo.laadpalen(store, user=s.user, audit=s.audit, seed=6) == ["laadpunten", "laadprognose"]
    return path


def test_every_buurt_has_the_keys_and_counts_are_whole_numbers(store_path: Path) -> None:
    ran = run_udc("--store", str(store_path), "laden", "prognose", "--region", "demoregio", "--year", "2030",
                  "--scenario", "midden", "--format", "json")  # fmt: skip
    rows = strict(ran.stdout)
    with Store(store_path, read_only=True) as store:
        buurten = charging.buurten_of(store, "demoregio")
    assert [r["area_code"] for r in rows] == buurten and all(set(r) >= KEYS for r in rows)
    for key in ("evs", "needed", "present", "gap"):
        assert all(r[key] is None or type(r[key]) is int for r in rows), key
    assert all(r["gap"] == r["needed"] - r["present"] for r in rows if r["gap"] is not None)
    assert sum(r["evs"] or 0 for r in rows) > 0 and {r["scenario"] for r in rows} == {"midden"}


def test_the_prognosis_is_made_of_protected_counts_only(store_path: Path) -> None:
    """A year already observed gives the gate's published count itself (never the register's true count), and a
    later year scales the protected cars: with ``evs_per_public_connector`` changed only ``needed`` moves."""
    s = udc.open(store_path)
    observed = s.laden.prognose("demoregio", year=2025, scenario="midden").rows.set_index("area_code")
    with Store(store_path, read_only=True) as store:
        truth = (
            store.query(
                "SELECT buurt_code::VARCHAR AS b, sum(electric_cars) AS n FROM ds_synth_households WHERE year = 2025 "
                "GROUP BY 1"
            )
            .set_index("b")
            .n
        )
    earlier = s.laden.prognose("demoregio", year=2022, scenario="midden").rows.set_index("area_code")
    with Store(store_path, read_only=True) as store:
        then = (
            store.query(
                "SELECT buurt_code::VARCHAR AS b, sum(electric_cars) AS n FROM ds_synth_households WHERE year = 2022 "
                "GROUP BY 1"
            )
            .set_index("b")
            .n
        )
    seen = earlier.evs.dropna()
    assert (seen - then.reindex(seen.index)).abs().max() <= 10  # an observed year is its own (found by an attack)
    shown = observed.evs.dropna()
    assert (shown != truth.reindex(shown.index)).any()  # the cell key's noise: not the true counts
    assert (shown - truth.reindex(shown.index)).abs().max() <= 10
    later = s.laden.prognose("demoregio", year=2035, scenario="hoog").rows.set_index("area_code")
    assert later.evs.sum() > observed.evs.sum()
    doubled = s.laden.prognose(
        "demoregio", year=2035, scenario="hoog", parameters=charging.Parameters(evs_per_public_connector=16)
    ).rows.set_index("area_code")
    assert (doubled.evs.fillna(-1) == later.evs.fillna(-1)).all() and doubled.needed.sum() < later.needed.sum()


def test_the_nal_check_flags_exactly_the_planted_cells(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        planted = synthetic.planted(store, 2025)
    assert planted.cells  # the planted buurt is dense enough to be found
    ran = run_udc("--store", str(store_path), "laden", "nal", "--region", "demoregio", "--format", "json")
    cells = strict(ran.stdout)
    assert sorted(c["cell"] for c in cells if c["flagged"]) == sorted(planted.cells)
    flagged = [c for c in cells if c["flagged"]]
    assert all(c["households"] >= 125 and c["nearest_m"] > 400 for c in flagged)
    buurt = next(r for r in udc.open(store_path).laden.prognose("demoregio", year=2030, scenario="midden").rows
                 .to_dict("records") if r["area_code"] == planted.buurt)  # fmt: skip
    assert buurt["present"] == 0 or buurt["public"] == 0  # households and electric cars, no public point
    assert buurt["evs"] > 0 and buurt["gap"] > 0


def test_a_release_records_scenario_and_parameters_in_its_hash(store_path: Path) -> None:
    s = udc.open(store_path)
    released = s.laden.released()
    assert released is not None and set(released.scenario) == {"laag", "midden", "hoog"}
    with pytest.raises(UdcError, match="laadprognose"):
        s.laden.release("demoregio", years=[2030], name="laadprognose_nal")  # the cells' table, never overwritten
    ten = charging.Parameters(evs_per_public_connector=10)
    for parameters in (ten, ten, None):
        s.laden.release("demoregio", years=[2030], scenarios=["midden"], parameters=parameters)
    with Store(store_path, read_only=True) as store:
        versions = catalogue.describe(store, "laadprognose")["versions"]
    hashes = [v["definition_hash"] for v in sorted(versions, key=lambda v: v["version"])]
    assert len(hashes) == 4 and all(hashes)
    assert hashes[1] == hashes[2] != hashes[3]  # the same parameters: the same hash; others: another
    assert hashes[0] not in (hashes[1], hashes[3])  # three scenarios and years against one
