"""The same definitions on open data: CBS Kerncijfers 2023 for every municipality (the real gemeenten.json) —
Heerlen's value, the Netherlands' value and Heerlen's rank among municipalities of its urbanisation class, each
checked against a computation of the test's own from the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_runner import udc
from shared_data import DATA

KERNCIJFERS = DATA / "open_data_maps" / "gemeenten.json"
DEFINITIONS = {
    "aandeel_mannen": ("percent", "mannen", "aantalInwoners", "neutral"),
    "inwoners_per_ha_land": ("ratio", "aantalInwoners", "oppervlakteLandInHa", "neutral"),
}


@pytest.fixture(scope="module")
def store(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("open")
    path = folder / "store"
    shutil.copytree(registry_template, path)
    udc("--store", str(path), "areas", "import", str(KERNCIJFERS))  # GM0998 (Buitenland) is only in this file
    udc(
        "--store",
        str(path),
        "import",
        str(KERNCIJFERS),
        "--dataset",
        "kerncijfers_2023",
        "--area-column",
        "gemeentecode",
        "--period-column",
        "jaar",
        "--sensitivity",
        "open",
    )
    for name, (unit, numerator, denominator, polarity) in DEFINITIONS.items():
        definition = folder / f"{name}.yaml"
        definition.write_text(
            json.dumps(
                {
                    "id": name,
                    "version": 1,
                    "title": {"nl": name, "en": name},
                    "description": {"nl": name, "en": name},
                    "theme": "bevolking",
                    "unit": unit,
                    "universe": {"nl": "gemeenten", "en": "municipalities"},
                    "numerator": {"dataset": "kerncijfers_2023", "measure": numerator, "area": "area_code"},
                    "denominator": {"dataset": "kerncijfers_2023", "measure": denominator, "area": "area_code"},
                    "levels": ["gemeente", "total"],
                    "polarity": polarity,
                    "source": "CBS Kerncijfers wijken en buurten 2023",
                }
            )
        )
        udc("--store", str(path), "indicators", "add", str(definition))
    return path


def own_figures() -> list[dict]:
    return [
        f["properties"]
        for f in json.loads(KERNCIJFERS.read_text(encoding="utf-8"))["features"]
        if f["properties"].get("aantalInwoners") is not None
    ]


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_heerlen_against_the_netherlands_and_its_urbanisation_class(store: Path, name: str) -> None:
    unit, numerator, denominator, _ = DEFINITIONS[name]
    scale = 100 if unit == "percent" else 1
    rows = own_figures()
    value = {r["gemeentecode"]: scale * r[numerator] / r[denominator] for r in rows}
    heerlen = next(r for r in rows if r["gemeentecode"] == "GM0917")
    netherlands = scale * sum(r[numerator] for r in rows) / sum(r[denominator] for r in rows)
    peers = [
        r["gemeentecode"] for r in rows if r["stedelijkheidAdressenPerKm2"] == heerlen["stedelijkheidAdressenPerKm2"]
    ]
    rank = 1 + sum(value[p] > value["GM0917"] for p in peers)  # higher first
    result = json.loads(
        udc(
            "--store",
            str(store),
            "indicators",
            "benchmark",
            "GM0917",
            "--indicator",
            name,
            "--year",
            "2023",
            "--format",
            "json",
        ).stdout
    )[0]
    assert result["value"] == pytest.approx(value["GM0917"], abs=0.05)  # the CLI prints the indicator's decimals
    assert result["reference_nl"] == pytest.approx(netherlands, abs=0.05)
    assert result["peer_group"] == str(heerlen["stedelijkheidAdressenPerKm2"])
    assert (result["peer_rank"], result["peer_count"]) == (rank, len(peers))
    assert sorted(result["peers"]) == sorted(peers) and result["significant"] is None  # published figures: no interval
