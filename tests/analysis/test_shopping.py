"""Winkelgebieden (issue 33, item 3): shopping areas drawn as polygons; per area and year the shop premises, vacant,
long-term vacant, rate and churn — and the demo's planted rise of vacancy in Noorderbroek's centre from 2021 is
visible in its series, not in the core city's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import udc
from cli_runner import udc as run_udc
from udc import demo
from udc.store import Store
from udc.synth.generate import generate

pytestmark = pytest.mark.slow  # a population of 60 000 over eight years


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("winkels") / "store"
    with Store(path) as store:
        generate(store, persons=60_000, seed=2, years=(2017, 2024))
    s = udc.open(path)
    with Store(path) as store:
        demo.leegstand(store, user=s.user, audit=s.audit, seed=2)
    return path


def test_the_planted_rise_shows_in_one_shopping_area(store_path: Path) -> None:
    ran = run_udc("--store", str(store_path), "winkelgebieden", "leegstand", "--format", "json")
    rows = json.loads(ran.stdout, parse_constant=pytest.fail)
    series = {(r["area"], r["year"]): r for r in rows}
    assert {a for a, _ in series} == {"Centrum Kernstad", "Centrum Noorderbroek"}

    def change(area: str) -> float:
        before = [series[(area, y)]["rate"] for y in (2018, 2019, 2020)]
        after = [series[(area, y)]["rate"] for y in (2023, 2024, 2025)]
        return sum(after) / 3 - sum(before) / 3

    assert change("Centrum Noorderbroek") > change("Centrum Kernstad") + 10  # percentage points
    for r in rows:
        assert all(type(r[k]) is int for k in ("premises", "vacant", "vacant_long", "closures", "openings"))
        assert r["vacant_long"] <= r["vacant"] <= r["premises"] > 0


def test_a_shopping_area_file_is_checked(store_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"properties": {}, "geometry": '
                   '{"type": "Point", "coordinates": [3.5, 52.6]}}]}')  # fmt: skip
    ran = run_udc("--store", str(store_path), "winkelgebieden", "import", str(bad), check=False)
    assert ran.returncode != 0 and "row 1, field 'properties.name'" in ran.stderr
    refused = run_udc("--store", str(store_path), "winkelgebieden", "leegstand", "--user", "niemand", check=False)
    assert refused.returncode != 0
    junk = tmp_path / "junk.geojson"
    junk.write_text('{"type": "FeatureCollection", "features": [1]}')
    ran = run_udc("--store", str(store_path), "winkelgebieden", "import", str(junk), check=False)
    assert ran.returncode != 0 and "row 1, field 'feature'" in ran.stderr and "Traceback" not in ran.stderr
    run_udc("--store", str(store_path), "users", "add", "bob", "--role", "analyst", "--scopes", "GM9902")
    drawn = run_udc("--store", str(store_path), "winkelgebieden", "import", str(bad), "--user", "bob", check=False)
    assert drawn.returncode != 0 and "draw the shopping areas" in drawn.stderr  # an admin draws them, for everyone


def test_an_analyst_counts_only_the_premises_of_her_scopes(store_path: Path) -> None:
    """A polygon drawn around premises outside an analyst's gemeenten counts nothing there (the premises register
    is internal: analysts read it per scope)."""
    run_udc("--store", str(store_path), "users", "add", "ana", "--role", "analyst", "--scopes", "GM9901")
    ran = run_udc("--store", str(store_path), "winkelgebieden", "leegstand", "--user", "ana", "--format", "json")
    areas = {r["area"] for r in json.loads(ran.stdout)}
    assert areas == {"Centrum Kernstad"}  # Noorderbroek (GM9902) lies outside her scope
