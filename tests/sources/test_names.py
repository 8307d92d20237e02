"""Municipality names as people write them (the 2023 woonplaatsen file), aliases, former municipalities, and a
clear reason when the registry has no areas of the asked kind at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import udc as api
from cli_runner import udc
from shared_data import DATA

PP = DATA / "p2000_woonplaatsen" / "4pp-final-2023.csv"
EXPECTED = {
    "Den Haag": "GM0518",
    "Den Bosch": "GM0796",
    "Beek": "GM0888",
    "Laren": "GM0417",
    "Middelburg": "GM0687",
    "Rijswijk": "GM0603",
    "Stein": "GM0971",
}


def test_common_names_match_in_the_2023_file(registry_template: Path, tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "s"
    shutil.copytree(registry_template, store)
    base = [
        "--store",
        str(store),
        "import",
        str(PP),
        "--area-column",
        "gemeente",
        "--area-kind",
        "gemeente",
        "--year",
        "2023",
        "--key",
        "woonplaats",
    ]
    refused = udc(*base, "--dataset", "pp", check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert (
        "name 'Bergen' matches several areas (an alias file, --aliases, says which); did you mean GM0373, "
        "GM0893" in refused.stderr
    )  # Bergen (NH.) or Bergen (L.): never guessed
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias;name\nBergen;Bergen (NH.)\n")
    helden = udc(*base, "--dataset", "pp", "--aliases", str(aliases), check=False)
    assert (
        "name 'Helden' matches no area; did you mean GM0918 (a municipality until 2010; its successor is not in "
        "the registry's changes: --aliases can name it)" in helden.stderr
    )
    aliases.write_text("alias;name\nBergen;Bergen (NH.)\nHelden;Peel en Maas\n")
    out = udc(*base, "--dataset", "pp", "--aliases", str(aliases)).stdout
    assert "4 alias" in out and "5 without province suffix" in out  # Den Haag, Den Bosch, Bergen, Helden
    frame = api.open(store).read("pp")
    codes = frame.drop_duplicates("gemeente").set_index("gemeente")["area_code"]
    assert {name: codes[name] for name in EXPECTED} == EXPECTED
    assert codes["Bergen"] == "GM0373" and codes["Helden"] == "GM1894"  # Helden went into Peel en Maas in 2010
    assert "1 row(s) without an area name (kept, without a code): rows 591" in out  # Veen has no gemeente
    assert frame.area_code.isna().sum() == 1 and len(frame) == len(pd.read_csv(PP))  # no row dropped


def test_no_buurten_of_a_municipality_is_explained(registry_template: Path, tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "s"
    shutil.copytree(registry_template, store)
    nabijheid = DATA / "inverseGerrymandering" / "Nabijheid_voorzieningen__buurt_2021_10022023_162519.csv"
    result = udc(
        "--store",
        str(store),
        "import",
        str(nabijheid),
        "--dataset",
        "nabij",
        "--area-column",
        "Wijken en buurten",
        "--area-kind",
        "buurt",
        "--within",
        "GM0363",
        "--year",
        "2021",
        check=False,
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "the registry has no buurt in GM0363 (Amsterdam) in any year" in result.stderr


def test_a_former_municipality_matches_its_successor_through_the_crosswalk(registry_store: object) -> None:
    from udc.sources.names import match_names

    report = match_names(registry_store, ["Nuth", "Schinnen", "Heerlen"], 2023, kinds=["GM"])  # type: ignore[arg-type]
    found = {m.name: (m.code, m.how) for m in report.matches}
    assert found == {
        "Nuth": ("GM1954", "former municipality"),
        "Schinnen": ("GM1954", "former municipality"),
        "Heerlen": ("GM0917", "exact"),
    }
