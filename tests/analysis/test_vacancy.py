"""Leegstand from linked registers (issue 33, item 2): the demo's BAG extract (imported as a municipality imports its
own) linked to the households of its 1 January gives vacant dwellings per buurt and gemeente through the gate —
within the cell key's noise of the synthetic truth; the linked table itself is microdata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import udc
from udc.store import Store, catalogue


def test_vacant_dwellings_through_the_gate_match_the_synthetic_truth(demo_store: Path) -> None:
    ran = udc("--store", str(demo_store), "leegstand", "woningen", "--level", "gemeente", "--format", "json")
    rows = {r["area_code"]: r for r in json.loads(ran.stdout, parse_constant=pytest.fail)}
    with Store(demo_store, read_only=True) as store:
        year = int(str(catalogue.get(store, "bag_verblijfsobjecten").period_start)[:4])
        assert catalogue.get(store, "bag_bewoning").sensitivity == "microdata"
        truth = store.query(
            "SELECT substr(buurt_code, 3, 4) AS g, count(*) AS stock, sum(vacant::INT) AS vacant, "
            "sum(vacant_long::INT) AS vacant_long FROM ds_synth_dwelling_stock WHERE year = ? GROUP BY 1",
            [year],
        ).set_index("g")
    assert set(rows) == {f"GM{g}" for g in truth.index}
    for g, t in truth.iterrows():
        row = rows[f"GM{g}"]
        for key in ("stock", "vacant", "vacant_long"):
            assert type(row[key]) is int and abs(row[key] - t[key]) <= 5, (g, key, row[key], t[key])
        assert row["rate"] == pytest.approx(100 * row["vacant"] / row["stock"], abs=0.05)
    perturbed = sum(rows[f"GM{g}"]["vacant"] != t.vacant for g, t in truth.iterrows())
    assert perturbed > 0  # the gate's noise: not the register's true counts


def test_buurten_are_protected_like_every_count(demo_store: Path) -> None:
    ran = udc("--store", str(demo_store), "leegstand", "woningen", "--area", "GM9901", "--format", "json")
    rows = json.loads(ran.stdout, parse_constant=pytest.fail)
    assert rows and all(r["area_code"].startswith("BU9901") for r in rows)
    small = [r for r in rows if r["vacant"] is not None]
    assert all(r["vacant"] == 0 or r["vacant"] >= 10 for r in small)  # the policy's threshold
    refused = udc("--store", str(demo_store), "leegstand", "woningen", "--user", "niemand", check=False)
    assert refused.returncode != 0
