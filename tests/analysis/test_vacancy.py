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
            if row[key] is None:  # withheld: only a count the noise can take under the threshold
                assert t[key] < 15, (g, key, t[key])
                continue
            assert type(row[key]) is int and abs(row[key] - t[key]) <= 5, (g, key, row[key], t[key])
        if row["vacant"] is not None:
            assert row["rate"] == pytest.approx(100 * row["vacant"] / row["stock"], abs=0.05)
    perturbed = sum(rows[f"GM{g}"]["vacant"] != t.vacant for g, t in truth.iterrows())
    assert perturbed > 0  # the gate's noise: not the register's true counts
    ran = udc("--store", str(demo_store), "leegstand", "woningen", "--level", "buurt", "--format", "json")
    buurten = json.loads(ran.stdout, parse_constant=pytest.fail)
    with Store(demo_store, read_only=True) as store:
        per_buurt = store.query(
            "SELECT buurt_code, count(*) AS stock, sum(vacant::INT) AS vacant FROM ds_synth_dwelling_stock "
            "WHERE year = ? GROUP BY 1",
            [year],
        ).set_index("buurt_code")
    published = [b for b in buurten if b["vacant"] is not None]
    assert len(published) >= 3  # the test demo's 12 000 persons: few buurten reach the threshold of 10 vacant
    for b in published:  # every published buurt within the cell key's noise of the truth
        assert abs(b["vacant"] - per_buurt.loc[b["area_code"], "vacant"]) <= 5, b
        assert abs(b["stock"] - per_buurt.loc[b["area_code"], "stock"]) <= 5, b


def test_buurten_are_protected_like_every_count(demo_store: Path) -> None:
    ran = udc("--store", str(demo_store), "leegstand", "woningen", "--area", "GM9901", "--format", "json")
    rows = json.loads(ran.stdout, parse_constant=pytest.fail)
    assert rows and all(r["area_code"].startswith("BU9901") for r in rows)
    small = [r for r in rows if r["vacant"] is not None]
    assert all(r["vacant"] == 0 or r["vacant"] >= 10 for r in small)  # the policy's threshold
    refused = udc("--store", str(demo_store), "leegstand", "woningen", "--user", "niemand", check=False)
    assert refused.returncode != 0


def test_only_an_admin_imports_the_linked_bag_and_links_it(demo_store: Path, tmp_path: Path) -> None:
    """Found by a cold attack: an analyst imported a BAG of made-up objects around one real address, a researcher
    linked it, and the gate's vacant cell with and without the address told whether anybody lived there (the cell
    key's noise is a function of the records a caller chose). The linked BAG is the store's own, an admin's import."""
    from udc.analysis import vacancy
    from udc.errors import UdcError

    store = str(demo_store)
    udc("--store", store, "users", "add", "ana", "--role", "analyst")
    udc("--store", store, "users", "add", "rita", "--role", "researcher")
    fake = tmp_path / "bag.csv"
    fake.write_text("identificatie;gebruiksdoel;status;oppervlakte;x;y\n"
                    "9901010000000001;woonfunctie;Verblijfsobject in gebruik;80;40000;520000\n")  # fmt: skip
    refused = udc("--store", store, "bag", "import", str(fake), "--year", "2022", "--user", "ana", check=False)
    assert refused.returncode != 0 and "may not import the BAG the registers are linked to" in refused.stderr
    mine = udc("--store", store, "bag", "import", str(fake), "--year", "2022", "--dataset", "ana_bag", "--user", "ana")
    assert mine.returncode == 0  # an analyst's own extract, for her own use: never linked
    linked = udc("--store", store, "leegstand", "link", "--user", "rita", check=False)
    assert linked.returncode != 0  # a researcher does not link
    with Store(demo_store) as opened, pytest.raises(UdcError, match="own BAG"):
        vacancy.link(opened, salt=b"k" * 32, bag="ana_bag")


def test_a_gemeente_level_table_is_gemeente_level(demo_store: Path) -> None:
    from udc.analysis.vacancy import LINKED
    from udc.privacy.gate import _level
    from udc.privacy.request import TableRequest

    assert _level(TableRequest(dataset=LINKED, dimensions=["gemeente_code", "vacant"])) == "gemeente"
