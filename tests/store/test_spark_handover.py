"""Spark's hand-over folder (``STORE/.spark``: whole microdata tables as Parquet, person ids included) is the store
owner's only while the job runs and removed after it, unless ``UDC_SPARK_KEEP`` asks to keep it."""

from __future__ import annotations

import stat

import pytest

from udc import settings
from udc.privacy import engine
from udc.privacy.access import User
from udc.privacy.audit import store_log
from udc.privacy.gate import crosstab
from udc.privacy.request import TableRequest
from udc.store import Store

pytestmark = pytest.mark.slow  # Spark starts a JVM: the second step of 'make test'
REQUEST = TableRequest(dataset="synth_persons_yearly", dimensions=["education"])


def _job(store: Store) -> dict[str, int]:
    """One gate table on Spark; the modes of the hand-over folder and its files while the job runs."""
    with engine.using(store, "spark"):
        crosstab(store, REQUEST, user=User("beheer", "admin"), audit=store_log(store.path))
        folder = store.path / ".spark"
        return {p.name: stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.glob("*")]}


def test_the_hand_over_is_private_and_removed_after_the_job(demo_open: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UDC_SPARK_KEEP", raising=False)
    modes = _job(demo_open)
    assert modes.pop(".spark") == 0o700
    assert modes and set(modes.values()) == {0o600}, modes
    assert not (demo_open.path / ".spark").exists()


def test_the_hand_over_is_kept_only_when_asked(demo_open: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDC_SPARK_KEEP", "1")
    settings.reset()  # the store fixture already resolved this process's settings
    _job(demo_open)
    assert list((demo_open.path / ".spark").glob("*.parquet"))
    monkeypatch.delenv("UDC_SPARK_KEEP")
    settings.reset()
    _job(demo_open)
    assert not (demo_open.path / ".spark").exists()
