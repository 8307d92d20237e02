"""Definition packages: exported from one store, verified on this engine and imported into another store, where the
definition then runs on that store's own data; a package changed after export is refused with a one-line error
naming the file (and row) that differs."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import udc as api
from cli_runner import udc

OWN = {
    "id": "jeugd_jeugdzorg_0_11",
    "version": 1,
    "theme": "jeugd",
    "unit": "percent",
    "title": {"nl": "Kinderen 0-11 met jeugdzorg", "en": "Children 0-11 in youth care"},
    "description": {"nl": "Kinderen van 0 tot 12 jaar met jeugdzorg.", "en": "Children aged 0-11 in youth care."},
    "numerator": {
        "dataset": "synth_persons_yearly",
        "filters": [{"column": "age", "between": [0, 11]}, {"column": "youth_care", "values": ["true"]}],
    },
    "denominator": {"dataset": "synth_persons_yearly", "filters": [{"column": "age", "between": [0, 11]}]},
    "universe": {"nl": "Kinderen 0-11", "en": "Children 0-11"},
    "levels": ["buurt", "wijk", "gemeente", "total"],
    "polarity": "higher_is_worse",
    "source": "Gemeente Kernstad (fictief)",
}


@pytest.fixture(scope="module")
def package(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    (folder / "own.yaml").write_text(json.dumps(OWN))
    udc("--store", str(demo_store), "indicators", "add", str(folder / "own.yaml"))
    out = folder / "jeugd.zip"
    udc(
        "--store",
        str(demo_store),
        "definitions",
        "export",
        "jeugd_jeugdzorg_0_11,bevolking_vertrek",
        "--out",
        str(out),
        "--organisation",
        "Gemeente Kernstad",
    )
    return out


def _rewrite(source: Path, target: Path, name: str, change: Callable[[bytes], bytes], fix_hash: bool = False) -> Path:
    import hashlib

    with zipfile.ZipFile(source) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    files[name] = change(files[name])
    if fix_hash:
        manifest = json.loads(files["manifest.json"])
        manifest["sha256"][name] = hashlib.sha256(files[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for file, data in files.items():
            archive.writestr(file, data)
    return target


def test_the_manifest_describes_what_the_package_needs(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert manifest["organisation"] == "Gemeente Kernstad" and manifest["schema_version"] == 1
    assert [d["id"] for d in manifest["definitions"]] == ["jeugd_jeugdzorg_0_11", "bevolking_vertrek"]
    assert manifest["requires"]["synth_persons_yearly"] == {
        "columns": ["age", "buurt_code", "year", "youth_care"],
        "contract": "persons_yearly",
    }
    assert manifest["requires"]["synth_events"]["columns"] == ["date", "event", "from_area"]
    assert set(manifest["sha256"]) | {"manifest.json"} == names


def test_verified_and_imported_elsewhere_then_run_on_that_stores_own_data(package: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    udc(
        "--store",
        str(other),
        "demo",
        "--persons",
        "3000",
        "--seed",
        "11",
        "--years",
        "2020-2021",
        "--quiet",
        "--no-publish",
    )
    report = json.loads(udc("--store", str(other), "definitions", "import", str(package), "--format", "json").stdout)[0]
    assert report["added"] == ["jeugd_jeugdzorg_0_11"] and report["ready_to_run"] is True
    assert report["fixture_cells"] > 0 and report["largest_difference"] < 1e-6  # the CSV keeps 10 digits
    assert any("bevolking_vertrek: built in here (the same definition" in n for n in report["notes"])
    frame = api.open(other).indicators.compute(["jeugd_jeugdzorg_0_11"], years="2021", levels=["total"])
    assert frame.status.iloc[0] == "published" and 0 < frame.value.iloc[0] < 100


@pytest.fixture
def registry_store(registry_template: Path, tmp_path: Path) -> Path:
    """A store with the area registers and no microdata (closed: the CLI opens it)."""
    shutil.copytree(registry_template, tmp_path / "registry-store")
    return tmp_path / "registry-store"


def test_a_store_without_the_data_learns_what_it_lacks(package: Path, registry_store: Path) -> None:
    report = json.loads(
        udc("--store", str(registry_store), "definitions", "verify", str(package), "--format", "json").stdout
    )[0]
    assert report["ready_to_run"] is False
    assert report["missing"] == ["dataset synth_events", "dataset synth_persons_yearly"]
    assert not (registry_store / "indicators" / "jeugd_jeugdzorg_0_11.yaml").exists()  # verify adds nothing


def test_changed_packages_are_refused(package: Path, tmp_path: Path, registry_store: Path) -> None:
    definition = _rewrite(
        package, tmp_path / "a.zip", "definitions/jeugd_jeugdzorg_0_11.yaml", lambda b: b.replace(b"- 11", b"- 12")
    )
    ran = udc("--store", str(registry_store), "definitions", "import", str(definition), check=False)
    assert ran.returncode == 1
    assert "definitions/jeugd_jeugdzorg_0_11.yaml: sha256 differs from the manifest" in ran.stderr

    def lower_first_value(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        fields = lines[1].split(",")
        fields[4] = str(float(fields[4]) + 1)  # the first numerator
        return "\n".join([lines[0], ",".join(fields), *lines[2:]]).encode()

    expected = _rewrite(package, tmp_path / "b.zip", "expected.csv", lower_first_value, fix_hash=True)
    ran = udc("--store", str(registry_store), "definitions", "verify", str(expected), check=False)
    assert ran.returncode == 1 and "expected.csv row 2" in ran.stderr and "numerator" in ran.stderr
    (tmp_path / "c.zip").write_text("not a zip")
    ran = udc("--store", str(registry_store), "definitions", "verify", str(tmp_path / "c.zip"), check=False)
    assert ran.returncode == 1 and "not a zip file" in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
    assert not (registry_store / "indicators").exists()


def test_only_an_admin_handles_packages(package: Path, demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "s"
    shutil.copytree(demo_store, store)
    udc(
        "--store",
        str(store),
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--scopes",
        "GM9901",
        "--password-env",
        "PW",
        env={"PW": "a-long-password-1"},
    )
    ran = udc("--store", str(store), "definitions", "verify", str(package), "--user", "ana", check=False)
    assert ran.returncode == 1 and "may not verify definition packages" in ran.stderr
