"""Leegstand beside CBS's own figure (issue 33): on Heerlen's real Kerncijfers wijken en buurten (2016-2020,
../shared/data) the register-based vacancy per buurt sits beside the KWB's "% onbewoonde woningen" where both exist.

Heerlen's registers are not in ../shared/data: a BAG extract (NLExtract's CSV shape) and a households table in the
microdata contract's shape are built here for five real Heerlen buurten — 60 dwellings each, 15 without a household
on 1 January 2020 — at the buurten's real places."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from cli_runner import udc
from udc.areas import registry
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.store import Store, catalogue


@pytest.fixture
def heerlen(heerlen_kwb_template: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "store"
    shutil.copytree(heerlen_kwb_template, path)
    with Store(path, read_only=True) as store:
        _, shapes = registry.shapes(store, "BU", 2020)
        chosen = [(c, shapely.from_wkb(g).representative_point()) for c, g in shapes if c.startswith("BU0917")][:5]
    to_rd = _transformer(WGS84, RD_NEW)
    lines, households = ["identificatie;gebruiksdoel;status;oppervlakte;x;y"], []
    for b, (_code, point) in enumerate(chosen):
        x, y = to_rd.transform(point.x, point.y)
        for d in range(60):
            ident = f"0917{b:02d}00000{d:05d}"
            lines.append(f"{ident};woonfunctie;Verblijfsobject in gebruik;90;{x:.1f};{y:.1f}")
            for year in (2019, 2020):
                if d >= 15 or (year == 2019 and d >= 8):  # 15 empty on 1 January 2020, 8 of them a year before too
                    households.append((year, b * 1000 + d, "single", ident))
    bag = tmp_path / "bag.csv"
    bag.write_text("\n".join(lines) + "\n")
    udc("--store", str(path), "bag", "import", str(bag), "--year", "2020")
    frame = pd.DataFrame(households, columns=["year", "household_id", "household_type", "verblijfsobject"])
    frame["record_key"] = (np.arange(len(frame)) * 2_654_435_761) % 2**32
    with Store(path) as store:
        entry = catalogue.Dataset(
            name="huishoudens", title="Huishoudens (testregister)", source="test", sensitivity="microdata",
            provenance={"contract": "households", "registered_at": "2026-12-03"},
        )  # fmt: skip
        catalogue.save(store, entry, frame)
    return path, [c for c, _ in chosen]


def test_the_register_figure_sits_beside_the_kwb_figure(heerlen: tuple) -> None:
    path, buurten = heerlen
    udc("--store", str(path), "leegstand", "link")
    ran = udc("--store", str(path), "leegstand", "woningen", "--area", "GM0917", "--format", "json")
    rows = {r["area_code"]: r for r in json.loads(ran.stdout, parse_constant=pytest.fail)}
    with Store(path, read_only=True) as store:
        kwb = store.query(
            "SELECT area_code, year, value FROM ds_kwb WHERE variable = 'pct_onbewoond' AND status = 'published'"
        )
    both = 0
    for code in buurten:
        row = rows[code]
        assert abs(row["stock"] - 60) <= 5 and abs(row["vacant"] - 15) <= 5  # the register, through the gate
        published = kwb[(kwb.area_code == code) & (kwb.year <= 2020)]
        if published.empty:
            assert row["kwb_pct_onbewoond"] is None
            continue
        newest = published.sort_values("year").iloc[-1]
        assert row["kwb_year"] == newest.year and row["kwb_pct_onbewoond"] == pytest.approx(newest.value)
        both += 1
    assert both >= 3  # CBS's figure beside the register's for most of the five real buurten
