"""Releases keep their history: re-releasing adds a version, another shape needs an explicit, audited replace."""

from __future__ import annotations

from pathlib import Path

import pytest

import udc
from udc.errors import NotFound, UdcError
from udc.store import Store, catalogue

BY_EDUCATION = {"dataset": "synth_persons_yearly", "dimensions": ["education"]}


def test_re_releasing_adds_a_version_and_keeps_the_old_one(demo_store: Path) -> None:
    s = udc.open(demo_store)
    first = s.table(**BY_EDUCATION, filters=[{"column": "year", "values": [2019]}])
    s.release(first, "inwoners_gemeente", title="Inwoners per gemeente 2019", definition=first.cells.columns.tolist())
    second = s.table(**BY_EDUCATION, filters=[{"column": "year", "values": [2020]}])
    s.release(second, "inwoners_gemeente", title="Inwoners per gemeente 2020")
    history = s.versions("inwoners_gemeente")
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["definition_hash"] and history[1]["definition_hash"] is None
    assert history[0]["rows"] == len(first.cells) and history[0]["policy_version"] == first.policy.version
    newest, older = s.read("inwoners_gemeente"), s.read("inwoners_gemeente", version=1)
    assert newest.equals(second.cells.astype(newest.dtypes.to_dict()))
    assert list(older["count"]) == list(first.cells["count"])  # the old version is still there, unchanged
    with pytest.raises(NotFound, match="no version 7"):
        s.read("inwoners_gemeente", version=7)


def test_another_shape_is_refused_unless_replaced_and_the_replace_is_audited(demo_store: Path) -> None:
    s = udc.open(demo_store)
    by_year = s.table(**BY_EDUCATION)
    s.release(by_year, "vorm", title="per gemeente")
    wider = s.table(dataset="synth_persons_yearly", dimensions=["education", "year"])
    with pytest.raises(UdcError, match=r"v1 has other columns than this table \(with year\).*--replace"):
        s.release(wider, "vorm", title="per gemeente en jaar")
    assert [v["version"] for v in s.versions("vorm")] == [1]  # nothing half-written
    s.release(wider, "vorm", title="per gemeente en jaar", replace=True)
    history = s.versions("vorm")
    assert [(v["version"], v["replaced_shape"]) for v in history] == [(1, False), (2, True)]
    assert "year" in s.read("vorm").columns and "year" not in s.read("vorm", version=1).columns
    releases = [e for e in s.audit_entries() if e["action"] == "gate.release" and '"vorm"' in e["detail"]]
    assert any('"replace": true' in e["detail"] and '"outcome": "done"' in e["detail"] for e in releases)
    assert any('"outcome": "refused"' in e["detail"] or '"outcome": "failed"' in e["detail"] for e in releases)


def test_dropping_a_release_drops_every_version(demo_store: Path) -> None:
    s = udc.open(demo_store)
    for year in (2019, 2020):
        table = s.table(**BY_EDUCATION, filters=[{"column": "year", "values": [year]}])
        s.release(table, "weg", title="tijdelijk")
    with Store(demo_store) as store:
        tables = [catalogue.table_of(store, "weg", v) for v in (1, 2)]
        catalogue.drop(store, "weg")
        assert not catalogue.exists(store, "weg") and not set(tables) & store.tables()
        assert catalogue.versions(store, "weg") == []
