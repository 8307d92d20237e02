"""Spark's hand-over folder (``STORE/.spark``: whole microdata tables as Parquet, person ids included) is the store
owner's only while the job runs and removed after it, unless ``UDC_SPARK_KEEP`` asks to keep it; a dataset is handed
over once per version of that dataset, partitioned by year, and can live on storage the executors share
(``UDC_SPARK_HANDOVER``)."""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
import pytest

from udc import settings
from udc.privacy import engine
from udc.privacy.access import User
from udc.privacy.audit import store_log
from udc.privacy.gate import crosstab
from udc.privacy.request import TableRequest
from udc.store import Store, catalogue, spark

# the slow step, on the Spark standalone cluster the tests start (tests/conftest.py), in one worker's session
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_cluster")]
XDIST_GROUP = "spark"
REQUEST = TableRequest(dataset="synth_persons_yearly", dimensions=["education"])


def _job(store: Store) -> dict[str, tuple[str, int]]:
    """One gate table on Spark; what the hand-over folder holds while the job runs: path → (dir or file, mode)."""
    with engine.using(store, "spark"):
        crosstab(store, REQUEST, user=User("beheer", "admin"), audit=store_log(store.path))
        folder = spark.folder(store)
        return {
            str(p.relative_to(folder.parent)): ("dir" if p.is_dir() else "file", stat.S_IMODE(p.stat().st_mode))
            for p in [folder, *folder.rglob("*")]
        }


def _keep(monkeypatch: pytest.MonkeyPatch, keep: bool) -> None:
    if keep:
        monkeypatch.setenv("UDC_SPARK_KEEP", "1")
    else:
        monkeypatch.delenv("UDC_SPARK_KEEP", raising=False)
    settings.reset()  # the store fixture already resolved this process's settings


def test_the_hand_over_is_private_and_removed_after_the_job(demo_open: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _keep(monkeypatch, False)
    modes = _job(demo_open)
    folders = {p: m for p, (kind, m) in modes.items() if kind == "dir"}
    files = {p: m for p, (kind, m) in modes.items() if kind == "file"}
    assert set(folders.values()) == {0o700} and ".spark" in folders, folders
    assert [p for p in folders if "/year=2020" in p], "not partitioned by year"
    assert files and set(files.values()) == {0o600}, files
    assert not (demo_open.path / ".spark").exists()


def test_the_hand_over_is_kept_only_when_asked(demo_open: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _keep(monkeypatch, True)
    _job(demo_open)
    assert list((demo_open.path / ".spark").glob("*.parquet"))
    _keep(monkeypatch, False)
    _job(demo_open)
    assert not (demo_open.path / ".spark").exists()


def test_a_dataset_is_handed_over_once_per_version(demo_open: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept copies are reused until *their* dataset changes: another dataset's import leaves them as they are (it
    used to renew every copy: they keyed on the catalogue's generation); replacing the dataset hands it over anew,
    and the old version's copy goes."""
    _keep(monkeypatch, True)
    persons = demo_open.ibis.table("ds_synth_persons_yearly")
    _job(demo_open)
    first = {p.name: p.stat().st_ino for p in (demo_open.path / ".spark").glob("*.parquet")}
    catalogue.save(demo_open, catalogue.Dataset(name="extra_open", title="x", source="test"), pd.DataFrame({"a": [1]}))
    _job(demo_open)
    again = {p.name: p.stat().st_ino for p in (demo_open.path / ".spark").glob("*.parquet")}
    assert again == first and len(first) == 1
    replaced = persons.to_pandas()
    dataset = catalogue.get(demo_open, "synth_persons_yearly")
    catalogue.save(demo_open, dataset, replaced[replaced.year >= 2019])
    _job(demo_open)
    renewed = {p.name: p.stat().st_ino for p in (demo_open.path / ".spark").glob("*.parquet")}
    assert len(renewed) == 1 and renewed.keys() != first.keys()
    years = sorted(p.name for p in next(iter((demo_open.path / ".spark").glob("*.parquet"))).iterdir() if p.is_dir())
    assert years[0] == "year=2019"
    _keep(monkeypatch, False)
    _job(demo_open)


def test_the_hand_over_can_live_on_shared_storage(
    demo_open: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``UDC_SPARK_HANDOVER``: the copies go to a folder of this store's own under the shared root (0700), the Spark
    table has the store's columns in the store's order and types, and the folder goes after the job."""
    monkeypatch.setenv("UDC_SPARK_HANDOVER", str(tmp_path / "shared"))
    _keep(monkeypatch, False)
    modes = _job(demo_open)
    mine = [p for p in modes if p.startswith("udc-") and "/" not in p]
    assert len(mine) == 1 and modes[mine[0]] == ("dir", 0o700)
    assert not (demo_open.path / ".spark").exists()
    with engine.using(demo_open, "spark"):
        on_spark = spark.table(demo_open, "ds_synth_persons_yearly").schema()
    assert on_spark == demo_open.ibis.table("ds_synth_persons_yearly").schema()
    assert not list((tmp_path / "shared").iterdir())
