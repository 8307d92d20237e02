"""Every real file in ../shared/data goes in through the command a user would pick, or is refused in one line that
says why — never a traceback, never a silent partial import. The outcome of each is printed (pytest -s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import udc
from shared_data import DATA

AREA_FILES = {
    "gemeentelijke-indeling.csv",
    "RegioVanVestigingCodes.csv",
    "RegioVanVertrekCodes.csv",
    "municipalities.geojson",
    "provinces.geojson",
    "buurt_2022_parkstad.geojson",
    "RegioSCodes.csv",
    "gemeente_2018_limburg.geojson",
    "wijk_2022_parkstad.geojson",
    "gemeenten.json",
}
STATLINE = {
    "SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv",
    "Nabijheid_voorzieningen__buurt_2021_10022023_162519.csv",
    "Observations.csv",
}


def command(path: Path) -> list[str]:
    if path.name in AREA_FILES:
        return ["areas", "import", str(path)]
    if path.parent.name == "vjenne" or path.name in STATLINE:
        return ["statline", "import", str(path)]
    if path.name == "D-81734NED.json":  # the package's metadata (its observations are not in the folder)
        return ["statline", "import", str(path.parent)]
    return ["import", str(path), "--dataset", "t_" + "".join(c if c.isalnum() else "_" for c in path.stem.lower())[:40]]


FILES = sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.fixture(scope="module")
def store(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    path = tmp_path_factory.mktemp("real") / "store"
    shutil.copytree(registry_template, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(DATA)) for p in FILES])
def test_real_file_is_imported_or_refused_with_a_reason(store: Path, path: Path) -> None:
    result = udc("--store", str(store), *command(path), check=False)
    outcome = result.stdout.strip().splitlines()[0] if result.returncode == 0 else result.stderr.strip()
    how = " ".join(command(path)[:2]) if command(path)[0] != "import" else "import"
    print(
        f"\n| {path.relative_to(DATA)} | udc {how} | {'imported' if result.returncode == 0 else 'refused'}: "
        f"{outcome[:160]} |"
    )
    assert result.returncode in (0, 1)
    if result.returncode:
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
