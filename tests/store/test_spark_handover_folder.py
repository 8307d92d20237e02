"""The Spark hand-over's folder without a JVM: what ``spark.handover`` writes (DuckDB writes the Parquet), where, with
which modes, and when it refuses — on shared storage the per-store folder's name is predictable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from udc import settings
from udc.errors import UdcError
from udc.store import Store, catalogue, spark


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "s") as s:
        rows = pd.DataFrame({"year": [2019, 2019, 2020], "gm": ["GM1", "GM2", "GM1"], "record_key": [1, 2, 3]})
        catalogue.save(s, catalogue.Dataset(name="moves", title="m", source="t", sensitivity="microdata"), rows)
        yield s


def _shared(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setenv("UDC_SPARK_HANDOVER", str(root))
    settings.reset()


def test_a_copy_is_private_partitioned_and_whole(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = os.umask(0)  # the loosest umask a caller could have
    try:
        copy = spark.handover(store, "ds_moves")
    finally:
        os.umask(previous)
    assert sorted(p.name for p in copy.iterdir()) == ["_udc_manifest.json", "year=2019", "year=2020"]
    for path in [copy.parent, copy, *copy.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")], "a work folder was left"


def test_a_damaged_copy_is_written_again_not_read(store: Store) -> None:
    """A partition lost from a kept copy (a cleaner, a quota): Spark would count fewer rows than the store, without
    an error — the copy's manifest no longer matches, so it is handed over anew."""
    copy = spark.handover(store, "ds_moves")
    for part in (copy / "year=2020").iterdir():
        part.unlink()
    again = spark.handover(store, "ds_moves")
    assert again == copy and sorted(p.name for p in again.iterdir() if p.is_dir()) == ["year=2019", "year=2020"]
    assert list((again / "year=2020").iterdir())


def test_a_new_version_of_the_dataset_replaces_its_copy_and_only_that(store: Store) -> None:
    first = spark.handover(store, "ds_moves")
    assert spark.handover(store, "ds_moves") == first  # the same version: reused
    catalogue.save(store, catalogue.Dataset(name="other", title="o", source="t"), pd.DataFrame({"a": [1]}))
    assert spark.handover(store, "ds_moves") == first  # another dataset's write leaves it valid
    rows = pd.DataFrame({"year": [2021], "gm": ["GM3"], "record_key": [4]})
    catalogue.save(store, catalogue.get(store, "moves"), rows)
    second = spark.handover(store, "ds_moves")
    assert second != first and not first.exists()
    assert sorted(p.name for p in second.iterdir() if p.is_dir()) == ["year=2021"]


def test_a_folder_planted_on_shared_storage_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another account could create this store's folder (or a link with its name) in the shared root first and
    receive the microdata: udc refuses a link and a folder it does not own, in one line."""
    root = tmp_path / "shared"
    _shared(monkeypatch, root)
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spark.folder(store).symlink_to(elsewhere)
    with pytest.raises(UdcError, match="not a folder of this account's own") as refused:
        spark.handover(store, "ds_moves")
    assert "\n" not in str(refused.value) and not list(elsewhere.iterdir())
    spark.folder(store).unlink()
    copy = spark.handover(store, "ds_moves")
    assert copy.parent.parent == root and spark.folder(store).name.startswith("udc-")
    spark.clean_up(store)
    assert not spark.folder(store).exists() and root.exists()


def test_a_shared_root_others_can_write_into_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another account that may write into the shared root could rename a store's folder away (its copies would then
    outlive the clean-up): a group- or world-writable root must be sticky, like /tmp."""
    root = tmp_path / "shared"
    root.mkdir(mode=0o777)
    os.chmod(root, 0o777)
    _shared(monkeypatch, root)
    with pytest.raises(UdcError, match="others cannot write into"):
        spark.handover(store, "ds_moves")
    os.chmod(root, 0o1777)
    assert spark.handover(store, "ds_moves").parent.parent == root


def test_two_stores_on_shared_storage_never_share_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _shared(monkeypatch, tmp_path / "shared")
    with Store(tmp_path / "a") as a, Store(tmp_path / "b") as b:
        assert spark.folder(a) != spark.folder(b)
