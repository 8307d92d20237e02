"""Verhuisstromen from aggregated open data: an 81734NED package with the real metadata and code lists, and
observations written in the package's real shape (the real ones are a Git LFS pointer), every number known."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from udc.analysis import flows_open
from udc.areas import registry
from udc.errors import UdcError
from udc.sources.importer import import_statline_offline
from udc.store import Store

PARKSTAD = ["GM0917", "GM0899", "GM1954", "GM0882", "GM0928", "GM0986", "GM0965"]
# (vestiging = destination, vertrek = origin, year, persons)
OBSERVATIONS = [
    ("GM0928", "GM0917", 2019, 100),  # Heerlen → Kerkrade (neighbour)
    ("GM0917", "GM0928", 2019, 80),  # Kerkrade → Heerlen
    ("GM0363", "GM0917", 2019, 50),  # Heerlen → Amsterdam
    ("GM0917", "GM0363", 2019, 20),  # Amsterdam → Heerlen
    ("GM0917", "GM0935", 2019, 40),  # Maastricht → Heerlen (rest of the province)
    ("GM0917", "GM1954", 2019, 30),  # Beekdaelen → Heerlen (neighbour)
    ("PV27", "PV31", 2019, 999),  # region rows are sums of the municipal cells: never counted
    ("NL01", "NL01", 2019, 5000),
    ("GM0917", "GM0881", 2018, 10),  # Onderbanken → Heerlen: Onderbanken is part of Beekdaelen from 2019
    ("GM0962", "GM0951", 2018, 7),  # Nuth → Schinnen: both Beekdaelen from 2019, so a move within it
    ("GM0882", "GM0917", 2018, 15),  # Heerlen → Landgraaf
]


@pytest.fixture(scope="module")
def open_template(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package imported once per module (with the 2023 municipalities for adjacency); tests get copies."""
    from shared_data import DATA as data

    folder = tmp_path_factory.mktemp("open")
    path = folder / "store"
    shutil.copytree(registry_template, path)
    package = folder / "81734NED"
    package.mkdir()
    source = data / "algorithm_geovis"
    for name in (
        "D-81734NED.json",
        "Dimensions.csv",
        "MeasureCodes.csv",
        "PeriodenCodes.csv",
        "RegioVanVertrekCodes.csv",
        "RegioVanVestigingCodes.csv",
    ):
        (package / name).symlink_to(source / name)
    lines = ["Id;Measure;ValueAttribute;Value;RegioVanVestiging;RegioVanVertrek;Perioden"]
    lines += [
        f'{i};"M000171";"None";{n};"{dest:<10}";"{orig:<10}";"{year}JJ00"'
        for i, (dest, orig, year, n) in enumerate(OBSERVATIONS)
    ]
    (package / "Observations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Store(path) as store:
        registry.import_file(store, data / "open_data_maps" / "gemeenten.json")  # 2023 adjacency
        registry.define_region(store, "parkstad", PARKSTAD, "Parkstad Limburg")
        import_statline_offline(store, package, name="verhuizingen")
    return path


@pytest.fixture
def open_store(open_template: Path, tmp_path: Path) -> Store:
    shutil.copytree(open_template, tmp_path / "store")
    with Store(tmp_path / "store") as store:
        yield store


def _counts(table: flows_open.FlowTable, *keys: str) -> dict:
    frame = table.frame.set_index(list(keys))["count"]
    return frame.to_dict()


def test_balance_and_classes_of_one_municipality(open_store: Store) -> None:
    kw = {"years": (2019, 2019)}
    balance = _counts(flows_open.flows(open_store, "verhuizingen", "GM0917", **kw), "direction")
    assert balance == {"in": 170, "out": 150, "Totaal": 320}  # region rows (999, 5000) are not moves
    dest = flows_open.flows(open_store, "verhuizingen", "GM0917", view="destinations", **kw).frame
    by_class = dest[dest.other_gm == "Totaal"].set_index("other_class")["count"].to_dict()
    assert by_class == {"neighbour": 100, "rest_of_country": 50, "Totaal": 150}
    orig = flows_open.flows(open_store, "verhuizingen", "GM0917", view="origins", **kw).frame
    by_class = orig[orig.other_gm == "Totaal"].set_index("other_class")["count"].to_dict()
    assert by_class == {"neighbour": 110, "rest_of_province": 40, "rest_of_country": 20, "Totaal": 170}


def test_region_span_rebased_to_the_merger(open_store: Store) -> None:
    table = flows_open.flows(open_store, "verhuizingen", "parkstad", years=(2018, 2019))
    assert _counts(table, "direction") == {"in": 60, "out": 50, "within": 242, "Totaal": 352}
    assert any("GM0881" in note and "GM0951" in note for note in table.notes)  # said what was re-based
    od = flows_open.flows(open_store, "verhuizingen", "parkstad", view="od", years=(2018, 2019)).frame
    assert od[(od.from_gm == "GM1954") & (od.to_gm == "GM1954")]["count"].item() == 7  # Nuth → Schinnen
    assert od[(od.from_gm == "GM1954") & (od.to_gm == "GM0917")]["count"].item() == 40  # incl. Onderbanken
    trend = _counts(
        flows_open.flows(open_store, "verhuizingen", "GM0917", view="trend", years=(2018, 2019)), "year", "direction"
    )
    assert trend[("2018", "out")] == 15 and trend[("2019", "in")] == 170


def test_views_needing_microdata_are_refused(open_store: Store) -> None:
    with pytest.raises(UdcError, match="needs microdata"):
        flows_open.flows(open_store, "verhuizingen", "GM0917", view="triggers", years=(2019, 2019))
